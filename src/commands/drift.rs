//! `gitsync drift`: what changed in the cluster behind Git's back since the
//! last sync, and who changed it.
//!
//! Drift compares the members of the target's ApplySet with what Git said
//! at the revision last synced (recorded on the ApplySet parent), not with
//! Git's newest commit: a commit not synced yet is not drift.

use anyhow::{Context, bail};

use super::targets;
use crate::config::Target;
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::plan::{Change, Plan};
use crate::report::{DriftReport, Printer};
use crate::settings::{DriftSettings, RenderSettings, Settings};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    drift: &DriftSettings,
) -> anyhow::Result<ExitStatus> {
    // The targets (and gitsync.yaml) as the repository says now; each is
    // then compared at its own last synced revision.
    let (_, selected) = crate::load::resolve(settings, render)?;
    let runtime = super::runtime()?;
    let results = runtime.block_on(targets::each(
        &selected,
        settings.parallel_targets,
        |target| one(settings, render, drift, target),
    ));
    let (done, failed) = targets::split(results)?;

    let reports: Vec<DriftReport> = done
        .iter()
        .map(|(target, (revision, plan))| DriftReport {
            target: target.name.as_deref(),
            revision,
            plan,
            fixed: drift.fix,
        })
        .collect();
    let printer = Printer::new(settings.output, settings.color, 3).with_failed(&failed);
    let any = crate::exit::stdout(printer.drift(&reports))?;
    let problems: usize = done.iter().map(|(_, (_, p))| p.problem_count()).sum();
    if problems > 0 {
        bail!("{problems} object(s) could not be compared (listed above)");
    }
    let status = if any && !drift.fix {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    };
    targets::worst([status], &failed)
}

/// One target's drift: the commit it was compared at, and the plan whose
/// changes are the drift.
async fn one(
    settings: &Settings,
    render: &RenderSettings,
    drift: &DriftSettings,
    target: &Target,
) -> anyhow::Result<(String, Plan)> {
    let engine = super::connect(settings, target, drift.name.as_deref(), 16).await?;
    super::check_origin(settings, target, &engine, false)?;
    let revision = crate::status::synced_revision(settings.source.revision.as_deref(), &engine)?;
    let (sha, plan) = crate::status::drift_plan(settings, render, &engine, target, &revision)
        .await
        .with_context(|| super::target_label(target))?;
    if drift.fix {
        fix(&engine, &plan).await?;
    }
    Ok((sha, plan))
}

/// Re-applies the drifted objects at the synced revision, through the same
/// apply as sync. Conflicts are forced: whoever changed the field took it
/// over, and --fix means Git wins.
async fn fix(engine: &Engine, plan: &Plan) -> anyhow::Result<()> {
    let changes: Vec<&Change> = plan.changes.iter().filter(|c| c.needs_write()).collect();
    let results = engine.apply(&changes, true).await;
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
