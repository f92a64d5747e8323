//! `image list` and `image update` results, in text, JSON and Markdown
//! (JSON shapes in the README).

use std::io::{self, Write};

use crate::image::{Plan, Status};
use crate::settings::OutputFormat;

pub fn write_statuses(
    out: &mut dyn Write,
    statuses: &[Status],
    format: OutputFormat,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, statuses)?;
            writeln!(out)
        }
        OutputFormat::Markdown => {
            writeln!(out, "| Policy | Image | In Git | Newest allowed |")?;
            writeln!(out, "|---|---|---|---|")?;
            for s in statuses {
                writeln!(
                    out,
                    "| {} | `{}` | {} | `{}` |",
                    s.policy,
                    s.image,
                    current(s, "`"),
                    s.latest
                )?;
            }
            Ok(())
        }
        OutputFormat::Text => {
            for s in statuses {
                writeln!(out, "{} ({})", s.policy, s.image)?;
                writeln!(out, "  in git:  {}", current(s, ""))?;
                let digest = s
                    .digest
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                writeln!(out, "  newest:  {}{digest}", s.latest)?;
                for (tag, why) in &s.passed_over {
                    writeln!(out, "  passed over: {tag}: {why}")?;
                }
                if s.passed_over_count > s.passed_over.len() {
                    writeln!(
                        out,
                        "  … and {} more passed over",
                        s.passed_over_count - s.passed_over.len()
                    )?;
                }
            }
            Ok(())
        }
    }
}

fn current(s: &Status, quote: &str) -> String {
    match s.current.is_empty() {
        true => "(no marker)".into(),
        false => s
            .current
            .iter()
            .map(|c| format!("{quote}{c}{quote}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

pub fn write_updates(
    out: &mut dyn Write,
    plan: &Plan,
    commit: Option<&str>,
    dry_run: bool,
    format: OutputFormat,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            let v = serde_json::json!({"updates": plan.updates, "commit": commit});
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)
        }
        OutputFormat::Markdown => {
            writeln!(out, "### gitsync image update")?;
            writeln!(out)?;
            if plan.updates.is_empty() {
                return writeln!(out, "Every image is at the newest its policy allows.");
            }
            for u in &plan.updates {
                writeln!(
                    out,
                    "- **{}**: `{}` → `{}` (`{}:{}`)",
                    u.policy, u.old, u.new, u.file, u.line
                )?;
            }
            Ok(())
        }
        OutputFormat::Text => {
            if plan.updates.is_empty() {
                return writeln!(out, "nothing newer than what Git holds");
            }
            for u in &plan.updates {
                writeln!(
                    out,
                    "{}: {} → {} ({}:{})",
                    u.policy, u.old, u.new, u.file, u.line
                )?;
            }
            if dry_run {
                for (file, new) in &plan.files {
                    let old = plan_old(plan, file);
                    let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str());
                    write!(
                        out,
                        "{}",
                        diff.unified_diff()
                            .header(&format!("a/{file}"), &format!("b/{file}"))
                    )?;
                }
                return writeln!(out, "(dry run: nothing committed)");
            }
            if let Some(c) = commit {
                writeln!(out, "committed {}", &c[..c.len().min(12)])?;
            }
            Ok(())
        }
    }
}

/// The text a file had before the plan's edits.
fn plan_old(plan: &Plan, file: &str) -> String {
    plan.originals
        .iter()
        .find(|(f, _)| f == file)
        .map(|(_, t)| t.clone())
        .unwrap_or_default()
}
