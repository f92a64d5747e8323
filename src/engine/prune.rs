//! What prune may take, and taking it safely.
//!
//! A prune candidate is a live object that carries this ApplySet's part-of
//! label, whose label gitsync's field manager owns (so gitsync put it
//! there), that no controller owns, and that Git no longer has. Anything
//! else with the label is someone else's and is left alone. A candidate
//! whose delete would cascade into what the ApplySet does not own (a
//! Namespace's other objects, a CRD's custom resources, a volume's data)
//! is refused. Deletes carry the planned uid and resourceVersion as
//! preconditions; an object changed since is judged again, never deleted
//! blind.

use std::collections::{HashMap, HashSet};

use kube::api::{DeleteParams, ListParams, Preconditions};
use serde_json::Value;

use super::{Engine, PlanOptions};
use crate::cluster::applyset::{Member, PART_OF, prune_disabled};
use crate::cluster::resource::{FIELD_MANAGER, api_error_message, with_type};
use crate::cluster::{Cluster, retry};
use crate::desired::{DesiredSet, ObjectId};
use crate::plan::{Change, KeepReason, Kept, ObjectError, normalized};

/// How many names a refusal lists before it only counts.
const SHOWN: usize = 5;

/// Deletes (in reverse apply order), refusals and kept objects for the
/// members Git no longer has.
pub(super) async fn prunes(
    engine: &Engine,
    set: &DesiredSet,
    members: &[Member],
    opts: PlanOptions,
) -> (Vec<Change>, Vec<ObjectError>, Vec<Kept>) {
    let cluster = &engine.cluster;
    let wanted: HashSet<ObjectId> = set
        .objects
        .iter()
        .map(|o| cluster.id_of(&o.id, &o.api_version))
        .collect();
    let mut kept = Vec::new();
    let mut candidates: Vec<&Member> = Vec::new();
    for m in members.iter().filter(|m| !wanted.contains(&m.id)) {
        let keep = |reason| Kept {
            api_version: m.api_version.clone(),
            id: m.id.clone(),
            reason,
        };
        if let Err(why) = ours(&m.object, &engine.applyset.id) {
            tracing::warn!(object = %m.id, why = %why, "labelled but not ours: left alone");
            kept.push(keep(KeepReason::NotOurs(why)));
        } else if !opts.prune {
            kept.push(keep(KeepReason::PruneOff));
        } else if prune_disabled(&m.object) {
            kept.push(keep(KeepReason::OptedOut));
        } else if m.object.pointer("/metadata/deletionTimestamp").is_some() {
            kept.push(keep(KeepReason::Terminating));
        } else {
            candidates.push(m);
        }
    }
    candidates.sort_by(|a, b| {
        let rank = |m: &Member| crate::desired::kind_rank(&m.id.group, &m.id.kind);
        rank(b).cmp(&rank(a)).then_with(|| b.id.cmp(&a.id))
    });
    let ours_uids: HashSet<String> = members
        .iter()
        .filter(|m| ours(&m.object, &engine.applyset.id).is_ok())
        .filter_map(|m| uid(&m.object))
        .collect();
    let mut deletes = Vec::new();
    let mut refused = Vec::new();
    for m in candidates {
        let loss = match (m.id.group.as_str(), m.id.kind.as_str()) {
            ("", "Namespace") => foreign_in_namespace(engine, &m.id.name, &ours_uids).await,
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                foreign_custom_resources(engine, &m.object).await
            }
            ("", "PersistentVolumeClaim") if !opts.prune_pvcs => Err(
                "deleting a PersistentVolumeClaim can delete its volume's data: pass --prune-pvcs to allow it".into(),
            ),
            _ => Ok(()),
        };
        match loss {
            Ok(()) => deletes.push(Change::delete(
                m.id.clone(),
                m.api_version.clone(),
                without_part_of(normalized(&m.object)),
                m.object.pointer("/metadata/managedFields").cloned(),
                preconditions(&m.object),
            )),
            Err(message) => refused.push(ObjectError {
                id: m.id.clone(),
                api_version: m.api_version.clone(),
                origin: None,
                message: format!("not pruned: {message}"),
                conflicts: Vec::new(),
            }),
        }
    }
    (deletes, refused, kept)
}

/// Ok when the object is gitsync's member: it carries `id` as its part-of
/// label, gitsync's field manager owns that label, and no controller owns
/// the object. Otherwise why not.
pub(super) fn ours(obj: &Value, id: &str) -> Result<(), String> {
    let label = obj
        .pointer("/metadata/labels")
        .and_then(|l| l.get(PART_OF))
        .and_then(Value::as_str);
    if label != Some(id) {
        return Err("it does not carry this ApplySet's part-of label".into());
    }
    if let Some(owner) = controller(obj) {
        return Err(format!("it is controlled by {owner}"));
    }
    let label_field = format!("f:{PART_OF}");
    let owned = obj
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("manager").and_then(Value::as_str) == Some(FIELD_MANAGER))
        .any(|e| {
            e.get("fieldsV1")
                .and_then(|f| f.get("f:metadata"))
                .and_then(|f| f.get("f:labels"))
                .is_some_and(|f| f.get(&label_field).is_some())
        });
    if owned {
        Ok(())
    } else {
        Err("the part-of label was not set by gitsync (its field manager does not own it)".into())
    }
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

fn preconditions(obj: &Value) -> Option<(String, String)> {
    let rv = obj.pointer("/metadata/resourceVersion")?.as_str()?;
    Some((uid(obj)?, rv.to_string()))
}

/// `3 objects not owned by this ApplySet would be deleted with it:
/// ConfigMap a, Secret b, …`.
fn describe(what: &str, found: &[String]) -> String {
    let mut shown: Vec<&str> = found.iter().take(SHOWN).map(String::as_str).collect();
    if found.len() > SHOWN {
        shown.push("…");
    }
    format!(
        "{} {what} not owned by this ApplySet would be deleted with it: {}",
        found.len(),
        shown.join(", ")
    )
}

/// Every object in the namespace that is neither a member nor owned
/// (through ownerReferences) by one, nor what the system puts in every
/// namespace. One LIST per namespaced type the server serves.
async fn foreign_in_namespace(
    engine: &Engine,
    namespace: &str,
    ours: &HashSet<String>,
) -> Result<(), String> {
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
                        "cannot list {} in it to check ({})",
                        ar.plural,
                        api_error_message(&e)
                    ));
                }
            }
        }
    }
    let foreign = foreign(&objects, ours, &engine.applyset.id);
    if foreign.is_empty() {
        Ok(())
    } else {
        Err(describe("objects", &foreign))
    }
}

/// Objects not owned by the ApplySet, following ownerReferences from the
/// members (a Deployment's ReplicaSets and Pods are its own).
fn foreign(objects: &[Value], member_uids: &HashSet<String>, id: &str) -> Vec<String> {
    let mut owned: HashSet<String> = member_uids.clone();
    for o in objects {
        if ours(o, id).is_ok()
            && let Some(u) = uid(o)
        {
            owned.insert(u);
        }
    }
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
    let services: HashSet<&str> = objects
        .iter()
        .filter(|o| kind(o) == "Service" && uid(o).is_some_and(|u| owned.contains(&u)))
        .filter_map(|o| o.pointer("/metadata/name").and_then(Value::as_str))
        .collect();
    objects
        .iter()
        .filter(|o| !uid(o).is_some_and(|u| owned.contains(&u)))
        .filter(|o| !system_default(o, &services))
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
/// Service: not anyone's data.
fn system_default(o: &Value, services: &HashSet<&str>) -> bool {
    let name = o
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    match kind(o) {
        "ServiceAccount" => name == "default",
        "ConfigMap" => name == "kube-root-ca.crt",
        "Endpoints" => services.contains(name),
        _ => false,
    }
}

/// Custom resources of the CRD that this ApplySet does not own.
async fn foreign_custom_resources(engine: &Engine, crd: &Value) -> Result<(), String> {
    let cluster = &engine.cluster;
    let Some(spec) = crd.get("spec") else {
        return Ok(());
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
        return Ok(()); // not served: nothing of it exists
    };
    let api = cluster.api(&ar, None);
    let params = ListParams::default();
    let list = retry(|| api.list(&params)).await.map_err(|e| {
        format!(
            "cannot list its {} to check ({})",
            ar.plural,
            api_error_message(&e)
        )
    })?;
    let found: Vec<String> = list
        .items
        .into_iter()
        .map(|o| with_type(o, &ar))
        .filter(|o| ours(o, &engine.applyset.id).is_err())
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
    if found.is_empty() {
        Ok(())
    } else {
        Err(describe(&format!("{kind} custom resources"), &found))
    }
}

/// How a planned delete ended.
pub(super) enum Deleted {
    Gone,
    /// Changed since it was planned and no longer a candidate: kept.
    Kept(String),
}

/// Deletes one pruned object with the plan's preconditions (background
/// propagation: its dependents go with it, as with kubectl delete). When
/// the object changed since it was planned, it is read again and judged
/// as a candidate anew; only if it still is one is it deleted, with the
/// new preconditions.
pub(super) async fn delete(engine: &Engine, change: &Change) -> Result<Deleted, String> {
    let cluster: &Cluster = &engine.cluster;
    let Some(ar) = cluster.resource_of(&change.id, &change.api_version) else {
        return Ok(Deleted::Gone); // its type is gone, and the object with it
    };
    let api = cluster.api(&ar, change.id.namespace.as_deref());
    let mut preconditions = change.preconditions.clone();
    for _ in 0..2 {
        let mut params = DeleteParams::background();
        if let Some((uid, rv)) = &preconditions {
            params.preconditions = Some(Preconditions {
                uid: Some(uid.clone()),
                resource_version: Some(rv.clone()),
            });
        }
        match retry(|| api.delete(&change.id.name, &params)).await {
            Ok(_) => return Ok(Deleted::Gone),
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(Deleted::Gone),
            Err(kube::Error::Api(s)) if s.code == 409 => {
                // Changed or recreated since planned: judge it again.
                let fresh = match retry(|| api.get_opt(&change.id.name)).await {
                    Ok(Some(o)) => with_type(o, &ar),
                    Ok(None) => return Ok(Deleted::Gone),
                    Err(e) => return Err(api_error_message(&e)),
                };
                if let Err(why) = ours(&fresh, &engine.applyset.id) {
                    return Ok(Deleted::Kept(format!(
                        "changed since it was planned and no longer gitsync's: {why}"
                    )));
                }
                if prune_disabled(&fresh) {
                    return Ok(Deleted::Kept(
                        "changed since planned: gitsync.io/prune is disabled".into(),
                    ));
                }
                preconditions = self::preconditions(&fresh);
            }
            Err(e) => return Err(api_error_message(&e)),
        }
    }
    Err("changed again while being pruned; not deleted (rerun to plan again)".into())
}

/// The part-of label is gitsync's bookkeeping, not content: it is left out
/// of comparisons and diffs.
pub(super) fn without_part_of(mut obj: Value) -> Value {
    if let Some(labels) = obj
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(PART_OF);
        if labels.is_empty()
            && let Some(meta) = obj.pointer_mut("/metadata").and_then(Value::as_object_mut)
        {
            meta.remove("labels");
        }
    }
    obj
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

    fn gitsync_owns_label() -> Value {
        json!([{"manager": "gitsync", "operation": "Apply",
                "fieldsV1": {"f:metadata": {"f:labels": {format!("f:{PART_OF}"): {}}}}}])
    }

    #[test]
    fn a_member_carries_the_label_gitsync_set_and_no_controller() {
        assert!(ours(&member(gitsync_owns_label(), None), ID).is_ok());
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
            gitsync_owns_label(),
            Some(json!({"kind": "ReplicaSet", "name": "web-1", "uid": "r", "controller": true})),
        );
        assert!(
            ours(&controlled, ID)
                .unwrap_err()
                .contains("controlled by ReplicaSet web-1")
        );
        // Another ApplySet's label.
        assert!(ours(&member(gitsync_owns_label(), None), "applyset-other-v1").is_err());
    }

    #[test]
    fn foreign_objects_follow_owner_references_from_members() {
        let mine = member(gitsync_owns_label(), None);
        let rs = json!({"kind": "ReplicaSet", "metadata": {"name": "web-1", "uid": "rs",
            "ownerReferences": [{"uid": "u1", "kind": "Deployment", "name": "web", "controller": true}]}});
        let pod = json!({"kind": "Pod", "metadata": {"name": "web-1-x", "uid": "p",
            "ownerReferences": [{"uid": "rs", "kind": "ReplicaSet", "name": "web-1", "controller": true}]}});
        let sa = json!({"kind": "ServiceAccount", "metadata": {"name": "default", "uid": "sa"}});
        let theirs = json!({"kind": "Secret", "metadata": {"name": "theirs", "uid": "t"}});
        let objects = vec![mine, rs, pod, sa, theirs];
        assert_eq!(
            foreign(&objects, &HashSet::new(), ID),
            vec!["Secret theirs"]
        );
    }

    #[test]
    fn a_refusal_counts_and_names_the_first_few() {
        let found: Vec<String> = (0..7).map(|i| format!("ConfigMap c{i}")).collect();
        let msg = describe("objects", &found);
        assert!(
            msg.starts_with("7 objects not owned by this ApplySet"),
            "{msg}"
        );
        assert!(msg.contains("c4, …") && !msg.contains("c5"), "{msg}");
    }
}
