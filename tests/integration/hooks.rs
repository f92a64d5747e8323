//! Lifecycle hooks (Argo CD's, and Helm's as Argo CD maps them) on the
//! local cluster with simulated nodes, where Jobs really complete and the
//! image `gitsync.test/fail` really fails.

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{
    Cluster, GitRepo, Run, TestResult, gitsync, kubectl, path_with, render_tools, run,
};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(hooks_run_in_phase_order_and_follow_their_delete_policies),
        crate::trial!(failing_presync_hook_stops_the_sync_and_runs_syncfail),
        crate::trial!(helm_hooks_pre_upgrade_runs_first_and_tests_never_appear),
        crate::trial!(a_member_that_becomes_a_hook_is_not_pruned_after_it_ran),
    ]
}

fn hook_job(meta: &str, image: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n{meta}spec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: main, image: {image}}}]\n"
    )
}

fn argo_job(name_line: &str, hook: &str, extra: &str, image: &str) -> String {
    hook_job(
        &format!("  {name_line}\n  annotations:\n    argocd.argoproj.io/hook: {hook}\n{extra}"),
        image,
    )
}

fn deployment(name: &str, wave: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  annotations:\n    argocd.argoproj.io/sync-wave: \"{wave}\"\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers: [{{name: main, image: {image}}}]\n"
    )
}

fn gs(cluster: &Cluster, repo: &GitRepo, ns: &str, args: &[&str]) -> Run {
    run(gitsync(repo.path())
        .args(args)
        .args(["-n", ns, "--kubeconfig"])
        .arg(cluster.kubeconfig()))
}

fn get_json(cluster: &Cluster, args: &[&str]) -> Result<Value, libtest_mimic::Failed> {
    let r = kubectl(cluster, &[&["get"], args, &["-o", "json"]].concat());
    check!(r.code == 0, r, "kubectl get {args:?}");
    Ok(serde_json::from_str(&r.stdout)?)
}

/// The namespace's Jobs whose name starts with `prefix`.
fn jobs(cluster: &Cluster, ns: &str, prefix: &str) -> Result<Vec<Value>, libtest_mimic::Failed> {
    let list = get_json(cluster, &["jobs", "-n", ns])?;
    Ok(list["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|j| {
            j["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect())
}

fn one_job(cluster: &Cluster, ns: &str, prefix: &str) -> Result<Value, libtest_mimic::Failed> {
    let mut js = jobs(cluster, ns, prefix)?;
    if js.len() != 1 {
        return Err(format!("expected one Job {prefix}*, found {}", js.len()).into());
    }
    Ok(js.remove(0))
}

fn complete(job: &Value) -> bool {
    job["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Complete" && c["status"] == "True")
    })
}

fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut v = v;
    for p in path {
        v = &v[*p];
    }
    v.as_str().unwrap_or_default()
}

fn hooks_run_in_phase_order_and_follow_their_delete_policies() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("hooks-order");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[
            (
                "pre.yaml",
                &argo_job("generateName: pre-", "PreSync", "", "busybox"),
            ),
            ("web.yaml", &deployment("web", "1", "nginx:1.27")),
            (
                "during.yaml",
                &argo_job(
                    "name: during",
                    "Sync",
                    "    argocd.argoproj.io/sync-wave: \"1\"\n",
                    "busybox",
                ),
            ),
            (
                "post.yaml",
                &argo_job("generateName: post-", "PostSync", "", "busybox"),
            ),
            (
                "cleanup.yaml",
                &argo_job(
                    "generateName: cleanup-",
                    "PostSync",
                    "    argocd.argoproj.io/hook-delete-policy: HookSucceeded\n",
                    "busybox",
                ),
            ),
        ],
        "app with hooks",
    );

    // Before anything: diff and a dry run list the hooks apart.
    let r = gs(cluster, &repo, n, &["diff", "-o", "json"]);
    check!(r.code == 1, r, "diff exit 1 (a Deployment to create)");
    let v: Value = serde_json::from_str(&r.stdout)?;
    let phases: Vec<&str> = v["hooks"]
        .as_array()
        .map(|hs| {
            hs.iter()
                .map(|h| h["phase"].as_str().unwrap_or(""))
                .collect()
        })
        .unwrap_or_default();
    check!(
        phases == ["PreSync", "Sync", "PostSync", "PostSync"] && v["hooksRun"] == true,
        r,
        "diff lists the hooks in run order: {phases:?}"
    );
    check!(
        v["changes"].as_array().map(Vec::len) == Some(1),
        r,
        "hooks are not changes"
    );
    let r = gs(cluster, &repo, n, &["sync", "--dry-run"]);
    check!(
        r.code == 1
            && r.stdout.contains("Hooks (run by sync")
            && r.stdout.contains("PreSync")
            && r.stdout
                .contains(&format!("batch/v1 Job {n}/pre-<generated>"))
            && r.stdout.contains("4 hooks to run"),
        r,
        "sync --dry-run lists the hooks"
    );
    check!(
        jobs(cluster, n, "")?.is_empty(),
        r,
        "a dry run runs nothing"
    );

    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--timeout", "120s", "-o", "json"],
    );
    check!(r.code == 0, r, "sync exit 0");
    let out: Value = serde_json::from_str(&r.stdout)?;
    let ran: Vec<(&str, &str)> = out["hooks"]
        .as_array()
        .map(|hs| {
            hs.iter()
                .map(|h| {
                    (
                        h["phase"].as_str().unwrap_or(""),
                        h["result"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    check!(
        ran == [
            ("PreSync", "succeeded"),
            ("Sync", "succeeded"),
            ("PostSync", "succeeded"),
            ("PostSync", "succeeded")
        ],
        r,
        "every hook ran and succeeded, in phase order: {ran:?}"
    );

    // Creation and completion times prove the order.
    let pre = one_job(cluster, n, "pre-")?;
    let during = one_job(cluster, n, "during")?;
    let post = one_job(cluster, n, "post-")?;
    let web = get_json(cluster, &["deployment", "web", "-n", n])?;
    for j in [&pre, &during, &post] {
        check!(
            complete(j),
            r,
            "{} is complete",
            s(j, &["metadata", "name"])
        );
    }
    let created = |v: &Value| s(v, &["metadata", "creationTimestamp"]).to_string();
    let completed = |v: &Value| s(v, &["status", "completionTime"]).to_string();
    let available = web["status"]["conditions"]
        .as_array()
        .and_then(|cs| {
            cs.iter()
                .find(|c| c["type"] == "Available" && c["status"] == "True")
        })
        .map(|c| s(c, &["lastTransitionTime"]).to_string())
        .unwrap_or_default();
    check!(
        completed(&pre) <= created(&web)
            && created(&web) <= created(&during)
            && !available.is_empty()
            && available <= created(&post)
            && completed(&during) <= created(&post),
        r,
        "order: pre done {} <= web created {} <= during created {}; web available {available} <= post created {}; during done {} <= post created",
        completed(&pre),
        created(&web),
        created(&during),
        created(&post),
        completed(&during)
    );
    // HookSucceeded: gone. Hooks are not members.
    check!(
        jobs(cluster, n, "cleanup-")?.is_empty(),
        r,
        "the HookSucceeded Job was deleted"
    );
    check!(
        pre["metadata"]["labels"]
            .get("applyset.kubernetes.io/part-of")
            .is_none(),
        r,
        "a hook is not an ApplySet member"
    );

    // Hooks are neither drift nor changes.
    let r = gs(cluster, &repo, n, &["diff"]);
    check!(
        r.code == 0,
        r,
        "diff exit 0 after sync although hook Jobs exist"
    );
    let r = gs(cluster, &repo, n, &["drift"]);
    check!(r.code == 0, r, "drift exit 0 after sync");

    // The next sync replaces the BeforeHookCreation hooks.
    let r = gs(cluster, &repo, n, &["sync", "--timeout", "120s"]);
    check!(r.code == 0, r, "second sync exit 0");
    check!(
        r.stdout.contains("hooks: 4 succeeded, 0 failed, 0 skipped"),
        r,
        "the table counts the hooks"
    );
    let pre2 = one_job(cluster, n, "pre-")?;
    let during2 = one_job(cluster, n, "during")?;
    check!(
        s(&pre2, &["metadata", "uid"]) != s(&pre, &["metadata", "uid"])
            && s(&pre2, &["metadata", "name"]) != s(&pre, &["metadata", "name"])
            && s(&during2, &["metadata", "uid"]) != s(&during, &["metadata", "uid"]),
        r,
        "PreSync and Sync hooks were replaced by new runs"
    );
    check!(jobs(cluster, n, "post-")?.len() == 1, r, "one PostSync run");
    check!(
        jobs(cluster, n, "cleanup-")?.is_empty(),
        r,
        "the HookSucceeded Job is gone again"
    );
    let r = gs(cluster, &repo, n, &["diff"]);
    check!(r.code == 0, r, "diff still exit 0");
    Ok(())
}

fn failing_presync_hook_stops_the_sync_and_runs_syncfail() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("hooks-fail");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[
            (
                "migrate.yaml",
                &argo_job("name: migrate", "PreSync", "", "gitsync.test/fail"),
            ),
            (
                "app.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  k: v\n",
            ),
            (
                "during.yaml",
                &argo_job("generateName: during-", "Sync", "", "busybox"),
            ),
            (
                "notify.yaml",
                &argo_job("generateName: notify-", "SyncFail", "", "busybox"),
            ),
        ],
        "failing migration",
    );
    let r = gs(cluster, &repo, n, &["sync", "--timeout", "120s"]);
    check!(r.code == 2, r, "a failed hook exits 2");
    check!(
        r.stderr
            .contains(&format!("PreSync hook batch/v1 Job {n}/migrate failed"))
            && r.stderr.contains("exited with code 1"),
        r,
        "the error names the hook and its Pod's reason"
    );
    let cm = kubectl(cluster, &["get", "configmap", "app", "-n", n]);
    check!(cm.code != 0, r, "nothing of the Sync phase was applied");
    check!(
        jobs(cluster, n, "during-")?.is_empty(),
        r,
        "no Sync hook ran"
    );
    let notify = one_job(cluster, n, "notify-")?;
    check!(complete(&notify), r, "the SyncFail hook ran to completion");
    check!(
        r.stdout.contains("skipped") && r.stdout.contains("SyncFail"),
        r,
        "the table shows the skipped and the SyncFail hooks"
    );

    // --no-hooks: the objects are synced, the hooks listed as not run.
    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--no-hooks", "--timeout", "60s"],
    );
    check!(r.code == 0, r, "--no-hooks syncs without hooks");
    check!(
        r.stdout.contains("not run: --no-hooks"),
        r,
        "says the hooks were not run"
    );
    let cm = kubectl(cluster, &["get", "configmap", "app", "-n", n]);
    check!(cm.code == 0, r, "the ConfigMap is applied");
    Ok(())
}

const CHART: &str = "apiVersion: v2\nname: shop\nversion: 0.1.0\n";
const VALUES: &str = "image: nginx:1.26\n";
const TEMPLATES: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers: [{name: main, image: "{{ .Values.image }}"}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-1"
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: "{{ .Values.image }}"}]
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test-connection
  annotations:
    helm.sh/hook: test
spec:
  restartPolicy: Never
  containers: [{name: wget, image: busybox}]
"#;

fn helm_hooks_pre_upgrade_runs_first_and_tests_never_appear() -> TestResult {
    let tools = render_tools()?;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("hooks-helm");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("chart/Chart.yaml", CHART),
            ("chart/values.yaml", VALUES),
            ("chart/templates/all.yaml", TEMPLATES),
        ],
        "chart",
    );
    let sync = |repo: &GitRepo| {
        run(gitsync(repo.path())
            .env("PATH", path_with(&tools))
            .args(["sync", "-v", "--path", "chart", "--timeout", "120s"])
            .args(["-n", n, "--kubeconfig"])
            .arg(cluster.kubeconfig()))
    };
    let r = sync(&repo);
    check!(r.code == 0, r, "first sync exit 0");
    check!(
        r.stderr.contains("not applied") && r.stderr.contains("chart-test-connection"),
        r,
        "-v says the test hook is not applied"
    );
    let pods = get_json(cluster, &["pods", "-n", n])?;
    let names: Vec<&str> = pods["items"]
        .as_array()
        .map(|ps| ps.iter().map(|p| s(p, &["metadata", "name"])).collect())
        .unwrap_or_default();
    check!(
        !names.iter().any(|p| p.contains("test-connection")),
        r,
        "no test Pod: {names:?}"
    );

    repo.commit(&[("chart/values.yaml", "image: nginx:1.27\n")], "upgrade");
    let r = sync(&repo);
    check!(r.code == 0, r, "upgrade sync exit 0");
    let migrate = one_job(cluster, n, "chart-migrate")?;
    check!(complete(&migrate), r, "the pre-upgrade Job completed");
    check!(
        s(
            &migrate["spec"]["template"]["spec"]["containers"][0],
            &["image"]
        ) == "nginx:1.27",
        r,
        "the hook was recreated for the upgrade (before-hook-creation by default)"
    );
    // The Deployment changed (a new ReplicaSet) only after the Job ended.
    let rss = get_json(cluster, &["replicasets", "-n", n])?;
    let new_rs = rss["items"]
        .as_array()
        .and_then(|rs| {
            rs.iter().find(|r| {
                s(&r["spec"]["template"]["spec"]["containers"][0], &["image"]) == "nginx:1.27"
            })
        })
        .cloned()
        .ok_or("no ReplicaSet with the upgraded image")?;
    let done = s(&migrate, &["status", "completionTime"]);
    let changed = s(&new_rs, &["metadata", "creationTimestamp"]);
    check!(
        !done.is_empty() && done <= changed,
        r,
        "pre-upgrade Job done at {done}, Deployment changed at {changed}"
    );
    let pods = get_json(cluster, &["pods", "-n", n])?;
    check!(
        !pods["items"].as_array().is_some_and(|ps| ps
            .iter()
            .any(|p| s(p, &["metadata", "name"]).contains("test-connection"))),
        r,
        "still no test Pod"
    );
    let r = run(gitsync(repo.path())
        .env("PATH", path_with(&tools))
        .args(["diff", "--path", "chart", "-n", n, "--kubeconfig"])
        .arg(cluster.kubeconfig()));
    check!(r.code == 0, r, "diff exit 0 after the helm sync");
    Ok(())
}

/// A chart upgrade can turn an ordinary Job into a hook of the same name:
/// the hook's run must survive the prune of the former member.
fn a_member_that_becomes_a_hook_is_not_pruned_after_it_ran() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("hooks-member");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let plain = hook_job("  name: migrate\n", "busybox");
    repo.commit(&[("migrate.yaml", &plain)], "plain job");
    let r = gs(cluster, &repo, n, &["sync", "--timeout", "60s"]);
    check!(r.code == 0, r, "first sync");
    let before = one_job(cluster, n, "migrate")?;
    repo.commit(
        &[(
            "migrate.yaml",
            &argo_job("name: migrate", "PreSync", "", "busybox"),
        )],
        "now a hook",
    );
    let r = gs(cluster, &repo, n, &["diff"]);
    check!(
        r.code == 0 && !r.stdout.contains("- batch/v1 Job"),
        r,
        "diff plans no prune of the hook's name"
    );
    let r = gs(cluster, &repo, n, &["sync", "--timeout", "60s"]);
    check!(r.code == 0, r, "sync with the hook");
    let after = one_job(cluster, n, "migrate")?;
    check!(
        s(&after, &["metadata", "uid"]) != s(&before, &["metadata", "uid"]) && complete(&after),
        r,
        "the hook ran anew (BeforeHookCreation) and was not pruned afterwards"
    );
    check!(
        after["metadata"]["labels"]
            .get("applyset.kubernetes.io/part-of")
            .is_none(),
        r,
        "no longer a member"
    );
    let r = gs(cluster, &repo, n, &["drift"]);
    check!(r.code == 0, r, "drift exit 0");
    Ok(())
}
