//! Keeping every file a renderer reads inside the checkout.
//!
//! The repository is untrusted input (a pull request's content in CI), and
//! helm and kustomize follow symlinks and relative paths wherever they
//! lead: a chart's `.Files.Get`, a values file, a kustomize base or a
//! generator's file could pull `/var/run/secrets/...` or `~/.kube/config`
//! into a rendered object, and from there into a diff or the cluster. So
//! before a renderer runs, everything it may read is checked here: values
//! files, every symlink under its directory, and the paths a kustomization
//! names. Only problems are reported; nothing is read beyond names and
//! kustomization files.

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::{Origin, Problem, display_rel};

/// A helm values file named relative to the repository root: inside it
/// (no absolute path, no `..` escape, no symlink leading out), a regular
/// file, not oversized. Returns its canonical path.
pub(super) fn values_file(root: &Path, values: &Path, chart: &str) -> Result<PathBuf, Problem> {
    let problem = |message: String| Problem {
        origin: Origin::file(display_rel(values)),
        message,
    };
    if values.is_absolute() {
        return Err(problem(format!(
            "helm values file for {chart} must be a path relative to the repository root; refused"
        )));
    }
    if escapes(values) {
        return Err(problem(format!(
            "helm values file for {chart} leads outside the repository; refused"
        )));
    }
    let canon = root.join(values).canonicalize().map_err(|_| {
        problem(format!(
            "helm values file for {chart} not found in the repository"
        ))
    })?;
    if !canon.starts_with(root) {
        return Err(problem(format!(
            "helm values file for {chart} is a symlink leading outside the repository; refused"
        )));
    }
    let meta = fs::metadata(&canon).map_err(|e| problem(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(problem(format!(
            "helm values file for {chart} is not a file"
        )));
    }
    if meta.len() > super::MAX_FILE_BYTES {
        return Err(problem(format!(
            "helm values file is {} MiB, over the {} MiB limit; refused",
            meta.len() / (1024 * 1024),
            super::MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    Ok(canon)
}

/// True when `path`, taken lexically, climbs above where it starts.
fn escapes(path: &Path) -> bool {
    let mut depth: i64 = 0;
    for c in path.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return true,
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

/// Checks a directory a renderer will read: every symlink under it (hidden
/// ones too: renderers read those) must stay inside `root`, and for
/// kustomize, every local path a kustomization names, followed into the
/// directories it names.
pub(super) struct Checker<'a> {
    root: &'a Path,
    /// Directories whose symlinks were checked.
    visited: HashSet<PathBuf>,
    /// Directories whose kustomization was followed.
    kustomized: HashSet<PathBuf>,
    pub problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    pub fn new(root: &'a Path) -> Self {
        Checker {
            root,
            visited: HashSet::new(),
            kustomized: HashSet::new(),
            problems: Vec::new(),
        }
    }

    fn shown(&self, path: &Path) -> String {
        display_rel(path.strip_prefix(self.root).unwrap_or(path))
    }

    fn problem(&mut self, path: &Path, message: impl Into<String>) {
        let origin = Origin::file(self.shown(path));
        self.problems.push(Problem {
            origin,
            message: message.into(),
        });
    }

    /// Every symlink under `dir` (canonical, inside root), recursively;
    /// symlinked directories inside the repository are followed once.
    pub fn tree(&mut self, dir: &Path) {
        if !self.visited.insert(dir.to_path_buf()) {
            return;
        }
        let Ok(entries) = fs::read_dir(dir) else {
            return; // the renderer reports what it cannot read
        };
        let mut names: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        names.sort();
        for path in names {
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                match path.canonicalize() {
                    Ok(target) if !target.starts_with(self.root) => {
                        self.problem(&path, "symlink leads outside the repository; refused");
                    }
                    Ok(target) if target.is_dir() => self.tree(&target),
                    Ok(_) => {}
                    // Dangling: harmless now, unless it names a place
                    // outside that a renderer could create or that
                    // appears later.
                    Err(_) => {
                        let leads_out = fs::read_link(&path).is_ok_and(|t| {
                            t.is_absolute()
                                || escapes(
                                    &path
                                        .parent()
                                        .unwrap_or(self.root)
                                        .strip_prefix(self.root)
                                        .unwrap_or(Path::new(""))
                                        .join(t),
                                )
                        });
                        if leads_out {
                            self.problem(&path, "symlink leads outside the repository; refused");
                        }
                    }
                }
            } else if meta.is_dir() {
                self.tree(&path);
            }
        }
    }

    /// A kustomize directory: its tree, and the paths its kustomization
    /// names (resources, bases, components, patches, generators' files…),
    /// followed into the directories they name.
    pub fn kustomization(&mut self, dir: &Path) {
        if !self.kustomized.insert(dir.to_path_buf()) {
            return;
        }
        self.tree(dir);
        let Some(file) = super::KUSTOMIZATION_FILES
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
        else {
            return;
        };
        let text = match fs::read(&file) {
            Ok(bytes) if bytes.len() as u64 <= super::MAX_FILE_BYTES => {
                String::from_utf8_lossy(&bytes).into_owned()
            }
            // kustomize reports what it cannot read or parse.
            _ => return,
        };
        let Ok(value) =
            serde_saphyr::from_str_with_options::<Value>(&text, super::yaml::parse_options())
        else {
            return;
        };
        for (field, reference) in references(&value) {
            self.reference(dir, &file, &text, &field, &reference);
        }
        for (field, url) in chart_repositories(&value) {
            let message = format!(
                "{field} {url:?} makes kustomize download a chart; refused: a repository may \
                 not make gitsync fetch from the network (vendor the chart into the \
                 repository and name it with helmGlobals.chartHome)"
            );
            self.problem_at(&file, line_of(&text, &url), message);
        }
    }

    /// A problem about `file` at `line`.
    fn problem_at(&mut self, file: &Path, line: Option<usize>, message: String) {
        let mut origin = Origin::file(self.shown(file));
        origin.line = line;
        self.problems.push(Problem { origin, message });
    }

    fn reference(&mut self, dir: &Path, file: &Path, text: &str, field: &str, reference: &str) {
        if is_remote(reference) {
            // Fetched by kustomize: another repository on this machine
            // (`file://`, gitsync's own cache included) or anything on the
            // network, chosen by whoever wrote the kustomization.
            let message = format!(
                "{field} entry {reference:?} is a remote reference; refused: a repository may \
                 only use its own files (vendor what it names into the repository)"
            );
            return self.problem_at(file, line_of(text, reference), message);
        }
        let path = Path::new(reference);
        let rel_dir = dir.strip_prefix(self.root).unwrap_or(Path::new(""));
        if path.is_absolute() || escapes(&rel_dir.join(path)) {
            return self.problem(
                file,
                format!("{field} entry {reference:?} leads outside the repository; refused"),
            );
        }
        let Ok(target) = dir.join(path).canonicalize() else {
            return; // missing: kustomize says so
        };
        if !target.starts_with(self.root) {
            return self.problem(
                file,
                format!(
                    "{field} entry {reference:?} leads outside the repository through a symlink; refused"
                ),
            );
        }
        if target.is_dir() {
            self.kustomization(&target);
        }
    }
}

/// A reference kustomize would fetch rather than read from the
/// directory: a URL of any scheme (`file://` too), `git::`/`git@`/`gh:`
/// forms, or a bare `github.com/…`-style repository. kustomize tries these
/// as remote before any local path of the same name, so a local directory
/// called `github.com` does not make one local.
fn is_remote(reference: &str) -> bool {
    const PREFIXES: [&str; 8] = [
        "git@",
        "git::",
        "gh:",
        "ssh:",
        "file:",
        "github.com/",
        "gitlab.com/",
        "bitbucket.org/",
    ];
    let lower = reference.trim().to_ascii_lowercase();
    lower.contains("://")
        || PREFIXES.iter().any(|p| lower.starts_with(p))
        || lower.contains("?ref=")
        || lower.contains("?version=")
}

/// The 1-based line of the first line of `text` that holds `needle`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

/// Chart repositories a kustomization's helm charts would be pulled
/// from (`helmCharts[].repo`, the older `helmChartInflationGenerator`'s
/// `chartRepoUrl`), with the field naming each.
fn chart_repositories(k: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (list, field) in [
        ("helmCharts", "repo"),
        ("helmChartInflationGenerator", "chartRepoUrl"),
    ] {
        if let Some(Value::Array(charts)) = k.get(list) {
            for c in charts {
                if let Some(Value::String(url)) = c.get(field)
                    && !url.trim().is_empty()
                {
                    out.push((format!("{list}.{field}"), url.clone()));
                }
            }
        }
    }
    out
}

/// The local paths a kustomization names, with the field naming each.
fn references(k: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let strings = |field: &str, v: Option<&Value>, out: &mut Vec<(String, String)>| {
        if let Some(Value::Array(items)) = v {
            for item in items {
                // Inline patches are YAML text, not paths.
                if let Value::String(s) = item
                    && !s.contains('\n')
                {
                    out.push((field.to_string(), s.clone()));
                }
            }
        }
    };
    for field in [
        "resources",
        "bases",
        "components",
        "crds",
        "configurations",
        "generators",
        "transformers",
        "validators",
        "patchesStrategicMerge",
    ] {
        strings(field, k.get(field), &mut out);
    }
    for field in ["patches", "patchesJson6902", "replacements"] {
        if let Some(Value::Array(items)) = k.get(field) {
            for item in items {
                if let Some(Value::String(p)) = item.get("path") {
                    out.push((format!("{field}.path"), p.clone()));
                }
            }
        }
    }
    if let Some(Value::String(p)) = k.get("openapi").and_then(|o| o.get("path")) {
        out.push(("openapi.path".into(), p.clone()));
    }
    for field in ["configMapGenerator", "secretGenerator"] {
        let Some(Value::Array(items)) = k.get(field) else {
            continue;
        };
        for item in items {
            // `files` entries are `path` or `key=path`.
            if let Some(Value::Array(files)) = item.get("files") {
                for f in files.iter().filter_map(Value::as_str) {
                    // A URL may hold `=` itself (`?ref=v1`): judge it whole.
                    let path = match f.split_once('=') {
                        Some((_, p)) if !is_remote(f) => p,
                        _ => f,
                    };
                    out.push((format!("{field}.files"), path.to_string()));
                }
            }
            strings(&format!("{field}.envs"), item.get("envs"), &mut out);
            if let Some(Value::String(p)) = item.get("env") {
                out.push((format!("{field}.env"), p.clone()));
            }
        }
    }
    if let Some(Value::Array(charts)) = k.get("helmCharts") {
        for c in charts {
            if let Some(Value::String(p)) = c.get("valuesFile") {
                out.push(("helmCharts.valuesFile".into(), p.clone()));
            }
        }
    }
    if let Some(Value::String(p)) = k.get("helmGlobals").and_then(|g| g.get("chartHome")) {
        out.push(("helmGlobals.chartHome".into(), p.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_escape() {
        assert!(!escapes(Path::new("a/b.yaml")));
        assert!(!escapes(Path::new("a/../b.yaml")));
        assert!(!escapes(Path::new("./a")));
        assert!(escapes(Path::new("../a")));
        assert!(escapes(Path::new("a/../../b")));
        assert!(escapes(Path::new("/etc/passwd")));
    }

    #[test]
    fn remote_references_are_recognised() {
        for remote in [
            "file:///var/cache/gitsync/other",
            "https://example.com/x.yaml",
            "HTTP://example.com/x.yaml",
            "ssh://git@example.com/x",
            "git@github.com:org/repo",
            "git::https://example.com/repo",
            "gh:org/repo",
            "github.com/org/repo/deploy?ref=v1",
            "gitlab.com/org/repo",
            "example.com/org/repo//deploy?ref=main",
        ] {
            assert!(is_remote(remote), "{remote}");
        }
        for local in [
            "../base",
            "cm.yaml",
            "github/base",
            "a:b.yaml",
            "/etc/passwd",
        ] {
            assert!(!is_remote(local), "{local}");
        }
    }

    #[test]
    fn remote_references_are_refused_with_their_line() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path().canonicalize().unwrap();
        let dir = root.join("app");
        fs::create_dir(&dir).unwrap();
        fs::write(
            dir.join("kustomization.yaml"),
            "resources:\n  - cm.yaml\n  - file:///srv/other-repo\n\
             configMapGenerator:\n  - name: c\n    files: [k=https://example.com/a?ref=b]\n\
             helmCharts:\n  - name: x\n    repo: https://charts.example.com\n",
        )
        .unwrap();
        let mut checker = Checker::new(&root);
        checker.kustomization(&dir);
        let shown: Vec<String> = checker.problems.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:#?}");
        assert!(
            shown[0].starts_with("app/kustomization.yaml (line 3): resources entry \"file:///srv/other-repo\" is a remote reference; refused"),
            "{shown:#?}"
        );
        assert!(
            shown[1].contains(
                "(line 6): configMapGenerator.files entry \"k=https://example.com/a?ref=b\""
            ),
            "{shown:#?}"
        );
        assert!(
            shown[2].contains("(line 9): helmCharts.repo \"https://charts.example.com\""),
            "{shown:#?}"
        );
    }

    #[test]
    fn kustomization_references_are_found() {
        let k: Value = serde_json::json!({
            "resources": ["../base", "https://github.com/x/y", "cm.yaml"],
            "patches": [{"path": "/etc/p.yaml"}, {"patch": "a: b"}],
            "patchesStrategicMerge": ["apiVersion: v1\nkind: X\n"],
            "configMapGenerator": [{"name": "c", "files": ["key=../../s"], "envs": ["e.env"]}],
        });
        let refs: Vec<String> = references(&k).into_iter().map(|(_, r)| r).collect();
        assert_eq!(
            refs,
            [
                "../base",
                "https://github.com/x/y",
                "cm.yaml",
                "/etc/p.yaml",
                "../../s",
                "e.env"
            ]
        );
    }
}
