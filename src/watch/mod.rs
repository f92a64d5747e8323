//! `gitsync watch`: the long-running daemon, as small parts wired together
//! in `daemon`: the loop and its steps (`schedule`), leadership (`leader`),
//! drift wake-ups from watch streams (`streams`, `members`), and the HTTP
//! interface (`http`: probes, `metrics`, the `webhook`).

mod daemon;
pub mod http;
mod leader;
pub mod members;
pub mod metrics;
mod schedule;
mod streams;
pub mod webhook;

pub use daemon::run;
