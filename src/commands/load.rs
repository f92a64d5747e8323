//! Source → Render → DesiredSet, shared by every command that needs the
//! desired objects.

use anyhow::Context;

use crate::config::{ConfigFile, Target, resolve_targets};
use crate::desired::DesiredSet;
use crate::render::{RenderRequest, render};
use crate::settings::{RenderSettings, Settings};
use crate::source::{self, Snapshot};

/// The repository at the chosen revision and each target's desired set.
pub struct Loaded {
    pub snapshot: Snapshot,
    pub targets: Vec<(Target, DesiredSet)>,
}

pub fn load(settings: &Settings, render_settings: &RenderSettings) -> anyhow::Result<Loaded> {
    let snapshot =
        source::load(&settings.source, &source::default_cache_dir()).with_context(|| {
            format!(
                "loading repository {}",
                source::redact_url(&settings.source.repo)
            )
        })?;
    if let Some(commit) = &snapshot.commit {
        tracing::info!(sha = %commit.sha, subject = %commit.subject, work_tree = snapshot.work_tree, "source");
    }
    let config = ConfigFile::load(&snapshot.root)?;
    let targets = resolve_targets(
        config.as_ref(),
        &settings.targets,
        &settings.source,
        &settings.cluster,
        render_settings,
    )?;
    let mut out = Vec::with_capacity(targets.len());
    for target in targets {
        let req = RenderRequest {
            root: snapshot.root.clone(),
            path: target.path.clone(),
            namespace: target.namespace.clone(),
            values: target.values.clone(),
            release_name: target.release_name.clone(),
            limits: render_settings.limits(),
        };
        let what = match &target.name {
            Some(name) => format!("target {name}"),
            None => crate::render::display_rel(&target.path),
        };
        let rendered = render(&req).with_context(|| format!("rendering {what}"))?;
        let set =
            DesiredSet::from_rendered(rendered).with_context(|| format!("validating {what}"))?;
        tracing::info!(target = %what, objects = set.objects.len(), "rendered");
        out.push((target, set));
    }
    Ok(Loaded {
        snapshot,
        targets: out,
    })
}
