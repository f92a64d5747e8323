//! `gitsync promote --from staging --to prod`: the revision staging last
//! synced becomes prod's `revision:` in gitsync.yaml, as a commit, once
//! staging is healthy, drift-free and soaked. The rules and the Git work
//! live in `crate::promote`.

use crate::notify::events::{Events, Reason};
use std::io::Write;

use anyhow::{Context, bail};

use crate::exit::ExitStatus;
use crate::promote::{dry_run_text, local_to_edit, refusal, set_revision};
use crate::settings::{PromoteSettings, RenderSettings, Settings, TargetSelection};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    p: &PromoteSettings,
) -> anyhow::Result<ExitStatus> {
    if p.from == p.to {
        bail!("--from and --to name the same target {:?}", p.from);
    }
    // A bad key is refused before anything else is read.
    let key = p
        .signing_key
        .as_deref()
        .map(crate::signing::SigningKey::load)
        .transpose()?;
    // Uncommitted edits are refused before any cluster is asked.
    let local = local_to_edit(
        &settings.source.repo,
        settings.source.revision.as_deref(),
        "promote",
    )?;
    let text = local.committed_text()?;
    let mut at = settings.clone();
    at.targets = TargetSelection::Named(vec![p.from.clone(), p.to.clone()]);
    let (_, targets) = crate::load::resolve(&at, render)?;
    let (from, to) = (&targets[0], &targets[1]);
    // A promotion is a sync of --to waiting to happen: its windows apply.
    let closed = crate::fleet::window::blocked(&to.windows, k8s_openapi::jiff::Timestamp::now());
    if let Some(why) = &closed
        && !p.override_window
    {
        bail!(
            "not promoting to {}: {why}; pass --override-window to promote anyway",
            p.to
        );
    }

    let runtime = super::runtime()?;
    let (engine, status) = runtime.block_on(async {
        let engine = super::connect(settings, from, p.name.as_deref(), 16).await?;
        super::check_origin(settings, from, &engine, false)?;
        let status = crate::status::target_status(settings, render, &engine, from)
            .await
            .with_context(|| super::target_label(from))?;
        anyhow::Ok((engine, status))
    })?;
    if let Some(why) = refusal(&status, p.soak) {
        bail!("not promoting {} to {}: {why}", p.from, p.to);
    }
    let synced = status.synced.unwrap_or_default();
    let revision = synced.revision.unwrap_or_default();
    let short = &revision[..revision.len().min(12)];
    let mut out = std::io::stdout().lock();
    if to.revision.as_deref() == Some(revision.as_str()) {
        writeln!(out, "{} is already at {short}: nothing to promote", p.to)?;
        return Ok(ExitStatus::Success);
    }
    let new = set_revision(&text, &p.to, &revision)?;
    let subject = synced.subject.unwrap_or_default();
    let mut message = format!(
        "Promote {short} from {} to {}\n\n{short} ({subject}) was synced to {} at {}, healthy and without drift.\n",
        p.from,
        p.to,
        p.from,
        synced.synced_at.as_deref().unwrap_or("an unknown time"),
    );
    if let Some(why) = closed {
        message.push_str(&format!("Sync window overridden: {why}.\n"));
    }
    if p.dry_run {
        writeln!(out, "{}", dry_run_text(&text, &new, &message))?;
        return Ok(ExitStatus::Success);
    }
    let commit = local.commit(&new, &message, key.as_ref())?;
    // Told where the promoted revision was proven: on the source's parent.
    let note = format!(
        "{short} promoted from {} to {} by commit {}",
        p.from,
        p.to,
        &commit[..commit.len().min(12)]
    );
    let events = Events::new(engine.cluster.client.clone(), &engine.applyset);
    runtime.block_on(events.publish(Reason::Promoted, &note));
    writeln!(
        out,
        "promoted {short} from {} to {}: commit {}",
        p.from,
        p.to,
        &commit[..commit.len().min(12)]
    )?;
    Ok(ExitStatus::Success)
}
