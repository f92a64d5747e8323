//! `gitsync drift` against the local cluster.

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, TestResult, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(drift_names_each_change_and_who_made_it),
        crate::trial!(never_synced_target_is_an_error),
    ]
}

fn drift_names_each_change_and_who_made_it() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("drift");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.copy_fixture_with("diff", ".", &[("__NS__", n)]);
    repo.edit("app.yaml", "replicas: 2", "replicas: 0");
    let synced = repo.commit(&[], "app");
    let gitsync_in = |args: &[&str]| {
        run(gitsync(repo.path())
            .args(args)
            .args(["-n", n, "--kubeconfig"])
            .arg(cluster.kubeconfig()))
    };
    let r = gitsync_in(&["sync", "--timeout", "60s"]);
    check!(r.code == 0, r, "sync");
    let r = gitsync_in(&["drift"]);
    check!(
        r.code == 0 && r.stdout.contains("0 drifted"),
        r,
        "no drift right after sync"
    );

    for args in [
        vec!["scale", "deployment", "web", "--replicas=3", "-n", n],
        vec![
            "patch",
            "deployment",
            "web",
            "-n",
            n,
            "--field-manager=alice",
            "-p",
            r#"{"metadata":{"labels":{"app":"alice"}}}"#,
        ],
        vec![
            "patch",
            "configmap",
            "web-config",
            "-n",
            n,
            "-p",
            r#"{"data":{"greeting":"hacked"}}"#,
        ],
        vec!["delete", "serviceaccount", "web", "-n", n],
        // Not drift: a field gitsync does not manage.
        vec![
            "annotate",
            "service",
            "web",
            "-n",
            n,
            "someone-else=was-here",
        ],
    ] {
        let r = kubectl(cluster, &args);
        check!(r.code == 0, r, "kubectl {args:?}");
    }
    // Not drift either: a commit that was not synced yet.
    repo.edit("app.yaml", "level: \"3\"", "level: \"4\"");
    repo.commit(&[], "not synced yet");

    let r = gitsync_in(&["drift"]);
    check!(r.code == 1, r, "drift found → exit 1");
    check!(
        r.stdout.contains(&format!("~ apps/v1 Deployment {n}/web")),
        r,
        "deployment drifted"
    );
    check!(
        r.stdout
            .contains("spec.replicas: 0 → 3  by kubectl (Update, scale)"),
        r,
        "scale by kubectl"
    );
    check!(
        r.stdout
            .contains("metadata.labels.app: \"web\" → \"alice\"  by alice (Update)"),
        r,
        "label by alice"
    );
    check!(
        r.stdout
            .contains("data.greeting: \"hello\" → \"hacked\"  by kubectl-patch (Update)"),
        r,
        "configmap value"
    );
    check!(
        r.stdout.contains(&format!(
            "- v1 ServiceAccount {n}/web  deleted from the cluster"
        )),
        r,
        "deleted member"
    );
    check!(
        !r.stdout.contains("someone-else") && !r.stdout.contains("Service {n}/web\n"),
        r,
        "annotation is not drift"
    );
    check!(
        !r.stdout.contains("level"),
        r,
        "an unsynced commit is not drift"
    );
    check!(
        r.stdout.contains(&format!(
            "3 drifted, 9 in sync (compared with {}",
            &synced[..12]
        )),
        r,
        "summary"
    );

    let j = gitsync_in(&["drift", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&j.stdout)?;
    check!(
        v["summary"]["drifted"] == 3 && v["revision"] == synced.as_str(),
        j,
        "json summary"
    );

    let r = gitsync_in(&["drift", "--fix"]);
    check!(r.code == 0 && r.stdout.contains("all restored"), r, "--fix");
    let r = gitsync_in(&["drift"]);
    check!(
        r.code == 0 && r.stdout.contains("0 drifted"),
        r,
        "no drift after --fix"
    );
    let d = kubectl(
        cluster,
        &[
            "get",
            "deployment",
            "web",
            "-n",
            n,
            "-o",
            "jsonpath={.spec.replicas} {.metadata.labels.app}",
        ],
    );
    check!(d.stdout == "0 web", d, "deployment restored");
    check!(
        kubectl(cluster, &["get", "serviceaccount", "web", "-n", n]).code == 0,
        d,
        "service account restored"
    );
    Ok(())
}

fn never_synced_target_is_an_error() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("drift-none");
    let repo = GitRepo::new();
    repo.commit(
        &[(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
        )],
        "one",
    );
    let r = run(gitsync(repo.path())
        .args(["drift", "-n", &ns.name, "--kubeconfig"])
        .arg(cluster.kubeconfig()));
    check!(
        r.code == 2 && r.stderr.contains("run gitsync sync first"),
        r,
        "clear error"
    );
    Ok(())
}
