//! A fleet on the two local clusters (contexts `local` and `second`),
//! with namespaces as more clusters of the inventory: targets generated
//! from labels, per-cluster values, `dependsOn` order as the API servers'
//! audit logs saw it, a cycle refused, a rollout halted by a failing
//! canary and resumed (also after a kill), rollback as a commit, and a
//! deny window.

use std::ffi::OsString;
use std::process::Stdio;
use std::time::{Duration, Instant};

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestNamespace, TestResult, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(apps_become_targets_per_cluster_and_sync_in_dependency_order),
        crate::trial!(a_rollout_halts_at_a_failing_canary_rolls_back_and_resumes_after_a_kill),
        crate::trial!(a_deny_window_blocks_sync_until_overridden),
        crate::trial!(ready_when_holds_a_dependent_until_its_condition_is_true),
        crate::trial!(watch_follows_the_rollout_steps),
    ]
}

/// Three inventory clusters: eu-1 and us-2 are namespaces of `local`,
/// us-1 one of `second`.
struct Fleet {
    repo: GitRepo,
    eu1: TestNamespace,
    us1: TestNamespace,
    us2: TestNamespace,
}

impl Fleet {
    fn new(test: &str) -> Result<Fleet, libtest_mimic::Failed> {
        let (local, second) = (Cluster::shared()?, Cluster::second()?);
        Ok(Fleet {
            repo: GitRepo::new(),
            eu1: local.namespace(&format!("{test}-eu1")),
            us1: second.namespace(&format!("{test}-us1")),
            us2: local.namespace(&format!("{test}-us2")),
        })
    }

    fn clusters(&self) -> String {
        format!(
            "clusters:\n  - {{name: eu-1, context: local, labels: {{env: canary, region: eu}}, vars: {{ns: {}}}}}\n  - {{name: us-1, context: second, labels: {{env: prod, region: us}}, vars: {{ns: {}}}}}\n  - {{name: us-2, context: local, labels: {{env: prod, region: us}}, vars: {{ns: {}}}}}\n  - {{name: lab, context: local, labels: {{env: lab}}, vars: {{ns: {}}}}}\n",
            self.eu1.name, self.us1.name, self.us2.name, self.eu1.name
        )
    }

    fn kubeconfig() -> OsString {
        std::env::join_paths([
            Cluster::shared().unwrap().kubeconfig(),
            Cluster::second().unwrap().kubeconfig(),
        ])
        .unwrap()
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut c = gitsync(self.repo.path());
        c.env("KUBECONFIG", Self::kubeconfig())
            .args(["--no-progress"])
            .args(args);
        c
    }

    fn gitsync(&self, args: &[&str]) -> Run {
        run(&mut self.command(args))
    }

    /// (cluster, namespace) of an inventory cluster.
    fn at(&self, cluster: &str) -> (&'static Cluster, &str) {
        match cluster {
            "eu-1" => (Cluster::shared().unwrap(), &self.eu1.name),
            "us-1" => (Cluster::second().unwrap(), &self.us1.name),
            _ => (Cluster::shared().unwrap(), &self.us2.name),
        }
    }

    fn get(&self, cluster: &str, what: &[&str]) -> Option<Value> {
        let (c, ns) = self.at(cluster);
        let mut args = vec!["get"];
        args.extend(what);
        args.extend(["-n", ns, "-o", "json"]);
        serde_json::from_str(&kubectl(c, &args).stdout).ok()
    }

    /// The ApplySet parent's record of `app`'s target on `cluster`.
    fn record(&self, cluster: &str, app: &str) -> Option<Value> {
        let list = self.get(cluster, &["configmap"])?;
        list["items"]
            .as_array()?
            .iter()
            .find(|cm| {
                cm["data"]["syncedAt"].is_string() && cm["data"]["path"].as_str() == Some(app)
            })
            .map(|cm| cm["data"].clone())
    }

    fn image(&self, cluster: &str) -> Option<String> {
        let d = self.get(cluster, &["deployment", "web"])?;
        d["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .map(str::to_string)
    }
}

fn configmap(name: &str, data: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata: {data}\n")
}

fn deployment(image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: main, image: \"{image}\"}}]}}\n"
    )
}

/// When the API server first answered a (non dry-run) write of
/// `resource/name` in `ns` from gitsync, by its audit log.
fn first_write(cluster: &Cluster, ns: &str, resource: &str, name: &str) -> Option<String> {
    writes(cluster, ns, resource, name).into_iter().next()
}

/// Every (non dry-run) write gitsync made to `resource/name` in `ns`, as
/// the times the API server received them.
fn writes(cluster: &Cluster, ns: &str, resource: &str, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(cluster.audit_log()).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| {
            let r = &e["objectRef"];
            e["stage"] == "ResponseComplete"
                && matches!(e["verb"].as_str(), Some("patch" | "create" | "update"))
                && r["resource"] == resource
                && r["namespace"] == ns
                && r["name"] == name
                && r["subresource"].is_null()
                && !e["requestURI"].as_str().unwrap_or("").contains("dryRun")
                && e["userAgent"].as_str().unwrap_or("").starts_with("gitsync")
        })
        .filter_map(|e| e["requestReceivedTimestamp"].as_str().map(str::to_string))
        .collect()
}

fn apps_become_targets_per_cluster_and_sync_in_dependency_order() -> TestResult {
    let f = Fleet::new("fleet-deps")?;
    let config = format!(
        "{}apps:\n  - name: db\n    path: db\n    namespace: ${{cluster.vars.ns}}\n    clusters: {{matchExpressions: [{{key: env, operator: NotIn, values: [lab]}}]}}\n  - name: web\n    path: web\n    namespace: ${{ns}}\n    clusters:\n      matchExpressions: [{{key: env, operator: In, values: [canary, prod]}}]\n    dependsOn: [db]\n",
        f.clusters()
    );
    f.repo.commit(
        &[
            ("gitsync.yaml", &config),
            (
                "db/db.yaml",
                &configmap(
                    "db",
                    "{region: \"${cluster.labels.region}\", cluster: \"${cluster.name}\"}",
                ),
            ),
            (
                "web/web.yaml",
                &configmap("web", "{on: \"${cluster.name}\"}"),
            ),
        ],
        "db and web on every cluster",
    );

    let r = f.gitsync(&["render", "--all-targets"]);
    check!(r.code == 0, r, "render --all-targets exits 0");
    let mut names: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("# Target: "))
        .collect();
    names.dedup();
    check!(
        r.stdout.contains("region: us\n") && r.stdout.contains("\"on\": eu-1\n"),
        r,
        "each target's manifests carry its cluster's values"
    );
    check!(
        names
            == [
                "db@eu-1", "db@us-1", "db@us-2", "web@eu-1", "web@us-1", "web@us-2"
            ],
        r,
        "one target per app and matching cluster, none on lab: {names:?}"
    );

    let r = f.gitsync(&["sync", "--all-targets", "--timeout", "60s"]);
    check!(r.code == 0, r, "sync --all-targets exits 0");
    for (cluster, region) in [("eu-1", "eu"), ("us-1", "us"), ("us-2", "us")] {
        let db = f.get(cluster, &["configmap", "db"]).unwrap_or_default();
        check!(
            db["data"]["region"] == region && db["data"]["cluster"] == cluster,
            r,
            "{cluster}'s db carries its cluster's values: {}",
            db["data"]
        );
        let (c, ns) = f.at(cluster);
        let (db_at, web_at) = (
            first_write(c, ns, "configmaps", "db"),
            first_write(c, ns, "configmaps", "web"),
        );
        check!(
            db_at.is_some() && web_at.is_some() && db_at < web_at,
            r,
            "on {cluster} web was written after db, which it depends on: db {db_at:?}, web {web_at:?}"
        );
        let record = f.record(cluster, "db").unwrap_or_default();
        check!(
            record["health"] == "Healthy",
            r,
            "db@{cluster}'s parent records it healthy: {record}"
        );
    }

    let r = f.gitsync(&["status", "--all-targets"]);
    check!(r.code == 0, r, "status exits 0");
    for want in [
        "## app db",
        "## app web",
        "## clusters",
        "eu-1: 2 targets, 2 healthy",
    ] {
        check!(r.stdout.contains(want), r, "status shows {want:?}");
    }

    // A cycle is refused before anything is asked of a cluster.
    let looped = config.replace("    path: db\n", "    path: db\n    dependsOn: [web]\n");
    f.repo.commit(&[("gitsync.yaml", &looped)], "a cycle");
    let before = writes(Cluster::shared()?, &f.eu1.name, "configmaps", "db").len();
    let r = f.gitsync(&["sync", "--all-targets"]);
    check!(r.code == 2, r, "a cycle exits 2");
    check!(
        r.stderr.contains("gitsync.yaml (line")
            && r.stderr
                .contains("dependsOn makes a cycle: db@eu-1 → web@eu-1 → db@eu-1"),
        r,
        "the error names the line and the cycle"
    );
    let after = writes(Cluster::shared()?, &f.eu1.name, "configmaps", "db").len();
    check!(before == after, r, "nothing was written");
    Ok(())
}

fn rollout_config(f: &Fleet, pins: &str) -> String {
    format!(
        "{}apps:\n  - name: web\n    path: web\n    namespace: ${{ns}}\n    clusters: {{matchExpressions: [{{key: env, operator: In, values: [canary, prod]}}]}}\n{pins}    rollout:\n      steps:\n        - {{clusters: {{matchLabels: {{env: canary}}}}, soak: 8s}}\n        - {{maxParallel: 1}}\n",
        f.clusters()
    )
}

fn a_rollout_halts_at_a_failing_canary_rolls_back_and_resumes_after_a_kill() -> TestResult {
    let f = Fleet::new("fleet-rollout")?;
    let good = f.repo.commit(
        &[
            ("gitsync.yaml", &rollout_config(&f, "")),
            ("web/web.yaml", &deployment("nginx:1")),
        ],
        "web 1",
    );
    let r = f.gitsync(&["sync", "--all-targets", "--timeout", "60s"]);
    check!(r.code == 0, r, "the first rollout succeeds");

    // A broken release: the canary never becomes healthy.
    let bad = f.repo.commit(
        &[("web/web.yaml", &deployment("gitsync.test/fail:2"))],
        "web 2",
    );
    let r = f.gitsync(&["sync", "--all-targets", "--dry-run"]);
    check!(
        r.code == 1 && r.stdout.contains("# target web@us-2"),
        r,
        "a dry run plans every step (nothing to wait for), exit 1 for the changes"
    );
    let r = f.gitsync(&["sync", "--all-targets", "--timeout", "15s"]);
    check!(
        r.code == 2,
        r,
        "a failing canary halts the rollout with exit 2"
    );
    let said = format!("{}{}", r.stdout, r.stderr);
    check!(
        said.contains("rollout of web, step 2 of 2")
            && said.contains("web@us-1")
            && said.contains("web@us-2")
            && said.contains("web@eu-1"),
        r,
        "the error names the halted step, its targets and the canary"
    );
    check!(
        f.image("eu-1").as_deref() == Some("gitsync.test/fail:2"),
        r,
        "the canary runs the new release"
    );
    for c in ["us-1", "us-2"] {
        check!(
            f.image(c).as_deref() == Some("nginx:1")
                && f.record(c, "web").unwrap_or_default()["revision"] == good.as_str(),
            r,
            "{c} stays on the old revision"
        );
    }
    let r = f.gitsync(&["status", "--all-targets"]);
    check!(
        r.stdout
            .contains("waits on: web@eu-1 (not healthy (Unhealthy))")
            && r.stdout.contains("rollout:  step 2 of 2 (the rest)"),
        r,
        "status says what the later step waits on and why"
    );
    let r = f.gitsync(&["sync", "--target", "web@us-1"]);
    check!(
        r.code == 2
            && r.stderr.contains("waits for web@eu-1: not healthy")
            && f.image("us-1").as_deref() == Some("nginx:1"),
        r,
        "syncing a later step's target alone is refused while the canary is not healthy"
    );

    // Roll the canary back: a commit pinning it to the last healthy revision.
    let r = f.gitsync(&["rollback", "web@eu-1"]);
    check!(r.code == 0, r, "rollback exits 0");
    let file = f.repo.git(&["show", "HEAD:gitsync.yaml"]);
    check!(
        file.contains(&format!("    pins:\n      eu-1: \"{good}\"\n")),
        r,
        "the commit pins eu-1 to the last healthy revision:\n{file}"
    );
    let subject = f.repo.git(&["log", "-1", "--format=%s"]);
    check!(
        subject.trim() == "Roll back web@eu-1 to ".to_string() + &good[..12],
        r,
        "{subject}"
    );
    let r = f.gitsync(&["sync", "--target", "web@eu-1", "--timeout", "60s"]);
    check!(
        r.code == 0 && f.image("eu-1").as_deref() == Some("nginx:1"),
        r,
        "the pinned canary syncs back to the old release"
    );
    let _ = bad;

    // The fix, with the pin removed; a run killed during the canary's
    // soak is resumed by the next one from step 2.
    let fixed = f.repo.commit(
        &[
            ("gitsync.yaml", &rollout_config(&f, "")),
            ("web/web.yaml", &deployment("nginx:3")),
        ],
        "web 3",
    );
    let mut child = f
        .command(&["sync", "--all-targets", "--timeout", "60s"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rec = f.record("eu-1", "web").unwrap_or_default();
        if rec["revision"] == fixed.as_str() && rec["health"] == "Healthy" {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("the canary never became healthy at the fix".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill()?;
    child.wait()?;
    for c in ["us-1", "us-2"] {
        check!(
            f.image(c).as_deref() == Some("nginx:1"),
            Run::default(),
            "killed during the soak: {c} not started"
        );
    }
    let (local, ns) = f.at("eu-1");
    let canary_writes = writes(local, ns, "deployments", "web").len();
    let r = f.gitsync(&["sync", "--all-targets", "--timeout", "60s"]);
    check!(r.code == 0, r, "the next run finishes the rollout");
    for c in ["us-1", "us-2"] {
        check!(
            f.image(c).as_deref() == Some("nginx:3"),
            r,
            "{c} runs the fix"
        );
    }
    check!(
        writes(local, ns, "deployments", "web").len() == canary_writes,
        r,
        "the resumed run did not write the canary again"
    );
    Ok(())
}

fn a_deny_window_blocks_sync_until_overridden() -> TestResult {
    // A daily deny window that opened a minute ago and lasts two hours.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let opened = (now / 60 + 24 * 60 - 1) % (24 * 60);
    let (hour, minute) = (opened / 60, opened % 60);
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("fleet-window");
    let repo = GitRepo::new();
    repo.commit(
        &[
            (
                "gitsync.yaml",
                &format!(
                    "targets:\n  - name: prod\n    path: app\n    namespace: {}\n    cluster: {{context: local}}\n    windows:\n      - {{kind: deny, schedule: \"{minute} {hour} * * *\", duration: 2h}}\n",
                    ns.name
                ),
            ),
            ("app/cm.yaml", &configmap("app", "{v: \"1\"}")),
        ],
        "prod in a freeze",
    );
    let sync = |args: &[&str]| {
        run(gitsync(repo.path())
            .env("KUBECONFIG", cluster.kubeconfig())
            .args(["--no-progress", "sync", "--target", "prod"])
            .args(args))
    };
    let r = sync(&[]);
    check!(r.code == 2, r, "a closed window refuses the sync");
    check!(
        r.stderr.contains(&format!(
            "the deny \"{minute} {hour} * * *\" for 2h (UTC), gitsync.yaml line 7 window is open"
        )) && r.stderr.contains("--override-window"),
        r,
        "the error names the window and the way out"
    );
    let cms = kubectl(cluster, &["get", "configmap", "app", "-n", &ns.name]);
    check!(cms.code != 0, cms, "nothing was created");
    let r = run(gitsync(repo.path())
        .env("KUBECONFIG", cluster.kubeconfig())
        .args(["status", "--target", "prod"]));
    check!(
        r.stdout.contains("window:   closed: the deny") && r.stdout.contains("; opens "),
        r,
        "status shows the window closed and when it opens"
    );
    let r = sync(&["--override-window"]);
    check!(r.code == 0, r, "--override-window syncs");
    let parents = kubectl(cluster, &["get", "configmap", "-n", &ns.name, "-o", "json"]);
    check!(
        parents.stdout.contains("\"windowOverride\": \"the deny"),
        parents,
        "the parent records the override"
    );
    Ok(())
}

/// A Deployment named `name` with `replicas` (kwok runs its pods).
fn replicas(name: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: main, image: \"db:1\"}}]}}\n"
    )
}

fn ready_when_holds_a_dependent_until_its_condition_is_true() -> TestResult {
    // db is healthy with one replica; web wants two of them ready.
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("fleet-ready");
    let repo = GitRepo::new();
    let config = format!(
        "targets:\n  - name: db\n    path: db\n    namespace: {ns}\n    cluster: {{context: local}}\n  - name: web\n    path: web\n    namespace: {ns}\n    cluster: {{context: local}}\n    dependsOn:\n      - name: db\n        readyWhen: >-\n          objects.exists(o, o.kind == \"Deployment\" &&\n            has(o.status.readyReplicas) && o.status.readyReplicas >= 2)\n",
        ns = ns.name
    );
    repo.commit(
        &[
            ("gitsync.yaml", &config),
            ("db/db.yaml", &replicas("db", 1)),
            ("web/web.yaml", &configmap("web", "{v: \"1\"}")),
        ],
        "db with one replica",
    );
    let sync = |args: &[&str]| {
        run(gitsync(repo.path())
            .env("KUBECONFIG", cluster.kubeconfig())
            .args(["--no-progress", "sync"])
            .args(args))
    };
    let web = || kubectl(cluster, &["get", "configmap", "web", "-n", &ns.name]);
    let r = sync(&["--all-targets", "--timeout", "15s"]);
    check!(r.code == 2, r, "web's condition never holds: exit 2");
    check!(
        r.stderr.contains("waits for db: readyWhen is not true yet"),
        r,
        "the error says web waits for db's readyWhen"
    );
    check!(web().code != 0, web(), "web was not written");
    // The same wait, read from db's parent by a run that syncs web alone.
    let r = sync(&["--target", "web"]);
    check!(
        r.code == 2 && r.stderr.contains("waits for db: readyWhen is not true yet"),
        r,
        "sync --target web is held by db's condition"
    );
    check!(web().code != 0, web(), "web was still not written");
    let r = run(gitsync(repo.path())
        .env("KUBECONFIG", cluster.kubeconfig())
        .args(["status", "--all-targets"]));
    check!(
        r.stdout.contains("waits on: db (readyWhen is not true yet"),
        r,
        "status says web waits on db's condition"
    );

    repo.commit(
        &[("db/db.yaml", &replicas("db", 2))],
        "db with two replicas",
    );
    let r = sync(&["--all-targets", "--timeout", "60s"]);
    check!(r.code == 0, r, "with two replicas ready web syncs");
    let (db_ready, web_at) = (
        writes(cluster, &ns.name, "deployments", "db")
            .last()
            .cloned(),
        first_write(cluster, &ns.name, "configmaps", "web"),
    );
    check!(
        db_ready.is_some() && web_at.is_some() && db_ready < web_at,
        r,
        "web was written after db's second replica was asked for: {db_ready:?} < {web_at:?}"
    );
    Ok(())
}

/// Polls `what` every 100 ms for up to `secs`.
fn eventually(secs: u64, mut what: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if what() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn watch_follows_the_rollout_steps() -> TestResult {
    use jiff::Timestamp;
    let f = Fleet::new("fleet-watch")?;
    let config = rollout_config(&f, "").replace("soak: 8s", "soak: 3s");
    f.repo.commit(
        &[
            ("gitsync.yaml", &config),
            ("web/web.yaml", &deployment("nginx:1")),
        ],
        "web 1",
    );
    let url = format!("file://{}", f.repo.path().display());
    let daemon = crate::watch::Daemon::spawn(
        &["--repo", &url, "--all-targets", "--interval", "1s"],
        &[("KUBECONFIG", Fleet::kubeconfig())],
    );
    let all_at = |image: &str| {
        ["eu-1", "us-1", "us-2"]
            .iter()
            .all(|c| f.image(c).as_deref() == Some(image))
    };
    check!(
        eventually(90, || all_at("nginx:1")),
        daemon.as_run(),
        "watch rolls out release 1"
    );

    // A broken release stops at the canary: the later step waits for it.
    f.repo.commit(
        &[("web/web.yaml", &deployment("gitsync.test/fail:2"))],
        "web 2",
    );
    check!(
        eventually(60, || {
            f.image("eu-1").as_deref() == Some("gitsync.test/fail:2")
                && daemon.log().contains("not syncing yet")
                && daemon.log().contains("waits for web@eu-1")
        }),
        daemon.as_run(),
        "the canary takes release 2 and the later step waits for it"
    );
    check!(
        f.image("us-1").as_deref() == Some("nginx:1")
            && f.image("us-2").as_deref() == Some("nginx:1"),
        daemon.as_run(),
        "the later step stays on release 1"
    );

    // The fix reaches every cluster, the later step only after the
    // canary soaked.
    f.repo
        .commit(&[("web/web.yaml", &deployment("nginx:3"))], "web 3");
    check!(
        eventually(90, || all_at("nginx:3")),
        daemon.as_run(),
        "watch rolls out the fix"
    );
    let since: Timestamp = f.record("eu-1", "web").unwrap_or_default()["healthySince"]
        .as_str()
        .unwrap_or_default()
        .parse()?;
    let (c, ns) = f.at("us-2");
    let last: Timestamp = writes(c, ns, "deployments", "web")
        .last()
        .cloned()
        .unwrap_or_default()
        .parse()?;
    check!(
        last >= since + jiff::SignedDuration::from_secs(3),
        daemon.as_run(),
        "us-2 was written at {last}, after the canary was healthy ({since}) and soaked 3s"
    );
    Ok(())
}
