//! The delete gate: every delete gitsync makes (prune, a hook's delete
//! policies, --force-replace) is of gitsync's own object, takes nothing
//! along that the run may not delete, and carries preconditions.

use std::path::Path;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(a_presync_namespace_hook_does_not_take_a_foreign_namespace),
        crate::trial!(a_namespace_is_not_pruned_with_what_prune_kept),
        crate::trial!(a_namespace_that_gains_objects_during_the_sync_is_not_pruned),
        crate::trial!(force_replace_refuses_adoptions_and_claims),
        crate::trial!(a_replace_deletes_with_preconditions),
        crate::trial!(a_hook_job_does_not_take_a_foreign_jobs_name),
        crate::trial!(random_commits_never_delete_foreign_or_kept_objects),
    ]
}

fn gs(cluster: &Cluster, repo: &GitRepo, ns: &str, args: &[&str]) -> Run {
    run(gitsync(repo.path())
        .args(args)
        .args(["-n", ns, "--kubeconfig"])
        .arg(cluster.kubeconfig()))
}

fn cm(name: &str, namespace: &str, annotations: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\n{annotations}data:\n  k: v\n"
    )
}

fn namespace(name: &str, annotations: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n{annotations}")
}

const PRESYNC: &str = "  annotations:\n    argocd.argoproj.io/hook: PreSync\n";
const KEEP: &str = "  annotations:\n    gitsync.io/prune: disabled\n";

/// The object as JSON, `None` when it does not exist.
fn get(cluster: &Cluster, args: &[&str]) -> Option<Value> {
    let r = kubectl(cluster, &[&["get"], args, &["-o", "json"]].concat());
    if r.code != 0 {
        return None;
    }
    serde_json::from_str(&r.stdout).ok()
}

/// Exists and is not being deleted.
fn alive(cluster: &Cluster, args: &[&str]) -> bool {
    get(cluster, args).is_some_and(|o| o["metadata"]["deletionTimestamp"].is_null())
}

fn uid(cluster: &Cluster, args: &[&str]) -> String {
    get(cluster, args)
        .and_then(|o| o["metadata"]["uid"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn create(cluster: &Cluster, manifest: &str) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("object.yaml");
    std::fs::write(&file, manifest).expect("writing manifest");
    kubectl(cluster, &["create", "-f", file.to_str().unwrap()])
}

/// Namespaces a test made beside its own, deleted when it ends.
struct Extra<'a>(&'a Cluster, Vec<String>);

impl Drop for Extra<'_> {
    fn drop(&mut self) {
        for ns in &self.1 {
            let _ = kubectl(self.0, &["delete", "namespace", ns, "--wait=false"]);
        }
    }
}

/// What a user hit: a PreSync hook declares a Namespace that already
/// exists and holds someone else's objects. BeforeHookCreation used to
/// delete it (and all in it); now the hook fails naming it.
fn a_presync_namespace_hook_does_not_take_a_foreign_namespace() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("gate-ns-hook");
    let n = ns.name.as_str();
    let victim = format!("{n}-victim");
    let _extra = Extra(cluster, vec![victim.clone()]);
    let r = kubectl(cluster, &["create", "namespace", &victim]);
    check!(r.code == 0, r, "someone else's namespace");
    let r = create(cluster, &cm("theirs", &victim, ""));
    check!(r.code == 0, r, "with their object in it");
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("keep.yaml", &cm("keep", n, "")),
            ("victim.yaml", &namespace(&victim, PRESYNC)),
        ],
        "a namespace hook",
    );
    let r = gs(cluster, &repo, n, &["sync", "--timeout", "60s"]);
    let all = format!("{}{}", r.stdout, r.stderr);
    check!(
        r.code == 2
            && all.contains(&format!("Namespace {victim}"))
            && all.contains("not gitsync's"),
        r,
        "the hook fails naming the namespace that is not gitsync's"
    );
    check!(
        alive(cluster, &["namespace", &victim]),
        r,
        "their namespace was not deleted"
    );
    check!(
        alive(cluster, &["configmap", "theirs", "-n", &victim]),
        r,
        "their object is still there"
    );
    Ok(())
}

/// A commit removes Namespace db, PVC db/data and ConfigMap db/keepme
/// (opted out of prune). Prune keeps the claim (no --prune-pvcs) and
/// keepme, so the Namespace, which would take both, is refused too.
fn a_namespace_is_not_pruned_with_what_prune_kept() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("gate-ns-kept");
    let n = ns.name.as_str();
    let db = format!("{n}-db");
    let _extra = Extra(cluster, vec![db.clone()]);
    let pvc = format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  namespace: {db}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n"
    );
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("keep.yaml", &cm("keep", n, "")),
            (
                "db.yaml",
                &[
                    namespace(&db, ""),
                    pvc,
                    cm("keepme", &db, KEEP),
                    cm("plain", &db, ""),
                ]
                .join("---\n"),
            ),
        ],
        "db",
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(r.code == 0, r, "first sync");
    repo.git(&["rm", "-q", "db.yaml"]);
    repo.commit(&[], "drop db");
    let d = gs(cluster, &repo, n, &["diff"]);
    check!(
        d.code == 2
            && d.stdout.contains("PersistentVolumeClaim data")
            && d.stdout.contains("ConfigMap keepme"),
        d,
        "diff shows the namespace refused, naming what it would take"
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(
        r.code == 2
            && r.stderr.contains("--prune-pvcs")
            && r.stderr.contains(&format!("Namespace {db}: not pruned"))
            && r.stderr.contains("PersistentVolumeClaim data")
            && r.stderr.contains("ConfigMap keepme"),
        r,
        "sync refuses the namespace, naming the claim and keepme"
    );
    check!(
        alive(cluster, &["namespace", &db]),
        r,
        "namespace db was not deleted"
    );
    check!(
        alive(cluster, &["pvc", "data", "-n", &db]),
        r,
        "the claim is still there"
    );
    check!(
        alive(cluster, &["configmap", "keepme", "-n", &db]),
        r,
        "keepme is still there"
    );
    check!(
        get(cluster, &["configmap", "plain", "-n", &db]).is_none(),
        r,
        "the plain member was pruned"
    );
    Ok(())
}

/// The plan saw only our member in the namespace; while the sync waited
/// for a wave to become healthy, someone created an object in it. The
/// gate judges the namespace again right before deleting it.
fn a_namespace_that_gains_objects_during_the_sync_is_not_pruned() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("gate-ns-late");
    let n = ns.name.as_str();
    let late = format!("{n}-late");
    let _extra = Extra(cluster, vec![late.clone()]);
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("keep.yaml", &cm("keep", n, "")),
            (
                "late.yaml",
                &[namespace(&late, ""), cm("mine", &late, "")].join("---\n"),
            ),
        ],
        "one",
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(r.code == 0, r, "first sync");
    // Wave 0 takes some 6 s to become available; prune comes after wave 1.
    let slow = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: slow\nspec:\n  replicas: 1\n  minReadySeconds: 6\n  selector:\n    matchLabels: {app: slow}\n  template:\n    metadata:\n      labels: {app: slow}\n    spec:\n      containers:\n        - name: c\n          image: registry.example/slow:1\n";
    let later = cm("later", n, "  annotations:\n    gitsync.io/wave: \"1\"\n");
    repo.git(&["rm", "-q", "late.yaml"]);
    repo.commit(
        &[("slow.yaml", slow), ("later.yaml", &later)],
        "drop the namespace",
    );
    let child = gitsync(repo.path())
        .args(["sync", "--timeout", "60s", "-n", n, "--kubeconfig"])
        .arg(cluster.kubeconfig())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while get(cluster, &["deployment", "slow", "-n", n]).is_none()
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let r = create(cluster, &cm("theirs", &late, ""));
    check!(
        r.code == 0,
        r,
        "someone else's object appears in the namespace"
    );
    let r = Run::from(child.wait_with_output()?);
    check!(
        r.code == 2
            && r.stderr.contains(&format!("Namespace {late}: not pruned"))
            && r.stderr.contains("ConfigMap theirs"),
        r,
        "the namespace is refused at delete time, naming their object"
    );
    check!(
        alive(cluster, &["namespace", &late])
            && alive(cluster, &["configmap", "theirs", "-n", &late]),
        r,
        "the namespace and their object stay"
    );
    check!(
        get(cluster, &["configmap", "mine", "-n", &late]).is_none(),
        r,
        "our member in it was pruned"
    );
    Ok(())
}

fn secret(name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\nimmutable: true\nstringData:\n  k: {value}\n"
    )
}

fn claim(mode: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [{mode}]\n  resources:\n    requests:\n      storage: 1Gi\n"
    )
}

/// --force-replace deletes only members (an object it would adopt is not
/// one yet), and a claim only with --prune-pvcs; diff says so first.
fn force_replace_refuses_adoptions_and_claims() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("gate-replace-refused");
    let n = ns.name.as_str();
    let theirs =
        secret("frozen", "one").replace("metadata:\n", &format!("metadata:\n  namespace: {n}\n"));
    let r = create(cluster, &theirs);
    check!(r.code == 0, r, "someone else's immutable Secret");
    let before = uid(cluster, &["secret", "frozen", "-n", n]);
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("s.yaml", &secret("frozen", "two")),
            ("pvc.yaml", &claim("ReadWriteOnce")),
        ],
        "adopt with an immutable change",
    );
    let d = gs(cluster, &repo, n, &["diff", "--force-replace"]);
    check!(
        d.code == 2 && d.stdout.contains("not a member of this ApplySet yet"),
        d,
        "diff shows the replace refused"
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-wait", "--force-replace"]);
    check!(
        r.code == 2 && r.stdout.contains("not a member of this ApplySet yet"),
        r,
        "sync refuses the replace of an object it would adopt"
    );
    check!(
        uid(cluster, &["secret", "frozen", "-n", n]) == before,
        r,
        "their Secret survives"
    );

    // A claim that is a member: replacing it is deleting its data.
    repo.commit(&[("s.yaml", &cm("other", n, ""))], "no secret");
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(r.code == 0, r, "the claim becomes a member");
    let claim_uid = uid(cluster, &["pvc", "data", "-n", n]);
    repo.commit(&[("pvc.yaml", &claim("ReadWriteMany"))], "immutable change");
    let d = gs(cluster, &repo, n, &["diff", "--force-replace"]);
    check!(
        d.code == 2 && d.stdout.contains("--prune-pvcs"),
        d,
        "diff: replacing the claim needs --prune-pvcs"
    );
    let r = gs(cluster, &repo, n, &["sync", "--no-wait", "--force-replace"]);
    check!(
        r.code == 2 && r.stdout.contains("--prune-pvcs"),
        r,
        "sync refuses to replace the claim"
    );
    check!(
        uid(cluster, &["pvc", "data", "-n", n]) == claim_uid,
        r,
        "the claim survives"
    );
    Ok(())
}

/// The delete of a member's replace carries its uid and resourceVersion,
/// as the API server's audit log shows.
fn a_replace_deletes_with_preconditions() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("gate-replace-member");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("s.yaml", &secret("frozen", "one"))], "one");
    let r = gs(cluster, &repo, n, &["sync", "--no-wait"]);
    check!(r.code == 0, r, "first sync");
    let before = uid(cluster, &["secret", "frozen", "-n", n]);
    repo.commit(&[("s.yaml", &secret("frozen", "two"))], "two");
    let r = gs(cluster, &repo, n, &["sync", "--no-wait", "--force-replace"]);
    check!(r.code == 0 && r.stdout.contains("replace"), r, "replaced");
    let after = uid(cluster, &["secret", "frozen", "-n", n]);
    check!(after != before && !after.is_empty(), r, "recreated");
    let deletes = gitsync_deletes(&cluster.audit_log(), "secrets", n, "frozen")?;
    check!(
        deletes.len() == 1
            && deletes[0]["preconditions"]["uid"] == before.as_str()
            && deletes[0]["preconditions"]["resourceVersion"].is_string(),
        r,
        "one delete, with the old uid and a resourceVersion as preconditions: {deletes:?}"
    );
    Ok(())
}

/// The request bodies (DeleteOptions) of gitsync's deletes of one object.
fn gitsync_deletes(
    log: &Path,
    resource: &str,
    namespace: &str,
    name: &str,
) -> Result<Vec<Value>, libtest_mimic::Failed> {
    let text = std::fs::read_to_string(log)?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| {
            e["verb"] == "delete"
                && e["userAgent"]
                    .as_str()
                    .is_some_and(|ua| ua.starts_with(gitsync::cluster::USER_AGENT))
                && e["objectRef"]["resource"] == resource
                && e["objectRef"]["namespace"] == namespace
                && e["objectRef"]["name"] == name
        })
        .map(|e| e["requestObject"].clone())
        .collect())
}

/// A hook Job's fixed name is taken by someone else's Job: the hook
/// fails naming it, and their Job is left as it was.
fn a_hook_job_does_not_take_a_foreign_jobs_name() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("gate-hook-job");
    let n = ns.name.as_str();
    let r = kubectl(
        cluster,
        &["create", "job", "migrate", "--image=busybox", "-n", n],
    );
    check!(r.code == 0, r, "someone else's Job");
    let theirs = uid(cluster, &["job", "migrate", "-n", n]);
    let repo = GitRepo::new();
    let hook = format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n{PRESYNC}spec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: main, image: busybox}}]\n"
    );
    repo.commit(
        &[("keep.yaml", &cm("keep", n, "")), ("hook.yaml", &hook)],
        "hook",
    );
    let r = gs(cluster, &repo, n, &["sync", "--timeout", "60s"]);
    let all = format!("{}{}", r.stdout, r.stderr);
    check!(
        r.code == 2 && all.contains(&format!("Job {n}/migrate")) && all.contains("not gitsync's"),
        r,
        "the hook fails naming the Job"
    );
    check!(
        uid(cluster, &["job", "migrate", "-n", n]) == theirs
            && alive(cluster, &["job", "migrate", "-n", n]),
        r,
        "their Job is untouched"
    );
    Ok(())
}

/// xorshift64*: a fixed sequence from a seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One Namespace of the model and what Git declares in it.
#[derive(Default, Clone)]
struct Pool {
    declared: bool,
    members: [bool; 2],
    claim: bool,
    keep: bool,
}

/// Something that must survive every sync: (kind, namespace, name).
type Survivor = (&'static str, String, String);

/// Random commits adding and removing Namespaces, claims, opted-out
/// objects, members and hooks (ConfigMaps, and a Namespace), with
/// someone else's objects created beside them, some with a hook's name.
/// After every sync: no foreign object, no opted-out object and no claim
/// (never --prune-pvcs here) was deleted, nor is in a Namespace being
/// deleted. GITSYNC_GATE_SEED replays another sequence.
fn random_commits_never_delete_foreign_or_kept_objects() -> TestResult {
    let seed: u64 = std::env::var("GITSYNC_GATE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    property(seed).map_err(|e| format!("seed {seed} (GITSYNC_GATE_SEED={seed}): {e}").into())
}

fn property(seed: u64) -> Result<(), String> {
    let cluster = Cluster::shared().map_err(|e| format!("{e:?}"))?;
    let ns = cluster.namespace("gate-property");
    let n = ns.name.clone();
    let pools: Vec<String> = (0..3).map(|i| format!("{n}-p{i}")).collect();
    let hook_ns = format!("{n}-h");
    let mut extra = pools.clone();
    extra.push(hook_ns.clone());
    let _extra = Extra(cluster, extra);
    let hook_cms = ["hook-0", "hook-1"];
    let mut rng = Rng(seed | 1);
    let mut model = vec![Pool::default(); pools.len()];
    let mut hooks = [false; 3]; // hook-0, hook-1, the Namespace hook
    let mut survivors: Vec<Survivor> = Vec::new();
    let mut foreign = 0;
    let repo = GitRepo::new();
    for step in 0..12 {
        // Git: flip a few things.
        for _ in 0..3 {
            let p = rng.below(pools.len());
            match rng.below(6) {
                0 => model[p].declared = !model[p].declared,
                1 => model[p].claim = !model[p].claim,
                2 => model[p].keep = !model[p].keep,
                3 | 4 => {
                    let m = rng.below(2);
                    model[p].members[m] = !model[p].members[m];
                }
                _ => {
                    let h = rng.below(hooks.len());
                    hooks[h] = !hooks[h];
                }
            }
        }
        let mut files = vec![("keep.yaml".to_string(), cm("keep", &n, ""))];
        for (p, pool) in model.iter().enumerate().filter(|(_, m)| m.declared) {
            let name = &pools[p];
            let mut docs = vec![namespace(name, "")];
            for (m, on) in pool.members.iter().enumerate() {
                if *on {
                    docs.push(cm(&format!("member-{m}"), name, ""));
                }
            }
            if pool.keep {
                docs.push(cm("keepme", name, KEEP));
            }
            if pool.claim {
                docs.push(
                    claim("ReadWriteOnce")
                        .replace("metadata:\n", &format!("metadata:\n  namespace: {name}\n")),
                );
            }
            files.push((format!("pool-{p}.yaml"), docs.join("---\n")));
        }
        for (h, name) in hook_cms.iter().enumerate() {
            if hooks[h] {
                files.push((format!("{name}.yaml"), cm(name, &n, PRESYNC)));
            }
        }
        if hooks[2] {
            files.push(("hook-ns.yaml".into(), namespace(&hook_ns, PRESYNC)));
        }
        for f in std::fs::read_dir(repo.path()).map_err(|e| e.to_string())? {
            let f = f.map_err(|e| e.to_string())?;
            if f.file_name().to_string_lossy().ends_with(".yaml") {
                std::fs::remove_file(f.path()).map_err(|e| e.to_string())?;
            }
        }
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        repo.commit(&files, &format!("step {step}"));

        // Someone else: an object in a Namespace that exists, or one
        // with a hook's name.
        let mut places: Vec<&str> = pools.iter().map(String::as_str).collect();
        places.push(&hook_ns);
        let place = places[rng.below(places.len())];
        let (where_, name) = if rng.chance(3) {
            (n.as_str(), hook_cms[rng.below(hook_cms.len())].to_string())
        } else {
            foreign += 1;
            (place, format!("foreign-{foreign}"))
        };
        if alive(cluster, &["namespace", where_])
            && get(cluster, &["configmap", &name, "-n", where_]).is_none()
            && create(cluster, &cm(&name, where_, "")).code == 0
        {
            survivors.push(("configmap", where_.to_string(), name));
        }

        let r = gs(
            cluster,
            &repo,
            &n,
            &["sync", "--no-wait", "--timeout", "60s"],
        );
        if r.code != 0 && r.code != 2 {
            return Err(format!(
                "step {step}: sync exit {}\n{}{}",
                r.code, r.stdout, r.stderr
            ));
        }
        // What this sync made that must stay: opted-out objects, claims.
        for (p, pool) in model.iter().enumerate().filter(|(_, m)| m.declared) {
            let here = &pools[p];
            for (on, kind, name) in [
                (pool.keep, "configmap", "keepme"),
                (pool.claim, "pvc", "data"),
            ] {
                let known = survivors
                    .iter()
                    .any(|(k, s, o)| *k == kind && s == here && o == name);
                if on && !known && alive(cluster, &[kind, name, "-n", here]) {
                    survivors.push((kind, here.clone(), name.to_string()));
                }
            }
        }
        for (kind, where_, name) in &survivors {
            if !alive(cluster, &[kind, name, "-n", where_])
                || !alive(cluster, &["namespace", where_])
            {
                return Err(format!(
                    "step {step}: {kind} {where_}/{name} was deleted (or its namespace is being deleted)\n--- sync exit {}\n{}{}",
                    r.code, r.stdout, r.stderr
                ));
            }
        }
    }
    Ok(())
}
