//! `gitsync watch`: the pull / compare / sync daemon.
//!
//! One loop, one thing at a time: poll the source (a ref listing, or a
//! rev-parse for a local repository), sync a new commit, heal drift that
//! the watch streams report, resync now and then. Failures are logged,
//! counted and retried with backoff; they never end the daemon. A commit
//! that does not render keeps the last good revision applied (and so
//! never prunes anything).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::mpsc;

use super::http::{Shared, serve};
use super::leader::Leadership;
use super::metrics::SyncResult;
use super::schedule::{Step, backoff, jitter, release_memory};
use crate::cluster::applyset::{self, ApplySet};
use crate::config::Target;
use crate::desired::DesiredSet;
use crate::engine::{Engine, PlanOptions, Record, SyncOptions, WriteGate};
use crate::exit::ExitStatus;
use crate::health::Status;
use crate::plan::Change;
use crate::settings::{RenderSettings, Settings, TargetSelection, WatchSettings};

/// How long the daemon waits for another writer of its ApplySet.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(60);

/// The revision applied last, with what it rendered to, for self-healing.
struct Applied {
    revision: String,
    target: Target,
    set: DesiredSet,
    applyset: ApplySet,
}

pub async fn run(
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
        Some(path) => super::webhook::Secret::from_file(path)
            .with_context(|| format!("reading --webhook-secret-file {}", path.display()))?,
        None => super::webhook::Secret::none(),
    };
    let shared = Arc::new(Shared::new(secret).with_stall_timeout(watch.stall_timeout));
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
        leadership: None,
        was_leader: false,
        resolved: None,
        stopping: Arc::new(AtomicBool::new(false)),
        api_probe: None,
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
        // Let the step in flight finish, bounded, even when asked to stop;
        // it starts no new write once asked.
        *lock(&shared.busy_since) = Some(Instant::now());
        let stop_flag = daemon.stopping.clone();
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
                    stop_flag.store(true, Ordering::SeqCst);
                    tracing::info!(grace_s = watch.grace_period.as_secs(), "stopping: letting the step in flight finish");
                    let ok = tokio::time::timeout(watch.grace_period, &mut work).await;
                    (ok.unwrap_or(false), true)
                }
            }
        };
        *lock(&shared.busy_since) = None;
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
    if let Some(probe) = daemon.api_probe.take() {
        probe.abort();
    }
    if let Some(leadership) = daemon.leadership.take() {
        leadership.release().await;
    }
    let _ = stop_http.send(());
    let _ = http.await;
    Ok(ExitStatus::Success)
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
    leadership: Option<Leadership>,
    /// Held the Lease at the last step.
    was_leader: bool,
    /// The target before the first sync.
    resolved: Option<Target>,
    /// Set on SIGTERM/SIGINT: no new write starts.
    stopping: Arc<AtomicBool>,
    /// Checks now and then that the API server answers, for `/readyz`.
    api_probe: Option<tokio::task::JoinHandle<()>>,
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How often `/readyz`'s view of the API server is refreshed.
const API_PROBE_PERIOD: Duration = Duration::from_secs(2);

impl Daemon<'_> {
    /// One step; false when it failed (for backoff).
    async fn step(&mut self, step: Step) -> bool {
        let leader = self.ensure_leader().await;
        let regained = leader && !self.was_leader && self.watch.leader_elect;
        self.was_leader = leader;
        if !leader {
            return true;
        }
        if regained && self.applied.is_some() {
            // Another replica may have synced newer commits meanwhile:
            // healing from what this one applied before would roll them
            // back. Start from Git as it is now.
            tracing::info!("leadership regained: syncing from a fresh plan");
            self.applied = None;
            if let Some(old) = self.watchers.take() {
                old.abort();
            }
            return self.poll(false).await;
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
        if self.leadership.is_none() {
            let engine = match self.connect().await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "leader election: cannot reach the API server");
                    return false;
                }
            };
            self.leadership = Some(Leadership::start(
                engine.cluster.client.clone(),
                &engine.cluster.default_namespace,
                &engine.applyset.name,
            ));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.leadership.as_ref().is_some_and(Leadership::is_leader)
    }

    /// What the engine checks before each write: not stopping, and (with
    /// --leader-elect) still holding the Lease.
    fn gate(&self) -> WriteGate {
        let stopping = self.stopping.clone();
        let leader = self.leadership.as_ref().map(|l| Box::new(l.checker()));
        WriteGate::new(move || {
            if stopping.load(Ordering::SeqCst) {
                return Some("shutting down".to_string());
            }
            match &leader {
                Some(holds) if !holds() => Some("this replica no longer holds the Lease".into()),
                _ => None,
            }
        })
    }

    /// Starts checking that the API server answers (once; the client is
    /// the same for the daemon's life).
    fn probe_api(&mut self, engine: &Engine) {
        if self.api_probe.is_some() {
            return;
        }
        let client = engine.cluster.client.clone();
        let shared = self.shared.clone();
        self.api_probe = Some(tokio::spawn(async move {
            loop {
                let limit = crate::cluster::request_timeout().min(Duration::from_secs(5));
                let ok = matches!(
                    tokio::time::timeout(limit, client.apiserver_version()).await,
                    Ok(Ok(_))
                );
                if ok != shared.api_reachable.swap(ok, Ordering::SeqCst) {
                    tracing::info!(reachable = ok, "API server");
                }
                tokio::time::sleep(API_PROBE_PERIOD).await;
            }
        }));
    }

    /// The target: the one applied last, else as the repository declares
    /// it now (read once, without rendering), so that the Lease and the
    /// ApplySet are named as every other command names them.
    async fn target(&mut self) -> anyhow::Result<Target> {
        if let Some(a) = &self.applied {
            return Ok(a.target.clone());
        }
        if self.resolved.is_none() {
            let (settings, render) = (self.settings.clone(), self.render.clone());
            let (_, targets) =
                tokio::task::spawn_blocking(move || crate::load::resolve(&settings, &render))
                    .await??;
            self.resolved = targets.into_iter().next();
            // It polls the command's revision: a pin would be ignored.
            if let Some(Target {
                name: Some(name),
                revision: Some(rev),
                ..
            }) = &self.resolved
            {
                anyhow::bail!(
                    "target {name} is pinned to revision {rev} in gitsync.yaml, which watch does not follow yet: run watch with --revision {rev}"
                );
            }
        }
        self.resolved
            .clone()
            .context("the repository declares no target")
    }

    /// An engine for the target's cluster and ApplySet.
    async fn connect(&mut self) -> anyhow::Result<Engine> {
        let target = self.target().await?;
        let identity = crate::source::identity(&self.settings.source.repo);
        let name = applyset::name_for(self.watch.name.as_deref(), &identity, &target.path);
        let mut engine = Engine::connect(&target, &name, 16).await?;
        engine.gate = self.gate();
        self.probe_api(&engine);
        Ok(engine)
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
        // A tag's signature can only be checked through the tag's name, so
        // with signatures verified the revision stays as the user named it
        // (the commit it gives is compared with `sha` below).
        if settings.source.verify.is_none() || settings.source.revision.is_none() {
            settings.source.revision = Some(sha.to_string());
        }
        let render = self.render.clone();
        // Helm renders for the cluster it is synced to.
        let facts = match self.connect().await {
            Ok(engine) => engine
                .cluster
                .capabilities()
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        let facts = match facts {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "cannot reach the cluster");
                return false;
            }
        };
        let loaded = tokio::task::spawn_blocking(move || {
            crate::load::load_targets(&settings, &render, Some(facts))
        })
        .await;
        let loaded = match loaded {
            Ok(Ok(l)) => l,
            Ok(Err(e)) if crate::load::is_signature_error(&e) => {
                // Never applied, never retried: a signature does not change.
                self.shared.metrics.signature_rejected();
                self.bad_revision = Some(sha.to_string());
                tracing::error!(revision = %sha, error = %format!("{e:#}"), "revision refused: no trusted signature; keeping the last good revision");
                return true;
            }
            Ok(Err(e)) if crate::load::is_content_error(&e) => {
                // A bad commit: keep what is applied, never prune for it.
                self.shared.metrics.render_error(sha);
                self.bad_revision = Some(sha.to_string());
                tracing::error!(revision = %sha, error = %format!("{e:#}"), "commit does not render; keeping the last good revision");
                return true;
            }
            Ok(Err(e)) => {
                // A fetch, a renderer or the disk failed: that passes, so
                // the same commit is tried again, with backoff.
                if e.chain().any(|c| c.is::<crate::source::SourceError>()) {
                    self.shared.metrics.git_error();
                } else {
                    self.shared.metrics.render_error(sha);
                }
                tracing::warn!(revision = %sha, error = %format!("{e:#}"), "cannot load the commit; trying again");
                return false;
            }
            Err(e) => {
                tracing::error!(error = %e, "render task failed");
                return false;
            }
        };
        let loaded_sha = loaded.snapshot.commit.as_ref().map(|c| c.sha.as_str());
        if loaded_sha.is_some_and(|loaded| loaded != sha) {
            tracing::info!(revision = %sha, now = loaded_sha.unwrap_or_default(), "the revision moved while loading; polling again");
            return false;
        }
        let Some((target, set)) = loaded.targets.into_iter().next() else {
            return false;
        };
        // Hooks run for a new revision, not for a resync of the same one.
        let resync = self.applied.as_ref().is_some_and(|a| a.revision == sha);
        let result = async {
            let identity = crate::source::identity(&self.settings.source.repo);
            let name = applyset::name_for(self.watch.name.as_deref(), &identity, &target.path);
            let mut engine = Engine::connect(&target, &name, 16).await?;
            let path = crate::render::display_rel(&target.path);
            engine.check_origin(&identity, &path, false)?;
            engine.gate = self.gate();
            // One writer per ApplySet (a CLI sync may be running).
            let lock = engine.lock(WRITE_LOCK_WAIT).await?;
            let synced = async {
                let opts = PlanOptions {
                    prune: target.prune,
                    force_replace: false,
                    force_conflicts: true,
                    prune_pvcs: false,
                };
                let mut plan = engine.plan(&set, opts).await?;
                if resync {
                    // Hooks run for a new revision, not a resync of it.
                    plan.hooks.clear();
                }
                if !plan.errors.is_empty() {
                    let errs: Vec<String> = plan
                        .errors
                        .iter()
                        .map(|e| format!("{} {}: {}", e.api_version, e.id, e.message))
                        .collect();
                    anyhow::bail!("objects could not be planned: {}", errs.join("; "));
                }
                let options = SyncOptions {
                    allow_empty: false,
                    wait: false,
                    timeout: Duration::from_secs(60),
                    force_conflicts: true,
                };
                let record = Record {
                    commit: loaded.snapshot.commit.as_ref(),
                    repository: identity,
                    path: crate::render::display_rel(&target.path),
                    signed_by: loaded.snapshot.signed_by.as_deref(),
                };
                let progress = |m: &str| tracing::debug!("{m}");
                let outcome = engine.sync(&plan, &options, &record, &progress).await?;
                if let Some(err) = outcome.error {
                    anyhow::bail!(err);
                }
                Ok(outcome.objects.len())
            }
            .await;
            lock.release().await;
            anyhow::Ok((engine, synced?))
        }
        .await;
        match result {
            Ok((engine, objects)) => {
                self.probe_api(&engine);
                self.shared
                    .metrics
                    .record_sync(SyncResult::Success, started.elapsed(), Some(sha));
                self.shared.ready.store(true, Ordering::SeqCst);
                tracing::info!(revision = %sha, objects, ms = started.elapsed().as_millis() as u64, "synced");
                self.applied = Some(Applied {
                    revision: sha.to_string(),
                    target,
                    set,
                    applyset: engine.applyset.clone(),
                });
                self.bad_revision = None;
                self.record_health(&engine).await;
                // The members may have changed kinds or namespaces.
                self.start_watchers(&engine);
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
        if self.applied.is_none() {
            return true;
        }
        let planned = async {
            let mut engine = self.connect().await?;
            let lock = engine.lock(WRITE_LOCK_WAIT).await?;
            let applied = self.applied.as_ref().expect("checked");
            let recorded = engine
                .parent
                .as_ref()
                .and_then(|p| p.record.get("revision"));
            if recorded.and_then(serde_json::Value::as_str) != Some(applied.revision.as_str()) {
                // Another writer synced another revision meanwhile: healing
                // to ours would roll it back. The next poll decides.
                lock.release().await;
                anyhow::bail!("the ApplySet was synced to another revision meanwhile; not healing");
            }
            let set = &applied.set;
            // Whoever changed a field took it over; healing takes it back.
            let opts = PlanOptions {
                force_conflicts: true,
                ..PlanOptions::default()
            };
            let plan = engine.plan(set, opts).await;
            anyhow::Ok((engine, plan?, lock))
        }
        .await;
        let (engine, plan, lock) = match planned {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "drift check failed");
                return false;
            }
        };
        let ok = self.revert(&engine, &plan).await;
        lock.release().await;
        ok
    }

    /// Counts the drift in a heal's plan and re-applies it (self-heal).
    async fn revert(&self, engine: &Engine, plan: &crate::plan::Plan) -> bool {
        let drifted: Vec<&Change> = plan.changes.iter().filter(|c| c.needs_write()).collect();
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
        let results = engine.apply(&drifted, true).await;
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
    async fn record_health(&self, engine: &Engine) {
        let Some(applied) = &self.applied else {
            return;
        };
        let ids: Vec<_> = applied
            .set
            .objects
            .iter()
            .map(|o| {
                let id = engine.cluster.id_of(&o.id, &o.api_version);
                (id, o.api_version.clone())
            })
            .collect();
        let health = engine.health(&ids, Instant::now()).await;
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

    /// (Re)starts the watch streams on the applied revision's members.
    fn start_watchers(&mut self, engine: &Engine) {
        if let Some(old) = self.watchers.take() {
            old.abort();
        }
        if let (Some(applied), Some(tx)) = (&self.applied, self.drift_tx.clone()) {
            self.watchers = Some(super::streams::start(
                &engine.cluster,
                &applied.set,
                &applied.applyset,
                tx,
            ));
        }
    }
}
