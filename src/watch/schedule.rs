//! When the daemon acts next: jittered polls, backoff after failures, and
//! giving freed memory back between steps.

use std::hash::BuildHasher;
use std::time::{Duration, Instant};

/// What woke the loop.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// Has the source moved? Sync a new commit.
    Poll,
    /// Sync even if it has not (the periodic resync).
    Resync,
    /// A watch stream reported drift.
    Heal,
}

/// ±10 % so that many daemons polling one server do not stay in step.
pub fn jitter(interval: Duration) -> Duration {
    let r = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    let spread = interval.as_millis() as u64 / 10;
    if spread == 0 {
        return interval;
    }
    let offset = r % (2 * spread + 1);
    interval + Duration::from_millis(offset) - Duration::from_millis(spread)
}

/// 1 s, 2 s, 4 s … up to 128 s between tries after failures.
pub fn backoff(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    Duration::from_secs(1u64 << failures.min(8).saturating_sub(1)).min(Duration::from_secs(300))
}

/// Hands memory freed after a sync back to the system. glibc keeps freed
/// heap for reuse, so a daemon's idle RSS would stay at the peak of its
/// largest sync (a first sync of 1,000 objects) for the rest of its life.
pub fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused pages of glibc's own heap to
    // the kernel; it takes no pointers and is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(0), Duration::ZERO);
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(16));
        assert_eq!(backoff(50), Duration::from_secs(128));
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..100 {
            let j = jitter(Duration::from_secs(60));
            assert!(
                j >= Duration::from_secs(54) && j <= Duration::from_secs(66),
                "{j:?}"
            );
        }
        assert_eq!(jitter(Duration::from_millis(5)), Duration::from_millis(5));
    }
}
