//! Reporting a sync's outcome: a table (text or Markdown) of every object
//! that was not simply unchanged, then a summary line; or JSON:
//!
//! ```text
//! { "revision": {...} | null, "target": string | null,
//!   "applyset": {"name", "namespace", "id"},
//!   "summary": {"applied", "deleted", "unchanged", "failed", "skipped", "kept", "unhealthy"},
//!   "objects": [{"action", "apiVersion", "kind", "namespace", "name",
//!                "result", "message"?, "health"?: {"status", "message"}}],
//!   "error": string | null }
//! ```

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::engine::{ObjectOutcome, SyncOutcome};
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
    })
}

/// The final table: every object that was not simply unchanged, then a
/// summary line. Several targets each get a heading.
pub fn write_sync_table(
    out: &mut dyn Write,
    reports: &[SyncReport],
    markdown: bool,
) -> io::Result<()> {
    for r in reports {
        if reports.len() > 1 {
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
    let c = o.counts();
    let kept = if c.kept > 0 {
        format!(", {} kept", c.kept)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} applied, {} deleted, {} unchanged, {} failed, {} skipped{kept}, {} unhealthy (ApplySet {}/{})",
        c.applied,
        c.deleted,
        c.unchanged,
        c.failed,
        c.skipped,
        c.unhealthy,
        o.applyset.namespace,
        o.applyset.name
    )
}
