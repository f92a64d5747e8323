//! `gitsync sync`: make the cluster match Git, then wait until healthy.

use std::io::{self, Write};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::sync::watch;

use crate::engine::{Record, SyncOptions, SyncOutcome, WriteGate};
use crate::exit::ExitStatus;
use crate::plan::Plan;
use crate::report::{Printer, Progress, Report, SyncReport};
use crate::settings::{RenderSettings, Settings, SyncSettings};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    sync: &SyncSettings,
) -> anyhow::Result<ExitStatus> {
    let runtime = super::runtime()?;
    let interrupted = runtime.block_on(async { on_interrupt() })?;
    let (snapshot, prepared) = super::prepare(&runtime, settings, render, &sync.plan)?;
    let printer = Printer::new(settings.output, settings.color, sync.plan.unified);
    let progress = Progress::new(!settings.quiet && settings.progress);
    let commit = snapshot.commit.as_ref();
    let repository = crate::source::identity(&settings.source.repo);
    let options = SyncOptions {
        allow_empty: sync.allow_empty,
        wait: sync.wait,
        timeout: sync.timeout,
        force_conflicts: sync.plan.force_conflicts,
    };
    let mut outcomes: Vec<(Option<String>, SyncOutcome)> = Vec::new();
    let mut dry_plans: Vec<(Option<String>, Plan)> = Vec::new();
    for mut p in prepared {
        // One writer per ApplySet: take its Lease, then plan (a plan made
        // while another writer ran would be stale).
        let lock = if sync.dry_run {
            None
        } else {
            let locked = runtime.block_on(p.engine.lock(sync.lock_timeout));
            Some(locked.with_context(|| super::target_label(&p.target))?)
        };
        let label = p.target.name.clone();
        let result = runtime.block_on(until_interrupted(&interrupted, async {
            let plan = super::plan(&p, &sync.plan).await?;
            if !plan.errors.is_empty() || sync.dry_run {
                return anyhow::Ok((plan, None));
            }
            let record = Record {
                commit,
                repository: repository.clone(),
                path: crate::render::display_rel(&p.target.path),
                signed_by: snapshot.signed_by.as_deref(),
            };
            let line = |m: &str| progress.line(m);
            let flag = interrupted.clone();
            p.engine.gate =
                WriteGate::new(move || (*flag.borrow()).then(|| "interrupted".to_string()));
            let outcome = p.engine.sync(&plan, &options, &record, &line).await?;
            Ok((plan, Some(outcome)))
        }));
        if let Some(lock) = lock {
            runtime.block_on(lock.release());
        }
        let Some(result) = result else {
            break; // interrupted while planning: nothing of this target was written
        };
        match result? {
            (plan, None) => dry_plans.push((label, plan)),
            (_, Some(outcome)) => outcomes.push((label, outcome)),
        }
        if *interrupted.borrow() {
            break;
        }
    }
    drop(progress);
    let was_interrupted = *interrupted.borrow();
    if was_interrupted && outcomes.is_empty() {
        writeln!(
            io::stderr().lock(),
            "error: interrupted before anything was written"
        )?;
        return Ok(ExitStatus::Interrupted);
    }

    if !dry_plans.is_empty() {
        // Plan errors (nothing was applied for those targets) or --dry-run:
        // print the plan exactly as diff does.
        let reports: Vec<Report> = dry_plans
            .iter()
            .map(|(target, plan)| Report {
                revision: commit,
                target: target.as_deref(),
                plan,
            })
            .collect();
        crate::exit::stdout(printer.plans(&reports))?;
        let failed = dry_plans.iter().map(|(_, p)| p.problem_count()).sum();
        super::check_planned(failed, "; nothing was applied")?;
        if outcomes.is_empty() && !was_interrupted {
            return Ok(if dry_plans.iter().any(|(_, p)| p.has_changes()) {
                ExitStatus::Changes
            } else {
                ExitStatus::Success
            });
        }
    }

    let reports: Vec<SyncReport> = outcomes
        .iter()
        .map(|(target, outcome)| SyncReport {
            revision: commit,
            target: target.as_deref(),
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
    if let Some(msg) = outcomes.iter().find_map(|(_, o)| o.error.clone()) {
        bail!("{msg}");
    }
    let unhealthy: Vec<String> = outcomes
        .iter()
        .flat_map(|(_, o)| o.objects.iter())
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
        return Ok(ExitStatus::Unhealthy);
    }
    Ok(ExitStatus::Success)
}

fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Watches SIGINT and SIGTERM: the first one closes the returned flag's
/// gate (writes in flight finish, no new one starts); a second one ends
/// the process at once.
fn on_interrupt() -> anyhow::Result<watch::Receiver<bool>> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, rx) = watch::channel(false);
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            if tx.send_replace(true) {
                crate::report::note("interrupted again: exiting now");
                std::process::exit(ExitStatus::Interrupted.code().into());
            }
            crate::report::note(
                "interrupted: letting the writes in flight finish, starting no new one (interrupt again to exit now)",
            );
        }
    });
    Ok(rx)
}

/// `work`'s result, or `None` once interrupted (for work that writes
/// nothing, so it may stop anywhere).
async fn until_interrupted<T>(
    interrupted: &watch::Receiver<bool>,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    let mut rx = interrupted.clone();
    tokio::select! {
        out = work => Some(out),
        _ = rx.wait_for(|&stop| stop) => None,
    }
}
