//! gitsync: keep a Kubernetes cluster equal to what a Git repository says.
//!
//! The pipeline runs one way: Source → Render → DesiredSet → Plan → Report /
//! Apply → Wait. ARCHITECTURE.md at the repository root describes each
//! module's job and what it may import; the README the command line.

pub mod basediff;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod desired;
pub mod drift;
pub mod engine;
pub mod exit;
pub mod fleet;
#[cfg(test)]
mod fuzz;
pub mod health;
pub mod hooks;
pub mod id;
pub mod ignore;
pub mod image;
pub mod load;
pub mod logging;
pub mod notify;
pub mod plan;
pub mod preview;
pub mod promote;
pub mod render;
pub mod report;
pub mod settings;
pub mod signing;
pub mod source;
pub mod status;
pub mod vars;
pub mod watch;
pub mod web;
