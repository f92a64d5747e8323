//! `gitsync diff`: what syncing now would change, against the live cluster.

use crate::engine::PlanOptions;
use crate::exit::ExitStatus;
use crate::plan::Plan;
use crate::report::{Printer, Report};
use crate::settings::{PlanSettings, RenderSettings, Settings};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    diff: &PlanSettings,
) -> anyhow::Result<ExitStatus> {
    let loaded = crate::load::load_targets(settings, render)?;
    let runtime = super::runtime()?;
    let mut plans: Vec<Plan> = Vec::with_capacity(loaded.targets.len());
    for t in &loaded.targets {
        let opts = PlanOptions {
            prune: t.0.prune,
            force_replace: false,
        };
        let name = diff.name.as_deref();
        let (_, plan) = runtime.block_on(super::plan(settings, t, name, diff.concurrency, opts))?;
        plans.push(plan);
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
    crate::exit::stdout(
        Printer::new(settings.output, settings.color, diff.unified).plans(&reports),
    )?;
    super::check_planned(plans.iter().map(|p| p.errors.len()).sum(), "")?;
    Ok(if plans.iter().any(Plan::has_changes) {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
