//! Writing the plan: server-side apply of creates and updates, deletes for
//! prunes, and waiting for health.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use futures::{StreamExt, stream};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiResource, Discovery};
use serde_json::Value;

use super::plan::{FIELD_MANAGER, api_error_message, with_type};
use super::{Cluster, ClusterError, retry};
use crate::desired::ObjectId;
use crate::health::{Health, Status, health};
use crate::plan::Change;

/// The group/version/kind an object names (its version from apiVersion).
pub fn gvk(id: &ObjectId, api_version: &str) -> GroupVersionKind {
    let version = api_version.rsplit('/').next().unwrap_or_default();
    GroupVersionKind::gvk(&id.group, version, &id.kind)
}

/// Resolves a change's type with the current discovery (which sync
/// refreshes after creating CRDs).
pub fn resource_of(cluster: &Cluster, id: &ObjectId, api_version: &str) -> Option<ApiResource> {
    cluster
        .discovery
        .resolve_gvk(&gvk(id, api_version))
        .map(|(ar, _)| ar)
}

/// Whether the kind is namespaced (unknown kinds count as namespaced,
/// the common case, so a default namespace is filled in).
pub fn is_namespaced(cluster: &Cluster, id: &ObjectId, api_version: &str) -> bool {
    cluster
        .discovery
        .resolve_gvk(&gvk(id, api_version))
        .is_none_or(|(_, caps)| matches!(caps.scope, kube::discovery::Scope::Namespaced))
}

fn api(cluster: &Cluster, ar: &ApiResource, namespace: Option<&str>) -> Api<DynamicObject> {
    match namespace {
        Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, ar),
        None => Api::all_with(cluster.client.clone(), ar),
    }
}

/// Applies one create or update. `Err` is a message for the user.
pub async fn apply(
    cluster: &Cluster,
    change: &Change,
    force_conflicts: bool,
) -> Result<(), String> {
    let ar = resource_of(cluster, &change.id, &change.api_version).ok_or_else(|| {
        format!(
            "the cluster does not serve {} {}",
            change.api_version, change.id.kind
        )
    })?;
    let manifest = change
        .manifest
        .as_ref()
        .ok_or_else(|| "nothing to apply".to_string())?;
    let api = api(cluster, &ar, change.id.namespace.as_deref());
    if change.replace {
        delete_and_wait(&api, &change.id.name).await?;
    }
    let mut params = PatchParams::apply(FIELD_MANAGER);
    if force_conflicts {
        params = params.force();
    }
    let patch = Patch::Apply(manifest);
    match retry(|| api.patch(&change.id.name, &params, &patch)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 409 => Err(format!(
            "{} (409); --force-conflicts takes these fields over",
            s.message
        )),
        Err(e) => Err(api_error_message(&e)),
    }
}

/// Deletes, then waits until the object is gone so that recreating it does
/// not race its own deletion.
async fn delete_and_wait(api: &Api<DynamicObject>, name: &str) -> Result<(), String> {
    let params = DeleteParams::foreground();
    match retry(|| api.delete(name, &params)).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 404 => return Ok(()),
        Err(e) => return Err(format!("deleting to replace: {}", api_error_message(&e))),
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match retry(|| api.get_opt(name)).await {
            Ok(None) => return Ok(()),
            Ok(Some(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await
            }
            Ok(Some(_)) => return Err("deleted to replace, but still there after 120 s".into()),
            Err(e) => return Err(api_error_message(&e)),
        }
    }
}

/// Deletes one pruned object (background propagation: its dependents go
/// with it, as with kubectl delete).
pub async fn delete(cluster: &Cluster, change: &Change) -> Result<(), String> {
    let Some(ar) = resource_of(cluster, &change.id, &change.api_version) else {
        return Ok(()); // its type is gone, and the object with it
    };
    let api = api(cluster, &ar, change.id.namespace.as_deref());
    let params = DeleteParams::background();
    match retry(|| api.delete(&change.id.name, &params)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(api_error_message(&e)),
    }
}

/// Applies `changes` concurrently (one step of the apply order); returns
/// per change index `Ok` or the failure.
pub async fn apply_all(
    cluster: &Cluster,
    changes: &[&Change],
    force_conflicts: bool,
    concurrency: usize,
) -> Vec<Result<(), String>> {
    stream::iter(changes.iter())
        .map(|c| apply(cluster, c, force_conflicts))
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// Re-reads what the server serves (after CRDs were created).
pub async fn refresh_discovery(cluster: &mut Cluster) -> Result<(), ClusterError> {
    cluster.discovery = retry(|| Discovery::new(cluster.client.clone()).run_aggregated())
        .await
        .map_err(|source| ClusterError::Discovery {
            server: cluster.server.clone(),
            source,
        })?;
    Ok(())
}

/// Polls the objects' health (one LIST per type and namespace a round)
/// until all are Current or the deadline passes; a Failed object may still
/// recover (a crash-looping Pod fixed by its controller), so it does not
/// end the wait early. Returns each object's last health.
pub async fn wait_healthy(
    cluster: &Cluster,
    ids: &[(ObjectId, String)],
    deadline: Instant,
    mut on_round: impl FnMut(usize, usize),
) -> Vec<Health> {
    let mut last: Vec<Health> = ids
        .iter()
        .map(|_| Health {
            status: Status::InProgress,
            message: "not checked yet".into(),
        })
        .collect();
    loop {
        let mut groups: BTreeMap<(String, Option<String>), (ApiResource, Vec<usize>)> =
            BTreeMap::new();
        for (i, (id, api_version)) in ids.iter().enumerate() {
            if last[i].status == Status::Current {
                continue;
            }
            match resource_of(cluster, id, api_version) {
                Some(ar) => groups
                    .entry((
                        format!("{}/{}", ar.api_version, ar.plural),
                        id.namespace.clone(),
                    ))
                    .or_insert_with(|| (ar, Vec::new()))
                    .1
                    .push(i),
                None => {
                    last[i] = Health {
                        status: Status::Failed,
                        message: format!("{api_version} {} is not served", id.kind),
                    }
                }
            }
        }
        for ((_, ns), (ar, indices)) in groups {
            let api = api(cluster, &ar, ns.as_deref());
            let params = ListParams::default();
            let listed = retry(|| api.list(&params)).await;
            let by_name: HashMap<String, Value> = match listed {
                Ok(list) => list
                    .items
                    .into_iter()
                    .map(|o| {
                        (
                            o.metadata.name.clone().unwrap_or_default(),
                            with_type(o, &ar),
                        )
                    })
                    .collect(),
                Err(e) => {
                    tracing::debug!(error = %e, "health poll failed; trying again");
                    continue;
                }
            };
            for i in indices {
                last[i] = match by_name.get(&ids[i].0.name) {
                    Some(obj) => health(obj),
                    None => Health {
                        status: Status::InProgress,
                        message: "not found".into(),
                    },
                };
            }
        }
        let pending = last.iter().filter(|h| h.status != Status::Current).count();
        on_round(ids.len() - pending, ids.len());
        if pending == 0 || Instant::now() >= deadline {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until the CRDs are Established, so their kinds can be served.
pub async fn wait_established(
    cluster: &Cluster,
    crds: &[&Change],
    timeout: Duration,
) -> Result<(), String> {
    let ids: Vec<(ObjectId, String)> = crds
        .iter()
        .map(|c| (c.id.clone(), c.api_version.clone()))
        .collect();
    let health = wait_healthy(cluster, &ids, Instant::now() + timeout, |_, _| {}).await;
    let stuck: Vec<String> = ids
        .iter()
        .zip(&health)
        .filter(|(_, h)| h.status != Status::Current)
        .map(|((id, _), h)| format!("{id}: {}", h.message))
        .collect();
    if stuck.is_empty() {
        Ok(())
    } else {
        Err(format!("CRDs not Established: {}", stuck.join("; ")))
    }
}
