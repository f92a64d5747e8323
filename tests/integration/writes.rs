//! What a sync writes when it is stopped, and who may write: a signal or
//! a lost write Lease stops new writes (hooks included) while the writes
//! in flight finish and the result says what was written; a failed heal
//! leaves no Lease behind; another repository's ApplySet is refused even
//! when its first sync never finished; hooks in Namespaces the set
//! declares, and hook Jobs that delete themselves when done.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams};
use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::faults::signal;
use crate::harness::{Cluster, GitRepo, Run, TestResult, block_on, gitsync, kubectl, run};
use crate::watch::{Daemon, cm, within};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(an_interrupted_sync_reports_exactly_what_it_wrote),
        crate::trial!(sigterm_during_force_replace_loses_no_object),
        crate::trial!(a_sync_whose_write_lease_is_taken_over_stops_writing),
        crate::trial!(a_failed_heal_leaves_no_write_lease_behind),
        crate::trial!(an_unfinished_first_sync_still_keeps_other_repositories_out),
        crate::trial!(an_interrupt_during_a_hook_wave_runs_no_later_hook),
        crate::trial!(a_presync_hook_runs_in_a_namespace_the_set_declares),
        crate::trial!(hook_jobs_that_delete_themselves_when_done_are_judged_by_their_end),
    ]
}

// ---- helpers ---------------------------------------------------------------

/// `gitsync ARGS -n NS --kubeconfig …` in the repository.
fn command(cluster: &Cluster, repo: &GitRepo, ns: &str, args: &[&str]) -> Command {
    let mut c = gitsync(repo.path());
    c.args(args)
        .args(["-n", ns, "--kubeconfig"])
        .arg(cluster.kubeconfig());
    c
}

fn gs(cluster: &Cluster, repo: &GitRepo, ns: &str, args: &[&str]) -> Run {
    run(&mut command(cluster, repo, ns, args))
}

/// Starts a command with its output captured, to signal it midway.
fn spawn(mut cmd: Command) -> Result<Child, libtest_mimic::Failed> {
    Ok(cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?)
}

/// `n` ConfigMaps `PREFIX-i` in one file, each with `value`.
fn configmaps(prefix: &str, n: usize, value: &str, immutable: bool) -> String {
    let immutable = if immutable { "immutable: true\n" } else { "" };
    (0..n)
        .map(|i| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {prefix}-{i}\n{immutable}data:\n  value: {value}\n---\n")
        })
        .collect()
}

/// The ConfigMaps of `ns` whose name starts with `prefix`, with their
/// `data.value`.
fn values(cluster: &Cluster, ns: &str, prefix: &str) -> Vec<(String, String)> {
    let api: Api<ConfigMap> = Api::namespaced(cluster.client(), ns);
    let list = block_on(api.list(&ListParams::default())).map(|l| l.items);
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|c| {
            let name = c.metadata.name?;
            let value = c.data.and_then(|d| d.get("value").cloned());
            name.starts_with(prefix)
                .then(|| (name, value.unwrap_or_default()))
        })
        .collect()
}

/// The names of the objects the JSON result of a sync marks `result`.
fn marked(result: &Value, which: &str) -> BTreeSet<String> {
    result["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|o| o["result"] == which)
        .filter_map(|o| o["name"].as_str().map(str::to_string))
        .collect()
}

fn json(out: &Run) -> Result<Value, libtest_mimic::Failed> {
    serde_json::from_str(&out.stdout).map_err(|e| {
        format!(
            "no JSON result ({e})\n--- exit code: {}\n--- stdout:\n{}\n--- stderr:\n{}",
            out.code, out.stdout, out.stderr
        )
        .into()
    })
}

fn exists(cluster: &Cluster, args: &[&str]) -> bool {
    kubectl(cluster, &[&["get"], args].concat()).code == 0
}

/// A Job whose Pod runs for about `seconds` on the simulated nodes.
fn job(meta: &str, image: &str, seconds: u32, spec: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n{meta}spec:\n{spec}  backoffLimit: 0\n  template:\n    metadata:\n      annotations:\n        pod-complete.stage.kwok.x-k8s.io/delay: \"{seconds}s\"\n        pod-complete.stage.kwok.x-k8s.io/jitter-delay: \"{}s\"\n    spec:\n      restartPolicy: Never\n      containers: [{{name: main, image: {image}}}]\n",
        seconds + 1
    )
}

/// An Argo CD hook Job `name` of `phase` in wave `wave`.
fn hook(name: &str, phase: &str, wave: i32, seconds: u32) -> String {
    job(
        &format!(
            "  name: {name}\n  annotations:\n    argocd.argoproj.io/hook: {phase}\n    argocd.argoproj.io/sync-wave: \"{wave}\"\n"
        ),
        "busybox",
        seconds,
        "",
    )
}

// ---- tests -------------------------------------------------------------------

/// SIGINT while a sync of 600 ConfigMaps writes: no new write starts, the
/// writes in flight finish, and the result says per object what was
/// applied and what skipped, exactly as the cluster shows; exit 4. The
/// next sync converges.
fn an_interrupted_sync_reports_exactly_what_it_wrote() -> TestResult {
    const N: usize = 600;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("interrupted-sync");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cms.yaml", &configmaps("cm", N, "a", false))], "600");
    let args = ["sync", "-o", "json", "--no-progress", "--concurrency", "2"];
    let child = spawn(command(cluster, &repo, n, &args))?;
    let writing = within(Duration::from_secs(120), || {
        values(cluster, n, "cm-").len() >= 10
    });
    signal(child.id(), libc::SIGINT);
    let out: Run = child.wait_with_output()?.into();
    check!(writing.is_some(), out, "the sync started writing");
    check!(out.code == 4, out, "exit 4: interrupted");
    check!(
        out.stderr.contains("interrupted") && !out.stderr.contains("before anything was written"),
        out,
        "says it was interrupted after writing"
    );
    let result = json(&out)?;
    let applied = marked(&result, "applied");
    let skipped = marked(&result, "skipped");
    let in_cluster: BTreeSet<String> = values(cluster, n, "cm-")
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    check!(
        applied == in_cluster,
        out,
        "applied ({}) is exactly what the cluster holds ({})",
        applied.len(),
        in_cluster.len()
    );
    check!(
        !skipped.is_empty() && applied.len() + skipped.len() == N,
        out,
        "stopped part way: {} applied, {} skipped",
        applied.len(),
        skipped.len()
    );
    check!(
        result["summary"]["applied"] == applied.len(),
        out,
        "the summary counts the same"
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-progress"]);
    check!(r.code == 0, r, "the next sync converges");
    check!(
        values(cluster, n, "cm-").len() == N,
        r,
        "every ConfigMap exists"
    );
    Ok(())
}

/// SIGTERM (what a CI job's cancellation sends) while `--force-replace`
/// deletes and recreates immutable ConfigMaps: each one it deleted is
/// recreated; none is left missing; the result says which were replaced.
fn sigterm_during_force_replace_loses_no_object() -> TestResult {
    const N: usize = 300;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("sigterm-replace");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cms.yaml", &configmaps("im", N, "old", true))], "old");
    let r = gs(cluster, &repo, n, &["sync", "--no-progress"]);
    check!(r.code == 0, r, "first sync");
    repo.commit(&[("cms.yaml", &configmaps("im", N, "new", true))], "new");
    let args = [
        "sync",
        "--force-replace",
        "-o",
        "json",
        "--no-progress",
        "--concurrency",
        "4",
    ];
    let child = spawn(command(cluster, &repo, n, &args))?;
    let replacing = within(Duration::from_secs(120), || {
        values(cluster, n, "im-")
            .iter()
            .filter(|(_, v)| v == "new")
            .count()
            >= 5
    });
    signal(child.id(), libc::SIGTERM);
    let out: Run = child.wait_with_output()?.into();
    check!(replacing.is_some(), out, "the sync started replacing");
    check!(out.code == 4, out, "exit 4: interrupted");
    let now = values(cluster, n, "im-");
    check!(
        now.len() == N,
        out,
        "no ConfigMap is missing: {} of {N} exist",
        now.len()
    );
    let result = json(&out)?;
    let replaced: BTreeSet<String> = now
        .iter()
        .filter(|(_, v)| v == "new")
        .map(|(name, _)| name.clone())
        .collect();
    check!(
        marked(&result, "applied") == replaced && replaced.len() < N,
        out,
        "applied is exactly what was replaced ({} of {N})",
        replaced.len()
    );
    Ok(())
}

/// A sync waiting for its wave 0 to become healthy before wave 1 loses
/// its write Lease to another holder: it notices at its next renewal and
/// writes nothing more; exit 2, naming the new holder. Wave 0 (a
/// Deployment whose image fails) is made healthy only if the sync is
/// still running 15 s after the takeover, so a sync that ignored the loss
/// would go on to write wave 1.
fn a_sync_whose_write_lease_is_taken_over_stops_writing() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("lease-taken");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let slow = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: slow\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: slow}\n  template:\n    metadata:\n      labels: {app: slow}\n    spec:\n      containers: [{name: main, image: gitsync.test/fail}]\n";
    let wave1 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\ndata:\n  k: v\n";
    repo.commit(&[("slow.yaml", slow), ("after.yaml", wave1)], "two waves");
    let args = [
        "sync",
        "--name",
        "taken",
        "--no-progress",
        "--timeout",
        "120s",
    ];
    let mut child = spawn(command(cluster, &repo, n, &args))?;
    let started = within(Duration::from_secs(60), || {
        exists(cluster, &["deployment", "slow", "-n", n])
    });
    // Another writer takes the Lease over, as one whose clock says the
    // holder's renewal is long overdue would.
    let patch = r#"{"spec":{"holderIdentity":"intruder"}}"#;
    let taken = kubectl(
        cluster,
        &[
            "patch",
            "lease",
            "gitsync-taken-write",
            "-n",
            n,
            "--type",
            "merge",
            "-p",
            patch,
        ],
    );
    let ended = within(Duration::from_secs(15), || {
        matches!(child.try_wait(), Ok(Some(_)))
    });
    if ended.is_none() {
        let _ = kubectl(
            cluster,
            &["set", "image", "deployment/slow", "main=busybox", "-n", n],
        );
    }
    let out: Run = child.wait_with_output()?.into();
    check!(started.is_some(), out, "wave 0 was written");
    check!(taken.code == 0, taken, "the Lease was taken over");
    check!(
        out.code == 2 && out.stderr.contains("intruder"),
        out,
        "exit 2, naming who holds the Lease now"
    );
    check!(
        !exists(cluster, &["configmap", "after", "-n", n]),
        out,
        "nothing was written after the Lease was lost"
    );
    Ok(())
}

/// A heal under `watch` that fails after taking the write Lease (the
/// ApplySet parent's id label changed for a moment) must not keep the
/// Lease: with the watch idle, a CLI sync gets the Lease within 5 s (and
/// puts the drift back).
fn a_failed_heal_leaves_no_write_lease_behind() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("heal-lease");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let url = format!("file://{}", repo.path().display());
    let daemon = Daemon::start_with(cluster.kubeconfig(), &url, n, &["--interval", "1s"], &[]);
    let value = || crate::harness::configmap_value(cluster, n, "watched");
    check!(
        within(Duration::from_secs(30), || value() == "one").is_some(),
        daemon.as_run(),
        "first sync"
    );
    let parent = kubectl(
        cluster,
        &[
            "get",
            "configmap",
            "-n",
            n,
            "-l",
            "applyset.kubernetes.io/id",
            "-o",
            "name",
        ],
    );
    let parent = parent.stdout.trim().to_string();
    let id = kubectl(
        cluster,
        &[
            "get",
            &parent,
            "-n",
            n,
            "-o",
            "jsonpath={.metadata.labels.applyset\\.kubernetes\\.io/id}",
        ],
    )
    .stdout;
    check!(
        !parent.is_empty() && !id.is_empty(),
        daemon.as_run(),
        "the parent and its id"
    );

    let log_before = daemon.log().len();
    let label = |v: &str| {
        kubectl(
            cluster,
            &[
                "label",
                &parent,
                "-n",
                n,
                "--overwrite",
                &format!("applyset.kubernetes.io/id={v}"),
            ],
        )
    };
    check!(label("changed").code == 0, Run::default(), "label changed");
    let r = kubectl(
        cluster,
        &[
            "patch",
            "configmap",
            "watched",
            "-n",
            n,
            "-p",
            r#"{"data":{"value":"drifted"}}"#,
        ],
    );
    check!(r.code == 0, r, "drift made");
    let failed = within(Duration::from_secs(30), || {
        daemon.log()[log_before..].contains("drift check failed")
    });
    check!(label(&id).code == 0, Run::default(), "label restored");
    check!(failed.is_some(), daemon.as_run(), "the heal failed");

    let r = gs(
        cluster,
        &repo,
        n,
        &[
            "sync",
            "--repo",
            &url,
            "--lock-timeout",
            "5s",
            "--force-conflicts",
            "--no-progress",
        ],
    );
    check!(
        r.code == 0 && value() == "one",
        r,
        "the write Lease is free for the next writer\n--- watch log:\n{}",
        daemon.log()
    );
    Ok(())
}

/// Repository A's first sync with `--name shared` ends unhealthy before
/// its last wave: its parent already says whose ApplySet it is, so
/// repository B with the same name is refused by diff and sync (exit 2)
/// and A's Deployment stays.
fn an_unfinished_first_sync_still_keeps_other_repositories_out() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("origin-first");
    let n = ns.name.as_str();
    let (a, b) = (GitRepo::new(), GitRepo::new());
    let web = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: main, image: gitsync.test/fail}]\n";
    let later = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: later\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\ndata:\n  k: v\n";
    a.commit(&[("web.yaml", web), ("later.yaml", later)], "a");
    b.commit(&[("b.yaml", &cm("b"))], "b");
    let r = gs(
        cluster,
        &a,
        n,
        &[
            "sync",
            "--name",
            "shared",
            "--timeout",
            "8s",
            "--no-progress",
        ],
    );
    check!(r.code == 3, r, "A's first sync ends unhealthy (exit 3)");

    let r = gs(cluster, &b, n, &["diff", "--name", "shared"]);
    check!(
        r.code == 2 && r.stderr.contains("belongs to") && r.stderr.contains("--take-over"),
        r,
        "B's diff is refused, naming whose ApplySet it is"
    );
    let r = gs(cluster, &b, n, &["sync", "--name", "shared", "--no-wait"]);
    check!(
        r.code == 2 && r.stderr.contains("belongs to"),
        r,
        "B's sync is refused"
    );
    check!(
        exists(cluster, &["deployment", "web", "-n", n]),
        r,
        "A's Deployment is still there"
    );
    check!(
        !exists(cluster, &["configmap", "watched", "-n", n]),
        r,
        "nothing of B was applied"
    );
    Ok(())
}

/// SIGINT while a PreSync hook of wave 0 runs: it finishes, but the hook
/// of wave 1, the objects and the SyncFail hook are never created; the
/// result lists the hooks; exit 4.
fn an_interrupt_during_a_hook_wave_runs_no_later_hook() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("interrupted-hooks");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let notify = job(
        "  name: notify\n  annotations:\n    argocd.argoproj.io/hook: SyncFail\n",
        "busybox",
        1,
        "",
    );
    repo.commit(
        &[
            ("first.yaml", &hook("first", "PreSync", 0, 6)),
            ("second.yaml", &hook("second", "PreSync", 1, 1)),
            ("notify.yaml", &notify),
            ("app.yaml", &cm("app")),
        ],
        "hooks",
    );
    let args = ["sync", "-o", "json", "--no-progress", "--timeout", "120s"];
    let child = spawn(command(cluster, &repo, n, &args))?;
    let running = within(Duration::from_secs(60), || {
        exists(cluster, &["job", "first", "-n", n])
    });
    signal(child.id(), libc::SIGINT);
    let out: Run = child.wait_with_output()?.into();
    check!(running.is_some(), out, "the wave 0 hook was created");
    check!(out.code == 4, out, "exit 4: interrupted");
    for (what, args) in [
        ("the wave 1 hook", ["job", "second"]),
        ("the SyncFail hook", ["job", "notify"]),
        ("the ConfigMap", ["configmap", "watched"]),
    ] {
        check!(
            !exists(cluster, &[args[0], args[1], "-n", n]),
            out,
            "{what} was never created"
        );
    }
    let result = json(&out)?;
    let hooks: Vec<(&str, &str)> = result["hooks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            (
                h["name"].as_str().unwrap_or(""),
                h["result"].as_str().unwrap_or(""),
            )
        })
        .collect();
    check!(
        hooks == [("first", "succeeded"), ("second", "skipped")],
        out,
        "the hook in flight finished, the next was skipped: {hooks:?}"
    );
    Ok(())
}

/// A PreSync hook in a Namespace that the same desired set declares: the
/// Namespace is applied (as a member) before the hook, which succeeds.
fn a_presync_hook_runs_in_a_namespace_the_set_declares() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("hook-ns");
    let n = ns.name.as_str();
    let other = format!("{n}-new");
    let repo = GitRepo::new();
    let namespace = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {other}\n");
    let migrate = job(
        &format!(
            "  name: migrate\n  namespace: {other}\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n"
        ),
        "busybox",
        1,
        "",
    );
    repo.commit(
        &[
            ("ns.yaml", &namespace),
            ("migrate.yaml", &migrate),
            ("app.yaml", &cm("app")),
        ],
        "hook in a new namespace",
    );
    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--timeout", "120s", "--no-progress"],
    );
    let part_of = kubectl(
        cluster,
        &[
            "get",
            "namespace",
            &other,
            "-o",
            "jsonpath={.metadata.labels.applyset\\.kubernetes\\.io/part-of}",
        ],
    );
    let _ = kubectl(cluster, &["delete", "namespace", &other, "--wait=false"]);
    check!(r.code == 0, r, "sync exit 0");
    check!(
        r.stdout.contains("hooks: 1 succeeded"),
        r,
        "the hook ran and succeeded"
    );
    check!(
        !part_of.stdout.is_empty(),
        part_of,
        "the Namespace is a member of the ApplySet"
    );
    Ok(())
}

/// Hook Jobs with `ttlSecondsAfterFinished: 0` are deleted by the TTL
/// controller the moment they finish: the sync still goes by how they
/// ended. One that succeeds: exit 0. One that fails: exit 2, naming it
/// and why it failed.
fn hook_jobs_that_delete_themselves_when_done_are_judged_by_their_end() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("hook-ttl");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let ttl = |image: &str| {
        job(
            "  name: migrate\n  annotations:\n    argocd.argoproj.io/hook: PreSync\n",
            image,
            1,
            "  ttlSecondsAfterFinished: 0\n",
        )
    };
    repo.commit(
        &[("migrate.yaml", &ttl("busybox")), ("app.yaml", &cm("one"))],
        "ttl hook",
    );
    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--timeout", "120s", "--no-progress"],
    );
    check!(r.code == 0, r, "a TTL-0 hook that succeeds: exit 0");
    check!(
        r.stdout.contains("hooks: 1 succeeded"),
        r,
        "the hook succeeded"
    );

    repo.commit(
        &[
            ("migrate.yaml", &ttl("gitsync.test/fail")),
            ("app.yaml", &cm("two")),
        ],
        "failing ttl hook",
    );
    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--timeout", "120s", "--no-progress"],
    );
    check!(
        r.code == 2
            && r.stderr
                .contains(&format!("PreSync hook batch/v1 Job {n}/migrate failed"))
            && !r.stderr.contains("deleted before it finished"),
        r,
        "a TTL-0 hook that fails: exit 2, naming the Job and its own failure"
    );
    check!(
        crate::harness::configmap_value(cluster, n, "watched") == "one",
        r,
        "nothing after the failed hook was applied"
    );
    Ok(())
}
