//! Which watch events on ApplySet members are worth a drift check.
//!
//! An object counts by the fields its manifest sets (what gitsync manages),
//! projected from the live object: controllers' writes elsewhere (status,
//! a Deployment's revision annotation) change nothing here and wake
//! nobody. A change that brings an object back to what Git says (gitsync's
//! own revert) needs no check either.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use serde_json::{Map, Value};

/// `group/Kind/namespace/name`.
pub fn key(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> String {
    let (group, _) = crate::desired::split_api_version(api_version);
    format!("{group}/{kind}/{}/{name}", namespace.unwrap_or(""))
}

pub struct Tracker {
    /// What gitsync applies, per member, as compact JSON: a fleet's
    /// watch holds every member's manifest, and a parsed tree is several
    /// times larger than its text. Parsed again only when the member's
    /// watch event comes.
    manifests: HashMap<String, Box<[u8]>>,
    /// A digest of the last projection seen per member: all a change
    /// needs is whether it differs.
    seen: HashMap<String, u64>,
    /// Keys the digests, so that nobody can make two projections collide.
    hasher: RandomState,
}

impl Tracker {
    pub fn new(manifests: HashMap<String, Value>) -> Tracker {
        Tracker {
            manifests: compact(manifests),
            seen: HashMap::new(),
            hasher: RandomState::new(),
        }
    }

    /// Judges by `manifests` from now on. What was seen of a member
    /// whose manifest is unchanged still counts; the rest starts afresh.
    pub fn follow(&mut self, manifests: HashMap<String, Value>) {
        let old = std::mem::replace(&mut self.manifests, compact(manifests));
        self.seen.retain(|key, _| {
            old.get(key)
                .is_some_and(|m| self.manifests.get(key) == Some(m))
        });
    }

    /// An object was listed or changed. `settled`: the stream has
    /// listed everything once, so a difference from what was seen before
    /// is news (a re-list after a broken stream included). True when a
    /// drift check is due.
    pub fn changed(&mut self, key: &str, live: &Value, settled: bool) -> bool {
        let Some(manifest) = self.manifests.get(key) else {
            return false;
        };
        let Ok(manifest) = serde_json::from_slice::<Value>(manifest) else {
            // Written by `compact` from a Value: cannot fail; if it did,
            // a check is the safe answer.
            return true;
        };
        let projection = project(live, &manifest);
        let back_to_git = projection == manifest;
        let digest = self.digest(&projection);
        let before = self.seen.insert(key.to_string(), digest);
        match before {
            Some(before) => before != digest && !back_to_git,
            None => settled && !back_to_git,
        }
    }

    /// A member was deleted: always a check, if Git has it.
    pub fn deleted(&mut self, key: &str) -> bool {
        self.seen.remove(key);
        self.manifests.contains_key(key)
    }

    fn digest(&self, v: &Value) -> u64 {
        // Maps keep the manifest's key order (`project` builds them so),
        // so equal projections serialise alike.
        self.hasher
            .hash_one(serde_json::to_vec(v).unwrap_or_default())
    }
}

fn compact(manifests: HashMap<String, Value>) -> HashMap<String, Box<[u8]>> {
    manifests
        .into_iter()
        .map(|(k, v)| {
            let bytes = serde_json::to_vec(&as_stored(v)).unwrap_or_default();
            (k, bytes.into_boxed_slice())
        })
        .collect()
}

/// A manifest as the API server stores it, where that differs in shape:
/// a Secret's `stringData` is merged into `data`, base64-encoded, and is
/// never read back. Judged by `stringData`, a change to the Secret's
/// values would never show.
fn as_stored(mut manifest: Value) -> Value {
    use base64::Engine as _;
    let secret = manifest.get("kind").and_then(Value::as_str) == Some("Secret")
        && manifest.get("apiVersion").and_then(Value::as_str) == Some("v1");
    let Some(m) = manifest.as_object_mut().filter(|_| secret) else {
        return manifest;
    };
    let Some(Value::Object(strings)) = m.remove("stringData") else {
        return manifest;
    };
    let data = m.entry("data").or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(data) = data {
        for (k, v) in strings {
            let text = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            let encoded = base64::engine::general_purpose::STANDARD.encode(text);
            data.insert(k, Value::String(encoded));
        }
    }
    manifest
}

/// `live` cut down to the shape of `manifest`: maps keep only the
/// manifest's keys, lists as long as the manifest's are cut item by item
/// (the server keeps their order and adds defaults to each item: a
/// container's `imagePullPolicy`, a port's `protocol`); anything else is
/// taken whole, so an item added or removed is a change.
pub fn project(live: &Value, manifest: &Value) -> Value {
    match (live, manifest) {
        (Value::Array(l), Value::Array(m)) if l.len() == m.len() => {
            Value::Array(l.iter().zip(m).map(|(lv, mv)| project(lv, mv)).collect())
        }
        (Value::Object(l), Value::Object(m)) => {
            let mut out = Map::new();
            for (k, mv) in m {
                out.insert(
                    k.clone(),
                    l.get(k).map_or(Value::Null, |lv| project(lv, mv)),
                );
            }
            Value::Object(out)
        }
        _ => live.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
               "spec": {"replicas": 2}})
    }

    fn live(replicas: i64, annotations: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"},
                            "annotations": annotations, "resourceVersion": "7"},
               "spec": {"replicas": replicas, "strategy": {"type": "RollingUpdate"}},
               "status": {"readyReplicas": 1}})
    }

    fn tracker() -> (Tracker, String) {
        let k = key("apps/v1", "Deployment", Some("shop"), "web");
        (Tracker::new(HashMap::from([(k.clone(), manifest())])), k)
    }

    #[test]
    fn keys_name_group_kind_namespace_and_name() {
        assert_eq!(
            key("apps/v1", "Deployment", Some("a"), "b"),
            "apps/Deployment/a/b"
        );
        assert_eq!(key("v1", "Namespace", None, "a"), "/Namespace//a");
    }

    #[test]
    fn the_initial_listing_wakes_nobody() {
        let (mut t, k) = tracker();
        assert!(!t.changed(&k, &live(2, json!({})), false));
    }

    #[test]
    fn controller_writes_outside_the_manifest_wake_nobody() {
        let (mut t, k) = tracker();
        t.changed(&k, &live(2, json!({})), false);
        let mut l = live(2, json!({"deployment.kubernetes.io/revision": "2"}));
        l["status"]["readyReplicas"] = json!(2);
        l["metadata"]["resourceVersion"] = json!("8");
        assert!(!t.changed(&k, &l, true));
    }

    #[test]
    fn a_managed_field_changed_by_someone_is_drift() {
        let (mut t, k) = tracker();
        t.changed(&k, &live(2, json!({})), false);
        assert!(t.changed(&k, &live(5, json!({})), true));
        // gitsync's revert brings it back to Git: no second check.
        assert!(!t.changed(&k, &live(2, json!({})), true));
    }

    #[test]
    fn a_relisted_object_that_changed_meanwhile_is_drift() {
        let (mut t, k) = tracker();
        t.changed(&k, &live(2, json!({})), false);
        assert!(t.changed(&k, &live(4, json!({})), true));
        let (mut fresh, k) = tracker();
        // First seen after the stream settled, already different from Git.
        assert!(fresh.changed(&k, &live(4, json!({})), true));
    }

    #[test]
    fn deletions_of_members_count_and_strangers_do_not() {
        let (mut t, k) = tracker();
        assert!(t.deleted(&k));
        assert!(!t.deleted("/ConfigMap/shop/other"));
        assert!(!t.changed("/ConfigMap/shop/other", &json!({}), true));
    }

    #[test]
    fn projection_keeps_the_manifest_shape() {
        let p = project(&live(3, json!({"x": "y"})), &manifest());
        assert_eq!(
            p,
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
                   "spec": {"replicas": 3}})
        );
        assert_eq!(
            project(&json!({}), &json!({"a": {"b": 1}})),
            json!({"a": null})
        );
    }

    #[test]
    fn a_secret_written_with_string_data_is_judged_by_its_data() {
        let k = key("v1", "Secret", Some("shop"), "db");
        let m = json!({"apiVersion": "v1", "kind": "Secret",
                       "metadata": {"name": "db"}, "stringData": {"password": "one"}});
        let mut t = Tracker::new(HashMap::from([(k.clone(), m)]));
        let live = |data: &str| {
            json!({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": "db", "resourceVersion": "3"},
                   "data": {"password": data}, "type": "Opaque"})
        };
        // "one" and "two", base64.
        assert!(!t.changed(&k, &live("b25l"), true), "as Git says");
        assert!(t.changed(&k, &live("dHdv"), true), "its value changed");
        assert!(!t.changed(&k, &live("b25l"), true), "put back");
    }

    #[test]
    fn server_defaults_inside_list_items_are_not_drift() {
        let k = key("v1", "Service", Some("shop"), "web");
        let m = json!({"spec": {"ports": [{"port": 80}]}});
        let mut t = Tracker::new(HashMap::from([(k.clone(), m)]));
        let defaulted = json!({"spec": {"ports": [{"port": 80, "protocol": "TCP"}]}});
        assert!(
            !t.changed(&k, &defaulted, true),
            "as Git says, plus defaults"
        );
        let added = json!({"spec": {"ports": [{"port": 80}, {"port": 81}]}});
        assert!(t.changed(&k, &added, true), "an item added");
        let changed = json!({"spec": {"ports": [{"port": 82, "protocol": "TCP"}]}});
        assert!(t.changed(&k, &changed, true), "an item's managed field");
    }

    #[test]
    fn following_new_manifests_keeps_what_was_seen_of_unchanged_members() {
        let (mut t, k) = tracker();
        t.changed(&k, &live(2, json!({})), false);
        t.follow(HashMap::from([(k.clone(), manifest())]));
        // Seen before: a difference is news even though never re-listed.
        assert!(t.changed(&k, &live(3, json!({})), true));
        let mut three = manifest();
        three["spec"]["replicas"] = json!(3);
        t.follow(HashMap::from([(k.clone(), three)]));
        // The sync's own write brings it to the new manifest: no check.
        assert!(!t.changed(&k, &live(3, json!({})), true));
        assert!(t.changed(&k, &live(2, json!({})), true));
        t.follow(HashMap::new());
        assert!(
            !t.changed(&k, &live(7, json!({})), true),
            "no longer a member"
        );
    }
}
