//! managedFields (`fieldsV1` tries) mapped onto documents: which fields
//! of an object a field manager owns, and whether gitsync still owns a
//! field it is about to stop sending.

use serde_json::Value;

use super::jq::{Path, Step};

/// The trie nodes of `manager`'s entries (every operation, subresource
/// included: a scale by an HPA is recorded as an update of `scale`).
pub fn tries_of<'a>(managed: Option<&'a Value>, manager: &str) -> Vec<&'a Value> {
    managed
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("manager").and_then(Value::as_str) == Some(manager))
        .filter_map(|e| e.get("fieldsV1"))
        .collect()
}

/// gitsync's own apply entry.
pub fn apply_trie<'a>(managed: Option<&'a Value>, manager: &str) -> Option<&'a Value> {
    managed?.as_array()?.iter().find_map(|e| {
        (e.get("manager").and_then(Value::as_str) == Some(manager)
            && e.get("operation").and_then(Value::as_str) == Some("Apply"))
        .then(|| e.get("fieldsV1"))
        .flatten()
    })
}

fn is_leaf(node: &Value) -> bool {
    node.as_object().is_none_or(|m| m.keys().all(|k| k == "."))
}

/// Whether the trie key `key` (`k:{"name":"web"}`, `v:"x"`, `i:0`) names
/// `item`, the `index`th of its list.
fn names_item(key: &str, item: &Value, index: usize) -> bool {
    if let Some(k) = key.strip_prefix("k:") {
        let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(k) else {
            return false;
        };
        fields.iter().all(|(f, v)| item.get(f) == Some(v))
    } else if let Some(v) = key.strip_prefix("v:") {
        serde_json::from_str::<Value>(v).is_ok_and(|v| &v == item)
    } else if let Some(i) = key.strip_prefix("i:") {
        i.parse::<usize>() == Ok(index)
    } else {
        false
    }
}

/// The key fields of a `k:` trie key: they identify the item, so they
/// are never a field of their own to hide.
fn key_fields(key: &str) -> Vec<String> {
    key.strip_prefix("k:")
        .and_then(|k| serde_json::from_str::<Value>(k).ok())
        .and_then(|v| v.as_object().map(|m| m.keys().cloned().collect()))
        .unwrap_or_default()
}

/// The leaf fields the trie owns that `doc` holds, as paths into `doc`.
pub fn owned_paths(trie: &Value, doc: &Value) -> Vec<Path> {
    let mut out = Vec::new();
    walk(trie, doc, &mut Vec::new(), &[], &mut out);
    out
}

fn walk(node: &Value, doc: &Value, path: &mut Path, skip: &[String], out: &mut Vec<Path>) {
    let Some(children) = node.as_object() else {
        return;
    };
    for (key, child) in children {
        if let Some(field) = key.strip_prefix("f:") {
            if skip.iter().any(|s| s == field) {
                continue;
            }
            let Some(value) = doc.as_object().and_then(|o| o.get(field)) else {
                continue;
            };
            path.push(Step::Key(field.to_string()));
            if is_leaf(child) {
                out.push(path.clone());
            } else {
                walk(child, value, path, &[], out);
            }
            path.pop();
        } else if key != "." {
            let Some(items) = doc.as_array() else {
                continue;
            };
            let keys = key_fields(key);
            for (i, item) in items.iter().enumerate() {
                if !names_item(key, item, i) {
                    continue;
                }
                path.push(Step::Index(i));
                if is_leaf(child) {
                    out.push(path.clone());
                } else {
                    walk(child, item, path, &keys, out);
                }
                path.pop();
            }
        }
    }
}

/// What gitsync's apply entry says of a field of the manifest.
#[derive(Debug, PartialEq)]
pub enum Owned<'a> {
    /// gitsync does not own it: leaving it out of the apply changes
    /// nothing.
    No,
    /// gitsync owns it; the live object's value there, if it has one.
    Yes(Option<&'a Value>),
    /// It lies inside something gitsync owns whole (an atomic list or
    /// map): it cannot be left out on its own.
    Whole,
}

/// Follows `path` (into `manifest`) through gitsync's trie and, in step,
/// through `live`, matching list items by their keys.
pub fn owned<'a>(trie: &Value, manifest: &Value, live: &'a Value, path: &[Step]) -> Owned<'a> {
    let mut node = trie;
    let mut m = manifest;
    let mut l = Some(live);
    for step in path {
        if is_leaf(node) {
            return Owned::Whole;
        }
        match step {
            Step::Key(field) => {
                let Some(next) = node.get(format!("f:{field}")) else {
                    return Owned::No;
                };
                node = next;
                let Some(mv) = m.get(field) else {
                    return Owned::No;
                };
                m = mv;
                l = l.and_then(|l| l.get(field));
            }
            Step::Index(i) => {
                let Some(item) = m.as_array().and_then(|a| a.get(*i)) else {
                    return Owned::No;
                };
                let Some((key, next)) = node
                    .as_object()
                    .and_then(|o| o.iter().find(|(k, _)| names_item(k, item, *i)))
                else {
                    return Owned::No;
                };
                node = next;
                m = item;
                l = l.and_then(Value::as_array).and_then(|items| {
                    items
                        .iter()
                        .enumerate()
                        .find(|(j, it)| names_item(key, it, *j))
                        .map(|(_, it)| it)
                });
            }
        }
    }
    Owned::Yes(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn k(s: &str) -> Step {
        Step::Key(s.into())
    }

    #[test]
    fn owned_leaves_map_onto_the_document() {
        let trie = json!({
            "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"side\"}": {".": {}, "f:name": {}, "f:image": {}}
            }}}}
        });
        let doc = json!({"spec": {"replicas": 5, "template": {"spec": {"containers": [
            {"name": "web", "image": "a"}, {"name": "side", "image": "b"}
        ]}}}});
        let paths = owned_paths(&trie, &doc);
        let containers = [k("spec"), k("template"), k("spec"), k("containers")];
        let mut side_image = containers.to_vec();
        side_image.extend([Step::Index(1), k("image")]);
        assert_eq!(paths, [vec![k("spec"), k("replicas")], side_image]);
        // Not in the document: nothing.
        assert!(owned_paths(&trie, &json!({"spec": {}})).is_empty());
    }

    #[test]
    fn ownership_follows_list_items_by_key() {
        let trie = json!({"f:webhooks": {"k:{\"name\":\"b\"}": {"f:clientConfig": {"f:caBundle": {}}}},
                          "f:rules": {}});
        let manifest = json!({"webhooks": [{"name": "b", "clientConfig": {"caBundle": "m"}}],
                              "rules": [1]});
        let live = json!({"webhooks": [{"name": "a"}, {"name": "b", "clientConfig": {"caBundle": "l"}}],
                          "rules": [2]});
        let path = [
            k("webhooks"),
            Step::Index(0),
            k("clientConfig"),
            k("caBundle"),
        ];
        assert_eq!(
            owned(&trie, &manifest, &live, &path),
            Owned::Yes(Some(&json!("l")))
        );
        assert_eq!(
            owned(&trie, &manifest, &live, &[k("rules"), Step::Index(0)]),
            Owned::Whole
        );
        assert_eq!(owned(&trie, &manifest, &live, &[k("spec")]), Owned::No);
    }
}
