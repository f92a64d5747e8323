//! One writer per ApplySet: a coordination Lease held while writing,
//! renewed during the run, so two syncs of one ApplySet (two CI jobs, CI
//! and watch) never interleave; a stale plan would prune what the other
//! just applied, or its parent write would drop the other's kinds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Engine, EngineError};
use crate::cluster::applyset;
use crate::cluster::lease::{Elector, LEASE_DURATION, write_lock_name};

/// Held until [`WriteLock::release`] (or, if the process dies, until the
/// Lease expires: 15 s).
pub struct WriteLock {
    elector: Arc<Elector>,
    renewer: tokio::task::JoinHandle<()>,
}

impl WriteLock {
    pub async fn release(self) {
        self.renewer.abort();
        self.elector.release().await;
    }
}

impl Engine {
    /// Takes the ApplySet's write Lease, waiting up to `wait` for another
    /// writer to finish, then reads the parent again: what the other
    /// writer recorded is where this run starts. Plan after this, not
    /// before.
    pub async fn lock(&mut self, wait: Duration) -> Result<WriteLock, EngineError> {
        let name = write_lock_name(&self.applyset.name);
        let elector = Arc::new(Elector::new(
            self.cluster.client.clone(),
            &self.applyset.namespace,
            &name,
        ));
        let deadline = Instant::now() + wait;
        let mut announced = false;
        loop {
            let taken = elector.acquire_or_renew().await.map_err(|e| {
                EngineError::Lock(format!(
                    "taking the write Lease {}/{name}: {e}",
                    self.applyset.namespace
                ))
            })?;
            if taken {
                break;
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
        }
        let e = elector.clone();
        let renewer = tokio::spawn(async move {
            loop {
                tokio::time::sleep(LEASE_DURATION / 3).await;
                if let Err(err) = e.acquire_or_renew().await {
                    tracing::warn!(error = %err, "renewing the write Lease failed");
                }
            }
        });
        self.parent = applyset::read_parent(&self.cluster, &self.applyset)
            .await
            .map_err(|source| EngineError::ReadParent {
                namespace: self.applyset.namespace.clone(),
                name: self.applyset.name.clone(),
                source: Box::new(source),
            })?;
        Ok(WriteLock { elector, renewer })
    }
}
