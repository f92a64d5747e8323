//! `gitsync diff`: what syncing now would change, against the live cluster.

use super::targets;
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
    let (sources, selected) = targets::resolve(settings, render)?;
    let results = runtime.block_on(targets::each(
        &selected,
        settings.parallel_targets,
        |target| async {
            let p = targets::prepare(settings, &sources, target, render, diff).await?;
            let plan = super::plan(&p, diff).await?;
            Ok((p.commit, plan))
        },
    ));
    let (done, failed) = targets::split(results)?;

    let reports: Vec<Report> = done
        .iter()
        .map(|(target, (commit, plan))| Report {
            revision: commit.as_ref(),
            base: None,
            target: target.name.as_deref(),
            plan,
        })
        .collect();
    let printer = Printer::new(settings.output, settings.color, diff.unified).with_failed(&failed);
    crate::exit::stdout(printer.plans(&reports))?;
    let plans = || done.iter().map(|(_, (_, plan))| plan);
    super::check_planned(plans().map(Plan::problem_count).sum(), "")?;
    let status = |plan: &Plan| {
        if plan.has_changes() {
            ExitStatus::Changes
        } else {
            ExitStatus::Success
        }
    };
    targets::worst(plans().map(status), &failed)
}

/// `diff --base REV`: Git at REV against Git, rendered offline (no
/// kubeconfig read, no cluster asked), printed as a live diff is.
pub fn run_base(
    settings: &Settings,
    render: &RenderSettings,
    diff: &PlanSettings,
    base: &str,
) -> anyhow::Result<ExitStatus> {
    let pairs = crate::basediff::load(settings, render, base)?;
    let plans: Vec<Plan> = pairs
        .iter()
        .map(|p| crate::basediff::compare(p.base.as_ref(), p.head.as_ref()))
        .collect();
    let reports: Vec<Report> = pairs
        .iter()
        .zip(&plans)
        .map(|(pair, plan)| Report {
            revision: pair.head_commit.as_ref(),
            base: pair.base_commit.as_ref(),
            target: pair.name.as_deref(),
            plan,
        })
        .collect();
    let printer = Printer::new(settings.output, settings.color, diff.unified);
    crate::exit::stdout(printer.plans(&reports))?;
    Ok(if plans.iter().any(Plan::has_changes) {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
