//! The API server's audit log as a witness, checked after every run: every
//! delete gitsync made was one its delete gate allowed. It carries a uid
//! precondition, and that uid is of an object gitsync created or applied
//! (server-side apply, a hook's create) earlier in the run: so it is
//! gitsync's own object, judged as it was, whatever made the delete
//! (prune, a hook's delete policy, --force-replace).
//!
//! The audit policy (scripts/cluster-bins/localcluster) logs deletes with
//! their DeleteOptions and writes with the object answered, except
//! Secrets' writes (no bodies): a Secret's delete must carry a uid
//! precondition and be of a name gitsync wrote. A write of a sync killed
//! mid-request (the kill -9 tests) may be logged without its answer: a
//! delete of that name counts when its uid is of no object anyone else
//! created. gitsync's coordination Leases are not objects from Git and are
//! deleted outside the gate: they count as gitsync's when gitsync wrote
//! them.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

/// Deletes by gitsync (its User-Agent) that its delete gate cannot have
/// allowed, as `resource group namespace/name (why)`.
pub fn foreign_deletes(log: &Path) -> Result<Vec<String>, String> {
    let text =
        std::fs::read_to_string(log).map_err(|e| format!("reading {}: {e}", log.display()))?;
    type Key = (String, String, String, String);
    let mut written: HashSet<Key> = HashSet::new();
    let mut uids: HashSet<String> = HashSet::new();
    // Names gitsync wrote without the answer logged, and the uids of
    // objects someone else created.
    let mut unanswered: HashSet<Key> = HashSet::new();
    let mut theirs: HashSet<String> = HashSet::new();
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
        let dry_run = event["requestURI"]
            .as_str()
            .is_some_and(|u| u.contains("dryRun="));
        let answered = event["responseObject"]["metadata"]["uid"].as_str();
        if !by_gitsync {
            if !dry_run && event["responseStatus"]["code"] == 201 {
                theirs.extend(answered.map(str::to_string));
            }
            continue;
        }
        if event["objectRef"]["subresource"].is_string() {
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
        let scope = (key.0.clone(), key.1.clone(), key.2.clone());
        let why = match verb {
            "create" | "patch" | "update" if !dry_run => {
                match answered {
                    Some(uid) => uids.insert(uid.to_string()),
                    None => unanswered.insert(key.clone()),
                };
                if key.3.is_empty() {
                    generated.insert(scope);
                } else {
                    written.insert(key);
                }
                continue;
            }
            "deletecollection" if !dry_run && ok => "a delete of many objects at once".to_string(),
            "delete" if !dry_run && ok => {
                let precondition = event["requestObject"]["preconditions"]["uid"].as_str();
                let wrote = written.contains(&key) || generated.contains(&scope);
                match (key.0.as_str(), key.1.as_str(), precondition) {
                    ("leases", "coordination.k8s.io", _) if wrote => continue,
                    ("leases", "coordination.k8s.io", _) => "a Lease gitsync never wrote".into(),
                    (_, _, None) => "without a uid precondition".into(),
                    ("secrets", "", Some(_)) if wrote => continue,
                    ("secrets", "", Some(_)) => "a Secret gitsync never wrote".into(),
                    (_, _, Some(uid)) if uids.contains(uid) => continue,
                    (_, _, Some(uid)) if unanswered.contains(&key) && !theirs.contains(uid) => {
                        continue;
                    }
                    (_, _, Some(uid)) => {
                        format!("uid {uid} is of no object gitsync created or applied")
                    }
                }
            }
            _ => continue,
        };
        let before: Vec<&str> = seen
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, what)| what.as_str())
            .collect();
        let (resource, group, namespace, name) = &key;
        foreign.push(format!(
            "{resource} {group} {namespace}/{name}: {why} (gitsync's requests for it: {before:?})"
        ));
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
    let write = |name: &str, uid: &str, agent: &str| {
        serde_json::json!({"verb": "patch", "userAgent": agent, "requestURI": "/api/v1/x",
            "objectRef": {"resource": "configmaps", "namespace": "n", "name": name},
            "responseStatus": {"code": 200},
            "responseObject": {"metadata": {"name": name, "uid": uid}}})
        .to_string()
    };
    let delete = |name: &str, uid: Option<&str>| {
        let mut e = serde_json::json!({"verb": "delete", "userAgent": ua, "requestURI": "/api/v1/x",
            "objectRef": {"resource": "configmaps", "namespace": "n", "name": name},
            "responseStatus": {"code": 200},
            "requestObject": {"kind": "DeleteOptions"}});
        if let Some(uid) = uid {
            e["requestObject"]["preconditions"] = serde_json::json!({"uid": uid});
        }
        e.to_string()
    };
    let log = [
        write("applied", "u1", ua),
        delete("applied", Some("u1")),
        write("theirs", "u2", "kubectl/v1.32"),
        delete("theirs", Some("u2")),
        write("blind", "u3", ua),
        delete("blind", None),
        // Someone recreated it under the same name: the uid gitsync sent
        // is of the object it never wrote.
        write("swapped", "u4", ua),
        delete("swapped", Some("u5")),
        // Killed mid-request: the write's answer is not in the log.
        serde_json::json!({"verb": "patch", "userAgent": ua, "requestURI": "/api/v1/x",
            "objectRef": {"resource": "configmaps", "namespace": "n", "name": "killed"},
            "responseStatus": {"code": 504}})
        .to_string(),
        delete("killed", Some("u6")),
    ]
    .join("\n");
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.log");
    std::fs::write(&path, log)?;
    let foreign = foreign_deletes(&path)?;
    let run = crate::harness::Run {
        code: 0,
        stdout: format!("{foreign:#?}"),
        stderr: String::new(),
    };
    crate::check!(foreign.len() == 3, run, "three deletes reported");
    crate::check!(
        foreign[0].starts_with("configmaps  n/theirs: uid u2")
            && foreign[1].starts_with("configmaps  n/blind: without a uid precondition")
            && foreign[2].starts_with("configmaps  n/swapped: uid u5"),
        run,
        "each with why"
    );
    Ok(())
}
