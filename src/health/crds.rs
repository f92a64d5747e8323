//! Built-in rules for common custom resources whose status kstatus
//! misreads. kstatus looks only at `Reconciling` and `Stalled`; everything
//! else is Current at once. These projects report progress and failure in
//! a `Ready` (or `Synced`) condition or a phase instead, so without a rule
//! a sync would call a Certificate that was never issued healthy.
//!
//! The generic kstatus checks (deletion, observed generation, Reconciling,
//! Stalled) still come first; the rules below decide only what they leave.

use serde_json::Value;

use super::{Health, conditions, current, failed, find_condition, in_progress, str_field};

/// The rule for this object, by group and kind (or, for Crossplane-style
/// resources, by their `Synced` condition), with its name for `health
/// explain`.
pub(super) fn rule_for(obj: &Value, group: &str, kind: &str) -> Option<(&'static str, Health)> {
    let by_kind = match (group, kind) {
        ("cert-manager.io", "Certificate") => Some(("cert-manager Certificate", certificate(obj))),
        ("cert-manager.io", "Issuer" | "ClusterIssuer") => {
            Some(("cert-manager issuer", ready_condition(obj, kind)))
        }
        ("argoproj.io", "Rollout") => Some(("Argo Rollouts Rollout", rollout(obj))),
        ("kustomize.toolkit.fluxcd.io", "Kustomization")
        | ("helm.toolkit.fluxcd.io", "HelmRelease")
        | (
            "source.toolkit.fluxcd.io",
            "GitRepository" | "OCIRepository" | "Bucket" | "HelmChart",
        ) => Some(("Flux Ready condition", ready_condition(obj, kind))),
        ("keda.sh", "ScaledObject" | "ScaledJob") => {
            Some(("KEDA Ready condition", ready_condition(obj, kind)))
        }
        _ => None,
    };
    if by_kind.is_some() {
        return by_kind;
    }
    let conds = conditions(obj);
    conds.iter().any(|c| c.type_ == "Synced").then(|| {
        (
            "Crossplane-style Synced/Ready conditions",
            synced_ready(obj, kind),
        )
    })
}

/// `Ready` True → Current; False → Failed (a controller reported why; the
/// wait goes on, since it may recover); Unknown or absent → InProgress.
fn ready_condition(obj: &Value, kind: &str) -> Health {
    let conds = conditions(obj);
    match conds.iter().find(|c| c.type_ == "Ready") {
        Some(c) if c.status == "True" => {
            current(format!("{kind} is ready: {}", c.explain("Ready")))
        }
        Some(c) if c.status == "False" => failed(format!(
            "{kind} is not ready: {}",
            c.explain("Ready is False")
        )),
        Some(c) => in_progress(format!(
            "{kind} is not ready yet: {}",
            c.explain("Ready is Unknown")
        )),
        None => in_progress(format!("{kind} has no Ready condition yet")),
    }
}

/// cert-manager sets `Issuing` while it gets a certificate; `Ready` is
/// False then (reason DoesNotExist), which is progress, not failure.
fn certificate(obj: &Value) -> Health {
    let conds = conditions(obj);
    if let Some(c) = find_condition(&conds, "Issuing", "True") {
        return in_progress(format!(
            "Certificate is being issued: {}",
            c.explain("Issuing")
        ));
    }
    ready_condition(obj, "Certificate")
}

/// Argo Rollouts reports `status.phase`: Healthy, Progressing, Paused or
/// Degraded (its `observedGeneration` is not a number kstatus can use).
fn rollout(obj: &Value) -> Health {
    let message = str_field(obj, &["status", "message"]).unwrap_or("");
    let with = |what: &str| {
        if message.is_empty() {
            what.to_string()
        } else {
            format!("{what}: {message}")
        }
    };
    match str_field(obj, &["status", "phase"]) {
        Some("Healthy") => current("Rollout is healthy"),
        Some("Degraded") => failed(with("Rollout is degraded")),
        Some("Paused") => in_progress(with("Rollout is paused")),
        Some("Progressing") => in_progress(with("Rollout is progressing")),
        Some(other) => in_progress(format!("Rollout is in phase {other}")),
        None => in_progress("Rollout has no status.phase yet"),
    }
}

/// Crossplane managed resources and claims (and SealedSecrets): `Synced`
/// False is a failed reconcile; `Ready` says whether the external resource
/// is available, and a resource without `Ready` is done once synced.
fn synced_ready(obj: &Value, kind: &str) -> Health {
    let conds = conditions(obj);
    let synced = conds.iter().find(|c| c.type_ == "Synced");
    if let Some(c) = synced.filter(|c| c.status == "False") {
        return failed(format!(
            "{kind} could not be synced: {}",
            c.explain("Synced is False")
        ));
    }
    match conds.iter().find(|c| c.type_ == "Ready") {
        Some(c) if c.status == "True" => current(format!("{kind} is synced and ready")),
        Some(c) => in_progress(format!(
            "{kind} is not ready yet: {}",
            c.explain("Ready is not True")
        )),
        None if synced.is_some_and(|c| c.status == "True") => current(format!("{kind} is synced")),
        None => in_progress(format!("{kind} is not synced yet")),
    }
}
