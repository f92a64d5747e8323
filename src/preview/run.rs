//! What the preview commands and `watch --previews` do: open or update
//! one preview (`up`), close one (`down`), say what is open and what the
//! remote's refs ask for (`list`), and bring the cluster in line with the
//! refs (`reconcile`).
//!
//! The `previews:` entries and their targets are read at the command's
//! revision (the base branch); only the manifests come from the ref's
//! commit. SOPS values are never decrypted for a preview: a pull
//! request's templates could carry them out.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use super::namespace::{self, Open, Synced};
use super::{APPLYSET_NAME, Instance, PreviewConfig, PreviewError};
use crate::config::{ConfigFile, Target, resolve_targets};
use crate::desired::DesiredSet;
use crate::engine::{Closed, Engine, PlanOptions, Record, SyncOptions, SyncOutcome};
use crate::render::{Problems, RenderError};
use crate::settings::{RenderSettings, Settings, SourceSettings, TargetSelection};
use crate::source::{self, CommitInfo, Snapshot};

/// How `up` syncs.
#[derive(Debug, Clone, Copy)]
pub struct UpOptions {
    pub wait: bool,
    pub timeout: Duration,
    pub lock_timeout: Duration,
    pub concurrency: usize,
}

/// The repository at the command's revision: its previews and targets.
pub struct Base {
    pub snapshot: Snapshot,
    pub config: ConfigFile,
}

impl Base {
    pub fn load(settings: &Settings) -> anyhow::Result<Base> {
        let snapshot = crate::load::snapshot(settings)?;
        let config = ConfigFile::load(&snapshot.root)?
            .ok_or(crate::config::ConfigError::NoConfig)
            .context("previews are declared in gitsync.yaml")?;
        Ok(Base { snapshot, config })
    }

    pub fn entries(&self) -> Vec<PreviewConfig> {
        self.config
            .previews
            .iter()
            .map(|p| p.value.clone())
            .collect()
    }

    /// The target an entry renders, with the flags applied as for any.
    fn target(
        &self,
        settings: &Settings,
        render: &RenderSettings,
        name: &str,
    ) -> anyhow::Result<Target> {
        let mut targets = resolve_targets(
            Some(&self.config),
            &TargetSelection::Named(vec![name.to_string()]),
            &settings.source,
            &settings.cluster,
            render,
        )?;
        Ok(targets.remove(0))
    }
}

/// What one `up` did.
pub struct Upped {
    pub open: Open,
    pub outcome: SyncOutcome,
    pub commit: Option<CommitInfo>,
}

/// Opens the preview of `reference`, or brings it to the ref's commit.
pub async fn up(
    settings: &Settings,
    render: &RenderSettings,
    base: &Base,
    reference: &str,
    opts: UpOptions,
) -> anyhow::Result<Upped> {
    let instance = Instance::find(&base.entries(), reference)?;
    let base_target = base.target(settings, render, &instance.entry.target)?;
    let snapshot = load_ref(settings, &instance, &base_target).await?;
    let commit = snapshot.commit.clone();
    if let Some(c) = &commit
        && instance.expired(&c.time, now())
    {
        return Err(PreviewError::Expired {
            reference: reference.to_string(),
            sha: short(&c.sha).to_string(),
            time: c.time.clone(),
            ttl: instance.entry.ttl.clone().unwrap_or_default(),
        }
        .into());
    }
    let target = instance.target(&base_target, commit.as_ref());
    let identity = source::identity(&settings.source.repo);
    let mut engine = Engine::connect(&target, APPLYSET_NAME, opts.concurrency)
        .await
        .with_context(|| format!("preview {}", instance.namespace))?;
    let set = render_preview(&snapshot, &target, &instance, render, &engine).await?;
    let problems = instance.isolation(&set, &engine.cluster);
    if !problems.is_empty() {
        return Err(anyhow::Error::from(RenderError::Invalid(Problems(
            problems,
        ))))
        .with_context(|| format!("preview {} ({reference})", instance.namespace));
    }
    if let Some(max) = instance.entry.max {
        let open = namespace::list(&engine.cluster, &identity)
            .await?
            .into_iter()
            .filter(|o| o.entry == instance.entry.name && !o.closing)
            .filter(|o| o.namespace != instance.namespace)
            .count();
        if open >= max {
            return Err(PreviewError::Full {
                entry: instance.entry.name.clone(),
                reference: reference.to_string(),
                open,
                max,
            }
            .into());
        }
    }
    namespace::open(&engine.cluster, &instance, &identity, &engine.applyset.id).await?;
    let lock = engine.lock(opts.lock_timeout).await?;
    let synced = async {
        let identity = identity.clone();
        let path = crate::render::display_rel(&target.path);
        engine.check_origin(&identity, &path, false)?;
        let plan_opts = PlanOptions {
            prune: true,
            ..Default::default()
        };
        let plan = engine.plan(&set, plan_opts).await?;
        if !plan.errors.is_empty() {
            let errors: Vec<String> = plan
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.id.label(&e.api_version), e.message))
                .collect();
            anyhow::bail!("objects could not be planned: {}", errors.join("; "));
        }
        let record = Record {
            commit: commit.as_ref(),
            repository: identity,
            path,
            signed_by: snapshot.signed_by.as_deref(),
            window_override: None,
        };
        let options = SyncOptions {
            allow_empty: true,
            wait: opts.wait,
            timeout: opts.timeout,
            force_conflicts: false,
            wait_for_jobs: false,
        };
        let outcome = engine.sync(&plan, &options, &record, &|_| {}).await?;
        let health = if outcome.error.is_some() {
            "Failed"
        } else if outcome.counts().unhealthy > 0 {
            "Unhealthy"
        } else {
            "Healthy"
        };
        let synced = Synced {
            sha: commit.as_ref().map(|c| c.sha.clone()).unwrap_or_default(),
            commit_time: commit.as_ref().map(|c| c.time.clone()).unwrap_or_default(),
            health: health.to_string(),
        };
        // Recorded under the write Lease, as the sync itself was.
        let id = engine.applyset.id.clone();
        namespace::record(&engine.cluster, &instance, &record.repository, &id, &synced).await?;
        anyhow::Ok((outcome, synced))
    }
    .await;
    lock.release().await;
    let (outcome, synced) =
        synced.with_context(|| format!("preview {} ({reference})", instance.namespace))?;
    Ok(Upped {
        open: Open {
            namespace: instance.namespace.clone(),
            entry: instance.entry.name.clone(),
            reference: reference.to_string(),
            repository: identity,
            synced: Some(synced),
            url: instance.url(),
            closing: false,
        },
        outcome,
        commit,
    })
}

/// The repository at the preview's ref, with the entry's signature mode
/// (or the flags' and the target's).
async fn load_ref(
    settings: &Settings,
    instance: &Instance,
    target: &Target,
) -> anyhow::Result<Snapshot> {
    let mut at = SourceSettings {
        revision: Some(instance.reference.clone()),
        ..settings.source.clone()
    };
    let entry_mode = instance.entry.verify_signatures.map(|v| v.mode.mode());
    if let Some(mode) = entry_mode {
        match (&mut at.verify, mode) {
            (Some(v), _) => v.mode = mode,
            (None, None) => {}
            (None, Some(m)) => anyhow::bail!(
                "preview {:?} asks for {} signatures, but no --trusted-keys were given",
                instance.entry.name,
                m.as_str()
            ),
        }
    }
    let target_mode = target.verify_mode.filter(|_| entry_mode.is_none());
    let shown = source::redact_url(&settings.source.repo);
    let reference = instance.reference.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = source::load(&at, &source::default_cache_dir())
            .with_context(|| format!("loading {reference} of repository {shown}"))?;
        if let Some(mode) = target_mode {
            source::require_signatures(&snapshot, &at, mode, "gitsync.yaml (the preview's target)")
                .with_context(|| format!("loading {reference} of repository {shown}"))?;
        }
        anyhow::Ok(snapshot)
    })
    .await
    .context("the load task failed")?
}

/// Renders the preview's target at its ref, with its variables, adds the
/// entry's quota and limits, and validates. Never decrypts.
async fn render_preview(
    snapshot: &Snapshot,
    target: &Target,
    instance: &Instance,
    render: &RenderSettings,
    engine: &Engine,
) -> anyhow::Result<DesiredSet> {
    let facts = match crate::render::uses_helm(&snapshot.root, &target.path) {
        true => Some(engine.cluster.capabilities().await?),
        false => None,
    };
    let render = RenderSettings {
        sops: Arc::new(crate::render::sops::Keys::without_decryption()),
        ..render.clone()
    };
    let (root, target, extra) = (snapshot.root.clone(), target.clone(), instance.documents());
    let what = format!("preview {}", instance.namespace);
    tokio::task::spawn_blocking(move || {
        let caps = render.capabilities(facts);
        let req = crate::load::request(&root, &target, &render, caps);
        let (mut rendered, _) = crate::load::render_substituted(&req, &target)
            .with_context(|| format!("rendering {what}"))?;
        rendered.documents.extend(extra);
        DesiredSet::from_rendered(rendered).with_context(|| format!("validating {what}"))
    })
    .await
    .context("the render task failed")?
}

/// Closes the preview of `reference`: its objects, then its namespace.
pub async fn down(
    settings: &Settings,
    render: &RenderSettings,
    base: &Base,
    reference: &str,
    lock_timeout: Duration,
) -> anyhow::Result<(Instance, Closed)> {
    let instance = Instance::find(&base.entries(), reference)?;
    let base_target = base.target(settings, render, &instance.entry.target)?;
    let identity = source::identity(&settings.source.repo);
    let closed = close(&instance, &base_target, &identity, lock_timeout).await?;
    Ok((instance, closed))
}

/// Closes one preview of `repository` (a namespace of the same name that
/// is another repository's preview is left alone: it is not listed).
async fn close(
    instance: &Instance,
    base_target: &Target,
    repository: &str,
    lock_timeout: Duration,
) -> anyhow::Result<Closed> {
    let target = instance.target(base_target, None);
    let mut engine = Engine::connect(&target, APPLYSET_NAME, 16)
        .await
        .with_context(|| format!("preview {}", instance.namespace))?;
    let present = namespace::list(&engine.cluster, repository)
        .await?
        .into_iter()
        .any(|o| o.namespace == instance.namespace && !o.closing);
    if !present {
        return Ok(Closed::Gone);
    }
    let lock = engine.lock(lock_timeout).await?;
    let path = crate::render::display_rel(&target.path);
    let closed = match engine.check_origin(repository, &path, false) {
        Ok(()) => engine.close_preview().await,
        Err(e) => Err(e),
    };
    lock.release().await;
    closed.with_context(|| format!("closing preview {}", instance.namespace))
}

/// One preview as `list` shows it: what the remote's ref asks for beside
/// what the cluster holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    pub entry: String,
    pub reference: String,
    pub namespace: String,
    /// The ref's commit now (`None`: the ref is gone).
    pub head: Option<String>,
    /// `open`, `outdated` (the ref moved), `closing`, `pending` (not open
    /// yet), `orphaned` (open, its ref gone).
    pub state: &'static str,
    /// What the preview runs (absent until its first sync).
    #[serde(flatten)]
    pub synced: Option<Synced>,
    pub url: Option<String>,
}

impl Listed {
    pub fn new(namespace: String, head: Option<String>, state: &'static str, open: Open) -> Listed {
        Listed {
            entry: open.entry,
            reference: open.reference,
            namespace,
            head,
            state,
            synced: open.synced,
            url: open.url,
        }
    }
}

/// Every preview the refs ask for and every one open, for each entry.
pub async fn list(
    settings: &Settings,
    render: &RenderSettings,
    base: &Base,
) -> anyhow::Result<Vec<Listed>> {
    let identity = source::identity(&settings.source.repo);
    let mut out = Vec::new();
    for entry in base.entries() {
        let base_target = base.target(settings, render, &entry.target)?;
        let refs = list_refs(&settings.source.repo, &entry).await?;
        let open = opened(&base_target, &identity, &entry, true).await?;
        for (reference, sha) in &refs {
            let Some(instance) = Instance::new(&entry, reference)? else {
                continue;
            };
            let o = open.get(reference).cloned();
            let state = match &o {
                Some(o) if o.closing => "closing",
                Some(o) if o.synced.as_ref().is_some_and(|s| &s.sha == sha) => "open",
                Some(_) => "outdated",
                None => "pending",
            };
            out.push(match o {
                Some(o) => Listed::new(instance.namespace, Some(sha.clone()), state, o),
                None => Listed {
                    entry: entry.name.clone(),
                    reference: reference.clone(),
                    namespace: instance.namespace.clone(),
                    head: Some(sha.clone()),
                    state,
                    synced: None,
                    url: instance.url(),
                },
            });
        }
        for (reference, o) in open {
            if refs.iter().all(|(r, _)| *r != reference) {
                let state = if o.closing { "closing" } else { "orphaned" };
                out.push(Listed::new(o.namespace.clone(), None, state, o));
            }
        }
    }
    Ok(out)
}

/// The refs of the remote (or local repository) an entry's glob matches.
async fn list_refs(repo: &str, entry: &PreviewConfig) -> anyhow::Result<Vec<(String, String)>> {
    let (repo, prefix) = (repo.to_string(), entry.prefix().to_string());
    let refs = tokio::task::spawn_blocking(move || source::list_refs(&repo, &prefix))
        .await
        .context("the ref listing task failed")??;
    Ok(refs
        .into_iter()
        .filter(|(r, _)| entry.capture(r).is_some())
        .collect())
}

/// What one reconcile did, for logs and tests.
#[derive(Debug, Default)]
pub struct Reconciled {
    pub opened: Vec<String>,
    pub closed: Vec<String>,
    pub failed: Vec<String>,
}

/// Commits known to be past their TTL, so that a closed preview is not
/// fetched again every interval: (ref, sha).
#[derive(Debug, Default)]
pub struct Expired(std::collections::HashSet<(String, String)>);

/// Brings the previews in line with the refs: opens or updates a preview
/// for every matching ref (within the entry's `max`, in ref-name order),
/// closes those whose ref is gone or whose commit is past the TTL. A
/// preview that fails is logged and tried again next time; it does not
/// stop the others.
pub async fn reconcile(
    settings: &Settings,
    render: &RenderSettings,
    opts: UpOptions,
    expired: &mut Expired,
) -> anyhow::Result<Reconciled> {
    let s = settings.clone();
    let base = tokio::task::spawn_blocking(move || Base::load(&s))
        .await
        .context("the load task failed")??;
    let identity = source::identity(&settings.source.repo);
    let mut done = Reconciled::default();
    for entry in base.entries() {
        let base_target = base.target(settings, render, &entry.target)?;
        let refs = list_refs(&settings.source.repo, &entry).await?;
        let open = opened(&base_target, &identity, &entry, false).await?;
        let now = now();
        // Gone, or past the TTL: closed first, so their slots free up.
        for (reference, o) in &open {
            let head = refs.iter().find(|(r, _)| r == reference).map(|(_, s)| s);
            let instance = match Instance::new(&entry, reference) {
                Ok(Some(i)) => i,
                _ => continue,
            };
            let stale = o
                .synced
                .as_ref()
                .is_some_and(|s| Some(&s.sha) == head && instance.expired(&s.commit_time, now));
            if head.is_none() || stale {
                if stale && let Some(h) = head {
                    expired.0.insert((reference.clone(), h.clone()));
                }
                match close(&instance, &base_target, &identity, opts.lock_timeout).await {
                    Ok(_) => {
                        tracing::info!(preview = %o.namespace, reference = %reference,
                            why = if stale { "ttl" } else { "ref gone" }, "preview closed");
                        done.closed.push(o.namespace.clone());
                    }
                    Err(e) => {
                        tracing::warn!(preview = %o.namespace, error = %format!("{e:#}"), "closing a preview failed");
                        done.failed.push(o.namespace.clone());
                    }
                }
            }
        }
        for (reference, sha) in &refs {
            let synced = open.get(reference).and_then(|o| o.synced.as_ref());
            if synced.is_some_and(|s| &s.sha == sha)
                || expired.0.contains(&(reference.clone(), sha.clone()))
            {
                continue;
            }
            match up(settings, render, &base, reference, opts).await {
                Ok(u) => {
                    tracing::info!(preview = %u.open.namespace, reference = %reference, sha = %short(sha),
                        health = %u.open.synced.as_ref().map(|s| s.health.as_str()).unwrap_or("-"), "preview up");
                    done.opened.push(u.open.namespace);
                }
                Err(e) => match e.downcast_ref::<PreviewError>() {
                    Some(PreviewError::Full { .. }) => {
                        tracing::info!(reference = %reference, "{e}")
                    }
                    Some(PreviewError::Expired { .. }) => {
                        expired.0.insert((reference.clone(), sha.clone()));
                    }
                    _ => {
                        tracing::warn!(reference = %reference, error = %format!("{e:#}"), "a preview failed");
                        done.failed.push(reference.clone());
                    }
                },
            }
        }
    }
    Ok(done)
}

/// The previews of `entry` open on its target's cluster, by ref (those
/// being deleted too with `closing`).
async fn opened(
    target: &Target,
    repository: &str,
    entry: &PreviewConfig,
    closing: bool,
) -> anyhow::Result<BTreeMap<String, Open>> {
    let cluster = crate::cluster::Cluster::connect(&crate::cluster::ConnectOptions {
        kubeconfig: target.kubeconfig.as_deref(),
        context: target.context.as_deref(),
        namespace: target.namespace.as_deref(),
    })
    .await
    .with_context(|| {
        format!(
            "connecting to target {}'s cluster",
            target.name.as_deref().unwrap_or_default()
        )
    })?;
    Ok(namespace::list(&cluster, repository)
        .await?
        .into_iter()
        .filter(|o| o.entry == entry.name && (closing || !o.closing))
        .map(|o| (o.reference.clone(), o))
        .collect())
}

fn now() -> i64 {
    k8s_openapi::jiff::Timestamp::now().as_second()
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}
