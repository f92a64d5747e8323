//! Prune never takes what gitsync does not own: not through a Namespace, a
//! CRD or a volume, not by a copied label, not blind, not from a second
//! writer, not from another repository.

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(a_namespace_holding_others_objects_is_not_pruned),
        crate::trial!(a_crd_with_foreign_custom_resources_is_not_pruned),
        crate::trial!(a_pvc_is_pruned_only_when_allowed),
        crate::trial!(a_copied_label_does_not_make_a_member),
        crate::trial!(an_object_recreated_after_planning_is_not_deleted),
        crate::trial!(concurrent_syncs_end_in_one_revision),
        crate::trial!(two_repositories_do_not_share_an_applyset),
        crate::trial!(ssh_and_https_clones_are_one_repository),
        crate::trial!(without_prune_the_footprint_only_grows),
        crate::trial!(upper_case_extensions_are_read),
    ]
}

fn cm(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n")
}

fn gs(cluster: &Cluster, repo: &GitRepo, ns: &str, args: &[&str]) -> Run {
    run(gitsync(repo.path())
        .args(args)
        .args(["-n", ns, "--kubeconfig"])
        .arg(cluster.kubeconfig()))
}

fn resource_version(cluster: &Cluster, ns: &str, configmap: &str) -> Run {
    let jsonpath = "jsonpath={.metadata.resourceVersion}";
    kubectl(
        cluster,
        &["get", "configmap", configmap, "-n", ns, "-o", jsonpath],
    )
}

fn exists(cluster: &Cluster, args: &[&str]) -> bool {
    kubectl(cluster, &[&["get"], args].concat()).code == 0
}

fn a_namespace_holding_others_objects_is_not_pruned() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune-ns");
    let n = ns.name.as_str();
    let extra = format!("{n}-extra");
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("keep.yaml", &cm("keep")),
            (
                "extra.yaml",
                &format!(
                    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {extra}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n  namespace: {extra}\n"
                ),
            ),
        ],
        "ns",
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(r.code == 0, r, "first sync");
    let r = kubectl(
        cluster,
        &[
            "create",
            "configmap",
            "theirs",
            "-n",
            &extra,
            "--from-literal=a=b",
        ],
    );
    check!(r.code == 0, r, "someone else's object in the namespace");
    repo.git(&["rm", "-q", "extra.yaml"]);
    repo.commit(&[], "drop the namespace");
    let d = gs(cluster, &repo, n, &["diff"]);
    check!(
        d.code == 2 && d.stdout.contains("ConfigMap theirs"),
        d,
        "diff names what would be lost"
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(r.code == 2, r, "sync exits 2");
    check!(
        r.stderr.contains("not pruned") && r.stderr.contains("ConfigMap theirs"),
        r,
        "names the refusal"
    );
    check!(
        exists(cluster, &["namespace", &extra]),
        r,
        "the namespace stays"
    );
    check!(
        exists(cluster, &["configmap", "theirs", "-n", &extra]),
        r,
        "their object stays"
    );
    check!(
        !exists(cluster, &["configmap", "mine", "-n", &extra]),
        r,
        "our member in it was pruned"
    );
    let _ = kubectl(cluster, &["delete", "namespace", &extra, "--wait=false"]);
    Ok(())
}

fn a_crd_with_foreign_custom_resources_is_not_pruned() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune-crd");
    let n = ns.name.as_str();
    let group = format!("{n}.example.com");
    let crd = format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: things, singular: thing, kind: Thing}}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}
"
    );
    let repo = GitRepo::new();
    repo.commit(&[("keep.yaml", &cm("keep")), ("crd.yaml", &crd)], "crd");
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(r.code == 0, r, "first sync");
    let dir = tempfile::tempdir()?;
    let cr = dir.path().join("cr.yaml");
    std::fs::write(
        &cr,
        format!(
            "apiVersion: {group}/v1\nkind: Thing\nmetadata:\n  name: precious\n  namespace: {n}\n"
        ),
    )?;
    let r = kubectl(cluster, &["apply", "-f", cr.to_str().unwrap()]);
    check!(r.code == 0, r, "someone else's custom resource");
    repo.git(&["rm", "-q", "crd.yaml"]);
    repo.commit(&[], "drop the crd");
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(
        r.code == 2 && r.stderr.contains(&format!("Thing {n}/precious")),
        r,
        "refused, naming the resource"
    );
    check!(
        exists(cluster, &["crd", &format!("things.{group}")]),
        r,
        "the CRD stays"
    );
    check!(
        exists(cluster, &["things", "precious", "-n", n]),
        r,
        "their resource stays"
    );
    let _ = kubectl(
        cluster,
        &["delete", "crd", &format!("things.{group}"), "--wait=false"],
    );
    Ok(())
}

fn a_pvc_is_pruned_only_when_allowed() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune-pvc");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n";
    repo.commit(&[("keep.yaml", &cm("keep")), ("pvc.yaml", pvc)], "pvc");
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(r.code == 0, r, "first sync");
    repo.git(&["rm", "-q", "pvc.yaml"]);
    repo.commit(&[], "drop the pvc");
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(
        r.code == 2 && r.stderr.contains("--prune-pvcs"),
        r,
        "refused without the opt-in"
    );
    check!(
        exists(cluster, &["pvc", "data", "-n", n]),
        r,
        "the claim stays"
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-wait", "--prune-pvcs"]);
    check!(r.code == 0, r, "pruned with the opt-in");
    let gone = kubectl(
        cluster,
        &[
            "get",
            "pvc",
            "data",
            "-n",
            n,
            "-o",
            "jsonpath={.metadata.deletionTimestamp}",
        ],
    );
    check!(
        gone.code != 0 || !gone.stdout.is_empty(),
        gone,
        "the claim is deleted"
    );
    Ok(())
}

fn a_copied_label_does_not_make_a_member() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune-label");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("keep.yaml", &cm("keep"))], "one");
    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--no-wait", "--name", "labels"],
    );
    check!(r.code == 0, r, "first sync");
    // An operator (or a user who may label but not delete) copies the label.
    let id = gitsync::cluster::applyset::ApplySet::new("labels", n).id;
    let label = format!("{}={id}", gitsync::cluster::applyset::PART_OF);
    let r = kubectl(
        cluster,
        &[
            "create",
            "configmap",
            "copied",
            "-n",
            n,
            "--from-literal=a=b",
        ],
    );
    check!(r.code == 0, r, "create");
    let r = kubectl(cluster, &["label", "configmap", "copied", "-n", n, &label]);
    check!(r.code == 0, r, "label");
    let d = gs(cluster, &repo, n, &["diff", "--name", "labels"]);
    check!(
        d.code == 0 && d.stdout.contains("labelled but not ours"),
        d,
        "diff reports it and plans no delete"
    );
    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--no-wait", "--name", "labels"],
    );
    check!(r.code == 0, r, "sync");
    check!(
        exists(cluster, &["configmap", "copied", "-n", n]),
        r,
        "the object stays"
    );
    Ok(())
}

/// A sync whose first wave takes a while to become healthy; meanwhile the
/// object it will prune is deleted and recreated by someone else. The
/// plan's preconditions make the delete fail, the object is judged again,
/// and, no longer gitsync's, kept.
fn an_object_recreated_after_planning_is_not_deleted() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune-race");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[("keep.yaml", &cm("keep")), ("old.yaml", &cm("old"))],
        "one",
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-wait", "--name", "race"]);
    check!(r.code == 0, r, "first sync");
    let slow = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: slow\n  annotations:\n    gitsync.io/wave: \"0\"\nspec:\n  replicas: 1\n  minReadySeconds: 6\n  selector:\n    matchLabels: {app: slow}\n  template:\n    metadata:\n      labels: {app: slow}\n    spec:\n      containers:\n        - name: c\n          image: registry.example/slow:1\n";
    let later = cm("later").replace(
        "metadata:\n",
        "metadata:\n  annotations:\n    gitsync.io/wave: \"1\"\n",
    );
    repo.git(&["rm", "-q", "old.yaml"]);
    repo.commit(&[("slow.yaml", slow), ("later.yaml", &later)], "drop old");
    let child = gitsync(repo.path())
        .args([
            "sync",
            "--timeout",
            "60s",
            "--name",
            "race",
            "-n",
            n,
            "--kubeconfig",
        ])
        .arg(cluster.kubeconfig())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    // Wave 0 is applied: the plan (with old's uid) is made.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !exists(cluster, &["deployment", "slow", "-n", n]) && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let r = kubectl(cluster, &["delete", "configmap", "old", "-n", n]);
    check!(r.code == 0, r, "someone deletes old");
    let r = kubectl(
        cluster,
        &[
            "create",
            "configmap",
            "old",
            "-n",
            n,
            "--from-literal=theirs=yes",
        ],
    );
    check!(r.code == 0, r, "and recreates it as their own");
    let id = gitsync::cluster::applyset::ApplySet::new("race", n).id;
    let label = format!("{}={id}", gitsync::cluster::applyset::PART_OF);
    let r = kubectl(cluster, &["label", "configmap", "old", "-n", n, &label]);
    check!(r.code == 0, r, "with the label copied");
    let out = child.wait_with_output()?;
    let r = Run::from(out);
    check!(r.code == 0, r, "sync finishes");
    check!(
        r.stdout.contains("kept") && r.stdout.contains("changed since it was planned"),
        r,
        "the delete met the recreated object and kept it"
    );
    let data = kubectl(
        cluster,
        &[
            "get",
            "configmap",
            "old",
            "-n",
            n,
            "-o",
            "jsonpath={.data.theirs}",
        ],
    );
    check!(
        data.stdout == "yes",
        r,
        "their recreated object was not deleted"
    );
    Ok(())
}

/// Two syncs of one ApplySet at once, at different revisions: one waits
/// for the other's Lease and plans after it; the cluster ends at one
/// revision entirely, with no orphans.
fn concurrent_syncs_end_in_one_revision() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune-writers");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let first = repo.commit(&[("a.yaml", &cm("a")), ("b.yaml", &cm("b"))], "one");
    repo.git(&["rm", "-q", "a.yaml"]);
    let second = repo.commit(&[("c.yaml", &cm("c"))], "two");
    let spawn = |rev: &str| {
        gitsync(repo.path())
            .args([
                "sync",
                "--no-wait",
                "--name",
                "writers",
                "--revision",
                rev,
                "-n",
                n,
                "--kubeconfig",
            ])
            .arg(cluster.kubeconfig())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
    };
    let (x, y) = (spawn(&first)?, spawn(&second)?);
    let (x, y) = (
        Run::from(x.wait_with_output()?),
        Run::from(y.wait_with_output()?),
    );
    check!(
        x.code == 0 && y.code == 0,
        x,
        "both exit 0 (one after the other): second: {}",
        y.stderr
    );
    let id = gitsync::cluster::applyset::ApplySet::new("writers", n).id;
    let members = kubectl(
        cluster,
        &[
            "get",
            "configmap",
            "-n",
            n,
            "-l",
            &format!("{}={id}", gitsync::cluster::applyset::PART_OF),
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
    );
    let names: Vec<&str> = members.stdout.split_whitespace().collect();
    let recorded = kubectl(
        cluster,
        &[
            "get",
            "configmap",
            "writers",
            "-n",
            n,
            "-o",
            "jsonpath={.data.revision}",
        ],
    );
    let want: &[&str] = if recorded.stdout == first {
        &["a", "b"]
    } else {
        &["b", "c"]
    };
    check!(
        names == want,
        members,
        "members {names:?} are exactly revision {}'s",
        recorded.stdout
    );
    Ok(())
}

fn two_repositories_do_not_share_an_applyset() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune-repos");
    let n = ns.name.as_str();
    let (one, two) = (GitRepo::new(), GitRepo::new());
    one.commit(&[("a.yaml", &cm("a"))], "one");
    two.commit(&[("b.yaml", &cm("b"))], "two");
    let r = gs(cluster, &one, n, &["sync", "--no-wait", "--name", "shared"]);
    check!(r.code == 0, r, "first repository");
    let r = gs(cluster, &two, n, &["sync", "--no-wait", "--name", "shared"]);
    check!(
        r.code == 2 && r.stderr.contains("belongs to") && r.stderr.contains("--take-over"),
        r,
        "refused, naming both"
    );
    check!(
        exists(cluster, &["configmap", "a", "-n", n]),
        r,
        "nothing of the first was pruned"
    );
    let r = gs(
        cluster,
        &two,
        n,
        &["sync", "--no-wait", "--name", "shared", "--take-over"],
    );
    check!(r.code == 0, r, "an explicit take-over works");
    Ok(())
}

fn ssh_and_https_clones_are_one_repository() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune-identity");
    let n = ns.name.as_str();
    let (laptop, ci) = (GitRepo::new(), GitRepo::new());
    for (repo, url) in [
        (&laptop, "git@git.example.com:org/shop.git"),
        (&ci, "https://git.example.com/org/shop"),
    ] {
        repo.commit(&[("a.yaml", &cm("a"))], "one");
        repo.git(&["remote", "add", "origin", url]);
    }
    let r = gs(cluster, &laptop, n, &["sync", "--no-wait", "-o", "json"]);
    check!(r.code == 0, r, "sync from the SSH clone");
    let before = resource_version(cluster, n, "a");
    let d = gs(cluster, &ci, n, &["diff"]);
    check!(
        d.code == 0,
        d,
        "the HTTPS clone sees its own ApplySet: nothing to do"
    );
    let r = gs(cluster, &ci, n, &["sync", "--no-wait"]);
    check!(r.code == 0, r, "sync from the HTTPS clone");
    let after = resource_version(cluster, n, "a");
    check!(before.stdout == after.stdout, r, "zero writes");
    Ok(())
}

fn without_prune_the_footprint_only_grows() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("prune-footprint");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: v\n";
    repo.commit(&[("a.yaml", &cm("a")), ("s.yaml", secret)], "one");
    let r = gs(cluster, &repo, n, &["sync", "--no-wait", "--name", "fp"]);
    check!(r.code == 0, r, "first sync");
    repo.git(&["rm", "-q", "s.yaml"]);
    repo.commit(&[], "drop the secret");
    let r = gs(
        cluster,
        &repo,
        n,
        &["sync", "--no-wait", "--name", "fp", "--no-prune"],
    );
    check!(r.code == 0, r, "sync without prune");
    let kinds = kubectl(
        cluster,
        &[
            "get",
            "configmap",
            "fp",
            "-n",
            n,
            "-o",
            "jsonpath={.metadata.annotations.applyset\\.kubernetes\\.io/contains-group-kinds}",
        ],
    );
    check!(
        kinds.stdout.contains("Secret"),
        kinds,
        "the kept member's kind stays recorded"
    );
    // A later sync with prune still finds and prunes it.
    let r = gs(cluster, &repo, n, &["sync", "--no-wait", "--name", "fp"]);
    check!(
        r.code == 0 && !exists(cluster, &["secret", "s", "-n", n]),
        r,
        "pruned later"
    );
    Ok(())
}

fn upper_case_extensions_are_read() -> TestResult {
    let repo = GitRepo::new();
    repo.commit(
        &[("a.YAML", &cm("upper")), (".hidden.yaml", &cm("hidden"))],
        "files",
    );
    let r = run(gitsync(repo.path()).arg("render"));
    check!(
        r.code == 0 && r.stdout.contains("name: upper"),
        r,
        ".YAML is read"
    );
    check!(
        !r.stdout.contains("name: hidden") && r.stderr.contains("hidden file skipped"),
        r,
        "a hidden manifest is named"
    );
    Ok(())
}
