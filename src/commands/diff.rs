//! `gitsync diff`: what syncing now would change, against the live cluster.

use super::Prepared;
use crate::exit::ExitStatus;
use crate::plan::Plan;
use crate::report::{Printer, Report};
use crate::settings::{PlanSettings, RenderSettings, Settings};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    diff: &PlanSettings,
) -> anyhow::Result<ExitStatus> {
    let runtime = super::runtime()?;
    let (snapshot, prepared) = super::prepare(&runtime, settings, render, diff)?;
    let mut plans: Vec<Plan> = Vec::with_capacity(prepared.len());
    for p in &prepared {
        plans.push(runtime.block_on(super::plan(p, diff))?);
    }

    let reports: Vec<Report> = prepared
        .iter()
        .zip(&plans)
        .map(|(Prepared { target, .. }, plan)| Report {
            revision: snapshot.commit.as_ref(),
            target: target.name.as_deref(),
            plan,
        })
        .collect();
    crate::exit::stdout(
        Printer::new(settings.output, settings.color, diff.unified).plans(&reports),
    )?;
    super::check_planned(plans.iter().map(Plan::problem_count).sum(), "")?;
    Ok(if plans.iter().any(Plan::has_changes) {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
