//! The Plan: per object what syncing now would do (create, update, delete
//! or nothing), with the object before and after, normalised so that equal
//! means "nothing to do". Computed by [`crate::cluster::plan`]; diff, sync,
//! drift and watch all read it.

use serde::Serialize;
use serde_json::Value;

use crate::desired::ObjectId;
use crate::hooks::PlannedHook;
use crate::render::Origin;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    /// The object exists but is not a member of this ApplySet yet: sync
    /// writes it (with the part-of label, and any field changes) to take
    /// ownership. Whoever managed it before (kubectl, Helm, Argo CD, Flux)
    /// keeps the fields gitsync does not set.
    Adopt,
    Update,
    Delete,
    Unchanged,
}

impl Action {
    /// The header sign of a text diff, as in `diff -u`.
    pub fn sign(self) -> char {
        match self {
            Action::Create => '+',
            Action::Adopt => '@',
            Action::Update => '~',
            Action::Delete => '-',
            Action::Unchanged => '=',
        }
    }
}

/// What sync does to one object, as results name it: an update that
/// recreates is a replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Create,
    Update,
    Replace,
    Adopt,
    Delete,
    Unchanged,
}

#[derive(Debug, Clone)]
pub struct Change {
    /// Identity with the namespace resolved (defaulted where the kind is
    /// namespaced and the manifest named none).
    pub id: ObjectId,
    pub api_version: String,
    pub action: Action,
    /// The live object, normalised; `None` for a create, and for an
    /// unchanged object (it equals `desired`; see [`Change::compact`]).
    pub live: Option<Value>,
    /// The object as it would be after applying (the server's dry-run
    /// result, or the manifest when its type does not exist yet),
    /// normalised; `None` for a delete.
    pub desired: Option<Value>,
    /// Where Git states it; `None` for a delete.
    pub origin: Option<Origin>,
    /// Fields other field managers own that this change takes over
    /// (planned with `--force-conflicts`).
    pub conflicts: Vec<Conflict>,
    /// For a delete or a replace: the uid and resourceVersion the plan
    /// saw; sync's delete gate judges an object that differs since anew,
    /// so that nothing changed or recreated since is deleted blind.
    pub preconditions: Option<(String, String)>,
    /// An immutable field changes: sync deletes and recreates the object
    /// (`--force-replace`; only a member, and only what the delete gate
    /// allows, else the plan has an error instead).
    pub replace: bool,
    /// Exactly what sync sends (namespace resolved, part-of label added);
    /// `None` for a delete, and for an unchanged object (nothing is sent).
    pub manifest: Option<Value>,
    /// Its wave (`gitsync.io/wave`); 0 for a delete.
    pub wave: i64,
    /// The live object's managedFields (who owns which field), kept apart
    /// from `live` since normalising drops them; drift reads them for
    /// changed objects. `None` for an unchanged object.
    pub managed_fields: Option<Value>,
}

impl Operation {
    /// As JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Replace => "replace",
            Operation::Adopt => "adopt",
            Operation::Delete => "delete",
            Operation::Unchanged => "unchanged",
        }
    }
}

impl Change {
    /// A prune: the live member goes, if it is still what was planned.
    pub fn delete(
        id: ObjectId,
        api_version: String,
        live: Value,
        managed_fields: Option<Value>,
        preconditions: Option<(String, String)>,
    ) -> Change {
        Change {
            preconditions,
            id,
            api_version,
            action: Action::Delete,
            live: Some(live),
            desired: None,
            origin: None,
            conflicts: Vec::new(),
            replace: false,
            manifest: None,
            wave: 0,
            managed_fields,
        }
    }

    pub fn operation(&self) -> Operation {
        match self.action {
            Action::Create => Operation::Create,
            Action::Update if self.replace => Operation::Replace,
            Action::Update => Operation::Update,
            Action::Delete => Operation::Delete,
            Action::Adopt => Operation::Adopt,
            Action::Unchanged => Operation::Unchanged,
        }
    }

    /// Drops what nobody reads of an unchanged object: it is never sent,
    /// shown or looked into by drift, and at 10,000 objects its copies of
    /// the live object and the manifest were most of a plan's memory.
    pub fn compact(mut self) -> Change {
        if self.action == Action::Unchanged {
            self.live = None;
            self.manifest = None;
            self.managed_fields = None;
        }
        self
    }

    /// Sync applies this object (a delete is not a write).
    pub fn needs_write(&self) -> bool {
        matches!(self.action, Action::Create | Action::Adopt | Action::Update)
    }
}

/// A field another field manager owns, which applying would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub manager: String,
    /// As the API server names it: `.spec.replicas`, `.data.key`.
    pub field: String,
}

/// An object that could not be planned; the others still are.
#[derive(Debug, Clone)]
pub struct ObjectError {
    pub id: ObjectId,
    pub api_version: String,
    pub origin: Option<Origin>,
    pub message: String,
    /// Field-manager conflicts that stop it (empty for other errors).
    pub conflicts: Vec<Conflict>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// In apply order (deletions last).
    pub changes: Vec<Change>,
    /// Objects that could not be planned: sync applies nothing.
    pub errors: Vec<ObjectError>,
    /// Prunes refused because the delete would take what this ApplySet
    /// does not own (a Namespace's or CRD's other objects, a volume's
    /// data): errors on those objects, while the rest of a sync proceeds.
    pub refused: Vec<ObjectError>,
    /// Live objects with this ApplySet's label that Git no longer has and
    /// that stay, with why.
    pub kept: Vec<Kept>,
    /// Lifecycle hooks a sync runs, in run order. Not changes: they run on
    /// every sync and never count as a difference.
    pub hooks: Vec<PlannedHook>,
    /// `--no-hooks`: the hooks are listed but not run.
    pub no_hooks: bool,
    /// `--prune-pvcs`: the plan allowed deleting PersistentVolumeClaims
    /// (pruned or replaced); sync's delete-time checks allow the same.
    pub prune_pvcs: bool,
}

/// A labelled live object that is not pruned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    #[serde(flatten)]
    pub id: ObjectId,
    pub reason: KeepReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "why", content = "detail")]
pub enum KeepReason {
    /// `--no-prune` or the target's `prune: false`.
    PruneOff,
    /// `gitsync.io/prune: disabled` on the object.
    OptedOut,
    /// Being deleted already.
    Terminating,
    /// It carries the part-of label, but gitsync's field manager does not
    /// own that label, or a controller owns the object: someone else put
    /// the label there. Never a member.
    NotOurs(String),
}

impl KeepReason {
    /// Whether the object is still a member (its kind and namespace stay
    /// recorded in the parent).
    pub fn is_member(&self) -> bool {
        !matches!(self, KeepReason::NotOurs(_))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub adopt: usize,
    pub update: usize,
    pub delete: usize,
    pub unchanged: usize,
}

impl Plan {
    /// Every object Git has, with its apiVersion: what a health check
    /// looks at.
    pub fn desired_ids(&self) -> Vec<(ObjectId, String)> {
        self.changes
            .iter()
            .filter(|c| c.desired.is_some())
            .map(|c| (c.id.clone(), c.api_version.clone()))
            .collect()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.create += 1,
                Action::Adopt => s.adopt += 1,
                Action::Update => s.update += 1,
                Action::Delete => s.delete += 1,
                Action::Unchanged => s.unchanged += 1,
            }
        }
        s
    }

    /// Objects the plan reports as errors: those that could not be planned
    /// and the refused prunes.
    pub fn problems(&self) -> impl Iterator<Item = &ObjectError> {
        self.errors.iter().chain(&self.refused)
    }

    pub fn problem_count(&self) -> usize {
        self.errors.len() + self.refused.len()
    }

    /// The changes that are not `Unchanged`.
    pub fn changed(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| c.action != Action::Unchanged)
    }

    /// True when syncing would write or delete anything.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::Unchanged)
    }
}

/// Fields that say nothing about what the object should be: bookkeeping the
/// server changes on every write, and status, which controllers own.
const VOLATILE_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
];

/// Removes what differs between two reads of an unchanged object, so that
/// "equal after normalisation" means "nothing to apply".
pub fn normalize(mut obj: Value) -> Value {
    if let Some(map) = obj.as_object_mut() {
        map.remove("status");
        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
            for key in VOLATILE_METADATA {
                meta.remove(*key);
            }
            for key in ["annotations", "labels"] {
                if meta
                    .get(key)
                    .is_some_and(|v| v.as_object().is_some_and(|m| m.is_empty()))
                {
                    meta.remove(key);
                }
            }
        }
    }
    obj
}

/// [`normalize`] of a copy of `obj`, without copying what it drops: the
/// managedFields and status of a live object are often most of it. They
/// are copied as nulls and removed by [`normalize`] itself, so that keys
/// end up in the same order (its removals move the last key).
pub fn normalized(obj: &Value) -> Value {
    let Some(map) = obj.as_object() else {
        return obj.clone();
    };
    let copy = map
        .iter()
        .map(|(key, value)| {
            let value = match (key.as_str(), value) {
                ("status", _) => Value::Null,
                ("metadata", Value::Object(meta)) => Value::Object(
                    meta.iter()
                        .map(|(k, v)| {
                            let v = if k == "managedFields" {
                                Value::Null
                            } else {
                                v.clone()
                            };
                            (k.clone(), v)
                        })
                        .collect(),
                ),
                _ => value.clone(),
            };
            (key.clone(), value)
        })
        .collect();
    normalize(Value::Object(copy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_keeps_of_an_unchanged_object_only_what_is_read() {
        let id = ObjectId {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: Some("n".into()),
            name: "a".into(),
        };
        let obj = json!({"kind": "ConfigMap", "data": {"k": "v"}});
        let full = |action| Change {
            action,
            desired: Some(obj.clone()),
            manifest: Some(obj.clone()),
            origin: Some(Origin::file("a.yaml")),
            ..Change::delete(id.clone(), "v1".into(), obj.clone(), Some(json!([])), None)
        };
        let c = full(Action::Unchanged).compact();
        assert_eq!(c.desired, Some(obj.clone()));
        assert_eq!((c.live, c.manifest, c.managed_fields), (None, None, None));
        assert_eq!(c.origin, Some(Origin::file("a.yaml")));
        for action in [Action::Update, Action::Adopt, Action::Create] {
            let c = full(action).compact();
            assert!(c.live.is_some() && c.manifest.is_some() && c.managed_fields.is_some());
        }
    }

    #[test]
    fn normalized_is_normalize_of_a_copy() {
        let objects = [
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "a", "namespace": "n", "uid": "u", "resourceVersion": "7",
                             "generation": 2, "creationTimestamp": "t",
                             "managedFields": [{"manager": "m"}],
                             "labels": {}, "annotations": {"x": "y"}},
                "data": {"k": "v"},
                "status": {"phase": "x"}
            }),
            json!({"kind": "X", "metadata": "not a map", "status": 1}),
            json!({"kind": "X"}),
            json!("not an object"),
        ];
        for obj in objects {
            let n = normalized(&obj);
            assert_eq!(n, normalize(obj.clone()));
            // The same order too: diffs show keys where they were.
            assert_eq!(n.to_string(), normalize(obj).to_string());
        }
    }

    #[test]
    fn normalize_drops_bookkeeping_and_status_only() {
        let live = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "n", "uid": "u", "resourceVersion": "7",
                         "generation": 2, "creationTimestamp": "t", "managedFields": [{}],
                         "labels": {"x": "y"}, "annotations": {}},
            "data": {"k": "v"},
            "status": {"phase": "x"}
        });
        assert_eq!(
            normalize(live),
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "a", "namespace": "n", "labels": {"x": "y"}},
                "data": {"k": "v"}
            })
        );
    }

    #[test]
    fn summary_counts_actions() {
        let id = ObjectId {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: Some("n".into()),
            name: "a".into(),
        };
        let change = |action| Change {
            action,
            live: None,
            ..Change::delete(id.clone(), "v1".into(), json!({}), None, None)
        };
        let plan = Plan {
            changes: vec![
                change(Action::Create),
                change(Action::Unchanged),
                change(Action::Unchanged),
            ],
            errors: vec![],
            ..Default::default()
        };
        assert_eq!(
            plan.summary(),
            Summary {
                create: 1,
                adopt: 0,
                update: 0,
                delete: 0,
                unchanged: 2
            }
        );
        assert!(plan.has_changes());
    }
}
