//! `gitsync watch`: the long-running daemon, as small parts wired together
//! in `daemon`: one loop per target (`target`, its writes in `apply`, the
//! dashboard's plan of a held-back revision in `pending`) and its steps
//! (`schedule`), the shared source poll (`poll`), leadership
//! (`leader`) and the spreading of targets over replicas (`spread`), drift
//! wake-ups from watch streams (`streams`, `members`), and the HTTP
//! interface (`http`: probes, `metrics`, the `webhook`); with
//! `--image-interval`, image updates pushed to the branch (`images`).

mod apply;
mod daemon;
pub mod http;
mod images;
mod leader;
pub mod members;
pub mod metrics;
mod pending;
mod poll;
mod schedule;
mod spread;
mod streams;
mod target;
pub mod webhook;

pub use daemon::run;
