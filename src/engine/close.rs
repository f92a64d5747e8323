//! Closing a preview: everything its ApplySet created, then its namespace,
//! and nothing else, all through the delete gate.
//!
//! The members in the namespace are judged as prune judges them (ours,
//! not opted out); they are then deleted with the namespace, whose
//! cascade check allows only them, what they own, the ApplySet parent and
//! what Kubernetes puts in every namespace. A foreign object in the
//! namespace stops the close, and nothing is deleted. Members outside it
//! (kinds the preview's `allowKinds` let it create) are deleted one by
//! one first. PersistentVolumeClaims go too: a preview's data is as
//! throwaway as its namespace.

use std::collections::BTreeSet;

use super::gate::{self, Deletable, Deleted, How, Purpose, Refusal, Request, Rules};
use super::{Engine, EngineError};
use crate::cluster::applyset::{self, Listed};
use crate::cluster::resource::{api_error_message, with_type};
use crate::cluster::retry;

/// How a close ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    /// The namespace is being deleted (with everything in it).
    Deleting { members: usize },
    /// There was no namespace to close.
    Gone,
}

impl Engine {
    /// Deletes the preview whose namespace is this engine's ApplySet's
    /// namespace: its members, then the namespace, which must carry
    /// `gitsync.io/preview-of` with this ApplySet's id, set by gitsync.
    pub async fn close_preview(&self) -> Result<Closed, EngineError> {
        let ns = self.applyset.namespace.clone();
        let refused =
            |what: String| EngineError::Foreign(format!("preview namespace {ns}: {what}"));
        let namespace_ar = self
            .cluster
            .kinds_named("namespaces")
            .into_iter()
            .map(|(ar, _)| ar)
            .find(|ar| ar.group.is_empty())
            .ok_or_else(|| refused("the cluster serves no Namespaces".into()))?;
        let api = self.cluster.api(&namespace_ar, None);
        let live = match retry(|| api.get_opt(&ns)).await {
            Ok(Some(o)) => with_type(o, &namespace_ar),
            Ok(None) => return Ok(Closed::Gone),
            Err(e) => return Err(refused(api_error_message(&e))),
        };
        // Judged before anything is deleted: a namespace that is not this
        // preview's stops the close with nothing touched.
        gate::preview_owned(&live, &self.applyset.id).map_err(refused)?;

        let (group_kinds, namespaces) = match &self.parent {
            Some(p) => (p.group_kinds.clone(), p.namespaces.clone()),
            None => (BTreeSet::new(), BTreeSet::new()),
        };
        let members = applyset::list_members(
            &self.cluster,
            &self.applyset,
            &group_kinds,
            &namespaces,
            &Listed::default(),
            self.concurrency,
        )
        .await
        .map_err(|source| EngineError::ListMembers {
            name: self.applyset.name.clone(),
            source: Box::new(source),
        })?;
        let rules = Rules { prune_pvcs: true };
        let mut deletable = Deletable::default();
        let mut outside = Vec::new();
        for m in &members {
            if m.id.namespace.as_deref() != Some(ns.as_str()) {
                outside.push(m);
                continue;
            }
            match gate::judge(self, &m.object, &m.ar, Purpose::Prune, rules, &deletable).await {
                Ok(permit) => {
                    drop(permit); // deleted with the namespace
                    if let Some((uid, _)) = gate::preconditions(&m.object) {
                        deletable.insert(uid);
                    }
                }
                Err(refusal) => {
                    return Err(refused(format!("{} {}: {refusal}", m.id.kind, m.id.name)));
                }
            }
        }
        for m in outside {
            let request = Request {
                ar: &m.ar,
                namespace: m.id.namespace.as_deref(),
                name: &m.id.name,
                purpose: Purpose::Prune,
                rules,
                deletable: &deletable,
                planned: None,
                how: How::BACKGROUND,
            };
            match gate::delete_now(self, request).await {
                Ok(Deleted::Gone) => {}
                Ok(Deleted::Kept(why) | Deleted::Refused(why)) => {
                    return Err(refused(format!("{} {}: {why}", m.id.kind, m.id.name)));
                }
                Err(e) => return Err(refused(format!("{} {}: {e}", m.id.kind, m.id.name))),
            }
        }
        // gitsync's own Leases for the set go with the namespace.
        let leases = crate::cluster::lease::own_lease_uids(
            self.cluster.client.clone(),
            &ns,
            &self.applyset.name,
        )
        .await
        .map_err(|e| refused(api_error_message(&e)))?;
        for uid in leases {
            deletable.insert(uid);
        }
        // The parent goes with the namespace: it is this ApplySet's own.
        if let Some(uid) = applyset::parent_uid(&self.cluster, &self.applyset)
            .await
            .map_err(|e| refused(e.to_string()))?
        {
            deletable.insert(uid);
        }
        let permit = gate::judge(
            self,
            &live,
            &namespace_ar,
            Purpose::Preview,
            rules,
            &deletable,
        )
        .await
        .map_err(|r: Refusal| refused(r.to_string()))?;
        match gate::delete(self, permit, &deletable, How::BACKGROUND).await {
            Ok(Deleted::Gone) => Ok(Closed::Deleting {
                members: members.len(),
            }),
            Ok(Deleted::Kept(why) | Deleted::Refused(why)) => Err(refused(why)),
            Err(e) => Err(refused(e)),
        }
    }
}
