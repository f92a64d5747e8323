//! Lifecycle hooks, as Argo CD defines them and as it maps Helm's: which
//! rendered objects are hooks, in which phase they run, in which wave and
//! what happens to them afterwards. Pure rules on annotations; running
//! them is `engine/hooks.rs`.
//!
//! A hook is not a member of the ApplySet: it is created when its phase
//! comes, waited for until it finishes, and never planned, pruned or
//! healed as an object.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::id::ObjectId;
use crate::render::Origin;

pub const ARGO_HOOK: &str = "argocd.argoproj.io/hook";
pub const ARGO_DELETE_POLICY: &str = "argocd.argoproj.io/hook-delete-policy";
pub const HELM_HOOK: &str = "helm.sh/hook";
pub const HELM_WEIGHT: &str = "helm.sh/hook-weight";
pub const HELM_DELETE_POLICY: &str = "helm.sh/hook-delete-policy";

/// Label on every hook object gitsync creates: the ApplySet id it ran for.
pub const HOOK_OF_LABEL: &str = "gitsync.io/hook-of";
/// Label naming which hook of the repository an object was created from,
/// so that `BeforeHookCreation` finds earlier runs of a `generateName` hook.
pub const HOOK_LABEL: &str = "gitsync.io/hook";

/// When a hook runs. Declared in run order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Phase {
    /// Before anything of the sync is applied.
    PreSync,
    /// With the objects of its wave.
    Sync,
    /// Once everything is applied and healthy.
    PostSync,
    /// When a phase failed.
    SyncFail,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::PreSync => "PreSync",
            Phase::Sync => "Sync",
            Phase::PostSync => "PostSync",
            Phase::SyncFail => "SyncFail",
        }
    }
}

/// What happens to a hook object after (or before) it runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeletePolicy {
    /// Deleted once it succeeded.
    pub hook_succeeded: bool,
    /// Deleted once it failed.
    pub hook_failed: bool,
    /// Earlier runs are deleted before it is created again.
    pub before_hook_creation: bool,
}

impl DeletePolicy {
    /// As Argo CD spells them, e.g. `["HookSucceeded"]`.
    pub fn names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.before_hook_creation {
            out.push("BeforeHookCreation");
        }
        if self.hook_succeeded {
            out.push("HookSucceeded");
        }
        if self.hook_failed {
            out.push("HookFailed");
        }
        out
    }
}

/// How one rendered object is to be treated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// An ordinary object: an ApplySet member.
    Object,
    /// A hook: run in each of these phases.
    Hook {
        phases: Vec<Phase>,
        policy: DeletePolicy,
        /// `helm.sh/hook-weight`, used when no wave annotation is given.
        weight: Option<i64>,
    },
    /// Never applied (a Helm `test` hook, Argo CD's `Skip`…): why.
    NotApplied(String),
}

/// Classifies an object by its annotations, as Argo CD does: its own hook
/// annotation wins; otherwise Helm's hooks are mapped (`pre-install` and
/// `pre-upgrade` → PreSync, `post-install` and `post-upgrade` → PostSync);
/// Helm hooks that have no sync equivalent (`test`, `pre/post-delete`,
/// `pre/post-rollback`) are not applied. `Err` says what is wrong.
pub fn classify(annotations: Option<&Map<String, Value>>) -> Result<Class, String> {
    let Some(a) = annotations else {
        return Ok(Class::Object);
    };
    let get = |key: &str| a.get(key).and_then(Value::as_str);
    if let Some(value) = get(ARGO_HOOK) {
        let mut phases = Vec::new();
        for part in list(value) {
            match part {
                "PreSync" => phases.push(Phase::PreSync),
                "Sync" => phases.push(Phase::Sync),
                "PostSync" => phases.push(Phase::PostSync),
                "SyncFail" => phases.push(Phase::SyncFail),
                "Skip" => return Ok(Class::NotApplied(format!("{ARGO_HOOK}: Skip"))),
                "PostDelete" => {
                    return Ok(Class::NotApplied(format!(
                        "{ARGO_HOOK}: PostDelete runs when an application is deleted, which gitsync never does"
                    )));
                }
                other => {
                    return Err(format!(
                        "annotation {ARGO_HOOK}: unknown hook {other:?} (expected PreSync, Sync, PostSync, SyncFail or Skip)"
                    ));
                }
            }
        }
        if phases.is_empty() {
            return Err(format!("annotation {ARGO_HOOK} is empty"));
        }
        let policy = match get(ARGO_DELETE_POLICY) {
            Some(v) => argo_policy(v)?,
            None => match get(HELM_DELETE_POLICY) {
                Some(v) => helm_policy(v)?,
                None => default_policy(),
            },
        };
        phases.sort();
        phases.dedup();
        return Ok(Class::Hook {
            phases,
            policy,
            weight: None,
        });
    }
    let Some(value) = get(HELM_HOOK) else {
        return Ok(Class::Object);
    };
    let mut phases = Vec::new();
    let mut unsupported = Vec::new();
    for part in list(value) {
        match part {
            "pre-install" | "pre-upgrade" => phases.push(Phase::PreSync),
            "post-install" | "post-upgrade" => phases.push(Phase::PostSync),
            // Helm 2's CRD hook: Argo CD applies such CRDs as ordinary objects.
            "crd-install" => return Ok(Class::Object),
            "test" | "test-success" | "test-failure" | "pre-delete" | "post-delete"
            | "pre-rollback" | "post-rollback" => unsupported.push(part),
            other => {
                return Err(format!(
                    "annotation {HELM_HOOK}: unknown hook {other:?} (expected pre-install, post-install, pre-upgrade, post-upgrade, pre-delete, post-delete, pre-rollback, post-rollback or test)"
                ));
            }
        }
    }
    if phases.is_empty() {
        if unsupported.is_empty() {
            return Err(format!("annotation {HELM_HOOK} is empty"));
        }
        return Ok(Class::NotApplied(format!(
            "{HELM_HOOK}: {} has no place in a sync",
            unsupported.join(",")
        )));
    }
    let policy = match get(HELM_DELETE_POLICY) {
        Some(v) => helm_policy(v)?,
        None => default_policy(),
    };
    let weight = match get(HELM_WEIGHT) {
        None => None,
        Some(w) => Some(w.trim().parse::<i64>().map_err(|_| {
            format!("annotation {HELM_WEIGHT} must be a whole number such as \"-5\", found {w:?}")
        })?),
    };
    phases.sort();
    phases.dedup();
    Ok(Class::Hook {
        phases,
        policy,
        weight,
    })
}

/// Argo CD's default (and Helm's): earlier runs go before a new one.
fn default_policy() -> DeletePolicy {
    DeletePolicy {
        before_hook_creation: true,
        ..DeletePolicy::default()
    }
}

fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn argo_policy(value: &str) -> Result<DeletePolicy, String> {
    let mut p = DeletePolicy::default();
    for part in list(value) {
        match part {
            "HookSucceeded" => p.hook_succeeded = true,
            "HookFailed" => p.hook_failed = true,
            "BeforeHookCreation" => p.before_hook_creation = true,
            other => {
                return Err(format!(
                    "annotation {ARGO_DELETE_POLICY}: unknown policy {other:?} (expected HookSucceeded, HookFailed or BeforeHookCreation)"
                ));
            }
        }
    }
    Ok(if p == DeletePolicy::default() {
        default_policy()
    } else {
        p
    })
}

fn helm_policy(value: &str) -> Result<DeletePolicy, String> {
    let mut p = DeletePolicy::default();
    for part in list(value) {
        match part {
            "hook-succeeded" => p.hook_succeeded = true,
            "hook-failed" => p.hook_failed = true,
            "before-hook-creation" => p.before_hook_creation = true,
            other => {
                return Err(format!(
                    "annotation {HELM_DELETE_POLICY}: unknown policy {other:?} (expected before-hook-creation, hook-succeeded or hook-failed)"
                ));
            }
        }
    }
    Ok(if p == DeletePolicy::default() {
        default_policy()
    } else {
        p
    })
}

/// A hook as a sync will run it: namespace resolved, labels added.
#[derive(Debug, Clone)]
pub struct PlannedHook {
    pub phase: Phase,
    pub wave: i64,
    pub policy: DeletePolicy,
    pub api_version: String,
    /// Namespace resolved; the name is the `generateName` prefix when
    /// `generate_name` is set.
    pub id: ObjectId,
    pub generate_name: bool,
    pub origin: Origin,
    /// Exactly what is sent.
    pub manifest: Value,
}

/// A hook's name for people: a `generateName` prefix shows as
/// `migrate-<generated>`.
pub fn label(id: &ObjectId, api_version: &str, generate_name: bool) -> String {
    let label = id.label(api_version);
    if generate_name {
        format!("{label}<generated>")
    } else {
        label
    }
}

impl PlannedHook {
    /// `batch/v1 Job shop/migrate-` for a generated name; the real name
    /// once created is in the sync result.
    pub fn label(&self) -> String {
        label(&self.id, &self.api_version, self.generate_name)
    }

    /// Jobs and Pods are waited for until they finish; anything else until
    /// it is healthy.
    pub fn completes(&self) -> bool {
        completes(&self.id)
    }
}

/// Whether objects of this kind run to completion (Job, Pod).
pub fn completes(id: &ObjectId) -> bool {
    matches!(
        (id.group.as_str(), id.kind.as_str()),
        ("batch", "Job") | ("", "Pod")
    )
}

/// The value of [`HOOK_LABEL`] for a hook: a short digest of what the
/// repository calls it (phase, kind, namespace, name or prefix), a valid
/// label value whatever the name's length.
pub fn hook_key(phase: Phase, id: &ObjectId, generate_name: bool) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(
        format!(
            "{}\0{}\0{}\0{}\0{}\0{}",
            phase.as_str(),
            id.group,
            id.kind,
            id.namespace.as_deref().unwrap_or(""),
            id.name,
            generate_name
        )
        .as_bytes(),
    );
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// How a completed (or not) hook object stands: `None` while it runs.
/// Jobs finish with a Complete or Failed condition, Pods with phase
/// Succeeded or Failed. (kstatus calls a running Job Current, which is
/// not "done" for a hook.)
pub fn finished(obj: &Value) -> Option<Result<(), String>> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let status = obj.get("status")?;
    match kind {
        "Job" => {
            let conditions = status.get("conditions")?.as_array()?;
            let true_of = |t: &str| {
                conditions.iter().find(|c| {
                    c.get("type").and_then(Value::as_str) == Some(t)
                        && c.get("status").and_then(Value::as_str) == Some("True")
                })
            };
            if true_of("Complete").is_some() {
                return Some(Ok(()));
            }
            let failed = true_of("Failed")?;
            let reason = failed.get("reason").and_then(Value::as_str).unwrap_or("");
            let message = failed.get("message").and_then(Value::as_str).unwrap_or("");
            Some(Err(join_reason(reason, message)))
        }
        "Pod" => match status.get("phase").and_then(Value::as_str) {
            Some("Succeeded") => Some(Ok(())),
            Some("Failed") => Some(Err(pod_failure(obj))),
            _ => None,
        },
        _ => None,
    }
}

/// Why a Pod failed, from its status: each terminated container's reason
/// and exit code, else the Pod's own reason and message.
pub fn pod_failure(pod: &Value) -> String {
    let status = &pod["status"];
    let mut parts = Vec::new();
    for key in ["initContainerStatuses", "containerStatuses"] {
        for cs in status[key].as_array().into_iter().flatten() {
            let t = &cs["state"]["terminated"];
            let code = t["exitCode"].as_i64().unwrap_or(0);
            if t.is_object() && code != 0 {
                let mut part = format!(
                    "container {} exited with code {code}",
                    cs["name"].as_str().unwrap_or("?")
                );
                if let Some(r) = t["reason"].as_str().filter(|r| !r.is_empty()) {
                    part.push_str(&format!(" ({r})"));
                }
                if let Some(m) = t["message"].as_str().filter(|m| !m.is_empty()) {
                    part.push_str(&format!(": {m}"));
                }
                parts.push(part);
            }
        }
    }
    if parts.is_empty() {
        let reason = status["reason"].as_str().unwrap_or("");
        let message = status["message"].as_str().unwrap_or("");
        let both = join_reason(reason, message);
        return if both.is_empty() {
            "the Pod failed".into()
        } else {
            both
        };
    }
    parts.join("; ")
}

fn join_reason(reason: &str, message: &str) -> String {
    match (reason.is_empty(), message.is_empty()) {
        (false, false) => format!("{reason}: {message}"),
        (false, true) => reason.to_string(),
        (true, false) => message.to_string(),
        (true, true) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn class(annotations: Value) -> Result<Class, String> {
        classify(annotations.as_object())
    }

    fn hook(phases: &[Phase], policy: DeletePolicy, weight: Option<i64>) -> Class {
        Class::Hook {
            phases: phases.to_vec(),
            policy,
            weight,
        }
    }

    const BEFORE: DeletePolicy = DeletePolicy {
        hook_succeeded: false,
        hook_failed: false,
        before_hook_creation: true,
    };

    #[test]
    fn no_hook_annotation_is_an_object() {
        assert_eq!(classify(None), Ok(Class::Object));
        assert_eq!(class(json!({"a": "b"})), Ok(Class::Object));
    }

    #[test]
    fn argo_phases_and_the_default_policy() {
        for (value, phase) in [
            ("PreSync", Phase::PreSync),
            ("Sync", Phase::Sync),
            ("PostSync", Phase::PostSync),
            ("SyncFail", Phase::SyncFail),
        ] {
            assert_eq!(
                class(json!({ARGO_HOOK: value})),
                Ok(hook(&[phase], BEFORE, None))
            );
        }
        assert_eq!(
            class(json!({ARGO_HOOK: "PostSync, PreSync"})),
            Ok(hook(&[Phase::PreSync, Phase::PostSync], BEFORE, None))
        );
    }

    #[test]
    fn argo_delete_policies() {
        let c =
            class(json!({ARGO_HOOK: "PreSync", ARGO_DELETE_POLICY: "HookSucceeded,HookFailed"}));
        assert_eq!(
            c,
            Ok(hook(
                &[Phase::PreSync],
                DeletePolicy {
                    hook_succeeded: true,
                    hook_failed: true,
                    before_hook_creation: false
                },
                None
            ))
        );
        let c = class(json!({ARGO_HOOK: "Sync", ARGO_DELETE_POLICY: "BeforeHookCreation"}));
        assert_eq!(c, Ok(hook(&[Phase::Sync], BEFORE, None)));
        let err = class(json!({ARGO_HOOK: "Sync", ARGO_DELETE_POLICY: "Never"})).unwrap_err();
        assert!(err.contains("unknown policy \"Never\""), "{err}");
    }

    #[test]
    fn argo_skip_and_unknown_hooks() {
        assert!(matches!(
            class(json!({ARGO_HOOK: "Skip"})),
            Ok(Class::NotApplied(_))
        ));
        let err = class(json!({ARGO_HOOK: "PreSinc"})).unwrap_err();
        assert!(err.contains("unknown hook \"PreSinc\""), "{err}");
    }

    #[test]
    fn helm_hooks_map_as_argo_maps_them() {
        assert_eq!(
            class(json!({HELM_HOOK: "pre-install,pre-upgrade", HELM_WEIGHT: "-5"})),
            Ok(hook(&[Phase::PreSync], BEFORE, Some(-5)))
        );
        assert_eq!(
            class(
                json!({HELM_HOOK: "post-upgrade", HELM_DELETE_POLICY: "hook-succeeded,before-hook-creation"})
            ),
            Ok(hook(
                &[Phase::PostSync],
                DeletePolicy {
                    hook_succeeded: true,
                    hook_failed: false,
                    before_hook_creation: true
                },
                None
            ))
        );
        assert_eq!(
            class(json!({HELM_HOOK: "post-install", HELM_DELETE_POLICY: "hook-failed"})),
            Ok(hook(
                &[Phase::PostSync],
                DeletePolicy {
                    hook_failed: true,
                    ..DeletePolicy::default()
                },
                None
            ))
        );
        // Mixed with unsupported ones, the supported part counts.
        assert_eq!(
            class(json!({HELM_HOOK: "pre-upgrade,pre-rollback"})),
            Ok(hook(&[Phase::PreSync], BEFORE, None))
        );
    }

    #[test]
    fn helm_test_delete_and_rollback_hooks_are_not_applied() {
        for v in [
            "test",
            "test-success",
            "pre-delete",
            "post-delete",
            "pre-rollback,post-rollback",
        ] {
            match class(json!({HELM_HOOK: v})) {
                Ok(Class::NotApplied(why)) => assert!(why.contains(v), "{why}"),
                other => panic!("{v}: {other:?}"),
            }
        }
        assert_eq!(class(json!({HELM_HOOK: "crd-install"})), Ok(Class::Object));
    }

    #[test]
    fn argo_annotation_wins_over_helm() {
        assert_eq!(
            class(json!({ARGO_HOOK: "Sync", HELM_HOOK: "test", HELM_WEIGHT: "3"})),
            Ok(hook(&[Phase::Sync], BEFORE, None))
        );
    }

    #[test]
    fn bad_helm_values_are_errors() {
        assert!(
            class(json!({HELM_HOOK: "pre-instal"}))
                .unwrap_err()
                .contains("unknown hook")
        );
        assert!(
            class(json!({HELM_HOOK: "pre-install", HELM_WEIGHT: "high"}))
                .unwrap_err()
                .contains(HELM_WEIGHT)
        );
        assert!(
            class(json!({HELM_HOOK: "pre-install", HELM_DELETE_POLICY: "always"}))
                .unwrap_err()
                .contains("unknown policy")
        );
    }

    #[test]
    fn jobs_and_pods_finish_by_their_own_rules() {
        let job = |conds: Value| json!({"kind": "Job", "status": {"conditions": conds}});
        assert_eq!(finished(&job(json!([]))), None);
        assert_eq!(
            finished(&job(json!([{"type": "Complete", "status": "True"}]))),
            Some(Ok(()))
        );
        assert_eq!(
            finished(&job(json!([{"type": "Failed", "status": "True",
                "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]))),
            Some(Err(
                "BackoffLimitExceeded: Job has reached the specified backoff limit".into()
            ))
        );
        let pod = json!({"kind": "Pod", "status": {"phase": "Failed", "containerStatuses": [
            {"name": "main", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}});
        assert_eq!(
            finished(&pod),
            Some(Err("container main exited with code 1 (Error)".into()))
        );
        assert_eq!(
            finished(&json!({"kind": "Pod", "status": {"phase": "Running"}})),
            None
        );
        assert_eq!(
            finished(&json!({"kind": "Pod", "status": {"phase": "Succeeded"}})),
            Some(Ok(()))
        );
    }

    #[test]
    fn hook_keys_are_label_values_and_tell_hooks_apart() {
        let id = |name: &str| ObjectId {
            group: "batch".into(),
            kind: "Job".into(),
            namespace: Some("shop".into()),
            name: name.into(),
        };
        let a = hook_key(Phase::PreSync, &id("migrate-"), true);
        assert_eq!(a.len(), 24);
        assert_ne!(a, hook_key(Phase::PostSync, &id("migrate-"), true));
        assert_ne!(a, hook_key(Phase::PreSync, &id("other-"), true));
        assert_eq!(a, hook_key(Phase::PreSync, &id("migrate-"), true));
    }
}
