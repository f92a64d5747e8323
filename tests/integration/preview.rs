//! Preview environments from a bare remote's pull-request refs: opened
//! by `preview up` and by `watch --previews`, updated by a push, closed
//! when the ref goes or the TTL passes, kept to their namespace.

use std::path::{Path, PathBuf};
use std::time::Duration;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{
    Cluster, GitRepo, Run, TestResult, configmap_value as value, gitsync, kubectl, run,
};
use crate::watch::{Daemon, within};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(previews_follow_their_refs_and_leave_the_base_alone),
        crate::trial!(a_preview_keeps_to_its_namespace_its_cap_and_its_ttl),
    ]
}

fn cm(name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{value: \"{value}\"}}\n"
    )
}

/// A repository with target `staging` (namespace `base`) and a
/// `previews:` entry over `refs/pull/*/head` whose namespaces are
/// `<base>-pr-N`, pushed to a bare remote as `main`.
struct Remote {
    repo: GitRepo,
    bare: PathBuf,
    _dir: tempfile::TempDir,
}

impl Remote {
    fn new(base: &str, entry: &str) -> Remote {
        let repo = GitRepo::new();
        let config = format!(
            "targets:\n  - {{name: staging, path: app, namespace: {base}}}\npreviews:\n  - name: pr\n    refs: \"refs/pull/*/head\"\n    target: staging\n    namespace: \"{base}-pr-${{preview_number}}\"\n{entry}"
        );
        repo.commit(
            &[
                ("gitsync.yaml", &config),
                ("app/web.yaml", &cm("web", "main")),
            ],
            "base",
        );
        let dir = tempfile::tempdir().unwrap();
        let bare = dir.path().join("shop.git");
        repo.git(&["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()]);
        repo.git(&["push", "-q", bare.to_str().unwrap(), "main:refs/heads/main"]);
        Remote {
            repo,
            bare,
            _dir: dir,
        }
    }

    fn url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    /// A commit on top of main with `files`, pushed as pull request `n`.
    fn pull(&self, n: u32, files: &[(&str, &str)]) -> String {
        self.repo
            .git(&["checkout", "-q", "-B", &format!("pr{n}"), "main"]);
        let sha = self.repo.commit(files, &format!("pull request {n}"));
        self.repo.git(&["checkout", "-q", "main"]);
        self.push(n, &sha);
        sha
    }

    /// Moves pull request `n` to `sha` (a new commit on its branch).
    fn push(&self, n: u32, sha: &str) {
        let spec = format!("+{sha}:refs/pull/{n}/head");
        self.repo
            .git(&["push", "-q", self.bare.to_str().unwrap(), &spec]);
    }

    fn push_more(&self, n: u32, files: &[(&str, &str)]) -> String {
        self.repo.git(&["checkout", "-q", &format!("pr{n}")]);
        let sha = self.repo.commit(files, &format!("pull request {n}, again"));
        self.repo.git(&["checkout", "-q", "main"]);
        self.push(n, &sha);
        sha
    }

    fn close(&self, n: u32) {
        let spec = format!(":refs/pull/{n}/head");
        self.repo
            .git(&["push", "-q", self.bare.to_str().unwrap(), &spec]);
    }
}

/// `gitsync watch --target staging --previews`, polling every second.
fn watch_previews(cluster: &Cluster, remote: &Remote) -> Daemon {
    let url = remote.url();
    let kubeconfig = cluster.kubeconfig().to_str().unwrap();
    let args = [
        "--repo",
        &url,
        "--kubeconfig",
        kubeconfig,
        "--target",
        "staging",
    ];
    Daemon::spawn(
        &[&args[..], &["--interval", "1s", "--previews"]].concat(),
        &[],
    )
}

fn gs(cluster: &Cluster, remote: &Remote, args: &[&str]) -> Run {
    run(gitsync(remote.repo.path())
        .arg("--repo")
        .arg(remote.url())
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig())
        .args(args))
}

/// Whether the namespace is gone or being deleted.
fn closing(cluster: &Cluster, ns: &str) -> bool {
    let r = kubectl(
        cluster,
        &[
            "get",
            "namespace",
            ns,
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ],
    );
    r.code != 0 || !r.stdout.is_empty()
}

/// gitsync's writes (not dry runs) to objects in `ns` after line `from`
/// of the audit log.
fn writes_in(log: &Path, from: usize, ns: &str) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .skip(from)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| {
            e["userAgent"]
                .as_str()
                .is_some_and(|ua| ua.starts_with(gitsync::cluster::USER_AGENT))
                && matches!(
                    e["verb"].as_str(),
                    Some("create" | "patch" | "update" | "delete")
                )
                && !e["requestURI"]
                    .as_str()
                    .is_some_and(|u| u.contains("dryRun="))
                // The watch's own write Lease and Events are not the
                // environment's objects.
                && !matches!(e["objectRef"]["resource"].as_str(), Some("leases" | "events"))
                && (e["objectRef"]["namespace"] == ns
                    || (e["objectRef"]["resource"] == "namespaces"
                        && e["objectRef"]["name"] == ns))
        })
        .map(|e| format!("{} {}", e["verb"], e["requestURI"]))
        .collect()
}

fn audit_lines(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

fn previews_follow_their_refs_and_leave_the_base_alone() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("previews");
    let base = ns.name.as_str();
    let entry = "    host: \"pr-${preview_number}.preview.test\"\n    resourceQuota: {hard: {configmaps: \"20\"}}\n";
    let remote = Remote::new(base, entry);
    let r = gs(cluster, &remote, &["sync"]);
    check!(r.code == 0, r, "the base environment syncs");
    let web = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {value: \"one\", ns: \"${preview_namespace}\", url: \"${preview_host}\"}\n";
    remote.pull(1, &[("app/web.yaml", web)]);
    remote.pull(2, &[("app/web.yaml", &cm("web", "two"))]);
    let (pr1, pr2) = (format!("{base}-pr-1"), format!("{base}-pr-2"));
    let _cleanup = [cluster.namespace_guard(&pr1), cluster.namespace_guard(&pr2)];
    let mark = audit_lines(&cluster.audit_log());

    // CI opens the first by hand.
    let r = gs(cluster, &remote, &["preview", "up", "refs/pull/1/head"]);
    check!(r.code == 0, r, "preview up exits 0 once healthy");
    for want in [
        pr1.as_str(),
        "Healthy",
        "https://pr-1.preview.test",
        "refs/pull/1/head",
    ] {
        check!(r.stdout.contains(want), r, "up prints {want:?}");
    }
    check!(
        value(cluster, &pr1, "web") == "one",
        r,
        "pull request 1's object"
    );
    let ns_var = kubectl(
        cluster,
        &[
            "get",
            "configmap",
            "web",
            "-n",
            &pr1,
            "-o",
            "jsonpath={.data.ns}",
        ],
    );
    check!(
        ns_var.stdout == pr1,
        ns_var,
        "${{preview_namespace}} substituted"
    );
    let quota = kubectl(
        cluster,
        &["get", "resourcequota", "gitsync-preview", "-n", &pr1],
    );
    check!(
        quota.code == 0,
        quota,
        "the entry's ResourceQuota is in the namespace"
    );

    // The namespace enforces Pod Security (baseline unless the entry
    // says otherwise): a pull request's privileged Pod is refused by the
    // API server itself.
    let pss = kubectl(
        cluster,
        &[
            "get",
            "namespace",
            &pr1,
            "-o",
            "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}",
        ],
    );
    check!(
        pss.stdout == "baseline",
        pss,
        "pod-security.kubernetes.io/enforce: baseline"
    );
    let privileged = "apiVersion: v1\nkind: Pod\nmetadata: {name: escape}\nspec:\n  containers:\n    - {name: c, image: busybox, securityContext: {privileged: true}}\n";
    remote.pull(3, &[("app/pod.yaml", privileged)]);
    let _pr3 = cluster.namespace_guard(&format!("{base}-pr-3"));
    let r = gs(cluster, &remote, &["preview", "up", "refs/pull/3/head"]);
    check!(
        r.code == 2 && r.stderr.contains("PodSecurity"),
        r,
        "a privileged Pod is refused"
    );
    remote.close(3);

    // The daemon opens the second, follows a push, closes a removed ref.
    let daemon = watch_previews(cluster, &remote);
    check!(
        within(Duration::from_secs(60), || value(cluster, &pr2, "web")
            == "two")
        .is_some(),
        daemon.as_run(),
        "watch --previews opens pull request 2"
    );
    let version = |ns: &str| {
        kubectl(
            cluster,
            &[
                "get",
                "configmap",
                "web",
                "-n",
                ns,
                "-o",
                "jsonpath={.metadata.resourceVersion}",
            ],
        )
        .stdout
    };
    let pr1_before = version(&pr1);
    remote.push_more(2, &[("app/web.yaml", &cm("web", "two-b"))]);
    check!(
        within(Duration::from_secs(60), || value(cluster, &pr2, "web")
            == "two-b")
        .is_some(),
        daemon.as_run(),
        "a push to pull request 2 updates its preview"
    );
    check!(
        version(&pr1) == pr1_before,
        daemon.as_run(),
        "pull request 1's preview is untouched"
    );
    remote.close(1);
    check!(
        within(Duration::from_secs(60), || closing(cluster, &pr1)).is_some(),
        daemon.as_run(),
        "a removed ref closes its preview"
    );
    drop(daemon);

    let r = gs(cluster, &remote, &["preview", "list", "-o", "json"]);
    check!(r.code == 0, r, "list exits 0");
    let rows: Value = serde_json::from_str(&r.stdout)?;
    let row = rows
        .as_array()
        .and_then(|a| a.iter().find(|r| r["reference"] == "refs/pull/2/head"))
        .ok_or("pull request 2 listed")?;
    check!(
        row["state"] == "open" && row["namespace"] == pr2.as_str() && row["health"] == "Healthy",
        r,
        "pull request 2 is open and healthy"
    );
    let r = gs(cluster, &remote, &["preview", "list", "-o", "markdown"]);
    check!(
        r.stdout.contains("| pr | `refs/pull/2/head` |"),
        r,
        "markdown table"
    );

    let r = gs(cluster, &remote, &["preview", "down", "refs/pull/2/head"]);
    check!(
        r.code == 0 && closing(cluster, &pr2),
        r,
        "preview down closes it"
    );
    let r = gs(cluster, &remote, &["preview", "down", "refs/pull/2/head"]);
    check!(
        r.code == 0 && r.stderr.contains("no preview"),
        r,
        "closing twice is fine"
    );

    check!(
        value(cluster, base, "web") == "main",
        r,
        "the base environment still runs main"
    );
    let base_writes = writes_in(&cluster.audit_log(), mark, base);
    check!(
        base_writes.is_empty(),
        r,
        "no write to the base namespace while previews ran: {base_writes:#?}"
    );
    Ok(())
}

fn a_preview_keeps_to_its_namespace_its_cap_and_its_ttl() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("preview-rules");
    let base = ns.name.as_str();
    let remote = Remote::new(base, "    max: 1\n    ttl: 30s\n");
    let names: Vec<String> = (1..=5).map(|n| format!("{base}-pr-{n}")).collect();
    let _cleanup: Vec<_> = names.iter().map(|n| cluster.namespace_guard(n)).collect();

    let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: preview-escape}\nrules: []\n";
    remote.pull(1, &[("app/role.yaml", role)]);
    let r = gs(cluster, &remote, &["preview", "up", "refs/pull/1/head"]);
    check!(
        r.code == 2
            && r.stderr.contains("ClusterRole preview-escape")
            && r.stderr.contains("app/role.yaml")
            && r.stderr.contains("cluster-scoped"),
        r,
        "a ClusterRole is refused, naming it and its file"
    );
    let elsewhere =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sneaky, namespace: default}\ndata: {}\n";
    remote.pull(2, &[("app/sneaky.yaml", elsewhere)]);
    let r = gs(cluster, &remote, &["preview", "up", "refs/pull/2/head"]);
    check!(
        r.code == 2
            && r.stderr.contains("default/sneaky")
            && r.stderr.contains("in namespace default"),
        r,
        "an object in another namespace is refused"
    );
    for n in &names[..2] {
        let got = kubectl(cluster, &["get", "namespace", n]);
        check!(
            got.code != 0,
            got,
            "a refused preview creates nothing ({n})"
        );
    }
    let sneaky = kubectl(cluster, &["get", "configmap", "sneaky", "-n", "default"]);
    check!(sneaky.code != 0, sneaky, "nothing was written to default");

    // max: 1.
    remote.pull(3, &[("app/web.yaml", &cm("web", "three"))]);
    remote.pull(4, &[("app/web.yaml", &cm("web", "four"))]);
    let r = gs(cluster, &remote, &["preview", "up", "refs/pull/3/head"]);
    check!(r.code == 0, r, "the first preview opens");
    let r = gs(cluster, &remote, &["preview", "up", "refs/pull/4/head"]);
    check!(
        r.code == 2 && r.stderr.contains("max 1"),
        r,
        "the second is refused: max 1"
    );

    // ttl: 30s, counted from the commit. An old commit never opens; the
    // open preview closes once its commit is older than that.
    remote.repo.git(&["checkout", "-q", "-B", "pr5", "main"]);
    remote.write_old(&[("app/web.yaml", &cm("web", "five"))]);
    let old = remote.repo.git(&["rev-parse", "HEAD"]);
    remote.repo.git(&["checkout", "-q", "main"]);
    remote.push(5, &old);
    // Someone else's object in the preview's namespace stops the close,
    // and nothing is deleted; once it is gone, the close goes ahead.
    let pr3 = names[2].as_str();
    let foreign = kubectl(cluster, &["create", "configmap", "theirs", "-n", pr3]);
    check!(foreign.code == 0, foreign, "a foreign ConfigMap");
    let r = gs(cluster, &remote, &["preview", "down", "refs/pull/3/head"]);
    check!(
        r.code == 2
            && r.stderr.contains("ConfigMap theirs")
            && !closing(cluster, pr3)
            && value(cluster, pr3, "web") == "three",
        r,
        "refused, naming it; the namespace and the preview's objects stay"
    );
    kubectl(cluster, &["delete", "configmap", "theirs", "-n", pr3]);
    let r = gs(cluster, &remote, &["preview", "down", "refs/pull/3/head"]);
    check!(r.code == 0 && closing(cluster, pr3), r, "then it closes");
    let r = gs(cluster, &remote, &["preview", "up", "refs/pull/5/head"]);
    check!(
        r.code == 2 && r.stderr.contains("older than the ttl"),
        r,
        "a commit past the ttl is not opened"
    );
    for n in [1, 2, 3, 5] {
        remote.close(n);
    }
    // A fresh commit, so the ttl starts now.
    remote.push_more(4, &[("app/web.yaml", &cm("web", "four"))]);
    let daemon = watch_previews(cluster, &remote);
    check!(
        within(Duration::from_secs(60), || value(cluster, &names[3], "web")
            == "four")
        .is_some(),
        daemon.as_run(),
        "once pull request 3 closed, the waiting one opens"
    );
    check!(
        within(Duration::from_secs(90), || closing(cluster, &names[3])).is_some(),
        daemon.as_run(),
        "it closes when its commit passes the ttl"
    );
    Ok(())
}

impl Remote {
    /// Commits `files` with an author date long past.
    fn write_old(&self, files: &[(&str, &str)]) {
        self.repo.write(files);
        self.repo.git(&["add", "-A"]);
        let when = "2000-01-01T00:00:00Z";
        self.repo.git(&[
            "-c",
            "user.name=Old",
            "commit",
            "-q",
            "-m",
            "old",
            "--date",
            when,
        ]);
    }
}
