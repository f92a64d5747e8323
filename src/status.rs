//! What each target's cluster runs, from its ApplySet parent's record:
//! the revision last synced, when and from which commit; shared by
//! `drift`, `status` and `promote`.

use anyhow::{Context, bail};
use serde_json::Value;

use crate::config::Target;
use crate::engine::Engine;
use crate::settings::{RenderSettings, Settings, TargetSelection};
use crate::source::Snapshot;

/// `revision` (a `--revision` given), else the revision the ApplySet
/// parent recorded.
pub fn synced_revision(revision: Option<&str>, engine: &Engine) -> anyhow::Result<String> {
    let set = &engine.applyset;
    match (revision, &engine.parent) {
        (Some(rev), _) => Ok(rev.to_string()),
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

/// The repository at `revision` and `target` as gitsync.yaml declared it
/// there (same name and path), read on a blocking thread.
pub async fn target_at(
    settings: &Settings,
    render: &RenderSettings,
    target: &Target,
    revision: &str,
) -> anyhow::Result<(Snapshot, Target)> {
    let mut at = settings.clone();
    at.source.revision = Some(revision.to_string());
    if let Some(name) = &target.name {
        at.targets = TargetSelection::Named(vec![name.clone()]);
    }
    let (render, wanted, rev) = (render.clone(), target.clone(), revision.to_string());
    tokio::task::spawn_blocking(move || {
        let (snapshot, targets) = crate::load::resolve(&at, &render)
            .with_context(|| format!("reading the repository at the last synced revision {rev}"))?;
        let Some(t) = targets
            .into_iter()
            .find(|t| t.name == wanted.name && t.path == wanted.path)
        else {
            bail!("target {:?} did not exist at revision {rev}", wanted.name);
        };
        Ok((snapshot, t))
    })
    .await
    .context("the source task failed")?
}
