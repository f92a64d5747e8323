//! `gitsync watch` when things around it go wrong: a gitsync.yaml that
//! declares no targets. Each a real daemon process on the local cluster.

use std::time::Duration;

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, configmap_value};
use crate::multi::configmap;
use crate::watch::{Daemon, within};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(an_empty_target_list_is_an_error_at_start_and_a_warning_later),
    ]
}

fn one_target(ns: &str) -> String {
    format!("targets:\n  - name: app\n    path: app\n    namespace: {ns}\n")
}

/// `targets: []` used to panic `watch --all-targets --leader-elect` (an
/// index out of bounds, exit 101) at every start. Now: exit 2 naming
/// gitsync.yaml at start, and a running daemon that sees the list emptied
/// warns, keeps running and follows the next commit that adds a target.
fn an_empty_target_list_is_an_error_at_start_and_a_warning_later() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("empty-targets");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("gitsync.yaml", "targets: []\n")], "no targets");
    let args = ["--all-targets", "--leader-elect", "--interval", "1s"];
    let mut daemon = Daemon::start(cluster.kubeconfig(), &repo, n, &args);
    let mut code = None;
    within(Duration::from_secs(30), || {
        code = daemon.child.try_wait().ok().flatten().map(|s| s.code());
        code.is_some()
    });
    let log = daemon.log();
    let r = Run {
        code: code.flatten().unwrap_or(-1),
        stdout: String::new(),
        stderr: log.clone(),
    };
    check!(code == Some(Some(2)), r, "exit 2 at start");
    check!(
        log.contains("gitsync.yaml declares no targets") && !log.contains("panicked"),
        r,
        "a clear error naming gitsync.yaml, no panic"
    );

    // Running: the list becomes empty, then a target comes back.
    repo.commit(
        &[
            ("gitsync.yaml", &one_target(n)),
            ("app/cm.yaml", &configmap("app", "one")),
        ],
        "a target",
    );
    let mut daemon = Daemon::start(cluster.kubeconfig(), &repo, n, &args);
    check!(
        within(Duration::from_secs(30), || configmap_value(
            cluster, n, "app"
        ) == "one")
        .is_some(),
        daemon.as_run(),
        "first sync"
    );
    repo.commit(&[("gitsync.yaml", "targets: []\n")], "no targets");
    check!(
        within(Duration::from_secs(20), || daemon
            .log()
            .contains("declares no targets any more"))
        .is_some(),
        daemon.as_run(),
        "a warning once the list is empty"
    );
    check!(
        daemon.child.try_wait().ok().flatten().is_none() && daemon.get("/healthz").0 == 200,
        daemon.as_run(),
        "still running"
    );
    check!(
        configmap_value(cluster, n, "app") == "one",
        daemon.as_run(),
        "the target's objects stay"
    );
    repo.commit(
        &[
            ("gitsync.yaml", &one_target(n)),
            ("app/cm.yaml", &configmap("app", "two")),
        ],
        "the target is back",
    );
    check!(
        within(Duration::from_secs(30), || configmap_value(
            cluster, n, "app"
        ) == "two")
        .is_some(),
        daemon.as_run(),
        "the target that came back is synced"
    );
    check!(
        daemon.stop() == Some(0),
        Run::default(),
        "exit 0 on SIGTERM"
    );
    Ok(())
}

