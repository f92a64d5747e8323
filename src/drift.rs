//! Drift: which fields of a live object differ from what Git said at the
//! last sync, and who changed them, from the managedFields the API server
//! keeps for every object.

use serde::Serialize;
use serde_json::Value;

use crate::plan::{Action, Change};

/// How a member differs from Git at the last synced revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftState {
    /// Fields differ.
    Modified,
    /// Gone from the cluster.
    Deleted,
    /// Labelled as a member but not in Git at that revision.
    Extra,
}

impl DriftState {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftState::Modified => "modified",
            DriftState::Deleted => "deleted",
            DriftState::Extra => "extra",
        }
    }

    /// A plan at the synced revision says what drifted: what it would
    /// create was deleted, what it would delete is extra, what it would
    /// update was modified.
    pub fn of(change: &Change) -> Option<DriftState> {
        match change.action {
            Action::Unchanged => None,
            Action::Create => Some(DriftState::Deleted),
            Action::Delete => Some(DriftState::Extra),
            // A member that lost its part-of label was modified too.
            Action::Update | Action::Adopt => Some(DriftState::Modified),
        }
    }
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Field(String),
    /// A list item identified by its `name` (containers, ports, env…), as
    /// server-side apply keys them.
    Named(String),
}

/// A field whose value differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDrift {
    /// `spec.replicas`, `spec.template.spec.containers[name=web].image`.
    pub path: String,
    /// What Git says (`None`: Git does not set it).
    pub git: Option<Value>,
    /// What the cluster holds (`None`: removed).
    pub live: Option<Value>,
    /// Who owns the field now, if anyone does.
    pub manager: Option<String>,
    pub operation: Option<String>,
    pub time: Option<String>,
}

/// Fields that differ between `git` (the object as gitsync would apply it
/// now, from the server's dry run) and `live`, each attributed to the field
/// manager that owns it in `managed` (the live object's managedFields).
pub fn field_drift(git: &Value, live: &Value, managed: &Value) -> Vec<FieldDrift> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(Some(git), Some(live), &mut path, &mut |path, g, l| {
        let owner = owner_of(managed, path);
        out.push(FieldDrift {
            path: display(path),
            git: g.cloned(),
            live: l.cloned(),
            manager: owner.as_ref().map(|o| o.0.clone()),
            operation: owner.as_ref().map(|o| o.1.clone()),
            time: owner.and_then(|o| o.2),
        });
    });
    out
}

type Visit<'a> = dyn FnMut(&[Seg], Option<&Value>, Option<&Value>) + 'a;

fn walk(git: Option<&Value>, live: Option<&Value>, path: &mut Vec<Seg>, visit: &mut Visit) {
    match (git, live) {
        (Some(Value::Object(g)), Some(Value::Object(l))) => {
            let mut keys: Vec<&String> = g.keys().collect();
            keys.extend(l.keys().filter(|k| !g.contains_key(*k)));
            for k in keys {
                path.push(Seg::Field(k.clone()));
                walk(g.get(k), l.get(k), path, visit);
                path.pop();
            }
        }
        (Some(Value::Array(g)), Some(Value::Array(l))) if named(g) && named(l) => {
            let name = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
            let mut names: Vec<String> = g.iter().filter_map(name).collect();
            names.extend(
                l.iter()
                    .filter_map(name)
                    .filter(|n| !g.iter().any(|x| name(x).as_deref() == Some(n))),
            );
            for n in names {
                let gi = g.iter().find(|x| name(x).as_deref() == Some(&n));
                let li = l.iter().find(|x| name(x).as_deref() == Some(&n));
                path.push(Seg::Named(n));
                walk(gi, li, path, visit);
                path.pop();
            }
        }
        (g, l) if g != l => visit(path, g, l),
        _ => {}
    }
}

fn named(items: &[Value]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|i| i.get("name").is_some_and(Value::is_string))
}

pub fn display(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Field(f) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(f);
            }
            Seg::Named(n) => s.push_str(&format!("[name={n}]")),
        }
    }
    s
}

/// The manager whose fieldsV1 holds `path` (the latest one when several
/// do): (manager, operation, time).
fn owner_of(managed: &Value, path: &[Seg]) -> Option<(String, String, Option<String>)> {
    let entries = managed.as_array()?;
    let mut best: Option<(String, String, Option<String>)> = None;
    for e in entries {
        let Some(fields) = e.get("fieldsV1") else {
            continue;
        };
        if !owns(fields, path) {
            continue;
        }
        let manager = e
            .get("manager")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let op = e.get("operation").and_then(Value::as_str).unwrap_or("");
        let sub = e.get("subresource").and_then(Value::as_str);
        let label = match sub {
            Some(sub) if !sub.is_empty() => format!("{op}, {sub}"),
            _ => op.to_string(),
        };
        let time = e.get("time").and_then(Value::as_str).map(str::to_string);
        let newer = match (&best, &time) {
            (None, _) => true,
            (Some((_, _, Some(t0))), Some(t1)) => t1 > t0,
            _ => false,
        };
        if newer {
            best = Some((manager.to_string(), label, time));
        }
    }
    best
}

/// Whether a fieldsV1 trie contains `path`.
fn owns(fields: &Value, path: &[Seg]) -> bool {
    let mut node = fields;
    for seg in path {
        let next = match seg {
            Seg::Field(f) => node.get(format!("f:{f}")),
            Seg::Named(n) => node.as_object().and_then(|m| {
                m.iter().find_map(|(k, v)| {
                    let key = k.strip_prefix("k:")?;
                    let parsed: Value = serde_json::from_str(key).ok()?;
                    (parsed.get("name").and_then(Value::as_str) == Some(n)).then_some(v)
                })
            }),
        };
        match next {
            Some(n) => node = n,
            None => return false,
        }
    }
    true
}

/// A value as shown after a path: JSON, strings quoted; absent as `(none)`.
pub fn show(v: &Option<Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn managed() -> Value {
        json!([
            {"manager": "gitsync", "operation": "Apply", "time": "2026-11-26T10:00:00Z",
             "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}},
                          "f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {"f:image": {}, "f:name": {}}}}}}}},
            {"manager": "kubectl", "operation": "Update", "subresource": "scale", "time": "2026-11-26T11:00:00Z",
             "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            {"manager": "alice", "operation": "Update", "time": "2026-11-26T12:00:00Z",
             "fieldsV1": {"f:metadata": {"f:labels": {"f:tier": {}}}}}
        ])
    }

    #[test]
    fn changed_scalar_is_attributed_to_its_manager() {
        let git = json!({"spec": {"replicas": 3}});
        let live = json!({"spec": {"replicas": 5}});
        let d = field_drift(&git, &live, &managed());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "spec.replicas");
        assert_eq!(show(&d[0].git), "3");
        assert_eq!(show(&d[0].live), "5");
        assert_eq!(d[0].manager.as_deref(), Some("kubectl"));
        assert_eq!(d[0].operation.as_deref(), Some("Update, scale"));
        assert_eq!(d[0].time.as_deref(), Some("2026-11-26T11:00:00Z"));
    }

    #[test]
    fn named_list_items_are_matched_by_name() {
        let git = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1"}, {"name": "side", "image": "x"}]}}}});
        let live = json!({"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "x"}, {"name": "web", "image": "nginx:2"}]}}}});
        let d = field_drift(&git, &live, &managed());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "spec.template.spec.containers[name=web].image");
        assert_eq!(d[0].manager.as_deref(), Some("gitsync"));
    }

    #[test]
    fn added_and_removed_fields() {
        let git = json!({"metadata": {"labels": {"app": "web", "tier": "web"}}});
        let live = json!({"metadata": {"labels": {"app": "web", "tier": "api", "extra": "x"}}, "data": {"k": "v"}});
        let d = field_drift(&git, &live, &managed());
        let paths: Vec<&str> = d.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["metadata.labels.tier", "metadata.labels.extra", "data"]
        );
        assert_eq!(d[0].manager.as_deref(), Some("alice"));
        assert_eq!(show(&d[1].git), "(none)");
        assert_eq!(d[2].manager, None);
    }

    #[test]
    fn equal_objects_have_no_drift() {
        let v = json!({"a": [1, 2], "b": {"c": "d"}});
        assert!(field_drift(&v, &v.clone(), &managed()).is_empty());
    }

    #[test]
    fn unnamed_lists_compare_whole() {
        let d = field_drift(
            &json!({"args": ["a", "b"]}),
            &json!({"args": ["a", "c"]}),
            &json!([]),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "args");
    }
}
