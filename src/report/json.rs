//! Machine output with a stable schema, for CI:
//!
//! ```text
//! { "revision": {"sha", "author", "author_email", "time", "subject"} | null,
//!   "target": string | null,
//!   "summary": {"create", "adopt", "update", "delete", "unchanged"},
//!   "changes": [{"action": "create"|"adopt"|"update"|"delete"|"unchanged",
//!                "apiVersion", "kind", "namespace": string | null, "name",
//!                "diff": unified diff, masked ("" when unchanged),
//!                "source": "file: document N (line L)" | null,
//!                "replace": bool, "conflicts": [{"manager", "field"}]}],
//!   "errors": [{"apiVersion", "kind", "namespace", "name", "message", "source",
//!               "conflicts": [{"manager", "field"}]}],
//!   "kept": [{"apiVersion", "group", "kind", "namespace", "name",
//!             "reason": {"why": "prune-off"|"opted-out"|"terminating"|"not-ours", "detail"?}}],
//!   "hooks": [{"phase": "PreSync"|"Sync"|"PostSync"|"SyncFail", "wave",
//!              "apiVersion", "kind", "namespace", "name", "generateName": bool,
//!              "deletePolicy": ["BeforeHookCreation"|"HookSucceeded"|"HookFailed"],
//!              "source"}],
//!   "hooksRun": bool }
//! ```
//!
//! One report prints as that object, several as an array of them. Every
//! planned object is listed, unchanged ones too.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Masker, Report, Style, unified_diff};
use crate::render::Origin;

pub fn write_json(
    out: &mut dyn Write,
    reports: &[Report],
    style: &Style,
    masker: &Masker,
) -> io::Result<()> {
    let values: Vec<Value> = reports
        .iter()
        .map(|r| report_value(r, style, masker))
        .collect();
    write_docs(out, values)
}

/// One report prints as its object, several as an array of them (the
/// shape of every JSON result: plans, syncs, drift).
pub fn write_docs(out: &mut dyn Write, mut values: Vec<Value>) -> io::Result<()> {
    let value = if values.len() == 1 {
        values.remove(0)
    } else {
        Value::Array(values)
    };
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

fn report_value(report: &Report, style: &Style, masker: &Masker) -> Value {
    let plan = report.plan;
    let changes: Vec<Value> = plan
        .changes
        .iter()
        .map(|c| {
            json!({
                "action": c.action,
                "apiVersion": c.api_version,
                "kind": c.id.kind,
                "namespace": c.id.namespace,
                "name": c.id.name,
                "diff": unified_diff(c, masker, style.unified),
                "source": source(c.origin.as_ref()),
                "replace": c.replace,
                "conflicts": c.conflicts,
            })
        })
        .collect();
    let errors: Vec<Value> = plan
        .problems()
        .map(|e| {
            json!({
                "apiVersion": e.api_version,
                "kind": e.id.kind,
                "namespace": e.id.namespace,
                "name": e.id.name,
                "message": e.message,
                "source": source(e.origin.as_ref()),
                "conflicts": e.conflicts,
            })
        })
        .collect();
    let hooks: Vec<Value> = plan
        .hooks
        .iter()
        .map(|h| {
            json!({
                "phase": h.phase,
                "wave": h.wave,
                "apiVersion": h.api_version,
                "kind": h.id.kind,
                "namespace": h.id.namespace,
                "name": h.id.name,
                "generateName": h.generate_name,
                "deletePolicy": h.policy.names(),
                "source": source(Some(&h.origin)),
            })
        })
        .collect();
    json!({
        "revision": report.revision,
        "base": report.base,
        "target": report.target,
        "summary": plan.summary(),
        "changes": changes,
        "errors": errors,
        "kept": plan.kept,
        "hooks": hooks,
        "hooksRun": !plan.no_hooks,
    })
}

fn source(origin: Option<&Origin>) -> Value {
    origin.map_or(Value::Null, |o| Value::String(o.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;
    use crate::report::tests::{commit, mixed_plan, render};

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    #[test]
    fn json_one_report_is_one_object_with_the_documented_schema() {
        let plan = mixed_plan();
        let c = commit();
        let text = render(
            write_json,
            &[Report {
                revision: Some(&c),
                base: None,
                target: Some("prod"),
                plan: &plan,
            }],
            &Style::default(),
        );
        assert!(
            text.starts_with("{\n  \"revision\": {\n") && text.ends_with("}\n"),
            "{text}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            keys(&v),
            [
                "revision", "base", "target", "summary", "changes", "errors", "kept", "hooks",
                "hooksRun"
            ]
        );
        assert_eq!(
            v["revision"],
            json!({"sha": c.sha, "author": "Ada", "author_email": "ada@example.com",
                   "time": "2026-11-26T12:00:00Z", "subject": "Scale web"})
        );
        assert_eq!(v["target"], "prod");
        assert_eq!(
            v["summary"],
            json!({"create": 1, "adopt": 0, "update": 1, "delete": 1, "unchanged": 1})
        );

        let changes = v["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 4, "unchanged objects are listed too");
        assert_eq!(
            keys(&changes[1]),
            [
                "action",
                "apiVersion",
                "kind",
                "namespace",
                "name",
                "diff",
                "source",
                "replace",
                "conflicts"
            ]
        );
        let actions: Vec<&str> = changes
            .iter()
            .map(|c| c["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["create", "update", "unchanged", "delete"]);
        assert_eq!(changes[1]["apiVersion"], "apps/v1");
        assert_eq!(changes[1]["kind"], "Deployment");
        assert_eq!(changes[1]["namespace"], "shop");
        assert_eq!(changes[1]["name"], "web");
        assert_eq!(changes[1]["source"], "app/web.yaml: document 2 (line 14)");
        let diff = changes[1]["diff"].as_str().unwrap();
        assert!(
            diff.starts_with("--- live\n+++ git\n@@ -4,7 +4,7 @@\n"),
            "{diff}"
        );
        assert!(diff.contains("\n-  replicas: 2\n+  replicas: 3\n"));
        assert_eq!(changes[2]["diff"], "");
        assert_eq!(changes[3]["source"], Value::Null);

        assert_eq!(
            v["errors"],
            json!([{"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "api",
                    "message": "admission webhook \"x\" denied the request",
                    "source": "app/api.yaml: document 1 (line 1)", "conflicts": []}])
        );
        assert_eq!(
            keys(&v["errors"][0]),
            [
                "apiVersion",
                "kind",
                "namespace",
                "name",
                "message",
                "source",
                "conflicts"
            ]
        );
    }

    #[test]
    fn json_several_reports_are_an_array_and_nulls_are_explicit() {
        let empty = Plan::default();
        let text = render(
            write_json,
            &[
                Report {
                    revision: None,
                    base: None,
                    target: Some("a"),
                    plan: &empty,
                },
                Report {
                    revision: None,
                    base: None,
                    target: None,
                    plan: &empty,
                },
            ],
            &Style::default(),
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        let all = v.as_array().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0]["target"], "a");
        assert_eq!(
            all[1],
            json!({"revision": null, "base": null, "target": null,
                   "summary": {"create": 0, "adopt": 0, "update": 0, "delete": 0, "unchanged": 0},
                   "changes": [], "errors": [], "kept": [], "hooks": [], "hooksRun": true})
        );
    }
}
