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

/// The plan whose changes are the target's drift: its members against
/// Git at `revision` (the last synced one), rendered for its cluster.
/// Returns the commit compared at and the plan.
pub async fn drift_plan(
    settings: &Settings,
    render: &RenderSettings,
    engine: &Engine,
    target: &Target,
    revision: &str,
) -> anyhow::Result<(String, crate::plan::Plan)> {
    let (snapshot, t) = target_at(settings, render, target, revision).await?;
    let facts = match crate::render::uses_helm(&snapshot.root, &t.path) {
        true => Some(engine.cluster.capabilities().await?),
        false => None,
    };
    let set = crate::load::render_blocking(&snapshot.root, &t, render, facts)
        .await
        .with_context(|| format!("at the last synced revision {revision}"))?;
    // Fields someone else took over are drift, not a conflict.
    let opts = crate::engine::PlanOptions {
        prune: true,
        force_replace: false,
        force_conflicts: true,
        prune_pvcs: false,
    };
    let plan = engine.plan(&set, opts).await?;
    let sha = snapshot
        .commit
        .as_ref()
        .map_or_else(|| revision.to_string(), |c| c.sha.clone());
    Ok((sha, plan))
}

/// What the ApplySet parent records of the last sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Synced {
    pub revision: Option<String>,
    pub author: Option<String>,
    pub commit_time: Option<String>,
    pub subject: Option<String>,
    pub synced_at: Option<String>,
    /// Who signed the commit, when the sync verified a signature.
    pub signed_by: Option<String>,
    /// `Healthy` or `Unhealthy`: the revision's health as last recorded.
    pub health: Option<String>,
    pub healthy_since: Option<String>,
    /// The last revision recorded healthy (what `rollback` pins to).
    pub last_healthy_revision: Option<String>,
    /// The closed sync window the last sync overrode.
    pub window_override: Option<String>,
}

impl Synced {
    fn from_record(record: &serde_json::Map<String, Value>) -> Synced {
        let get = |k: &str| record.get(k).and_then(Value::as_str).map(str::to_string);
        Synced {
            revision: get("revision"),
            author: get("author"),
            commit_time: get("commitTime"),
            subject: get("subject"),
            synced_at: get("syncedAt"),
            signed_by: get("signedBy"),
            health: get(crate::engine::HEALTH),
            healthy_since: get(crate::engine::HEALTHY_SINCE),
            last_healthy_revision: get(crate::engine::LAST_HEALTHY),
            window_override: get("windowOverride"),
        }
    }

    /// How long ago the sync was, if its time parses.
    pub fn age(&self) -> Option<std::time::Duration> {
        use k8s_openapi::jiff::Timestamp;
        let at: Timestamp = self.synced_at.as_deref()?.parse().ok()?;
        let secs = Timestamp::now().as_second() - at.as_second();
        Some(std::time::Duration::from_secs(secs.max(0) as u64))
    }
}

/// The health of the synced objects, from one look.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HealthSummary {
    pub healthy: usize,
    pub progressing: usize,
    pub failed: usize,
    pub terminating: usize,
    /// `apps/v1 Deployment shop/web: <why>` for each object not healthy.
    pub unhealthy: Vec<String>,
}

/// One target as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetStatus {
    pub target: Option<String>,
    pub context: Option<String>,
    pub server: String,
    pub applyset: String,
    /// The target's `revision:` in gitsync.yaml.
    pub pinned: Option<String>,
    /// The commit the target's revision names now.
    pub current: Option<String>,
    /// `None`: never synced.
    pub synced: Option<Synced>,
    pub health: Option<HealthSummary>,
    /// Objects that drifted since the last sync.
    pub drift: Option<usize>,
    /// Git names another commit than the one last synced.
    pub git_ahead: Option<bool>,
    /// The app and cluster of a target generated from `apps:`.
    pub app: Option<String>,
    pub cluster: Option<String>,
    /// Its place in its app's rollout: `step 1 of 2 (env=canary)`.
    pub rollout_step: Option<String>,
    /// What it waits for before it may sync the current revision, and why.
    pub waits_on: Vec<Wait>,
    /// Its sync windows now, when it has any.
    pub window: Option<WindowStatus>,
}

/// One thing a target waits for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Wait {
    pub target: String,
    pub why: String,
}

/// Whether a target's windows let it sync now, and when they next do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowStatus {
    pub open: bool,
    /// Why closed, when closed.
    pub reason: Option<String>,
    /// When it next may sync (now when open); `None`: not within a year.
    pub next_open: Option<String>,
}

impl WindowStatus {
    pub fn of(target: &Target) -> Option<WindowStatus> {
        use k8s_openapi::jiff::{Timestamp, Unit};
        if target.windows.is_empty() {
            return None;
        }
        let now = Timestamp::now();
        let reason = crate::fleet::window::blocked(&target.windows, now);
        Some(WindowStatus {
            open: reason.is_none(),
            reason,
            next_open: crate::fleet::window::next_open(&target.windows, now)
                .map(|t| t.round(Unit::Second).unwrap_or(t).to_string()),
        })
    }
}

/// Fills each status's `waits_on` from the others': a dependency or an
/// earlier rollout step not yet synced at the revision this target would
/// sync, or not healthy there. Dependencies outside `statuses` are named
/// as not looked at. A dependency with `readyWhen` is waited for until
/// that expression holds over its objects (`applyset` names a target's
/// ApplySet), not until it is healthy.
pub async fn fill_waits(
    targets: &[&Target],
    statuses: &mut [TargetStatus],
    applyset: impl Fn(&Target) -> String,
) {
    let schedule_targets: Vec<Target> = targets.iter().map(|t| (*t).clone()).collect();
    let schedule = crate::fleet::order::Schedule::of(&schedule_targets);
    let snapshot: Vec<TargetStatus> = statuses.to_vec();
    for (i, status) in statuses.iter_mut().enumerate() {
        let Some(wanted) = status.current.clone() else {
            continue;
        };
        let mut waits = Vec::new();
        for &j in &schedule.before[i] {
            let dep = &snapshot[j];
            let name = dep.target.clone().unwrap_or_default();
            let ready_when = targets[i].order.ready_when.get(&name);
            let why = match &dep.synced {
                None => Some("never synced".to_string()),
                Some(s) if s.revision.as_deref() != Some(wanted.as_str()) => Some(format!(
                    "runs {}, not {}",
                    s.revision.as_deref().map_or("-", |r| &r[..r.len().min(12)]),
                    &wanted[..wanted.len().min(12)]
                )),
                Some(_) if let Some(expr) = ready_when => {
                    crate::fleet::gate::ready(targets[j], expr, &applyset(targets[j]))
                        .await
                        .err()
                }
                Some(s) if s.health.as_deref() != Some("Healthy") => Some(format!(
                    "not healthy ({})",
                    s.health.as_deref().unwrap_or("unknown")
                )),
                Some(_) => None,
            };
            if let Some(why) = why {
                waits.push(Wait { target: name, why });
            }
        }
        for name in &schedule.outside[i] {
            waits.push(Wait {
                target: name.clone(),
                why: "not selected: not looked at".into(),
            });
        }
        status.waits_on = waits;
    }
}

/// Looks at one target: its parent's record, the health of its objects,
/// its drift, and whether Git moved since it was synced.
pub async fn target_status(
    settings: &Settings,
    render: &RenderSettings,
    engine: &Engine,
    target: &Target,
) -> anyhow::Result<TargetStatus> {
    let (repo, rev) = (
        settings.source.repo.clone(),
        target.revision.clone().or(settings.source.revision.clone()),
    );
    let current =
        tokio::task::spawn_blocking(move || crate::source::current_revision(&repo, rev.as_deref()))
            .await
            .context("the source task failed")?
            .ok();
    let synced = engine
        .parent
        .as_ref()
        .map(|p| Synced::from_record(&p.record));
    let mut status = TargetStatus {
        target: target.name.clone(),
        context: target.context.clone(),
        server: engine.cluster.server.clone(),
        applyset: format!("{}/{}", engine.applyset.namespace, engine.applyset.name),
        pinned: target.revision.clone(),
        git_ahead: match (&current, synced.as_ref().and_then(|s| s.revision.as_ref())) {
            (Some(now), Some(then)) => Some(now != then),
            (Some(_), None) => Some(true),
            _ => None,
        },
        current,
        synced: synced.clone(),
        health: None,
        drift: None,
        app: target.fleet.as_ref().map(|o| o.app.clone()),
        cluster: target.fleet.as_ref().map(|o| o.cluster.clone()),
        rollout_step: target
            .order
            .step
            .as_ref()
            .map(|s| format!("step {} of {} ({})", s.index, s.count, s.label)),
        waits_on: Vec::new(),
        window: WindowStatus::of(target),
    };
    let Some(revision) = synced.and_then(|s| s.revision) else {
        return Ok(status);
    };
    let (_, plan) = drift_plan(settings, render, engine, target, &revision).await?;
    status.drift = Some(
        plan.changes
            .iter()
            .filter(|c| crate::drift::DriftState::of(c).is_some())
            .count(),
    );
    let ids = plan.desired_ids();
    let health = engine.health(&ids, std::time::Instant::now()).await;
    let mut sum = HealthSummary::default();
    for ((id, api_version), h) in ids.iter().zip(&health) {
        use crate::health::Status;
        match h.status {
            Status::Current => sum.healthy += 1,
            Status::InProgress => sum.progressing += 1,
            Status::Failed => sum.failed += 1,
            Status::Terminating => sum.terminating += 1,
        }
        if h.status != Status::Current {
            sum.unhealthy
                .push(format!("{}: {}", id.label(api_version), h.message));
        }
    }
    status.health = Some(sum);
    Ok(status)
}
