//! How a sync ended, on stdout and stderr, and its exit status.

use std::io::{self, Write};

use anyhow::bail;

use super::super::interrupt::humanize;
use super::super::targets;
use crate::config::Target;
use crate::engine::SyncOutcome;
use crate::exit::ExitStatus;
use crate::report::{Failed, Printer, SyncReport};
use crate::settings::SyncSettings;
use crate::source::CommitInfo;

/// Prints the targets that synced and says how the run ends: interrupted,
/// failed, unhealthy, or the worst of the targets.
pub(super) fn synced(
    printer: &Printer,
    outcomes: &[(&Target, &Option<CommitInfo>, &SyncOutcome)],
    was_interrupted: bool,
    failed: &[Failed],
    sync: &SyncSettings,
) -> anyhow::Result<ExitStatus> {
    let reports: Vec<SyncReport> = outcomes
        .iter()
        .map(|(target, commit, outcome)| SyncReport {
            revision: commit.as_ref(),
            target: target.name.as_deref(),
            outcome,
        })
        .collect();
    // A closed stdout must not hide a failed or unhealthy sync: the exit
    // status below still says how it went.
    match crate::exit::stdout(printer.syncs(&reports)) {
        Err(e) if e.downcast_ref::<crate::exit::StdoutClosed>().is_none() => return Err(e),
        _ => {}
    }
    if was_interrupted {
        writeln!(
            io::stderr().lock(),
            "error: interrupted: the writes in flight finished and no new one was started; the ApplySet records every object written, so running sync again converges"
        )?;
        return Ok(ExitStatus::Interrupted);
    }
    if let Some(msg) = outcomes.iter().find_map(|(_, _, o)| o.error.clone()) {
        bail!("{msg}");
    }
    let unhealthy: Vec<String> = outcomes
        .iter()
        .flat_map(|(_, _, o)| o.objects.iter())
        .filter_map(|x| {
            let h = x.health.as_ref().filter(|_| x.is_unhealthy())?;
            let label = x.id.label(&x.api_version);
            Some(format!("{label} is {:?}: {}", h.status, h.message))
        })
        .collect();
    if !unhealthy.is_empty() {
        let mut err = io::stderr().lock();
        let within = humanize(sync.timeout);
        writeln!(err, "error: applied, but not healthy within {within}:")?;
        for u in &unhealthy {
            writeln!(err, "  {u}")?;
        }
        return targets::worst([ExitStatus::Unhealthy], failed);
    }
    targets::worst([ExitStatus::Success], failed)
}
