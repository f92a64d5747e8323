//! Fixtures shared by the report tests, and the tests that cut across
//! formats.

use serde_json::{Value, json};

use super::*;
use crate::desired::ObjectId;
use crate::plan::{Action, Change, ObjectError, Plan};
use crate::render::Origin;
use crate::source::CommitInfo;

pub(super) fn id(group: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectId {
    ObjectId {
        group: group.into(),
        kind: kind.into(),
        namespace: namespace.map(Into::into),
        name: name.into(),
    }
}

pub(super) fn origin(file: &str, doc: usize, line: usize) -> Origin {
    Origin {
        file: file.into(),
        doc: Some(doc),
        line: Some(line),
        column: None,
        item: None,
        encrypted: Default::default(),
    }
}

pub(super) fn deployment(replicas: u32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    })
}

pub(super) fn config_map(name: &str, value: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "shop"},
        "data": {"key": value},
    })
}

pub(super) fn change(action: Action, live: Option<Value>, desired: Option<Value>) -> Change {
    let obj = desired.as_ref().or(live.as_ref()).expect("an object");
    let api_version = obj["apiVersion"].as_str().unwrap().to_string();
    let (group, _) = crate::desired::split_api_version(&api_version);
    let namespace = obj["metadata"]["namespace"].as_str();
    let name = obj["metadata"]["name"].as_str().unwrap();
    Change {
        id: id(group, obj["kind"].as_str().unwrap(), namespace, name),
        api_version: api_version.clone(),
        action,
        live,
        origin: desired.as_ref().map(|_| origin("app/web.yaml", 2, 14)),
        desired,
        conflicts: Vec::new(),
        preconditions: None,
        replace: false,
        manifest: None,
        wave: 0,
        managed_fields: None,
    }
}

pub(super) fn commit() -> CommitInfo {
    CommitInfo {
        sha: "1a2b3c4d5e6f708192a3b4c5d6e7f80912a3b4c5".into(),
        author: "Ada".into(),
        author_email: "ada@example.com".into(),
        time: "2026-11-26T12:00:00Z".into(),
        subject: "Scale web".into(),
    }
}

/// One of each action, and one error.
pub(super) fn mixed_plan() -> Plan {
    Plan {
        changes: vec![
            change(Action::Create, None, Some(config_map("new", "a"))),
            change(Action::Update, Some(deployment(2)), Some(deployment(3))),
            change(
                Action::Unchanged,
                Some(config_map("same", "s")),
                Some(config_map("same", "s")),
            ),
            change(Action::Delete, Some(config_map("old", "o")), None),
        ],
        errors: vec![ObjectError {
            id: id("apps", "Deployment", Some("shop"), "api"),
            api_version: "apps/v1".into(),
            origin: Some(origin("app/api.yaml", 1, 1)),
            message: "admission webhook \"x\" denied the request".into(),
            conflicts: Vec::new(),
        }],
        ..Default::default()
    }
}

pub(super) fn render(
    write: fn(&mut dyn std::io::Write, &[Report], &Style, &Masker) -> std::io::Result<()>,
    reports: &[Report],
    style: &Style,
) -> String {
    let mut out = Vec::new();
    write(&mut out, reports, style, &Masker::new()).unwrap();
    String::from_utf8(out).unwrap()
}

/// One plan, as a report without revision or target.
pub(super) fn render_plan(
    write: fn(&mut dyn std::io::Write, &[Report], &Style, &Masker) -> std::io::Result<()>,
    plan: &crate::plan::Plan,
    style: &Style,
) -> String {
    let report = Report {
        revision: None,
        base: None,
        target: None,
        plan,
    };
    render(write, &[report], style)
}

/// A Secret whose `password` changes and whose `user` does not.
fn secret(password_b64: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {
            "name": "db", "namespace": "shop",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration":
                    format!(r#"{{"apiVersion":"v1","data":{{"password":"{password_b64}"}},"kind":"Secret"}}"#),
            },
        },
        "type": "Opaque",
        "data": {"user": "YWRtaW4=", "password": password_b64},
    })
}

#[test]
fn secret_values_never_reach_any_output() {
    // "hunter2" / "correct horse", and their base64.
    let (old_b64, new_b64) = ("aHVudGVyMg==", "Y29ycmVjdCBob3JzZQ==");
    let mut created = secret(new_b64);
    created["metadata"]["name"] = "api".into();
    created["stringData"] = json!({"token": "s3cr3t-t0ken"});
    let mut deleted = secret(old_b64);
    deleted["metadata"]["name"] = "old".into();
    let mut unchanged = secret(old_b64);
    unchanged["metadata"]["name"] = "same".into();
    let plan = Plan {
        changes: vec![
            change(Action::Update, Some(secret(old_b64)), Some(secret(new_b64))),
            change(Action::Create, None, Some(created)),
            change(Action::Unchanged, Some(unchanged.clone()), Some(unchanged)),
            change(Action::Delete, Some(deleted), None),
        ],
        errors: vec![],
        ..Default::default()
    };
    let reports = [Report {
        revision: None,
        base: None,
        target: None,
        plan: &plan,
    }];
    let masker = Masker::new();
    for color in [false, true] {
        let style = Style {
            color,
            unified: 100,
        };
        for (format, write) in [
            (
                "text",
                write_text
                    as fn(
                        &mut dyn std::io::Write,
                        &[Report],
                        &Style,
                        &Masker,
                    ) -> std::io::Result<()>,
            ),
            ("json", write_json),
            ("markdown", write_markdown),
        ] {
            let mut out = Vec::new();
            write(&mut out, &reports, &style, &masker).unwrap();
            let out = String::from_utf8(out).unwrap();
            for secret in [
                "hunter2",
                old_b64,
                "correct horse",
                new_b64,
                "admin",
                "YWRtaW4=",
                "s3cr3t-t0ken",
            ] {
                assert!(!out.contains(secret), "{format} shows {secret:?}:\n{out}");
            }
            // Keys and the rest of the object are still shown.
            assert!(out.contains("password: <secret hash:"), "{format}:\n{out}");
            assert!(out.contains("token: <secret hash:"), "{format}:\n{out}");
            assert!(out.contains("type: Opaque"), "{format}:\n{out}");
        }
    }

    // The changed value shows as a change, the unchanged one as context.
    let diff = unified_diff(&plan.changes[0], &masker, 100);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with(['-', '+']) && !l.starts_with("---") && !l.starts_with("+++"))
        .collect();
    assert_eq!(changed.len(), 4, "{diff}");
    assert!(
        changed
            .iter()
            .any(|l| l.starts_with("-  password: <secret hash:"))
    );
    assert!(
        changed
            .iter()
            .any(|l| l.starts_with("+  password: <secret hash:"))
    );
    assert!(
        changed
            .iter()
            .any(|l| l.contains("last-applied-configuration"))
    );
    assert!(diff.contains("\n   user: <secret hash:"), "{diff}");
}

#[test]
fn a_live_secret_without_kind_is_masked_by_its_identity() {
    let mut live = secret("aHVudGVyMg==");
    let map = live.as_object_mut().unwrap();
    map.remove("kind");
    map.remove("apiVersion");
    let c = Change::delete(
        id("", "Secret", Some("shop"), "db"),
        "v1".into(),
        live,
        None,
        None,
    );
    let diff = unified_diff(&c, &Masker::new(), 3);
    assert!(
        !diff.contains("aHVudGVyMg==") && !diff.contains("YWRtaW4="),
        "{diff}"
    );
    assert!(diff.contains("-  password: <secret hash:"), "{diff}");
}
