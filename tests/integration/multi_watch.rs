//! `gitsync watch` over several targets on two local clusters: one process
//! syncing both (a pinned one too), and two replicas that split the
//! targets between them and take over from each other.

use std::time::Duration;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{Cluster, Run, TestResult, kubectl};
use crate::multi::{Two, config, configmap};
use crate::watch::{Daemon, within};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(one_daemon_syncs_every_target_and_follows_a_pin),
        crate::trial!(two_replicas_split_the_targets_and_survive_one_dying),
    ]
}

/// `gitsync watch --all-targets` on both clusters, with `extra` flags.
fn watch(two: &Two, extra: &[&str]) -> Daemon {
    let url = format!("file://{}", two.repo.path().display());
    let mut args = vec!["--repo", url.as_str(), "--all-targets", "--interval", "1s"];
    args.extend_from_slice(extra);
    Daemon::spawn(&args, &[("KUBECONFIG", two.kubeconfig())])
}

fn one_daemon_syncs_every_target_and_follows_a_pin() -> TestResult {
    let two = Two::new("watch-multi")?;
    two.release_2_with_prod_pinned_to_v1();
    let daemon = watch(&two, &[]);
    let both = |staging: &str, prod: &str| {
        two.value(false, "app").as_deref() == Some(staging)
            && two.value(true, "app").as_deref() == Some(prod)
    };
    check!(
        within(Duration::from_secs(60), || both("staging-2", "prod-1")).is_some(),
        daemon.as_run(),
        "staging follows HEAD, prod stays on its pin v1"
    );
    let metrics = daemon.get("/metrics").1;
    for want in [
        r#"gitsync_syncs_total{target="staging",result="success"} 1"#,
        r#"gitsync_syncs_total{target="prod",result="success"} 1"#,
    ] {
        check!(
            metrics.lines().any(|l| l == want),
            daemon.as_run(),
            "metrics per target: {want}"
        );
    }
    check!(
        daemon.get("/readyz").0 == 200,
        daemon.as_run(),
        "ready once both targets synced"
    );
    // A commit that touches only staging, then promotion: the pin moves
    // to a new tag in gitsync.yaml.
    two.repo.commit(
        &[("staging/app.yaml", &configmap("app", "staging-3"))],
        "release 3",
    );
    check!(
        within(Duration::from_secs(30), || both("staging-3", "prod-1")).is_some(),
        daemon.as_run(),
        "a new commit reaches staging only"
    );
    two.repo.git(&["tag", "-a", "v2", "-m", "v2"]);
    let promoted = config(&two.staging.name, &two.prod.name, "    revision: v2\n");
    two.repo
        .commit(&[("gitsync.yaml", &promoted)], "promote v2 to prod");
    check!(
        within(Duration::from_secs(30), || both("staging-3", "prod-2")).is_some(),
        daemon.as_run(),
        "moving prod's pin syncs prod to the new revision"
    );
    // A target added to gitsync.yaml is watched without a restart; one
    // removed is no longer watched, and its objects stay.
    let extra = Cluster::shared()?.namespace("watch-multi-extra");
    let with_extra = format!(
        "{promoted}  - name: extra\n    path: extra\n    namespace: {}\n    cluster: {{context: local}}\n",
        extra.name
    );
    two.repo.commit(
        &[
            ("gitsync.yaml", &with_extra),
            ("extra/app.yaml", &configmap("app", "extra-1")),
        ],
        "a third target",
    );
    let extra_value =
        || crate::harness::configmap_value(Cluster::shared().unwrap(), &extra.name, "app");
    check!(
        within(Duration::from_secs(30), || extra_value() == "extra-1").is_some(),
        daemon.as_run(),
        "the new target is synced"
    );
    two.repo
        .commit(&[("gitsync.yaml", &promoted)], "drop the third target");
    check!(
        within(Duration::from_secs(30), || {
            !daemon.get("/metrics").1.contains(r#"target="extra""#)
        })
        .is_some(),
        daemon.as_run(),
        "the removed target is no longer watched"
    );
    check!(
        extra_value() == "extra-1",
        daemon.as_run(),
        "and its objects stay"
    );
    check!(
        daemon.stop() == Some(0),
        Run::default(),
        "exit 0 on SIGTERM"
    );
    Ok(())
}

/// Who holds each target's Lease: (staging's holder, prod's holder).
fn holders(two: &Two) -> (Option<String>, Option<String>) {
    let holder = |cluster: &Cluster, ns: &str| {
        let r = kubectl(cluster, &["get", "lease", "-n", ns, "-o", "json"]);
        let v: Value = serde_json::from_str(&r.stdout).ok()?;
        v["items"]
            .as_array()?
            .iter()
            .find(|l| {
                let name = l["metadata"]["name"].as_str().unwrap_or_default();
                name.starts_with("gitsync-")
                    && !name.starts_with("gitsync-replica-")
                    && !name.ends_with("-write")
            })
            .and_then(|l| l["spec"]["holderIdentity"].as_str())
            .filter(|h| !h.is_empty())
            .map(str::to_string)
    };
    (
        Cluster::shared()
            .ok()
            .and_then(|c| holder(c, &two.staging.name)),
        Cluster::second()
            .ok()
            .and_then(|c| holder(c, &two.prod.name)),
    )
}

/// The replica whose identity ends with `id` holds both targets' Leases.
fn leads_both(two: &Two, id: &str) -> bool {
    let (s, p) = holders(two);
    s.is_some_and(|s| s.ends_with(id)) && p.is_some_and(|p| p.ends_with(id))
}

fn two_replicas_split_the_targets_and_survive_one_dying() -> TestResult {
    let two = Two::new("watch-split")?;
    two.repo.commit(&[], "release 1");
    let args = ["--leader-elect", "--name", "split"];
    // a starts alone and takes both targets; b joins later, as in a
    // rolling update, and a hands one over.
    let a = watch(&two, &args);
    let a_id = format!("-{}", a.child.id());
    check!(
        within(Duration::from_secs(60), || leads_both(&two, &a_id)).is_some(),
        a.as_run(),
        "alone, a replica leads every target: {:?}",
        holders(&two)
    );
    let b = watch(&two, &args);
    let b_id = format!("-{}", b.child.id());
    let split = || match holders(&two) {
        (Some(s), Some(p)) => {
            (s.ends_with(&a_id) && p.ends_with(&b_id)) || (s.ends_with(&b_id) && p.ends_with(&a_id))
        }
        _ => false,
    };
    let logs = || Run {
        code: 0,
        stdout: a.log(),
        stderr: b.log(),
    };
    check!(
        within(Duration::from_secs(60), split).is_some(),
        logs(),
        "once b joined, each replica leads one target: {:?}",
        holders(&two)
    );
    check!(
        within(Duration::from_secs(30), || {
            two.value(false, "app").as_deref() == Some("staging-1")
                && two.value(true, "app").as_deref() == Some("prod-1")
        })
        .is_some(),
        logs(),
        "both targets synced"
    );
    check!(
        a.get("/readyz").0 == 200 && b.get("/readyz").0 == 200,
        logs(),
        "both replicas ready: leading one, standing by for the other"
    );
    // a dies without giving anything up: b takes its target once a's
    // Leases expire, and syncs the next commit everywhere.
    let mut a = a;
    let _ = a.child.kill();
    let _ = a.child.wait();
    check!(
        within(Duration::from_secs(60), || leads_both(&two, &b_id)).is_some(),
        b.as_run(),
        "the survivor leads both targets: {:?}",
        holders(&two)
    );
    two.repo.commit(
        &[
            ("staging/app.yaml", &configmap("app", "staging-2")),
            ("prod/app.yaml", &configmap("app", "prod-2")),
        ],
        "release 2",
    );
    check!(
        within(Duration::from_secs(30), || {
            two.value(false, "app").as_deref() == Some("staging-2")
                && two.value(true, "app").as_deref() == Some("prod-2")
        })
        .is_some(),
        b.as_run(),
        "the survivor syncs both targets"
    );
    check!(b.stop() == Some(0), Run::default(), "exit 0 on SIGTERM");
    // b removed its membership on the way out, and a's (it died holding
    // it) was removed by b once expired: nothing piles up.
    let memberships = || {
        let r = kubectl(
            Cluster::shared().unwrap(),
            &["get", "lease", "-n", &two.staging.name, "-o", "name"],
        );
        r.stdout
            .lines()
            .filter(|l| l.contains("gitsync-replica-"))
            .count()
    };
    check!(
        memberships() == 0,
        Run::default(),
        "no membership Lease left: {}",
        memberships()
    );
    Ok(())
}
