//! The delete gate: the only code in gitsync that deletes an object.
//!
//! Every delete (prune, a hook's delete policies, `--force-replace`) is
//! judged here first and made here, in two steps: [`judge`] looks at the
//! object as read and returns a [`Permit`] or a [`Refusal`]; [`delete`]
//! consumes the permit. A permit can only be made by `judge` (its fields
//! are private), and `kube::Api::delete` is a disallowed method everywhere
//! but here (clippy.toml), so a delete that skips the checks does not
//! build.
//!
//! The checks, in order:
//! - ownership: a member carries this ApplySet's part-of label, set by
//!   gitsync's field manager, and no controller owns it; a hook's run
//!   carries the hook labels with this ApplySet's id, set by gitsync's
//!   field manager (a member that became a hook counts as ours too);
//! - `gitsync.io/prune: disabled`: never deleted, for any purpose;
//! - a PersistentVolumeClaim only with `--prune-pvcs` (its volume's data
//!   may go with it);
//! - cascades: a Namespace's objects or a CRD's custom resources would go
//!   with it; only what this very run may delete itself ([`Deletable`])
//!   may go, so a member that prune refused or kept stops the delete;
//! - preconditions: the uid and resourceVersion the judgement saw go with
//!   the delete. An object changed since fails it (409), is read again and
//!   judged anew: nothing is deleted that was not judged as it is.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use kube::api::{DeleteParams, ListParams, Preconditions};
use kube::discovery::ApiResource;
use serde_json::Value;

use super::Engine;
use crate::cluster::applyset::{PART_OF, PREVIEW_OF, PRUNE, prune_disabled};
use crate::cluster::resource::{FIELD_MANAGER, api_error_message, with_type};
use crate::cluster::retry;
use crate::hooks::{HOOK_LABEL, HOOK_OF_LABEL};

/// How many names a refusal lists before it only counts.
const SHOWN: usize = 5;
/// How long a delete that must finish (a hook's earlier run, a replace)
/// waits for the object to be gone.
const GONE_WITHIN: Duration = Duration::from_secs(120);

/// Why an object is to be deleted: which ownership it must show, and how
/// refusals are worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// A member Git no longer has.
    Prune,
    /// A hook's earlier run (`BeforeHookCreation`) or a finished run
    /// (`HookSucceeded`, `HookFailed`).
    Hook,
    /// A member deleted to be created again (`--force-replace`).
    Replace,
    /// A preview's Namespace, closed with what it holds.
    Preview,
}

impl Purpose {
    fn deleting(self) -> &'static str {
        match self {
            Purpose::Prune | Purpose::Hook | Purpose::Preview => "deleting",
            Purpose::Replace => "replacing (deleting and recreating)",
        }
    }
}

/// What the command line allows beyond the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Rules {
    /// `--prune-pvcs`: PersistentVolumeClaims may be deleted (pruned or
    /// replaced).
    pub prune_pvcs: bool,
}

/// The uids of objects this very run may delete itself (prunes the gate
/// allowed): when a Namespace or CRD delete would take them along, nothing
/// is lost that the run would not delete anyway. Members prune refused or
/// kept, and desired members, are not in it.
#[derive(Debug, Clone, Default)]
pub(super) struct Deletable(HashSet<String>);

impl Deletable {
    pub fn insert(&mut self, uid: String) {
        self.0.insert(uid);
    }

    pub fn remove(&mut self, uid: &str) {
        self.0.remove(uid);
    }
}

/// Why the gate does not let an object be deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// It is not gitsync's (why not).
    NotOurs(String),
    /// `gitsync.io/prune: disabled`.
    OptedOut,
    /// Deleting it would take what gitsync may not delete (a volume's
    /// data, a Namespace's other objects, a CRD's custom resources), or
    /// that could not be checked.
    Loss(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotOurs(why) => write!(f, "not gitsync's: {why}"),
            Refusal::OptedOut => write!(f, "{PRUNE} is disabled on it"),
            Refusal::Loss(what) => f.write_str(what),
        }
    }
}

/// Leave to delete one object exactly as it was judged. Only [`judge`]
/// makes one; [`delete`] consumes it.
#[must_use = "a permit deletes nothing until gate::delete consumes it"]
pub(super) struct Permit {
    ar: ApiResource,
    namespace: Option<String>,
    name: String,
    uid: String,
    resource_version: String,
    purpose: Purpose,
    rules: Rules,
}

/// How a delete ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Deleted {
    Gone,
    /// Judged again (it changed since) and no longer gitsync's to delete,
    /// or opted out: kept, why.
    Kept(String),
    /// Judged again at delete time: deleting it would now take what it may
    /// not (objects created meanwhile in a Namespace, say).
    Refused(String),
}

/// How a delete is made.
#[derive(Debug, Clone, Copy)]
pub(super) struct How {
    /// Dependents go first (a replace: nothing of the old object may
    /// outlive it), or in the background.
    pub foreground: bool,
    /// Returns only once the object is gone (it is created again next).
    pub wait_gone: bool,
}

impl How {
    pub const BACKGROUND: How = How {
        foreground: false,
        wait_gone: false,
    };
}

/// Judges one live object (as listed or read, with its type) for a
/// delete. The cascade checks list what a Namespace or CRD would take.
pub(super) async fn judge(
    engine: &Engine,
    obj: &Value,
    ar: &ApiResource,
    purpose: Purpose,
    rules: Rules,
    deletable: &Deletable,
) -> Result<Permit, Refusal> {
    standing(&engine.applyset.id, obj, ar, purpose, rules)?;
    let meta = |p: &str| obj.pointer(p).and_then(Value::as_str).map(str::to_string);
    let (Some(name), Some(uid), Some(resource_version)) = (
        meta("/metadata/name"),
        meta("/metadata/uid"),
        meta("/metadata/resourceVersion"),
    ) else {
        return Err(Refusal::Loss(
            "it has no name, uid or resourceVersion to delete it by".into(),
        ));
    };
    let taken = match (ar.group.as_str(), ar.kind.as_str()) {
        ("", "Namespace") => foreign_in_namespace(engine, &name, deletable)
            .await
            .map(|found| ("objects".to_string(), found)),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            foreign_custom_resources(engine, obj, deletable).await
        }
        _ => Ok((String::new(), Vec::new())),
    };
    let deleting = purpose.deleting();
    match taken {
        Ok((_, found)) if found.is_empty() => {}
        Ok((what, found)) => {
            return Err(Refusal::Loss(format!(
                "{deleting} it would delete {}",
                describe(&what, &found)
            )));
        }
        Err(unchecked) => {
            return Err(Refusal::Loss(format!(
                "{deleting} it would delete what it holds, which could not be checked: {unchecked}"
            )));
        }
    }
    Ok(Permit {
        ar: ar.clone(),
        namespace: meta("/metadata/namespace"),
        name,
        uid,
        resource_version,
        purpose,
        rules,
    })
}

/// The checks on the object itself: ownership, opt-out, volumes.
fn standing(
    applyset_id: &str,
    obj: &Value,
    ar: &ApiResource,
    purpose: Purpose,
    rules: Rules,
) -> Result<(), Refusal> {
    let owned = match purpose {
        Purpose::Prune | Purpose::Replace => ours(obj, applyset_id),
        Purpose::Hook => hook_owned(obj, applyset_id),
        Purpose::Preview => preview_owned(obj, applyset_id),
    };
    owned.map_err(Refusal::NotOurs)?;
    if prune_disabled(obj) {
        return Err(Refusal::OptedOut);
    }
    if ar.group.is_empty() && ar.kind == "PersistentVolumeClaim" && !rules.prune_pvcs {
        return Err(Refusal::Loss(format!(
            "{} a PersistentVolumeClaim can delete its volume's data: pass --prune-pvcs to allow it",
            purpose.deleting()
        )));
    }
    Ok(())
}

/// Deletes the object of `permit` with its preconditions. When it changed
/// since it was judged (409), it is read and judged again (with the same
/// purpose, rules and `deletable`), and deleted only if it passes.
pub(super) async fn delete(
    engine: &Engine,
    permit: Permit,
    deletable: &Deletable,
    how: How,
) -> Result<Deleted, String> {
    let api = engine.cluster.api(&permit.ar, permit.namespace.as_deref());
    let mut permit = permit;
    for _ in 0..3 {
        let mut params = if how.foreground {
            DeleteParams::foreground()
        } else {
            DeleteParams::background()
        };
        params.preconditions = Some(Preconditions {
            uid: Some(permit.uid.clone()),
            resource_version: Some(permit.resource_version.clone()),
        });
        #[allow(clippy::disallowed_methods)] // the one delete: judged above
        let result = retry(|| api.delete(&permit.name, &params)).await;
        match result {
            Ok(_) if how.wait_gone => return wait_gone(engine, &permit).await,
            Ok(_) => return Ok(Deleted::Gone),
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(Deleted::Gone),
            Err(kube::Error::Api(s)) if s.code == 409 => {
                let fresh = match retry(|| api.get_opt(&permit.name)).await {
                    Ok(Some(o)) => with_type(o, &permit.ar),
                    Ok(None) => return Ok(Deleted::Gone),
                    Err(e) => return Err(api_error_message(&e)),
                };
                match judge(
                    engine,
                    &fresh,
                    &permit.ar,
                    permit.purpose,
                    permit.rules,
                    deletable,
                )
                .await
                {
                    Ok(p) => permit = p,
                    Err(refusal) => return Ok(changed(refusal)),
                }
            }
            Err(e) => return Err(api_error_message(&e)),
        }
    }
    Err("changed again while being deleted; not deleted (rerun to plan again)".into())
}

/// What a refusal of an object that changed since it was judged means.
fn changed(refusal: Refusal) -> Deleted {
    match refusal {
        Refusal::NotOurs(why) => Deleted::Kept(format!(
            "changed since it was planned and no longer gitsync's: {why}"
        )),
        Refusal::OptedOut => {
            Deleted::Kept(format!("changed since it was planned: {PRUNE} is disabled"))
        }
        Refusal::Loss(what) => Deleted::Refused(what),
    }
}

/// A delete of an object by name, to be judged as the object is when it
/// is made.
pub(super) struct Request<'a> {
    pub ar: &'a ApiResource,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    pub purpose: Purpose,
    pub rules: Rules,
    pub deletable: &'a Deletable,
    /// The uid and resourceVersion an earlier judgement (the plan) saw:
    /// an object that differs since and is kept is said to have changed.
    pub planned: Option<&'a (String, String)>,
    pub how: How,
}

/// Reads the object now and deletes it if the gate allows: what sync does
/// at delete time, so that the cascade checks see objects created during
/// its waits.
pub(super) async fn delete_now(engine: &Engine, request: Request<'_>) -> Result<Deleted, String> {
    let Request {
        ar,
        namespace,
        name,
        purpose,
        rules,
        deletable,
        planned,
        how,
    } = request;
    let api = engine.cluster.api(ar, namespace);
    let live = match retry(|| api.get_opt(name)).await {
        Ok(Some(o)) => with_type(o, ar),
        Ok(None) => return Ok(Deleted::Gone),
        Err(e) => return Err(api_error_message(&e)),
    };
    match judge(engine, &live, ar, purpose, rules, deletable).await {
        Ok(permit) => delete(engine, permit, deletable, how).await,
        Err(refusal) if planned.is_some() && planned != preconditions(&live).as_ref() => {
            Ok(changed(refusal))
        }
        Err(Refusal::Loss(what)) => Ok(Deleted::Refused(what)),
        Err(refusal) => Ok(Deleted::Kept(refusal.to_string())),
    }
}

/// Polls until the permit's object is gone (or another object took its
/// name).
async fn wait_gone(engine: &Engine, permit: &Permit) -> Result<Deleted, String> {
    let api = engine.cluster.api(&permit.ar, permit.namespace.as_deref());
    let deadline = Instant::now() + GONE_WITHIN;
    loop {
        match retry(|| api.get_opt(&permit.name)).await {
            Ok(None) => return Ok(Deleted::Gone),
            Ok(Some(o)) if o.metadata.uid.as_deref() != Some(permit.uid.as_str()) => {
                return Ok(Deleted::Gone);
            }
            Ok(Some(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await
            }
            Ok(Some(_)) => {
                return Err(format!(
                    "still there {} s after deleting it",
                    GONE_WITHIN.as_secs()
                ));
            }
            Err(e) => return Err(api_error_message(&e)),
        }
    }
}

/// Ok when the object is gitsync's member: it carries `id` as its part-of
/// label, gitsync's field manager owns that label, and no controller owns
/// the object. Otherwise why not.
pub(super) fn ours(obj: &Value, id: &str) -> Result<(), String> {
    if label(obj, PART_OF) != Some(id) {
        return Err("it does not carry this ApplySet's part-of label".into());
    }
    if let Some(owner) = controller(obj) {
        return Err(format!("it is controlled by {owner}"));
    }
    if set_by_gitsync(obj, &[PART_OF]) {
        Ok(())
    } else {
        Err("the part-of label was not set by gitsync (its field manager does not own it)".into())
    }
}

/// Ok when a hook may take the object's place: it is a run of one of this
/// ApplySet's hooks, or a member that Git now declares as a hook of the
/// same name. Otherwise why not.
pub(super) fn hook_owned(obj: &Value, id: &str) -> Result<(), String> {
    hook_ours(obj, id).or_else(|e| ours(obj, id).map_err(|_| e))
}

/// Ok when the object is a run of one of this ApplySet's hooks: it carries
/// the hook labels with `id`, gitsync's field manager set both, and no
/// controller owns it.
fn hook_ours(obj: &Value, id: &str) -> Result<(), String> {
    if label(obj, HOOK_OF_LABEL) != Some(id) || label(obj, HOOK_LABEL).is_none() {
        return Err(format!(
            "it is neither a member nor a hook of this ApplySet (no {HOOK_OF_LABEL} label with its id)"
        ));
    }
    if let Some(owner) = controller(obj) {
        return Err(format!("it is controlled by {owner}"));
    }
    if set_by_gitsync(obj, &[HOOK_OF_LABEL, HOOK_LABEL]) {
        Ok(())
    } else {
        Err("its hook labels were not set by gitsync (its field manager does not own them)".into())
    }
}

/// Ok when the object is a preview's Namespace that gitsync created for
/// the ApplySet `id`: it carries `gitsync.io/preview-of` with `id`, set
/// by gitsync's field manager, and no controller owns it.
pub(super) fn preview_owned(obj: &Value, id: &str) -> Result<(), String> {
    if label(obj, PREVIEW_OF) != Some(id) {
        return Err(format!(
            "it is not this preview's namespace (no {PREVIEW_OF} label with its ApplySet's id)"
        ));
    }
    if let Some(owner) = controller(obj) {
        return Err(format!("it is controlled by {owner}"));
    }
    if set_by_gitsync(obj, &[PREVIEW_OF]) {
        Ok(())
    } else {
        Err(format!("its {PREVIEW_OF} label was not set by gitsync"))
    }
}

fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/labels")?.get(key)?.as_str()
}

/// Whether gitsync's field manager owns every one of these labels.
fn set_by_gitsync(obj: &Value, labels: &[&str]) -> bool {
    let gitsync_labels: Vec<&Value> = obj
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("manager").and_then(Value::as_str) == Some(FIELD_MANAGER))
        .filter_map(|e| e.pointer("/fieldsV1/f:metadata/f:labels"))
        .collect();
    labels.iter().all(|l| {
        let field = format!("f:{l}");
        gitsync_labels.iter().any(|f| f.get(&field).is_some())
    })
}

fn controller(obj: &Value) -> Option<String> {
    obj.pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| r.get("controller") == Some(&Value::Bool(true)))
        .map(|r| {
            format!(
                "{} {}",
                r.get("kind").and_then(Value::as_str).unwrap_or("?"),
                r.get("name").and_then(Value::as_str).unwrap_or("?")
            )
        })
}

fn uid(obj: &Value) -> Option<String> {
    obj.pointer("/metadata/uid")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The uid and resourceVersion a delete of `obj` is made with.
pub(super) fn preconditions(obj: &Value) -> Option<(String, String)> {
    let rv = obj.pointer("/metadata/resourceVersion")?.as_str()?;
    Some((uid(obj)?, rv.to_string()))
}

/// `3 objects this sync may not delete: ConfigMap a, Secret b, …`.
fn describe(what: &str, found: &[String]) -> String {
    let mut shown: Vec<&str> = found.iter().take(SHOWN).map(String::as_str).collect();
    if found.len() > SHOWN {
        shown.push("…");
    }
    format!(
        "{} {what} with it that this sync may not delete: {}",
        found.len(),
        shown.join(", ")
    )
}

/// Every object in the namespace that this run may not delete: neither
/// deletable nor owned (through ownerReferences) by what is, nor what the
/// system puts in every namespace, nor already being deleted. One LIST
/// per namespaced type the server serves.
async fn foreign_in_namespace(
    engine: &Engine,
    namespace: &str,
    deletable: &Deletable,
) -> Result<Vec<String>, String> {
    let cluster = &engine.cluster;
    let mut objects: Vec<Value> = Vec::new();
    for group in cluster.discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            let listable = caps.supports_operation(kube::discovery::verbs::LIST);
            if !listable
                || !matches!(caps.scope, kube::discovery::Scope::Namespaced)
                || matches!(ar.kind.as_str(), "Event" | "Binding")
            {
                continue;
            }
            let api = cluster.api(&ar, Some(namespace));
            let params = ListParams::default();
            match retry(|| api.list(&params)).await {
                Ok(list) => objects.extend(list.items.into_iter().map(|o| with_type(o, &ar))),
                Err(e) => {
                    return Err(format!(
                        "cannot list {} in it ({})",
                        ar.plural,
                        api_error_message(&e)
                    ));
                }
            }
        }
    }
    Ok(foreign(&objects, deletable))
}

/// The objects this run may not delete, following ownerReferences from
/// the deletable ones (a Deployment's ReplicaSets and Pods go with it).
fn foreign(objects: &[Value], deletable: &Deletable) -> Vec<String> {
    let mut owned: HashSet<String> = deletable.0.clone();
    // Ownership chains are short (Deployment → ReplicaSet → Pod).
    let by_uid: HashMap<String, &Value> =
        objects.iter().filter_map(|o| Some((uid(o)?, o))).collect();
    for _ in 0..4 {
        for (u, o) in &by_uid {
            let owners = o
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("uid").and_then(Value::as_str));
            if owners.into_iter().any(|owner| owned.contains(owner)) {
                owned.insert(u.clone());
            }
        }
    }
    // Endpoints belong to the Service of their name; a Service that is
    // not there any more (pruned a moment ago) leaves them to its
    // controller, which deletes them.
    let staying: HashSet<&str> = objects
        .iter()
        .filter(|o| kind(o) == "Service" && !uid(o).is_some_and(|u| owned.contains(&u)))
        .filter_map(|o| o.pointer("/metadata/name").and_then(Value::as_str))
        .collect();
    objects
        .iter()
        .filter(|o| !uid(o).is_some_and(|u| owned.contains(&u)))
        .filter(|o| o.pointer("/metadata/deletionTimestamp").is_none())
        .filter(|o| !system_default(o, &staying))
        .map(|o| {
            format!(
                "{} {}",
                kind(o),
                o.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
            )
        })
        .collect()
}

fn kind(o: &Value) -> &str {
    o.get("kind").and_then(Value::as_str).unwrap_or("?")
}

/// What Kubernetes itself puts in every namespace, or keeps for a
/// Service that goes (`foreign_services`: those that stay): not anyone's
/// data.
fn system_default(o: &Value, foreign_services: &HashSet<&str>) -> bool {
    let name = o
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    match kind(o) {
        "ServiceAccount" => name == "default",
        "ConfigMap" => name == "kube-root-ca.crt",
        "Endpoints" => !foreign_services.contains(name),
        _ => false,
    }
}

/// Custom resources of the CRD that this run may not delete, and what to
/// call them.
async fn foreign_custom_resources(
    engine: &Engine,
    crd: &Value,
    deletable: &Deletable,
) -> Result<(String, Vec<String>), String> {
    let cluster = &engine.cluster;
    let Some(spec) = crd.get("spec") else {
        return Ok((String::new(), Vec::new()));
    };
    let group = spec.get("group").and_then(Value::as_str).unwrap_or("");
    let kind = spec
        .pointer("/names/kind")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some((ar, _)) = cluster
        .discovery
        .get(group)
        .and_then(|g| g.recommended_kind(kind))
    else {
        return Ok((String::new(), Vec::new())); // not served: none exist
    };
    let api = cluster.api(&ar, None);
    let params = ListParams::default();
    let list = retry(|| api.list(&params))
        .await
        .map_err(|e| format!("cannot list its {} ({})", ar.plural, api_error_message(&e)))?;
    let found: Vec<String> = list
        .items
        .into_iter()
        .map(|o| with_type(o, &ar))
        .filter(|o| !uid(o).is_some_and(|u| deletable.0.contains(&u)))
        .filter(|o| o.pointer("/metadata/deletionTimestamp").is_none())
        .map(|o| {
            let name = o
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("?");
            match o.pointer("/metadata/namespace").and_then(Value::as_str) {
                Some(ns) => format!("{kind} {ns}/{name}"),
                None => format!("{kind} {name}"),
            }
        })
        .collect();
    Ok((format!("{kind} custom resources"), found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "applyset-x-v1";

    fn member(managers: Value, owner: Option<Value>) -> Value {
        let mut o = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "n", "uid": "u1", "resourceVersion": "5",
                "labels": {PART_OF: ID}, "managedFields": managers}});
        if let Some(r) = owner {
            o["metadata"]["ownerReferences"] = json!([r]);
        }
        o
    }

    fn gitsync_owns(labels: &[&str]) -> Value {
        let fields: serde_json::Map<String, Value> = labels
            .iter()
            .map(|l| (format!("f:{l}"), json!({})))
            .collect();
        json!([{"manager": "gitsync", "operation": "Apply",
                "fieldsV1": {"f:metadata": {"f:labels": fields}}}])
    }

    fn ar(group: &str, kind: &str) -> ApiResource {
        ApiResource {
            group: group.into(),
            version: "v1".into(),
            api_version: if group.is_empty() {
                "v1".into()
            } else {
                format!("{group}/v1")
            },
            kind: kind.into(),
            plural: format!("{}s", kind.to_lowercase()),
        }
    }

    #[test]
    fn a_member_carries_the_label_gitsync_set_and_no_controller() {
        assert!(ours(&member(gitsync_owns(&[PART_OF]), None), ID).is_ok());
        // Someone copied the label (an operator, `kubectl label`).
        let copied = json!([{"manager": "kubectl-label", "operation": "Update",
            "fieldsV1": {"f:metadata": {"f:labels": {format!("f:{PART_OF}"): {}}}}}]);
        assert!(
            ours(&member(copied, None), ID)
                .unwrap_err()
                .contains("not set by gitsync")
        );
        // A controller generated it from a labelled template.
        let controlled = member(
            gitsync_owns(&[PART_OF]),
            Some(json!({"kind": "ReplicaSet", "name": "web-1", "uid": "r", "controller": true})),
        );
        assert!(
            ours(&controlled, ID)
                .unwrap_err()
                .contains("controlled by ReplicaSet web-1")
        );
        // Another ApplySet's label.
        assert!(ours(&member(gitsync_owns(&[PART_OF]), None), "applyset-other-v1").is_err());
    }

    #[test]
    fn a_hook_run_is_ours_only_with_both_hook_labels_set_by_gitsync() {
        let run = |labels: Value, managers: Value| {
            json!({"kind": "Job", "metadata": {"name": "migrate", "uid": "u", "resourceVersion": "1",
                "labels": labels, "managedFields": managers}})
        };
        let labels = json!({HOOK_OF_LABEL: ID, HOOK_LABEL: "k"});
        let job = ar("batch", "Job");
        let rules = Rules::default();
        let ok = run(labels.clone(), gitsync_owns(&[HOOK_OF_LABEL, HOOK_LABEL]));
        assert_eq!(standing(ID, &ok, &job, Purpose::Hook, rules), Ok(()));
        // Hook labels are no licence to prune or replace it.
        assert!(matches!(
            standing(ID, &ok, &job, Purpose::Prune, rules),
            Err(Refusal::NotOurs(_))
        ));
        // Copied labels, another ApplySet's run, someone's plain Job.
        let copied = run(labels.clone(), gitsync_owns(&[HOOK_OF_LABEL]));
        let other = run(
            json!({HOOK_OF_LABEL: "applyset-y-v1", HOOK_LABEL: "k"}),
            gitsync_owns(&[HOOK_OF_LABEL, HOOK_LABEL]),
        );
        let plain = run(json!({}), json!([]));
        for theirs in [copied, other, plain] {
            assert!(
                matches!(
                    standing(ID, &theirs, &job, Purpose::Hook, rules),
                    Err(Refusal::NotOurs(_))
                ),
                "{theirs}"
            );
        }
        // A member that became a hook of the same name.
        let former = member(gitsync_owns(&[PART_OF]), None);
        assert_eq!(
            standing(ID, &former, &ar("", "ConfigMap"), Purpose::Hook, rules),
            Ok(())
        );
    }

    #[test]
    fn opted_out_objects_and_claims_are_refused_for_every_purpose() {
        let mut kept = member(gitsync_owns(&[PART_OF]), None);
        kept["metadata"]["annotations"] = json!({PRUNE: "disabled"});
        let claim = member(gitsync_owns(&[PART_OF]), None);
        let pvc = ar("", "PersistentVolumeClaim");
        for purpose in [Purpose::Prune, Purpose::Replace] {
            assert_eq!(
                standing(ID, &kept, &ar("", "ConfigMap"), purpose, Rules::default()),
                Err(Refusal::OptedOut)
            );
            let refused = standing(ID, &claim, &pvc, purpose, Rules::default());
            assert!(
                matches!(&refused, Err(Refusal::Loss(m)) if m.contains("--prune-pvcs")),
                "{refused:?}"
            );
            let allowed = Rules { prune_pvcs: true };
            assert_eq!(standing(ID, &claim, &pvc, purpose, allowed), Ok(()));
        }
    }

    #[test]
    fn only_what_this_run_may_delete_goes_with_a_namespace() {
        // Members all, but only `u1` is deleted by this run: the kept
        // member and the refused claim would be lost with the namespace.
        let mine = member(gitsync_owns(&[PART_OF]), None);
        let mut kept = member(gitsync_owns(&[PART_OF]), None);
        kept["metadata"]["name"] = json!("keepme");
        kept["metadata"]["uid"] = json!("u2");
        let rs = json!({"kind": "ReplicaSet", "metadata": {"name": "web-1", "uid": "rs",
            "ownerReferences": [{"uid": "u1", "kind": "Deployment", "name": "web", "controller": true}]}});
        let pod = json!({"kind": "Pod", "metadata": {"name": "web-1-x", "uid": "p",
            "ownerReferences": [{"uid": "rs", "kind": "ReplicaSet", "name": "web-1", "controller": true}]}});
        let sa = json!({"kind": "ServiceAccount", "metadata": {"name": "default", "uid": "sa"}});
        let going = json!({"kind": "Secret", "metadata": {"name": "going", "uid": "g",
            "deletionTimestamp": "2026-01-01T00:00:00Z"}});
        let theirs = json!({"kind": "Secret", "metadata": {"name": "theirs", "uid": "t"}});
        let objects = vec![mine, kept, rs, pod, sa, going, theirs];
        let mut deletable = Deletable::default();
        deletable.insert("u1".into());
        assert_eq!(
            foreign(&objects, &deletable),
            vec!["ConfigMap keepme", "Secret theirs"]
        );
    }

    #[test]
    fn a_refusal_counts_and_names_the_first_few() {
        let found: Vec<String> = (0..7).map(|i| format!("ConfigMap c{i}")).collect();
        let msg = describe("objects", &found);
        assert!(
            msg.starts_with("7 objects with it that this sync may not delete"),
            "{msg}"
        );
        assert!(msg.contains("c4, …") && !msg.contains("c5"), "{msg}");
    }
}
