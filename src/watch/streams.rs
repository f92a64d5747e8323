//! Watch streams on the ApplySet's members: any change to what an object
//! says (not its status, not bookkeeping) or a deletion sends a wake-up,
//! naming the member ([`Drift`]).

use std::collections::{HashMap, HashSet};

use futures::{StreamExt, stream};
use kube::api::{DynamicObject, TypeMeta};
use kube::discovery::ApiResource;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;

use super::members::{self, Tracker};
use crate::cluster::Cluster;
use crate::cluster::applyset::{ApplySet, PART_OF};
use crate::cluster::resource::{manifest, resource_key};
use crate::desired::DesiredSet;

/// What the watch streams saw since the last heal took it: the members
/// that changed or went away (their [`members::key`]), or `all` when
/// anything may have (a re-list after a broken stream left a member out).
#[derive(Debug, Default)]
pub struct Pending {
    pub all: bool,
    pub keys: HashSet<String>,
}

/// Drift reported by the streams, gathered until the loop takes it: a set
/// (bounded by the members), so that no report is ever dropped.
#[derive(Debug, Default)]
pub struct Drifts {
    pending: std::sync::Mutex<Pending>,
    notify: tokio::sync::Notify,
}

impl Drifts {
    /// Records `key`'s drift (`None`: anything may have drifted).
    fn add(&self, key: Option<String>) {
        {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            match key {
                None => p.all = true,
                Some(key) => {
                    p.keys.insert(key);
                }
            }
        }
        self.notify.notify_one();
    }

    /// Until drift was reported (at once if some was since the last wait).
    pub async fn reported(&self) {
        self.notify.notified().await;
    }

    /// Makes the next heal check every member (one failed: what it was
    /// to check may be anything by then). Wakes nothing: the next report
    /// or the resync brings that heal.
    pub fn check_all_next(&self) {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).all = true;
    }

    /// What was reported since the last take.
    pub fn take(&self) -> Pending {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Starts one watch per (type, namespace) of the desired set, filtered to
/// the ApplySet's members; the task ends when aborted.
pub fn start(
    cluster: &Cluster,
    set: &DesiredSet,
    applyset: &ApplySet,
    drifts: std::sync::Arc<Drifts>,
) -> tokio::task::JoinHandle<()> {
    let selector = format!("{PART_OF}={}", applyset.id);
    let mut kinds: HashSet<(String, Option<String>)> = HashSet::new();
    let mut apis = Vec::new();
    let mut manifests: HashMap<String, serde_json::Value> = HashMap::new();
    for o in &set.objects {
        let ns = cluster.namespace_of(&o.id, &o.api_version);
        let mut m = manifest(o, &ns);
        applyset.label(&mut m);
        let key = members::key(&o.api_version, &o.id.kind, ns.as_deref(), &o.id.name);
        manifests.insert(key, m);
        let Some(ar) = cluster.resource_of(&o.id, &o.api_version) else {
            continue;
        };
        if kinds.insert((resource_key(&ar), ns.clone())) {
            apis.push((cluster.stream_api(&ar, ns.as_deref()), ar));
        }
    }
    let count = apis.len();
    let streams = apis.into_iter().enumerate().map(|(index, (api, ar))| {
        watcher(api, watcher::Config::default().labels(&selector))
            .default_backoff()
            // Listed objects carry no apiVersion and kind (only watch
            // events do): without them a re-listed member would match no
            // manifest, and drift during the break would go unseen.
            .map(move |event| (index, event.map(|e| e.modify(|obj| set_type(obj, &ar)))))
            .boxed()
    });
    let mut merged = stream::select_all(streams);
    let mut tracker = Tracker::new(manifests);
    tokio::spawn(async move {
        // Per stream: listed everything once.
        let mut settled = vec![false; count];
        while let Some((index, event)) = merged.next().await {
            let event = match event {
                Ok(e) => e,
                Err(e) => {
                    tracing::debug!(error = %e, "watch stream error (retrying)");
                    continue;
                }
            };
            let due = match event {
                watcher::Event::Init => None,
                // A re-list after a broken stream (API server restart)
                // compares with what was seen before it broke.
                watcher::Event::InitApply(obj) => {
                    let key = member_key(&obj);
                    let changed = tracker.changed(&key, &to_value(&obj), settled[index]);
                    changed.then_some(Some(key))
                }
                // A member deleted while the stream was broken shows only
                // as missing from the re-list: one check of all covers it.
                watcher::Event::InitDone => {
                    std::mem::replace(&mut settled[index], true).then_some(None)
                }
                watcher::Event::Apply(obj) => {
                    let key = member_key(&obj);
                    let changed = tracker.changed(&key, &to_value(&obj), true);
                    changed.then_some(Some(key))
                }
                watcher::Event::Delete(obj) => {
                    let key = member_key(&obj);
                    tracker.deleted(&key).then_some(Some(key))
                }
            };
            if let Some(drift) = due {
                drifts.add(drift);
            }
        }
    })
}

fn set_type(obj: &mut DynamicObject, ar: &ApiResource) {
    if obj.types.as_ref().is_none_or(|t| t.kind.is_empty()) {
        obj.types = Some(TypeMeta {
            api_version: ar.api_version.clone(),
            kind: ar.kind.clone(),
        });
    }
}

fn member_key(obj: &DynamicObject) -> String {
    let (api_version, kind) = obj
        .types
        .as_ref()
        .map_or(("", ""), |t| (t.api_version.as_str(), t.kind.as_str()));
    members::key(
        api_version,
        kind,
        obj.metadata.namespace.as_deref(),
        obj.metadata.name.as_deref().unwrap_or(""),
    )
}

fn to_value(obj: &DynamicObject) -> serde_json::Value {
    serde_json::to_value(obj).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_object_gets_its_type_and_so_its_member_key() {
        let ar = ApiResource::erase::<k8s_openapi::api::apps::v1::Deployment>(&());
        // As a LIST returns items: no apiVersion, no kind.
        let mut obj: DynamicObject = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "namespace": "shop"}
        }))
        .unwrap();
        assert_eq!(member_key(&obj), "//shop/web");
        set_type(&mut obj, &ar);
        assert_eq!(
            member_key(&obj),
            members::key("apps/v1", "Deployment", Some("shop"), "web")
        );
        assert_eq!(to_value(&obj)["kind"], "Deployment");
    }

    #[tokio::test]
    async fn drift_reports_gather_until_taken_and_none_is_lost() {
        let drifts = Drifts::default();
        drifts.add(Some("v1/ConfigMap/shop/a".into()));
        drifts.add(Some("v1/ConfigMap/shop/b".into()));
        // Reported before anyone waited: the wait returns at once.
        tokio::time::timeout(std::time::Duration::from_secs(1), drifts.reported())
            .await
            .expect("a pending report wakes the loop");
        let taken = drifts.take();
        assert!(!taken.all);
        assert_eq!(taken.keys.len(), 2);
        assert!(drifts.take().keys.is_empty(), "taken once");
        drifts.add(None);
        assert!(drifts.take().all, "a re-list asks for every member");
        drifts.check_all_next();
        assert!(drifts.take().all, "after a failed heal, all next time");
    }
}
