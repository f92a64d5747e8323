//! Spreading targets over `watch` replicas: with `--leader-elect` each
//! target is its own Lease, and a replica takes a free one only while it
//! leads fewer than its share (the targets divided by the live replicas,
//! rounded up). A replica over its share gives one up between steps, so
//! a replica that joins late still gets targets, and one that dies leaves
//! its targets to the others once its Leases expire.
//!
//! The share is only a preference: the target Leases alone decide who
//! writes. Replicas count each other through membership Leases
//! (`cluster::lease::Membership`) in the first target's cluster; while
//! they cannot be counted, a replica may take any free target.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cluster::lease::{LEASE_DURATION, Membership};

type Holds = Box<dyn Fn() -> bool + Send + Sync>;

pub struct Spread {
    targets: AtomicUsize,
    /// Live replicas at the last count; 0 while unknown.
    replicas: AtomicUsize,
    /// Whether this replica holds each target's Lease now.
    holders: Mutex<BTreeMap<String, Holds>>,
}

impl Spread {
    pub fn new(targets: usize) -> Arc<Spread> {
        Arc::new(Spread {
            targets: AtomicUsize::new(targets),
            replicas: AtomicUsize::new(0),
            holders: Mutex::new(BTreeMap::new()),
        })
    }

    /// How `target`'s Leadership tells whether it holds the Lease.
    pub fn register(&self, target: &str, holds: impl Fn() -> bool + Send + Sync + 'static) {
        self.lock().insert(target.to_string(), Box::new(holds));
    }

    /// The targets run now (`--all-targets` follows gitsync.yaml).
    pub fn set_targets(&self, targets: usize) {
        self.targets.store(targets, Ordering::SeqCst);
    }

    pub fn set_replicas(&self, live: usize) {
        self.replicas.store(live, Ordering::SeqCst);
    }

    /// The most targets one replica should lead.
    fn share(&self) -> usize {
        let targets = self.targets.load(Ordering::SeqCst);
        targets.div_ceil(self.replicas.load(Ordering::SeqCst).max(1))
    }

    /// The targets this replica leads now, by name.
    fn held(&self) -> Vec<String> {
        self.lock()
            .iter()
            .filter(|(_, holds)| holds())
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// May this replica take `target`'s Lease if it is free?
    pub fn may_take(&self, target: &str) -> bool {
        let held = self.held();
        held.iter().any(|t| t == target) || held.len() < self.share()
    }

    /// Should this replica give `target` up to another? One at a time:
    /// only the last (by name) of those it leads beyond its share.
    pub fn should_give_up(&self, target: &str) -> bool {
        let held = self.held();
        held.len() > self.share() && held.last().is_some_and(|t| t == target)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Holds>> {
        self.holders.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How often the replicas are counted (as often as Leases are renewed).
const COUNT_EVERY: Duration = Duration::from_secs(LEASE_DURATION.as_secs() / 3);

/// One round: renew this replica's membership and count the live ones.
pub async fn count(spread: &Spread, membership: &Membership) {
    let round = async {
        membership.renew().await?;
        membership.live().await
    };
    match tokio::time::timeout(COUNT_EVERY, round).await {
        Ok(Ok(live)) => spread.set_replicas(live),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot count the watch replicas");
            spread.set_replicas(0);
        }
        Err(_) => {
            tracing::warn!("counting the watch replicas timed out");
            spread.set_replicas(0);
        }
    }
}

/// Counts the replicas every few seconds until aborted.
pub fn keep_counting(
    spread: Arc<Spread>,
    membership: Arc<Membership>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = 0;
        loop {
            tokio::time::sleep(COUNT_EVERY).await;
            count(&spread, &membership).await;
            let now = spread.replicas.load(Ordering::SeqCst);
            if now != last {
                tracing::info!(replicas = now, share = spread.share(), "watch replicas");
                last = now;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    /// A spread over `names`, with a switch per target for "held".
    fn spread(names: &[&str]) -> (Arc<Spread>, Vec<Arc<AtomicBool>>) {
        let spread = Spread::new(names.len());
        let switches = names
            .iter()
            .map(|name| {
                let on = Arc::new(AtomicBool::new(false));
                let read = on.clone();
                spread.register(name, move || read.load(Ordering::SeqCst));
                on
            })
            .collect();
        (spread, switches)
    }

    #[test]
    fn alone_or_uncounted_a_replica_may_take_every_target() {
        let (spread, held) = spread(&["a", "b", "c"]);
        held[0].store(true, Ordering::SeqCst);
        held[1].store(true, Ordering::SeqCst);
        assert!(spread.may_take("c"), "replicas unknown: no limit");
        spread.set_replicas(1);
        assert!(spread.may_take("c"));
        assert!(!spread.should_give_up("b"));
    }

    #[test]
    fn two_replicas_split_two_targets() {
        let (spread, held) = spread(&["prod", "staging"]);
        spread.set_replicas(2);
        assert!(spread.may_take("prod"), "nothing held yet");
        held[0].store(true, Ordering::SeqCst);
        assert!(spread.may_take("prod"), "renewing what it holds");
        assert!(!spread.may_take("staging"), "its share is one");
        assert!(!spread.should_give_up("prod"));
    }

    #[test]
    fn a_replica_over_its_share_gives_up_the_last_target_only() {
        let (spread, held) = spread(&["a", "b", "c"]);
        for h in &held {
            h.store(true, Ordering::SeqCst);
        }
        spread.set_replicas(2);
        // Share 2 of 3: one to give up, the last by name.
        assert!(spread.should_give_up("c"));
        assert!(!spread.should_give_up("a") && !spread.should_give_up("b"));
        held[2].store(false, Ordering::SeqCst);
        assert!(!spread.should_give_up("b"), "back at its share");
        assert!(!spread.may_take("c"), "and not taking it back");
    }

    #[test]
    fn when_a_replica_dies_the_survivor_takes_its_targets() {
        let (spread, held) = spread(&["a", "b"]);
        held[0].store(true, Ordering::SeqCst);
        spread.set_replicas(2);
        assert!(!spread.may_take("b"));
        // The other replica's membership Lease expired.
        spread.set_replicas(1);
        assert!(spread.may_take("b"));
    }
}
