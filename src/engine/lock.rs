//! One writer per ApplySet: a coordination Lease held while writing,
//! renewed during the run, so two syncs of one ApplySet (two CI jobs, CI
//! and watch) never interleave; a stale plan would prune what the other
//! just applied, or its parent write would drop the other's kinds.
//!
//! The holder writes only while it knows it holds the Lease: until two
//! thirds of a lease duration after its last successful renewal started
//! (a writer whose renewals hang stops before another may take over), and
//! never again once a renewal found the Lease taken or gone. Either closes
//! the engine's [`WriteGate`](super::WriteGate), so the sync stops at its
//! next write.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Engine, EngineError};
use crate::cluster::applyset;
use crate::cluster::lease::{Elector, LEASE_DURATION, replica_identity, write_lock_name};

/// A renewal that takes longer than this has failed.
const RENEW_TIMEOUT: Duration = Duration::from_secs(LEASE_DURATION.as_secs() / 3);
/// How long after a renewal started the holder may still write.
const WRITE_FOR: Duration = Duration::from_secs(LEASE_DURATION.as_secs() * 2 / 3);

/// Whether this process may write under its write Lease.
#[derive(Debug, Clone)]
enum Hold {
    /// Held, as long as the next renewal succeeds before this instant.
    Until(Instant),
    /// Taken by another writer, or deleted: why.
    Lost(String),
    /// Given up: the Lease no longer stands in the way of this engine's
    /// writes (it writes only under a new lock).
    Released,
}

/// The write Lease as the engine's gate sees it (shared with the renewer).
#[derive(Debug, Clone)]
pub(super) struct Holding(Arc<Mutex<Hold>>);

impl Holding {
    fn set(&self, hold: Hold) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = hold;
    }

    /// What the renewer found; a lock released meanwhile stays released.
    fn renewed(&self, hold: Hold) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !matches!(*now, Hold::Released) {
            *now = hold;
        }
    }

    fn get(&self) -> Hold {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Why no write may start under this Lease, if so.
    pub(super) fn closed(&self, now: Instant) -> Option<String> {
        match self.get() {
            Hold::Until(t) if now < t => None,
            Hold::Until(_) => Some("the write Lease could not be renewed in time".into()),
            Hold::Lost(why) => Some(why),
            Hold::Released => None,
        }
    }
}

/// Held until [`WriteLock::release`] or until dropped (then given up in
/// the background); if the process dies, until the Lease expires: 15 s.
pub struct WriteLock {
    elector: Arc<Elector>,
    renewer: tokio::task::JoinHandle<()>,
    holding: Holding,
    released: bool,
}

impl WriteLock {
    /// Stops renewing and frees the Lease (if it is still this lock's),
    /// so the next writer need not wait for it to expire.
    pub async fn release(mut self) {
        self.stop();
        let _ = tokio::time::timeout(RENEW_TIMEOUT, self.elector.release()).await;
    }

    fn stop(&mut self) {
        self.renewer.abort();
        self.holding.set(Hold::Released);
        self.released = true;
    }
}

impl Drop for WriteLock {
    /// A lock dropped on an error path: the renewer must not outlive it
    /// (it would hold the Lease for ever), and the Lease is freed in the
    /// background when a runtime is there to do it.
    fn drop(&mut self) {
        if self.released {
            return;
        }
        self.stop();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let elector = self.elector.clone();
            runtime.spawn(async move {
                let _ = tokio::time::timeout(RENEW_TIMEOUT, elector.release()).await;
            });
        }
    }
}

/// A holder identity per lock: the process's, numbered, so that a lock
/// freed in the background can never free a later lock of this process.
fn lock_identity() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        replica_identity(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

impl Engine {
    /// Takes the ApplySet's write Lease, waiting up to `wait` for another
    /// writer to finish, then reads the parent again: what the other
    /// writer recorded is where this run starts. Plan after this, not
    /// before. From here on the engine's gate closes if the Lease is lost
    /// or cannot be renewed in time. Gives up early once the gate closes
    /// (an interrupt).
    pub async fn lock(&mut self, wait: Duration) -> Result<WriteLock, EngineError> {
        // A lock lost by an earlier run of this engine does not stop this one.
        self.gate.lease = None;
        let name = write_lock_name(&self.applyset.name);
        let elector = Arc::new(Elector::with_identity(
            self.cluster.client.clone(),
            &self.applyset.namespace,
            &name,
            lock_identity(),
        ));
        let deadline = Instant::now() + wait;
        let mut announced = false;
        let started = loop {
            if let Some(why) = self.gate.closed() {
                return Err(EngineError::Lock(format!(
                    "stopped ({why}) while waiting for the write Lease {}/{name}",
                    self.applyset.namespace
                )));
            }
            let started = Instant::now();
            let taken = elector.acquire_or_renew().await.map_err(|e| {
                EngineError::Lock(format!(
                    "taking the write Lease {}/{name}: {e}",
                    self.applyset.namespace
                ))
            })?;
            if taken {
                break started;
            }
            let holder = elector.holder().await.unwrap_or_else(|| "?".into());
            if Instant::now() >= deadline {
                return Err(EngineError::Lock(format!(
                    "ApplySet {}/{} is being written by {holder} (Lease {name}); waited {}s (--lock-timeout)",
                    self.applyset.namespace,
                    self.applyset.name,
                    wait.as_secs()
                )));
            }
            if !announced {
                tracing::warn!(holder = %holder, lease = %name, "another writer holds the ApplySet; waiting");
                announced = true;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let holding = Holding(Arc::new(Mutex::new(Hold::Until(started + WRITE_FOR))));
        let renewer = tokio::spawn(renew(elector.clone(), holding.clone(), name));
        // From here every path ends the renewer: `release`, or `Drop`.
        let lock = WriteLock {
            elector,
            renewer,
            holding: holding.clone(),
            released: false,
        };
        self.gate.lease = Some(holding);
        self.parent = applyset::read_parent(&self.cluster, &self.applyset)
            .await
            .map_err(|source| EngineError::ReadParent {
                namespace: self.applyset.namespace.clone(),
                name: self.applyset.name.clone(),
                source: Box::new(source),
            })?;
        Ok(lock)
    }
}

/// Renews the Lease every third of its duration. Each success lets the
/// holder write for [`WRITE_FOR`] from when it started; an answer that the
/// Lease is someone else's (or gone) ends the renewals and the writes.
async fn renew(elector: Arc<Elector>, holding: Holding, name: String) {
    loop {
        tokio::time::sleep(LEASE_DURATION / 3).await;
        let started = Instant::now();
        // Renew only: a Lease found free was given up by someone who took
        // it meanwhile, and what they wrote is not in this run's plan.
        match tokio::time::timeout(RENEW_TIMEOUT, elector.acquire_or_renew_if(false)).await {
            Ok(Ok(true)) => holding.renewed(Hold::Until(started + WRITE_FOR)),
            Ok(Ok(false)) => {
                let holder = tokio::time::timeout(RENEW_TIMEOUT, elector.holder())
                    .await
                    .ok()
                    .flatten();
                let why = match holder {
                    Some(h) => format!("the write Lease {name} was taken over by {h}"),
                    None => format!("the write Lease {name} was lost"),
                };
                tracing::error!(lease = %name, "{why}; no further writes");
                holding.renewed(Hold::Lost(why));
                return;
            }
            Ok(Err(err)) => tracing::warn!(error = %err, "renewing the write Lease failed"),
            Err(_) => tracing::warn!(
                timeout_s = RENEW_TIMEOUT.as_secs(),
                "renewing the write Lease timed out"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_stops_before_another_may_take_over() {
        assert!(RENEW_TIMEOUT < WRITE_FOR && WRITE_FOR < LEASE_DURATION);
        let started = Instant::now();
        let holding = Holding(Arc::new(Mutex::new(Hold::Until(started + WRITE_FOR))));
        assert!(holding.closed(started + WRITE_FOR / 2).is_none());
        // No renewal since (hung, or the process was stopped).
        assert!(holding.closed(started + WRITE_FOR).is_some());
        holding.set(Hold::Lost("taken over by b".into()));
        assert_eq!(holding.closed(started).as_deref(), Some("taken over by b"));
        holding.set(Hold::Released);
        assert!(holding.closed(started + LEASE_DURATION).is_none());
    }

    #[test]
    fn each_lock_has_its_own_holder_identity() {
        let (a, b) = (lock_identity(), lock_identity());
        assert_ne!(a, b);
        assert!(a.starts_with(&replica_identity()));
    }
}
