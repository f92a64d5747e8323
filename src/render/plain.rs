//! Plain manifests: `.yaml`, `.yml` and `.json` files read recursively in
//! sorted order. Hidden files and directories are skipped, other files are
//! ignored, and a subdirectory holding a kustomization or a chart is handed
//! to its renderer as one unit. The repository root's `gitsync.yaml` is
//! gitsync's configuration, never a manifest, so a target whose path is the
//! root (`path: .`) does not render it. `.json` files are strict JSON.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::external::{self, Kind};
use super::{Document, Origin, Problem, RenderError, RenderRequest, Rendered, yaml};

/// One thing to render, in the order the walk found it.
enum Unit {
    File {
        path: PathBuf,
        shown: String,
    },
    External {
        kind: Kind,
        dir: PathBuf,
        shown: String,
    },
}

pub(super) fn render_tree(req: &RenderRequest, dir: &Path) -> Result<Rendered, RenderError> {
    let root = req.root.canonicalize().map_err(|source| RenderError::Io {
        path: req.root.display().to_string(),
        source,
    })?;
    let mut walk = Walk {
        root: &root,
        units: Vec::new(),
        problems: Vec::new(),
        visited: HashSet::new(),
    };
    walk.dir(dir);
    let Walk {
        units,
        mut problems,
        ..
    } = walk;

    let parsed = parse_files(&units);
    let mut docs = Vec::new();
    for (unit, result) in units.iter().zip(parsed) {
        match unit {
            Unit::File { .. } => match result {
                Some(Ok(mut d)) => docs.append(&mut d),
                Some(Err(p)) => problems.push(p),
                None => {}
            },
            Unit::External { kind, dir, shown } => {
                docs.extend(external::render(*kind, req, &root, dir, shown)?);
            }
        }
    }
    Ok(Rendered {
        documents: docs,
        problems,
    })
}

struct Walk<'a> {
    root: &'a Path,
    units: Vec<Unit>,
    problems: Vec<Problem>,
    /// Canonical directories already walked: a symlink loop ends here.
    visited: HashSet<PathBuf>,
}

impl Walk<'_> {
    fn shown(&self, path: &Path) -> String {
        super::display_rel(path.strip_prefix(self.root).unwrap_or(path))
    }

    fn problem(&mut self, path: &Path, message: impl Into<String>) {
        let origin = Origin::file(self.shown(path));
        self.problems.push(Problem {
            origin,
            message: message.into(),
        });
    }

    fn dir(&mut self, dir: &Path) {
        if !self.visited.insert(dir.to_path_buf()) {
            return;
        }
        if let Some(kind) = external::kind_of(dir) {
            let shown = self.shown(dir);
            self.units.push(Unit::External {
                kind,
                dir: dir.to_path_buf(),
                shown,
            });
            return;
        }
        let mut entries = match fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect::<Vec<_>>(),
            Err(err) => {
                self.problem(dir, format!("cannot read directory: {err}"));
                return;
            }
        };
        // Byte order of names, as `kubectl apply -f DIR` walks.
        entries.sort();
        for name in entries {
            if name.to_string_lossy().starts_with('.') {
                // Hidden entries are skipped, as kubectl does; a hidden file
                // that looks like a manifest is named, so that its objects
                // never become prune candidates without a word.
                let path = dir.join(&name);
                if is_manifest(&path) && path.is_file() {
                    tracing::warn!(file = %self.shown(&path), "hidden file skipped: its objects are not part of the desired set");
                }
                continue;
            }
            self.entry(&dir.join(&name));
        }
    }

    fn entry(&mut self, path: &Path) {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(err) => return self.problem(path, format!("cannot read: {err}")),
        };
        let (target, meta) = if meta.file_type().is_symlink() {
            let Ok(target) = path.canonicalize() else {
                if is_manifest(path) {
                    self.problem(path, "broken symlink");
                }
                return;
            };
            if !target.starts_with(self.root) {
                return self.problem(path, "symlink leads outside the repository; refused");
            }
            match fs::metadata(&target) {
                Ok(m) => (target, m),
                Err(err) => return self.problem(path, format!("cannot read: {err}")),
            }
        } else {
            (path.to_path_buf(), meta)
        };
        if meta.is_dir() {
            self.dir(&target);
        } else if target == self.root.join(crate::config::CONFIG_FILE) {
            // The configuration, also when a symlink leads to it.
        } else if meta.is_file() && is_manifest(path) {
            if meta.len() > super::MAX_FILE_BYTES {
                return self.problem(
                    path,
                    format!(
                        "file is {} MiB, over the {} MiB limit for a manifest; refused",
                        meta.len() / (1024 * 1024),
                        super::MAX_FILE_BYTES / (1024 * 1024)
                    ),
                );
            }
            let shown = self.shown(path);
            self.units.push(Unit::File {
                path: target,
                shown,
            });
        }
    }
}

/// `.yaml`, `.yml` and `.json`, in any letter case (`.YAML` too: skipping
/// it silently would make its objects prune candidates).
fn is_manifest(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["yaml", "yml", "json"].contains(&e.to_ascii_lowercase().as_str()))
}

/// Reads and parses the file units on all cores, keeping their order;
/// `None` for units that are not files.
fn parse_files(units: &[Unit]) -> Vec<Option<Result<Vec<Document>, Problem>>> {
    let parse = |unit: &Unit| match unit {
        Unit::File { path, shown } => Some(parse_file(path, shown)),
        Unit::External { .. } => None,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || units.len() < 16 {
        return units.iter().map(parse).collect();
    }
    let chunk = units.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = units
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(parse).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("parser thread panicked"))
            .collect()
    })
}

fn parse_file(path: &Path, shown: &str) -> Result<Vec<Document>, Problem> {
    let problem = |message: String| Problem {
        origin: Origin::file(shown),
        message,
    };
    let bytes = fs::read(path).map_err(|e| problem(format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        problem(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let json = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json {
        yaml::parse_json(shown, &text)
    } else {
        yaml::parse_documents(shown, &text)
    }
}
