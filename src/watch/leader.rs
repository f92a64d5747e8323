//! Leadership for the daemon: a task that takes or renews the target's
//! Lease and publishes whether this replica holds it.
//!
//! A replica counts as leader only until a deadline that each successful
//! renewal moves: the time the renewal started plus two thirds of the
//! lease duration. A standby takes the Lease over a full lease duration
//! after the last renewal, so a leader whose renewals hang (or whose
//! process was stopped) stops acting a third of a lease duration before
//! anyone else may start.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::Client;

use crate::cluster::lease::{Elector, LEASE_DURATION, lease_name};

/// A renewal that takes longer than this has failed.
const RENEW_TIMEOUT: Duration = Duration::from_secs(LEASE_DURATION.as_secs() / 3);
/// How long after a renewal started this replica may still act.
const ACT_FOR: Duration = Duration::from_secs(LEASE_DURATION.as_secs() * 2 / 3);

pub struct Leadership {
    elector: Arc<Elector>,
    until: Arc<Mutex<Option<Instant>>>,
    renewer: tokio::task::JoinHandle<()>,
}

impl Leadership {
    /// Starts renewing the Lease named after the ApplySet; it is taken
    /// when free only while `may_take` says so (see `spread`).
    pub fn start(
        client: Client,
        namespace: &str,
        applyset_name: &str,
        may_take: Arc<dyn Fn() -> bool + Send + Sync>,
    ) -> Leadership {
        let name = lease_name(applyset_name);
        let elector = Arc::new(Elector::new(client, namespace, &name));
        tracing::info!(lease = %name, identity = %elector.identity(), "leader election");
        let until: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
        let (e, u) = (elector.clone(), until.clone());
        let renewer = tokio::spawn(async move {
            let mut was = false;
            loop {
                let started = Instant::now();
                let holds =
                    match tokio::time::timeout(RENEW_TIMEOUT, e.acquire_or_renew_if(may_take()))
                        .await
                    {
                        Ok(Ok(holds)) => Some(holds),
                        Ok(Err(err)) => {
                            tracing::warn!(error = %err, "lease renewal failed");
                            None
                        }
                        Err(_) => {
                            tracing::warn!(
                                timeout_s = RENEW_TIMEOUT.as_secs(),
                                "lease renewal timed out"
                            );
                            None
                        }
                    };
                {
                    let mut until = u.lock().unwrap_or_else(|p| p.into_inner());
                    match holds {
                        Some(true) => *until = Some(started + ACT_FOR),
                        Some(false) => *until = None,
                        // Unknown: the last renewal's deadline stands.
                        None => {}
                    }
                }
                let now = holds_at(&u, Instant::now());
                if now != was {
                    tracing::info!(leader = now, "leadership changed");
                    was = now;
                }
                tokio::time::sleep(LEASE_DURATION / 3).await;
            }
        });
        Leadership {
            elector,
            until,
            renewer,
        }
    }

    pub fn is_leader(&self) -> bool {
        holds_at(&self.until, Instant::now())
    }

    /// A check for the engine's write gate.
    pub fn checker(&self) -> impl Fn() -> bool + Send + Sync + 'static {
        let until = self.until.clone();
        move || holds_at(&until, Instant::now())
    }

    /// Stops renewing and gives the Lease up, so a standby takes over now
    /// rather than when it expires.
    pub async fn release(self) {
        self.renewer.abort();
        *self.until.lock().unwrap_or_else(|p| p.into_inner()) = None;
        let _ = tokio::time::timeout(RENEW_TIMEOUT, self.elector.release()).await;
    }
}

fn holds_at(until: &Mutex<Option<Instant>>, now: Instant) -> bool {
    until
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .is_some_and(|t| now < t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leader_stops_acting_before_a_standby_may_take_over() {
        assert!(RENEW_TIMEOUT < ACT_FOR && ACT_FOR < LEASE_DURATION);
        let started = Instant::now();
        let until = Mutex::new(Some(started + ACT_FOR));
        assert!(holds_at(&until, started + ACT_FOR / 2));
        // No renewal since (hung, or the process was stopped).
        assert!(!holds_at(&until, started + ACT_FOR));
        assert!(!holds_at(&until, started + LEASE_DURATION));
    }
}
