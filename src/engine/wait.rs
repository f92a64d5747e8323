//! Waiting: for objects to become healthy (the target's health rules, one
//! LIST per type and namespace a round) and for CRDs to be Established.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use kube::api::ListParams;
use kube::discovery::ApiResource;
use serde_json::Value;

use super::WriteGate;
use crate::cluster::resource::{resource_key, with_type};
use crate::cluster::{Cluster, retry};
use crate::desired::ObjectId;
use crate::health::{Health, Rules, Status};
use crate::plan::Change;

/// Polls the objects' health (one LIST per type and namespace a round)
/// until all are Current or the deadline passes; a Failed object may still
/// recover (a crash-looping Pod fixed by its controller), so it does not
/// end the wait early, except a failed Job, which never runs again; a
/// closed gate (an interrupt) does. Returns each object's last health.
pub(super) async fn wait_healthy(
    cluster: &Cluster,
    gate: &WriteGate,
    rules: &Rules,
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
            match cluster.resource_of(id, api_version) {
                Some(ar) => groups
                    .entry((resource_key(&ar), id.namespace.clone()))
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
            let api = cluster.api(&ar, ns.as_deref());
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
                    Some(obj) => {
                        let h = rules.health(obj);
                        let known = last[i].status == Status::Failed
                            && last[i].message.starts_with(&h.message);
                        if h.status == Status::Failed && ids[i].0.kind == "Job" && !known {
                            // Which Pods failed and how: asked once per
                            // failure, not every round.
                            Health {
                                message: super::hooks::job_failure(cluster, obj, h.message).await,
                                status: Status::Failed,
                            }
                        } else if known {
                            last[i].clone()
                        } else {
                            h
                        }
                    }
                    None => Health {
                        status: Status::InProgress,
                        message: "not found".into(),
                    },
                };
            }
        }
        let pending = last.iter().filter(|h| h.status != Status::Current).count();
        on_round(ids.len() - pending, ids.len());
        // A failed Job never runs again (its Failed condition is final),
        // so waiting on it only delays the report.
        let settled = ids.iter().zip(&last).all(|((id, _), h)| {
            h.status == Status::Current
                || (h.status == Status::Failed && id.group == "batch" && id.kind == "Job")
        });
        if settled || Instant::now() >= deadline || gate.closed().is_some() {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until the CRDs are Established, so their kinds can be served.
pub(super) async fn wait_established(
    cluster: &Cluster,
    crds: &[&Change],
    timeout: Duration,
) -> Result<(), String> {
    let ids: Vec<(ObjectId, String)> = crds
        .iter()
        .map(|c| (c.id.clone(), c.api_version.clone()))
        .collect();
    let open = WriteGate::open();
    let rules = Rules::default();
    let health = wait_healthy(
        cluster,
        &open,
        &rules,
        &ids,
        Instant::now() + timeout,
        |_, _| {},
    )
    .await;
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
