//! The bad-input corpus, end to end: the real binary runs `gitsync sync`
//! against the cluster on each malformed repository. Every case must exit
//! 2, name the file (and document and line where there is one) on stderr,
//! keep a planted secret out of its output, and leave the namespace exactly
//! as it was (every object's resourceVersion unchanged).
//!
//! `src/render/bad_input_tests.rs` checks messages at the unit level; this
//! checks what a user sees, and that nothing reaches the cluster.

use std::os::unix::fs::symlink;
use std::path::Path;

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, Run, TestResult, gitsync, kubectl, path_with, render_tools, run};

pub fn tests() -> Vec<Trial> {
    vec![crate::trial!(
        bad_inputs_exit_2_name_the_file_and_leave_the_cluster_alone
    )]
}

/// Planted outside every repository; no output may ever show it.
const SECRET: &str = "TOKEN-d0n0tl3ak-7f3a";

/// The object every case also holds, changed from what the cluster has: a
/// sync that went ahead would show in its resourceVersion.
fn base(value: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\ndata:\n  value: {value}\n")
}

fn cm(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
}

const CHART: &str = "apiVersion: v2\nname: app\nversion: 0.1.0\n";

struct Case {
    name: &'static str,
    /// Files to write (path, content) besides `base.yaml`.
    files: Vec<(&'static str, Vec<u8>)>,
    /// Symlinks (path, target); `@OUT` in a target is the outside dir.
    links: Vec<(&'static str, &'static str)>,
    /// Extra arguments for `gitsync sync`.
    args: Vec<&'static str>,
    /// What stderr must say (file, document, line, problem).
    expect: Vec<&'static str>,
}

fn case(name: &'static str, files: &[(&'static str, &str)], expect: &[&'static str]) -> Case {
    Case {
        name,
        files: files
            .iter()
            .map(|(p, t)| (*p, t.as_bytes().to_vec()))
            .collect(),
        links: Vec::new(),
        args: Vec::new(),
        expect: expect.to_vec(),
    }
}

impl Case {
    fn link(mut self, path: &'static str, target: &'static str) -> Case {
        self.links.push((path, target));
        self
    }
    fn args(mut self, args: &[&'static str]) -> Case {
        self.args.extend(args);
        self
    }
    fn bytes(mut self, path: &'static str, data: Vec<u8>) -> Case {
        self.files.push((path, data));
        self
    }
}

fn cases() -> Vec<Case> {
    let alias_bomb = {
        let mut s = String::from(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a0: &a0 [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n",
        );
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "  a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
            ));
        }
        s
    };
    let kustomization = |body: &str| format!("resources:\n{body}");
    vec![
        // YAML syntax
        case("unclosed bracket", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [broken\n")], &["bad.yaml", "invalid YAML", "line"]),
        case("tab indentation", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n")], &["bad.yaml", "invalid YAML", "line 4"]),
        case("second document broken", &[("bad.yaml", &format!("{}---\nkind: [\n", cm("first")))], &["bad.yaml: document 2", "invalid YAML"]),
        case("unterminated quote", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"x\n")], &["bad.yaml", "invalid YAML"]),
        case("document is a string", &[("bad.yaml", "just a string\n")], &["bad.yaml: document 1", "mapping"]),
        case("document is a list", &[("bad.yaml", "- a\n- b\n")], &["bad.yaml: document 1", "mapping"]),
        case("invalid JSON", &[("bad.json", "{\"apiVersion\": \"v1\", \"kind\": ")], &["bad.json", "invalid JSON"]),
        case("JSON trailing comma", &[("bad.json", "{\"apiVersion\": \"v1\",\n \"kind\": \"ConfigMap\",\n \"metadata\": {\"name\": \"x\"},\n}\n")], &["bad.json: document 1 (line 4", "invalid JSON", "trailing comma"]),
        case("not UTF-8", &[], &["bad.yaml", "not UTF-8"]).bytes("bad.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xff\xfe}\n".to_vec()),
        // schema
        case("apiVersion missing", &[("bad.yaml", "kind: ConfigMap\nmetadata: {name: x}\n")], &["bad.yaml: document 1 (line 1)", "apiVersion is missing"]),
        case("kind missing", &[("bad.yaml", "apiVersion: v1\nmetadata: {name: x}\n")], &["bad.yaml: document 1", "kind is missing"]),
        case("metadata missing", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\n")], &["bad.yaml: document 1", "metadata is missing"]),
        case("name missing", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n")], &["bad.yaml: document 1", "metadata.name is missing"]),
        case("name empty", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"\"}\n")], &["bad.yaml", "metadata.name is empty"]),
        case("name invalid", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Web_App}\n")], &["bad.yaml: document 1", "\"Web_App\" is invalid"]),
        case("namespace name with a dot", &[("bad.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop.prod}\n")], &["bad.yaml", "DNS-1123 label"]),
        case("service name too long", &[("bad.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a-very-long-service-name-that-goes-on-and-on-past-the-limit-of-63}\n")], &["bad.yaml", "at most 63 characters"]),
        case("namespace invalid", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: Shop}\n")], &["bad.yaml", "metadata.namespace \"Shop\" is invalid"]),
        case("namespace not a string", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: 7}\n")], &["bad.yaml", "metadata.namespace must be a string"]),
        case("apiVersion not a string", &[("bad.yaml", "apiVersion: 1\nkind: ConfigMap\nmetadata: {name: x}\n")], &["bad.yaml", "apiVersion must be a string"]),
        case("apiVersion invalid", &[("bad.yaml", "apiVersion: apps/v1/extra\nkind: Deployment\nmetadata: {name: x}\n")], &["bad.yaml", "\"apps/v1/extra\" is invalid"]),
        case("kind a list", &[("bad.yaml", "apiVersion: v1\nkind: [ConfigMap]\nmetadata: {name: x}\n")], &["bad.yaml", "kind must be a string"]),
        case("metadata a list", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n")], &["bad.yaml", "metadata must be a mapping"]),
        case("label not a string", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: {version: 2}}\n")], &["bad.yaml", "metadata.labels.version must be a string"]),
        case("annotation not a string", &[("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, annotations: {a: {b: c}}}\n")], &["bad.yaml", "metadata.annotations.a must be a string"]),
        case("bad item in a List", &[("bad.yaml", "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {}\n")], &["bad.yaml: document 1, item 2", "metadata.name is missing"]),
        // duplicate identities
        case("duplicate in one file", &[("dup.yaml", &format!("{}---\n{}", cm("twice"), cm("twice")))], &["dup.yaml: document 1", "dup.yaml: document 2"]),
        case("duplicate across files", &[("a.yaml", &cm("twice")), ("b.yaml", &cm("twice"))], &["a.yaml: document 1", "b.yaml: document 1"]),
        // size and alias bombs
        case("oversized file", &[], &["huge.yaml", "over the 20 MiB limit"]).bytes("huge.yaml", {
            let mut v = b"# padding\n".to_vec();
            v.resize(21 * 1024 * 1024, b'#');
            v
        }),
        case("alias bomb", &[("bomb.yaml", &alias_bomb)], &["bomb.yaml", "invalid YAML"]),
        // symlinks and paths leading out, for each renderer
        case("plain: symlinked file out", &[], &["leak.yaml", "symlink leads outside the repository"]).link("leak.yaml", "@OUT/token.yaml"),
        case("plain: symlinked directory out", &[], &["outdir", "symlink leads outside the repository"]).link("outdir", "@OUT"),
        case("kustomize: symlink out", &[("k/kustomization.yaml", &kustomization("  - leak.yaml\n"))], &["k/leak.yaml", "symlink leads outside the repository"]).link("k/leak.yaml", "@OUT/token.yaml").args(&["--path", "k"]),
        case("kustomize: resource ../ out", &[("k/kustomization.yaml", &kustomization("  - ../../../../../../../../../../tmp\n"))], &["k/kustomization.yaml", "resources entry", "leads outside the repository"]).args(&["--path", "k"]),
        case("kustomize: absolute resource", &[("k/kustomization.yaml", &kustomization("  - /etc/hostname\n"))], &["k/kustomization.yaml", "\"/etc/hostname\"", "leads outside"]).args(&["--path", "k"]),
        case("kustomize: generator file out", &[("k/kustomization.yaml", "configMapGenerator:\n  - name: leak\n    files: [token=../../../../../../../../etc/hostname]\n")], &["k/kustomization.yaml", "configMapGenerator.files", "leads outside"]).args(&["--path", "k"]),
        case("kustomize: base with a symlink out", &[("k/kustomization.yaml", &kustomization("  - ../b\n")), ("b/kustomization.yaml", &kustomization("  - leak.yaml\n"))], &["b/leak.yaml", "symlink leads outside"]).link("b/leak.yaml", "@OUT/token.yaml").args(&["--path", "k"]),
        case("helm: symlink out in the chart", &[("c/Chart.yaml", CHART), ("c/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {t: {{ .Files.Get \"files/token\" | quote }}}\n")], &["c/files/token", "symlink leads outside"]).link("c/files/token", "@OUT/token.yaml").args(&["--path", "c"]),
        case("helm: absolute values file", &[("c/Chart.yaml", CHART)], &["/etc/hostname", "must be a path relative to the repository root"]).args(&["--path", "c", "--values", "/etc/hostname"]),
        case("helm: values file ../ out", &[("c/Chart.yaml", CHART)], &["../../../../../../../../etc/hostname", "leads outside the repository"]).args(&["--path", "c", "--values", "../../../../../../../../etc/hostname"]),
        case("helm: values symlink out", &[("c/Chart.yaml", CHART)], &["v.yaml", "symlink leading outside the repository"]).link("v.yaml", "@OUT/token.yaml").args(&["--path", "c", "--values", "v.yaml"]),
        case("helm: values file missing", &[("c/Chart.yaml", CHART)], &["nope.yaml", "not found in the repository"]).args(&["--path", "c", "--values", "nope.yaml"]),
        case("--path out of the repository", &[], &["../..", "outside the repository"]).args(&["--path", "../.."]),
        // renderers failing
        case("helm: values file invalid", &[("c/Chart.yaml", CHART), ("c/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"), ("v.yaml", "a: [\n")], &["c", "helm template", "v.yaml"]).args(&["--path", "c", "--values", "v.yaml"]),
        case("helm: template error", &[("c/Chart.yaml", CHART), ("c/templates/cm.yaml", "{{ .Values.nope.deeper }}\n")], &["c", "helm template", "cm.yaml"]).args(&["--path", "c"]),
        case("helm: renders an invalid object", &[("c/Chart.yaml", CHART), ("c/templates/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n")], &["c (helm template): document 1", "\"Bad_Name\" is invalid"]).args(&["--path", "c"]),
        case("kustomize: missing resource", &[("k/kustomization.yaml", &kustomization("  - missing.yaml\n"))], &["k", "kustomize build", "missing.yaml"]).args(&["--path", "k"]),
        case("kustomize: invalid kustomization", &[("k/kustomization.yaml", "resources: {not: a list}\n")], &["k", "kustomize build"]).args(&["--path", "k"]),
        // gitsync.yaml
        case("gitsync.yaml: invalid YAML", &[("gitsync.yaml", "targets:\n  - name: [x\n")], &["gitsync.yaml (line", "column"]),
        case("gitsync.yaml: unknown key", &[("gitsync.yaml", "targets:\n  - name: a\n    prnue: false\n")], &["gitsync.yaml", "prnue"]),
        case("gitsync.yaml: duplicate targets", &[("gitsync.yaml", "targets:\n  - name: a\n  - name: a\n")], &["gitsync.yaml", "declared twice"]),
        case("gitsync.yaml: empty target name", &[("gitsync.yaml", "targets:\n  - name: \"\"\n")], &["gitsync.yaml", "empty name"]),
        case("gitsync.yaml: wrong type", &[("gitsync.yaml", "targets:\n  - name: a\n    prune: maybe\n")], &["gitsync.yaml (line 3"]),
        case("gitsync.yaml: kubeconfig", &[("gitsync.yaml", "targets:\n  - name: a\n    cluster: {kubeconfig: kc}\n"), ("kc", SECRET)], &["gitsync.yaml (line 3)", "--trust-repo-kubeconfig"]),
        case("gitsync.yaml: unknown target", &[("gitsync.yaml", "targets:\n  - name: a\n")], &["gitsync.yaml", "\"b\"", "targets: a"]).args(&["--target", "b"]),
        case("gitsync.yaml: target path missing", &[("gitsync.yaml", "targets:\n  - name: a\n    path: nowhere\n")], &["nowhere", "not found"]),
        case("gitsync.yaml: target values out", &[("gitsync.yaml", "targets:\n  - name: a\n    path: c\n    helm: {values: [../../../../../../etc/hostname]}\n"), ("c/Chart.yaml", CHART)], &["etc/hostname", "leads outside the repository"]),
        case("gitsync.yaml: two targets, none chosen", &[("gitsync.yaml", "targets:\n  - name: a\n  - name: b\n")], &["gitsync.yaml", "--target NAME"]),
    ]
}

/// `kind/name=resourceVersion` of everything in the namespace that a sync
/// could touch (the controller-made root CA ConfigMap left out).
fn versions(cluster: &Cluster, ns: &str) -> Run {
    kubectl(
        cluster,
        &[
            "get",
            "configmaps,secrets,services,serviceaccounts,deployments",
            "-n",
            ns,
            "-o",
            "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{\"\\n\"}{end}",
        ],
    )
}

fn stable(run: &Run) -> Vec<String> {
    let mut v: Vec<String> = run
        .stdout
        .lines()
        .filter(|l| {
            !l.starts_with("ConfigMap/kube-root-ca.crt=")
                && !l.starts_with("ServiceAccount/default=")
        })
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn bad_inputs_exit_2_name_the_file_and_leave_the_cluster_alone() -> TestResult {
    let cluster = Cluster::shared()?;
    let tools = render_tools()?;
    let ns = cluster.namespace("bad-input");
    let n = ns.name.as_str();
    let outside = tempfile::Builder::new()
        .prefix("gitsync-outside-")
        .tempdir()?;
    std::fs::write(
        outside.path().join("token.yaml"),
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: leaked}}\ndata: {{token: {SECRET}}}\n"
        ),
    )?;

    // What the cluster holds: a synced ApplySet with one ConfigMap.
    let good = tempfile::tempdir()?;
    std::fs::write(good.path().join("base.yaml"), base("original"))?;
    let sync = |dir: &Path, extra: &[&str]| -> Run {
        run(gitsync(dir)
            .env("PATH", path_with(&tools))
            .args([
                "sync",
                "--no-wait",
                "--name",
                "bad-input",
                "-n",
                n,
                "--kubeconfig",
            ])
            .arg(cluster.kubeconfig())
            .args(extra))
    };
    let r = sync(good.path(), &[]);
    check!(r.code == 0, r, "the first sync");
    let before = stable(&versions(cluster, n));
    check!(
        before.iter().any(|l| l.starts_with("ConfigMap/base=")),
        r,
        "the base ConfigMap exists: {before:?}"
    );

    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let repo = tempfile::Builder::new().prefix("gitsync-bad-").tempdir()?;
        let root = repo.path();
        std::fs::write(root.join("base.yaml"), base("changed"))?;
        for (path, data) in &c.files {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap())?;
            std::fs::write(p, data)?;
        }
        for (path, target) in &c.links {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap())?;
            symlink(target.replace("@OUT", outside.path().to_str().unwrap()), p)?;
        }
        let r = sync(root, &c.args);
        let after = stable(&versions(cluster, n));
        let mut wrong = Vec::new();
        if r.code != 2 {
            wrong.push(format!("exit code {} (want 2)", r.code));
        }
        for want in &c.expect {
            if !r.stderr.contains(want) {
                wrong.push(format!("stderr lacks {want:?}"));
            }
        }
        if r.stdout.contains(SECRET) || r.stderr.contains(SECRET) {
            wrong.push("the planted secret reached the output".into());
        }
        if after != before {
            wrong.push(format!("the cluster changed: {before:?} → {after:?}"));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{}: {}\n--- stderr:\n{}",
                c.name,
                wrong.join("; "),
                r.stderr
            ));
        }
    }
    println!("    {} bad inputs checked", cases.len());
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} cases:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        )
        .into())
    }
}
