//! Records the commit the binary is built from, for `gitsync --version`.
//!
//! Asks `git` when the crate is the root of a Git checkout (a clone, or
//! `cargo install --git`); anything else (a source tarball, a crate
//! unpacked inside some unrelated repository, no git installed) gives
//! "unknown" rather than a failed build. `GITSYNC_BUILD_COMMIT` overrides,
//! for builds from an export without `.git` (such as a container build).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    println!("cargo:rerun-if-env-changed=GITSYNC_BUILD_COMMIT");
    let commit = std::env::var("GITSYNC_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_string())
        .or_else(from_git)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=GITSYNC_COMMIT={commit}");
}

fn from_git() -> Option<String> {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let top = git(&manifest_dir, &["rev-parse", "--show-toplevel"])?;
    // A crate unpacked inside another repository must not claim its commit.
    if Path::new(&top).canonicalize().ok()? != manifest_dir.canonicalize().ok()? {
        return None;
    }
    // Rebuild when HEAD moves: HEAD itself (a checkout), and the refs it
    // may point to (a commit on the branch). In a worktree, HEAD lives in
    // the worktree's git dir and refs in the common one.
    for (arg, files) in [
        ("--git-dir", &["HEAD"][..]),
        ("--git-common-dir", &["packed-refs"][..]),
    ] {
        if let Some(dir) = git(&manifest_dir, &["rev-parse", arg]) {
            for f in files {
                watch(&manifest_dir.join(&dir).join(f));
            }
        }
    }
    if let Some(head_ref) = git(&manifest_dir, &["symbolic-ref", "-q", "HEAD"])
        && let Some(common) = git(&manifest_dir, &["rev-parse", "--git-common-dir"])
    {
        watch(&manifest_dir.join(common).join(head_ref));
    }
    git(&manifest_dir, &["rev-parse", "--short=12", "HEAD"])
}

/// Cargo reruns the script on every build for a watched path that does not
/// exist (a ref that is only in packed-refs, no packed-refs at all).
fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// Runs git with a time limit; `None` on any failure.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let out = child.wait_with_output().ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}
