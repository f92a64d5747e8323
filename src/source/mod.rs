//! Source stage: turn `--repo`/`--revision` into a directory on disk holding
//! the repository's files at the chosen revision.
//!
//! Every source ends up as a plain directory so the renderer (YAML, kustomize,
//! helm) has a single code path: a local work tree is used in place, any
//! commit (a `--revision`, or anything behind a URL) is written to a
//! temporary directory that lives as long as the [`Snapshot`].

mod error;
mod local;
mod remote;
mod tree;
mod url;
pub mod verify;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use error::{GitCause, SourceError};
pub use url::{is_url, redact_url};

use crate::settings::{CheckoutLimits, SourceSettings, VerifyMode};
use verify::{Signatures, TrustedKeys};

/// The repository's files at one revision, on disk.
#[derive(Debug)]
pub struct Snapshot {
    /// Root directory of the repository's files as they are at this revision.
    pub root: PathBuf,
    /// The resolved commit, if there is one (None for a plain directory that
    /// is not in a git repository, or a repository without commits).
    pub commit: Option<CommitInfo>,
    /// Where it came from, for messages: the path, or the URL with any
    /// user:password/token removed.
    pub origin: String,
    /// True when `root` is the user's work tree as on disk (uncommitted edits
    /// included).
    pub work_tree: bool,
    /// Who signed what was read (`openpgp:<FPR>`, `ssh:<principal>
    /// SHA256:…`): the commit's trusted signer, else the tag's. None
    /// without --trusted-keys or a trusted signature.
    pub signed_by: Option<String>,
    /// Both signature verdicts, when --trusted-keys is given and a commit
    /// was read (not a work tree).
    pub signatures: Option<Signatures>,
    /// The materialised tree, removed on drop.
    _temp: Option<tempfile::TempDir>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommitInfo {
    /// Full hex object id.
    pub sha: String,
    /// Author name.
    pub author: String,
    pub author_email: String,
    /// Author time, RFC 3339 in UTC, e.g. `2026-11-26T12:00:00Z`.
    pub time: String,
    /// First line of the message.
    pub subject: String,
}

/// Resolve `settings.repo` (and `settings.revision`) to a [`Snapshot`].
/// URLs are cloned into / fetched in `cache_dir`.
///
/// `settings.path` is not used here: it selects a directory inside
/// [`Snapshot::root`] and is the renderer's business.
///
/// With `settings.verify`, the commit (and the annotated tag the revision
/// names) is verified before anything is written to disk, and a revision
/// whose signatures the mode needs are not trusted is an error.
pub fn load(settings: &SourceSettings, cache_dir: &Path) -> Result<Snapshot, SourceError> {
    let revision = settings.revision.as_deref();
    let keys =
        match &settings.verify {
            Some(v) => Some(TrustedKeys::load(&v.trusted_keys).map_err(|source| {
                SourceError::TrustedKeys {
                    path: v.trusted_keys.clone(),
                    source,
                }
            })?),
            None => None,
        };
    let verify = keys.as_ref().map(|keys| Verify {
        keys,
        mode: settings.verify.as_ref().and_then(|v| v.mode),
    });
    let limits = settings.checkout;
    if is_url(&settings.repo) {
        remote::load(&settings.repo, revision, cache_dir, verify, limits)
    } else {
        local::load(&settings.repo, revision, verify, limits)
    }
}

/// The trusted keys and what the flags require of a revision.
#[derive(Clone, Copy)]
pub(crate) struct Verify<'a> {
    keys: &'a TrustedKeys,
    mode: Option<VerifyMode>,
}

/// Ok when `snapshot` satisfies `mode`, which a part of the run (named by
/// `requester`) asks for on top of the flags: gitsync.yaml can raise the
/// mode, and its keys still come from `--trusted-keys`.
pub fn require_signatures(
    snapshot: &Snapshot,
    settings: &SourceSettings,
    mode: VerifyMode,
    requester: &str,
) -> Result<(), SourceError> {
    if settings.verify.is_none() {
        return Err(SourceError::NoTrustedKeys {
            requester: requester.to_owned(),
            mode: mode.as_str(),
        });
    }
    match &snapshot.signatures {
        Some(signatures) => signatures.check(mode, &snapshot.origin),
        None => Err(SourceError::UnverifiableWorkTree {
            path: snapshot.root.clone(),
        }),
    }
}

/// Cheap "has the remote moved?": one ref listing (no fetch, no pack).
/// Returns the full SHA the remote's ref (`revision`, default `HEAD`) points
/// to now; annotated tags are peeled to their commit. A full SHA as
/// `revision` is returned as is; expressions like `HEAD~1` or short SHAs
/// cannot be answered from a ref listing and give
/// [`SourceError::RemoteRefNotFound`].
pub fn remote_head(url: &str, revision: Option<&str>) -> Result<String, SourceError> {
    remote::remote_head(url, revision)
}

/// The commit `revision` (default HEAD) names now: for a URL, one ref
/// listing; for a local repository, a rev-parse. What `watch` polls, so it
/// is cheap: no fetch, no checkout, no render.
pub fn current_revision(repo: &str, revision: Option<&str>) -> Result<String, SourceError> {
    if is_url(repo) {
        return remote::remote_head(repo, revision);
    }
    let root = std::fs::canonicalize(repo).map_err(|source| SourceError::PathNotFound {
        path: PathBuf::from(repo),
        source,
    })?;
    let rev = revision.unwrap_or("HEAD");
    let git = gix::discover(&root).map_err(|source| SourceError::NotARepository {
        path: root.clone(),
        revision: rev.to_owned(),
        source,
    })?;
    let shown = root.display().to_string();
    let commit = resolve_commit(&git, &[rev.to_owned()], rev, &shown)?;
    Ok(commit.id.to_string())
}

/// Every ref whose full name starts with `prefix` (`refs/pull/`), with its
/// commit: for a URL one ref listing, for a local repository its refs.
/// What previews poll.
pub fn list_refs(repo: &str, prefix: &str) -> Result<Vec<(String, String)>, SourceError> {
    if is_url(repo) {
        return remote::remote_refs(repo, prefix);
    }
    let root = std::fs::canonicalize(repo).map_err(|source| SourceError::PathNotFound {
        path: PathBuf::from(repo),
        source,
    })?;
    let git = gix::discover(&root).map_err(|source| SourceError::NotARepository {
        path: root.clone(),
        revision: prefix.to_owned(),
        source,
    })?;
    let listed = || -> gix::Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        let platform = git.references()?;
        for r in platform.prefixed(prefix)?.flatten() {
            let mut r = r;
            let name = r.name().as_bstr().to_string();
            if let Ok(id) = r.peel_to_id() {
                out.push((name, id.to_string()));
            }
        }
        Ok(out)
    };
    listed().map_err(|e| SourceError::ListRefs {
        url: root.display().to_string(),
        source: Box::new(e),
    })
}

/// `$GITSYNC_CACHE_DIR`, else `$XDG_CACHE_HOME/gitsync`, else
/// `~/.cache/gitsync` (falling back to the temp dir without a home).
pub fn default_cache_dir() -> PathBuf {
    let non_empty = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty("GITSYNC_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = non_empty("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("gitsync");
    }
    match std::env::home_dir() {
        Some(home) => home.join(".cache").join("gitsync"),
        None => std::env::temp_dir().join("gitsync-cache"),
    }
}

/// The first of `specs` that names a commit (tags are peeled). Errors name
/// `label`, the revision as the user wrote it.
fn resolve_commit<'r>(
    repo: &'r gix::Repository,
    specs: &[String],
    label: &str,
    shown: &str,
) -> Result<gix::Commit<'r>, SourceError> {
    resolve_revision(repo, specs, label, shown).map(|(commit, _)| commit)
}

/// Like [`resolve_commit`], also returning the annotated tag the revision
/// names, if it names one (its signature may have to be checked).
fn resolve_revision<'r>(
    repo: &'r gix::Repository,
    specs: &[String],
    label: &str,
    shown: &str,
) -> Result<(gix::Commit<'r>, Option<gix::ObjectId>), SourceError> {
    let mut first_err = None;
    for spec in specs {
        let found = repo
            .rev_parse_single(spec.as_str())
            .and_then(|id| id.object())
            .and_then(|object| {
                let tag = (object.kind == gix::object::Kind::Tag).then_some(object.id);
                object.peel_to_commit().map(|c| (c, tag))
            });
        match found {
            Ok(found) => return Ok(found),
            Err(err) => {
                first_err.get_or_insert(err);
            }
        }
    }
    Err(SourceError::UnknownRevision {
        revision: label.to_owned(),
        repo: shown.to_owned(),
        source: match first_err {
            Some(err) => Box::new(err),
            None => Box::new(error::Scrubbed("no revision given".to_owned())),
        },
    })
}

/// Write `commit`'s tree into a fresh temporary directory and describe it.
/// `subdir` is the part of the repository the user pointed at.
/// With `verify`, the signatures are checked first: nothing of a refused
/// revision reaches the disk.
#[allow(clippy::too_many_arguments)] // one call site, each argument a distinct input
fn checkout(
    repo: &gix::Repository,
    (commit, tag): (&gix::Commit<'_>, Option<gix::ObjectId>),
    subdir: &Path,
    label: &str,
    origin: String,
    shown: &str,
    verify: Option<Verify<'_>>,
    limits: CheckoutLimits,
) -> Result<Snapshot, SourceError> {
    let started = std::time::Instant::now();
    let signatures = match verify {
        Some(v) => {
            let signatures = verify::examine(repo, commit, tag, v.keys, label, shown)?;
            if let Some(mode) = v.mode {
                signatures.check(mode, shown)?;
            }
            Some(signatures)
        }
        None => None,
    };
    let info = tree::commit_info(commit, shown)?;
    let tree_id = commit.tree_id().map_err(|source| SourceError::Git {
        what: "read the commit's tree",
        repo: shown.to_owned(),
        source: Box::new(source),
    })?;
    let temp = tempfile::Builder::new()
        .prefix("gitsync-tree-")
        .tempdir()
        .map_err(|source| SourceError::Io {
            what: "create a temporary directory in",
            path: std::env::temp_dir(),
            source,
        })?;
    tree::materialise(repo, tree_id.detach(), temp.path(), shown, limits)?;
    let root = temp.path().join(subdir);
    if !root.is_dir() {
        return Err(SourceError::SubdirMissing {
            subdir: subdir.to_owned(),
            revision: label.to_owned(),
            repo: shown.to_owned(),
        });
    }
    tracing::debug!(repo = %shown, revision = %label, sha = %info.sha,
        ms = started.elapsed().as_millis() as u64, "materialised commit");
    Ok(Snapshot {
        root,
        commit: Some(info),
        origin,
        work_tree: false,
        signed_by: signatures.as_ref().and_then(Signatures::signed_by),
        signatures,
        _temp: Some(temp),
    })
}

/// A name for the repository that is the same on every machine: the URL
/// (credentials removed) for a remote; for a local path, its `origin`
/// remote's URL plus the path inside the repository, or, without a remote,
/// the canonical path. ApplySet names derive from it, so a CI checkout and
/// a laptop clone of one repository manage the same objects.
/// True when two recorded identities name one repository (identities
/// recorded before URL spellings were unified compare by their unified
/// form).
pub fn same_repository(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        if is_url(s) {
            url::identity_url(s)
        } else {
            s.to_string()
        }
    };
    norm(a) == norm(b)
}

pub fn identity(repo: &str) -> String {
    if is_url(repo) {
        return url::identity_url(repo);
    }
    let root = std::fs::canonicalize(repo).unwrap_or_else(|_| PathBuf::from(repo));
    let Ok(git) = gix::discover(&root) else {
        return root.display().to_string();
    };
    let remote_url = git
        .find_default_remote(gix::remote::Direction::Fetch)
        .and_then(Result::ok)
        .and_then(|r| {
            r.url(gix::remote::Direction::Fetch)
                .map(|u| u.to_bstring().to_string())
        });
    let Some(url) = remote_url else {
        // Once a process: a fleet asks for every one of its targets.
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            tracing::warn!(path = %root.display(), "the work tree has no remote: its identity (and its default ApplySet name) is its path on this machine");
        });
        return root.display().to_string();
    };
    let subdir = git
        .workdir()
        .and_then(|w| std::fs::canonicalize(w).ok())
        .and_then(|w| root.strip_prefix(w).ok().map(Path::to_path_buf))
        .unwrap_or_default();
    let base = url::identity_url(&url);
    if subdir.as_os_str().is_empty() {
        base
    } else {
        format!("{base}/{}", subdir.display())
    }
}
