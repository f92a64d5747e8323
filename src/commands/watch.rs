//! `gitsync watch`: the pull / compare / sync daemon.
//!
//! One loop, one thing at a time: poll the source (a ref listing, or a
//! rev-parse for a local repository), sync a new commit, heal drift that
//! the watch streams report, resync now and then. Failures are logged,
//! counted and retried with backoff; they never end the daemon. A commit
//! that does not render keeps the last good revision applied (and so
//! never prunes anything).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::{StreamExt, stream};
use kube::api::{Api, DynamicObject};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use tokio::sync::mpsc;

use super::sync::{Record, execute, refuse_empty};
use super::target::{PlanRequest, plan_target};
use crate::cluster::applyset::{ApplySet, PART_OF};
use crate::cluster::lease::{Elector, LEASE_DURATION};
use crate::cluster::{Cluster, ConnectOptions, apply};
use crate::config::Target;
use crate::desired::DesiredSet;
use crate::exit::ExitStatus;
use crate::health::Status;
use crate::plan::Action;
use crate::settings::{RenderSettings, Settings, SyncSettings, TargetSelection, WatchSettings};
use crate::watch::http::{Shared, serve};
use crate::watch::members::{self, Tracker};
use crate::watch::metrics::SyncResult;

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    watch: &WatchSettings,
) -> anyhow::Result<ExitStatus> {
    let runtime = super::runtime()?;
    runtime.block_on(daemon(settings, render, watch))
}

/// The revision applied last, with what it rendered to, for self-healing.
struct Applied {
    revision: String,
    target: Target,
    set: DesiredSet,
    applyset: ApplySet,
}

async fn daemon(
    settings: &Settings,
    render: &RenderSettings,
    watch: &WatchSettings,
) -> anyhow::Result<ExitStatus> {
    if matches!(&settings.targets, TargetSelection::All)
        || matches!(&settings.targets, TargetSelection::Named(n) if n.len() > 1)
    {
        anyhow::bail!(
            "watch runs one target per process: start one per target, each with --target NAME"
        );
    }
    let secret = match &watch.webhook_secret_file {
        Some(path) => crate::watch::webhook::Secret::from_file(path)
            .with_context(|| format!("reading --webhook-secret-file {}", path.display()))?,
        None => crate::watch::webhook::Secret::none(),
    };
    let shared = Arc::new(Shared::new(secret));
    let listener = tokio::net::TcpListener::bind(&watch.listen)
        .await
        .with_context(|| format!("listening on {}", watch.listen))?;
    tracing::info!(listen = %listener.local_addr()?, "http server up");
    let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let http = tokio::spawn(serve(listener, shared.clone(), async {
        let _ = http_stopped.await;
    }));

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut daemon = Daemon {
        settings,
        render,
        watch,
        shared: shared.clone(),
        applied: None,
        bad_revision: None,
        failures: 0,
        drift_tx: None,
        watchers: None,
        elector: None,
        leader: Arc::new(AtomicBool::new(!watch.leader_elect)),
    };
    let (drift_tx, mut drift_rx) = mpsc::channel::<()>(64);
    daemon.drift_tx = Some(drift_tx);

    let mut next_poll = Instant::now();
    let mut next_resync = Instant::now() + watch.resync;
    loop {
        let wake = next_poll.min(next_resync);
        let step = tokio::select! {
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
            _ = tokio::time::sleep_until(wake.into()) => {
                if Instant::now() >= next_resync { Step::Resync } else { Step::Poll }
            }
            _ = shared.trigger.notified() => {
                tracing::info!("webhook: polling now");
                Step::Poll
            }
            Some(()) = drift_rx.recv() => {
                // Debounce: a burst of events (an edit touching several
                // objects, a controller's follow-up writes) heals once.
                tokio::time::sleep(Duration::from_millis(300)).await;
                while drift_rx.try_recv().is_ok() {}
                Step::Heal
            }
        };
        // Let the step in flight finish, bounded, even when asked to stop.
        let (ok, stopping) = {
            let work = daemon.step(step);
            tokio::pin!(work);
            tokio::select! {
                ok = &mut work => (ok, false),
                _ = async {
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = tokio::signal::ctrl_c() => {},
                    }
                } => {
                    let ok = tokio::time::timeout(Duration::from_secs(30), &mut work).await;
                    (ok.unwrap_or(false), true)
                }
            }
        };
        if stopping {
            break;
        }
        release_memory();
        if ok {
            daemon.failures = 0;
        } else {
            daemon.failures += 1;
        }
        let backoff = backoff(daemon.failures);
        match step {
            Step::Resync => next_resync = Instant::now() + watch.resync,
            Step::Poll => next_poll = Instant::now() + jitter(watch.interval).max(backoff),
            Step::Heal => {}
        }
    }
    tracing::info!("stopping");
    if let Some(e) = &daemon.elector {
        e.release().await;
    }
    let _ = stop_http.send(());
    let _ = http.await;
    Ok(ExitStatus::Success)
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Poll,
    Resync,
    Heal,
}

struct Daemon<'a> {
    settings: &'a Settings,
    render: &'a RenderSettings,
    watch: &'a WatchSettings,
    shared: Arc<Shared>,
    applied: Option<Applied>,
    /// A revision that failed to render: not retried until the next commit.
    bad_revision: Option<String>,
    failures: u32,
    drift_tx: Option<mpsc::Sender<()>>,
    watchers: Option<tokio::task::JoinHandle<()>>,
    elector: Option<Arc<Elector>>,
    leader: Arc<AtomicBool>,
}

impl Daemon<'_> {
    /// One step; false when it failed (for backoff).
    async fn step(&mut self, step: Step) -> bool {
        if !self.ensure_leader().await {
            return true;
        }
        match step {
            Step::Poll => self.poll(false).await,
            Step::Resync => self.poll(true).await,
            Step::Heal => self.heal().await,
        }
    }

    /// With --leader-elect: start renewing on first use; act only while
    /// holding the lease.
    async fn ensure_leader(&mut self) -> bool {
        if !self.watch.leader_elect {
            return true;
        }
        if self.elector.is_none() {
            let cluster = match self.connect().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "leader election: cannot reach the API server");
                    return false;
                }
            };
            let name = format!(
                "gitsync-{}",
                self.applyset_name().trim_start_matches("gitsync-")
            );
            let elector = Arc::new(Elector::new(
                cluster.client.clone(),
                &cluster.default_namespace,
                &name[..name.len().min(253)],
            ));
            tracing::info!(lease = %name, identity = %elector.identity(), "leader election");
            let (e, leader) = (elector.clone(), self.leader.clone());
            tokio::spawn(async move {
                loop {
                    let holds = e.acquire_or_renew().await.unwrap_or_else(|err| {
                        tracing::warn!(error = %err, "lease renewal failed");
                        false
                    });
                    if holds != leader.swap(holds, Ordering::SeqCst) {
                        tracing::info!(leader = holds, "leadership changed");
                    }
                    tokio::time::sleep(LEASE_DURATION / 3).await;
                }
            });
            self.elector = Some(elector);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.leader.load(Ordering::SeqCst)
    }

    fn applyset_name(&self) -> String {
        match &self.watch.name {
            Some(n) => n.clone(),
            None => crate::cluster::applyset::default_name(
                &crate::source::identity(&self.settings.source.repo),
                &crate::render::display_rel(
                    self.settings
                        .source
                        .path
                        .as_deref()
                        .unwrap_or(std::path::Path::new("")),
                ),
            ),
        }
    }

    /// The target's cluster once it is known (gitsync.yaml may name
    /// one), the flags' before the first render.
    async fn connect(&self) -> anyhow::Result<Cluster> {
        let (kubeconfig, context, namespace) = match &self.applied {
            Some(a) => (
                a.target.kubeconfig.as_deref(),
                a.target.context.as_deref(),
                a.target.namespace.as_deref(),
            ),
            None => (
                self.settings.cluster.kubeconfig.as_deref(),
                self.settings.cluster.context.as_deref(),
                self.settings.cluster.namespace.as_deref(),
            ),
        };
        Ok(Cluster::connect(&ConnectOptions {
            kubeconfig,
            context,
            namespace,
        })
        .await?)
    }

    /// Has the source moved? Then render, plan, sync. `force`: sync even
    /// when it has not (the periodic resync).
    async fn poll(&mut self, force: bool) -> bool {
        let repo = self.settings.source.repo.clone();
        let rev = self.settings.source.revision.clone();
        let current = tokio::task::spawn_blocking(move || {
            crate::source::current_revision(&repo, rev.as_deref())
        })
        .await;
        let sha = match current {
            Ok(Ok(sha)) => sha,
            Ok(Err(e)) => {
                self.shared.metrics.git_error();
                tracing::warn!(error = %e, "git: cannot read the source");
                return false;
            }
            Err(e) => {
                tracing::warn!(error = %e, "git task failed");
                return false;
            }
        };
        let unchanged = self.applied.as_ref().is_some_and(|a| a.revision == sha);
        if (unchanged && !force) || self.bad_revision.as_deref() == Some(&sha) {
            return true;
        }
        tracing::info!(revision = %sha, resync = force && unchanged, "syncing");
        self.sync(&sha).await
    }

    async fn sync(&mut self, sha: &str) -> bool {
        let started = Instant::now();
        let mut settings = self.settings.clone();
        settings.source.revision = Some(sha.to_string());
        let render = self.render.clone();
        let loaded =
            tokio::task::spawn_blocking(move || super::load::load(&settings, &render)).await;
        let loaded = match loaded {
            Ok(Ok(l)) => l,
            Ok(Err(e)) => {
                // A bad commit: keep what is applied, never prune for it.
                self.shared.metrics.render_error(sha);
                self.bad_revision = Some(sha.to_string());
                tracing::error!(revision = %sha, error = %format!("{e:#}"), "commit does not render; keeping the last good revision");
                return true;
            }
            Err(e) => {
                tracing::error!(error = %e, "render task failed");
                return false;
            }
        };
        let Some((target, set)) = loaded.targets.into_iter().next() else {
            return false;
        };
        let sync_settings = SyncSettings {
            diff: crate::settings::DiffSettings {
                unified: 3,
                concurrency: 16,
                name: self.watch.name.clone(),
            },
            dry_run: false,
            prune: target.prune,
            allow_empty: false,
            wait: false,
            timeout: Duration::from_secs(60),
            force_conflicts: true,
            force_replace: false,
        };
        let result = async {
            let planned = plan_target(&PlanRequest {
                repo: &self.settings.source.repo,
                target: &target,
                set: &set,
                name: self.watch.name.as_deref(),
                prune: sync_settings.prune,
                concurrency: 16,
                force_replace: false,
            })
            .await?;
            if !planned.plan.errors.is_empty() {
                let errs: Vec<String> = planned
                    .plan
                    .errors
                    .iter()
                    .map(|e| format!("{} {}: {}", e.api_version, e.id, e.message))
                    .collect();
                anyhow::bail!("objects could not be planned: {}", errs.join("; "));
            }
            refuse_empty(&set, &planned, &sync_settings)?;
            let applyset = planned.applyset.clone();
            let commit = loaded.snapshot.commit.as_ref();
            let outcome = execute(
                planned,
                &sync_settings,
                &|m: &str| tracing::debug!("{m}"),
                Record {
                    commit,
                    repository: crate::source::identity(&self.settings.source.repo),
                    path: crate::render::display_rel(&target.path),
                },
            )
            .await?;
            if let Some(err) = outcome.error {
                anyhow::bail!(err);
            }
            Ok((applyset, outcome.rows.len()))
        }
        .await;
        match result {
            Ok((applyset, objects)) => {
                self.shared
                    .metrics
                    .record_sync(SyncResult::Success, started.elapsed(), Some(sha));
                self.shared.ready.store(true, Ordering::SeqCst);
                tracing::info!(revision = %sha, objects, ms = started.elapsed().as_millis() as u64, "synced");
                self.applied = Some(Applied {
                    revision: sha.to_string(),
                    target,
                    set,
                    applyset,
                });
                self.bad_revision = None;
                self.record_health().await;
                // The members may have changed kinds or namespaces.
                self.start_watchers().await;
                true
            }
            Err(e) => {
                self.shared
                    .metrics
                    .record_sync(SyncResult::Error, started.elapsed(), None);
                self.shared.ready.store(false, Ordering::SeqCst);
                tracing::error!(revision = %sha, error = %format!("{e:#}"), "sync failed");
                false
            }
        }
    }

    /// Re-applies what drifted from the applied revision.
    async fn heal(&mut self) -> bool {
        let Some(applied) = &self.applied else {
            return true;
        };
        let planned = plan_target(&PlanRequest {
            repo: &self.settings.source.repo,
            target: &applied.target,
            set: &applied.set,
            name: self.watch.name.as_deref(),
            prune: false,
            concurrency: 16,
            force_replace: false,
        })
        .await;
        let planned = match planned {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "drift check failed");
                return false;
            }
        };
        let drifted: Vec<_> = planned
            .plan
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::Update | Action::Create))
            .collect();
        if drifted.is_empty() {
            return true;
        }
        for c in &drifted {
            self.shared.metrics.drift_event();
            tracing::warn!(object = %format!("{} {}", c.api_version, c.id), "drift detected");
        }
        if !self.watch.self_heal {
            return true;
        }
        let results = apply::apply_all(&planned.cluster, &drifted, true, 16).await;
        let mut ok = true;
        for (c, r) in drifted.iter().zip(results) {
            match r {
                Ok(()) => {
                    self.shared.metrics.drift_reverted();
                    tracing::info!(object = %format!("{} {}", c.api_version, c.id), "drift reverted");
                }
                Err(e) => {
                    ok = false;
                    tracing::error!(object = %format!("{} {}", c.api_version, c.id), error = %e, "drift not reverted");
                }
            }
        }
        ok
    }

    /// One health round over the applied objects, for /metrics.
    async fn record_health(&self) {
        let Some(applied) = &self.applied else {
            return;
        };
        let Ok(cluster) = self.connect().await else {
            return;
        };
        let ids: Vec<_> = applied
            .set
            .objects
            .iter()
            .map(|o| {
                let mut id = o.id.clone();
                if id.namespace.is_none() && apply::is_namespaced(&cluster, &id, &o.api_version) {
                    id.namespace = Some(cluster.default_namespace.clone());
                }
                (id, o.api_version.clone())
            })
            .collect();
        let health = apply::wait_healthy(&cluster, &ids, Instant::now(), |_, _| {}).await;
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for h in health {
            let key = match h.status {
                Status::Current => "current",
                Status::InProgress => "inprogress",
                Status::Failed => "failed",
                Status::Terminating => "terminating",
            };
            *counts.entry(key.to_string()).or_default() += 1;
        }
        self.shared.metrics.set_objects_by_health(&counts);
    }

    /// Watch streams on the members: any change to what an object says
    /// (not its status, not bookkeeping) or a deletion wakes the loop.
    async fn start_watchers(&mut self) {
        if let Some(old) = self.watchers.take() {
            old.abort();
        }
        let Some(applied) = &self.applied else {
            return;
        };
        let Ok(cluster) = self.connect().await else {
            return;
        };
        let Some(tx) = self.drift_tx.clone() else {
            return;
        };
        let selector = format!("{PART_OF}={}", applied.applyset.id);
        let mut kinds: HashSet<(String, Option<String>)> = HashSet::new();
        let mut apis = Vec::new();
        for o in &applied.set.objects {
            let Some(ar) = apply::resource_of(&cluster, &o.id, &o.api_version) else {
                continue;
            };
            let ns = apply::is_namespaced(&cluster, &o.id, &o.api_version).then(|| {
                o.id.namespace
                    .clone()
                    .unwrap_or_else(|| cluster.default_namespace.clone())
            });
            if kinds.insert((format!("{}/{}", ar.api_version, ar.plural), ns.clone())) {
                let api: Api<DynamicObject> = match &ns {
                    Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &ar),
                    None => Api::all_with(cluster.client.clone(), &ar),
                };
                apis.push(api);
            }
        }
        let manifests: HashMap<String, serde_json::Value> = applied
            .set
            .objects
            .iter()
            .map(|o| {
                let ns = apply::is_namespaced(&cluster, &o.id, &o.api_version).then(|| {
                    o.id.namespace
                        .clone()
                        .unwrap_or_else(|| cluster.default_namespace.clone())
                });
                let m = crate::cluster::manifest(o, &ns, Some(&applied.applyset));
                (
                    members::key(&o.api_version, &o.id.kind, ns.as_deref(), &o.id.name),
                    m,
                )
            })
            .collect();
        let streams = apis.into_iter().map(|api| {
            watcher(api, watcher::Config::default().labels(&selector))
                .default_backoff()
                .boxed()
        });
        let mut merged = stream::select_all(streams);
        let mut tracker = Tracker::new(manifests);
        self.watchers = Some(tokio::spawn(async move {
            let mut settled = false;
            while let Some(event) = merged.next().await {
                let event = match event {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::debug!(error = %e, "watch stream error (retrying)");
                        continue;
                    }
                };
                let due = match event {
                    watcher::Event::Init => false,
                    // A re-list after a broken stream (API server restart)
                    // compares with what was seen before it broke.
                    watcher::Event::InitApply(obj) => {
                        tracker.changed(&member_key(&obj), &to_value(&obj), settled)
                    }
                    watcher::Event::InitDone => {
                        settled = true;
                        false
                    }
                    watcher::Event::Apply(obj) => {
                        tracker.changed(&member_key(&obj), &to_value(&obj), true)
                    }
                    watcher::Event::Delete(obj) => tracker.deleted(&member_key(&obj)),
                };
                if due {
                    let _ = tx.try_send(());
                }
            }
        }));
    }
}

fn member_key(obj: &DynamicObject) -> String {
    let (api_version, kind) = obj
        .types
        .as_ref()
        .map_or(("", ""), |t| (t.api_version.as_str(), t.kind.as_str()));
    members::key(
        api_version,
        kind,
        obj.metadata.namespace.as_deref(),
        obj.metadata.name.as_deref().unwrap_or(""),
    )
}

fn to_value(obj: &DynamicObject) -> serde_json::Value {
    serde_json::to_value(obj).unwrap_or_default()
}

/// Hands memory freed after a sync back to the system. glibc keeps freed
/// heap for reuse, so a daemon's idle RSS would stay at the peak of its
/// largest sync (a first sync of 1,000 objects) for the rest of its life.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused pages of glibc's own heap to
    // the kernel; it takes no pointers and is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// ±10 % so that many daemons polling one server do not stay in step.
fn jitter(interval: Duration) -> Duration {
    let r = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    let spread = interval.as_millis() as u64 / 10;
    if spread == 0 {
        return interval;
    }
    let offset = r % (2 * spread + 1);
    interval + Duration::from_millis(offset) - Duration::from_millis(spread)
}

/// 1 s, 2 s, 4 s … up to 128 s between tries after failures.
fn backoff(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    Duration::from_secs(1u64 << failures.min(8).saturating_sub(1)).min(Duration::from_secs(300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(0), Duration::ZERO);
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(16));
        assert_eq!(backoff(50), Duration::from_secs(128));
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..100 {
            let j = jitter(Duration::from_secs(60));
            assert!(
                j >= Duration::from_secs(54) && j <= Duration::from_secs(66),
                "{j:?}"
            );
        }
        assert_eq!(jitter(Duration::from_millis(5)), Duration::from_millis(5));
    }
}
