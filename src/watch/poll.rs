//! One source poll shared by every target's loop: a revision asked for
//! by several targets (the command's, or a pin they share) is looked up
//! once, and targets that ask shortly after reuse the answer.

use std::collections::HashMap;
use std::time::Instant;

pub struct Poller {
    repo: String,
    /// Per revision (`None`: the command's default), the commit it named
    /// and when the lookup started.
    seen: tokio::sync::Mutex<HashMap<Option<String>, (Instant, String)>>,
}

impl Poller {
    pub fn new(repo: &str) -> Poller {
        Poller {
            repo: repo.to_string(),
            seen: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The commit `revision` names now: a lookup started at or after
    /// `not_before` is reused, else the source is asked again. Lookups run
    /// one at a time, so targets asking together share one.
    pub async fn current(
        &self,
        revision: Option<&str>,
        not_before: Instant,
    ) -> anyhow::Result<String> {
        let key = revision.map(str::to_string);
        let mut seen = self.seen.lock().await;
        if let Some((at, sha)) = seen.get(&key)
            && *at >= not_before
        {
            return Ok(sha.clone());
        }
        let started = Instant::now();
        let (repo, rev) = (self.repo.clone(), key.clone());
        let sha = tokio::task::spawn_blocking(move || {
            crate::source::current_revision(&repo, rev.as_deref())
        })
        .await??;
        seen.insert(key, (started, sha.clone()));
        Ok(sha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &std::path::Path, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    fn commit(dir: &std::path::Path, n: u32) {
        std::fs::write(dir.join("f"), n.to_string()).unwrap();
        git(dir, &["add", "f"]);
        git(dir, &["commit", "-qm", &n.to_string()]);
    }

    #[tokio::test]
    async fn targets_asking_together_share_a_lookup_and_a_later_ask_sees_the_new_commit() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        commit(dir.path(), 1);
        let poller = Poller::new(dir.path().to_str().unwrap());
        let asked = Instant::now();
        let first = poller.current(None, asked).await.unwrap();
        commit(dir.path(), 2);
        // Another target's poll from the same moment reuses the answer.
        assert_eq!(poller.current(None, asked).await.unwrap(), first);
        let second = poller.current(None, Instant::now()).await.unwrap();
        assert_ne!(second, first, "a poll after the commit sees it");
        let pinned = poller.current(Some("main"), asked).await.unwrap();
        assert_eq!(pinned, second, "each revision is looked up on its own");
    }
}
