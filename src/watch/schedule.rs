//! When the daemon acts next: jittered polls, backoff after failures, heal
//! backoff for an object another controller keeps changing back, and
//! giving freed memory back between steps.

use std::collections::{HashMap, VecDeque};
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

/// Heals of one object within [`FIGHT_WINDOW`] that make it a fight:
/// someone (a controller, an operator's script) writes it back each time.
/// Fewer are reverted at once, as any drift is.
pub const FIGHT_HEALS: usize = 3;
pub const FIGHT_WINDOW: Duration = Duration::from_secs(60);
/// The first delay of a fought object's next heal; it doubles while the
/// fight goes on, up to [`FIGHT_MAX_DELAY`].
const FIGHT_FIRST_DELAY: Duration = Duration::from_secs(2);
const FIGHT_MAX_DELAY: Duration = Duration::from_secs(300);

/// Per object (by member key): when it was healed, and how long its next
/// heal waits, so that gitsync and a controller fighting over a field do
/// not write it back and forth every 100 ms forever.
#[derive(Debug, Default)]
pub struct HealBackoff {
    objects: HashMap<String, Fight>,
}

#[derive(Debug, Default)]
struct Fight {
    /// Heals within the window (before a backoff started).
    heals: VecDeque<Instant>,
    last: Option<Instant>,
    /// The current delay; zero while not backed off.
    delay: Duration,
    until: Option<Instant>,
}

impl HealBackoff {
    /// Until when `key`'s heal waits; `None`: heal it now.
    pub fn held_until(&self, key: &str, now: Instant) -> Option<Instant> {
        self.objects.get(key)?.until.filter(|until| *until > now)
    }

    /// `key` was healed at `now`; the delay of its next heal when this
    /// heal makes (or keeps) it a fight.
    pub fn healed(&mut self, key: &str, now: Instant) -> Option<Duration> {
        // Objects calm for long are forgotten: the map stays small.
        let calm = FIGHT_WINDOW + FIGHT_MAX_DELAY;
        self.objects
            .retain(|_, f| f.last.is_some_and(|last| now.duration_since(last) <= calm));
        let fight = self.objects.entry(key.to_string()).or_default();
        let since_last = fight.last.map(|last| now.duration_since(last));
        fight.last = Some(now);
        if !fight.delay.is_zero() {
            // Drifted again soon after the held heal: still a fight.
            if since_last.is_some_and(|d| d <= fight.delay + FIGHT_WINDOW) {
                fight.delay = (fight.delay * 2).min(FIGHT_MAX_DELAY);
                fight.until = Some(now + fight.delay);
                return Some(fight.delay);
            }
            *fight = Fight {
                last: Some(now),
                ..Fight::default()
            };
        }
        while fight
            .heals
            .front()
            .is_some_and(|t| now.duration_since(*t) > FIGHT_WINDOW)
        {
            fight.heals.pop_front();
        }
        fight.heals.push_back(now);
        if fight.heals.len() < FIGHT_HEALS {
            return None;
        }
        fight.heals.clear();
        fight.delay = FIGHT_FIRST_DELAY;
        fight.until = Some(now + fight.delay);
        Some(fight.delay)
    }
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
    fn a_one_off_drift_is_healed_at_once_and_a_fight_backs_off() {
        let mut b = HealBackoff::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // A hand edit now and then: always healed at once.
        assert_eq!(b.healed("a", at(0)), None);
        assert_eq!(b.held_until("a", at(1)), None);
        assert_eq!(b.healed("a", at(61_000)), None);
        assert_eq!(b.healed("a", at(122_000)), None);
        // Written back right after each heal: the third heal within a
        // minute starts the backoff, which doubles while it goes on.
        assert_eq!(b.healed("x", at(0)), None);
        assert_eq!(b.healed("x", at(100)), None);
        assert_eq!(b.healed("x", at(200)), Some(Duration::from_secs(2)));
        assert_eq!(b.held_until("x", at(300)), Some(at(2_200)));
        assert_eq!(b.held_until("a", at(300)), None, "others are not held");
        assert_eq!(b.held_until("x", at(2_300)), None, "due again");
        assert_eq!(b.healed("x", at(2_300)), Some(Duration::from_secs(4)));
        assert_eq!(b.healed("x", at(6_400)), Some(Duration::from_secs(8)));
        let mut t = 6_400;
        let mut delay = Duration::from_secs(8);
        for _ in 0..10 {
            t += delay.as_millis() as u64 + 100;
            delay = b.healed("x", at(t)).expect("still a fight");
        }
        assert_eq!(delay, FIGHT_MAX_DELAY, "capped");
        // The fight ended long ago: a new drift is healed at once.
        t += (FIGHT_MAX_DELAY + FIGHT_WINDOW).as_millis() as u64 + 1_000;
        assert_eq!(b.healed("x", at(t)), None);
        assert_eq!(b.held_until("x", at(t + 1)), None);
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
