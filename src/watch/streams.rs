//! Watch streams on the ApplySet's members: any change to what an object
//! says (not its status, not bookkeeping) or a deletion sends a wake-up.

use std::collections::{HashMap, HashSet};

use futures::{StreamExt, stream};
use kube::api::{DynamicObject, TypeMeta};
use kube::discovery::ApiResource;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use tokio::sync::mpsc;

use super::members::{self, Tracker};
use crate::cluster::Cluster;
use crate::cluster::applyset::{ApplySet, PART_OF};
use crate::cluster::resource::{manifest, resource_key};
use crate::desired::DesiredSet;

/// Starts one watch per (type, namespace) of the desired set, filtered to
/// the ApplySet's members; the task ends when aborted.
pub fn start(
    cluster: &Cluster,
    set: &DesiredSet,
    applyset: &ApplySet,
    tx: mpsc::Sender<()>,
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
                watcher::Event::Init => false,
                // A re-list after a broken stream (API server restart)
                // compares with what was seen before it broke.
                watcher::Event::InitApply(obj) => {
                    tracker.changed(&member_key(&obj), &to_value(&obj), settled[index])
                }
                // A member deleted while the stream was broken shows only
                // as missing from the re-list: one drift check covers it.
                watcher::Event::InitDone => std::mem::replace(&mut settled[index], true),
                watcher::Event::Apply(obj) => {
                    tracker.changed(&member_key(&obj), &to_value(&obj), true)
                }
                watcher::Event::Delete(obj) => tracker.deleted(&member_key(&obj)),
            };
            if due {
                let _ = tx.try_send(());
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
}
