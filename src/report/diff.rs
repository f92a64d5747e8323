//! Unified diffs of an object's YAML, live against Git, with Secret values
//! masked before anything is rendered.

use serde_json::Value;
use similar::TextDiff;

use super::Masker;
use crate::plan::{Action, Change};
use crate::render::yaml::to_yaml;

/// The change as a unified diff (`--- live` / `+++ git`, then the hunks)
/// with `context` lines around each change; plain text, no colour. Empty
/// for an unchanged object.
pub fn unified_diff(change: &Change, masker: &Masker, context: usize) -> String {
    render(change, masker, context, true)
}

/// The hunks alone: where the object is already named, the file headers
/// say nothing.
pub(crate) fn hunks(change: &Change, masker: &Masker, context: usize) -> String {
    render(change, masker, context, false)
}

fn render(change: &Change, masker: &Masker, context: usize, headers: bool) -> String {
    if change.action == Action::Unchanged {
        return String::new();
    }
    let yaml = |obj: &Option<Value>| {
        obj.as_ref()
            .map(|v| yaml_text(&masker.mask_change(change, v)))
            .unwrap_or_default()
    };
    let (old, new) = (yaml(&change.live), yaml(&change.desired));
    let diff = TextDiff::from_lines(&old, &new);
    let mut unified = diff.unified_diff();
    unified.context_radius(context);
    if headers {
        unified.header("live", "git");
    }
    unified.to_string()
}

fn yaml_text(value: &Value) -> String {
    // JSON is YAML too: a readable fallback should the YAML writer refuse.
    to_yaml(value).unwrap_or_else(|_| {
        let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
        s.push('\n');
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{change, config_map, deployment};

    #[test]
    fn update_is_a_unified_diff_live_against_git() {
        let c = change(Action::Update, Some(deployment(2)), Some(deployment(3)));
        assert_eq!(
            unified_diff(&c, &Masker::new(), 3),
            "--- live\n+++ git\n@@ -4,7 +4,7 @@\n   name: web\n   namespace: shop\n spec:\n\
             -  replicas: 2\n+  replicas: 3\n   selector:\n     matchLabels:\n       app: web\n"
        );
    }

    #[test]
    fn context_radius_respected() {
        let c = change(Action::Update, Some(deployment(2)), Some(deployment(3)));
        let m = Masker::new();
        assert_eq!(
            hunks(&c, &m, 0),
            "@@ -7 +7 @@\n-  replicas: 2\n+  replicas: 3\n"
        );
        assert_eq!(
            hunks(&c, &m, 1),
            "@@ -6,3 +6,3 @@\n spec:\n-  replicas: 2\n+  replicas: 3\n   selector:\n"
        );
        // Enough context shows the whole object.
        let all = hunks(&c, &m, 100);
        assert!(
            all.starts_with("@@ -1,18 +1,18 @@\n apiVersion: apps/v1\n"),
            "{all}"
        );
    }

    #[test]
    fn create_adds_everything_delete_removes_everything() {
        let m = Masker::new();
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: shop\ndata:\n  key: v\n";
        let prefixed = |sign: &str| {
            yaml.lines()
                .map(|l| format!("{sign}{l}\n"))
                .collect::<String>()
        };

        let create = change(Action::Create, None, Some(config_map("c", "v")));
        assert_eq!(
            unified_diff(&create, &m, 3),
            format!("--- live\n+++ git\n@@ -0,0 +1,7 @@\n{}", prefixed("+"))
        );
        let delete = change(Action::Delete, Some(config_map("c", "v")), None);
        assert_eq!(
            unified_diff(&delete, &m, 3),
            format!("--- live\n+++ git\n@@ -1,7 +0,0 @@\n{}", prefixed("-"))
        );
    }

    #[test]
    fn unchanged_is_empty() {
        let c = change(
            Action::Unchanged,
            Some(config_map("c", "v")),
            Some(config_map("c", "v")),
        );
        assert_eq!(unified_diff(&c, &Masker::new(), 3), "");
    }
}
