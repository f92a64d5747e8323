//! `gitsync sync` against the local cluster.

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(first_sync_creates_everything_second_writes_nothing),
        crate::trial!(prune_deletes_exactly_what_git_dropped),
        crate::trial!(empty_desired_set_is_refused),
        crate::trial!(objects_of_another_applyset_are_not_adopted),
        crate::trial!(later_wave_waits_for_earlier_wave_health),
        crate::trial!(unhealthy_exits_3_naming_the_object),
        crate::trial!(dry_run_changes_nothing),
        crate::trial!(conflicts_name_the_manager_unless_forced),
        crate::trial!(immutable_change_needs_force_replace),
        crate::trial!(json_output_lists_every_object),
    ]
}

/// The diff fixture with Deployments at zero replicas: these tests are
/// about applying, and need no Pods.
fn app_repo(ns: &str) -> GitRepo {
    let repo = GitRepo::new();
    repo.copy_fixture_with("diff", ".", &[("__NS__", ns)]);
    repo.edit("app.yaml", "replicas: 2", "replicas: 0");
    repo.commit(&[], "app");
    repo
}

fn sync(cluster: &Cluster, repo: &GitRepo, extra: &[&str]) -> Run {
    run(gitsync(repo.path())
        .args(["sync", "--timeout", "60s", "--kubeconfig"])
        .arg(cluster.kubeconfig())
        .args(extra))
}

fn get(cluster: &Cluster, args: &[&str]) -> Result<serde_json::Value, libtest_mimic::Failed> {
    let r = kubectl(cluster, &[args, &["-o", "json"]].concat());
    check!(r.code == 0, r, "kubectl get {args:?}");
    Ok(serde_json::from_str(&r.stdout)?)
}

fn exists(cluster: &Cluster, args: &[&str]) -> bool {
    kubectl(cluster, &[&["get"], args].concat()).code == 0
}

fn first_sync_creates_everything_second_writes_nothing() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("sync-all");
    let n = ns.name.as_str();
    let repo = app_repo(n);
    let r = sync(cluster, &repo, &["-n", n]);
    check!(r.code == 0, r, "first sync");
    check!(
        r.stdout
            .contains("12 applied, 0 deleted, 0 unchanged, 0 failed"),
        r,
        "summary"
    );
    for args in [
        vec!["deployment", "web", "-n", n],
        vec!["service", "web", "-n", n],
        vec!["configmap", "web-config", "-n", n],
        vec!["secret", "web-credentials", "-n", n],
        vec!["ingress", "web", "-n", n],
        vec!["rolebinding", "web-reader", "-n", n],
        // Fully qualified: every test defines its own `widgets` CRD.
        vec![&format!("widgets.{n}.example.com"), "gadget", "-n", n],
    ] {
        let obj = get(cluster, &[&["get"], &args[..]].concat())?;
        let part_of = &obj["metadata"]["labels"]["applyset.kubernetes.io/part-of"];
        check!(
            part_of.is_string(),
            r,
            "{args:?} carries the part-of label: {obj}"
        );
    }
    let before = get(
        cluster,
        &["get", "deployment,configmap,secret,service", "-n", n],
    )?;
    let r = sync(cluster, &repo, &["-n", n]);
    check!(
        r.code == 0 && r.stdout.contains("0 applied, 0 deleted, 12 unchanged"),
        r,
        "second sync writes nothing"
    );
    let after = get(
        cluster,
        &["get", "deployment,configmap,secret,service", "-n", n],
    )?;
    let versions = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                format!(
                    "{}={}",
                    o["metadata"]["name"], o["metadata"]["resourceVersion"]
                )
            })
            .collect()
    };
    check!(
        versions(&before) == versions(&after),
        r,
        "resourceVersions changed: {:?} → {:?}",
        versions(&before),
        versions(&after)
    );
    let d = run(gitsync(repo.path())
        .args(["diff", "-n", n, "--kubeconfig"])
        .arg(cluster.kubeconfig()));
    check!(d.code == 0, d, "diff after sync exits 0");
    // The parent records the sync.
    let sha = repo.git(&["rev-parse", "HEAD"]);
    let parents = get(
        cluster,
        &[
            "get",
            "configmap",
            "-n",
            n,
            "-l",
            "applyset.kubernetes.io/id",
        ],
    )?;
    let parent = &parents["items"][0];
    check!(
        parent["data"]["revision"] == sha.as_str(),
        r,
        "parent records the revision: {parent}"
    );
    check!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/tooling"] == "gitsync/0.1.0",
        r,
        "tooling"
    );
    Ok(())
}

fn prune_deletes_exactly_what_git_dropped() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let cm = |name: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n")
    };
    repo.commit(
        &[
            ("keep.yaml", &cm("keep")),
            ("drop.yaml", &cm("drop")),
            (
                "stay.yaml",
                &format!(
                    "{}  annotations:\n    gitsync.io/prune: disabled\n",
                    cm("stay")
                        .replace("data:\n  a: b\n", "")
                        .trim_end()
                        .to_string()
                        + "\n"
                ),
            ),
        ],
        "three",
    );
    let r = sync(cluster, &repo, &["-n", n]);
    check!(r.code == 0, r, "first sync");
    let r = kubectl(
        cluster,
        &[
            "create",
            "configmap",
            "unlabelled",
            "-n",
            n,
            "--from-literal=x=y",
        ],
    );
    check!(r.code == 0, r, "unlabelled object");
    repo.git(&["rm", "-q", "drop.yaml", "stay.yaml"]);
    repo.commit(&[], "drop two");
    let r = sync(cluster, &repo, &["-n", n]);
    check!(r.code == 0, r, "second sync");
    check!(
        r.stdout.contains(&format!("v1 ConfigMap {n}/drop")) && r.stdout.contains("deleted"),
        r,
        "prune reported"
    );
    check!(
        !exists(cluster, &["configmap", "drop", "-n", n]),
        r,
        "drop was pruned"
    );
    check!(
        exists(cluster, &["configmap", "keep", "-n", n]),
        r,
        "keep survives"
    );
    check!(
        exists(cluster, &["configmap", "unlabelled", "-n", n]),
        r,
        "unlabelled object survives"
    );
    check!(
        exists(cluster, &["configmap", "stay", "-n", n]),
        r,
        "prune: disabled survives"
    );
    // --no-prune keeps what Git dropped.
    repo.git(&["rm", "-q", "keep.yaml"]);
    repo.commit(&[("other.yaml", &cm("other"))], "swap");
    let r = sync(cluster, &repo, &["-n", n, "--no-prune"]);
    check!(
        r.code == 0 && exists(cluster, &["configmap", "keep", "-n", n]),
        r,
        "--no-prune"
    );
    Ok(())
}

fn empty_desired_set_is_refused() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("empty");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: only\n",
        )],
        "one",
    );
    let r = sync(cluster, &repo, &["-n", n]);
    check!(r.code == 0, r, "first sync");
    repo.git(&["rm", "-q", "cm.yaml"]);
    repo.commit(&[("README.md", "nothing here")], "empty");
    let r = sync(cluster, &repo, &["-n", n]);
    check!(
        r.code == 2 && r.stderr.contains("--allow-empty"),
        r,
        "refused"
    );
    check!(
        exists(cluster, &["configmap", "only", "-n", n]),
        r,
        "nothing deleted"
    );
    let r = sync(cluster, &repo, &["-n", n, "--allow-empty"]);
    check!(
        r.code == 0 && !exists(cluster, &["configmap", "only", "-n", n]),
        r,
        "--allow-empty prunes"
    );
    Ok(())
}

fn objects_of_another_applyset_are_not_adopted() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("adopt");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  a: b\n",
        )],
        "one",
    );
    let r = sync(cluster, &repo, &["-n", n, "--name", "first"]);
    check!(r.code == 0, r, "first ApplySet");
    let r = sync(cluster, &repo, &["-n", n, "--name", "second"]);
    check!(
        r.code == 2 && r.stdout.contains("belongs to another ApplySet"),
        r,
        "second ApplySet refused"
    );
    // An object nobody owns yet is adopted (labelled) without a content change.
    let r = kubectl(
        cluster,
        &[
            "create",
            "configmap",
            "loose",
            "-n",
            n,
            "--from-literal=a=b",
        ],
    );
    check!(r.code == 0, r, "loose object");
    repo.commit(
        &[(
            "loose.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loose\ndata:\n  a: b\n",
        )],
        "adopt",
    );
    let d = run(gitsync(repo.path())
        .args(["diff", "-n", n, "--name", "first", "--kubeconfig"])
        .arg(cluster.kubeconfig()));
    // diff says what sync will write: the adoption, and only the label.
    check!(
        d.code == 1
            && d.stdout.contains(&format!("@ v1 ConfigMap {n}/loose"))
            && d.stdout.contains("1 to adopt"),
        d,
        "diff names the adoption"
    );
    let added: Vec<&str> = d
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with('+') && !l.contains("@@"))
        .collect();
    check!(
        added.len() == 2 && added[1].contains("applyset.kubernetes.io/part-of"),
        d,
        "only the part-of label is added: {added:?}"
    );
    let r = sync(cluster, &repo, &["-n", n, "--name", "first"]);
    check!(r.code == 0 && r.stdout.contains("adopt"), r, "adopted");
    let obj = get(cluster, &["get", "configmap", "loose", "-n", n])?;
    check!(
        obj["metadata"]["labels"]["applyset.kubernetes.io/part-of"].is_string(),
        r,
        "labelled"
    );
    Ok(())
}

fn later_wave_waits_for_earlier_wave_health() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("waves");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    // Wave 0 can never become healthy (its image fails on purpose, see
    // scripts/kwok/stages.yaml); wave 1 must then never be applied.
    repo.commit(&[
        ("a-late.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n"),
        ("b-early.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: early\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: early}}\n  template:\n    metadata: {labels: {app: early}}\n    spec: {containers: [{name: c, image: gitsync.test/fail}]}\n"),
    ], "waves");
    let r = run(gitsync(repo.path())
        .args(["sync", "--timeout", "3s", "-n", n, "--kubeconfig"])
        .arg(cluster.kubeconfig()));
    check!(r.code == 3, r, "wave 0 unhealthy → exit 3");
    check!(
        exists(cluster, &["deployment", "early", "-n", n]),
        r,
        "wave 0 applied"
    );
    check!(
        !exists(cluster, &["configmap", "late", "-n", n]),
        r,
        "wave 1 not applied"
    );
    // Once wave 0 can be healthy (an image that runs), both go in, wave 0
    // first.
    repo.edit("b-early.yaml", "image: gitsync.test/fail", "image: nginx");
    repo.commit(&[], "fix the image");
    let r = sync(cluster, &repo, &["-n", n]);
    check!(
        r.code == 0 && exists(cluster, &["configmap", "late", "-n", n]),
        r,
        "wave 1 applied after wave 0 is healthy"
    );
    let early = r.stderr.find("applied 1 of 2");
    let late = r.stderr.find("applied 2 of 2");
    check!(early.is_some() && late.is_some(), r, "progress per step");
    Ok(())
}

fn unhealthy_exits_3_naming_the_object() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("unhealthy");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: stuck\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: s}}\n  template:\n    metadata: {labels: {app: s}}\n    spec: {containers: [{name: c, image: gitsync.test/fail}]}\n")], "stuck");
    let r = run(gitsync(repo.path())
        .args(["sync", "--timeout", "3s", "-n", n, "--kubeconfig"])
        .arg(cluster.kubeconfig()));
    check!(r.code == 3, r, "exit 3");
    check!(
        r.stderr.contains(&format!("Deployment {n}/stuck"))
            && r.stderr.contains("not healthy within 3s"),
        r,
        "names the object"
    );
    let r = run(gitsync(repo.path())
        .args(["sync", "--no-wait", "-n", n, "--kubeconfig"])
        .arg(cluster.kubeconfig()));
    check!(r.code == 0, r, "--no-wait does not wait");
    Ok(())
}

fn dry_run_changes_nothing() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("dry-run");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planned\n",
        )],
        "one",
    );
    let r = sync(cluster, &repo, &["-n", n, "--dry-run"]);
    check!(r.code == 1, r, "dry run with changes exits like diff");
    check!(
        r.stdout.contains(&format!("+ v1 ConfigMap {n}/planned")),
        r,
        "plan printed as diff"
    );
    check!(
        !exists(cluster, &["configmap", "planned", "-n", n]),
        r,
        "nothing applied"
    );
    Ok(())
}

fn conflicts_name_the_manager_unless_forced() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("conflict");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  level: one\n",
        )],
        "one",
    );
    check!(
        sync(cluster, &repo, &["-n", n]).code == 0,
        sync(cluster, &repo, &["-n", n]),
        "first sync"
    );
    let r = kubectl(
        cluster,
        &[
            "patch",
            "configmap",
            "c",
            "-n",
            n,
            "--field-manager=alice",
            "-p",
            r#"{"data":{"level":"alice"}}"#,
        ],
    );
    check!(r.code == 0, r, "patch by alice");
    repo.commit(
        &[(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  level: two\n",
        )],
        "two",
    );
    let r = sync(cluster, &repo, &["-n", n]);
    check!(
        r.code == 2 && r.stdout.contains("alice") && r.stdout.contains("--force-conflicts"),
        r,
        "conflict names alice"
    );
    let r = sync(cluster, &repo, &["-n", n, "--force-conflicts"]);
    check!(r.code == 0, r, "forced");
    let obj = get(cluster, &["get", "configmap", "c", "-n", n])?;
    check!(obj["data"]["level"] == "two", r, "git's value wins");
    Ok(())
}

fn immutable_change_needs_force_replace() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("immutable");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let secret = |v: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: frozen\nimmutable: true\nstringData:\n  k: {v}\n"
        )
    };
    repo.commit(&[("s.yaml", &secret("one"))], "one");
    let r = sync(cluster, &repo, &["-n", n]);
    check!(r.code == 0, r, "first sync");
    let uid = get(cluster, &["get", "secret", "frozen", "-n", n])?["metadata"]["uid"].clone();
    repo.commit(&[("s.yaml", &secret("two"))], "two");
    let r = sync(cluster, &repo, &["-n", n]);
    check!(
        r.code == 2 && r.stdout.contains("--force-replace"),
        r,
        "immutable change refused with a hint"
    );
    let r = sync(cluster, &repo, &["-n", n, "--force-replace"]);
    check!(r.code == 0 && r.stdout.contains("replace"), r, "replaced");
    let after = get(cluster, &["get", "secret", "frozen", "-n", n])?;
    check!(after["metadata"]["uid"] != uid, r, "recreated (new uid)");
    Ok(())
}

fn json_output_lists_every_object() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("sync-json");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let sha = repo.commit(&[("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")], "two");
    let r = sync(cluster, &repo, &["-n", n, "-o", "json"]);
    check!(r.code == 0, r, "exit 0");
    let v: serde_json::Value = serde_json::from_str(&r.stdout)?;
    check!(v["revision"]["sha"] == sha.as_str(), r, "revision");
    check!(v["summary"]["applied"] == 2, r, "summary");
    let objects = v["objects"].as_array().ok_or("objects")?;
    check!(
        objects.len() == 2
            && objects
                .iter()
                .all(|o| o["result"] == "applied" && o["health"]["status"] == "current"),
        r,
        "objects"
    );
    check!(
        v["applyset"]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("applyset-")),
        r,
        "applyset id"
    );
    Ok(())
}
