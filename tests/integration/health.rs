//! Health beyond kstatus on the local cluster: gitsync.yaml's
//! healthCheckExprs for a custom resource whose status the test sets,
//! `--wait-for-jobs` with Jobs that really complete or fail (kwok), and a
//! target whose path is the repository root.

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(cel_health_decides_sync_and_explain),
        crate::trial!(wait_for_jobs_waits_for_completion_and_names_failures),
        crate::trial!(path_dot_renders_the_manifests_beside_gitsync_yaml),
    ]
}

fn gs(cluster: &Cluster, repo: &GitRepo, ns: &str, args: &[&str]) -> Run {
    run(gitsync(repo.path())
        .args(args)
        .args(["-n", ns, "--kubeconfig"])
        .arg(cluster.kubeconfig()))
}

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gadgets.health.gitsync.test\nspec:\n  group: health.gitsync.test\n  scope: Namespaced\n  names: {plural: gadgets, singular: gadget, kind: Gadget}\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      subresources: {status: {}}\n      schema:\n        openAPIV3Schema:\n          type: object\n          x-kubernetes-preserve-unknown-fields: true\n";

const RULES: &str = "healthCheckExprs:\n  - apiVersion: health.gitsync.test/v1\n    kind: Gadget\n    inProgress: \"!has(self.status) || self.status.phase == 'Pending'\"\n    failed: self.status.phase == 'Broken'\n    current: self.status.phase == 'Ready'\ntargets:\n  - name: gadgets\n    path: .\n";

fn gadget(note: &str) -> String {
    format!(
        "apiVersion: health.gitsync.test/v1\nkind: Gadget\nmetadata:\n  name: g1\n  annotations: {{note: \"{note}\"}}\nspec: {{size: 1}}\n"
    )
}

fn set_phase(cluster: &Cluster, ns: &str, phase: &str) -> TestResult {
    let patch = format!("{{\"status\":{{\"phase\":\"{phase}\"}}}}");
    let r = kubectl(
        cluster,
        &[
            "patch",
            "gadget",
            "g1",
            "-n",
            ns,
            "--subresource=status",
            "--type=merge",
            "-p",
            &patch,
        ],
    );
    check!(r.code == 0, r, "setting status.phase {phase}");
    Ok(())
}

fn cel_health_decides_sync_and_explain() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("health-cel");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    // The CRD is cluster-scoped and shared by the test run: its name is
    // this test's own.
    repo.commit(
        &[
            ("gitsync.yaml", RULES),
            ("crd.yaml", CRD),
            ("gadget.yaml", &gadget("1")),
        ],
        "gadget",
    );

    // No status yet: inProgress is true, so the sync times out (exit 3).
    let r = gs(cluster, &repo, n, &["sync", "--timeout", "4s"]);
    check!(
        r.code == 3 && r.stderr.contains("InProgress") && r.stderr.contains("inProgress is true"),
        r,
        "a Gadget without status is in progress by its rule"
    );
    let r = gs(cluster, &repo, n, &["health", "explain", "gadget/g1"]);
    check!(
        r.code == 1
            && r.stdout.contains("InProgress")
            && r.stdout
                .contains("healthCheckExprs entry at gitsync.yaml line 2")
            && r.stdout.contains("decided by: inProgress"),
        r,
        "explain names the gitsync.yaml entry"
    );

    // Failed: the sync still waits out its timeout, then says why.
    set_phase(cluster, n, "Broken")?;
    repo.commit(&[("gadget.yaml", &gadget("2"))], "touch");
    let r = gs(cluster, &repo, n, &["sync", "--timeout", "3s"]);
    check!(
        r.code == 3 && r.stderr.contains("Failed") && r.stderr.contains("failed is true"),
        r,
        "a Broken Gadget is failed by its rule"
    );
    let r = gs(
        cluster,
        &repo,
        n,
        &[
            "health",
            "explain",
            "gadgets.health.gitsync.test/g1",
            "-o",
            "json",
        ],
    );
    check!(r.code == 1, r, "explain of a failed object exits 1");
    let v: Value = serde_json::from_str(&r.stdout)?;
    check!(
        v["status"] == "failed" && v["rule"].as_str().unwrap_or("").contains("failed"),
        r,
        "explain -o json"
    );

    // Current: the sync is healthy.
    set_phase(cluster, n, "Ready")?;
    repo.commit(&[("gadget.yaml", &gadget("3"))], "touch");
    let r = gs(cluster, &repo, n, &["sync", "--timeout", "30s"]);
    check!(r.code == 0, r, "a Ready Gadget is current by its rule");
    let r = gs(cluster, &repo, n, &["health", "explain", "Gadget/g1"]);
    check!(
        r.code == 0 && r.stdout.contains("Current") && r.stdout.contains("decided by: current"),
        r,
        "explain of a current object exits 0"
    );

    // A syntax error in an expression is bad input, before any write.
    repo.commit(
        &[
            ("gitsync.yaml", &RULES.replace("== 'Ready'", "== ")),
            ("gadget.yaml", &gadget("4")),
        ],
        "broken rule",
    );
    let r = gs(cluster, &repo, n, &["sync"]);
    check!(
        r.code == 2 && r.stderr.contains("gitsync.yaml (line 6)") && r.stderr.contains("`current`"),
        r,
        "a CEL syntax error names gitsync.yaml and its line"
    );
    let live = kubectl(cluster, &["get", "gadget", "g1", "-n", n, "-o", "json"]);
    let live: Value = serde_json::from_str(&live.stdout)?;
    check!(
        live["metadata"]["annotations"]["note"] == "3",
        r,
        "nothing was applied after the bad gitsync.yaml"
    );
    let _ = kubectl(
        cluster,
        &[
            "delete",
            "crd",
            "gadgets.health.gitsync.test",
            "--wait=false",
        ],
    );
    Ok(())
}

fn job(name: &str, image: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: main, image: {image}}}]\n"
    )
}

fn wait_for_jobs_waits_for_completion_and_names_failures() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("health-jobs");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("migrate.yaml", &job("migrate", "busybox"))], "job");
    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--wait-for-jobs", "--timeout", "60s"],
    );
    check!(r.code == 0, r, "a succeeding Job with --wait-for-jobs");
    // Complete when sync returned, not merely started.
    let got = kubectl(cluster, &["get", "job", "migrate", "-n", n, "-o", "json"]);
    let got: Value = serde_json::from_str(&got.stdout)?;
    let complete = got["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Complete" && c["status"] == "True")
    });
    check!(
        complete,
        r,
        "the Job had completed when sync returned: {got}"
    );

    repo.commit(
        &[("broken.yaml", &job("broken", "gitsync.test/fail"))],
        "failing job",
    );
    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--wait-for-jobs", "--timeout", "20s"],
    );
    check!(
        r.code == 3 && r.stderr.contains("Job failed") && r.stderr.contains("exited with code"),
        r,
        "a failing Job fails the sync, naming its Pod's exit code"
    );
    Ok(())
}

fn path_dot_renders_the_manifests_beside_gitsync_yaml() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("health-path-dot");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[
            (
                "gitsync.yaml",
                &format!("targets:\n  - name: all\n    path: .\n    namespace: {n}\n"),
            ),
            (
                "cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: beside\ndata:\n  value: here\n",
            ),
        ],
        "root target",
    );
    let r = run(gitsync(repo.path())
        .args(["sync", "--kubeconfig"])
        .arg(cluster.kubeconfig()));
    check!(r.code == 0, r, "a target at the root syncs its manifests");
    check!(
        crate::harness::configmap_value(cluster, n, "beside") == "here",
        r,
        "the ConfigMap beside gitsync.yaml was applied"
    );
    Ok(())
}
