//! Reporting drift: per drifted member its state and, for modified ones,
//! each field with Git's value, the live value and who changed it. Values
//! pass the same masking as every other output. JSON:
//!
//! ```text
//! { "revision", "target", "summary": {"drifted", "in_sync"},
//!   "drift": [{"apiVersion", "kind", "namespace", "name",
//!              "state": "modified"|"deleted"|"extra", "fields": [...]}],
//!   "errors": [{"apiVersion", "kind", "namespace", "name", "message"}] }
//! ```

use std::io::{self, Write};

use owo_colors::OwoColorize;
use serde_json::{Value, json};

use super::Masker;
use crate::drift::{DriftState, FieldDrift, field_drift, show};
use crate::plan::{Change, Plan};

/// One target's plan at its last synced revision.
pub struct DriftReport<'a> {
    pub target: Option<&'a str>,
    /// The revision compared with.
    pub revision: &'a str,
    pub plan: &'a Plan,
    /// `--fix` restored what drifted.
    pub fixed: bool,
}

/// One drifted object.
struct Drifted<'a> {
    change: &'a Change,
    state: DriftState,
    fields: Vec<FieldDrift>,
}

/// Writes the reports; true when anything drifted.
pub fn write_drift(
    out: &mut dyn Write,
    reports: &[DriftReport],
    format: crate::settings::OutputFormat,
    color: bool,
    masker: &Masker,
) -> io::Result<bool> {
    write_titled(out, reports, reports.len() > 1, format, color, masker)
}

/// [`write_drift`], with a heading per target when `several` were
/// selected.
pub(super) fn write_titled(
    out: &mut dyn Write,
    reports: &[DriftReport],
    several: bool,
    format: crate::settings::OutputFormat,
    color: bool,
    masker: &Masker,
) -> io::Result<bool> {
    use crate::settings::OutputFormat;
    let mut any = false;
    let mut docs = Vec::new();
    for r in reports {
        let drifted = drifted(r.plan, masker);
        any |= !drifted.is_empty();
        match format {
            OutputFormat::Json => docs.push(to_json(r, &drifted)),
            OutputFormat::Text => write_text(out, r, &drifted, several, color)?,
            OutputFormat::Markdown => write_markdown(out, r, &drifted, several)?,
        }
    }
    if format == OutputFormat::Json {
        super::json::write_docs(out, docs)?;
    }
    Ok(any)
}

fn drifted<'a>(plan: &'a Plan, masker: &Masker) -> Vec<Drifted<'a>> {
    plan.changes
        .iter()
        .filter_map(|c| {
            let state = DriftState::of(c)?;
            let fields = if state == DriftState::Modified {
                let git = masker.mask_change(c, c.desired.as_ref().unwrap_or(&Value::Null));
                let live = masker.mask_change(c, c.live.as_ref().unwrap_or(&Value::Null));
                let managed = c.managed_fields.clone().unwrap_or(Value::Null);
                field_drift(&git, &live, &managed)
            } else {
                Vec::new()
            };
            Some(Drifted {
                change: c,
                state,
                fields,
            })
        })
        .collect()
}

fn header(c: &Change) -> String {
    c.id.label(&c.api_version)
}

fn who(f: &FieldDrift) -> String {
    match (&f.manager, &f.operation, &f.time) {
        (Some(m), Some(op), Some(t)) => format!("by {m} ({op}) at {t}"),
        (Some(m), Some(op), None) => format!("by {m} ({op})"),
        (Some(m), None, _) => format!("by {m}"),
        _ => "by an unknown manager".to_string(),
    }
}

fn write_text(
    out: &mut dyn Write,
    r: &DriftReport,
    drifted: &[Drifted],
    several: bool,
    color: bool,
) -> io::Result<()> {
    let short = &r.revision[..r.revision.len().min(12)];
    if several {
        writeln!(out, "# target {}", r.target.unwrap_or("-"))?;
    }
    for d in drifted {
        let (sign, note) = match d.state {
            DriftState::Deleted => ('-', "  deleted from the cluster"),
            DriftState::Extra => (
                '+',
                "  labelled as a member but not in Git at that revision",
            ),
            DriftState::Modified => ('~', ""),
        };
        let line = format!("{sign} {}{note}", header(d.change));
        if color {
            writeln!(out, "{}", line.bold())?;
        } else {
            writeln!(out, "{line}")?;
        }
        for f in &d.fields {
            writeln!(
                out,
                "    {}: {} → {}  {}",
                f.path,
                show(&f.git),
                show(&f.live),
                who(f)
            )?;
        }
    }
    for e in r.plan.problems() {
        writeln!(out, "! {}: {}", e.id.label(&e.api_version), e.message)?;
    }
    let in_sync = r.plan.summary().unchanged;
    let fixed_note = if r.fixed && !drifted.is_empty() {
        ", all restored"
    } else {
        ""
    };
    writeln!(
        out,
        "{} drifted{fixed_note}, {in_sync} in sync (compared with {short}, the last synced revision)",
        drifted.len()
    )
}

fn write_markdown(
    out: &mut dyn Write,
    r: &DriftReport,
    drifted: &[Drifted],
    several: bool,
) -> io::Result<()> {
    let short = &r.revision[..r.revision.len().min(12)];
    match r.target.filter(|_| several) {
        Some(t) => writeln!(out, "### gitsync drift: `{t}` (since `{short}`)")?,
        None => writeln!(out, "### gitsync drift (since `{short}`)")?,
    }
    writeln!(out)?;
    if drifted.is_empty() {
        writeln!(out, "No drift.")?;
        return Ok(());
    }
    writeln!(out, "| object | field | Git | live | changed by |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for d in drifted {
        if d.fields.is_empty() {
            writeln!(
                out,
                "| `{}` | {} | | | |",
                header(d.change),
                d.state.as_str()
            )?;
        }
        for f in &d.fields {
            writeln!(
                out,
                "| `{}` | `{}` | `{}` | `{}` | {} |",
                header(d.change),
                f.path,
                show(&f.git).replace('|', "\\|"),
                show(&f.live).replace('|', "\\|"),
                who(f)
            )?;
        }
    }
    if r.fixed {
        writeln!(out)?;
        writeln!(out, "All drifted objects were restored to Git's state.")?;
    }
    Ok(())
}

fn to_json(r: &DriftReport, drifted: &[Drifted]) -> Value {
    let in_sync = r.plan.summary().unchanged;
    json!({
        "revision": r.revision,
        "target": r.target,
        "summary": {"drifted": drifted.len(), "in_sync": in_sync},
        "drift": drifted.iter().map(|d| json!({
            "apiVersion": d.change.api_version,
            "kind": d.change.id.kind,
            "namespace": d.change.id.namespace,
            "name": d.change.id.name,
            "state": d.state,
            "fields": d.fields,
        })).collect::<Vec<_>>(),
        "errors": r.plan.problems().map(|e| json!({
            "apiVersion": e.api_version, "kind": e.id.kind, "namespace": e.id.namespace,
            "name": e.id.name, "message": e.message,
        })).collect::<Vec<_>>(),
    })
}
