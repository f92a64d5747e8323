//! Promotion: write the revision one target runs as another target's
//! `revision:` in gitsync.yaml, as a commit of the local repository, so
//! that Git stays the record of what was promoted where and when.
//!
//! The file is edited as text (one line changed or inserted), never
//! re-serialised: comments, order and formatting stay as the user wrote
//! them. The result is parsed again to check that exactly the target's
//! revision changed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{CONFIG_FILE, ConfigFile};
use crate::status::TargetStatus;

#[derive(Debug, thiserror::Error)]
pub enum PromoteError {
    #[error(
        "{CONFIG_FILE} has no target {0:?} written as `name: {0}` in block style; edit it by hand"
    )]
    TargetNotFound(String),
    #[error("editing {CONFIG_FILE} went wrong: {0}")]
    Edit(String),
    /// The repository cannot take the commit (a URL, a --revision).
    #[error("{0}")]
    NotHere(String),
    #[error("{what} in {repo}")]
    Git {
        what: String,
        repo: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(
        "{file} has uncommitted changes: commit or stash them first, so that the promotion commit holds only the promotion"
    )]
    Uncommitted { file: String },
}

/// Why `from` may not be promoted yet, if it may not: never synced,
/// unhealthy, drifted, or synced less than `soak` ago.
pub fn refusal(from: &TargetStatus, soak: Option<Duration>) -> Option<String> {
    let name = from.target.as_deref().unwrap_or("-");
    let Some(synced) = from.synced.as_ref().filter(|s| s.revision.is_some()) else {
        return Some(format!(
            "target {name} records no synced revision (sync it first)"
        ));
    };
    if let Some(h) = &from.health
        && !h.unhealthy.is_empty()
    {
        return Some(format!(
            "target {name} is not healthy: {}",
            h.unhealthy.join("; ")
        ));
    }
    match from.drift {
        Some(0) => {}
        Some(n) => {
            return Some(format!(
                "target {name} has drifted from its synced revision ({n} object{}; see gitsync drift --target {name})",
                if n == 1 { "" } else { "s" }
            ));
        }
        None => return Some(format!("the drift of target {name} is unknown")),
    }
    if let Some(soak) = soak {
        let age = synced.age();
        if age.is_none_or(|a| a < soak) {
            let at = synced.synced_at.as_deref().unwrap_or("an unknown time");
            return Some(format!(
                "target {name} was synced at {at}, less than the soak time of {}s ago",
                soak.as_secs()
            ));
        }
    }
    None
}

/// `text` with target `target`'s `revision:` set to `revision` (replaced
/// on its line, or inserted after the `name:` line). A target generated
/// from `apps:` (`APP@CLUSTER`) is pinned by the app's `pins:` entry for
/// its cluster instead.
pub fn set_revision(text: &str, target: &str, revision: &str) -> Result<String, PromoteError> {
    let generated = ConfigFile::parse(text)
        .ok()
        .and_then(|c| c.targets.into_iter().find(|t| t.name == target))
        .and_then(|t| t.fleet);
    let new = match generated {
        Some(origin) => set_key(text, &origin.app, "pins", Some(&origin.cluster), revision)?,
        None => set_key(text, target, "revision", None, revision)?,
    };
    check_edit(text, &new, target, revision)?;
    Ok(new)
}

/// Sets `key: "value"` in the list item named `name` (with `sub`, the
/// `sub: "value"` entry of the block map under `key`), in place when it
/// is there, else on new lines after the `name:` line.
fn set_key(
    text: &str,
    name: &str,
    key: &str,
    sub: Option<&str>,
    value: &str,
) -> Result<String, PromoteError> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let not_found = || PromoteError::TargetNotFound(name.to_string());
    // The `name: <name>` line and the column its keys start at.
    let (at, col) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| {
            let body = l.trim_end();
            let stripped = body.trim_start();
            let key = stripped
                .strip_prefix("- ")
                .map(str::trim_start)
                .unwrap_or(stripped);
            let value = key.strip_prefix("name:")?.trim();
            let unquoted = value.trim_matches(|c| c == '"' || c == '\'');
            (unquoted == name).then(|| (i, body.len() - key.len()))
        })
        .ok_or_else(not_found)?;
    let key_of = |l: &str| -> Option<usize> {
        let body = l.trim_end();
        let indent = body.len() - body.trim_start().len();
        let s = body.trim_start();
        match s.strip_prefix("- ") {
            Some(rest) => Some(body.len() - rest.trim_start().len()).filter(|_| indent + 2 <= col),
            None => Some(indent),
        }
    };
    // The item runs from its `- ` line to the next line less indented
    // than its keys (or the next item).
    let starts_item =
        |l: &str| l.trim_start().starts_with("- ") && l.len() - l.trim_start().len() < col;
    let start = (0..=at)
        .rev()
        .find(|&i| starts_item(lines[i]))
        .unwrap_or(at);
    let end = (at + 1..lines.len())
        .find(|&i| {
            let l = lines[i];
            !l.trim().is_empty()
                && !l.trim_start().starts_with('#')
                && (key_of(l).is_some_and(|k| k < col) || starts_item(l))
        })
        .unwrap_or(lines.len());
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let existing = (start..end).find(|&i| {
        let l = lines[i];
        key_of(l) == Some(col) && l.trim_end()[col..].starts_with(&format!("{key}:"))
    });
    let pad = " ".repeat(col);
    match (existing, sub) {
        (Some(i), None) => {
            let prefix = &lines[i][..col];
            out[i] = format!("{prefix}{key}: \"{value}\"\n");
        }
        (None, None) => {
            if !out[at].ends_with('\n') {
                out[at].push('\n');
            }
            out.insert(at + 1, format!("{pad}{key}: \"{value}\"\n"));
        }
        (Some(i), Some(sub)) => {
            let rest = lines[i].trim_end()[col + key.len() + 1..].trim();
            if rest == "{}" {
                out[i] = format!("{pad}{key}:\n{pad}  {sub}: \"{value}\"\n");
            } else if !rest.is_empty() && !rest.starts_with('#') {
                return Err(PromoteError::Edit(format!(
                    "{key}: of {name:?} is written inline; write it as a block map to let gitsync edit it"
                )));
            } else {
                // Its entries: the lines after it indented deeper.
                let inner = (i + 1..end)
                    .take_while(|&j| {
                        let l = lines[j];
                        l.trim().is_empty() || key_of(l).is_some_and(|k| k > col)
                    })
                    .find(|&j| {
                        let t = lines[j].trim_start();
                        t.strip_prefix(sub)
                            .or_else(|| t.strip_prefix(&format!("\"{sub}\"")))
                            .is_some_and(|r| r.trim_start().starts_with(':'))
                    });
                match inner {
                    Some(j) => {
                        let indent = lines[j].len() - lines[j].trim_start().len();
                        out[j] = format!("{}{sub}: \"{value}\"\n", &lines[j][..indent]);
                    }
                    None => out.insert(i + 1, format!("{pad}  {sub}: \"{value}\"\n")),
                }
            }
        }
        (None, Some(sub)) => {
            if !out[at].ends_with('\n') {
                out[at].push('\n');
            }
            out.insert(at + 1, format!("{pad}{key}:\n{pad}  {sub}: \"{value}\"\n"));
        }
    }
    Ok(out.concat())
}

/// The edit changed exactly `target`'s revision.
fn check_edit(old: &str, new: &str, target: &str, revision: &str) -> Result<(), PromoteError> {
    let parse = |t: &str| ConfigFile::parse(t).map_err(|e| PromoteError::Edit(e.to_string()));
    let (before, after) = (parse(old)?, parse(new)?);
    let mut expected = before.targets.clone();
    let mut got = after.targets.clone();
    for t in expected.iter_mut().chain(got.iter_mut()) {
        if t.name == target {
            t.revision = None;
        }
    }
    // Lines move when one is inserted: compare what the file says, not
    // where it says it.
    let located = regex::Regex::new(r"Location \{ line: \d+, column: \d+, span: Span \{ offset: \d+, len: \d+, byte_info: \(\d+, \d+\) \}, source_id: \d+ \}")
        .expect("a valid regex");
    let unlocated = |t: &[crate::config::TargetConfig]| {
        located
            .replace_all(&format!("{t:?}"), "Location")
            .into_owned()
    };
    let same = unlocated(&expected) == unlocated(&got);
    let set = after
        .targets
        .iter()
        .any(|t| t.name == target && t.revision.as_deref() == Some(revision));
    if !same || !set {
        return Err(PromoteError::Edit(format!(
            "the result does not set exactly target {target:?}'s revision"
        )));
    }
    Ok(())
}

/// The local repository a command edits gitsync.yaml in (`promote`,
/// `rollback`): a path, at HEAD, with the file committed as it is.
pub fn local_to_edit(
    repo: &str,
    revision: Option<&str>,
    command: &str,
) -> Result<Local, PromoteError> {
    if crate::source::is_url(repo) {
        return Err(PromoteError::NotHere(format!(
            "{command} commits to a local repository, and --repo {} is a URL: run it in a clone",
            crate::source::redact_url(repo)
        )));
    }
    if revision.is_some() {
        return Err(PromoteError::NotHere(format!(
            "{command} edits gitsync.yaml at HEAD: --revision does not apply"
        )));
    }
    Local::open(Path::new(repo))
}

/// What `--dry-run` prints: the edit as a unified diff, and the message.
pub fn dry_run_text(old: &str, new: &str, message: &str) -> String {
    let file = crate::config::CONFIG_FILE;
    let unified = similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(&format!("a/{file}"), &format!("b/{file}"))
        .to_string();
    format!("{unified}\nwould commit:\n\n{message}")
}

/// The local repository holding gitsync.yaml at `root`: what promote (and
/// `image update`) commit to.
pub struct Local {
    repo: gix::Repository,
    /// `root` inside the work tree, `/`-separated (empty at the top).
    sub: String,
    root: PathBuf,
}

/// How long one `git push` or `git fetch` may run.
const GIT_WITHIN: std::time::Duration = std::time::Duration::from_secs(120);

fn git_err(
    what: &str,
    repo: &Path,
) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> PromoteError + use<> {
    let (what, repo) = (what.to_string(), repo.display().to_string());
    move |source| PromoteError::Git { what, repo, source }
}

impl Local {
    /// A bare repository of gitsync's own (`image update` under `watch`):
    /// commits are made with `commit_on` and pushed; nothing is checked
    /// out. Created, with `name` and `email` as its committer, if missing.
    pub fn open_bare(dir: &Path, name: &str, email: &str) -> Result<Local, PromoteError> {
        let err = |what: &str| git_err(what, dir);
        let mut repo = match gix::open(dir) {
            Ok(r) => r,
            Err(_) => gix::init_bare(dir).map_err(|e| err("creating")(e.into()))?,
        };
        let mut config = repo.config_snapshot_mut();
        config
            .set_raw_value(gix::config::tree::User::NAME, name)
            .and_then(|_| config.set_raw_value(gix::config::tree::User::EMAIL, email))
            .map_err(|e| err("setting the committer")(e.into()))?;
        config
            .commit()
            .map_err(|e| err("setting the committer")(e.into()))?;
        Ok(Local {
            repo,
            sub: String::new(),
            root: dir.to_path_buf(),
        })
    }

    pub fn open(root: &Path) -> Result<Local, PromoteError> {
        let root = std::fs::canonicalize(root).map_err(|e| git_err("finding", root)(e.into()))?;
        let repo =
            gix::discover(&root).map_err(|e| git_err("opening the repository", &root)(e.into()))?;
        let workdir = repo
            .workdir()
            .and_then(|w| std::fs::canonicalize(w).ok())
            .ok_or_else(|| git_err("finding the work tree", &root)("a bare repository".into()))?;
        let sub = root
            .strip_prefix(&workdir)
            .unwrap_or(Path::new(""))
            .to_string_lossy()
            .replace('\\', "/");
        Ok(Local { repo, sub, root })
    }

    fn head_blob(&self, rel: &str) -> Result<(gix::ObjectId, Vec<u8>), PromoteError> {
        let err = || git_err(&format!("reading HEAD's {rel}"), &self.root);
        let commit = self.repo.head_commit().map_err(|e| err()(e.into()))?;
        let tree = commit.tree().map_err(|e| err()(e.into()))?;
        let entry = tree
            .lookup_entry_by_path(rel)
            .map_err(|e| err()(e.into()))?
            .ok_or_else(|| err()("not in HEAD".into()))?;
        let object = entry.object().map_err(|e| err()(e.into()))?;
        Ok((object.id, object.data.clone()))
    }

    /// gitsync.yaml as HEAD has it; refused when the work tree or the
    /// index differ from it.
    pub fn committed_text(&self) -> Result<String, PromoteError> {
        self.committed(CONFIG_FILE)
    }

    /// A file (relative to `root`, `/`-separated) as HEAD has it; refused
    /// when the work tree or the index differ from it.
    pub fn committed(&self, file: &str) -> Result<String, PromoteError> {
        let rel = in_repo(&self.sub, file);
        let (id, data) = self.head_blob(&rel)?;
        let uncommitted = || PromoteError::Uncommitted { file: rel.clone() };
        let path = self.root.join(file);
        let disk = std::fs::read(&path).map_err(|e| git_err("reading", &path)(e.into()))?;
        if disk != data {
            return Err(uncommitted());
        }
        let index = self
            .repo
            .open_index()
            .map_err(|e| git_err("reading the index", &path)(e.into()))?;
        let staged = index.entry_by_path(rel.as_str().into()).map(|e| e.id);
        if staged.is_some_and(|s| s != id) {
            return Err(uncommitted());
        }
        String::from_utf8(data).map_err(|e| PromoteError::Edit(e.to_string()))
    }

    /// Commits `text` as gitsync.yaml on HEAD (author and committer from
    /// git config), signed with `key` when given, then updates the index
    /// and the work tree to match.
    pub fn commit(
        &self,
        text: &str,
        message: &str,
        key: Option<&crate::signing::SigningKey>,
    ) -> Result<String, PromoteError> {
        self.commit_files(&[(CONFIG_FILE.to_string(), text.to_string())], message, key)
    }

    /// Commits `files` (paths relative to `root`, `/`-separated, and
    /// their new text) on HEAD, signed with `key` when given, then updates
    /// the index and the work tree to match.
    pub fn commit_files(
        &self,
        files: &[(String, String)],
        message: &str,
        key: Option<&crate::signing::SigningKey>,
    ) -> Result<String, PromoteError> {
        let err = |what: &str| git_err(what, &self.root);
        let head = self
            .repo
            .head_commit()
            .map_err(|e| err("reading HEAD")(e.into()))?;
        let base = head
            .tree_id()
            .map_err(|e| err("reading HEAD's tree")(e.into()))?;
        let (tree, blobs) = self.tree_with(base.detach(), files)?;
        let id = match key {
            None => self
                .repo
                .commit("HEAD", message, tree, [head.id])
                .map_err(|e| err("committing (are user.name and user.email set?)")(e.into()))?
                .detach(),
            Some(key) => self.commit_signed(message, tree, head.id, key)?,
        };
        let mut index = self
            .repo
            .open_index()
            .map_err(|e| err("reading the index")(e.into()))?;
        for ((file, text), (rel, blob)) in files.iter().zip(blobs) {
            let path = self.root.join(file);
            std::fs::write(&path, text).map_err(|e| git_err("writing", &path)(e.into()))?;
            // The entry's stat too: git takes a size that differs from the
            // index's for a modified file without reading it.
            let stat = gix::index::fs::Metadata::from_path_no_follow(&path)
                .map_err(|e| err("reading")(e.into()))
                .and_then(|m| {
                    gix::index::entry::Stat::from_fs(&m).map_err(|e| err("reading")(e.into()))
                })?;
            if let Some(entry) = index.entry_mut_by_path_and_stage(
                rel.as_str().into(),
                gix::index::entry::Stage::Unconflicted,
            ) {
                entry.id = blob;
                entry.stat = stat;
            }
        }
        index
            .write(Default::default())
            .map_err(|e| err("writing the index")(e.into()))?;
        Ok(id.to_string())
    }
}

/// `file` (relative to `sub`) as a path inside the repository.
fn in_repo(sub: &str, file: &str) -> String {
    match sub.trim_matches('/') {
        "" => file.to_string(),
        sub => format!("{sub}/{file}"),
    }
}

impl Local {
    /// `base` with `files` (relative to `root`) written in: the new tree,
    /// and each file's path in the repository and blob.
    fn tree_with(
        &self,
        base: gix::ObjectId,
        files: &[(String, String)],
    ) -> Result<(gix::ObjectId, Vec<(String, gix::ObjectId)>), PromoteError> {
        let err = |what: &str| git_err(what, &self.root);
        let mut editor = self
            .repo
            .edit_tree(base)
            .map_err(|e| err("editing the tree")(e.into()))?;
        let mut blobs = Vec::new();
        for (file, text) in files {
            let blob = self
                .repo
                .write_blob(text.as_bytes())
                .map_err(|e| err("writing the blob")(e.into()))?
                .detach();
            let rel = in_repo(&self.sub, file);
            editor
                .upsert(rel.as_str(), gix::object::tree::EntryKind::Blob, blob)
                .map_err(|e| err("editing the tree")(e.into()))?;
            blobs.push((rel, blob));
        }
        let tree = editor
            .write()
            .map_err(|e| err("writing the tree")(e.into()))?
            .detach();
        Ok((tree, blobs))
    }

    /// Writes a commit of `tree` on `parent` (author and committer from git
    /// config), signed with `key` when given; moves no ref.
    fn write_commit(
        &self,
        message: &str,
        tree: gix::ObjectId,
        parent: gix::ObjectId,
        key: Option<&crate::signing::SigningKey>,
    ) -> Result<gix::ObjectId, PromoteError> {
        use gix::objs::WriteTo;
        let err = |what: &str| git_err(what, &self.root);
        fn who<E: std::fmt::Display>(
            s: Option<Result<gix::actor::SignatureRef<'_>, E>>,
        ) -> Result<gix::actor::Signature, PromoteError> {
            let unset = || PromoteError::Edit("user.name and user.email are not set".into());
            s.ok_or_else(unset)?
                .map_err(|e| PromoteError::Edit(e.to_string()))
                .and_then(|s| s.to_owned().map_err(|e| PromoteError::Edit(e.to_string())))
        }
        let mut commit = gix::objs::Commit {
            tree,
            parents: [parent].into_iter().collect(),
            author: who(self.repo.author())?,
            committer: who(self.repo.committer())?,
            encoding: None,
            message: message.into(),
            extra_headers: Vec::new(),
        };
        if let Some(key) = key {
            let mut payload = Vec::new();
            commit
                .write_to(&mut payload)
                .map_err(|e| err("encoding the commit")(e.into()))?;
            let signature = key
                .sign(&payload)
                .map_err(|e| PromoteError::Edit(e.to_string()))?;
            commit
                .extra_headers
                .push(("gpgsig".into(), signature.trim_end().into()));
        }
        Ok(self
            .repo
            .write_object(&commit)
            .map_err(|e| err("writing the commit")(e.into()))?
            .detach())
    }

    /// A commit of `files` on `parent` (which need not be HEAD), signed
    /// with `key` when given; moves no ref and touches no file.
    pub fn commit_on(
        &self,
        parent: &str,
        files: &[(String, String)],
        message: &str,
        key: Option<&crate::signing::SigningKey>,
    ) -> Result<String, PromoteError> {
        let err = |what: &str| git_err(what, &self.root);
        let parent = gix::ObjectId::from_hex(parent.as_bytes())
            .map_err(|e| err("reading the commit id")(e.into()))?;
        let tree = self
            .repo
            .find_commit(parent)
            .map_err(|e| err("reading the commit")(e.into()))?
            .tree_id()
            .map_err(|e| err("reading its tree")(e.into()))?;
        let (tree, _) = self.tree_with(tree.detach(), files)?;
        Ok(self.write_commit(message, tree, parent, key)?.to_string())
    }

    /// The `.yaml`/`.yml` files under `root` in `commit`, relative to
    /// `root`, with their text (what `image update` reads on a branch's
    /// new tip).
    pub fn yaml_files_at(&self, commit: &str) -> Result<Vec<(String, String)>, PromoteError> {
        let err = |what: &str| git_err(what, &self.root);
        let id = gix::ObjectId::from_hex(commit.as_bytes())
            .map_err(|e| err("reading the commit id")(e.into()))?;
        let tree = self
            .repo
            .find_commit(id)
            .map_err(|e| err("reading the commit")(e.into()))?
            .tree()
            .map_err(|e| err("reading the commit's tree")(e.into()))?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        tree.traverse()
            .breadthfirst(&mut recorder)
            .map_err(|e| err("listing the commit's files")(e.into()))?;
        let prefix = match self.sub.trim_matches('/') {
            "" => String::new(),
            sub => format!("{sub}/"),
        };
        let mut out = Vec::new();
        for entry in recorder.records {
            let path = entry.filepath.to_string();
            let Some(rel) = path.strip_prefix(&prefix) else {
                continue;
            };
            let hidden = rel.split('/').any(|part| part.starts_with('.'));
            let yaml = rel.ends_with(".yaml") || rel.ends_with(".yml");
            if !entry.mode.is_blob() || hidden || !yaml {
                continue;
            }
            let blob = self
                .repo
                .find_object(entry.oid)
                .map_err(|e| err("reading a file")(e.into()))?;
            if let Ok(text) = String::from_utf8(blob.data.clone()) {
                out.push((rel.to_string(), text));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Runs `git` in the repository with `args`: the one place gitsync
    /// runs git (gix cannot push). No prompt (ssh in BatchMode unless the
    /// user configured ssh), at most `GIT_WITHIN`; Ok(output) on success,
    /// Err(output) when git failed (stdout, then stderr).
    fn git(&self, args: &[&str]) -> Result<Result<String, String>, PromoteError> {
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(&self.root)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
            cmd.env(
                "GIT_SSH_COMMAND",
                "ssh -o BatchMode=yes -o ConnectTimeout=30 -o ServerAliveInterval=15",
            );
        }
        let what = format!("running git {}", args.join(" "));
        let mut child = cmd
            .spawn()
            .map_err(|e| git_err(&what, &self.root)(e.into()))?;
        // Both streams, read beside the wait (a full pipe would block git):
        // `push --porcelain` says on stdout why a ref was rejected.
        let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                if let Some(mut p) = pipe {
                    let _ = std::io::Read::read_to_string(&mut p, &mut text);
                }
                text
            })
        };
        let out = read(child.stdout.take().map(|p| Box::new(p) as _));
        let reader = read(child.stderr.take().map(|p| Box::new(p) as _));
        let deadline = std::time::Instant::now() + GIT_WITHIN;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50))
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(git_err(&what, &self.root)(
                        format!("stopped after {} s", GIT_WITHIN.as_secs()).into(),
                    ));
                }
                Err(e) => return Err(git_err(&what, &self.root)(e.into())),
            }
        };
        let stderr = out.join().unwrap_or_default() + &reader.join().unwrap_or_default();
        Ok(match status.success() {
            true => Ok(stderr),
            false => Err(crate::source::redact_url(stderr.trim())),
        })
    }

    /// Pushes `commit` to `branch` of `remote`. `Ok(false)`: rejected
    /// because the branch moved (not a fast-forward).
    pub fn push(&self, remote: &str, commit: &str, branch: &str) -> Result<bool, PromoteError> {
        let spec = format!("{commit}:refs/heads/{branch}");
        match self.git(&["push", "--porcelain", remote, &spec])? {
            Ok(_) => Ok(true),
            // Only "the branch moved" is worth a second try; a hook or a
            // protection rule refusing the push is an error as it is.
            Err(e) if e.contains("(non-fast-forward)") || e.contains("(fetch first)") => Ok(false),
            Err(e) => Err(git_err("pushing", &self.root)(e.into())),
        }
    }

    /// Fetches `branch` of `remote`; the commit it is at now.
    pub fn fetch(&self, remote: &str, branch: &str) -> Result<String, PromoteError> {
        let spec = format!("refs/heads/{branch}");
        if let Err(e) = self.git(&["fetch", "--no-tags", remote, &spec])? {
            return Err(git_err("fetching", &self.root)(e.into()));
        }
        let id = self
            .repo
            .find_reference("FETCH_HEAD")
            .ok()
            .and_then(|mut r| r.peel_to_id().ok())
            .map(|id| id.to_string());
        match id {
            Some(id) => Ok(id),
            // gix may not read FETCH_HEAD's format: ask git (bounded too).
            None => match self.git(&["rev-parse", "FETCH_HEAD"])? {
                Ok(out) => Ok(out.trim().to_string()),
                Err(e) => Err(git_err("reading FETCH_HEAD", &self.root)(e.into())),
            },
        }
    }

    /// A commit of `tree` on `parent` whose `gpgsig` header is `key`'s
    /// signature of the commit without it (what git signs), moved onto
    /// HEAD's branch only if HEAD is still `parent`.
    fn commit_signed(
        &self,
        message: &str,
        tree: gix::ObjectId,
        parent: gix::ObjectId,
        key: &crate::signing::SigningKey,
    ) -> Result<gix::ObjectId, PromoteError> {
        use gix::refs::Target;
        use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
        let err = |what: &str| git_err(what, &self.root);
        let id = self.write_commit(message, tree, parent, Some(key))?;
        let subject = message.lines().next().unwrap_or_default();
        self.repo
            .edit_reference(RefEdit {
                change: Change::Update {
                    log: LogChange {
                        mode: RefLog::AndReference,
                        force_create_reflog: false,
                        message: format!("commit: {subject}").into(),
                    },
                    expected: PreviousValue::MustExistAndMatch(Target::Object(parent)),
                    new: Target::Object(id),
                },
                name: "HEAD"
                    .try_into()
                    .map_err(|e: gix::validate::reference::name::Error| {
                        PromoteError::Edit(e.to_string())
                    })?,
                deref: true,
            })
            .map_err(|e| err("moving HEAD to the signed commit")(e.into()))?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# environments\ntargets:\n  - name: staging   \n    path: overlays/staging # follows main\n    cluster: {context: staging}\n\n  - name: prod\n    path: overlays/prod\n    revision: v1   # the release\n  - name: qa\n    path: overlays/qa\n";

    #[test]
    fn an_existing_revision_is_replaced_on_its_line() {
        let new = set_revision(FILE, "prod", "abc123").unwrap();
        assert_eq!(
            new,
            FILE.replace(
                "    revision: v1   # the release\n",
                "    revision: \"abc123\"\n"
            )
        );
    }

    #[test]
    fn a_missing_revision_is_inserted_after_the_name() {
        let new = set_revision(FILE, "staging", "abc123").unwrap();
        assert_eq!(
            new,
            FILE.replace(
                "name: staging   \n",
                "name: staging   \n    revision: \"abc123\"\n"
            )
        );
        let new = set_revision(FILE, "qa", "abc123").unwrap();
        assert!(
            new.ends_with("  - name: qa\n    revision: \"abc123\"\n    path: overlays/qa\n"),
            "{new}"
        );
    }

    #[test]
    fn name_not_first_and_other_indents() {
        let text = "targets:\n- path: p\n  name: \"prod\"\n- name: dev\n  revision: main\n";
        let new = set_revision(text, "prod", "abc").unwrap();
        assert_eq!(
            new,
            "targets:\n- path: p\n  name: \"prod\"\n  revision: \"abc\"\n- name: dev\n  revision: main\n"
        );
    }

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn the_commit_leaves_work_tree_and_index_clean() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        git(d, &["config", "user.name", "Pro Moter"]);
        git(d, &["config", "user.email", "p@example.com"]);
        std::fs::write(d.join(CONFIG_FILE), FILE).unwrap();
        std::fs::write(d.join("other"), "x").unwrap();
        git(d, &["add", "-A"]);
        git(d, &["commit", "-q", "-m", "first"]);
        let local = Local::open(d).unwrap();
        let text = local.committed_text().unwrap();
        let new = set_revision(&text, "prod", "abc").unwrap();
        local.commit(&new, "Promote abc\n", None).unwrap();
        assert_eq!(git(d, &["status", "--porcelain"]), "");
        assert_eq!(git(d, &["show", "HEAD:gitsync.yaml"]), new);
        assert_eq!(
            git(d, &["log", "-1", "--format=%an %s"]),
            "Pro Moter Promote abc\n"
        );
        std::fs::write(d.join(CONFIG_FILE), "targets: []\n").unwrap();
        assert!(matches!(
            local.committed_text(),
            Err(PromoteError::Uncommitted { .. })
        ));
    }

    #[test]
    fn flow_style_and_unknown_targets_are_refused() {
        let text = "targets: [{name: prod, path: p}]\n";
        assert!(matches!(
            set_revision(text, "prod", "a"),
            Err(PromoteError::TargetNotFound(_))
        ));
        assert!(matches!(
            set_revision(FILE, "nope", "a"),
            Err(PromoteError::TargetNotFound(_))
        ));
    }
}
