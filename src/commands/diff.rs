//! `gitsync diff`: what syncing now would change, against the live cluster.

use anyhow::bail;

use super::target::{PlanRequest, plan_target};

use crate::exit::ExitStatus;
use crate::plan::Plan;
use crate::report::Report;
use crate::settings::{DiffSettings, RenderSettings, Settings};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    diff: &DiffSettings,
) -> anyhow::Result<ExitStatus> {
    let loaded = super::load::load(settings, render)?;
    let runtime = super::runtime()?;
    let mut plans: Vec<Plan> = Vec::with_capacity(loaded.targets.len());
    for (target, set) in &loaded.targets {
        let planned = runtime.block_on(plan_target(&PlanRequest {
            repo: &settings.source.repo,
            target,
            set,
            name: diff.name.as_deref(),
            prune: target.prune,
            concurrency: diff.concurrency,
            force_replace: false,
        }))?;
        plans.push(planned.plan);
    }

    let reports: Vec<Report> = loaded
        .targets
        .iter()
        .zip(&plans)
        .map(|((target, _), plan)| Report {
            revision: loaded.snapshot.commit.as_ref(),
            target: target.name.as_deref(),
            plan,
        })
        .collect();
    super::write_plans(settings, diff.unified, &reports)?;

    let failed: usize = plans.iter().map(|p| p.errors.len()).sum();
    if failed > 0 {
        bail!(
            "{failed} object{} could not be planned (listed above)",
            if failed == 1 { "" } else { "s" }
        );
    }
    Ok(if plans.iter().any(Plan::has_changes) {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
