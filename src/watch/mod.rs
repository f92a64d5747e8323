//! `gitsync watch`: the long-running daemon and its HTTP interface.

pub mod http;
pub mod metrics;
pub mod webhook;
