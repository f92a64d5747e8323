//! The dashboard `gitsync watch` serves: what each target runs, its
//! health, drift and recent history, as HTML pages and their JSON twins.
//!
//! Core: the watch loop feeds [`State`] and `watch/http.rs` routes the
//! dashboard's paths to [`handle`]; nothing here imports `commands/` or
//! `cli.rs`, and nothing here writes to a cluster. The one action, "refresh
//! now", is a closure the caller passes (the webhook's poll trigger).

mod access;
mod pages;
mod pending;
mod state;

pub use access::{Access, AccessError};
pub use pages::{handle, render_overview};
pub use pending::{Pending, PendingChange, PendingKind};
pub use state::{HistoryKind, HookView, ObjectView, State, TargetSummary, TargetView};

/// What the watch daemon shares with the dashboard's handlers.
#[derive(Debug)]
pub struct Dashboard {
    pub state: State,
    pub access: Access,
}

impl Dashboard {
    pub fn new(access: Access) -> Self {
        Dashboard {
            state: State::default(),
            access,
        }
    }
}

/// Paths the dashboard answers; `watch/http.rs` routes these here.
pub fn owns(path: &str) -> bool {
    path == "/"
        || path == "/login"
        || path.starts_with("/targets/")
        || path.starts_with("/api/")
        || path.starts_with("/assets/")
}

/// One health round as the dashboard lists it: `ids` and the `health`
/// found for each, in the same order.
pub fn objects(
    ids: &[(crate::desired::ObjectId, String)],
    health: &[crate::health::Health],
) -> Vec<ObjectView> {
    use crate::health::Status;
    ids.iter()
        .zip(health)
        .map(|((id, _), h)| ObjectView {
            kind: id.kind.clone(),
            namespace: id.namespace.clone(),
            name: id.name.clone(),
            health: match h.status {
                Status::Current => "Healthy",
                Status::InProgress => "Progressing",
                Status::Failed => "Degraded",
                Status::Terminating => "Terminating",
            }
            .into(),
            reason: h.message.clone(),
        })
        .collect()
}
