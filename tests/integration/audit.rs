//! The API server's audit log as a witness, checked after every run:
//! gitsync never deleted an object it had not applied (created or patched)
//! itself earlier in the run.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

/// Deletes by gitsync (its User-Agent) of objects that gitsync never
/// created or applied in this run, as `resource group namespace/name`.
/// Objects created with `generateName` (hooks) have no name at create
/// time; their deletes count as gitsync's when gitsync created nameless
/// objects of that resource in that namespace.
pub fn foreign_deletes(log: &Path) -> Result<Vec<String>, String> {
    let text =
        std::fs::read_to_string(log).map_err(|e| format!("reading {}: {e}", log.display()))?;
    type Key = (String, String, String, String);
    let mut written: HashSet<Key> = HashSet::new();
    let mut generated: HashSet<(String, String, String)> = HashSet::new();
    let mut seen: Vec<(Key, String)> = Vec::new();
    let mut foreign = Vec::new();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let by_gitsync = event["userAgent"]
            .as_str()
            .is_some_and(|ua| ua.starts_with(gitsync::cluster::USER_AGENT));
        if !by_gitsync || event["objectRef"]["subresource"].is_string() {
            continue;
        }
        // A write counts as gitsync's whatever its answer: a sync killed
        // mid-request (the kill -9 tests) may have written an object whose
        // response was never delivered. A delete counts once it succeeded.
        let ok = event["responseStatus"]["code"]
            .as_i64()
            .is_some_and(|c| c < 300);
        let r = &event["objectRef"];
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let key: Key = (
            s(&r["resource"]),
            s(&r["apiGroup"]),
            s(&r["namespace"]),
            s(&r["name"]),
        );
        let verb = event["verb"].as_str().unwrap_or("?");
        seen.push((
            key.clone(),
            format!("{verb} {}", event["responseStatus"]["code"]),
        ));
        let dry_run = event["requestURI"]
            .as_str()
            .is_some_and(|u| u.contains("dryRun="));
        let scope = (key.0.clone(), key.1.clone(), key.2.clone());
        match verb {
            "create" | "patch" | "update" if !dry_run => {
                if key.3.is_empty() {
                    generated.insert(scope);
                } else {
                    written.insert(key);
                }
            }
            "delete"
                if !dry_run && ok && !written.contains(&key) && !generated.contains(&scope) =>
            {
                let before: Vec<&str> = seen
                    .iter()
                    .filter(|(k, _)| *k == key)
                    .map(|(_, what)| what.as_str())
                    .collect();
                let (resource, group, namespace, name) = &key;
                foreign.push(format!(
                    "{resource} {group} {namespace}/{name} (gitsync's requests for it: {before:?})"
                ));
            }
            _ => {}
        }
    }
    Ok(foreign)
}

pub fn tests() -> Vec<libtest_mimic::Trial> {
    vec![crate::trial!(
        the_check_reports_a_delete_of_what_gitsync_never_applied
    )]
}

/// The check itself, on hand-written audit events.
fn the_check_reports_a_delete_of_what_gitsync_never_applied() -> crate::harness::TestResult {
    let ua = gitsync::cluster::USER_AGENT;
    let event = |verb: &str, name: &str, agent: &str| {
        serde_json::json!({"verb": verb, "userAgent": agent, "requestURI": "/api/v1/x",
            "objectRef": {"resource": "configmaps", "namespace": "n", "name": name},
            "responseStatus": {"code": 200}})
        .to_string()
    };
    let log = [
        event("patch", "applied", ua),
        event("delete", "applied", ua),
        event("create", "theirs", "kubectl/v1.32"),
        event("delete", "theirs", ua),
    ]
    .join("\n");
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.log");
    std::fs::write(&path, log)?;
    let foreign = foreign_deletes(&path)?;
    crate::check!(
        foreign.len() == 1 && foreign[0].starts_with("configmaps  n/theirs "),
        crate::harness::Run {
            code: 0,
            stdout: format!("{foreign:?}"),
            stderr: String::new()
        },
        "only the object gitsync never applied is reported"
    );
    Ok(())
}
