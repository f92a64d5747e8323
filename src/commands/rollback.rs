//! `gitsync rollback TARGET [--to REV]`: a commit that pins the target to
//! the revision it last ran healthy (its ApplySet parent records it), or
//! to REV. The edit and the commit are `promote`'s (`crate::promote`).

use std::io::Write;

use anyhow::{Context, bail};

use crate::engine::LAST_HEALTHY;
use crate::exit::ExitStatus;
use crate::notify::events::{Events, Reason};
use crate::promote::{dry_run_text, local_to_edit, set_revision};
use crate::settings::{RenderSettings, RollbackSettings, Settings, TargetSelection};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    r: &RollbackSettings,
) -> anyhow::Result<ExitStatus> {
    let repo = &settings.source.repo;
    let local = local_to_edit(repo, settings.source.revision.as_deref(), "rollback")?;
    let key = r
        .signing_key
        .as_deref()
        .map(crate::signing::SigningKey::load)
        .transpose()?;
    let text = local.committed_text()?;
    let mut at = settings.clone();
    at.targets = TargetSelection::Named(vec![r.target.clone()]);
    let (_, targets) = crate::load::resolve(&at, render)?;
    let target = &targets[0];

    let runtime = super::runtime()?;
    let engine = runtime.block_on(async {
        let engine = super::connect(settings, target, r.name.as_deref(), 4).await?;
        super::check_origin(settings, target, &engine, false)?;
        anyhow::Ok(engine)
    })?;
    let record = engine.parent.as_ref().map(|p| &p.record);
    let get = |k: &str| record.and_then(|m| m.get(k)).and_then(|v| v.as_str());
    let running = get("revision").map(str::to_string);
    let (revision, why) = match &r.to {
        Some(rev) => {
            let (repo, rev2) = (repo.clone(), rev.clone());
            let sha = crate::source::current_revision(&repo, Some(&rev2))
                .with_context(|| format!("resolving --to {rev}"))?;
            (sha, format!("--to {rev}"))
        }
        None => match get(LAST_HEALTHY) {
            Some(sha) => (
                sha.to_string(),
                "the revision it last ran healthy".to_string(),
            ),
            None => bail!(
                "{}'s ApplySet records no healthy revision (it never finished a sync healthy): pass --to REV",
                r.target
            ),
        },
    };
    let short = &revision[..revision.len().min(12)];
    let mut out = std::io::stdout().lock();
    if target.revision.as_deref() == Some(revision.as_str()) {
        writeln!(
            out,
            "{} is already pinned to {short}: nothing to roll back",
            r.target
        )?;
        return Ok(ExitStatus::Success);
    }
    let new = set_revision(&text, &r.target, &revision)?;
    let from = running
        .as_deref()
        .map_or("nothing recorded", |s| &s[..s.len().min(12)]);
    let message = format!(
        "Roll back {} to {short}\n\n{} runs {from}; pinned to {short}, {why}.\nRemove the pin to follow the branch again.\n",
        r.target, r.target,
    );
    if r.dry_run {
        writeln!(out, "{}", dry_run_text(&text, &new, &message))?;
        return Ok(ExitStatus::Success);
    }
    let commit = local.commit(&new, &message, key.as_ref())?;
    let commit = &commit[..commit.len().min(12)];
    let events = Events::new(engine.cluster.client.clone(), &engine.applyset);
    let note = format!("{} pinned back to {short} by commit {commit}", r.target);
    runtime.block_on(events.publish(Reason::RolledBack, &note));
    writeln!(out, "rolled back {} to {short}: commit {commit}", r.target)?;
    Ok(ExitStatus::Success)
}
