//! `gitsync drift`: what changed in the cluster behind Git's back since the
//! last sync, and who changed it.
//!
//! Drift compares the members of the target's ApplySet with what Git said
//! at the revision last synced (recorded on the ApplySet parent), not with
//! Git's newest commit: a commit not synced yet is not drift.

use std::io::{self, Write};

use anyhow::{Context, bail};
use owo_colors::OwoColorize;
use serde_json::{Value, json};

use super::target::{PlanRequest, connect_target, plan_connected};
use crate::cluster::apply;
use crate::drift::{FieldDrift, field_drift, show};
use crate::exit::ExitStatus;
use crate::plan::{Action, Change, Plan};
use crate::report::Masker;
use crate::settings::{DriftSettings, OutputFormat, RenderSettings, Settings, TargetSelection};

/// One drifted object.
struct Drifted<'a> {
    change: &'a Change,
    /// `modified`, `deleted` (a member gone from the cluster) or `extra` (a
    /// member Git did not have at that revision).
    state: &'static str,
    fields: Vec<FieldDrift>,
}

struct TargetDrift {
    name: Option<String>,
    revision: String,
    plan: Plan,
}

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    drift: &DriftSettings,
) -> anyhow::Result<ExitStatus> {
    // The targets (and gitsync.yaml) as the repository says now; each is
    // then compared at its own last synced revision.
    let current = super::load::load(settings, render)?;
    let runtime = super::runtime()?;
    let mut results = Vec::new();
    for (target, _) in &current.targets {
        let connected = runtime.block_on(connect_target(
            &settings.source.repo,
            target,
            drift.name.as_deref(),
        ))?;
        let revision = match (&settings.source.revision, &connected.parent) {
            (Some(rev), _) => rev.clone(),
            (None, Some(parent)) => parent
                .record
                .get("revision")
                .and_then(Value::as_str)
                .map(str::to_string)
                .with_context(|| {
                    format!(
                        "ApplySet {} records no revision (was it synced from a directory outside git?): pass --revision",
                        connected.applyset.name
                    )
                })?,
            (None, None) => bail!(
                "nothing to compare with: ApplySet {}/{} does not exist (run gitsync sync first, or pass --name)",
                connected.applyset.namespace,
                connected.applyset.name
            ),
        };
        let mut at = settings.clone();
        at.source.revision = Some(revision.clone());
        if let Some(name) = &target.name {
            at.targets = TargetSelection::Named(vec![name.clone()]);
        }
        let synced = super::load::load(&at, render).with_context(|| {
            format!("reading the repository at the last synced revision {revision}")
        })?;
        let Some((t, set)) = synced
            .targets
            .iter()
            .find(|(t, _)| t.name == target.name && t.path == target.path)
        else {
            bail!(
                "target {:?} did not exist at revision {revision}",
                target.name
            );
        };
        let planned = runtime.block_on(plan_connected(
            connected,
            &PlanRequest {
                repo: &settings.source.repo,
                target: t,
                set,
                name: drift.name.as_deref(),
                prune: true,
                concurrency: 16,
                force_replace: false,
            },
        ))?;
        if drift.fix {
            fix(&runtime, &planned)?;
        }
        results.push(TargetDrift {
            name: target.name.clone(),
            revision: synced
                .snapshot
                .commit
                .as_ref()
                .map_or(revision, |c| c.sha.clone()),
            plan: planned.plan,
        });
    }

    let masker = Masker::new();
    let color = super::use_color(settings.color);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut any = false;
    let mut docs = Vec::new();
    for r in &results {
        let drifted = drifted(&r.plan, &masker);
        any |= !drifted.is_empty();
        match settings.output {
            OutputFormat::Json => docs.push(to_json(r, &drifted)),
            OutputFormat::Text => {
                write_text(&mut out, r, &drifted, results.len() > 1, color, drift.fix)?
            }
            OutputFormat::Markdown => write_markdown(&mut out, r, &drifted, drift.fix)?,
        }
    }
    if settings.output == OutputFormat::Json {
        if docs.len() == 1 {
            serde_json::to_writer_pretty(&mut out, &docs[0])?;
        } else {
            serde_json::to_writer_pretty(&mut out, &docs)?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    let failed: usize = results.iter().map(|r| r.plan.errors.len()).sum();
    if failed > 0 {
        bail!("{failed} object(s) could not be compared (listed above)");
    }
    Ok(if any && !drift.fix {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}

/// Re-applies the drifted objects at the synced revision, through the same
/// apply as sync. Conflicts are forced: whoever changed the field took it
/// over, and --fix means Git wins.
fn fix(runtime: &tokio::runtime::Runtime, planned: &super::target::Planned) -> anyhow::Result<()> {
    let changes: Vec<&Change> = planned
        .plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Update | Action::Create))
        .collect();
    let results = runtime.block_on(apply::apply_all(&planned.cluster, &changes, true, 16));
    let failures: Vec<String> = changes
        .iter()
        .zip(results)
        .filter_map(|(c, r)| r.err().map(|e| format!("{} {}: {e}", c.api_version, c.id)))
        .collect();
    if !failures.is_empty() {
        bail!("--fix could not restore:\n{}", failures.join("\n"));
    }
    Ok(())
}

fn drifted<'a>(plan: &'a Plan, masker: &Masker) -> Vec<Drifted<'a>> {
    plan.changes
        .iter()
        .filter_map(|c| match c.action {
            Action::Unchanged => None,
            Action::Create => Some(Drifted {
                change: c,
                state: "deleted",
                fields: Vec::new(),
            }),
            Action::Delete => Some(Drifted {
                change: c,
                state: "extra",
                fields: Vec::new(),
            }),
            Action::Update => {
                let git = masker.mask_for(&c.id, c.desired.as_ref().unwrap_or(&Value::Null));
                let live = masker.mask_for(&c.id, c.live.as_ref().unwrap_or(&Value::Null));
                let managed = c.managed_fields.clone().unwrap_or(Value::Null);
                Some(Drifted {
                    change: c,
                    state: "modified",
                    fields: field_drift(&git, &live, &managed),
                })
            }
        })
        .collect()
}

fn header(c: &Change) -> String {
    crate::report::object_label(&c.api_version, &c.id)
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
    r: &TargetDrift,
    drifted: &[Drifted],
    several: bool,
    color: bool,
    fixed: bool,
) -> io::Result<()> {
    let short = &r.revision[..r.revision.len().min(12)];
    if several {
        writeln!(out, "# target {}", r.name.as_deref().unwrap_or("-"))?;
    }
    for d in drifted {
        let (sign, note) = match d.state {
            "deleted" => ('-', "  deleted from the cluster"),
            "extra" => (
                '+',
                "  labelled as a member but not in Git at that revision",
            ),
            _ => ('~', ""),
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
    for e in &r.plan.errors {
        writeln!(
            out,
            "! {}: {}",
            crate::report::object_label(&e.api_version, &e.id),
            e.message
        )?;
    }
    let in_sync = r.plan.summary().unchanged;
    let fixed_note = if fixed && !drifted.is_empty() {
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
    r: &TargetDrift,
    drifted: &[Drifted],
    fixed: bool,
) -> io::Result<()> {
    let short = &r.revision[..r.revision.len().min(12)];
    writeln!(out, "### gitsync drift (since `{short}`)")?;
    writeln!(out)?;
    if drifted.is_empty() {
        writeln!(out, "No drift.")?;
        return Ok(());
    }
    writeln!(out, "| object | field | Git | live | changed by |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for d in drifted {
        if d.fields.is_empty() {
            writeln!(out, "| `{}` | {} | | | |", header(d.change), d.state)?;
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
    if fixed {
        writeln!(out)?;
        writeln!(out, "All drifted objects were restored to Git's state.")?;
    }
    Ok(())
}

fn to_json(r: &TargetDrift, drifted: &[Drifted]) -> Value {
    let in_sync = r.plan.summary().unchanged;
    json!({
        "revision": r.revision,
        "target": r.name,
        "summary": {"drifted": drifted.len(), "in_sync": in_sync},
        "drift": drifted.iter().map(|d| json!({
            "apiVersion": d.change.api_version,
            "kind": d.change.id.kind,
            "namespace": d.change.id.namespace,
            "name": d.change.id.name,
            "state": d.state,
            "fields": d.fields,
        })).collect::<Vec<_>>(),
        "errors": r.plan.errors.iter().map(|e| json!({
            "apiVersion": e.api_version, "kind": e.id.kind, "namespace": e.id.namespace,
            "name": e.id.name, "message": e.message,
        })).collect::<Vec<_>>(),
    })
}
