//! `gitsync diff --base`: two revisions compared offline, as a pull
//! request from a fork runs it: no kubeconfig anywhere, no cluster.

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{GitRepo, TestResult, gitsync, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(three_targets_compared_with_no_kubeconfig_at_all),
        crate::trial!(a_pull_request_ref_of_a_remote_is_compared_with_its_base),
        crate::trial!(an_unknown_base_is_an_error),
    ]
}

const CONFIG: &str = "targets:
  - {name: a, path: a, cluster: {context: nowhere-a}}
  - {name: b, path: b, cluster: {context: nowhere-b}}
  - {name: c, path: c, cluster: {context: nowhere-c}}
";

fn cm(name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: shop}}\ndata: {{k: \"{value}\"}}\n"
    )
}

/// Three targets at `base`: a ConfigMap each, and a Secret in `a`. The
/// head changes `a` (a value and the Secret), adds an object to `b`,
/// leaves `c` alone and then drops target `c`'s own ConfigMap file for a
/// new one.
fn repository() -> GitRepo {
    let repo = GitRepo::new();
    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\nstringData: {password: hunter2}\n";
    repo.commit(
        &[
            ("gitsync.yaml", CONFIG),
            ("a/cm.yaml", &cm("cm-a", "1")),
            ("a/secret.yaml", secret),
            ("b/cm.yaml", &cm("cm-b", "1")),
            ("c/cm.yaml", &cm("cm-c", "1")),
        ],
        "base",
    );
    repo.git(&["branch", "base"]);
    repo.git(&["rm", "-q", "c/cm.yaml"]);
    repo.commit(
        &[
            ("a/cm.yaml", &cm("cm-a", "2")),
            ("a/secret.yaml", &secret.replace("hunter2", "hunter3")),
            ("b/new.yaml", &cm("new", "1")),
            ("c/other.yaml", &cm("other", "1")),
        ],
        "head",
    );
    repo
}

/// gitsync as a fork's CI job runs it: no KUBECONFIG, and a HOME with no
/// ~/.kube in it.
fn offline(repo: &GitRepo, home: &std::path::Path, args: &[&str]) -> crate::harness::Run {
    run(gitsync(repo.path()).env("HOME", home).args(args))
}

fn three_targets_compared_with_no_kubeconfig_at_all() -> TestResult {
    let repo = repository();
    let home = tempfile::tempdir()?;
    let r = offline(
        &repo,
        home.path(),
        &["diff", "--base", "base", "--all-targets"],
    );
    check!(r.code == 1, r, "changes exit 1");
    for line in [
        "# target a (",
        "~ v1 ConfigMap shop/cm-a",
        "~ v1 Secret shop/db",
        "+ v1 ConfigMap shop/new",
        "- v1 ConfigMap shop/cm-c",
        "+ v1 ConfigMap shop/other",
        "0 to create, 2 to update, 0 to delete, 0 unchanged",
        "1 to create, 0 to update, 0 to delete, 1 unchanged",
    ] {
        check!(r.stdout.contains(line), r, "stdout shows {line:?}");
    }
    check!(
        !r.stdout.contains("hunter") && !r.stderr.contains("hunter"),
        r,
        "no secret value printed"
    );

    let r = offline(
        &repo,
        home.path(),
        &["diff", "--base", "base", "--all-targets", "-o", "json"],
    );
    check!(r.code == 1, r, "json exit 1");
    let v: serde_json::Value = serde_json::from_str(&r.stdout)?;
    let reports = v.as_array().ok_or("an array, one per target")?;
    let summary = |t: &str| {
        reports
            .iter()
            .find(|r| r["target"] == t)
            .map(|r| r["summary"].clone())
    };
    check!(
        summary("b")
            == Some(
                serde_json::json!({"create": 1, "adopt": 0, "update": 0, "delete": 0, "unchanged": 1})
            ),
        r,
        "b's summary"
    );
    check!(
        reports.iter().all(|r| r["base"]["subject"] == "base"),
        r,
        "each report names its base commit"
    );

    let r = offline(
        &repo,
        home.path(),
        &["diff", "--base", "base", "--target", "c", "-o", "markdown"],
    );
    check!(
        r.code == 1 && r.stdout.contains("### gitsync diff: `c` from `"),
        r,
        "markdown names base and head"
    );

    // The head against itself: nothing to say, exit 0.
    let r = offline(
        &repo,
        home.path(),
        &["diff", "--base", "HEAD", "--all-targets"],
    );
    check!(
        r.code == 0
            && r.stdout
                .contains("0 to create, 0 to update, 0 to delete, 2 unchanged"),
        r,
        "no changes exit 0"
    );
    Ok(())
}

/// The ref a forge keeps for a pull request, read from a bare remote.
fn a_pull_request_ref_of_a_remote_is_compared_with_its_base() -> TestResult {
    let repo = repository();
    let remote = tempfile::tempdir()?;
    let bare = remote.path().join("shop.git");
    repo.git(&["clone", "-q", "--bare", ".", bare.to_str().unwrap()]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&[
        "--git-dir",
        bare.to_str().unwrap(),
        "update-ref",
        "refs/pull/1/head",
        &head,
    ]);
    repo.git(&[
        "--git-dir",
        bare.to_str().unwrap(),
        "update-ref",
        "refs/heads/main",
        "base",
    ]);
    let home = tempfile::tempdir()?;
    let url = format!("file://{}", bare.display());
    let r = offline(
        &repo,
        home.path(),
        &[
            "diff",
            "--repo",
            &url,
            "--revision",
            "refs/pull/1/head",
            "--base",
            "main",
            "--target",
            "b",
        ],
    );
    check!(
        r.code == 1 && r.stdout.contains("+ v1 ConfigMap shop/new"),
        r,
        "the pull request's change"
    );
    Ok(())
}

fn an_unknown_base_is_an_error() -> TestResult {
    let repo = repository();
    let home = tempfile::tempdir()?;
    let r = offline(
        &repo,
        home.path(),
        &["diff", "--base", "no-such-branch", "--all-targets"],
    );
    check!(
        r.code == 2 && r.stderr.contains("no-such-branch") && r.stdout.is_empty(),
        r,
        "exit 2 naming the revision"
    );
    Ok(())
}
