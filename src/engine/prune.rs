//! What prune may take.
//!
//! A prune candidate is a live member of this ApplySet (the delete gate's
//! ownership: part-of label set by gitsync, no controller) that Git no
//! longer has, prune is on, and it is not opted out or already being
//! deleted. Anything else with the label is kept, with why. The delete
//! gate judges each candidate, in reverse apply order, so that a
//! Namespace or CRD is judged knowing which of what it holds this run
//! deletes: one holding members that prune refused or kept is refused
//! too. At sync time every delete is judged again, as the object is then.

use std::collections::HashSet;

use serde_json::Value;

use super::gate::{self, Deletable, Deleted, How, Purpose, Refusal, Request, Rules};
use super::{Engine, PlanOptions};
use crate::cluster::applyset::{Member, PART_OF, prune_disabled};
use crate::desired::{DesiredSet, ObjectId};
use crate::plan::{Action, Change, KeepReason, Kept, ObjectError, normalized};

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
        if let Err(why) = gate::ours(&m.object, &engine.applyset.id) {
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
    let rules = Rules {
        prune_pvcs: opts.prune_pvcs,
    };
    // Namespaces and CRDs come last: by then this holds every candidate
    // the gate allowed, which is all that may go with them.
    let mut deletable = Deletable::default();
    let mut deletes = Vec::new();
    let mut refused = Vec::new();
    for m in candidates {
        let judged = match cluster.resource_of(&m.id, &m.api_version) {
            Some(ar) => gate::judge(engine, &m.object, &ar, Purpose::Prune, rules, &deletable)
                .await
                .map(drop),
            None => Err(Refusal::Loss(format!(
                "the cluster no longer serves {} {}",
                m.api_version, m.id.kind
            ))),
        };
        match judged {
            Ok(()) => {
                let preconditions = gate::preconditions(&m.object);
                if let Some((uid, _)) = &preconditions {
                    deletable.insert(uid.clone());
                }
                deletes.push(Change::delete(
                    m.id.clone(),
                    m.api_version.clone(),
                    without_part_of(normalized(&m.object)),
                    m.object.pointer("/metadata/managedFields").cloned(),
                    preconditions,
                ))
            }
            Err(refusal) => refused.push(ObjectError {
                id: m.id.clone(),
                api_version: m.api_version.clone(),
                origin: None,
                message: format!("not pruned: {refusal}"),
                conflicts: Vec::new(),
            }),
        }
    }
    (deletes, refused, kept)
}

/// What sync may delete of a plan: its prunes, as planned.
pub(super) fn deletable(changes: &[Change]) -> Deletable {
    let mut deletable = Deletable::default();
    for c in changes {
        if let Some((uid, _)) = c
            .preconditions
            .as_ref()
            .filter(|_| c.action == Action::Delete)
        {
            deletable.insert(uid.clone());
        }
    }
    deletable
}

/// Deletes one pruned object at sync time: read again and judged by the
/// gate as it is now (the cascade checks see what was created during the
/// sync's waits), then deleted with its uid and resourceVersion as
/// preconditions (background propagation: its dependents go with it, as
/// with kubectl delete). Kept or refused, it leaves `deletable`.
pub(super) async fn delete(
    engine: &Engine,
    change: &Change,
    rules: Rules,
    deletable: &mut Deletable,
) -> Result<Deleted, String> {
    let Some(ar) = engine.cluster.resource_of(&change.id, &change.api_version) else {
        return Ok(Deleted::Gone); // its type is gone, and the object with it
    };
    let request = Request {
        ar: &ar,
        namespace: change.id.namespace.as_deref(),
        name: &change.id.name,
        purpose: Purpose::Prune,
        rules,
        deletable,
        planned: change.preconditions.as_ref(),
        how: How::BACKGROUND,
    };
    let deleted = gate::delete_now(engine, request).await;
    if !matches!(deleted, Ok(Deleted::Gone))
        && let Some((uid, _)) = &change.preconditions
    {
        deletable.remove(uid);
    }
    deleted
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
