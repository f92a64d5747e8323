//! Source → Render → DesiredSet, shared by every command that needs the
//! desired objects.

use anyhow::Context;

use crate::config::{ConfigFile, Target, resolve_targets};
use crate::desired::DesiredSet;
use crate::render::{Capabilities, RenderRequest, render};
use crate::settings::{RenderSettings, Settings, VerifyMode};
use crate::source::{self, Snapshot};

/// Whether loading failed because of what the commit says (its manifests
/// do not render or validate, its gitsync.yaml is invalid, it lacks the
/// path): the same commit fails the same way every time. Anything else (a
/// fetch, a renderer that is missing, fails or times out, an I/O error)
/// may pass, so `watch` tries the same commit again.
pub fn is_content_error(err: &anyhow::Error) -> bool {
    use crate::config::ConfigError;
    use crate::render::{Problems, RenderError};
    use crate::source::SourceError;
    err.chain().any(|cause| {
        cause.is::<Problems>()
            || matches!(cause.downcast_ref(), Some(RenderError::Invalid(_)))
            || cause
                .downcast_ref::<ConfigError>()
                .is_some_and(|e| !matches!(e, ConfigError::Io { .. }))
            || matches!(
                cause.downcast_ref(),
                Some(
                    SourceError::SubdirMissing { .. }
                        | SourceError::Signature { .. }
                        | SourceError::NoTrustedKeys { .. }
                )
            )
    })
}

/// Whether the revision was refused for its signatures (a content error
/// too: the same commit is refused every time).
pub fn is_signature_error(err: &anyhow::Error) -> bool {
    use crate::source::SourceError;
    err.chain().any(|cause| {
        matches!(
            cause.downcast_ref(),
            Some(SourceError::Signature { .. } | SourceError::NoTrustedKeys { .. })
        )
    })
}

/// The repository at the chosen revision and the targets it declares for
/// this run (nothing rendered yet).
pub fn resolve(
    settings: &Settings,
    render_settings: &RenderSettings,
) -> anyhow::Result<(Snapshot, Vec<Target>)> {
    let snapshot = snapshot(settings)?;
    if let Some(commit) = &snapshot.commit {
        tracing::info!(sha = %commit.sha, subject = %commit.subject, work_tree = snapshot.work_tree,
            signed_by = snapshot.signed_by.as_deref().unwrap_or("-"), "source");
    }
    let config = ConfigFile::load(&snapshot.root)?;
    let targets = resolve_targets(
        config.as_ref(),
        &settings.targets,
        &settings.source,
        &settings.cluster,
        render_settings,
    )?;
    // Pinned targets are checked on their own revision (`Sources`).
    let on_main = targets
        .iter()
        .filter(|t| t.revision.is_none() || t.revision == settings.source.revision);
    require_target_signatures(&settings.source, &snapshot, on_main)?;
    Ok((snapshot, targets))
}

/// The repository at the command's revision (`--repo`, `--revision`).
pub fn snapshot(settings: &Settings) -> anyhow::Result<Snapshot> {
    source::load(&settings.source, &source::default_cache_dir()).with_context(|| {
        format!(
            "loading repository {}",
            source::redact_url(&settings.source.repo)
        )
    })
}

/// gitsync.yaml may ask more of a target's signatures than the flags do
/// (never less: the flags' mode was checked when the source was read).
/// `source` is how `snapshot` was read; `targets` are those rendered from it.
fn require_target_signatures<'a>(
    source: &crate::settings::SourceSettings,
    snapshot: &Snapshot,
    targets: impl IntoIterator<Item = &'a Target>,
) -> anyhow::Result<()> {
    let flags = source.verify.as_ref().and_then(|v| v.mode);
    for target in targets {
        let Some(mode) = VerifyMode::stricter(flags, target.verify_mode) else {
            continue;
        };
        if Some(mode) == flags {
            continue;
        }
        let requester = format!(
            "gitsync.yaml target {:?}",
            target.name.as_deref().unwrap_or_default()
        );
        source::require_signatures(snapshot, source, mode, &requester)
            .with_context(|| format!("loading repository {}", snapshot.origin))?;
    }
    Ok(())
}

/// The repository at the command's revision and at every revision a
/// selected target is pinned to: one load per distinct revision, always
/// through `source::load` (so whatever it checks, every pin gets).
pub struct Sources {
    pub main: Snapshot,
    pinned: std::collections::BTreeMap<String, Snapshot>,
}

impl Sources {
    /// Loads the pins of `targets` beside `main` (the snapshot gitsync.yaml
    /// was read from). A pin equal to the command's `--revision` reuses it.
    pub fn load(
        settings: &Settings,
        main: Snapshot,
        targets: &[Target],
    ) -> anyhow::Result<Sources> {
        let mut pinned = std::collections::BTreeMap::new();
        for target in targets {
            let Some(rev) = &target.revision else {
                continue;
            };
            if settings.source.revision.as_ref() == Some(rev) || pinned.contains_key(rev) {
                continue;
            }
            let at = crate::settings::SourceSettings {
                revision: Some(rev.clone()),
                ..settings.source.clone()
            };
            let snapshot = source::load(&at, &source::default_cache_dir()).with_context(|| {
                format!(
                    "loading revision {rev} of repository {} (target {})",
                    source::redact_url(&settings.source.repo),
                    target.name.as_deref().unwrap_or_default()
                )
            })?;
            let pinned_here = targets.iter().filter(|t| t.revision.as_ref() == Some(rev));
            require_target_signatures(&at, &snapshot, pinned_here)?;
            pinned.insert(rev.clone(), snapshot);
        }
        Ok(Sources { main, pinned })
    }

    /// The snapshot `target` is rendered from.
    pub fn of(&self, target: &Target) -> &Snapshot {
        target
            .revision
            .as_ref()
            .and_then(|r| self.pinned.get(r))
            .unwrap_or(&self.main)
    }
}

/// Renders and validates one target, for the cluster `capabilities`
/// describe (helm charts ask; other renderers do not).
pub fn render_target(
    snapshot: &Snapshot,
    target: &Target,
    render_settings: &RenderSettings,
    capabilities: Option<Capabilities>,
) -> anyhow::Result<DesiredSet> {
    render_at(&snapshot.root, target, render_settings, capabilities)
}

/// [`render_target`] for the files under `root` (owned inputs, so that it
/// can run on a blocking thread beside other targets).
pub fn render_at(
    root: &std::path::Path,
    target: &Target,
    render_settings: &RenderSettings,
    capabilities: Option<Capabilities>,
) -> anyhow::Result<DesiredSet> {
    let req = request(root, target, render_settings, capabilities);
    let what = match &target.name {
        Some(name) => format!("target {name}"),
        None => crate::render::display_rel(&target.path),
    };
    let (rendered, _) =
        render_substituted(&req, target).with_context(|| format!("rendering {what}"))?;
    let set = DesiredSet::from_rendered(rendered).with_context(|| format!("validating {what}"))?;
    for n in &set.not_applied {
        tracing::info!(object = %n.id.label(&n.api_version), source = %n.origin, "not applied: {}", n.why);
    }
    tracing::info!(target = %what, objects = set.objects.len(), hooks = set.hooks.len(), "rendered");
    Ok(set)
}

/// The request rendered, and the target's `${name}` variables substituted
/// (with where each was used); an unset one is a content error.
pub fn render_substituted(
    req: &RenderRequest,
    target: &Target,
) -> anyhow::Result<(crate::render::Rendered, Vec<crate::vars::Use>)> {
    let mut rendered = render(req)?;
    let uses = crate::vars::substitute(&mut rendered.documents, &target.vars)
        .map_err(|p| crate::render::RenderError::Invalid(crate::render::Problems(p)))?;
    Ok((rendered, uses))
}

/// The request for `target` under `root`, as every command renders it.
pub fn request(
    root: &std::path::Path,
    target: &Target,
    render_settings: &RenderSettings,
    capabilities: Option<Capabilities>,
) -> RenderRequest {
    RenderRequest {
        root: root.to_path_buf(),
        path: target.path.clone(),
        namespace: target.namespace.clone(),
        values: target.values.clone(),
        release_name: target.release_name.clone(),
        capabilities,
        limits: render_settings.limits(),
        sops: render_settings.sops.clone(),
    }
}

/// [`render_at`] on a blocking thread, so that other targets go on
/// meanwhile; `facts` are the cluster's, for helm.
pub async fn render_blocking(
    root: &std::path::Path,
    target: &Target,
    render: &RenderSettings,
    facts: Option<Capabilities>,
) -> anyhow::Result<DesiredSet> {
    let (root, target, render) = (root.to_path_buf(), target.clone(), render.clone());
    tokio::task::spawn_blocking(move || {
        let caps = render.capabilities(facts);
        render_at(&root, &target, &render, caps)
    })
    .await
    .context("the render task failed")?
}

/// Every selected target rendered at its own revision (its pin, else the
/// command's): for no cluster (`cluster` None) what `render` prints; for
/// the cluster `cluster` describes, what `watch` syncs.
pub fn load_pinned(
    settings: &Settings,
    render_settings: &RenderSettings,
    cluster: Option<Capabilities>,
) -> anyhow::Result<(Sources, Vec<(Target, DesiredSet)>)> {
    let (snapshot, targets) = resolve(settings, render_settings)?;
    let sources = Sources::load(settings, snapshot, &targets)?;
    let mut out = Vec::with_capacity(targets.len());
    for target in targets {
        let caps = render_settings.capabilities(cluster.clone());
        let set = render_target(sources.of(&target), &target, render_settings, caps)?;
        out.push((target, set));
    }
    Ok((sources, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Origin, Problem, Problems, RenderError};

    #[test]
    fn content_errors_are_told_from_passing_ones() {
        let problems = Problems(vec![Problem {
            origin: Origin::file("app.yaml"),
            message: "metadata.name is missing".into(),
        }]);
        let invalid = anyhow::Error::from(problems.clone()).context("validating target prod");
        assert!(is_content_error(&invalid));
        let rendered = anyhow::Error::from(RenderError::Invalid(problems)).context("rendering");
        assert!(is_content_error(&rendered));
        let failed = anyhow::Error::from(RenderError::RendererFailed {
            dir: "app".into(),
            command: "kustomize build app".into(),
            status: "1".into(),
            stderr: "dial tcp: i/o timeout".into(),
        })
        .context("rendering target prod");
        assert!(!is_content_error(&failed));
        let fetch = anyhow::anyhow!("could not fetch file:///r").context("loading repository");
        assert!(!is_content_error(&fetch));
        // A SOPS file no key opens: the key may be given later.
        let no_key = anyhow::Error::from(RenderError::SopsKey(Problems(vec![Problem {
            origin: Origin::file("secret.yaml"),
            message: "encrypted with SOPS, but no key given opens it".into(),
        }])))
        .context("rendering target prod");
        assert!(!is_content_error(&no_key));
    }
}
