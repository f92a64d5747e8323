//! All printing of results: plans (diff, `sync --dry-run`), sync outcomes
//! and drift, each as text (optionally coloured), JSON (a stable schema
//! for CI) and Markdown (for pull-request comments); and progress on
//! stderr. Secret values never reach any of them: see [`Masker`].

mod diff;
mod drift;
mod failed;
mod image;
mod json;
mod markdown;
mod mask;
mod preview;
mod progress;
mod status;
mod sync;
mod text;

#[cfg(test)]
mod tests;

pub use diff::unified_diff;
pub use drift::{DriftReport, write_drift};
pub use json::write_json;
pub use markdown::write_markdown;
pub use mask::Masker;
pub use progress::{Progress, note};
pub use sync::{SyncReport, write_sync_json, write_sync_table};
pub use text::write_text;

use std::io::{self, IsTerminal, Write};

use crate::desired::ObjectId;
use crate::plan::{Plan, Summary};
use crate::settings::{ColorChoice, OutputFormat};
use crate::source::CommitInfo;

/// Prints results on stdout in the format and colour the settings chose,
/// with one masker per run (equal secret values mask alike everywhere).
pub struct Printer {
    format: OutputFormat,
    style: Style,
    masker: Masker,
    /// Targets that failed, reported after the others' results.
    failed: Vec<Failed>,
}

/// A target whose work failed while the others went on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub target: String,
    /// The error with its causes, one line.
    pub error: String,
}

impl Printer {
    pub fn new(format: OutputFormat, color: ColorChoice, unified: usize) -> Printer {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => io::stdout().is_terminal(),
        };
        Printer {
            format,
            style: Style { color, unified },
            masker: Masker::new(),
            failed: Vec::new(),
        }
    }

    /// Reports `failed` after the results of the targets that worked.
    pub fn with_failed(mut self, failed: &[Failed]) -> Printer {
        self.failed = failed.to_vec();
        self
    }

    /// Whether results are titled by target: several were selected, even
    /// if only one of them has a result.
    fn several(&self, results: usize) -> bool {
        results + self.failed.len() > 1
    }

    fn write(&self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let mut out = io::BufWriter::new(io::stdout().lock());
        if self.failed.is_empty() {
            f(&mut out)?;
        } else {
            failed::write_with(&mut out, self.format, &self.failed, f)?;
        }
        out.flush()
    }

    /// Plans, as `diff` prints them.
    pub fn plans(&self, reports: &[Report]) -> io::Result<()> {
        let (style, masker) = (&self.style, &self.masker);
        let several = self.several(reports.len());
        self.write(|out| match self.format {
            OutputFormat::Text => text::write_titled(out, reports, several, style, masker),
            OutputFormat::Json => write_json(out, reports, style, masker),
            OutputFormat::Markdown => write_markdown(out, reports, style, masker),
        })
    }

    /// Sync outcomes.
    pub fn syncs(&self, reports: &[SyncReport]) -> io::Result<()> {
        let several = self.several(reports.len());
        self.write(|out| match self.format {
            OutputFormat::Json => write_sync_json(out, reports),
            OutputFormat::Text => sync::write_table_titled(out, reports, several, false),
            OutputFormat::Markdown => sync::write_table_titled(out, reports, several, true),
        })
    }

    /// Each target's status.
    /// `image list`.
    pub fn image_statuses(&self, statuses: &[crate::image::Status]) -> io::Result<()> {
        self.write(|out| image::write_statuses(out, statuses, self.format))
    }

    /// `image update`: the changes, and the commit (or the dry run's diff).
    pub fn image_updates(
        &self,
        plan: &crate::image::Plan,
        commit: Option<&str>,
        dry_run: bool,
    ) -> io::Result<()> {
        self.write(|out| image::write_updates(out, plan, commit, dry_run, self.format))
    }

    /// Previews (`preview list`, `up`, `down`).
    pub fn previews(&self, rows: &[crate::preview::run::Listed]) -> io::Result<()> {
        self.write(|out| preview::write_previews(out, rows, self.format))
    }

    pub fn statuses(&self, statuses: &[crate::status::TargetStatus]) -> io::Result<()> {
        self.write(|out| status::write_status(out, statuses, self.format))
    }

    /// Drift; true when anything drifted.
    pub fn drift(&self, reports: &[DriftReport]) -> io::Result<bool> {
        let mut any = false;
        let several = self.several(reports.len());
        self.write(|out| {
            let (format, color) = (self.format, self.style.color);
            any = drift::write_titled(out, reports, several, format, color, &self.masker)?;
            Ok(())
        })?;
        Ok(any)
    }
}

/// One target's plan, with what it was computed from.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The commit Git was read at; `None` for a work tree with edits.
    pub revision: Option<&'a CommitInfo>,
    /// `diff --base`: the commit compared with, instead of the cluster.
    pub base: Option<&'a CommitInfo>,
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

/// `apps/v1 Deployment shop/web` (cluster-scoped: no namespace).
pub fn object_label(api_version: &str, id: &ObjectId) -> String {
    id.label(api_version)
}

/// `~ apps/v1 Deployment shop/web`: a changed object's heading.
fn header(change: &crate::plan::Change) -> String {
    format!(
        "{} {}",
        change.action.sign(),
        change.id.label(&change.api_version)
    )
}

/// What a reader must know of a change beyond its diff: an adoption, a
/// replacement, fields taken over from other managers.
fn notes(change: &crate::plan::Change) -> Vec<String> {
    let mut notes = Vec::new();
    if change.action == crate::plan::Action::Adopt {
        notes.push("adopts an existing object into this ApplySet".to_string());
    }
    if change.replace {
        notes.push("deleted and recreated: an immutable field changes".to_string());
    }
    for c in &change.conflicts {
        notes.push(format!("takes over {} from {:?}", c.field, c.manager));
    }
    notes
}

/// `2 to create, 1 to update, 0 to delete, 14 unchanged[, 1 failed]`;
/// adoptions are named when there are any.
fn summary_line(summary: &Summary, errors: usize) -> String {
    let adopt = if summary.adopt > 0 {
        format!(", {} to adopt", summary.adopt)
    } else {
        String::new()
    };
    let mut line = format!(
        "{} to create{adopt}, {} to update, {} to delete, {} unchanged",
        summary.create, summary.update, summary.delete, summary.unchanged
    );
    if errors > 0 {
        line.push_str(&format!(", {errors} failed"));
    }
    line
}

/// The hooks a plan's sync runs, one line each, padded into columns:
/// `PreSync   wave 0  batch/v1 Job shop/migrate-<generated>  delete: …`.
fn hook_lines(plan: &Plan) -> Vec<String> {
    let rows: Vec<(String, String, String)> = plan
        .hooks
        .iter()
        .map(|h| {
            (
                h.phase.as_str().to_string(),
                format!("wave {}", h.wave),
                h.label(),
            )
        })
        .collect();
    let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let w2 = rows.iter().map(|r| r.2.len()).max().unwrap_or(0);
    rows.iter()
        .zip(&plan.hooks)
        .map(|((phase, wave, label), h)| {
            format!(
                "{phase:8}  {wave:w1$}  {label:w2$}  delete: {}",
                h.policy.names().join(",")
            )
        })
        .collect()
}

/// The heading over the hook lines.
fn hooks_heading(plan: &Plan) -> &'static str {
    if plan.no_hooks {
        "Hooks (not run: --no-hooks):"
    } else {
        "Hooks (run by sync in this order, apart from the objects above; not ApplySet members):"
    }
}

/// `; 2 hooks to run` after the summary, when there are hooks.
fn hooks_summary(plan: &Plan) -> String {
    match plan.hooks.len() {
        0 => String::new(),
        n if plan.no_hooks => format!("; {n} hook{} not run (--no-hooks)", plural(n)),
        n => format!("; {n} hook{} to run", plural(n)),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Abbreviated like `git log --oneline`.
fn short_sha(commit: &CommitInfo) -> &str {
    commit.sha.get(..7).unwrap_or(&commit.sha)
}
