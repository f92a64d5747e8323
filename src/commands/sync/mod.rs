//! `gitsync sync`: make the cluster match Git, then wait until healthy.

use std::io::{self, Write};

use anyhow::Context;

mod finish;

use super::interrupt::{on_interrupt, until_interrupted};
use super::targets;
use crate::engine::{HookResult, Record, SyncOptions, SyncOutcome, WriteGate};
use crate::exit::ExitStatus;
use crate::notify::events::{Events, Reason};
use crate::notify::webhook::{Message, deliver_all};
use crate::plan::Plan;
use crate::report::{Printer, Progress, Report};
use crate::settings::{RenderSettings, Settings, SyncSettings};

/// How one target ended: planned only (`--dry-run`, or objects that could
/// not be planned) or synced.
enum Done {
    Planned(Plan),
    Synced(SyncOutcome),
}

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    sync: &SyncSettings,
) -> anyhow::Result<ExitStatus> {
    let runtime = super::runtime()?;
    let interrupted = runtime.block_on(async { on_interrupt() })?;
    let (sources, selected) = targets::resolve(settings, render)?;
    let printer = Printer::new(settings.output, settings.color, sync.plan.unified);
    let progress = Progress::new(!settings.quiet && settings.progress);
    let repository = crate::source::identity(&settings.source.repo);
    let options = SyncOptions {
        allow_empty: sync.allow_empty,
        wait: sync.wait,
        timeout: sync.timeout,
        force_conflicts: sync.plan.force_conflicts,
        wait_for_jobs: sync.wait_for_jobs,
    };
    let several = selected.len() > 1;
    let mut schedule = crate::fleet::order::Schedule::of(&selected);
    if sync.dry_run {
        // Nothing is written, so nothing soaks.
        schedule.soak.fill(std::time::Duration::ZERO);
    }
    let gating: Vec<Option<String>> = (0..selected.len())
        .filter(|i| schedule.gates(*i))
        .map(|i| selected[i].name.clone())
        .collect();
    let held = match sync.dry_run {
        true => Default::default(),
        false => runtime.block_on(held_outside(settings, render, &selected))?,
    };
    let results = runtime.block_on(targets::each_ordered(
        &selected,
        &schedule,
        settings.parallel_targets,
        |target| {
            let (gating, held) = (&gating, &held);
            let (interrupted, progress, repository, options) =
                (&interrupted, &progress, &repository, &options);
            let (sources, selected) = (&sources, &selected);
            async move {
                if let Some(why) = target.name.as_ref().and_then(|n| held.get(n)) {
                    anyhow::bail!(
                        "{}: {why}; sync that first, or select it too (--all-targets)",
                        super::target_label(target)
                    );
                }
                let window_override = match (sync.dry_run, open_now(target)) {
                    (true, _) | (_, None) => None,
                    (false, Some(why)) if sync.override_window => Some(why),
                    (false, Some(why)) => anyhow::bail!(
                        "{}: {why}; it may sync {}. Pass --override-window to sync anyway (recorded on its ApplySet)",
                        super::target_label(target),
                        next_open(target)
                    ),
                };
                if !sync.dry_run {
                    ready_in_run(selected, target, repository, sync.timeout).await?;
                }
                let prepared = targets::prepare(settings, sources, target, render, &sync.plan);
                let Some(mut p) = until_interrupted(interrupted, prepared).await.transpose()?
                else {
                    return Ok(None); // nothing of this target was written
                };
                // Set before the lock, which adds its Lease to the gate.
                let flag = interrupted.clone();
                p.engine.gate =
                    WriteGate::new(move || (*flag.borrow()).then(|| "interrupted".to_string()));
                // One writer per ApplySet: plan only once it holds the Lease.
                let lock = match sync.dry_run {
                    true => None,
                    false => match p.engine.lock(sync.lock_timeout).await {
                        Err(_) if *interrupted.borrow() => return Ok(None),
                        locked => Some(locked.with_context(|| super::target_label(target))?),
                    },
                };
                let result = async {
                    if lock.is_some() {
                        // Whose ApplySet it is, as the last writer left it.
                        super::check_origin(settings, target, &p.engine, sync.plan.take_over)?;
                    }
                    // Planning writes nothing: a signal may cut it short.
                    let planned = until_interrupted(interrupted, super::plan(&p, &sync.plan));
                    let Some(plan) = planned.await.transpose()? else {
                        return anyhow::Ok(None);
                    };
                    if !plan.errors.is_empty() || sync.dry_run {
                        // A dry run writes nothing to wait for: what
                        // depends on a clean plan is planned too.
                        let clean = sync.dry_run && plan.errors.is_empty();
                        let since = clean.then(k8s_openapi::jiff::Timestamp::now);
                        return Ok(Some((Done::Planned(plan), since)));
                    }
                    let record = Record {
                        commit: p.commit.as_ref(),
                        repository: repository.clone(),
                        path: crate::render::display_rel(&target.path),
                        signed_by: p.signed_by.as_deref(),
                        window_override,
                    };
                    let name = target.name.as_deref().unwrap_or_default();
                    let line = |m: &str| match several {
                        true => progress.line(&format!("{name}: {m}")),
                        false => progress.line(m),
                    };
                    // Never cut short: a signal closes the gate, the writes in
                    // flight finish, the outcome says what was written.
                    let events = Events::new(p.engine.cluster.client.clone(), &p.engine.applyset);
                    if plan.has_changes() {
                        // (A first sync has no parent yet: nothing to tell it on.)
                        let started = format!("syncing {}", revision_label(p.commit.as_ref()));
                        events.publish(Reason::SyncStarted, &started).await;
                    }
                    let outcome = p.engine.sync(&plan, options, &record, &line).await;
                    for (reason, note) in events_of(p.commit.as_ref(), &outcome) {
                        events.publish(reason, &note).await;
                        let event = match reason {
                            Reason::Synced => "synced",
                            Reason::Unhealthy => "unhealthy",
                            Reason::SyncFailed => "failed",
                            // Told by its Event; the sync's result says the rest.
                            _ => continue,
                        };
                        let message = Message::new(
                            event,
                            target.name.as_deref(),
                            p.commit.as_ref(),
                            &p.engine.cluster.server,
                            note,
                        );
                        deliver_all(&target.notify, &message).await;
                    }
                    let outcome = outcome?;
                    let gated = gating.contains(&target.name);
                    let since = health_gate(&mut p.engine, &plan, &outcome, gated, options).await;
                    Ok(Some((Done::Synced(outcome), since)))
                }
                .await;
                if let Some(lock) = lock {
                    lock.release().await;
                }
                result.map(|done| done.map(|(d, since)| (p.commit, d, since)))
            }
        },
        |done| done.as_ref().and_then(|(_, _, since)| *since),
    ));
    drop(progress);
    let (done, failed) = targets::split(results)?;
    let printer = printer.with_failed(&failed);
    let mut outcomes = Vec::new();
    let mut planned = Vec::new();
    for (target, result) in &done {
        match result {
            Some((commit, Done::Synced(o), _)) => outcomes.push((*target, commit, o)),
            Some((commit, Done::Planned(p), _)) => planned.push((target, commit, p)),
            None => {}
        }
    }
    let was_interrupted = *interrupted.borrow();
    if was_interrupted && outcomes.is_empty() {
        writeln!(
            io::stderr().lock(),
            "error: interrupted before anything was written"
        )?;
        return Ok(ExitStatus::Interrupted);
    }

    if !planned.is_empty() || outcomes.is_empty() {
        // Plan errors (nothing was applied for those targets) or --dry-run:
        // print the plan exactly as diff does.
        let reports: Vec<Report> = planned
            .iter()
            .map(|(target, commit, plan)| Report {
                revision: commit.as_ref(),
                base: None,
                target: target.name.as_deref(),
                plan,
            })
            .collect();
        crate::exit::stdout(printer.plans(&reports))?;
        let failed_objects = planned.iter().map(|(_, _, p)| p.problem_count()).sum();
        super::check_planned(failed_objects, "; nothing was applied")?;
        if outcomes.is_empty() && !was_interrupted {
            let status = |(_, _, p): &(_, _, &Plan)| match p.has_changes() {
                true => ExitStatus::Changes,
                false => ExitStatus::Success,
            };
            return targets::worst(planned.iter().map(status), &failed);
        }
    }

    finish::synced(&printer, &outcomes, was_interrupted, &failed, sync)
}

/// For targets that wait for something this run does not sync (a
/// dependency or an earlier rollout step left out of the selection): why
/// they may not sync now, read from those targets' ApplySet parents.
async fn held_outside(
    settings: &Settings,
    render: &RenderSettings,
    selected: &[crate::config::Target],
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let mut held = std::collections::HashMap::new();
    let ordered = selected.iter().any(|t| {
        !t.order.depends_on.is_empty() || t.order.step.as_ref().is_some_and(|s| s.index > 1)
    });
    if !ordered || settings.targets == crate::settings::TargetSelection::All {
        return Ok(held);
    }
    let mut at = settings.clone();
    at.targets = crate::settings::TargetSelection::All;
    let (snapshot, all) = crate::load::resolve(&at, render)?;
    let in_run: Vec<String> = selected.iter().filter_map(|t| t.name.clone()).collect();
    let identity = crate::source::identity(&settings.source.repo);
    for target in selected {
        let Some(name) = &target.name else { continue };
        // The commit this target would sync: its pin's, else the run's.
        let revision = match &target.revision {
            Some(pin) => crate::source::current_revision(&settings.source.repo, Some(pin))?,
            None => match &snapshot.commit {
                Some(c) => c.sha.clone(),
                None => continue,
            },
        };
        let why = crate::fleet::gate::waiting(&all, target, &revision, &in_run, |t| {
            crate::cluster::applyset::name_for(None, &identity, &t.path)
        })
        .await;
        if let Some(why) = why {
            held.insert(name.clone(), why);
        }
    }
    Ok(held)
}

/// Waits until the `readyWhen` of each of `target`'s dependencies synced
/// in this run holds (the run itself saw them synced), polling until the
/// sync's timeout.
async fn ready_in_run(
    selected: &[crate::config::Target],
    target: &crate::config::Target,
    identity: &str,
    timeout: std::time::Duration,
) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + timeout;
    for (name, expr) in &target.order.ready_when {
        let Some(dep) = selected.iter().find(|t| t.name.as_ref() == Some(name)) else {
            continue;
        };
        let applyset = crate::cluster::applyset::name_for(None, identity, &dep.path);
        loop {
            match crate::fleet::gate::ready(dep, expr, &applyset).await {
                Ok(()) => break,
                Err(why) if std::time::Instant::now() >= deadline => anyhow::bail!(
                    "{}: waits for {name}: {why} (gave up after {}s)",
                    super::target_label(target),
                    timeout.as_secs()
                ),
                Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
            }
        }
    }
    Ok(())
}

/// Why `target`'s sync windows keep it from syncing now, if they do.
fn open_now(target: &crate::config::Target) -> Option<String> {
    crate::fleet::window::blocked(&target.windows, k8s_openapi::jiff::Timestamp::now())
}

/// When `target`'s windows next let it sync, as a sentence's end.
fn next_open(target: &crate::config::Target) -> String {
    match crate::fleet::window::next_open(&target.windows, k8s_openapi::jiff::Timestamp::now()) {
        Some(t) => format!(
            "from {}",
            t.round(k8s_openapi::jiff::Unit::Second).unwrap_or(t)
        ),
        None => "not within a year".into(),
    }
}

/// After a sync: whether the target is healthy at the revision, recorded
/// on its parent; `Some(since)` when it is. A target others wait for
/// (`gated`) has every object checked, waiting up to the timeout even
/// with `--no-wait`: the next rollout step or dependent starts on it.
async fn health_gate(
    engine: &mut crate::engine::Engine,
    plan: &Plan,
    outcome: &SyncOutcome,
    gated: bool,
    options: &SyncOptions,
) -> Option<k8s_openapi::jiff::Timestamp> {
    let c = outcome.counts();
    let wrote = c.applied + c.deleted > 0;
    let healthy = if outcome.error.is_some() || c.failed > 0 || c.unhealthy > 0 {
        false
    } else if gated {
        let ids = plan.desired_ids();
        let deadline = std::time::Instant::now() + options.timeout;
        let health = engine.health(&ids, deadline).await;
        health
            .iter()
            .all(|h| h.status == crate::health::Status::Current)
    } else if wrote && options.wait {
        true
    } else {
        // Nothing written, nobody waiting: the parent's record stands.
        return None;
    };
    match engine.record_health(healthy).await {
        Ok(since) => since,
        Err(e) => {
            tracing::warn!(error = %e, "recording health on the ApplySet parent failed");
            // Health is known, even if not recorded.
            healthy.then(k8s_openapi::jiff::Timestamp::now)
        }
    }
}

/// The Events a sync ends with: synced or failed, and unhealthy when the
/// wait found objects unhealthy; each note names the revision.
fn events_of(
    commit: Option<&crate::source::CommitInfo>,
    outcome: &Result<SyncOutcome, crate::engine::EngineError>,
) -> Vec<(Reason, String)> {
    let revision = revision_label(commit);
    match outcome {
        Err(e) => vec![(
            Reason::SyncFailed,
            format!("sync of {revision} failed: {e}"),
        )],
        Ok(o) => {
            let c = o.counts();
            let mut out = Vec::new();
            match &o.error {
                Some(e) => out.push((
                    Reason::SyncFailed,
                    format!("sync of {revision} failed: {e}"),
                )),
                None => out.push((
                    Reason::Synced,
                    format!(
                        "synced {revision}: {} applied, {} deleted, {} unchanged",
                        c.applied, c.deleted, c.unchanged
                    ),
                )),
            }
            for hook in o.hooks.iter().filter(|h| h.result == HookResult::Failed) {
                let why = hook.message.as_deref().unwrap_or("failed");
                out.push((
                    Reason::HookFailed,
                    format!(
                        "{} hook {} {} of {revision} failed: {why}",
                        hook.phase.as_str(),
                        hook.id.kind,
                        hook.id.name
                    ),
                ));
            }
            if c.unhealthy > 0 {
                out.push((
                    Reason::Unhealthy,
                    format!(
                        "{} object(s) not healthy after syncing {revision}",
                        c.unhealthy
                    ),
                ));
            }
            out
        }
    }
}

/// `1a2b3c4d5e6f (subject)`, as Events name a revision.
fn revision_label(commit: Option<&crate::source::CommitInfo>) -> String {
    commit.map_or_else(
        || "the work tree".to_string(),
        |c| format!("{} ({})", &c.sha[..c.sha.len().min(12)], c.subject),
    )
}
