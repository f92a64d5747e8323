//! A URL: a bare clone kept in the cache, fetched incrementally, read under a
//! file lock.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use gix::remote::Direction;
use gix::remote::fetch::refmap::Source;

use super::error::{GitCause, scrub};
use super::url::cache_key;
use super::{Snapshot, SourceError, Verify, redact_url};

/// Branches land as remote-tracking branches (so a branch name always means
/// the remote's branch as of the last fetch), tags as tags, and `HEAD` is
/// fetched without a destination so its commit is present and its id is in
/// the ref map; we then point the cache's detached HEAD at it.
const FETCH_SPECS: &[&str] = &[
    "+refs/heads/*:refs/remotes/origin/*",
    "+refs/tags/*:refs/tags/*",
    "HEAD",
];

/// gitsync runs unattended (CI, `watch`): a credential prompt on a terminal
/// would hang it. Helpers and askpass programs still run.
const NO_PROMPT: &str = "gitoxide.credentials.terminalPrompt=false";

/// ssh as gitsync runs it unless core.sshCommand or GIT_SSH_COMMAND says
/// otherwise: never a prompt (host key, passphrase, password: BatchMode),
/// and a host that does not answer or stops answering is an error after
/// about 30 s instead of a hang.
const SSH_COMMAND: &str = "core.sshCommand=ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=2";
/// Says the command above is OpenSSH, so gix does not probe it first.
const SSH_VARIANT: &str = "ssh.variant=ssh";

/// How long to wait for another gitsync that holds the cache lock for the
/// same URL (it is fetching or reading): a stuck holder becomes an error
/// naming it rather than a hang.
const LOCK_WAIT: Duration = Duration::from_secs(120);

/// Directory of the cached clone of `url`.
#[cfg(test)]
pub(crate) fn cache_repo_path(cache_dir: &Path, url: &str) -> std::path::PathBuf {
    cache_dir.join("repos").join(cache_key(url))
}

pub(crate) fn load(
    url: &str,
    revision: Option<&str>,
    cache_dir: &Path,
    verify: Option<Verify<'_>>,
    limits: crate::settings::CheckoutLimits,
) -> Result<Snapshot, SourceError> {
    let shown = redact_url(url);
    let repos = cache_dir.join("repos");
    std::fs::create_dir_all(&repos).map_err(|source| SourceError::Io {
        what: "create the cache directory",
        path: repos.clone(),
        source,
    })?;
    let key = cache_key(url);

    // Held until the tree is written: another gitsync fetching into the
    // same cache could otherwise swap packs or refs under our reads.
    let lock_path = repos.join(format!("{key}.lock"));
    let started = Instant::now();
    let _lock = lock(&lock_path, LOCK_WAIT)?;
    tracing::debug!(url = %shown, waited_ms = started.elapsed().as_millis() as u64, "cache lock held");

    let extra = revision.and_then(extra_ref);
    let (repo, head) = open_or_clone(url, &shown, &repos, &key, extra)?;
    let (specs, label) = match revision {
        None => {
            if head.is_none() {
                return Err(SourceError::EmptyRemote { url: shown });
            }
            (vec!["HEAD".to_owned()], "HEAD")
        }
        // The plain name first (tags, SHAs, `HEAD~1`), then as a
        // remote-tracking branch (`main`, `main~1`).
        Some(rev) => (vec![rev.to_owned(), format!("origin/{rev}")], rev),
    };
    let (commit, tag) = super::resolve_revision(&repo, &specs, label, &shown)?;
    super::checkout(
        &repo,
        (&commit, tag),
        Path::new(""),
        label,
        shown.clone(),
        &shown,
        verify,
        limits,
    )
}

/// Takes the cache lock, waiting at most `wait`; the holder writes its
/// pid into the file so that a timeout can name it.
pub(crate) fn lock(path: &Path, wait: Duration) -> Result<File, SourceError> {
    let io = |what| {
        move |source| SourceError::Io {
            what,
            path: path.to_owned(),
            source,
        }
    };
    let mut file = File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(io("open the cache lock"))?;
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(path).unwrap_or_default();
                return Err(SourceError::LockTimeout {
                    path: path.to_owned(),
                    waited: wait,
                    holder: holder.trim().to_owned(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock")(e)),
        }
    }
    // Who holds it, for whoever waits next. Best effort: the lock itself
    // is what matters.
    let _ = file
        .set_len(0)
        .and_then(|()| writeln!(file, "pid {}", std::process::id()));
    Ok(file)
}

/// The cached repository, up to date with the remote, and the remote's HEAD
/// commit (None if the remote has no commits).
fn open_or_clone(
    url: &str,
    shown: &str,
    repos: &Path,
    key: &str,
    extra: Option<&str>,
) -> Result<(gix::Repository, Option<gix::ObjectId>), SourceError> {
    let dir = repos.join(key);
    if dir.exists() {
        match gix::open(&dir) {
            Ok(mut repo) => {
                let started = Instant::now();
                let (head, changed) =
                    fetch(&mut repo, url, extra).map_err(|source| SourceError::Fetch {
                        url: shown.to_owned(),
                        path: dir.clone(),
                        source,
                    })?;
                let ms = started.elapsed().as_millis() as u64;
                if changed {
                    tracing::info!(url = %shown, ms, "fetched new commits");
                } else {
                    tracing::debug!(url = %shown, ms, "remote unchanged");
                }
                return Ok((repo, head));
            }
            Err(err) => {
                // We hold the lock, so nobody else is using it: start over.
                tracing::warn!(url = %shown, path = %dir.display(), error = %scrub(err, url),
                    "cached clone is unreadable; cloning again");
                std::fs::remove_dir_all(&dir).map_err(|source| SourceError::Io {
                    what: "remove the broken cached clone",
                    path: dir.clone(),
                    source,
                })?;
            }
        }
    }
    clone(url, shown, repos, key, &dir, extra)
}

/// A revision that is a full ref name outside branches and tags
/// (`refs/pull/1/head`, `refs/merge-requests/1/head`): fetched by itself,
/// since fetching every pull request's head of a busy repository would
/// cost more than the branches do. Anything a refspec could read as more
/// than one ref name is not.
fn extra_ref(revision: &str) -> Option<&str> {
    let plain = revision.starts_with("refs/")
        && !revision.starts_with("refs/heads/")
        && !revision.starts_with("refs/tags/")
        && !revision.contains([':', '*', '^', '~', ' ', '\\', '?', '['])
        && !revision.contains("..");
    plain.then_some(revision)
}

/// Clone into a temporary directory beside the cache entry, then rename: a
/// clone cut short (crash, Ctrl-C) never leaves a half cache that looks valid.
fn clone(
    url: &str,
    shown: &str,
    repos: &Path,
    key: &str,
    dir: &Path,
    extra: Option<&str>,
) -> Result<(gix::Repository, Option<gix::ObjectId>), SourceError> {
    let prefix = format!(".{key}.tmp-");
    remove_stale_temps(repos, &prefix);
    let started = Instant::now();
    tracing::info!(url = %shown, path = %dir.display(), "cloning into the cache");
    let clone_err = |source: GitCause| SourceError::Clone {
        url: shown.to_owned(),
        path: dir.to_owned(),
        source,
    };
    let tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(repos)
        .map_err(|source| SourceError::Io {
            what: "create a temporary directory in",
            path: repos.to_owned(),
            source,
        })?;
    let mut repo = gix::init_bare(tmp.path()).map_err(|e| clone_err(Box::new(e)))?;
    let (head, _) = fetch(&mut repo, url, extra).map_err(clone_err)?;
    drop(repo);
    let tmp_path = tmp.keep();
    if let Err(source) = std::fs::rename(&tmp_path, dir) {
        std::fs::remove_dir_all(&tmp_path).ok();
        return Err(SourceError::Io {
            what: "move the new clone into place at",
            path: dir.to_owned(),
            source,
        });
    }
    let repo = gix::open(dir).map_err(|e| clone_err(scrub(e, url)))?;
    tracing::info!(url = %shown, ms = started.elapsed().as_millis() as u64, "cloned");
    Ok((repo, head))
}

/// Leftovers of clones whose process died. Only called under the lock for
/// this key, so none of them belongs to a live clone.
fn remove_stale_temps(repos: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(repos) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            tracing::debug!(path = %entry.path().display(), "removing an interrupted clone");
            std::fs::remove_dir_all(entry.path()).ok();
        }
    }
}

/// Fetch `url` into `repo` and point its detached HEAD at the remote's HEAD.
/// Returns the remote HEAD commit and whether a pack was received.
fn fetch(
    repo: &mut gix::Repository,
    url: &str,
    extra: Option<&str>,
) -> Result<(Option<gix::ObjectId>, bool), GitCause> {
    let extra = extra.map(|r| format!("+{r}:{r}"));
    let inner = |repo: &mut gix::Repository| -> gix::Result<(Option<gix::ObjectId>, bool)> {
        disable_prompt(repo)?;
        let specs = FETCH_SPECS.iter().copied().chain(extra.as_deref());
        let remote = repo
            .remote_at(url)?
            .with_refspecs(specs, Direction::Fetch)?
            .with_fetch_tags(gix::remote::fetch::Tags::None);
        let outcome = remote
            .connect(Direction::Fetch)?
            .prepare_fetch(gix::progress::Discard, Default::default())?
            .receive(gix::progress::Discard, &AtomicBool::new(false))?;
        let changed = matches!(outcome.status, gix::remote::fetch::Status::Change { .. });
        let head = outcome.ref_map.remote_refs.iter().find_map(|r| {
            let (name, target, peeled) = r.unpack();
            if name == "HEAD" {
                peeled.or(target).map(ToOwned::to_owned)
            } else {
                None
            }
        });
        if let Some(id) = head.filter(|id| repo.has_object(id)) {
            set_detached_head(repo, id)?;
        }
        Ok((head, changed))
    };
    inner(repo).map_err(|e| scrub(e, url))
}

fn disable_prompt(repo: &mut gix::Repository) -> gix::Result<()> {
    let own_ssh = std::env::var_os("GIT_SSH_COMMAND").is_some()
        || std::env::var_os("GIT_SSH").is_some()
        || repo.config_snapshot().string("core.sshCommand").is_some();
    let mut config = repo.config_snapshot_mut();
    config.append_config([NO_PROMPT], gix::config::Source::Api)?;
    if !own_ssh {
        config.append_config([SSH_COMMAND, SSH_VARIANT], gix::config::Source::Api)?;
    }
    config.commit()?;
    Ok(())
}

/// Detached, so HEAD names no branch that a later fetch would refuse to
/// update as "checked out".
fn set_detached_head(repo: &gix::Repository, id: gix::ObjectId) -> gix::Result<()> {
    use gix::refs::Target;
    use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
    let name: gix::refs::FullName = "HEAD".try_into().map_err(gix::Error::from_error)?;
    repo.edit_reference(RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "gitsync: remote HEAD".into(),
            },
            expected: PreviousValue::Any,
            new: Target::Object(id),
        },
        name,
        deref: false,
    })?;
    Ok(())
}

pub(crate) fn remote_head(url: &str, revision: Option<&str>) -> Result<String, SourceError> {
    let shown = redact_url(url);
    // A full SHA names itself and never moves; no need to ask.
    if let Some(rev) = revision
        && (rev.len() == 40 || rev.len() == 64)
        && rev.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Ok(rev.to_ascii_lowercase());
    }
    let spec = revision.unwrap_or("HEAD");
    // Listing refs needs a repository for configuration (credential helpers,
    // url rewrites); a scratch one keeps the cache untouched.
    let scratch = tempfile::tempdir().map_err(|source| SourceError::Io {
        what: "create a temporary directory",
        path: std::env::temp_dir(),
        source,
    })?;
    let list = || -> gix::Result<Option<gix::ObjectId>> {
        let mut repo = gix::init_bare(scratch.path())?;
        disable_prompt(&mut repo)?;
        let remote = repo
            .remote_at(url)?
            .with_refspecs([spec], Direction::Fetch)?
            .with_fetch_tags(gix::remote::fetch::Tags::None);
        let (ref_map, _handshake) = remote
            .connect(Direction::Fetch)?
            .ref_map(gix::progress::Discard, Default::default())?;
        Ok(ref_map.mappings.iter().find_map(|m| match &m.remote {
            Source::ObjectId(id) => Some(*id),
            Source::Ref(r) => {
                let (_, target, peeled) = r.unpack();
                peeled.or(target).map(ToOwned::to_owned)
            }
        }))
    };
    let started = Instant::now();
    let found = list().map_err(|e| SourceError::ListRefs {
        url: shown.clone(),
        source: scrub(e, url),
    })?;
    tracing::debug!(url = %shown, ms = started.elapsed().as_millis() as u64, "listed remote refs");
    match found {
        Some(id) => Ok(id.to_hex().to_string()),
        None if revision.is_none() => Err(SourceError::EmptyRemote { url: shown }),
        None => Err(SourceError::RemoteRefNotFound {
            url: shown,
            revision: spec.to_owned(),
        }),
    }
}

/// Every ref of the remote whose full name starts with `prefix`, with the
/// commit it points to (annotated tags peeled): one ref listing, no fetch.
pub(crate) fn remote_refs(url: &str, prefix: &str) -> Result<Vec<(String, String)>, SourceError> {
    let shown = redact_url(url);
    let scratch = tempfile::tempdir().map_err(|source| SourceError::Io {
        what: "create a temporary directory",
        path: std::env::temp_dir(),
        source,
    })?;
    // The refspec only narrows what the server advertises (protocol v2's
    // ref-prefix); the names are filtered here.
    let spec = format!("{}*", prefix.trim_end_matches('*'));
    let list = || -> gix::Result<Vec<(String, String)>> {
        let mut repo = gix::init_bare(scratch.path())?;
        disable_prompt(&mut repo)?;
        let remote = repo
            .remote_at(url)?
            .with_refspecs(
                [format!("{spec}:refs/gitsync-list/*").as_str()],
                Direction::Fetch,
            )?
            .with_fetch_tags(gix::remote::fetch::Tags::None);
        let (ref_map, _handshake) = remote
            .connect(Direction::Fetch)?
            .ref_map(gix::progress::Discard, Default::default())?;
        Ok(ref_map
            .remote_refs
            .iter()
            .filter_map(|r| {
                let (name, target, peeled) = r.unpack();
                let name = name.to_string();
                let id = peeled.or(target)?;
                name.starts_with(prefix)
                    .then(|| (name, id.to_hex().to_string()))
            })
            .collect())
    };
    list().map_err(|e| SourceError::ListRefs {
        url: shown,
        source: scrub(e, url),
    })
}
