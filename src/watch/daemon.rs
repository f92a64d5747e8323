//! `gitsync watch`: the pull / compare / sync daemon.
//!
//! One loop per target (`target.rs`), all in this process, sharing the
//! HTTP interface, one source poll (`poll.rs`) and, with `--leader-elect`,
//! the spreading of targets over replicas (`spread.rs`). SIGTERM or SIGINT
//! stops every loop: no new write starts, the step in flight may finish.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::watch;
use tracing::Instrument;

use super::http::{Shared, serve};
use super::poll::Poller;
use super::spread::{self, Spread};
use super::target::{Common, TargetLoop};
use crate::cluster::lease::{Membership, short_hash};
use crate::cluster::{Cluster, ConnectOptions};
use crate::config::{CONFIG_FILE, ConfigError};
use crate::exit::ExitStatus;
use crate::settings::{RenderSettings, Settings, TargetSelection, WatchSettings};

/// `--previews`: every interval, previews are opened, updated and closed
/// to match the refs (`preview::run::reconcile`). Never ends; a failed
/// round is logged and the next one tries again.
async fn previews(settings: &Settings, render: &RenderSettings, watch: &WatchSettings) {
    let opts = crate::preview::run::UpOptions {
        wait: true,
        timeout: PREVIEW_HEALTH_TIMEOUT,
        lock_timeout: PREVIEW_LOCK_TIMEOUT,
        concurrency: 16,
    };
    let mut expired = crate::preview::run::Expired::default();
    let mut every = tokio::time::interval(watch.interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match crate::preview::run::reconcile(settings, render, opts, &mut expired).await {
            Ok(done) if done.opened.is_empty() && done.closed.is_empty() => {}
            Ok(done) => tracing::info!(opened = ?done.opened, closed = ?done.closed,
                failed = ?done.failed, "previews reconciled"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "previews: this round failed"),
        }
    }
}

/// How long `watch --previews` waits for one preview to become healthy
/// before it goes on to the next (the preview stays, marked unhealthy).
const PREVIEW_HEALTH_TIMEOUT: Duration = Duration::from_secs(120);
/// How long it waits for another writer of a preview.
const PREVIEW_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// How long starting up may wait to count the other replicas.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(
    settings: &Settings,
    render: &RenderSettings,
    watch: &WatchSettings,
) -> anyhow::Result<ExitStatus> {
    if watch.image_interval.is_some() && !crate::source::is_url(&settings.source.repo) {
        anyhow::bail!(
            "--image-interval pushes image updates to the remote: give --repo as a URL (for a local checkout, run `gitsync image update`)"
        );
    }
    let secret = match &watch.webhook_secret_file {
        Some(path) => super::webhook::Secret::from_file(path)
            .with_context(|| format!("reading --webhook-secret-file {}", path.display()))?,
        None => super::webhook::Secret::none(),
    };
    let listener = tokio::net::TcpListener::bind(&watch.listen)
        .await
        .with_context(|| format!("listening on {}", watch.listen))?;
    let access = match &watch.ui_token_file {
        Some(path) => crate::web::Access::from_file(path)?,
        None => {
            let loopback = listener.local_addr()?.ip().is_loopback();
            if !loopback {
                tracing::warn!(
                    "the dashboard answers 401 on a non-loopback --listen without --ui-token-file"
                );
            }
            crate::web::Access::NoToken { loopback }
        }
    };
    let shared = Arc::new(
        Shared::new(secret)
            .with_stall_timeout(watch.stall_timeout)
            .with_dashboard(access),
    );
    tracing::info!(listen = %listener.local_addr()?, "http server up");
    let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let http = tokio::spawn(serve(listener, shared.clone(), async {
        let _ = http_stopped.await;
    }));
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let signalled = async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = tokio::signal::ctrl_c() => {},
        }
    };
    tokio::pin!(signalled);

    let names = tokio::select! {
        names = target_names(settings, render) => names,
        _ = &mut signalled => Ok(None),
    };
    let names = match names {
        Ok(names) => names,
        Err(e) => {
            let _ = stop_http.send(());
            let _ = http.await;
            return Err(e);
        }
    };
    if let Some(names) = names {
        let all_targets = matches!(settings.targets, TargetSelection::All);
        let spread = Spread::new(names.len());
        let common = Common {
            render,
            watch,
            shared: shared.clone(),
            poller: Arc::new(Poller::new(&settings.source.repo)),
            spread: spread.clone(),
        };
        let membership = match watch.leader_elect && (names.len() > 1 || all_targets) {
            true => join(settings, render, &names, watch, &spread).await,
            false => None,
        };
        let counting = membership
            .clone()
            .map(|m| spread::keep_counting(spread.clone(), m));
        let (hook_tx, hook_rx) = watch::channel(Instant::now());
        // Every loop hears every webhook; their polls share one lookup.
        let hooks = {
            let shared = shared.clone();
            tokio::spawn(async move {
                loop {
                    shared.trigger.notified().await;
                    hook_tx.send_replace(Instant::now());
                }
            })
        };
        let mut loops = Loops {
            settings,
            common: &common,
            hooks: hook_rx,
            running: futures::stream::FuturesUnordered::new(),
            stops: std::collections::BTreeMap::new(),
        };
        for name in names {
            loops.start(name);
        }
        // With --all-targets, a commit may add or remove targets. The
        // relisting is polled beside the loops, never awaited in a select
        // arm's body: a loop holding the shared poll would never be polled
        // again to release it.
        let (names_tx, mut names_rx) = tokio::sync::mpsc::channel(1);
        let relister = async {
            let mut listed = None;
            let mut every = tokio::time::interval(watch.interval);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Some(names) = relisted(settings, render, &common, &mut listed).await {
                    if names.is_empty() {
                        // Not an error to stop for: the next commit may
                        // bring targets back, and this process follows it.
                        tracing::warn!(
                            "{CONFIG_FILE} declares no targets any more: every target is stopped (its objects stay); watching for a commit that adds one"
                        );
                    }
                    let _ = names_tx.send(names).await;
                }
            }
        };
        tokio::pin!(relister);
        let previews = previews(settings, render, watch);
        tokio::pin!(previews);
        let images = super::images::run(settings, watch, &shared);
        tokio::pin!(images);
        loop {
            tokio::select! {
                _ = &mut signalled => break,
                Some(()) = futures::StreamExt::next(&mut loops.running) => {}
                Some(names) = names_rx.recv() => loops.follow(names),
                () = &mut relister, if all_targets => {}
                () = &mut previews, if watch.previews => {}
                () = &mut images => {}
            }
        }
        loops.stop_all().await;
        hooks.abort();
        if let Some(counting) = counting {
            counting.abort();
        }
        if let Some(m) = membership {
            let _ = tokio::time::timeout(Duration::from_secs(5), m.leave()).await;
        }
    }
    tracing::info!("stopping");
    let _ = stop_http.send(());
    let _ = http.await;
    Ok(ExitStatus::Success)
}

/// The target loops running, each stoppable on its own.
struct Loops<'a> {
    settings: &'a Settings,
    common: &'a Common<'a>,
    hooks: watch::Receiver<Instant>,
    running: futures::stream::FuturesUnordered<std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>>,
    stops: std::collections::BTreeMap<Option<String>, watch::Sender<bool>>,
}

impl<'a> Loops<'a> {
    fn start(&mut self, name: Option<String>) {
        let key = name.clone().unwrap_or_default();
        let span = match &name {
            Some(name) => tracing::info_span!("target", name = %name),
            None => tracing::Span::none(),
        };
        let (stop, stop_rx) = watch::channel(false);
        let run = TargetLoop::new(key, for_target(self.settings, &name), self.common)
            .run(stop_rx, self.hooks.clone())
            .instrument(span);
        self.running.push(Box::pin(run));
        self.stops.insert(name, stop);
    }

    /// Starts loops for targets new in `names`, stops those of targets no
    /// longer there (their objects stay: a target dropped from
    /// gitsync.yaml is no longer watched, not deleted).
    fn follow(&mut self, names: Vec<Option<String>>) {
        let gone: Vec<Option<String>> = self
            .stops
            .keys()
            .filter(|n| !names.contains(n))
            .cloned()
            .collect();
        for name in gone {
            tracing::info!(
                target_name = name.as_deref().unwrap_or_default(),
                "target gone from gitsync.yaml: no longer watched (its objects stay)"
            );
            if let Some(stop) = self.stops.remove(&name) {
                stop.send_replace(true);
            }
            self.common
                .shared
                .unregister(name.as_deref().unwrap_or_default());
        }
        for name in names {
            if !self.stops.contains_key(&name) {
                tracing::info!(
                    target_name = name.as_deref().unwrap_or_default(),
                    "new target in gitsync.yaml: watching it"
                );
                self.start(name);
            }
        }
        self.common.spread.set_targets(self.stops.len());
    }

    /// Stops every loop; each lets its step in flight finish.
    async fn stop_all(mut self) {
        for stop in self.stops.values() {
            stop.send_replace(true);
        }
        while futures::StreamExt::next(&mut self.running).await.is_some() {}
    }
}

/// With `--all-targets`: the targets gitsync.yaml declares, once the
/// command's revision has moved since `listed` (the commit they were last
/// read at); `None` while it has not, or when gitsync.yaml cannot be read
/// (logged; the loops keep running).
async fn relisted(
    settings: &Settings,
    render: &RenderSettings,
    common: &Common<'_>,
    listed: &mut Option<String>,
) -> Option<Vec<Option<String>>> {
    let now = Instant::now();
    let fresh = now.checked_sub(common.watch.interval / 2).unwrap_or(now);
    let sha = common
        .poller
        .current(settings.source.revision.as_deref(), fresh)
        .await
        .ok()?;
    if listed.as_deref() == Some(sha.as_str()) {
        return None;
    }
    let mut at = settings.clone();
    // As a loop reads it: a tag's signature is checked through its name.
    if at.source.verify.is_none() || at.source.revision.is_none() {
        at.source.revision = Some(sha.clone());
    }
    let r = render.clone();
    let targets = match tokio::task::spawn_blocking(move || crate::load::resolve(&at, &r)).await {
        Ok(Ok((_, targets))) => targets,
        Ok(Err(e)) => {
            tracing::warn!(revision = %sha, error = %format!("{e:#}"), "cannot read the targets of gitsync.yaml; the running ones go on");
            // A commit's content does not change: read again at the next.
            if crate::load::is_content_error(&e) {
                *listed = Some(sha);
            }
            return None;
        }
        Err(_) => return None,
    };
    *listed = Some(sha);
    Some(targets.into_iter().map(|t| t.name).collect())
}

/// The targets to run, by name (`None`: the only one, as the flags or
/// gitsync.yaml give it). `--all-targets` reads gitsync.yaml, trying
/// again with backoff while the repository cannot be read. A gitsync.yaml
/// that is wrong, or declares no target, is an error: exit 2 at start
/// rather than a daemon watching nothing (or a restart loop of panics).
async fn target_names(
    settings: &Settings,
    render: &RenderSettings,
) -> anyhow::Result<Option<Vec<Option<String>>>> {
    match &settings.targets {
        TargetSelection::Default => return Ok(Some(vec![None])),
        TargetSelection::Named(names) => {
            return Ok(Some(names.iter().cloned().map(Some).collect()));
        }
        TargetSelection::All => {}
    }
    let mut failures = 0;
    loop {
        let (s, r) = (settings.clone(), render.clone());
        match tokio::task::spawn_blocking(move || crate::load::resolve(&s, &r)).await {
            Ok(Ok((_, targets))) => {
                let names: Vec<Option<String>> = targets.into_iter().map(|t| t.name).collect();
                if names.is_empty() {
                    anyhow::bail!(
                        "{CONFIG_FILE} declares no targets (targets: []): watch --all-targets has nothing to watch; add a target, or name one with --target"
                    );
                }
                tracing::info!(
                    targets = names.len(),
                    "watching every target of gitsync.yaml"
                );
                return Ok(Some(names));
            }
            Ok(Err(e)) if is_config_error(&e) => {
                return Err(e.context(format!("reading the targets of {CONFIG_FILE}")));
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %format!("{e:#}"), "cannot read the targets; trying again")
            }
            Err(e) => tracing::warn!(error = %e, "reading the targets failed"),
        }
        failures += 1;
        tokio::time::sleep(super::schedule::backoff(failures)).await;
    }
}

/// gitsync.yaml itself is wrong (not a fetch or a disk that may recover).
fn is_config_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<ConfigError>()
            .is_some_and(|c| !matches!(c, ConfigError::Io { .. }))
    })
}

/// The command's settings with only `name` selected.
fn for_target(settings: &Settings, name: &Option<String>) -> Settings {
    let mut one = settings.clone();
    if let Some(name) = name {
        one.targets = TargetSelection::Named(vec![name.clone()]);
    }
    one
}

/// Joins the replicas running these targets: a membership Lease in the
/// first target's cluster, and a first count of the live ones. `None`
/// (logged) when that cluster cannot be reached in time: targets are then
/// taken as they come free, without spreading.
async fn join(
    settings: &Settings,
    render: &RenderSettings,
    names: &[Option<String>],
    watch: &WatchSettings,
    spread: &Spread,
) -> Option<Arc<Membership>> {
    let identity = crate::source::identity(&settings.source.repo);
    // Replicas of --all-targets group by that, since the list may change.
    let listed: Vec<&str> = match settings.targets {
        TargetSelection::All => vec!["--all-targets"],
        _ => names.iter().flatten().map(String::as_str).collect(),
    };
    let group = short_hash(&format!(
        "{identity}\0{}\0{}",
        watch.name.as_deref().unwrap_or_default(),
        listed.join("\0")
    ));
    // Never empty (checked at start); an error rather than a panic if so.
    let first = names.first().map(|name| for_target(settings, name));
    let joined = async {
        let first = first.context("no target")?;
        let r = render.clone();
        let (_, targets) =
            tokio::task::spawn_blocking(move || crate::load::resolve(&first, &r)).await??;
        let target = targets.into_iter().next().context("no target")?;
        let cluster = Cluster::connect(&ConnectOptions {
            kubeconfig: target.kubeconfig.as_deref(),
            context: target.context.as_deref(),
            namespace: target.namespace.as_deref(),
        })
        .await?;
        let membership =
            Membership::new(cluster.client.clone(), &cluster.default_namespace, &group);
        spread::count(spread, &membership).await;
        anyhow::Ok(Arc::new(membership))
    };
    match tokio::time::timeout(JOIN_TIMEOUT, joined).await {
        Ok(Ok(m)) => Some(m),
        Ok(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot count the other replicas: targets are not spread");
            None
        }
        Err(_) => {
            tracing::warn!("counting the other replicas timed out: targets are not spread");
            None
        }
    }
}
