//! `diff` predicts exactly what `sync` does, from any starting state: a
//! cluster first managed by kubectl, after gitsync, after manual edits,
//! with immutable changes; and helm renders for the cluster it targets.

use std::collections::BTreeMap;

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{
    Cluster, GitRepo, Run, TestResult, gitsync, kubectl, path_with, render_tools, run,
};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(adopting_a_kubectl_managed_cluster),
        crate::trial!(diff_actions_equal_sync_actions_from_every_start),
        crate::trial!(helm_renders_for_the_connected_cluster),
    ]
}

/// A small app: a ConfigMap, a Secret written with stringData, a
/// Deployment and a Service.
fn app(ns: &str, replicas: u32, app_label: &str) -> String {
    format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: {ns}
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: token
  namespace: {ns}
stringData:
  token: s3cret-value
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {ns}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {app_label}
  template:
    metadata:
      labels:
        app: {app_label}
    spec:
      containers:
        - name: web
          image: registry.example/web:1
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: {ns}
spec:
  selector:
    app: web
  ports:
    - port: 80
"
    )
}

fn gitsync_run(cluster: &Cluster, repo: &GitRepo, args: &[&str]) -> Run {
    run(gitsync(repo.path())
        .args(args)
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig()))
}

/// `Kind/name` → action, from `diff -o json` (a replace is an update
/// with `replace: true`) or from `sync -o json`.
fn actions(json: &str, key: &str) -> BTreeMap<String, String> {
    let v: Value = serde_json::from_str(json).unwrap_or_default();
    v[key]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            let mut action = o["action"].as_str().unwrap_or_default().to_string();
            if o["replace"] == true {
                action = "replace".into();
            }
            (
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap_or_default(),
                    o["name"].as_str().unwrap_or_default()
                ),
                action,
            )
        })
        .collect()
}

/// Objects named in the plan's errors, with the conflicting fields.
fn errors(json: &str) -> BTreeMap<String, Vec<String>> {
    let v: Value = serde_json::from_str(json).unwrap_or_default();
    v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let fields = e["conflicts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    format!(
                        "{}:{}",
                        c["manager"].as_str().unwrap_or_default(),
                        c["field"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            (
                format!(
                    "{}/{}",
                    e["kind"].as_str().unwrap_or_default(),
                    e["name"].as_str().unwrap_or_default()
                ),
                fields,
            )
        })
        .collect()
}

fn resource_versions(cluster: &Cluster, ns: &str) -> String {
    kubectl(
        cluster,
        &[
            "get",
            "configmap,secret,deployment,service",
            "-n",
            ns,
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}",
        ],
    )
    .stdout
}

/// The migration that broke trust: objects first applied by kubectl
/// (server-side, manager `kubectl`). diff names every adoption and the
/// conflicts sync would hit (the stringData Secret); sync without
/// --force-conflicts refuses exactly those and writes nothing; with it,
/// sync does what diff said; then nothing is left to do.
fn adopting_a_kubectl_managed_cluster() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("adopt-kubectl");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("app.yaml", &app(n, 1, "web"))], "app");
    let file = repo.path().join("app.yaml");
    let r = kubectl(
        cluster,
        &["apply", "--server-side", "-f", file.to_str().unwrap()],
    );
    check!(r.code == 0, r, "kubectl apply --server-side");

    let d = gitsync_run(cluster, &repo, &["diff", "-n", n, "-o", "json"]);
    check!(
        d.code == 2,
        d,
        "a conflict sync would hit makes diff exit 2"
    );
    let planned = actions(&d.stdout, "changes");
    let expected: BTreeMap<String, String> = [
        ("ConfigMap/settings", "adopt"),
        ("Deployment/web", "adopt"),
        ("Service/web", "adopt"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    check!(
        planned == expected,
        d,
        "every existing object is an adoption: {planned:?}"
    );
    let conflicts = errors(&d.stdout);
    check!(
        conflicts.len() == 1
            && conflicts["Secret/token"] == vec!["kubectl:.stringData.token".to_string()],
        d,
        "the conflict sync would hit, with manager and field: {conflicts:?}"
    );
    let text = gitsync_run(cluster, &repo, &["diff", "-n", n]);
    check!(
        text.code == 2
            && text
                .stdout
                .contains(&format!("@ v1 ConfigMap {n}/settings"))
            && text.stdout.contains("--force-conflicts"),
        text,
        "text names the adoption and the way out"
    );

    let before = resource_versions(cluster, n);
    let s = gitsync_run(
        cluster,
        &repo,
        &["sync", "-n", n, "--no-wait", "-o", "json"],
    );
    check!(s.code == 2, s, "sync refuses as diff said");
    check!(
        errors(&s.stdout) == conflicts,
        s,
        "sync names the same conflicts"
    );
    check!(
        resource_versions(cluster, n) == before,
        s,
        "and writes nothing"
    );

    let d = gitsync_run(
        cluster,
        &repo,
        &["diff", "-n", n, "-o", "json", "--force-conflicts"],
    );
    check!(
        d.code == 1,
        d,
        "with --force-conflicts the plan has changes"
    );
    let v: Value = serde_json::from_str(&d.stdout)?;
    let secret = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "Secret")
        .cloned()
        .unwrap_or_default();
    check!(
        secret["action"] == "adopt" && secret["conflicts"][0]["manager"] == "kubectl",
        d,
        "the Secret is adopted taking over kubectl's field"
    );
    let s = gitsync_run(
        cluster,
        &repo,
        &[
            "sync",
            "-n",
            n,
            "--no-wait",
            "-o",
            "json",
            "--force-conflicts",
        ],
    );
    check!(s.code == 0, s, "sync with --force-conflicts");
    check!(
        actions(&s.stdout, "objects") == actions(&d.stdout, "changes"),
        s,
        "sync did object for object what diff said"
    );
    let d = gitsync_run(cluster, &repo, &["diff", "-n", n]);
    check!(d.code == 0, d, "nothing left to do");
    Ok(())
}

/// From several starting states, the per-object actions of `diff -o json`
/// equal those `sync -o json` performs with the same flags.
fn diff_actions_equal_sync_actions_from_every_start() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("predict");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let flags = ["-n", n, "--force-conflicts", "--force-replace"];
    let compare = |state: &str, expect: &[(&str, &str)]| -> TestResult {
        let d = gitsync_run(
            cluster,
            &repo,
            &[&["diff", "-o", "json"][..], &flags].concat(),
        );
        check!(d.code == 0 || d.code == 1, d, "{state}: diff");
        let s = gitsync_run(
            cluster,
            &repo,
            &[&["sync", "-o", "json", "--no-wait"][..], &flags].concat(),
        );
        check!(s.code == 0, s, "{state}: sync");
        let (planned, done) = (actions(&d.stdout, "changes"), actions(&s.stdout, "objects"));
        check!(
            planned == done,
            s,
            "{state}: diff said {planned:?}, sync did {done:?}"
        );
        for (object, action) in expect {
            check!(
                planned.get(*object).map(String::as_str) == Some(*action),
                d,
                "{state}: {object} is {action}: {planned:?}"
            );
        }
        let again = gitsync_run(cluster, &repo, &["diff", "-n", n]);
        check!(again.code == 0, again, "{state}: converged");
        Ok(())
    };

    // Empty: everything is created.
    repo.commit(&[("app.yaml", &app(n, 1, "web"))], "app");
    compare(
        "empty",
        &[("Deployment/web", "create"), ("Secret/token", "create")],
    )?;
    // After gitsync: nothing to do.
    compare(
        "after sync",
        &[
            ("Deployment/web", "unchanged"),
            ("Secret/token", "unchanged"),
        ],
    )?;
    // Manual edits: an owned field (replicas, taken by kubectl scale) and
    // an unowned one (a label nobody in Git sets).
    let r = kubectl(
        cluster,
        &["scale", "deployment", "web", "-n", n, "--replicas=3"],
    );
    check!(r.code == 0, r, "scale");
    let r = kubectl(
        cluster,
        &["label", "configmap", "settings", "-n", n, "team=ops"],
    );
    check!(r.code == 0, r, "label");
    compare(
        "manual edits",
        &[
            ("Deployment/web", "update"),
            ("ConfigMap/settings", "unchanged"),
        ],
    )?;
    // Applied by another manager, then an immutable field changes in Git
    // and one object is dropped from it.
    let r = kubectl(cluster, &["delete", "configmap", "settings", "-n", n]);
    check!(r.code == 0, r, "delete");
    let other = repo.path().join("other.yaml");
    std::fs::write(
        &other,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n",
    )
    .unwrap();
    let r = kubectl(
        cluster,
        &[
            "apply",
            "--server-side",
            "--field-manager=helm",
            "-n",
            n,
            "-f",
            other.to_str().unwrap(),
        ],
    );
    check!(r.code == 0, r, "applied by another manager");
    std::fs::remove_file(&other).unwrap();
    let changed = app(n, 1, "web2");
    let without_service = &changed[..changed.rfind("---").unwrap()];
    repo.commit(&[("app.yaml", without_service)], "selector and service");
    compare(
        "other manager, immutable change, dropped object",
        &[
            ("ConfigMap/settings", "adopt"),
            ("Deployment/web", "replace"),
            ("Service/web", "delete"),
        ],
    )?;
    Ok(())
}

/// A chart that declares kubeVersion and gates a template on a CRD's API
/// renders for the cluster it is synced to, as Argo CD renders it.
fn helm_renders_for_the_connected_cluster() -> TestResult {
    let tools = render_tools()?;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("helm-caps");
    let n = ns.name.as_str();
    let group = format!("{n}.example.com");
    let crd = format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: gadgets, singular: gadget, kind: Gadget}}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}
"
    );
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("crd.yaml"), &crd)?;
    let r = kubectl(
        cluster,
        &["apply", "-f", dir.path().join("crd.yaml").to_str().unwrap()],
    );
    check!(r.code == 0, r, "crd");
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("chart/Chart.yaml", "apiVersion: v2\nname: caps\nversion: 0.1.0\nkubeVersion: \">=1.23.0-0\"\n"),
            (
                "chart/templates/gated.yaml",
                &format!(
                    "{{{{- if .Capabilities.APIVersions.Has \"{group}/v1/Gadget\" }}}}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gated\ndata:\n  kube: {{{{ .Capabilities.KubeVersion.Version | quote }}}}\n{{{{- end }}}}\n"
                ),
            ),
            ("chart/templates/always.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: always\n"),
        ],
        "chart",
    );
    let with_tools = |args: &[&str]| {
        run(gitsync(repo.path())
            .env("PATH", path_with(&tools))
            .args(args)
            .arg("--kubeconfig")
            .arg(cluster.kubeconfig()))
    };
    // Without a cluster, helm's defaults: Kubernetes v1.20.0.
    let r = with_tools(&["render", "--path", "chart"]);
    check!(
        r.code == 2 && r.stderr.contains("v1.20.0"),
        r,
        "render alone assumes helm's default version"
    );
    let r = with_tools(&[
        "render",
        "--path",
        "chart",
        "--kube-version",
        "v1.30.0",
        "--api-versions",
        &format!("{group}/v1/Gadget"),
    ]);
    check!(
        r.code == 0 && r.stdout.contains("name: gated") && r.stdout.contains("v1.30.0"),
        r,
        "render with flags"
    );
    // Connected: the server's version and the CRD it serves.
    let r = with_tools(&["diff", "--path", "chart", "-n", n]);
    check!(
        r.code == 1
            && r.stdout.contains(&format!("+ v1 ConfigMap {n}/gated"))
            && r.stdout.contains("kube: v1.34"),
        r,
        "diff renders for the cluster"
    );
    let r = with_tools(&["sync", "--path", "chart", "-n", n, "--no-wait"]);
    check!(r.code == 0, r, "sync");
    check!(
        kubectl(cluster, &["get", "configmap", "gated", "-n", n]).code == 0,
        r,
        "the gated object exists"
    );
    let r = kubectl(cluster, &["delete", "crd", &format!("gadgets.{group}")]);
    check!(r.code == 0, r, "crd removed");
    Ok(())
}
