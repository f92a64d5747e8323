//! Telling people what happened. `events`: Kubernetes Events on a
//! target's ApplySet parent, so `kubectl describe configmap <parent>` and
//! any event exporter see syncs, failures and heals. `webhook`: a signed
//! JSON POST per sync result, configured in gitsync.yaml (`notify:`).

pub mod events;
pub mod forge;
mod http;
pub mod webhook;
