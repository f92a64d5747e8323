//! Reporting a [`Plan`]: text (optionally coloured unified diffs), JSON (a
//! stable schema for CI) and Markdown (for pull-request comments). Secret
//! values never reach any of them: see [`Masker`].

mod diff;
mod json;
mod markdown;
mod mask;
mod text;

#[cfg(test)]
mod tests;

pub use diff::unified_diff;
pub use json::write_json;
pub use markdown::write_markdown;
pub use mask::Masker;
pub use text::write_text;

use crate::desired::ObjectId;
use crate::plan::{Plan, Summary};
use crate::source::CommitInfo;

/// One target's plan, with what it was computed from.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The commit Git was read at; `None` for a work tree with edits.
    pub revision: Option<&'a CommitInfo>,
    /// The `gitsync.yaml` target, if any.
    pub target: Option<&'a str>,
    pub plan: &'a Plan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI colour in text output (the caller resolves `--color` and
    /// `NO_COLOR`); ignored by JSON and Markdown.
    pub color: bool,
    /// Context lines around each change in a diff.
    pub unified: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            unified: 3,
        }
    }
}

/// `apps/v1 Deployment shop/web`; a cluster-scoped object by name alone.
/// `apps/v1 Deployment shop/web` (cluster-scoped: no namespace).
pub fn object_label(api_version: &str, id: &ObjectId) -> String {
    match &id.namespace {
        Some(ns) => format!("{api_version} {} {ns}/{}", id.kind, id.name),
        None => format!("{api_version} {} {}", id.kind, id.name),
    }
}

/// `2 to create, 1 to update, 0 to delete, 14 unchanged[, 1 failed]`.
fn summary_line(summary: &Summary, errors: usize) -> String {
    let mut line = format!(
        "{} to create, {} to update, {} to delete, {} unchanged",
        summary.create, summary.update, summary.delete, summary.unchanged
    );
    if errors > 0 {
        line.push_str(&format!(", {errors} failed"));
    }
    line
}

/// Abbreviated like `git log --oneline`.
fn short_sha(commit: &CommitInfo) -> &str {
    commit.sha.get(..7).unwrap_or(&commit.sha)
}
