//! Deciding, without asking the server, that applying a manifest would
//! change nothing, so that the dry run for it can be skipped.
//!
//! Server-side apply of manifest M by manager `gitsync` onto live object L
//! sets M's fields and removes the fields gitsync owned before but M no
//! longer has. So when (1) the fields gitsync owns in L (its Apply entry in
//! managedFields) are exactly M's fields and (2) L already holds M's value
//! for each of them, the result is L itself. The check is strict: anything
//! it cannot prove (a value spelled differently, such as `1000m` for `1`, a
//! list it cannot match item for item, several gitsync entries) answers
//! "not proven", and the plan asks the server as usual. It can only ever
//! say "unchanged" where the dry run would too; it never invents a change.

use serde_json::{Map, Value};

use crate::cluster::FIELD_MANAGER;

/// True when applying `manifest` onto `live` is provably a no-op, apart
/// from the label `ignore_label` (gitsync's part-of label, bookkeeping
/// the plan tracks on its own as an adoption).
pub fn apply_is_noop(manifest: &Value, live: &Value, ignore_label: &str) -> bool {
    let Some(entry) = gitsync_entry(live, manifest) else {
        return false;
    };
    let Some(fields) = entry.get("fieldsV1") else {
        return false;
    };
    let mut fields = fields.clone();
    if let Some(labels) = fields
        .pointer_mut("/f:metadata/f:labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(&format!("f:{ignore_label}"));
        if labels.keys().all(|k| k == ".")
            && let Some(meta) = fields
                .pointer_mut("/f:metadata")
                .and_then(Value::as_object_mut)
        {
            meta.remove("f:labels");
        }
    }
    if fields
        .pointer("/f:metadata")
        .and_then(Value::as_object)
        .is_some_and(|m| m.keys().all(|k| k == "."))
        && let Some(root) = fields.as_object_mut()
    {
        root.remove("f:metadata");
    }
    let (Some(m), Some(l)) = (manifest.as_object(), live.as_object()) else {
        return false;
    };
    // apiVersion, kind, name and namespace identify the object; they are
    // not in managedFields, and the plan has matched them already.
    let mut m = m.clone();
    m.remove("apiVersion");
    m.remove("kind");
    if m.contains_key("status") {
        return false;
    }
    let is_secret = manifest.get("apiVersion") == Some(&Value::from("v1"))
        && manifest.get("kind") == Some(&Value::from("Secret"));
    if is_secret && !fold_string_data(&mut m, &mut fields) {
        return false;
    }
    if let Some(Value::Object(meta)) = m.get_mut("metadata") {
        meta.remove("name");
        meta.remove("namespace");
        if let Some(Value::Object(labels)) = meta.get_mut("labels") {
            labels.remove(ignore_label);
            if labels.is_empty() {
                meta.remove("labels");
            }
        }
        if meta.is_empty() {
            m.remove("metadata");
        }
    }
    object_matches(&m, l, Some(&fields))
}

/// A Secret's `stringData` is write-only: the server folds it into `data`
/// (base64) and never stores it, though managedFields record it as
/// applied. Folding the manifest the same way (and the owned fields with
/// it) lets an unchanged Secret written with `stringData` be proven
/// unchanged. False when it cannot be folded cleanly (a key in both).
fn fold_string_data(m: &mut Map<String, Value>, fields: &mut Value) -> bool {
    use base64::Engine;
    let Some(Value::Object(string_data)) = m.remove("stringData") else {
        return true;
    };
    let data = m.entry("data").or_insert_with(|| Value::Object(Map::new()));
    let Some(data) = data.as_object_mut() else {
        return false;
    };
    for (key, value) in string_data {
        let Some(text) = value.as_str() else {
            return false;
        };
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        if data.insert(key, Value::String(encoded)).is_some() {
            return false;
        }
    }
    let Some(root) = fields.as_object_mut() else {
        return false;
    };
    let Some(Value::Object(owned)) = root.remove("f:stringData") else {
        return true;
    };
    let owned_data = root
        .entry("f:data")
        .or_insert_with(|| serde_json::json!({".": {}}));
    let Some(owned_data) = owned_data.as_object_mut() else {
        return false;
    };
    for (key, node) in owned {
        if key != "." && owned_data.insert(key, node).is_some() {
            return false;
        }
    }
    true
}

/// The one managedFields entry of gitsync's applies, at the manifest's
/// apiVersion, on the main resource.
fn gitsync_entry<'a>(live: &'a Value, manifest: &Value) -> Option<&'a Value> {
    let entries = live.pointer("/metadata/managedFields")?.as_array()?;
    let mut ours = entries.iter().filter(|e| {
        e.get("manager").and_then(Value::as_str) == Some(FIELD_MANAGER)
            && e.get("operation").and_then(Value::as_str) == Some("Apply")
    });
    let entry = ours.next()?;
    if ours.next().is_some()
        || entry
            .get("subresource")
            .is_some_and(|s| s.as_str() != Some(""))
        || entry.get("apiVersion") != manifest.get("apiVersion")
    {
        return None;
    }
    Some(entry)
}

/// The trie node's `f:` children, ignoring `.` (the node itself).
fn field_children(node: &Value) -> Option<Vec<&str>> {
    let map = node.as_object()?;
    let mut out = Vec::new();
    for k in map.keys() {
        if k == "." {
            continue;
        }
        out.push(k.strip_prefix("f:")?);
    }
    Some(out)
}

fn object_matches(m: &Map<String, Value>, l: &Map<String, Value>, node: Option<&Value>) -> bool {
    let Some(node) = node else {
        return m.is_empty();
    };
    let Some(children) = field_children(node) else {
        return false;
    };
    if children.len() != m.len() || !children.iter().all(|c| m.contains_key(*c)) {
        return false;
    }
    m.iter().all(|(k, mv)| match l.get(k) {
        Some(lv) => value_matches(mv, lv, node.get(format!("f:{k}"))),
        None => false,
    })
}

fn is_leaf(node: &Value) -> bool {
    node.as_object().is_some_and(|m| m.keys().all(|k| k == "."))
}

fn value_matches(m: &Value, l: &Value, node: Option<&Value>) -> bool {
    let Some(node) = node else {
        return false;
    };
    match m {
        Value::Null => false,
        Value::Object(mo) => {
            if mo.is_empty() {
                return is_leaf(node) && l.is_object();
            }
            if is_leaf(node) {
                // An atomic map (a selector, a roleRef): owned whole.
                return m == l;
            }
            match l.as_object() {
                Some(lo) => object_matches(mo, lo, Some(node)),
                None => false,
            }
        }
        Value::Array(items) => {
            if is_leaf(node) {
                // An atomic list: owned whole.
                return m == l;
            }
            let Some(live_items) = l.as_array() else {
                return false;
            };
            list_matches(items, live_items, node)
        }
        _ => is_leaf(node) && m == l,
    }
}

/// An item's value for a list-map key field, with the one default the
/// server fills into keys of core types: a port's protocol is TCP. Any
/// other missing key field matches nothing (and the server is asked).
fn key_field(item: &Value, field: &str) -> Option<Value> {
    match item.get(field) {
        Some(v) => Some(v.clone()),
        None if field == "protocol" => Some(Value::String("TCP".into())),
        None => None,
    }
}

/// A list of keyed items (`k:{"name":"web"}`) or set values (`v:"x"`).
fn list_matches(items: &[Value], live_items: &[Value], node: &Value) -> bool {
    let Some(map) = node.as_object() else {
        return false;
    };
    let children: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| *k != ".").collect();
    if children.len() != items.len() {
        return false;
    }
    let mut used = vec![false; children.len()];
    for item in items {
        let mut found = None;
        for (i, (k, child)) in children.iter().enumerate() {
            if used[i] {
                continue;
            }
            if let Some(set_value) = k.strip_prefix("v:") {
                if serde_json::from_str::<Value>(set_value).ok().as_ref() == Some(item) {
                    found = Some((i, None));
                    break;
                }
            } else if let Some(key) = k.strip_prefix("k:") {
                let Ok(Value::Object(key)) = serde_json::from_str::<Value>(key) else {
                    return false;
                };
                if key
                    .iter()
                    .all(|(f, v)| key_field(item, f).as_ref() == Some(v))
                {
                    found = Some((i, Some((key, *child))));
                    break;
                }
            } else {
                return false;
            }
        }
        let Some((i, keyed)) = found else {
            return false;
        };
        used[i] = true;
        match keyed {
            // A set value: the live list must hold it.
            None => {
                if !live_items.contains(item) {
                    return false;
                }
            }
            Some((key, child)) => {
                let mut matching = live_items
                    .iter()
                    .filter(|li| key.iter().all(|(f, v)| li.get(f) == Some(v)));
                let (Some(live_item), None) = (matching.next(), matching.next()) else {
                    return false;
                };
                let (Some(mo), Some(lo)) = (item.as_object(), live_item.as_object()) else {
                    return false;
                };
                if !object_matches(mo, lo, Some(child)) {
                    return false;
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PART: &str = "applyset.kubernetes.io/part-of";

    fn noop(manifest: &Value, live: &Value) -> bool {
        apply_is_noop(manifest, live, PART)
    }

    #[test]
    fn the_part_of_label_is_left_to_the_plan() {
        // Applied by someone else's tool with gitsync's field manager, or
        // before gitsync owned it: the label is missing live and in the
        // managed fields, everything else matches.
        let mut m = manifest(spec(2, "nginx:1"));
        m["metadata"]["labels"][PART] = json!("applyset-x-v1");
        assert!(noop(&m, &live(live_spec(2, "nginx:1"), fields())));
        // Owned and present: the same.
        let mut f = fields();
        f["f:metadata"]["f:labels"][format!("f:{PART}")] = json!({});
        let mut l = live(live_spec(2, "nginx:1"), f);
        l["metadata"]["labels"][PART] = json!("applyset-x-v1");
        assert!(noop(&m, &l));
    }

    fn secret_live(data: Value, fields: Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "shop", "uid": "u", "resourceVersion": "3",
                "managedFields": [
                    {"manager": "gitsync", "operation": "Apply", "apiVersion": "v1",
                     "fieldsType": "FieldsV1", "fieldsV1": fields}]},
            "type": "Opaque",
            "data": data
        })
    }

    #[test]
    fn a_secret_written_with_string_data_is_proven_unchanged() {
        // The server stores stringData as data (base64) and keeps no
        // stringData, while managedFields record the applied stringData.
        let fields = json!({"f:stringData": {".": {}, "f:token": {}}, "f:type": {}});
        let live = secret_live(json!({"token": "czNjcmV0"}), fields.clone());
        let m = json!({"apiVersion": "v1", "kind": "Secret",
                       "metadata": {"name": "db", "namespace": "shop"},
                       "type": "Opaque", "stringData": {"token": "s3cret"}});
        assert!(noop(&m, &live));
        // A changed value, or a key the server did not store, is not.
        let mut changed = m.clone();
        changed["stringData"]["token"] = json!("other");
        assert!(!noop(&changed, &live));
        let missing = secret_live(json!({}), fields);
        assert!(!noop(&m, &missing));
        // The same key in data and stringData: not provable.
        let mut both = m.clone();
        both["data"] = json!({"token": "czNjcmV0"});
        assert!(!noop(&both, &live));
    }

    #[test]
    fn string_data_of_other_kinds_is_left_alone() {
        let fields = json!({"f:stringData": {".": {}, "f:token": {}}});
        let mut live = secret_live(json!({"token": "czNjcmV0"}), fields);
        live["apiVersion"] = json!("example.com/v1");
        live["metadata"]["managedFields"][0]["apiVersion"] = json!("example.com/v1");
        let m = json!({"apiVersion": "example.com/v1", "kind": "Secret",
                       "metadata": {"name": "db", "namespace": "shop"},
                       "stringData": {"token": "s3cret"}});
        assert!(!noop(&m, &live));
    }

    fn live(data: Value, fields: Value) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "uid": "u", "resourceVersion": "9",
                "labels": {"app": "web"},
                "managedFields": [
                    {"manager": "gitsync", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
                     "fieldsV1": fields},
                    {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "apps/v1",
                     "fieldsV1": {"f:status": {}}}
                ]},
            "spec": data,
            "status": {"replicas": 2}
        })
    }

    fn manifest(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
               "spec": spec})
    }

    fn fields() -> Value {
        let port = json!({".": {}, "f:containerPort": {}});
        let web = json!({".": {}, "f:name": {}, "f:image": {},
                         "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": port}});
        json!({
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:replicas": {},
                "f:template": {"f:spec": {
                    "f:containers": {"k:{\"name\":\"web\"}": web},
                    "f:args": {}
                }}
            }
        })
    }

    fn spec(replicas: i64, image: &str) -> Value {
        json!({"replicas": replicas, "template": {"spec": {
            "containers": [{"name": "web", "image": image, "ports": [{"containerPort": 80}]}],
            "args": ["a", "b"]}}})
    }

    fn live_spec(replicas: i64, image: &str) -> Value {
        json!({"replicas": replicas, "progressDeadlineSeconds": 600, "template": {"spec": {
            "containers": [{"name": "web", "image": image, "imagePullPolicy": "IfNotPresent",
                            "ports": [{"containerPort": 80, "protocol": "TCP"}]}],
            "args": ["a", "b"], "restartPolicy": "Always"}}})
    }

    #[test]
    fn same_values_same_fields_is_a_noop() {
        assert!(noop(
            &manifest(spec(2, "nginx:1")),
            &live(live_spec(2, "nginx:1"), fields())
        ));
    }

    #[test]
    fn a_changed_value_is_not() {
        assert!(!noop(
            &manifest(spec(3, "nginx:1")),
            &live(live_spec(2, "nginx:1"), fields())
        ));
        assert!(!noop(
            &manifest(spec(2, "nginx:2")),
            &live(live_spec(2, "nginx:1"), fields())
        ));
    }

    #[test]
    fn a_field_gitsync_owns_but_git_dropped_is_not() {
        let mut m = manifest(spec(2, "nginx:1"));
        m["spec"].as_object_mut().unwrap().remove("replicas");
        assert!(!noop(&m, &live(live_spec(2, "nginx:1"), fields())));
    }

    #[test]
    fn a_new_field_in_git_is_not() {
        let mut m = manifest(spec(2, "nginx:1"));
        m["spec"]["minReadySeconds"] = json!(5);
        assert!(!noop(&m, &live(live_spec(2, "nginx:1"), fields())));
    }

    #[test]
    fn a_value_spelled_differently_asks_the_server() {
        let f = json!({"f:spec": {"f:cpu": {}}});
        let l = live(json!({"cpu": "1"}), f);
        assert!(!noop(&manifest(json!({"cpu": "1000m"})), &l));
        let mut m = manifest(json!({"cpu": "1"}));
        m["metadata"].as_object_mut().unwrap().remove("labels");
        assert!(noop(&m, &l));
    }

    #[test]
    fn no_gitsync_entry_or_other_version_asks_the_server() {
        let mut l = live(live_spec(2, "nginx:1"), fields());
        l["metadata"]["managedFields"][0]["manager"] = json!("kubectl");
        assert!(!noop(&manifest(spec(2, "nginx:1")), &l));
        let mut l = live(live_spec(2, "nginx:1"), fields());
        l["metadata"]["managedFields"][0]["apiVersion"] = json!("apps/v1beta1");
        assert!(!noop(&manifest(spec(2, "nginx:1")), &l));
    }

    #[test]
    fn atomic_maps_compare_whole() {
        let f = json!({"f:roleRef": {}});
        let mut m = manifest(json!(null));
        let obj = m.as_object_mut().unwrap();
        obj.remove("spec");
        obj["metadata"].as_object_mut().unwrap().remove("labels");
        obj.insert("roleRef".into(), json!({"kind": "Role", "name": "r"}));
        let mut l = live(json!({}), f);
        l.as_object_mut().unwrap().remove("spec");
        l["roleRef"] = json!({"kind": "Role", "name": "r"});
        assert!(noop(&m, &l));
        l["roleRef"] = json!({"kind": "Role", "name": "other"});
        assert!(!noop(&m, &l));
    }

    #[test]
    fn atomic_lists_compare_whole() {
        let mut m = manifest(spec(2, "nginx:1"));
        m["spec"]["template"]["spec"]["args"] = json!(["a", "c"]);
        assert!(!noop(&m, &live(live_spec(2, "nginx:1"), fields())));
    }

    #[test]
    fn missing_label_in_live_is_not() {
        let mut l = live(live_spec(2, "nginx:1"), fields());
        l["metadata"]["labels"] = json!({});
        assert!(!noop(&manifest(spec(2, "nginx:1")), &l));
    }

    #[test]
    fn set_lists_match_by_value() {
        let f = json!({"f:spec": {"f:finalizers": {"v:\"a\"": {}, "v:\"b\"": {}}}});
        let mut m = manifest(json!({"finalizers": ["b", "a"]}));
        m["metadata"].as_object_mut().unwrap().remove("labels");
        assert!(noop(
            &m,
            &live(json!({"finalizers": ["a", "b"]}), f.clone())
        ));
        assert!(!noop(&m, &live(json!({"finalizers": ["a"]}), f)));
    }

    #[test]
    fn null_and_status_ask_the_server() {
        let mut m = manifest(spec(2, "nginx:1"));
        m["status"] = json!({});
        assert!(!noop(&m, &live(live_spec(2, "nginx:1"), fields())));
        let mut m = manifest(spec(2, "nginx:1"));
        m["spec"]["replicas"] = Value::Null;
        assert!(!noop(&m, &live(live_spec(2, "nginx:1"), fields())));
    }
}
