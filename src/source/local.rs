//! A local path: its work tree as on disk, or one of its commits.

use std::path::{Path, PathBuf};

use super::tree::commit_info;
use super::{CommitInfo, Snapshot, SourceError, Verify};
use crate::settings::CheckoutLimits;

pub(crate) fn load(
    path: &str,
    revision: Option<&str>,
    verify: Option<Verify<'_>>,
    limits: CheckoutLimits,
) -> Result<Snapshot, SourceError> {
    let given = PathBuf::from(path);
    let root = std::fs::canonicalize(&given).map_err(|source| SourceError::PathNotFound {
        path: given.clone(),
        source,
    })?;
    if !root.is_dir() {
        return Err(SourceError::NotADirectory { path: given });
    }
    let origin = root.display().to_string();
    match revision {
        // Uncommitted files carry no signature.
        None if verify.is_some_and(|v| v.mode.is_some()) => {
            Err(SourceError::UnverifiableWorkTree { path: root })
        }
        None => Ok(Snapshot {
            commit: head_commit(&root, &origin),
            root,
            origin,
            work_tree: true,
            signed_by: None,
            signatures: None,
            _temp: None,
        }),
        Some(rev) => at_revision(root, origin, rev, verify, limits),
    }
}

/// HEAD of the repository around `root`, if any. Not being in a repository,
/// or a repository without commits, is normal for a plain directory.
fn head_commit(root: &Path, origin: &str) -> Option<CommitInfo> {
    let repo = match gix::discover(root) {
        Ok(repo) => repo,
        Err(err) => {
            tracing::debug!(path = %origin, error = %err, "not inside a git repository");
            return None;
        }
    };
    let commit = match repo.head_commit() {
        Ok(commit) => commit,
        Err(err) => {
            tracing::debug!(path = %origin, error = %err, "no HEAD commit");
            return None;
        }
    };
    match commit_info(&commit, origin) {
        Ok(info) => Some(info),
        Err(err) => {
            tracing::warn!(path = %origin, error = %err, "cannot describe the HEAD commit");
            None
        }
    }
}

fn at_revision(
    root: PathBuf,
    origin: String,
    rev: &str,
    verify: Option<Verify<'_>>,
    limits: CheckoutLimits,
) -> Result<Snapshot, SourceError> {
    let repo = gix::discover(&root).map_err(|source| SourceError::NotARepository {
        path: root.clone(),
        revision: rev.to_owned(),
        source,
    })?;
    // Where `root` sits inside the work tree, so a subdirectory given as the
    // repository maps to the same subdirectory of the commit.
    let subdir = match repo.workdir() {
        Some(workdir) => {
            let workdir = std::fs::canonicalize(workdir).map_err(|source| SourceError::Io {
                what: "resolve the work tree of",
                path: workdir.to_owned(),
                source,
            })?;
            root.strip_prefix(&workdir)
                .map(Path::to_path_buf)
                .unwrap_or_default()
        }
        None => PathBuf::new(),
    };
    let repo_name = repo
        .workdir()
        .unwrap_or_else(|| repo.path())
        .display()
        .to_string();
    let (commit, tag) = super::resolve_revision(&repo, &[rev.to_owned()], rev, &repo_name)?;
    super::checkout(
        &repo,
        (&commit, tag),
        &subdir,
        rev,
        origin,
        &repo_name,
        verify,
        limits,
    )
}
