//! Kubernetes Events on the ApplySet parent, read back from the API server.

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, TestResult, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![crate::trial!(
        a_sync_leaves_events_on_its_parent_naming_the_revision
    )]
}

fn deployment(ns: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {ns}}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web, image: \"{image}\"}}]}}\n"
    )
}

/// gitsync's Events in `ns`: (type, reason, note, regarding kind/name).
pub fn events(
    cluster: &Cluster,
    ns: &str,
) -> Result<Vec<(String, String, String, String)>, String> {
    let r = kubectl(
        cluster,
        &["get", "events.events.k8s.io", "-n", ns, "-o", "json"],
    );
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).map_err(|e| format!("{e}: {}", r.stderr))?;
    Ok(v["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["reportingController"] == "gitsync")
        .map(|e| {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            (
                s(&e["type"]),
                s(&e["reason"]),
                s(&e["note"]),
                format!(
                    "{}/{}",
                    s(&e["regarding"]["kind"]),
                    s(&e["regarding"]["name"])
                ),
            )
        })
        .collect())
}

fn a_sync_leaves_events_on_its_parent_naming_the_revision() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("events");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let good = repo.commit(&[("app.yaml", &deployment(n, "nginx:1.27"))], "good");
    let sync = || {
        run(gitsync(repo.path())
            .args(["sync", "--timeout", "20s", "-n", n, "--kubeconfig"])
            .arg(cluster.kubeconfig()))
    };
    let r = sync();
    check!(r.code == 0, r, "sync");
    let seen = events(cluster, n)?;
    check!(
        seen.iter().any(|(t, reason, note, regarding)| t == "Normal"
            && reason == "Synced"
            && note.contains(&good[..12])
            && regarding.starts_with("ConfigMap/")),
        r,
        "a Synced event on the parent naming {good}: {seen:?}"
    );

    let bad = repo.commit(
        &[("app.yaml", &deployment(n, "gitsync.test/fail:v1"))],
        "bad",
    );
    let r = sync();
    check!(r.code != 0, r, "an unhealthy sync fails");
    let seen = events(cluster, n)?;
    check!(
        seen.iter().any(|(t, reason, note, _)| t == "Warning"
            && (reason == "SyncFailed" || reason == "Unhealthy")
            && note.contains(&bad[..12])),
        r,
        "a Warning naming {bad}: {seen:?}"
    );
    check!(
        seen.iter().any(|(t, reason, note, _)| t == "Normal"
            && reason == "SyncStarted"
            && note.contains(&bad[..12])),
        r,
        "the second sync said it started: {seen:?}"
    );

    // A PreSync hook that fails: its own Warning, naming it.
    let hook = format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  namespace: {n}\n  annotations:\n    argocd.argoproj.io/hook: PreSync\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: main, image: gitsync.test/fail}}]\n"
    );
    repo.commit(
        &[
            ("app.yaml", &deployment(n, "nginx:1.27")),
            ("hook.yaml", &hook),
        ],
        "a failing migration",
    );
    let r = sync();
    check!(r.code != 0, r, "a failed hook fails the sync");
    let seen = events(cluster, n)?;
    check!(
        seen.iter().any(|(t, reason, note, _)| t == "Warning"
            && reason == "HookFailed"
            && note.contains("PreSync hook Job migrate")),
        r,
        "a HookFailed event naming the hook: {seen:?}"
    );
    Ok(())
}
