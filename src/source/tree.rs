//! Reading commits and writing a commit's tree to disk.

use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::objs::tree::EntryKind;

use super::{CommitInfo, SourceError};
use crate::settings::CheckoutLimits;

/// Describe `commit` for reports. `shown` names the repository in errors.
pub(crate) fn commit_info(
    commit: &gix::Commit<'_>,
    shown: &str,
) -> Result<CommitInfo, SourceError> {
    let git = |what| SourceError::git(shown, what);
    let author = commit.author().map_err(git("read the commit's author"))?;
    let time = author.time().map_err(git("read the commit's time"))?;
    // Reports compare times across commits and machines: show UTC.
    let utc = gix::date::Time {
        seconds: time.seconds,
        offset: 0,
    };
    let time = utc.format_or_unix(gix::date::time::CustomFormat::new("%Y-%m-%dT%H:%M:%SZ"));
    let message = commit.message_raw_sloppy();
    let subject = message.lines().next().unwrap_or_default();
    Ok(CommitInfo {
        sha: commit.id.to_hex().to_string(),
        author: author.name.to_str_lossy().into_owned(),
        author_email: author.email.to_str_lossy().into_owned(),
        time,
        subject: subject.to_str_lossy().trim_end().to_owned(),
    })
}

/// Write the tree of commit `id` into the empty directory `dest`.
///
/// Regular and executable files are written, symlinks are created with their
/// stored target (the render stage judges where they lead), submodules are
/// skipped. No filters (eol, smudge) apply: the renderer wants the bytes that
/// were committed.
///
/// The whole tree is walked first and every blob's size read from the
/// object database's headers (nothing is inflated): a tree over `limits`
/// is refused before anything is written, however small its pack (one
/// huge blob under many names compresses to almost nothing).
///
/// Nothing is written through a symlink: every file, directory and link is
/// created new (`O_EXCL`, which refuses an existing path even when it is a
/// dangling symlink). A crafted tree holding a symlink `a -> /etc/x` and a
/// file `a` would otherwise write outside `dest`; it is refused instead.
pub(crate) fn materialise(
    repo: &gix::Repository,
    tree_id: gix::ObjectId,
    dest: &Path,
    shown: &str,
    limits: CheckoutLimits,
) -> Result<(), SourceError> {
    let git = |what| SourceError::git(shown, what);
    let io = |what: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source: std::io::Error| SourceError::Io { what, path, source }
    };
    for item in plan(repo, tree_id, shown, limits)? {
        let path = dest.join(&item.path);
        let created = |result: std::io::Result<()>, what: &'static str| {
            result.map_err(|source| {
                if source.kind() == std::io::ErrorKind::AlreadyExists {
                    SourceError::DuplicateEntry {
                        path: item.path.clone(),
                        repo: shown.to_owned(),
                    }
                } else {
                    io(what, &path)(source)
                }
            })
        };
        match item.kind {
            EntryKind::Tree => created(std::fs::create_dir(&path), "create directory")?,
            EntryKind::Blob | EntryKind::BlobExecutable => {
                let blob = repo
                    .find_blob(item.id)
                    .map_err(git("read a file's contents"))?;
                let executable = item.kind == EntryKind::BlobExecutable;
                created(write_new(&path, &blob.data, executable), "write file")?;
            }
            EntryKind::Link => {
                let blob = repo
                    .find_blob(item.id)
                    .map_err(git("read a symlink's target"))?;
                created(write_symlink(&blob.data, &path), "create symlink")?;
            }
            EntryKind::Commit => {}
        }
    }
    Ok(())
}

/// One thing a checkout creates: a directory (before what it holds), a
/// file or a symlink, at `path` relative to the checkout.
struct Item {
    path: PathBuf,
    kind: EntryKind,
    id: gix::ObjectId,
}

/// Everything the tree `tree_id` holds, in creation order, with unsafe
/// names and submodules left out; an error when a blob (by its header's
/// size) or all of them together are over `limits`.
fn plan(
    repo: &gix::Repository,
    tree_id: gix::ObjectId,
    shown: &str,
    limits: CheckoutLimits,
) -> Result<Vec<Item>, SourceError> {
    let git = |what| SourceError::git(shown, what);
    let mut items = Vec::new();
    let mut total: u64 = 0;
    // An explicit stack rather than recursion: deep trees cannot overflow it.
    let mut pending: Vec<(gix::ObjectId, PathBuf)> = vec![(tree_id, PathBuf::new())];
    while let Some((id, dir)) = pending.pop() {
        let tree = repo.find_tree(id).map_err(git("read a tree object"))?;
        for entry in tree.iter() {
            let entry = entry.map_err(git("decode a tree object"))?;
            let name = entry.filename();
            if !is_safe_name(name) {
                // A crafted tree could otherwise write outside `dest` or
                // plant a `.git`; git refuses these on checkout too.
                tracing::warn!(name = %name, "skipping unsafe tree entry");
                continue;
            }
            let Ok(name) = gix::path::from_bstr(name) else {
                tracing::warn!(name = %name, "skipping tree entry not valid as a path here");
                continue;
            };
            let path = dir.join(name);
            let kind = entry.kind();
            match kind {
                EntryKind::Tree => pending.push((entry.oid().to_owned(), path.clone())),
                EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => {
                    let size = repo
                        .find_header(entry.oid())
                        .map_err(git("read a file's size"))?
                        .size();
                    if size > limits.file_bytes {
                        return Err(SourceError::FileTooLarge {
                            path,
                            size,
                            limit: limits.file_bytes,
                            repo: shown.to_owned(),
                        });
                    }
                    total = total.saturating_add(size);
                    if total > limits.total_bytes {
                        return Err(SourceError::CheckoutTooLarge {
                            path,
                            limit: limits.total_bytes,
                            repo: shown.to_owned(),
                        });
                    }
                }
                EntryKind::Commit => {
                    tracing::debug!(path = %path.display(), "skipping submodule");
                    continue;
                }
            }
            items.push(Item {
                path,
                kind,
                id: entry.oid().to_owned(),
            });
        }
    }
    Ok(items)
}

fn is_safe_name(name: &gix::bstr::BStr) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.eq_ignore_ascii_case(b".git")
        && !name.contains(&b'/')
        && !name.contains(&b'\\')
        && !name.contains(&0)
}

/// Creates `path` (never opening an existing one, symlinks included) and
/// writes `data` into it.
fn write_new(path: &Path, data: &[u8], executable: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if executable { 0o755 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = executable;
    options.open(path)?.write_all(data)
}

#[cfg(unix)]
fn write_symlink(target: &[u8], path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), path)
}

// Without reliable symlinks, do what git does with core.symlinks=false: a
// plain file holding the target.
#[cfg(not(unix))]
fn write_symlink(target: &[u8], path: &Path) -> std::io::Result<()> {
    std::fs::write(path, target)
}
