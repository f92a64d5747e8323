//! Render: turn a directory of the repository into documents.
//!
//! A directory holding a kustomization is built by kustomize, one holding
//! `Chart.yaml` by `helm template`; anything else is plain YAML/JSON read
//! recursively in sorted order, where subdirectories may themselves be
//! kustomize or helm directories. Renderers are external programs, as in
//! Argo CD. Render keeps what the files say: defaults (such as the
//! namespace) are applied later, where discovery knows each kind's scope.

mod confine;
mod external;
mod plain;
pub mod sops;
pub mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

pub use external::{
    DEFAULT_MAX_OUTPUT, DEFAULT_RENDER_TIMEOUT, HELM, KUBECTL, KUSTOMIZE, Limits, format_duration,
};

/// Files larger than this are refused: a manifest repository has no
/// business holding them, and reading one would cost memory and time.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// The names kustomize looks for, in its order.
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Where a document came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Origin {
    /// Path relative to the repository root; for rendered output, the
    /// directory and the renderer, e.g. `apps/web (kustomize build)`.
    pub file: String,
    /// 1-based document index within the file.
    pub doc: Option<usize>,
    /// 1-based line where the document (or the problem) starts.
    pub line: Option<usize>,
    /// 1-based column of a syntax error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// 1-based index within a `kind: List`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    /// Top-level fields whose values were decrypted from SOPS ciphertext
    /// (empty: none): reports mask them.
    #[serde(skip)]
    pub encrypted: Encrypted,
}

impl Origin {
    pub fn file(file: impl Into<String>) -> Self {
        Origin {
            file: file.into(),
            doc: None,
            line: None,
            column: None,
            item: None,
            encrypted: Encrypted::default(),
        }
    }
}

/// Top-level fields of a document that held SOPS ciphertext; behind one
/// pointer so that every other origin stays small.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encrypted(Option<Arc<Vec<String>>>);

impl Encrypted {
    pub fn fields(&self) -> &[String] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.fields().is_empty()
    }
}

impl From<Vec<String>> for Encrypted {
    fn from(fields: Vec<String>) -> Self {
        Encrypted((!fields.is_empty()).then(|| Arc::new(fields)))
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(doc) = self.doc {
            write!(f, ": document {doc}")?;
        }
        if let Some(item) = self.item {
            write!(f, ", item {item}")?;
        }
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, " (line {line}, column {column})"),
            (Some(line), None) => write!(f, " (line {line})"),
            _ => Ok(()),
        }
    }
}

/// One object as the repository states it.
#[derive(Debug, Clone)]
pub struct Document {
    pub origin: Origin,
    pub object: Value,
}

/// One thing wrong with the input, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: Origin,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

/// Problems found in the input, all of them, so that one run shows
/// everything there is to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} in the manifests:",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.0 {
            write!(f, "\n{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Invalid(#[from] Problems),
    #[error("{dir} is a {what} directory, but `{program}` was not found on PATH: {hint}")]
    MissingRenderer {
        dir: String,
        what: &'static str,
        program: &'static str,
        hint: &'static str,
    },
    #[error("`{command}` failed for {dir} (exit status {status}):\n{stderr}")]
    RendererFailed {
        dir: String,
        command: String,
        status: String,
        stderr: String,
    },
    #[error(
        "`{command}` for {dir} did not finish within {limit} (the render timeout, \
         --render-timeout); stopped"
    )]
    RendererTimeout {
        dir: String,
        command: String,
        limit: String,
    },
    #[error("`{command}` for {dir} printed more than {limit} (the render output limit); stopped")]
    RendererOutputTooLarge {
        dir: String,
        command: String,
        limit: String,
    },
    #[error("running `{command}` for {dir}")]
    Spawn {
        dir: String,
        command: String,
        #[source]
        source: std::io::Error,
    },
    /// Not `Invalid`: a key that is missing may be given later, and
    /// `watch` tries the same commit again.
    #[error("{0}")]
    SopsKey(Problems),
    #[error("reading {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What to render and how.
#[derive(Debug, Clone, Default)]
pub struct RenderRequest {
    /// Root of the repository's files (the source snapshot).
    pub root: PathBuf,
    /// Directory to render, relative to `root` (empty for the root).
    pub path: PathBuf,
    /// Namespace passed to helm (`--namespace`); plain files keep theirs.
    pub namespace: Option<String>,
    /// Helm values files, relative to `root`.
    pub values: Vec<PathBuf>,
    /// Helm release name (default: the chart directory's name).
    pub release_name: Option<String>,
    /// The cluster helm renders for (`.Capabilities`); `None`: helm's own
    /// defaults.
    pub capabilities: Option<Capabilities>,
    /// Time and output bounds of helm and kustomize.
    pub limits: Limits,
    /// Keys for SOPS-encrypted documents and helm values files.
    pub sops: Arc<sops::Keys>,
}

/// What a chart may ask of the cluster it is rendered for, as Argo CD
/// passes it to helm: the server's version and every API version it
/// serves, with and without kinds (`apps/v1`, `apps/v1/Deployment`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
}

/// True when rendering `path` runs helm somewhere (a chart at it or below
/// it), so that it needs to know the cluster it renders for. Symlinks are
/// not followed; rendering judges them.
pub fn uses_helm(root: &Path, path: &Path) -> bool {
    fn walk(dir: &Path, depth: usize) -> bool {
        if dir.join("Chart.yaml").is_file() {
            return true;
        }
        if depth == 0 {
            return false;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.flatten().any(|e| {
            e.file_type().is_ok_and(|t| t.is_dir())
                && !e.file_name().to_string_lossy().starts_with('.')
                && walk(&e.path(), depth - 1)
        })
    }
    // A path leaving the root is refused by rendering; never walk there.
    let inside = path.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    inside && walk(&root.join(path), 32)
}

/// What rendering produced: the documents that parsed, in the order found
/// (sorted paths; a renderer's own output order), and the problems of the
/// files that did not, so that validation can report everything at once.
#[derive(Debug, Default)]
pub struct Rendered {
    pub documents: Vec<Document>,
    pub problems: Vec<Problem>,
}

/// Renders the request's directory. A missing or failing renderer is an
/// error; unreadable or unparsable files are problems in the result.
pub fn render(req: &RenderRequest) -> Result<Rendered, RenderError> {
    let dir = checked_dir(&req.root, &req.path)?;
    let mut rendered = plain::render_tree(req, &dir)?;
    // After the build, as Flux does: kustomize passes `sops` through.
    if sops::decrypt_documents(&mut rendered.documents, &mut rendered.problems, &req.sops) {
        return Err(RenderError::SopsKey(Problems(rendered.problems)));
    }
    Ok(rendered)
}

/// `path` must name a directory inside `root` (no `..` escape, no absolute
/// path, no symlink leading out).
fn checked_dir(root: &Path, path: &Path) -> Result<PathBuf, RenderError> {
    let shown = display_rel(path);
    let invalid = |message: String| {
        RenderError::Invalid(Problems(vec![Problem {
            origin: Origin::file(shown.clone()),
            message,
        }]))
    };
    if path.is_absolute() {
        return Err(invalid(
            "--path must be relative to the repository root".into(),
        ));
    }
    let root = root.canonicalize().map_err(|source| RenderError::Io {
        path: root.display().to_string(),
        source,
    })?;
    let full = root.join(path);
    let canon = match full.canonicalize() {
        Ok(c) => c,
        Err(_) => return Err(invalid("directory not found in the repository".into())),
    };
    if !canon.starts_with(&root) {
        return Err(invalid("path leads outside the repository".into()));
    }
    if !canon.is_dir() {
        return Err(invalid("not a directory".into()));
    }
    Ok(canon)
}

/// A repository-relative path as shown in messages: `/` separators, `.`
/// for the root.
pub fn display_rel(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = s.trim_start_matches("./").trim_end_matches('/');
    if s.is_empty() || s == "." {
        ".".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod bad_input_tests;
#[cfg(test)]
mod fuzz_tests;
