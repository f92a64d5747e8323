//! Leadership for the daemon: a task that takes or renews the target's
//! Lease and publishes whether this replica holds it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kube::Client;

use crate::cluster::lease::{Elector, LEASE_DURATION, lease_name};

pub struct Leadership {
    elector: Arc<Elector>,
    leader: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
}

impl Leadership {
    /// Starts renewing the Lease named after the ApplySet.
    pub fn start(client: Client, namespace: &str, applyset_name: &str) -> Leadership {
        let name = lease_name(applyset_name);
        let elector = Arc::new(Elector::new(client, namespace, &name));
        tracing::info!(lease = %name, identity = %elector.identity(), "leader election");
        let leader = Arc::new(AtomicBool::new(false));
        let (e, l) = (elector.clone(), leader.clone());
        let renewer = tokio::spawn(async move {
            loop {
                let holds = e.acquire_or_renew().await.unwrap_or_else(|err| {
                    tracing::warn!(error = %err, "lease renewal failed");
                    false
                });
                if holds != l.swap(holds, Ordering::SeqCst) {
                    tracing::info!(leader = holds, "leadership changed");
                }
                tokio::time::sleep(LEASE_DURATION / 3).await;
            }
        });
        Leadership {
            elector,
            leader,
            renewer,
        }
    }

    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::SeqCst)
    }

    /// Stops renewing and gives the Lease up, so a standby takes over now
    /// rather than when it expires.
    pub async fn release(self) {
        self.renewer.abort();
        self.elector.release().await;
    }
}
