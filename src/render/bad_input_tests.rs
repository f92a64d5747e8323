//! Bad input, end to end through render and validation: every message must
//! name the file and say what is wrong.

use std::fs;
use std::path::Path;

use super::{RenderError, RenderRequest, render};
use crate::desired::DesiredSet;

/// Renders and validates `files` laid out in a temp repository; returns the
/// error text.
fn problems(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    run(dir.path())
}

fn run(root: &Path) -> String {
    let req = RenderRequest {
        root: root.to_path_buf(),
        ..Default::default()
    };
    match render(&req) {
        Err(e) => e.to_string(),
        Ok(rendered) => match DesiredSet::from_rendered(rendered) {
            Err(p) => p.to_string(),
            Ok(_) => panic!("expected problems in {root:?}"),
        },
    }
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n";

#[test]
fn bad_inputs_name_the_file_and_the_problem() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "a.yaml",
            "kind: ConfigMap\nmetadata: {name: x}\n",
            &["a.yaml: document 1 (line 1)", "apiVersion is missing"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nmetadata: {name: x}\n",
            &["a.yaml: document 1", "kind is missing"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\n",
            &["a.yaml", "metadata is missing"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n",
            &["a.yaml", "metadata.name is missing"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"\"}\n",
            &["a.yaml", "metadata.name is empty"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Web_App}\n",
            &[
                "a.yaml",
                "metadata.name \"Web_App\" is invalid",
                "DNS-1123 subdomain",
            ],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop.prod}\n",
            &["a.yaml", "DNS-1123 label"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: Service\nmetadata: {name: a-very-long-service-name-that-goes-on-and-on-past-the-limit-of-63}\n",
            &["a.yaml", "at most 63 characters"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: Shop}\n",
            &["a.yaml", "metadata.namespace \"Shop\" is invalid"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: 7}\n",
            &["a.yaml", "metadata.namespace must be a string"],
        ),
        (
            "a.yaml",
            "apiVersion: 1\nkind: ConfigMap\nmetadata: {name: x}\n",
            &["a.yaml", "apiVersion must be a string"],
        ),
        (
            "a.yaml",
            "apiVersion: apps/v1/extra\nkind: Deployment\nmetadata: {name: x}\n",
            &["a.yaml", "apiVersion \"apps/v1/extra\" is invalid"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: [ConfigMap]\nmetadata: {name: x}\n",
            &["a.yaml", "kind must be a string, found a list"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n",
            &["a.yaml", "metadata must be a mapping"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: {version: 2}}\n",
            &[
                "a.yaml",
                "metadata.labels.version must be a string",
                "quote it",
            ],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, annotations: [a]}\n",
            &["a.yaml", "metadata.annotations must be a mapping"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, annotations: {gitsync.io/wave: soon}}\n",
            &["a.yaml", "gitsync.io/wave must be a whole number"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {generateName: web-}\n",
            &["a.yaml", "generateName is not supported"],
        ),
        (
            "a.yaml",
            "- just\n- a list\n",
            &["a.yaml: document 1", "must be a mapping", "found a list"],
        ),
        (
            "a.yaml",
            "hello\n",
            &["a.yaml: document 1", "found a string"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n",
            &["a.yaml", "invalid YAML", "duplicate"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n",
            &["a.yaml", "invalid YAML", "line"],
        ),
        (
            "a.json",
            "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"",
            &["a.json: document 1 (line 1", "invalid JSON"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n",
            &["a.yaml", "invalid YAML"],
        ),
        (
            "sub/dir/b.yml",
            &format!("{CM}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: \"-x\"}}\n"),
            &["sub/dir/b.yml: document 2 (line 6)", "\"-x\" is invalid"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: ok}\n- apiVersion: v1\n  kind: ConfigMap\n",
            &["a.yaml: document 1, item 2", "metadata is missing"],
        ),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: &a {k: *a}\n",
            &["a.yaml", "invalid YAML"],
        ),
    ];
    assert!(cases.len() >= 25);
    for (file, text, expected) in cases {
        let msg = problems(&[(file, text)]);
        for want in *expected {
            assert!(
                msg.contains(want),
                "for {file}:\n{text}\nexpected {want:?} in:\n{msg}"
            );
        }
    }
}

#[test]
fn all_problems_are_reported_together() {
    let msg = problems(&[
        ("a.yaml", "kind: ConfigMap\nmetadata: {name: x}\n"),
        (
            "b.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n",
        ),
        ("c/d.yaml", "apiVersion: v1\nkind: Secret\n"),
    ]);
    assert!(msg.starts_with("3 problems in the manifests:"), "{msg}");
    for f in ["a.yaml", "b.yaml", "c/d.yaml"] {
        assert!(msg.contains(f), "{f} missing in {msg}");
    }
}

#[test]
fn duplicates_name_both_places() {
    let msg = problems(&[("a.yaml", CM), ("z/b.yaml", &format!("{CM}---\n{CM}"))]);
    assert!(msg.contains("z/b.yaml: document 1 (line 1): duplicate object ConfigMap ok: also defined at a.yaml: document 1 (line 1)"), "{msg}");
    assert!(msg.contains("z/b.yaml: document 2"), "{msg}");
}

#[test]
fn not_utf8_is_refused() {
    let msg = problems(&[(
        "a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\u{e9}}\n",
    )]);
    assert!(!msg.is_empty());
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bin.yaml"), b"apiVersion: v1\n\xff\xfe\n").unwrap();
    let msg = run(dir.path());
    assert!(
        msg.contains("bin.yaml") && msg.contains("not UTF-8"),
        "{msg}"
    );
}

#[test]
fn symlink_out_of_the_repository_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.yaml"), CM).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        dir.path().join("link.yaml"),
    )
    .unwrap();
    let msg = run(dir.path());
    assert!(
        msg.contains("link.yaml") && msg.contains("outside the repository"),
        "{msg}"
    );
}

#[test]
fn symlink_inside_is_followed_and_loops_end() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("real")).unwrap();
    fs::write(dir.path().join("real/cm.yaml"), CM).unwrap();
    std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("real/loop")).unwrap();
    let docs = render(&RenderRequest {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap()
    .documents;
    assert_eq!(docs.len(), 1);
}

#[test]
fn huge_file_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = fs::File::create(dir.path().join("big.yaml")).unwrap();
    f.set_len(super::MAX_FILE_BYTES + 1).unwrap();
    let msg = run(dir.path());
    assert!(
        msg.contains("big.yaml") && msg.contains("over the 20 MiB limit"),
        "{msg}"
    );
}

#[test]
fn path_outside_or_missing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (path, want) in [
        ("../", "outside the repository"),
        ("nope", "not found"),
        ("/etc", "relative"),
    ] {
        let err = render(&RenderRequest {
            root: dir.path().to_path_buf(),
            path: path.into(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(matches!(err, RenderError::Invalid(_)));
        assert!(err.to_string().contains(want), "{path}: {err}");
    }
}

#[test]
fn hidden_and_other_files_are_skipped_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    let cm = |n: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {n}}}\n");
    for (p, t) in [
        ("b.yaml", cm("b")),
        ("a/z.yml", cm("az")),
        (
            "c.json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#.to_string(),
        ),
        (".hidden/x.yaml", "not: [valid".to_string()),
        (".x.yaml", "not: [valid".to_string()),
        ("README.md", "# not yaml: [".to_string()),
        ("empty.yaml", "---\n# nothing\n".to_string()),
    ] {
        let p = dir.path().join(p);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, t).unwrap();
    }
    let docs = render(&RenderRequest {
        root: dir.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap()
    .documents;
    let names: Vec<_> = docs
        .iter()
        .map(|d| d.object["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["az", "b", "c"]);
    assert_eq!(docs[0].origin.file, "a/z.yml");
}

/// Renders `files` (as `problems` does) and returns the documents.
fn rendered(files: &[(&str, &str)]) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    let req = RenderRequest {
        root: dir.path().to_path_buf(),
        ..Default::default()
    };
    let out = render(&req).unwrap();
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    out.documents.into_iter().map(|d| d.object).collect()
}

#[test]
fn the_root_gitsync_yaml_is_configuration_not_a_manifest() {
    let docs = rendered(&[
        ("gitsync.yaml", "targets:\n  - name: all\n    path: .\n"),
        ("cm.yaml", CM),
        // Only the root's: elsewhere the name means nothing.
        (
            "sub/gitsync.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n",
        ),
    ]);
    let names: Vec<&str> = docs
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ok", "sub"]);
}

#[test]
fn json_files_are_strict_json() {
    let msg = problems(&[(
        "cm.json",
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"x\"},\n}\n",
    )]);
    for want in [
        "cm.json: document 1 (line 5",
        "invalid JSON",
        "trailing comma",
    ] {
        assert!(msg.contains(want), "{want:?} missing: {msg}");
    }
    let msg = problems(&[("c.json", "// a comment\n{}\n")]);
    assert!(msg.contains("c.json: document 1 (line 1"), "{msg}");
    // A stream of objects, each its own document with its line.
    let docs = rendered(&[(
        "two.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}}\n\n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"b\"}}\n",
    )]);
    assert_eq!(docs.len(), 2);
}

#[test]
fn yaml_integers_are_read_as_kubernetes_reads_them() {
    let docs = rendered(&[(
        "cm.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nspec:\n  mode: 0644\n  o: 0o17\n  neg: -010\n  dec: 10\n  hex: 0x1F\n  under: 1_000\n  sexagesimal: 1:30\n  quoted: '0644'\n",
    )]);
    let spec = &docs[0]["spec"];
    assert_eq!(spec["mode"], 420, "0644 is octal, as go-yaml v2 reads it");
    assert_eq!(spec["o"], 15);
    assert_eq!(spec["neg"], -8);
    assert_eq!(spec["dec"], 10);
    assert_eq!(spec["hex"], 31);
    assert_eq!(spec["under"], 1000);
    assert_eq!(spec["sexagesimal"], "1:30");
    assert_eq!(spec["quoted"], "0644");
}
