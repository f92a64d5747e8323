//! `gitsync watch`: the long-running daemon and its HTTP interface.

pub mod http;
pub mod members;
pub mod metrics;
pub mod webhook;
