//! What the next sync would change, as the target page shows it: the
//! plan's diffs, masked by the CLI's own code (`report::unified_diff` with
//! the daemon's one `Masker`), and bounded.

use serde::Serialize;

use crate::plan::{Action, Change};
use crate::report::{Masker, unified_diff};

/// Diff text and labels kept per target, all changes together; past it
/// the rest is left out and `truncated` says so.
pub const PENDING_TEXT: usize = 64 * 1024;
/// Lines of context around each change, as `diff` prints by default.
const CONTEXT: usize = 3;

/// Why something is pending.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PendingKind {
    /// A new revision waits (a sync window, a dependency, a rollout step).
    Held,
    /// The sync of a revision failed after it was planned.
    Failed,
    /// Objects drifted from the applied revision while self-heal is off.
    Drift,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pending {
    /// The commit the diff leads to.
    pub revision: String,
    pub kind: PendingKind,
    pub reason: String,
    /// When it was planned, RFC 3339.
    pub time: String,
    pub changes: Vec<PendingChange>,
    /// Changes the plan has, shown or not.
    pub total: usize,
    /// Some diff text or changes were left out ([`PENDING_TEXT`]).
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PendingChange {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// `create`, `adopt`, `update`, `replace` or `delete`.
    pub action: String,
    /// Unified diff, live against Git, Secret values masked.
    pub diff: String,
}

impl PendingChange {
    fn same_object(&self, c: &Change) -> bool {
        self.kind == c.id.kind && self.namespace == c.id.namespace && self.name == c.id.name
    }
}

/// The changes of a plan that would do something, masked and bounded.
/// Returns them with the count of such changes and whether any text was
/// left out.
pub(super) fn changes(
    planned: &[Change],
    masker: &Masker,
    budget: usize,
) -> (Vec<PendingChange>, usize, bool) {
    let mut out = Vec::new();
    let mut left = budget;
    let mut truncated = false;
    let pending = planned.iter().filter(|c| c.action != Action::Unchanged);
    let mut total = 0;
    for c in pending {
        total += 1;
        if truncated {
            continue;
        }
        let label =
            c.id.kind.len() + c.id.name.len() + c.id.namespace.as_ref().map_or(0, String::len);
        if label >= left {
            truncated = true;
            continue;
        }
        left -= label;
        let mut diff = unified_diff(c, masker, CONTEXT);
        if diff.len() > left {
            // Whole lines only: a cut line could end inside a mask.
            let mut end = left;
            while !diff.is_char_boundary(end) {
                end -= 1;
            }
            let end = diff[..end].rfind('\n').map_or(0, |i| i + 1);
            diff.truncate(end);
            truncated = true;
        }
        left -= diff.len();
        out.push(PendingChange {
            kind: c.id.kind.clone(),
            namespace: c.id.namespace.clone(),
            name: c.id.name.clone(),
            action: c.operation().as_str().to_string(),
            diff,
        });
    }
    (out, total, truncated)
}

/// `pending`'s drift brought up to date by a drift check of `planned`
/// objects: their earlier entries go, those still drifting come back.
pub(super) fn merge_drift(pending: &mut Pending, planned: &[Change], masker: &Masker) {
    pending
        .changes
        .retain(|p| !planned.iter().any(|c| p.same_object(c)));
    let used: usize = pending
        .changes
        .iter()
        .map(|p| {
            p.kind.len() + p.name.len() + p.namespace.as_ref().map_or(0, String::len) + p.diff.len()
        })
        .sum();
    let drifted: Vec<Change> = planned
        .iter()
        .filter(|c| c.needs_write())
        .cloned()
        .collect();
    let (fresh, _, truncated) = changes(&drifted, masker, PENDING_TEXT.saturating_sub(used));
    pending.truncated = truncated;
    pending.changes.extend(fresh);
    pending.total = pending.changes.len();
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::desired::ObjectId;
    use serde_json::{Value, json};

    pub(crate) fn change(action: Action, live: Option<Value>, desired: Option<Value>) -> Change {
        let obj = desired.as_ref().or(live.as_ref()).expect("an object");
        Change {
            id: ObjectId {
                group: String::new(),
                kind: obj["kind"].as_str().unwrap().into(),
                namespace: Some("shop".into()),
                name: obj["metadata"]["name"].as_str().unwrap().into(),
            },
            api_version: "v1".into(),
            action,
            live,
            desired,
            origin: None,
            conflicts: Vec::new(),
            preconditions: None,
            replace: false,
            manifest: None,
            wave: 0,
            managed_fields: None,
        }
    }

    pub(crate) fn secret(password: &str) -> Value {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(password);
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "shop"},
            "data": {"password": b64}, "stringData": {"token": password}})
    }

    pub(crate) fn config_map(name: &str, value: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "shop"}, "data": {"value": value}})
    }

    #[test]
    fn secret_values_are_masked_and_changes_show() {
        let m = Masker::new();
        let planned = [
            change(
                Action::Update,
                Some(secret("hunter2")),
                Some(secret("correct horse")),
            ),
            change(
                Action::Update,
                Some(config_map("app", "one")),
                Some(config_map("app", "two")),
            ),
            change(Action::Unchanged, Some(config_map("same", "x")), None),
        ];
        let (shown, total, truncated) = changes(&planned, &m, PENDING_TEXT);
        assert_eq!((shown.len(), total, truncated), (2, 2, false));
        let text = serde_json::to_string(&shown).unwrap();
        for plain in [
            "hunter2",
            "correct horse",
            "aHVudGVyMg==",
            "Y29ycmVjdCBob3JzZQ==",
        ] {
            assert!(!text.contains(plain), "{plain} in {text}");
        }
        assert!(shown[0].diff.contains("-  password: "), "{}", shown[0].diff);
        assert!(shown[1].diff.contains("+  value: two"), "{}", shown[1].diff);
        assert_eq!(shown[1].action, "update");
    }

    #[test]
    fn text_is_bounded_in_whole_lines() {
        let m = Masker::new();
        let planned: Vec<Change> = (0..50)
            .map(|i| {
                let name = format!("cm{i}");
                change(
                    Action::Update,
                    Some(config_map(&name, &"a".repeat(100))),
                    Some(config_map(&name, &"b".repeat(100))),
                )
            })
            .collect();
        let (shown, total, truncated) = changes(&planned, &m, 2000);
        assert!(truncated);
        assert_eq!(total, 50);
        assert!(shown.len() < 50);
        let used: usize = shown
            .iter()
            .map(|p| p.kind.len() + p.name.len() + 4 + p.diff.len())
            .sum();
        assert!(used <= 2000, "{used}");
        assert!(
            shown
                .iter()
                .all(|p| p.diff.is_empty() || p.diff.ends_with('\n'))
        );
    }

    #[test]
    fn a_drift_check_replaces_the_entries_of_what_it_planned() {
        let m = Masker::new();
        let drifted = |name: &str| {
            change(
                Action::Update,
                Some(config_map(name, "hacked")),
                Some(config_map(name, "one")),
            )
        };
        let (changes_now, total, truncated) =
            changes(&[drifted("a"), drifted("b")], &m, PENDING_TEXT);
        let mut p = Pending {
            revision: "abc".into(),
            kind: PendingKind::Drift,
            reason: String::new(),
            time: String::new(),
            changes: changes_now,
            total,
            truncated,
        };
        // "a" was put back by hand: its check finds it unchanged.
        merge_drift(
            &mut p,
            &[change(
                Action::Unchanged,
                Some(config_map("a", "one")),
                None,
            )],
            &m,
        );
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].name, "b");
        assert_eq!(p.total, 1);
    }
}
