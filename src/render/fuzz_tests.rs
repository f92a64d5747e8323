//! Property tests: the manifest and gitsync.yaml parsers, and validation,
//! never panic on any input, and every problem they report is located.
//! Bounded in time (see `crate::fuzz`).

use crate::config::ConfigFile;
use crate::desired::DesiredSet;
use crate::fuzz::{self, Rng};

use super::{Rendered, yaml};

/// Valid and almost-valid inputs to mutate from.
const MANIFESTS: &[&str] = &[
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: shop\n  labels: {app: web}\ndata:\n  a: \"1\"\n",
    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers: [{name: c, image: nginx}]\n---\n",
    "apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Secret, metadata: {name: s}, stringData: {k: v}}\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: svc}\n",
    "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"shop\"}}",
    "base: &b {apiVersion: v1, kind: ConfigMap}\nmerged:\n  <<: *b\n  metadata: {name: x}\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: multi\ndata:\n  text: |\n    line one\n    line two\n  folded: >-\n    a\n    b\n",
    "%YAML 1.2\n---\n!!map {apiVersion: !!str v1, kind: ConfigMap, metadata: {name: tagged}}\n...\n",
];

const YAML_TOKENS: &[&str] = &[
    "\n",
    "---\n",
    "...\n",
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a ",
    "*a",
    "<<: ",
    "!!str ",
    "!tag ",
    "|\n",
    ">-\n",
    "\"",
    "'",
    "#",
    "\t",
    "  ",
    "%YAML 1.1\n",
    "? ",
    "kind: List\n",
    "items: [",
    "apiVersion: v1\n",
    "metadata: {name: ",
    "namespace: ",
    "labels: {a: 1}",
    "~",
    "null",
    "1e309",
    "0x1F",
    ".nan",
    "ü",
    "\u{feff}",
    "\u{0}",
    "\r\n",
];

fn manifest_input(rng: &mut Rng) -> String {
    let bytes = if rng.below(8) == 0 {
        rng.bytes(256)
    } else {
        let seed = rng.pick(MANIFESTS).as_bytes();
        rng.mutate(seed, YAML_TOKENS)
    };
    // Files are checked to be UTF-8 before parsing.
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn manifest_parsing_and_validation_never_panic() {
    let cases = fuzz::run("manifests", 1500, 500, manifest_input, |text| {
        let rendered = match yaml::parse_documents("f.yaml", text) {
            Ok(documents) => {
                for d in &documents {
                    assert_eq!(d.origin.file, "f.yaml");
                    assert!(d.origin.doc.is_some_and(|n| n >= 1));
                }
                Rendered {
                    documents,
                    problems: Vec::new(),
                }
            }
            Err(problem) => {
                assert_eq!(problem.origin.file, "f.yaml");
                assert!(problem.message.starts_with("invalid YAML"));
                return;
            }
        };
        if let Err(problems) = DesiredSet::from_rendered(rendered) {
            for p in &problems.0 {
                assert!(p.origin.file == "f.yaml", "{p}");
                assert!(!p.message.is_empty());
            }
        }
    });
    assert!(cases >= 500);
}

const CONFIGS: &[&str] = &[
    "targets:\n  - name: prod\n    path: deploy/prod\n    namespace: shop\n    cluster: {context: prod}\n    helm: {releaseName: shop, values: [v.yaml]}\n    prune: false\n",
    "targets:\n  - name: a\n  - name: b\n    cluster:\n      kubeconfig: kc\n",
    "targets: []\n",
    "",
];

const CONFIG_TOKENS: &[&str] = &[
    "targets:",
    "name: ",
    "path: ",
    "namespace: ",
    "cluster: ",
    "kubeconfig: ",
    "context: ",
    "helm: ",
    "values: ",
    "releaseName: ",
    "prune: ",
    "true",
    "- ",
    "\n",
    "  ",
    "{",
    "}",
    "[",
    "]",
    "&x ",
    "*x",
    ": ",
    "\"",
    "~",
];

#[test]
fn gitsync_yaml_parsing_never_panics() {
    let cases = fuzz::run(
        "gitsync.yaml",
        1000,
        500,
        |rng| {
            let seed = rng.pick(CONFIGS).as_bytes();
            String::from_utf8_lossy(&rng.mutate(seed, CONFIG_TOKENS)).into_owned()
        },
        |text| match ConfigFile::parse(text) {
            Ok(config) => {
                let mut names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
                names.sort_unstable();
                let n = names.len();
                names.dedup();
                assert_eq!(n, names.len(), "duplicate target names accepted");
            }
            Err(e) => assert!(e.to_string().contains("gitsync.yaml"), "{e}"),
        },
    );
    assert!(cases >= 500);
}
