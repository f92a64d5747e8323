//! `gitsync watch`: the pull / compare / sync daemon.
//!
//! One loop per target (`target.rs`), all in this process, sharing the
//! HTTP interface, one source poll (`poll.rs`) and, with `--leader-elect`,
//! the spreading of targets over replicas (`spread.rs`). SIGTERM or SIGINT
//! stops every loop: no new write starts, the step in flight may finish.

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
use crate::exit::ExitStatus;
use crate::settings::{RenderSettings, Settings, TargetSelection, WatchSettings};

/// How long starting up may wait to count the other replicas.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(
    settings: &Settings,
    render: &RenderSettings,
    watch: &WatchSettings,
) -> anyhow::Result<ExitStatus> {
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
    let signalled = async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = tokio::signal::ctrl_c() => {},
        }
    };
    tokio::pin!(signalled);

    let names = tokio::select! {
        names = target_names(settings, render) => names,
        _ = &mut signalled => None,
    };
    if let Some(names) = names {
        let spread = Spread::new(names.len());
        let common = Common {
            render,
            watch,
            shared: shared.clone(),
            poller: Arc::new(Poller::new(&settings.source.repo)),
            spread: spread.clone(),
        };
        let membership = match watch.leader_elect && names.len() > 1 {
            true => join(settings, render, &names, watch, &spread).await,
            false => None,
        };
        let counting = membership
            .clone()
            .map(|m| spread::keep_counting(spread.clone(), m));
        let (stop, stop_rx) = watch::channel(false);
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
        let loops = names.iter().map(|name| {
            let key = name.clone().unwrap_or_default();
            let span = match name {
                Some(name) => tracing::info_span!("target", name = %name),
                None => tracing::Span::none(),
            };
            TargetLoop::new(key, for_target(settings, name), &common)
                .run(stop_rx.clone(), hook_rx.clone())
                .instrument(span)
        });
        let all = futures::future::join_all(loops);
        tokio::pin!(all);
        tokio::select! {
            _ = &mut all => {},
            _ = &mut signalled => {
                stop.send_replace(true);
                all.await;
            }
        }
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

/// The targets to run, by name (`None`: the only one, as the flags or
/// gitsync.yaml give it). `--all-targets` reads gitsync.yaml, trying
/// again with backoff while the repository cannot be read.
async fn target_names(settings: &Settings, render: &RenderSettings) -> Option<Vec<Option<String>>> {
    match &settings.targets {
        TargetSelection::Default => return Some(vec![None]),
        TargetSelection::Named(names) => return Some(names.iter().cloned().map(Some).collect()),
        TargetSelection::All => {}
    }
    let mut failures = 0;
    loop {
        let (s, r) = (settings.clone(), render.clone());
        match tokio::task::spawn_blocking(move || crate::load::resolve(&s, &r)).await {
            Ok(Ok((_, targets))) => {
                let names: Vec<Option<String>> = targets.into_iter().map(|t| t.name).collect();
                tracing::info!(
                    targets = names.len(),
                    "watching every target of gitsync.yaml"
                );
                return Some(names);
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
    let listed: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
    let group = short_hash(&format!(
        "{identity}\0{}\0{}",
        watch.name.as_deref().unwrap_or_default(),
        listed.join("\0")
    ));
    let first = for_target(settings, &names[0]);
    let joined = async {
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
