//! `gitsync diff` against the local cluster.

use std::collections::BTreeSet;

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, TestResult, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(no_false_diffs_after_server_side_apply),
        crate::trial!(replica_change_and_new_object),
        crate::trial!(same_changes_as_kubectl_diff),
        crate::trial!(secret_values_never_printed),
        crate::trial!(invalid_manifest_exits_2_before_the_cluster),
        crate::trial!(unknown_kind_is_an_error_but_others_are_reported),
        crate::trial!(custom_resource_of_a_new_crd_is_a_create),
        crate::trial!(json_and_markdown_output),
    ]
}

/// A repository holding the diff fixture for namespace `ns`, applied to
/// the cluster by kubectl with gitsync's field manager (CRD first, then
/// everything once it is Established), as a previous sync would have.
fn applied_fixture(cluster: &Cluster, ns: &str) -> Result<GitRepo, libtest_mimic::Failed> {
    let repo = GitRepo::new();
    repo.copy_fixture_with("diff", ".", &[("__NS__", ns)]);
    repo.commit(&[], "app");
    let ssa = [
        "apply",
        "--server-side",
        "--field-manager=gitsync",
        "--force-conflicts",
    ];
    let crd = repo.path().join("crd/widgets.yaml");
    let r = kubectl(
        cluster,
        &[&ssa[..], &["-f", crd.to_str().unwrap()]].concat(),
    );
    check!(r.code == 0, r, "kubectl apply crd");
    let r = kubectl(
        cluster,
        &[
            "wait",
            "--for=condition=Established",
            "--timeout=30s",
            "-f",
            crd.to_str().unwrap(),
        ],
    );
    check!(r.code == 0, r, "crd established");
    let r = kubectl(
        cluster,
        &[&ssa[..], &["-R", "-f", repo.path().to_str().unwrap()]].concat(),
    );
    check!(r.code == 0, r, "kubectl apply");
    // Members of the ApplySet diff uses, so that what is compared is the
    // objects' content: an object without the label is an adoption.
    let id = gitsync::cluster::applyset::ApplySet::new(SET, ns).id;
    let label = format!("{}={id}", gitsync::cluster::applyset::PART_OF);
    let r = kubectl(
        cluster,
        &["label", "-R", "-f", repo.path().to_str().unwrap(), &label],
    );
    check!(r.code == 0, r, "kubectl label");
    Ok(repo)
}

/// The ApplySet of every diff here (its parent in the test's namespace).
const SET: &str = "diff-fixture";

fn diff(cluster: &Cluster, repo: &GitRepo, ns: &str, extra: &[&str]) -> crate::harness::Run {
    run(gitsync(repo.path())
        .args(["diff", "--name", SET, "-n", ns])
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig())
        .args(extra))
}

/// A removed (`-`) or added (`+`) line of a text diff body (indented under
/// its object's header).
fn is_body(line: &str, sign: char) -> bool {
    line.strip_prefix("    ")
        .is_some_and(|l| l.starts_with(sign))
}

fn no_false_diffs_after_server_side_apply() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("no-false-diffs");
    let repo = applied_fixture(cluster, &ns.name)?;
    let r = diff(cluster, &repo, &ns.name, &[]);
    check!(r.code == 0, r, "diff right after apply must exit 0");
    check!(
        r.stdout.trim() == "0 to create, 0 to update, 0 to delete, 12 unchanged",
        r,
        "summary only"
    );
    Ok(())
}

fn replica_change_and_new_object() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("replicas");
    let repo = applied_fixture(cluster, &ns.name)?;
    repo.edit("app.yaml", "replicas: 2", "replicas: 3");
    repo.write(&[(
        "extra.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: brand-new\ndata:\n  a: b\n",
    )]);
    let r = diff(cluster, &repo, &ns.name, &[]);
    check!(r.code == 1, r, "changes found → exit 1");
    let n = &ns.name;
    check!(
        r.stdout.contains(&format!("~ apps/v1 Deployment {n}/web")),
        r,
        "update header"
    );
    check!(
        r.stdout.contains(&format!("+ v1 ConfigMap {n}/brand-new")),
        r,
        "create header (namespace from -n)"
    );
    let minus: Vec<&str> = r.stdout.lines().filter(|l| is_body(l, '-')).collect();
    let plus: Vec<&str> = r.stdout.lines().filter(|l| is_body(l, '+')).collect();
    check!(
        minus.len() == 1 && minus[0].trim().trim_start_matches('-').trim() == "replicas: 2",
        r,
        "exactly one removed line: {minus:?}"
    );
    check!(
        plus.iter()
            .any(|l| l.trim().trim_start_matches('+').trim() == "replicas: 3"),
        r,
        "replicas: 3 added"
    );
    check!(
        r.stdout
            .contains("1 to create, 1 to update, 0 to delete, 11 unchanged"),
        r,
        "summary"
    );
    Ok(())
}

/// The objects gitsync calls changed are the ones `kubectl diff
/// --server-side` shows, on the same files.
fn same_changes_as_kubectl_diff() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("vs-kubectl");
    let repo = applied_fixture(cluster, &ns.name)?;
    repo.edit("app.yaml", "replicas: 2", "replicas: 4");
    repo.edit("app.yaml", "greeting: hello", "greeting: bonjour");
    repo.edit(
        "app.yaml",
        "verbs: [get, list, watch]",
        "verbs: [get, list]",
    );
    repo.edit("app.yaml", "color: blue", "color: red");
    // An atomic map (the Service's selector) changes as a whole.
    repo.edit(
        "app.yaml",
        "  selector:\n    app: web\n  ports:",
        "  selector:\n    app: web2\n  ports:",
    );
    let r = diff(cluster, &repo, &ns.name, &["-o", "json"]);
    check!(r.code == 1, r, "exit 1");
    let v: serde_json::Value = serde_json::from_str(&r.stdout)?;
    let ours: BTreeSet<String> = v["changes"]
        .as_array()
        .ok_or("no changes list")?
        .iter()
        .filter(|c| c["action"] != "unchanged")
        .map(|c| {
            let api = c["apiVersion"]
                .as_str()
                .unwrap_or_default()
                .replace('/', ".");
            let ns = c["namespace"]
                .as_str()
                .map(|n| format!("{n}."))
                .unwrap_or_default();
            format!(
                "{api}.{}.{ns}{}",
                c["kind"].as_str().unwrap_or_default(),
                c["name"].as_str().unwrap_or_default()
            )
        })
        .collect();
    let k = kubectl(
        cluster,
        &[
            "diff",
            "--server-side",
            "--field-manager=gitsync",
            "--force-conflicts",
            "-R",
            "-f",
            repo.path().to_str().unwrap(),
        ],
    );
    check!(k.code == 1, k, "kubectl diff finds changes");
    let theirs: BTreeSet<String> = k
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("diff -u -N "))
        .filter_map(|l| l.split_whitespace().last())
        .filter_map(|p| p.rsplit('/').next())
        .map(str::to_string)
        .collect();
    if ours != theirs || ours.len() != 5 {
        return Err(format!("gitsync: {ours:?}\nkubectl: {theirs:?}\n{}", k.stdout).into());
    }
    Ok(())
}

fn secret_values_never_printed() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("secrets");
    let repo = applied_fixture(cluster, &ns.name)?;
    repo.edit(
        "app.yaml",
        "password: s3cr3t-hunter2",
        "password: n3w-s3cr3t-hunter3",
    );
    let forbidden = [
        "s3cr3t-hunter2",
        "n3w-s3cr3t-hunter3",
        "czNjcjN0LWh1bnRlcjI",      // base64 of the old value (prefix)
        "bjN3LXMzY3IzdC1odW50ZXIz", // base64 of the new value (prefix)
        "dG9rZW4tdmFsdWUtOTk5",
        "token-value-999",
    ];
    for output in ["text", "json", "markdown"] {
        let r = diff(cluster, &repo, &ns.name, &["-o", output, "-vv"]);
        check!(r.code == 1, r, "{output}: the changed secret is a change");
        check!(
            r.stdout.contains("web-credentials"),
            r,
            "{output}: names the secret"
        );
        for f in forbidden {
            check!(
                !r.stdout.contains(f) && !r.stderr.contains(f),
                r,
                "{output}: {f} leaked"
            );
        }
    }
    // The changed key shows as changed, the unchanged one does not.
    let r = diff(cluster, &repo, &ns.name, &[]);
    let changed: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| (is_body(l, '-') || is_body(l, '+')) && l.contains("password"))
        .collect();
    check!(
        changed.len() == 2,
        r,
        "password masked but shown as changed: {changed:?}"
    );
    check!(
        !r.stdout
            .lines()
            .any(|l| (is_body(l, '-') || is_body(l, '+')) && l.contains("token")),
        r,
        "unchanged token not shown as changed"
    );
    Ok(())
}

fn invalid_manifest_exits_2_before_the_cluster() -> TestResult {
    let repo = GitRepo::new();
    repo.write(&[(
        "bad.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
    )]);
    // A kubeconfig pointing nowhere: validation must fail first.
    let r = run(gitsync(repo.path()).args(["diff", "--kubeconfig", "/nonexistent/kubeconfig"]));
    check!(r.code == 2, r, "exit 2");
    check!(
        r.stderr.contains("bad.yaml: document 1 (line 1)"),
        r,
        "names the file"
    );
    check!(
        !r.stderr.contains("kubeconfig"),
        r,
        "failed before touching the cluster config"
    );
    Ok(())
}

fn unknown_kind_is_an_error_but_others_are_reported() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("unknown-kind");
    let repo = GitRepo::new();
    repo.write(&[
        (
            "a.yaml",
            "apiVersion: nope.example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\n",
        ),
        (
            "b.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n",
        ),
        (
            "c.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  namespace: oops\n",
        ),
    ]);
    let r = diff(cluster, &repo, &ns.name, &[]);
    check!(r.code == 2, r, "exit 2");
    check!(
        r.stdout
            .contains(&format!("+ v1 ConfigMap {}/fine", ns.name)),
        r,
        "the valid object is still planned"
    );
    check!(
        r.stdout.contains("Gizmo") && r.stdout.contains("CustomResourceDefinition"),
        r,
        "unknown kind named"
    );
    check!(
        r.stdout.contains("cluster-scoped"),
        r,
        "cluster-scoped with namespace"
    );
    check!(
        r.stderr.contains("2 objects could not be planned"),
        r,
        "error summary"
    );
    Ok(())
}

fn custom_resource_of_a_new_crd_is_a_create() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("new-crd");
    let repo = GitRepo::new();
    repo.copy_fixture_with("diff", ".", &[("__NS__", &ns.name)]);
    let r = diff(cluster, &repo, &ns.name, &[]);
    check!(r.code == 1, r, "exit 1");
    check!(
        r.stdout
            .contains(&format!("+ {0}.example.com/v1 Widget {0}/gadget", ns.name)),
        r,
        "widget is a create"
    );
    check!(
        r.stdout.contains(&format!(
            "+ apiextensions.k8s.io/v1 CustomResourceDefinition widgets.{}.example.com",
            ns.name
        )),
        r,
        "crd is a create"
    );
    Ok(())
}

fn json_and_markdown_output() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("formats");
    let repo = applied_fixture(cluster, &ns.name)?;
    let sha = repo.git(&["rev-parse", "HEAD"]);
    repo.edit("app.yaml", "replicas: 2", "replicas: 5");
    let r = diff(cluster, &repo, &ns.name, &["-o", "json"]);
    check!(r.code == 1, r, "exit 1");
    let v: serde_json::Value = serde_json::from_str(&r.stdout)?;
    check!(v["revision"]["sha"] == sha.as_str(), r, "revision");
    check!(
        v["summary"]
            == serde_json::json!({"create": 0, "adopt": 0, "update": 1, "delete": 0, "unchanged": 11}),
        r,
        "summary"
    );
    let web = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "Deployment")
        .ok_or("no deployment")?;
    check!(
        web["action"] == "update" && web["namespace"] == ns.name.as_str() && web["name"] == "web",
        r,
        "change fields"
    );
    check!(
        web["diff"]
            .as_str()
            .unwrap_or_default()
            .contains("+  replicas: 5"),
        r,
        "diff text"
    );
    let r = diff(cluster, &repo, &ns.name, &["-o", "markdown"]);
    check!(r.code == 1, r, "exit 1");
    check!(
        r.stdout
            .contains("| create | update | delete | unchanged |"),
        r,
        "table"
    );
    check!(
        r.stdout.contains("<details>") && r.stdout.contains("```diff"),
        r,
        "collapsible diff"
    );
    Ok(())
}
