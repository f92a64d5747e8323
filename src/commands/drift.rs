//! `gitsync drift`: what changed in the cluster behind Git's back since the
//! last sync, and who changed it.
//!
//! Drift compares the members of the target's ApplySet with what Git said
//! at the revision last synced (recorded on the ApplySet parent), not with
//! Git's newest commit: a commit not synced yet is not drift.

use anyhow::{Context, bail};
use serde_json::Value;

use crate::engine::{Engine, PlanOptions};
use crate::exit::ExitStatus;
use crate::plan::{Change, Plan};
use crate::report::{DriftReport, Printer};
use crate::settings::{DriftSettings, RenderSettings, Settings, TargetSelection};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    drift: &DriftSettings,
) -> anyhow::Result<ExitStatus> {
    // The targets (and gitsync.yaml) as the repository says now; each is
    // then compared at its own last synced revision.
    let (_, targets) = crate::load::resolve(settings, render)?;
    let runtime = super::runtime()?;
    let mut results: Vec<(Option<String>, String, Plan)> = Vec::new();
    for target in &targets {
        let engine =
            runtime.block_on(super::connect(settings, target, drift.name.as_deref(), 16))?;
        super::check_origin(settings, target, &engine, false)?;
        let revision = synced_revision(settings, &engine)?;
        let mut at = settings.clone();
        at.source.revision = Some(revision.clone());
        if let Some(name) = &target.name {
            at.targets = TargetSelection::Named(vec![name.clone()]);
        }
        let (snapshot, synced) = crate::load::resolve(&at, render).with_context(|| {
            format!("reading the repository at the last synced revision {revision}")
        })?;
        let Some(t) = synced
            .iter()
            .find(|t| t.name == target.name && t.path == target.path)
        else {
            bail!(
                "target {:?} did not exist at revision {revision}",
                target.name
            );
        };
        let set = super::render_for(&runtime, &snapshot, t, &engine, render)
            .with_context(|| format!("at the last synced revision {revision}"))?;
        // Fields someone else took over are drift, not a conflict.
        let opts = PlanOptions {
            prune: true,
            force_replace: false,
            force_conflicts: true,
            prune_pvcs: false,
        };
        let plan = runtime
            .block_on(engine.plan(&set, opts))
            .with_context(|| super::target_label(target))?;
        if drift.fix {
            runtime.block_on(fix(&engine, &plan))?;
        }
        let sha = snapshot.commit.map_or(revision, |c| c.sha);
        results.push((target.name.clone(), sha, plan));
    }

    let reports: Vec<DriftReport> = results
        .iter()
        .map(|(target, revision, plan)| DriftReport {
            target: target.as_deref(),
            revision,
            plan,
            fixed: drift.fix,
        })
        .collect();
    let any =
        crate::exit::stdout(Printer::new(settings.output, settings.color, 3).drift(&reports))?;
    let failed: usize = results.iter().map(|(_, _, p)| p.problem_count()).sum();
    if failed > 0 {
        bail!("{failed} object(s) could not be compared (listed above)");
    }
    Ok(if any && !drift.fix {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}

/// `--revision`, else the revision the ApplySet parent recorded.
fn synced_revision(settings: &Settings, engine: &Engine) -> anyhow::Result<String> {
    let set = &engine.applyset;
    match (&settings.source.revision, &engine.parent) {
        (Some(rev), _) => Ok(rev.clone()),
        (None, Some(parent)) => parent
            .record
            .get("revision")
            .and_then(Value::as_str)
            .map(str::to_string)
            .with_context(|| {
                format!(
                    "ApplySet {} records no revision (was it synced from a directory outside git?): pass --revision",
                    set.name
                )
            }),
        (None, None) => bail!(
            "nothing to compare with: ApplySet {}/{} does not exist (run gitsync sync first, or pass --name)",
            set.namespace,
            set.name
        ),
    }
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
