//! One target's loop in `gitsync watch`: poll its revision (the shared
//! `Poller`), sync a new commit, heal drift that the watch streams report,
//! resync now and then. Failures are logged, counted and retried with
//! backoff; they never end the loop. A commit that does not render keeps
//! the last good revision applied (and so never prunes anything).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::watch;

use super::http::{Readiness, Shared};
use super::leader::Leadership;
use super::metrics::Metrics;
use super::poll::Poller;
use super::schedule::{HealBackoff, Step, backoff, jitter, release_memory};
use super::spread::Spread;
use super::streams::{Drifts, StreamHealth, Watchers};
use crate::cluster::applyset::{self, ApplySet};
use crate::config::Target;
use crate::desired::DesiredSet;
use crate::engine::{Engine, WriteGate};
use crate::settings::{RenderSettings, Settings, WatchSettings};

/// What a poll found: the commit of the command's revision and, for a
/// pinned target, of its pin. Either moving means a new sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Polled {
    pub main: String,
    pub pin: Option<String>,
}

/// The revision applied last, with what it rendered to, for self-healing.
pub(super) struct Applied {
    pub polled: Polled,
    /// The commit the target was rendered from (its pin's, if pinned).
    pub revision: String,
    pub target: Target,
    pub set: DesiredSet,
    pub applyset: ApplySet,
}

/// What every target's loop shares with the others.
pub struct Common<'a> {
    pub render: &'a RenderSettings,
    pub watch: &'a WatchSettings,
    pub shared: Arc<Shared>,
    pub poller: Arc<Poller>,
    pub spread: Arc<Spread>,
}

pub struct TargetLoop<'a> {
    /// The target's name (`""`: the only target, unnamed), for metrics,
    /// readiness and spreading.
    pub(super) key: String,
    /// The command's settings, selecting this target only.
    pub(super) settings: Settings,
    pub(super) common: &'a Common<'a>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) applied: Option<Applied>,
    /// What a poll found that failed to render: not retried until the
    /// next commit.
    pub(super) bad: Option<Polled>,
    failures: u32,
    /// What the watch streams report, for the next heal.
    pub(super) drifts: Arc<Drifts>,
    /// The engine of the last sync or heal, kept for the next heal: no
    /// reconnect, no rediscovery for a drifted object.
    pub(super) engine: Option<Engine>,
    /// Watch streams on the members (dropped: they stop).
    pub(super) watchers: Option<Watchers>,
    /// How those streams fare (shared with `/readyz`).
    pub(super) streams: Arc<StreamHealth>,
    /// Objects another writer keeps changing back: their heals wait.
    pub(super) heal_backoff: HealBackoff,
    /// Drifted objects whose heal waits for their backoff.
    pub(super) held: std::collections::HashSet<String>,
    leadership: Option<Leadership>,
    /// Why the newest revision is not synced yet (a window, a dependency).
    pub(super) waiting: Option<String>,
    /// Held the Lease at the last step.
    was_leader: bool,
    /// The target before the first sync.
    resolved: Option<Target>,
    /// Set on SIGTERM/SIGINT: no new write starts.
    pub(super) stopping: Arc<AtomicBool>,
    /// Checks now and then that the API server answers, for `/readyz`.
    api_probe: Option<tokio::task::JoinHandle<()>>,
    /// Kubernetes Events on the parent; one recorder for the loop's life,
    /// so that repeats become a series.
    pub(super) events: Option<crate::notify::events::Events>,
    /// (revision, result) pairs already notified: a retried sync of the
    /// same revision that fails again tells nobody twice.
    pub(super) notified: std::collections::HashSet<(String, String)>,
    /// The last health round found failed objects.
    pub(super) degraded: bool,
}

/// How long drift reports gather before a heal.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// How often `/readyz`'s view of the API server is refreshed.
const API_PROBE_PERIOD: Duration = Duration::from_secs(2);

/// Until `stop` says so (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

impl<'a> TargetLoop<'a> {
    pub fn new(key: String, settings: Settings, common: &'a Common<'a>) -> TargetLoop<'a> {
        let metrics = common.shared.register(&key);
        let streams = common.shared.streams(&key);
        TargetLoop {
            key,
            settings,
            common,
            metrics,
            applied: None,
            bad: None,
            failures: 0,
            drifts: Arc::default(),
            engine: None,
            watchers: None,
            streams,
            heal_backoff: HealBackoff::default(),
            events: None,
            notified: Default::default(),
            degraded: false,
            held: Default::default(),
            leadership: None,
            waiting: None,
            was_leader: false,
            resolved: None,
            stopping: Arc::new(AtomicBool::new(false)),
            api_probe: None,
        }
    }

    /// Runs until `stop` turns true; `webhook` carries when the last
    /// authenticated webhook asked for a poll.
    pub async fn run(
        mut self,
        mut stop: watch::Receiver<bool>,
        mut webhook: watch::Receiver<Instant>,
    ) {
        let watch = self.common.watch;
        let drifts = self.drifts.clone();
        let mut next_poll = Instant::now();
        let mut next_resync = Instant::now() + watch.resync;
        loop {
            let wake = next_poll.min(next_resync);
            // A held heal (an object fought over) comes due.
            let next_heal = self.next_heal();
            // A poll reuses a lookup another target made since then.
            let mut not_before = Instant::now();
            let step = tokio::select! {
                _ = stopped(&mut stop) => break,
                _ = tokio::time::sleep_until(wake.into()) => {
                    let now = Instant::now();
                    not_before = now.checked_sub(watch.interval / 2).unwrap_or(now);
                    if now >= next_resync { Step::Resync } else { Step::Poll }
                }
                Ok(()) = webhook.changed() => {
                    not_before = *webhook.borrow_and_update();
                    tracing::info!("webhook: polling now");
                    Step::Poll
                }
                _ = tokio::time::sleep_until(next_heal.unwrap_or(wake).into()), if next_heal.is_some() => Step::Heal,
                _ = drifts.reported() => {
                    // Debounce: a burst of events (an edit touching several
                    // objects, a controller's follow-up writes) heals once.
                    tokio::time::sleep(DEBOUNCE).await;
                    Step::Heal
                }
            };
            // Let the step in flight finish, bounded, even when asked to
            // stop; it starts no new write once asked.
            let shared = self.common.shared.clone();
            let key = self.key.clone();
            shared.set_busy(&key, Some(Instant::now()));
            let stop_flag = self.stopping.clone();
            let (ok, stopping) = {
                let work = self.step(step, not_before);
                tokio::pin!(work);
                tokio::select! {
                    ok = &mut work => (ok, false),
                    _ = stopped(&mut stop) => {
                        stop_flag.store(true, Ordering::SeqCst);
                        tracing::info!(grace_s = watch.grace_period.as_secs(), "stopping: letting the step in flight finish");
                        let ok = tokio::time::timeout(watch.grace_period, &mut work).await;
                        (ok.unwrap_or(false), true)
                    }
                }
            };
            shared.set_busy(&key, None);
            if stopping {
                break;
            }
            release_memory();
            if ok {
                self.failures = 0;
            } else {
                self.failures += 1;
            }
            let backoff = backoff(self.failures);
            match step {
                Step::Resync => next_resync = Instant::now() + watch.resync,
                Step::Poll => next_poll = Instant::now() + jitter(watch.interval).max(backoff),
                Step::Heal => {}
            }
        }
        if let Some(probe) = self.api_probe.take() {
            probe.abort();
        }
        self.watchers = None;
        if let Some(leadership) = self.leadership.take() {
            leadership.release().await;
        }
    }

    /// One step; false when it failed (for backoff).
    async fn step(&mut self, step: Step, not_before: Instant) -> bool {
        let leader = self.ensure_leader().await;
        let regained = leader && !self.was_leader && self.common.watch.leader_elect;
        self.was_leader = leader;
        if !leader {
            if self.leadership.is_some() {
                self.common
                    .shared
                    .set_readiness(&self.key, Readiness::Standby);
            }
            return true;
        }
        let ok = if regained && self.applied.is_some() {
            // Another replica may have synced newer commits meanwhile:
            // healing from what this one applied before would roll them
            // back. Start from Git as it is now.
            tracing::info!("leadership regained: syncing from a fresh plan");
            self.applied = None;
            self.engine = None;
            self.watchers = None;
            self.poll(false, Instant::now()).await
        } else {
            match step {
                Step::Poll => self.poll(false, not_before).await,
                Step::Resync => self.poll(true, Instant::now()).await,
                Step::Heal => self.heal().await,
            }
        };
        if self.common.watch.leader_elect && self.common.spread.should_give_up(&self.key) {
            self.give_up().await;
        }
        ok
    }

    /// With --leader-elect: start renewing on first use; act only while
    /// holding the lease.
    async fn ensure_leader(&mut self) -> bool {
        if !self.common.watch.leader_elect {
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
            let (spread, key) = (self.common.spread.clone(), self.key.clone());
            let leadership = Leadership::start(
                engine.cluster.client.clone(),
                &engine.cluster.default_namespace,
                &engine.applyset.name,
                Arc::new(move || spread.may_take(&key)),
            );
            self.common.spread.register(&self.key, leadership.checker());
            self.leadership = Some(leadership);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.leadership.as_ref().is_some_and(Leadership::is_leader)
    }

    /// Leaves the target to another replica (this one leads more than its
    /// share); it stands by for it from the next step on.
    async fn give_up(&mut self) {
        if let Some(leadership) = self.leadership.take() {
            tracing::info!("leading more targets than this replica's share: giving this one up");
            leadership.release().await;
        }
        self.watchers = None;
        self.engine = None;
        self.was_leader = false;
        self.common
            .shared
            .set_readiness(&self.key, Readiness::Standby);
    }

    /// What the engine checks before each write: not stopping, and (with
    /// --leader-elect) still holding the Lease.
    pub(super) fn gate(&self) -> WriteGate {
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
    /// the same for the loop's life).
    pub(super) fn probe_api(&mut self, engine: &Engine) {
        if self.api_probe.is_some() {
            return;
        }
        let client = engine.cluster.client.clone();
        let (shared, key) = (self.common.shared.clone(), self.key.clone());
        self.api_probe = Some(tokio::spawn(async move {
            loop {
                let limit = crate::cluster::request_timeout().min(Duration::from_secs(5));
                let ok = matches!(
                    tokio::time::timeout(limit, client.apiserver_version()).await,
                    Ok(Ok(_))
                );
                if shared.set_api_reachable(&key, ok) {
                    tracing::info!(reachable = ok, "API server");
                }
                tokio::time::sleep(API_PROBE_PERIOD).await;
            }
        }));
    }

    /// The target: the one applied last, else as the repository declares
    /// it now (read once, without rendering), so that the Lease and the
    /// ApplySet are named as every other command names them.
    pub(super) async fn target(&mut self) -> anyhow::Result<Target> {
        if let Some(a) = &self.applied {
            return Ok(a.target.clone());
        }
        if self.resolved.is_none() {
            let (settings, render) = (self.settings.clone(), self.common.render.clone());
            let (_, targets) =
                tokio::task::spawn_blocking(move || crate::load::resolve(&settings, &render))
                    .await??;
            self.resolved = targets.into_iter().next();
        }
        self.resolved
            .clone()
            .context("the repository declares no target")
    }

    /// An engine for the target's cluster and ApplySet.
    pub(super) async fn connect(&mut self) -> anyhow::Result<Engine> {
        let target = self.target().await?;
        let identity = crate::source::identity(&self.settings.source.repo);
        let name = applyset::name_for(self.common.watch.name.as_deref(), &identity, &target.path);
        let mut engine = Engine::connect(&target, &name, 16).await?;
        engine.gate = self.gate();
        self.probe_api(&engine);
        Ok(engine)
    }

    /// Has the source moved (the command's revision, or the target's pin)?
    /// Then render, plan, sync. `force`: sync even when it has not (the
    /// periodic resync).
    async fn poll(&mut self, force: bool, not_before: Instant) -> bool {
        let polled = match self.look(not_before).await {
            Ok(p) => p,
            Err(e) => {
                self.metrics.git_error();
                tracing::warn!(error = %format!("{e:#}"), "git: cannot read the source");
                return false;
            }
        };
        let unchanged = self.applied.as_ref().is_some_and(|a| a.polled == polled);
        if (unchanged && !force) || self.bad.as_ref() == Some(&polled) {
            self.recheck_health().await;
            return true;
        }
        tracing::info!(revision = %polled.pin.as_ref().unwrap_or(&polled.main), resync = force && unchanged, "syncing");
        self.sync(&polled).await
    }

    /// The commits the command's revision and the target's pin name now.
    async fn look(&mut self, not_before: Instant) -> anyhow::Result<Polled> {
        let poller = self.common.poller.clone();
        let main = poller
            .current(self.settings.source.revision.as_deref(), not_before)
            .await?;
        let pin = match self.target().await?.revision {
            Some(rev) => Some(poller.current(Some(&rev), not_before).await?),
            None => None,
        };
        Ok(Polled { main, pin })
    }
}
