//! Reporting a sync's outcome: a table (text or Markdown) of every object
//! that was not simply unchanged, then a summary line; or JSON:
//!
//! ```text
//! { "revision": {...} | null, "target": string | null,
//!   "applyset": {"name", "namespace", "id"},
//!   "summary": {"applied", "deleted", "unchanged", "failed", "skipped", "kept", "unhealthy"},
//!   "objects": [{"action", "apiVersion", "kind", "namespace", "name",
//!                "result", "message"?, "health"?: {"status", "message"}}],
//!   "error": string | null,
//!   "hooks": [{"phase", "wave", "apiVersion", "kind", "namespace", "name",
//!              "result": "succeeded"|"failed"|"skipped", "generateName",
//!              "message"?, "deleted"}] }
//! ```

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::engine::{HookOutcome, HookResult, ObjectOutcome, SyncOutcome};
use crate::health::Status;
use crate::source::CommitInfo;

/// One target's sync, with what it was computed from.
pub struct SyncReport<'a> {
    pub revision: Option<&'a CommitInfo>,
    pub target: Option<&'a str>,
    pub outcome: &'a SyncOutcome,
}

pub fn write_sync_json(out: &mut dyn Write, reports: &[SyncReport]) -> io::Result<()> {
    let docs = reports.iter().map(sync_value).collect();
    super::json::write_docs(out, docs)
}

fn sync_value(r: &SyncReport) -> Value {
    let o = r.outcome;
    let objects: Vec<Value> = o
        .objects
        .iter()
        .map(|x| {
            let mut v = json!({
                "action": x.operation,
                "apiVersion": x.api_version,
                "kind": x.id.kind,
                "namespace": x.id.namespace,
                "name": x.id.name,
                "result": x.result,
            });
            if let Some(m) = &x.message {
                v["message"] = json!(m);
            }
            if let Some(h) = &x.health {
                v["health"] = json!({"status": h.status, "message": h.message});
            }
            v
        })
        .collect();
    json!({
        "revision": r.revision,
        "target": r.target,
        "applyset": {"name": o.applyset.name, "namespace": o.applyset.namespace, "id": o.applyset.id},
        "summary": o.counts(),
        "objects": objects,
        "error": o.error,
        "hooks": o.hooks.iter().map(hook_value).collect::<Vec<_>>(),
    })
}

fn hook_value(h: &HookOutcome) -> Value {
    let mut v = json!({
        "phase": h.phase,
        "wave": h.wave,
        "apiVersion": h.api_version,
        "kind": h.id.kind,
        "namespace": h.id.namespace,
        "name": h.id.name,
        "result": h.result,
        "generateName": h.generate_name,
    });
    if let Some(m) = &h.message {
        v["message"] = json!(m);
    }
    v["deleted"] = json!(h.deleted);
    v
}

/// The final table: every object that was not simply unchanged, then a
/// summary line. Several targets each get a heading.
pub fn write_sync_table(
    out: &mut dyn Write,
    reports: &[SyncReport],
    markdown: bool,
) -> io::Result<()> {
    write_table_titled(out, reports, reports.len() > 1, markdown)
}

/// [`write_sync_table`], with a heading per target when `several` were
/// selected.
pub(super) fn write_table_titled(
    out: &mut dyn Write,
    reports: &[SyncReport],
    several: bool,
    markdown: bool,
) -> io::Result<()> {
    for r in reports {
        if several {
            writeln!(out, "# target {}", r.target.unwrap_or("-"))?;
        }
        table(out, r.outcome, markdown)?;
    }
    Ok(())
}

fn table(out: &mut dyn Write, o: &SyncOutcome, markdown: bool) -> io::Result<()> {
    use crate::engine::ObjectResult;
    let shown: Vec<(&ObjectOutcome, String)> = o
        .objects
        .iter()
        .filter(|x| x.result != ObjectResult::Unchanged || x.health.is_some())
        .map(|x| (x, x.id.label(&x.api_version)))
        .collect();
    let health_text = |x: &ObjectOutcome| match &x.health {
        None => "-".to_string(),
        Some(h) if h.status == Status::Current => "healthy".to_string(),
        Some(h) => format!("{:?}: {}", h.status, h.message),
    };
    if markdown {
        writeln!(out, "| object | action | result | health |")?;
        writeln!(out, "|---|---|---|---|")?;
        for (x, label) in &shown {
            writeln!(
                out,
                "| `{label}` | {} | {} | {} |",
                x.operation.as_str(),
                x.result.as_str(),
                health_text(x)
            )?;
        }
    } else if !shown.is_empty() {
        let width = shown.iter().map(|(_, l)| l.len()).max().unwrap_or(6).max(6);
        writeln!(
            out,
            "{:width$}  {:9}  {:9}  HEALTH",
            "OBJECT", "ACTION", "RESULT"
        )?;
        for (x, label) in &shown {
            writeln!(
                out,
                "{label:width$}  {:9}  {:9}  {}",
                x.operation.as_str(),
                x.result.as_str(),
                health_text(x)
            )?;
            if let Some(m) = &x.message {
                writeln!(out, "    {m}")?;
            }
        }
    }
    hooks_table(out, &o.hooks, markdown)?;
    let c = o.counts();
    let kept = if c.kept > 0 {
        format!(", {} kept", c.kept)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} applied, {} deleted, {} unchanged, {} failed, {} skipped{kept}, {} unhealthy{} (ApplySet {}/{})",
        c.applied,
        c.deleted,
        c.unchanged,
        c.failed,
        c.skipped,
        c.unhealthy,
        hooks_summary(&o.hooks),
        o.applyset.namespace,
        o.applyset.name
    )
}

/// `; hooks: 2 succeeded, 0 failed, 1 skipped` when there were hooks.
fn hooks_summary(hooks: &[HookOutcome]) -> String {
    if hooks.is_empty() {
        return String::new();
    }
    let n = |r: HookResult| hooks.iter().filter(|h| h.result == r).count();
    format!(
        "; hooks: {} succeeded, {} failed, {} skipped",
        n(HookResult::Succeeded),
        n(HookResult::Failed),
        n(HookResult::Skipped)
    )
}

/// The hooks, apart from the objects: phase, result, and whether their
/// delete policy removed them.
fn hooks_table(out: &mut dyn Write, hooks: &[HookOutcome], markdown: bool) -> io::Result<()> {
    if hooks.is_empty() {
        return Ok(());
    }
    let rows: Vec<(String, String)> = hooks
        .iter()
        .map(|h| {
            let mut result = h.result.as_str().to_string();
            if h.deleted {
                result.push_str(", deleted");
            }
            (h.label(), result)
        })
        .collect();
    if markdown {
        writeln!(out, "\n| hook | phase | wave | result |")?;
        writeln!(out, "|---|---|---|---|")?;
        for (h, (label, result)) in hooks.iter().zip(&rows) {
            let message = h
                .message
                .as_deref()
                .map(|m| format!(": {}", m.replace('\n', " ")));
            writeln!(
                out,
                "| `{label}` | {} | {} | {result}{} |",
                h.phase.as_str(),
                h.wave,
                message.unwrap_or_default().replace('|', "\\|")
            )?;
        }
        return writeln!(out);
    }
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(4).max(4);
    writeln!(
        out,
        "{:width$}  {:8}  {:4}  RESULT",
        "HOOK", "PHASE", "WAVE"
    )?;
    for (h, (label, result)) in hooks.iter().zip(&rows) {
        writeln!(
            out,
            "{label:width$}  {:8}  {:<4}  {result}",
            h.phase.as_str(),
            h.wave
        )?;
        if let Some(m) = &h.message {
            for line in m.lines() {
                writeln!(out, "    {line}")?;
            }
        }
    }
    Ok(())
}
