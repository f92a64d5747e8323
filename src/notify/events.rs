//! Kubernetes Events on the ApplySet parent (events.k8s.io/v1, through
//! kube-runtime's `Recorder`, which turns a repeated Event into a series
//! with a count instead of a flood, as client-go's recorder does).
//!
//! Best effort: an Event that cannot be written (no RBAC for events, an
//! API server that does not answer) is a log line and a count, never a
//! failed sync.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, ObjectReference};
use kube::Api;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};

use crate::cluster::applyset::ApplySet;

/// How long one Event write may take: a sync's result never waits longer.
const WRITE_LIMIT: Duration = Duration::from_secs(5);

/// Events that could not be written, for watch's metrics.
pub static FAILED: AtomicU64 = AtomicU64::new(0);

/// What happened, as an Event's reason says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    SyncStarted,
    DriftDetected,
    Synced,
    SyncFailed,
    Unhealthy,
    HealthRecovered,
    HookFailed,
    DriftReverted,
    Promoted,
    RolledBack,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::SyncStarted => "SyncStarted",
            Reason::DriftDetected => "DriftDetected",
            Reason::Synced => "Synced",
            Reason::SyncFailed => "SyncFailed",
            Reason::Unhealthy => "Unhealthy",
            Reason::HealthRecovered => "HealthRecovered",
            Reason::HookFailed => "HookFailed",
            Reason::DriftReverted => "DriftReverted",
            Reason::Promoted => "Promoted",
            Reason::RolledBack => "RolledBack",
        }
    }

    fn kind(self) -> EventType {
        match self {
            Reason::SyncStarted
            | Reason::Synced
            | Reason::DriftReverted
            | Reason::HealthRecovered
            | Reason::Promoted
            | Reason::RolledBack => EventType::Normal,
            Reason::SyncFailed | Reason::Unhealthy | Reason::HookFailed | Reason::DriftDetected => {
                EventType::Warning
            }
        }
    }

    fn action(self) -> &'static str {
        match self {
            Reason::SyncStarted
            | Reason::Synced
            | Reason::SyncFailed
            | Reason::Unhealthy
            | Reason::HookFailed => "Sync",
            Reason::HealthRecovered => "Health",
            Reason::DriftDetected | Reason::DriftReverted => "Heal",
            Reason::Promoted => "Promote",
            Reason::RolledBack => "Rollback",
        }
    }
}

/// Writes Events for one target's ApplySet parent; keep one per process
/// and target so that repeats become a series.
#[derive(Clone)]
pub struct Events {
    recorder: Recorder,
    client: kube::Client,
    applyset: ApplySet,
}

impl Events {
    pub fn new(client: kube::Client, applyset: &ApplySet) -> Events {
        let reporter = Reporter {
            controller: "gitsync".into(),
            instance: hostname(),
        };
        Events {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            applyset: applyset.clone(),
        }
    }

    /// Publishes `reason` with `note` (cut to what the API allows) on the
    /// parent as it is now. A parent that does not exist (a dry run, a
    /// first sync that failed before writing it) gets no Event.
    pub async fn publish(&self, reason: Reason, note: &str) {
        let write = async {
            let parents: Api<ConfigMap> =
                Api::namespaced(self.client.clone(), &self.applyset.namespace);
            let Some(parent) = parents.get_opt(&self.applyset.name).await? else {
                return Ok(false);
            };
            let reference = ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("ConfigMap".into()),
                namespace: parent.metadata.namespace.clone(),
                name: parent.metadata.name.clone(),
                uid: parent.metadata.uid.clone(),
                resource_version: parent.metadata.resource_version.clone(),
                ..ObjectReference::default()
            };
            let event = Event {
                type_: reason.kind(),
                reason: reason.as_str().into(),
                note: Some(short(note)),
                action: reason.action().into(),
                secondary: None,
            };
            self.recorder.publish(&event, &reference).await?;
            Ok::<_, kube::Error>(true)
        };
        match tokio::time::timeout(WRITE_LIMIT, write).await {
            Ok(Ok(true)) => {
                tracing::debug!(reason = reason.as_str(), applyset = %self.applyset.name, "event written")
            }
            Ok(Ok(false)) => {}
            Ok(Err(e)) => {
                FAILED.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(reason = reason.as_str(), error = %e, "could not write a Kubernetes Event (is `create events` allowed?)");
            }
            Err(_) => {
                FAILED.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    reason = reason.as_str(),
                    "writing a Kubernetes Event took longer than {WRITE_LIMIT:?}; given up"
                );
            }
        }
    }
}

/// An Event's note holds at most 1 kB.
fn short(note: &str) -> String {
    const MAX: usize = 1024;
    if note.len() <= MAX {
        return note.to_string();
    }
    let mut end = MAX - 3;
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &note[..end])
}

fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_cut_on_a_character_boundary() {
        let long = "é".repeat(2000);
        let cut = short(&long);
        assert!(cut.len() <= 1024 && cut.ends_with("..."), "{}", cut.len());
        assert_eq!(short("ok"), "ok");
    }
}
