//! Source stage tests on real repositories. Fixtures are built with the `git`
//! CLI (tests only); the code under test uses gix alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

const AUTHOR_DATE: &str = "2026-11-26T13:00:00+01:00";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["-c", "tag.gpgsign=false", "-c", "core.symlinks=true"])
        .args(args)
        .current_dir(dir)
        // Keep the fixtures independent of the machine's git configuration.
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", AUTHOR_DATE)
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// A repository with two commits:
/// - first: `app.yaml` = "v: 1", tagged `v1` (annotated), branch `old`
/// - second (HEAD, main): `app.yaml` = "v: 2", adds `sub/x.yaml`
struct Fixture {
    dir: tempfile::TempDir,
    first: String,
    second: String,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        git(p, &["init", "-q"]);
        write(&p.join("app.yaml"), "v: 1\n");
        git(p, &["add", "."]);
        git(p, &["commit", "-q", "-m", "first commit\n\nbody"]);
        let first = git(p, &["rev-parse", "HEAD"]);
        git(p, &["tag", "-a", "v1", "-m", "version 1"]);
        git(p, &["branch", "old"]);
        write(&p.join("app.yaml"), "v: 2\n");
        write(&p.join("sub/x.yaml"), "x: 1\n");
        git(p, &["add", "."]);
        git(p, &["commit", "-q", "-m", "second commit"]);
        let second = git(p, &["rev-parse", "HEAD"]);
        Fixture { dir, first, second }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    /// Commit `text` as `app.yaml` and return the new SHA.
    fn commit(&self, text: &str, message: &str) -> String {
        write(&self.path().join("app.yaml"), text);
        git(self.path(), &["commit", "-q", "-am", message]);
        git(self.path(), &["rev-parse", "HEAD"])
    }
}

fn settings(repo: &str, revision: Option<&str>) -> SourceSettings {
    SourceSettings {
        repo: repo.to_owned(),
        revision: revision.map(str::to_owned),
        path: None,
        verify: None,
        checkout: Default::default(),
    }
}

fn load_path(path: &Path, revision: Option<&str>) -> Result<Snapshot, SourceError> {
    let cache = tempfile::tempdir().unwrap();
    load(&settings(path.to_str().unwrap(), revision), cache.path())
}

#[test]
fn work_tree_includes_uncommitted_edit_and_head_commit() {
    let fx = Fixture::new();
    write(&fx.path().join("app.yaml"), "v: edited\n");
    let snap = load_path(fx.path(), None).unwrap();
    assert!(snap.work_tree);
    assert_eq!(snap.root, std::fs::canonicalize(fx.path()).unwrap());
    assert_eq!(read(&snap.root.join("app.yaml")), "v: edited\n");
    let commit = snap.commit.unwrap();
    assert_eq!(
        commit,
        CommitInfo {
            sha: fx.second.clone(),
            author: "Ada Lovelace".into(),
            author_email: "ada@example.com".into(),
            time: "2026-11-26T12:00:00Z".into(),
            subject: "second commit".into(),
        }
    );
}

#[test]
fn revisions_read_old_content_and_leave_work_tree_alone() {
    let fx = Fixture::new();
    write(&fx.path().join("app.yaml"), "v: edited\n");
    let status_before = git(fx.path(), &["status", "--porcelain"]);
    let short = &fx.first[..8];
    for rev in ["old", "v1", short, fx.first.as_str(), "HEAD~1"] {
        let snap = load_path(fx.path(), Some(rev)).unwrap_or_else(|e| panic!("{rev}: {e}"));
        assert!(!snap.work_tree, "{rev}");
        assert_eq!(read(&snap.root.join("app.yaml")), "v: 1\n", "{rev}");
        assert!(!snap.root.join("sub").exists(), "{rev}");
        let commit = snap.commit.as_ref().unwrap();
        assert_eq!(commit.sha, fx.first, "{rev}");
        assert_eq!(commit.subject, "first commit", "{rev}");
    }
    let snap = load_path(fx.path(), Some("main")).unwrap();
    assert_eq!(read(&snap.root.join("app.yaml")), "v: 2\n");
    assert_eq!(read(&snap.root.join("sub/x.yaml")), "x: 1\n");
    // The user's work tree is exactly as before.
    assert_eq!(read(&fx.path().join("app.yaml")), "v: edited\n");
    assert_eq!(git(fx.path(), &["status", "--porcelain"]), status_before);
}

#[test]
fn materialised_tree_is_removed_on_drop() {
    let fx = Fixture::new();
    let snap = load_path(fx.path(), Some("HEAD")).unwrap();
    let root = snap.root.clone();
    assert!(root.join("app.yaml").exists());
    drop(snap);
    assert!(!root.exists());
}

#[test]
fn unknown_revision_names_it_and_the_repository() {
    let fx = Fixture::new();
    let err = load_path(fx.path(), Some("no-such-branch")).unwrap_err();
    assert!(
        matches!(err, SourceError::UnknownRevision { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("no-such-branch"), "{msg}");
    let canonical = std::fs::canonicalize(fx.path()).unwrap();
    assert!(msg.contains(&canonical.display().to_string()), "{msg}");
}

#[test]
fn subdirectory_as_repo_with_and_without_revision() {
    let fx = Fixture::new();
    let sub = fx.path().join("sub");
    let snap = load_path(&sub, None).unwrap();
    assert_eq!(snap.root, std::fs::canonicalize(&sub).unwrap());
    assert_eq!(snap.commit.unwrap().sha, fx.second);

    let snap = load_path(&sub, Some("HEAD")).unwrap();
    assert!(snap.root.ends_with("sub"), "{}", snap.root.display());
    assert_eq!(read(&snap.root.join("x.yaml")), "x: 1\n");

    // The subdirectory did not exist in the first commit.
    let err = load_path(&sub, Some("v1")).unwrap_err();
    assert!(matches!(err, SourceError::SubdirMissing { .. }), "{err:?}");
}

#[test]
fn plain_directory_and_missing_path() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("a.yaml"), "a: 1\n");
    let snap = load_path(dir.path(), None).unwrap();
    assert!(snap.work_tree);
    assert!(snap.commit.is_none());

    let err = load_path(dir.path(), Some("HEAD")).unwrap_err();
    assert!(matches!(err, SourceError::NotARepository { .. }), "{err:?}");

    let missing = dir.path().join("nope");
    let err = load_path(&missing, None).unwrap_err();
    assert!(matches!(err, SourceError::PathNotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("nope"), "{err}");

    let file = dir.path().join("a.yaml");
    let err = load_path(&file, None).unwrap_err();
    assert!(matches!(err, SourceError::NotADirectory { .. }), "{err:?}");
}

#[test]
fn repository_without_commits_has_no_commit() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    let snap = load_path(dir.path(), None).unwrap();
    assert!(snap.commit.is_none());
}

#[cfg(unix)]
#[test]
fn symlinks_and_executables_are_materialised() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let p = fx.path();
    std::os::unix::fs::symlink("app.yaml", p.join("link.yaml")).unwrap();
    std::os::unix::fs::symlink("../../etc/passwd", p.join("sub/escape")).unwrap();
    write(&p.join("run.sh"), "#!/bin/sh\n");
    std::fs::set_permissions(p.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "links"]);

    let snap = load_path(p, Some("HEAD")).unwrap();
    let link = snap.root.join("link.yaml");
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        PathBuf::from("app.yaml")
    );
    assert_eq!(read(&link), "v: 2\n");
    // Stored as is; the render stage decides that it leads outside.
    assert_eq!(
        std::fs::read_link(snap.root.join("sub/escape")).unwrap(),
        PathBuf::from("../../etc/passwd")
    );
    let mode = std::fs::metadata(snap.root.join("run.sh"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "{mode:o}");
    let mode = std::fs::metadata(snap.root.join("app.yaml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0, "{mode:o}");
}

/// A crafted tree (git itself never writes one): a symlink `a` to a file
/// outside, then a file `a`. Writing the checkout must not follow the link.
#[cfg(unix)]
#[test]
fn a_tree_cannot_write_through_its_own_symlink() {
    use std::io::Write;
    let fx = Fixture::new();
    let p = fx.path();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    write(&victim, "untouched\n");
    let hash = |kind: &str, data: &[u8]| -> String {
        let mut child = Command::new("git")
            .args(["hash-object", "-w", "--literally", "-t", kind, "--stdin"])
            .current_dir(p)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(data).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let raw = |hex: &str| -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    };
    let link = hash("blob", victim.to_str().unwrap().as_bytes());
    let file = hash("blob", b"overwritten\n");
    let mut tree = b"120000 a\0".to_vec();
    tree.extend(raw(&link));
    tree.extend(b"100644 a\0");
    tree.extend(raw(&file));
    let tree = hash("tree", &tree);
    let commit = git(p, &["commit-tree", &tree, "-m", "crafted"]);

    let err = load_path(p, Some(&commit)).unwrap_err();
    assert!(matches!(err, SourceError::DuplicateEntry { .. }), "{err}");
    assert!(err.to_string().contains("holds a twice"), "{err}");
    assert_eq!(read(&victim), "untouched\n");
}

#[test]
fn url_is_cloned_once_then_fetched() {
    let fx = Fixture::new();
    let cache = tempfile::tempdir().unwrap();
    let url = fx.url();

    let snap = load(&settings(&url, None), cache.path()).unwrap();
    assert!(!snap.work_tree);
    assert_eq!(snap.origin, url);
    assert_eq!(snap.commit.as_ref().unwrap().sha, fx.second);
    assert_eq!(read(&snap.root.join("app.yaml")), "v: 2\n");
    drop(snap);

    // A marker inside the cached clone survives only if it is not re-cloned.
    let cached = remote::cache_repo_path(cache.path(), &url);
    assert!(cached.join("HEAD").is_file(), "{}", cached.display());
    std::fs::write(cached.join("gitsync-test-marker"), "").unwrap();

    let third = fx.commit("v: 3\n", "third commit");
    let snap = load(&settings(&url, None), cache.path()).unwrap();
    assert!(
        cached.join("gitsync-test-marker").exists(),
        "cache was re-cloned"
    );
    assert_eq!(snap.commit.as_ref().unwrap().sha, third);
    assert_eq!(snap.commit.as_ref().unwrap().subject, "third commit");
    assert_eq!(read(&snap.root.join("app.yaml")), "v: 3\n");

    // Branches, tags, SHAs and rev-parse expressions work on the cache too.
    let cases = [
        ("main", third.as_str()),
        ("old", fx.first.as_str()),
        ("v1", fx.first.as_str()),
        ("HEAD~1", fx.second.as_str()),
        ("main~2", fx.first.as_str()),
        (&fx.second[..10], fx.second.as_str()),
    ];
    for (rev, sha) in cases {
        let snap =
            load(&settings(&url, Some(rev)), cache.path()).unwrap_or_else(|e| panic!("{rev}: {e}"));
        assert_eq!(snap.commit.as_ref().unwrap().sha, sha, "{rev}");
    }
    let err = load(&settings(&url, Some("nope")), cache.path()).unwrap_err();
    assert!(
        matches!(err, SourceError::UnknownRevision { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("nope"), "{err}");

    // Only the cached clone and its lock: the temp clone was renamed away.
    let names: Vec<String> = std::fs::read_dir(cache.path().join("repos"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn a_moved_branch_is_seen_after_fetch() {
    // A remote-tracking branch follows force-pushes and new commits.
    let fx = Fixture::new();
    let cache = tempfile::tempdir().unwrap();
    let url = fx.url();
    let snap = load(&settings(&url, Some("old")), cache.path()).unwrap();
    assert_eq!(snap.commit.unwrap().sha, fx.first);
    git(fx.path(), &["branch", "-f", "old", "main"]);
    let snap = load(&settings(&url, Some("old")), cache.path()).unwrap();
    assert_eq!(snap.commit.unwrap().sha, fx.second);
}

#[test]
fn remote_head_lists_refs_without_fetching() {
    let fx = Fixture::new();
    let cache = tempfile::tempdir().unwrap();
    let url = fx.url();
    load(&settings(&url, None), cache.path()).unwrap();
    let cached = remote::cache_repo_path(cache.path(), &url);
    let cached_head = || {
        gix::open(&cached)
            .unwrap()
            .head_id()
            .unwrap()
            .detach()
            .to_string()
    };
    assert_eq!(cached_head(), fx.second);

    let third = fx.commit("v: 3\n", "third commit");
    assert_eq!(remote_head(&url, None).unwrap(), third);
    assert_eq!(remote_head(&url, Some("main")).unwrap(), third);
    assert_eq!(remote_head(&url, Some("old")).unwrap(), fx.first);
    // Annotated tags are peeled to their commit.
    assert_eq!(remote_head(&url, Some("v1")).unwrap(), fx.first);
    assert_eq!(remote_head(&url, Some(&fx.first)).unwrap(), fx.first);
    let err = remote_head(&url, Some("nope")).unwrap_err();
    assert!(
        matches!(err, SourceError::RemoteRefNotFound { .. }),
        "{err:?}"
    );

    // The cache did not move.
    assert_eq!(cached_head(), fx.second);
}

#[test]
fn two_threads_loading_the_same_url_both_succeed() {
    let fx = Fixture::new();
    let cache = tempfile::tempdir().unwrap();
    let url = fx.url();
    let shas: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let snap = load(&settings(&url, None), cache.path()).unwrap();
                    assert_eq!(read(&snap.root.join("app.yaml")), "v: 2\n");
                    snap.commit.unwrap().sha
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(shas, vec![fx.second.clone(), fx.second.clone()]);
}

#[test]
fn unreachable_url_errors_with_redacted_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/missing", dir.path().display());
    let err = load(&settings(&url, None), dir.path()).unwrap_err();
    assert!(matches!(err, SourceError::Clone { .. }), "{err:?}");
    // Nothing half-cloned is left behind.
    let left: Vec<_> = std::fs::read_dir(dir.path().join("repos"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| !n.to_string_lossy().ends_with(".lock"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    let secret = "https://user:s3cr3t-token@127.0.0.1:9/org/repo.git";
    let err = remote_head(secret, None).unwrap_err();
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    assert!(!text.contains("s3cr3t-token"), "{text}");
    assert!(
        text.contains("https://***@127.0.0.1:9/org/repo.git"),
        "{text}"
    );
}

#[test]
fn redact_url_cases() {
    let cases = [
        (
            "https://user:token@github.com/org/repo",
            "https://***@github.com/org/repo",
        ),
        (
            "https://ghp_abc123@github.com/org/repo.git",
            "https://***@github.com/org/repo.git",
        ),
        (
            "http://u:p@example.com:8080/r?x=a@b",
            "http://***@example.com:8080/r?x=a@b",
        ),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        (
            "ssh://git@github.com/org/repo",
            "ssh://git@github.com/org/repo",
        ),
        ("ssh://git:pw@host/repo", "ssh://git:***@host/repo"),
        ("https://github.com/org/repo", "https://github.com/org/repo"),
        (
            "https://github.com/org/repo/a@b",
            "https://github.com/org/repo/a@b",
        ),
        ("./local/path", "./local/path"),
    ];
    for (url, want) in cases {
        assert_eq!(redact_url(url), want, "{url}");
    }
}

#[test]
fn url_or_path() {
    for url in [
        "https://github.com/o/r",
        "HTTP://x/y",
        "ssh://git@h/r",
        "git://h/r",
        "file:///tmp/r",
        "git@github.com:org/repo.git",
    ] {
        assert!(is_url(url), "{url}");
    }
    for path in [
        ".",
        "/abs/path",
        "rel/dir",
        "./a@b:c",
        "C",
        "dir:with-colon",
    ] {
        assert!(!is_url(path), "{path}");
    }
}

#[test]
fn cache_key_ignores_credentials_and_spelling() {
    let a = url::cache_key("https://github.com/org/repo");
    assert_eq!(a, url::cache_key("https://tok@github.com/org/repo.git"));
    assert_eq!(a, url::cache_key("https://github.com/org/repo/"));
    assert_ne!(a, url::cache_key("https://github.com/org/other"));
    assert_eq!(a.len(), 40);
}

#[test]
fn a_held_cache_lock_is_waited_for_within_a_limit_and_names_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.lock");
    let held = remote::lock(&path, std::time::Duration::ZERO).unwrap();
    let started = std::time::Instant::now();
    let err = remote::lock(&path, std::time::Duration::from_millis(300)).unwrap_err();
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("held by pid {}", std::process::id())),
        "{msg}"
    );
    drop(held);
    remote::lock(&path, std::time::Duration::ZERO).unwrap();
}

/// One blob under many names: a tiny pack, a large checkout. Refused by
/// its headers' sizes before anything is written.
#[test]
fn a_checkout_over_its_limits_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    git(p, &["init", "-q"]);
    let blob = "x".repeat(64 * 1024);
    for i in 0..40 {
        write(&p.join(format!("junk/{i:02}.bin")), &blob);
    }
    write(&p.join("app.yaml"), "v: 1\n");
    git(p, &["add", "."]);
    git(p, &["commit", "-q", "-m", "many names"]);
    let repo = gix::open(p).unwrap();
    let tree = repo.head_commit().unwrap().tree_id().unwrap().detach();
    let dest = tempfile::tempdir().unwrap();
    let limits = |total: u64, file: u64| crate::settings::CheckoutLimits {
        total_bytes: total,
        file_bytes: file,
    };

    let err =
        tree::materialise(&repo, tree, dest.path(), "r", limits(1024 * 1024, 1 << 30)).unwrap_err();
    assert!(matches!(err, SourceError::CheckoutTooLarge { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("more than 1048576 bytes") && msg.contains("--max-checkout-size"),
        "{msg}"
    );
    assert!(msg.contains("junk/"), "names where it was reached: {msg}");
    assert_eq!(
        std::fs::read_dir(dest.path()).unwrap().count(),
        0,
        "nothing written"
    );

    let err =
        tree::materialise(&repo, tree, dest.path(), "r", limits(1 << 30, 32 * 1024)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("junk/")
            && msg.contains("is 65536 bytes, over the limit of 32768 bytes")
            && msg.contains("--max-checkout-file-size"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_dir(dest.path()).unwrap().count(),
        0,
        "nothing written"
    );

    // Within the limits (the defaults), all of it is written.
    tree::materialise(&repo, tree, dest.path(), "r", Default::default()).unwrap();
    assert_eq!(
        std::fs::read_dir(dest.path().join("junk")).unwrap().count(),
        40
    );
}
