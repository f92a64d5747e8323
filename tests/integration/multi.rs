//! Several targets on two local clusters at once (contexts `local` and
//! `second`, merged through KUBECONFIG=a:b as a user would): concurrent
//! diff and sync, a broken target beside a working one, pinned revisions.

use std::ffi::OsString;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestNamespace, TestResult, gitsync, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(diff_and_sync_two_targets_on_two_clusters),
        crate::trial!(an_unreachable_cluster_does_not_stop_the_other_target),
        crate::trial!(invalid_manifests_fail_their_target_only),
        crate::trial!(a_pinned_target_stays_on_its_tag_while_head_moves),
        crate::trial!(status_in_text_json_and_markdown),
        crate::trial!(promote_refuses_an_unhealthy_staging),
        crate::trial!(promote_refuses_drift_a_short_soak_and_uncommitted_edits),
        crate::trial!(promote_commits_the_revision_staging_runs),
        crate::trial!(the_environments_example_renders_each_overlay),
    ]
}

/// A repository with targets `staging` (cluster `local`) and `prod`
/// (cluster `second`), each in a fresh namespace of its cluster.
pub struct Two {
    pub repo: GitRepo,
    pub staging: TestNamespace,
    pub prod: TestNamespace,
    /// Extra kubeconfig files after the two clusters'.
    pub extra: Vec<std::path::PathBuf>,
}

pub fn config(staging: &str, prod: &str, prod_extra: &str) -> String {
    format!(
        "targets:\n  - name: staging\n    path: staging\n    namespace: {staging}\n    cluster: {{context: local}}\n  - name: prod\n    path: prod\n    namespace: {prod}\n    cluster: {{context: second}}\n{prod_extra}"
    )
}

pub fn configmap(name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: {value:?}\n"
    )
}

impl Two {
    pub fn new(test: &str) -> Result<Two, libtest_mimic::Failed> {
        let (local, second) = (Cluster::shared()?, Cluster::second()?);
        let staging = local.namespace(test);
        let prod = second.namespace(test);
        let repo = GitRepo::new();
        repo.write(&[
            ("gitsync.yaml", &config(&staging.name, &prod.name, "")),
            ("staging/app.yaml", &configmap("app", "staging-1")),
            ("prod/app.yaml", &configmap("app", "prod-1")),
        ]);
        Ok(Two {
            repo,
            staging,
            prod,
            extra: Vec::new(),
        })
    }

    /// KUBECONFIG naming both clusters (and any extra files).
    pub fn kubeconfig(&self) -> OsString {
        let mut files = vec![
            Cluster::shared().unwrap().kubeconfig().to_path_buf(),
            Cluster::second().unwrap().kubeconfig().to_path_buf(),
        ];
        files.extend(self.extra.iter().cloned());
        std::env::join_paths(files).unwrap()
    }

    pub fn gitsync(&self, args: &[&str]) -> Run {
        run(gitsync(self.repo.path())
            .env("KUBECONFIG", self.kubeconfig())
            .args(["--no-progress"])
            .args(args))
    }

    /// Release 1 (tagged v1), then release 2 with prod pinned to v1 in
    /// gitsync.yaml; returns v1's commit.
    pub fn release_2_with_prod_pinned_to_v1(&self) -> String {
        let v1 = self.repo.commit(&[], "release 1");
        self.repo.git(&["tag", "-a", "v1", "-m", "v1"]);
        let pinned = config(&self.staging.name, &self.prod.name, "    revision: v1\n");
        self.repo.commit(
            &[
                ("gitsync.yaml", &pinned),
                ("staging/app.yaml", &configmap("app", "staging-2")),
                ("prod/app.yaml", &configmap("app", "prod-2")),
            ],
            "release 2, prod pinned to v1",
        );
        v1
    }

    /// `data.value` of ConfigMap `name` in the target's cluster, if any.
    pub fn value(&self, prod: bool, name: &str) -> Option<String> {
        let (cluster, ns) = if prod {
            (Cluster::second().unwrap(), &self.prod.name)
        } else {
            (Cluster::shared().unwrap(), &self.staging.name)
        };
        let r =
            crate::harness::kubectl(cluster, &["get", "configmap", name, "-n", ns, "-o", "json"]);
        let v: Value = serde_json::from_str(&r.stdout).ok()?;
        v["data"]["value"].as_str().map(str::to_string)
    }

    /// The ApplySet parent's record of the target (`data` of the
    /// ConfigMap gitsync keeps it in).
    pub fn record(&self, prod: bool) -> Option<Value> {
        let (cluster, ns) = if prod {
            (Cluster::second().unwrap(), &self.prod.name)
        } else {
            (Cluster::shared().unwrap(), &self.staging.name)
        };
        let r = crate::harness::kubectl(cluster, &["get", "configmap", "-n", ns, "-o", "json"]);
        let v: Value = serde_json::from_str(&r.stdout).ok()?;
        v["items"]
            .as_array()?
            .iter()
            .find(|cm| cm["data"]["syncedAt"].is_string())
            .map(|cm| cm["data"].clone())
    }
}

fn diff_and_sync_two_targets_on_two_clusters() -> TestResult {
    let two = Two::new("multi-two")?;
    two.repo.commit(&[], "two targets");
    let r = two.gitsync(&["diff", "--all-targets"]);
    check!(r.code == 1, r, "diff: changes in both");
    for want in ["# target staging", "# target prod", "+ v1 ConfigMap"] {
        check!(r.stdout.contains(want), r, "diff names {want:?}");
    }
    let r = two.gitsync(&["sync", "--all-targets", "--parallel-targets", "2"]);
    check!(r.code == 0, r, "sync both");
    check!(
        r.stdout.contains("# target staging") && r.stdout.contains("# target prod"),
        r,
        "sync report grouped by target"
    );
    check!(
        two.value(false, "app").as_deref() == Some("staging-1"),
        r,
        "staging cluster has staging's object"
    );
    check!(
        two.value(true, "app").as_deref() == Some("prod-1"),
        r,
        "prod cluster has prod's object"
    );
    check!(
        two.value(true, "app").is_some() && two.value(false, "app") != two.value(true, "app"),
        r,
        "each cluster its own"
    );
    let r = two.gitsync(&[
        "diff", "--target", "staging", "--target", "prod", "-o", "json",
    ]);
    check!(r.code == 0, r, "nothing left to change");
    let v: Value = serde_json::from_str(&r.stdout)?;
    let names: Vec<&str> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["target"].as_str())
        .collect();
    check!(
        names == ["staging", "prod"],
        r,
        "one JSON report per target, in order: {names:?}"
    );
    // One target alone prints as before: no title.
    let r = two.gitsync(&["diff", "--target", "prod"]);
    check!(
        r.code == 0 && !r.stdout.contains("# target"),
        r,
        "single target output unchanged"
    );
    Ok(())
}

/// A kubeconfig whose context `gone` points at a port nobody listens on.
fn unreachable_kubeconfig(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("gone.kubeconfig");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: gone\n  user: {token: nothing}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: gone}\n",
    )
    .unwrap();
    path
}

fn an_unreachable_cluster_does_not_stop_the_other_target() -> TestResult {
    let mut two = Two::new("multi-gone")?;
    let kc_dir = tempfile::tempdir()?;
    two.extra.push(unreachable_kubeconfig(kc_dir.path()));
    two.repo
        .edit("gitsync.yaml", "context: second", "context: gone");
    two.repo.commit(&[], "prod on a cluster that is gone");
    let r = two.gitsync(&["sync", "--all-targets", "--request-timeout", "5s"]);
    check!(r.code == 2, r, "exit 2: a target failed");
    check!(
        two.value(false, "app").as_deref() == Some("staging-1"),
        r,
        "staging synced anyway"
    );
    check!(r.stdout.contains("# target staging"), r, "staging's report");
    check!(
        r.stdout.contains("# target prod\nFAILED: "),
        r,
        "prod named as failed"
    );
    check!(
        r.stdout.contains("127.0.0.1:1"),
        r,
        "why: the server it could not reach"
    );
    check!(
        r.stderr.contains("1 of the targets failed: prod"),
        r,
        "stderr says which"
    );
    let r = two.gitsync(&[
        "diff",
        "--all-targets",
        "-o",
        "json",
        "--request-timeout",
        "5s",
    ]);
    check!(r.code == 2, r, "diff: exit 2 too");
    let v: Value = serde_json::from_str(&r.stdout)?;
    check!(
        v[0]["target"] == "staging" && v[0]["summary"]["unchanged"] == 1,
        r,
        "staging's plan"
    );
    check!(
        v[1]["target"] == "prod" && v[1]["error"].is_string(),
        r,
        "prod's error in the JSON"
    );
    let r = two.gitsync(&[
        "diff",
        "--all-targets",
        "-o",
        "markdown",
        "--request-timeout",
        "5s",
    ]);
    check!(
        r.stdout.contains("### gitsync: `prod` failed"),
        r,
        "markdown names it"
    );
    Ok(())
}

fn invalid_manifests_fail_their_target_only() -> TestResult {
    let two = Two::new("multi-invalid")?;
    two.repo.commit(
        &[(
            "prod/app.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
        )],
        "broken prod",
    );
    let r = two.gitsync(&["sync", "--all-targets"]);
    check!(r.code == 2, r, "exit 2");
    check!(
        two.value(false, "app").as_deref() == Some("staging-1"),
        r,
        "staging synced"
    );
    check!(
        two.value(true, "app").is_none(),
        r,
        "prod's cluster untouched"
    );
    check!(
        r.stdout
            .contains("# target prod\nFAILED: validating target prod"),
        r,
        "prod failed, and why"
    );
    check!(r.stdout.contains("app.yaml"), r, "names the file");
    Ok(())
}

fn a_pinned_target_stays_on_its_tag_while_head_moves() -> TestResult {
    let two = Two::new("multi-pin")?;
    let v1 = two.release_2_with_prod_pinned_to_v1();
    let r = two.gitsync(&["sync", "--all-targets"]);
    check!(r.code == 0, r, "sync");
    check!(
        two.value(false, "app").as_deref() == Some("staging-2"),
        r,
        "staging follows HEAD"
    );
    check!(
        two.value(true, "app").as_deref() == Some("prod-1"),
        r,
        "prod stays on v1"
    );
    let record = two.record(true).unwrap_or_default();
    check!(
        record["revision"] == v1.as_str(),
        r,
        "prod's parent records v1's commit: {record}"
    );
    check!(
        record["subject"] == "release 1",
        r,
        "and its subject: {record}"
    );
    let r = two.gitsync(&["render", "--target", "prod"]);
    check!(
        r.stdout.contains(&format!("is pinned to v1 ({v1})")) && r.stdout.contains("prod-1"),
        r,
        "render says the pin"
    );
    Ok(())
}

fn status_in_text_json_and_markdown() -> TestResult {
    let two = Two::new("multi-status")?;
    let first = two.repo.commit(&[], "first release");
    two.repo.git(&["tag", "v1"]);
    let config = config(&two.staging.name, &two.prod.name, "    revision: v1\n");
    let r = two.gitsync(&["status", "--all-targets"]);
    check!(
        r.code == 0 && r.stdout.matches("synced:   never").count() == 2,
        r,
        "never synced"
    );
    let second = two.repo.commit(&[("gitsync.yaml", &config)], "pin prod");
    let r = two.gitsync(&["sync", "--all-targets"]);
    check!(r.code == 0, r, "sync");
    // Staging's Git moves on; someone edits prod's object by hand.
    let third = two.repo.commit(
        &[("staging/app.yaml", &configmap("app", "staging-3"))],
        "third",
    );
    let kc = Cluster::second()?;
    let e = crate::harness::kubectl(
        kc,
        &[
            "patch",
            "configmap",
            "app",
            "-n",
            &two.prod.name,
            "-p",
            r#"{"data":{"value":"by hand"}}"#,
        ],
    );
    check!(e.code == 0, e, "kubectl patch");

    let r = two.gitsync(&["status", "--all-targets"]);
    check!(r.code == 0, r, "status exits 0");
    let (short2, short1, short3) = (&second[..7], &first[..7], &third[..7]);
    for want in [
        "# target staging (context local, https://127.0.0.1:".to_string(),
        format!(
            "  synced:   {short2} \"pin prod\" by Test Author <author@example.com>, committed "
        ),
        "  health:   1 healthy\n".to_string(),
        "  drift:    0 objects\n".to_string(),
        format!("  git:      ahead: {short3} is not synced yet"),
        "# target prod (context second,".to_string(),
        "  pinned:   v1\n".to_string(),
        format!("  synced:   {short1} \"first release\""),
        "  drift:    1 object\n".to_string(),
        "  git:      up to date".to_string(),
    ] {
        check!(r.stdout.contains(&want), r, "text shows {want:?}");
    }
    let r = two.gitsync(&["status", "--all-targets", "-o", "json"]);
    check!(r.code == 0, r, "json");
    let v: Value = serde_json::from_str(&r.stdout)?;
    check!(
        v[0]["target"] == "staging" && v[0]["context"] == "local",
        r,
        "staging"
    );
    check!(
        v[0]["synced"]["revision"] == second.as_str() && v[0]["gitAhead"] == true,
        r,
        "staging: synced and behind Git"
    );
    check!(
        v[0]["synced"]["author"] == "Test Author <author@example.com>"
            && v[0]["synced"]["syncedAt"].is_string(),
        r,
        "author and time"
    );
    check!(
        v[0]["health"]["healthy"] == 1 && v[0]["drift"] == 0,
        r,
        "staging healthy, no drift"
    );
    check!(
        v[1]["pinned"] == "v1" && v[1]["current"] == first.as_str() && v[1]["gitAhead"] == false,
        r,
        "prod: pinned, up to date"
    );
    check!(v[1]["drift"] == 1, r, "prod drifted");
    let r = two.gitsync(&["status", "--target", "prod", "-o", "markdown"]);
    check!(r.code == 0, r, "markdown");
    check!(
        r.stdout.contains("| target | context | pinned | synced |"),
        r,
        "table head"
    );
    check!(
        r.stdout.contains(&format!(
            "| `prod` | `second` | `v1` | `{short1}` | Test Author <author@example.com> |"
        )),
        r,
        "prod's row"
    );
    Ok(())
}

/// `Two` with a committer configured in the repository, as promote's
/// commit takes it from git config, and staging synced.
pub(crate) fn promotable(
    test: &str,
    staging: &str,
) -> Result<(Two, String), libtest_mimic::Failed> {
    let two = Two::new(test)?;
    two.repo.git(&["config", "user.name", "Pro Moter"]);
    two.repo
        .git(&["config", "user.email", "promoter@example.com"]);
    let config = config(
        &two.staging.name,
        &two.prod.name,
        "    revision: main # released by hand\n",
    );
    two.repo
        .commit(&[("gitsync.yaml", &config)], "prod on main");
    let sha = two
        .repo
        .commit(&[("staging/app.yaml", staging)], "staging changes");
    Ok((two, sha))
}

fn head(two: &Two) -> String {
    two.repo.git(&["rev-parse", "HEAD"])
}

fn promote_refuses_an_unhealthy_staging() -> TestResult {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crash\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: crash}}\n  template:\n    metadata: {labels: {app: crash}}\n    spec: {containers: [{name: main, image: gitsync.test/fail:v1}]}\n";
    let (two, _) = promotable("promote-unhealthy", deployment)?;
    let r = two.gitsync(&["sync", "--target", "staging", "--timeout", "3s"]);
    check!(r.code == 3, r, "staging applied, not healthy");
    let before = head(&two);
    let r = two.gitsync(&["promote", "--from", "staging", "--to", "prod"]);
    check!(r.code == 2, r, "refused");
    check!(
        r.stderr
            .contains("not promoting staging to prod: target staging is not healthy")
            && r.stderr
                .contains(&format!("apps/v1 Deployment {}/crash", two.staging.name)),
        r,
        "says why, naming the object"
    );
    check!(head(&two) == before, r, "no commit");
    Ok(())
}

fn promote_refuses_drift_a_short_soak_and_uncommitted_edits() -> TestResult {
    let (two, _) = promotable("promote-refuse", &configmap("app", "staging-2"))?;
    let r = two.gitsync(&["sync", "--target", "staging"]);
    check!(r.code == 0, r, "sync staging");
    let before = head(&two);
    let r = two.gitsync(&[
        "promote", "--from", "staging", "--to", "prod", "--soak", "1h",
    ]);
    check!(
        r.code == 2 && r.stderr.contains("less than the soak time of 3600s ago"),
        r,
        "not soaked"
    );
    two.repo
        .edit("gitsync.yaml", "# released by hand", "# edited");
    let r = two.gitsync(&["promote", "--from", "staging", "--to", "prod"]);
    check!(
        r.code == 2 && r.stderr.contains("gitsync.yaml has uncommitted changes"),
        r,
        "uncommitted edit"
    );
    two.repo.git(&["checkout", "gitsync.yaml"]);
    let url = format!("file://{}", two.repo.path().display());
    let r = two.gitsync(&[
        "promote", "--from", "staging", "--to", "prod", "--repo", &url,
    ]);
    check!(
        r.code == 2 && r.stderr.contains("is a URL"),
        r,
        "a URL is refused"
    );
    let e = crate::harness::kubectl(
        Cluster::shared()?,
        &[
            "patch",
            "configmap",
            "app",
            "-n",
            &two.staging.name,
            "-p",
            r#"{"data":{"value":"by hand"}}"#,
        ],
    );
    check!(e.code == 0, e, "kubectl patch");
    let r = two.gitsync(&["promote", "--from", "staging", "--to", "prod"]);
    check!(
        r.code == 2
            && r.stderr
                .contains("target staging has drifted from its synced revision (1 object"),
        r,
        "drifted"
    );
    check!(head(&two) == before, r, "no commit from any refusal");
    Ok(())
}

fn promote_commits_the_revision_staging_runs() -> TestResult {
    let (two, sha) = promotable("promote-ok", &configmap("app", "staging-2"))?;
    let r = two.gitsync(&["sync", "--target", "staging"]);
    check!(r.code == 0, r, "sync staging");
    let before = head(&two);
    let expected = std::fs::read_to_string(two.repo.path().join("gitsync.yaml"))?.replace(
        "    revision: main # released by hand\n",
        &format!("    revision: \"{sha}\"\n"),
    );
    let r = two.gitsync(&["promote", "--from", "staging", "--to", "prod", "--dry-run"]);
    check!(r.code == 0, r, "dry run");
    check!(
        r.stdout.contains("-    revision: main # released by hand")
            && r.stdout.contains(&format!("+    revision: \"{sha}\"")),
        r,
        "prints the change"
    );
    check!(
        r.stdout.contains(&format!(
            "would commit:\n\nPromote {} from staging to prod",
            &sha[..12]
        )),
        r,
        "and the message"
    );
    check!(head(&two) == before, r, "dry run commits nothing");
    let r = two.gitsync(&[
        "promote", "--from", "staging", "--to", "prod", "--soak", "0s",
    ]);
    check!(r.code == 0, r, "promoted");
    let new = head(&two);
    check!(
        new != before && two.repo.git(&["rev-parse", "HEAD~1"]) == before,
        r,
        "one new commit on HEAD"
    );
    check!(
        two.repo.git(&["show", "HEAD:gitsync.yaml"]) == expected.trim_end(),
        r,
        "the commit's gitsync.yaml: only prod's revision changed"
    );
    let message = two.repo.git(&["log", "-1", "--format=%an <%ae>%n%B"]);
    check!(
        message.starts_with(&format!(
            "Pro Moter <promoter@example.com>\nPromote {} from staging to prod\n\n",
            &sha[..12]
        )),
        r,
        "author from git config, message says what and where: {message}"
    );
    check!(
        message.contains("staging changes") && message.contains("healthy and without drift"),
        r,
        "message: {message}"
    );
    let porcelain = two.repo.git(&["status", "--porcelain"]);
    check!(
        porcelain.is_empty(),
        r,
        "work tree and index match the commit: {porcelain}"
    );
    let events = crate::events::events(Cluster::shared()?, &two.staging.name)?;
    check!(
        events
            .iter()
            .any(|(_, reason, note, _)| reason == "Promoted"
                && note.starts_with(&format!(
                    "{} promoted from staging to prod by commit",
                    &sha[..12]
                ))),
        r,
        "a Promoted event on staging's parent: {events:?}"
    );
    let r = two.gitsync(&["sync", "--target", "prod"]);
    check!(
        r.code == 0 && two.value(true, "app").as_deref() == Some("prod-1"),
        r,
        "prod now syncs the promoted commit"
    );
    let record = two.record(true).unwrap_or_default();
    check!(
        record["revision"] == sha.as_str(),
        r,
        "prod records it: {record}"
    );
    let r = two.gitsync(&["promote", "--from", "staging", "--to", "prod"]);
    check!(
        r.code == 0 && r.stdout.contains("already at"),
        r,
        "promoting again changes nothing"
    );
    check!(head(&two) == new, r, "no second commit");
    Ok(())
}

/// fixtures/environments, the README's example: one base, an overlay per
/// environment, prod pinned.
fn the_environments_example_renders_each_overlay() -> TestResult {
    let tools = crate::harness::render_tools()?;
    let repo = GitRepo::new();
    repo.copy_fixture("environments", ".");
    repo.commit(&[], "environments");
    let r = run(gitsync(repo.path())
        .env("PATH", crate::harness::path_with(&tools))
        .args(["render", "--all-targets"]));
    check!(r.code == 0, r, "renders");
    check!(
        r.stdout.contains("# Target prod is pinned to main ("),
        r,
        "prod's pin"
    );
    for want in [
        "namespace: shop-staging",
        "log-level: debug",
        "namespace: shop-prod",
        "log-level: warn",
        "replicas: 3",
    ] {
        check!(r.stdout.contains(want), r, "renders {want:?}");
    }
    Ok(())
}
