//! Several targets at once: each target's work runs concurrently with the
//! others' (at most `--parallel-targets` at a time), and a target that
//! fails is reported beside the others instead of stopping them.

use std::future::Future;

use anyhow::Context;
use futures::StreamExt;

use super::{Prepared, check_origin, connect, target_label};
use crate::config::Target;
use crate::exit::ExitStatus;
use crate::load::Sources;
use crate::report::Failed;
use crate::settings::{PlanSettings, RenderSettings, Settings};

/// The repository at the command's revision (and at every pin) and the
/// targets it declares for this run.
pub(super) fn resolve(
    settings: &Settings,
    render: &RenderSettings,
) -> anyhow::Result<(Sources, Vec<Target>)> {
    let (snapshot, targets) = crate::load::resolve(settings, render)?;
    let sources = Sources::load(settings, snapshot, &targets)?;
    Ok((sources, targets))
}

/// Runs `work` for every target, at most `parallel` at once, and returns
/// the results in the targets' order.
pub(super) async fn each<'t, T, F, Fut>(
    targets: &'t [Target],
    parallel: usize,
    work: F,
) -> Vec<(&'t Target, anyhow::Result<T>)>
where
    F: Fn(&'t Target) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    futures::stream::iter(targets)
        .map(|t| {
            let fut = work(t);
            async move { (t, fut.await) }
        })
        .buffered(parallel.max(1))
        .collect()
        .await
}

/// The targets that worked, with their results, and those that failed.
pub(super) type Split<'t, T> = (Vec<(&'t Target, T)>, Vec<Failed>);

/// Splits results into the targets that worked and those that failed.
/// With one target its error is the command's error, as it always was.
pub(super) fn split<T>(results: Vec<(&Target, anyhow::Result<T>)>) -> anyhow::Result<Split<'_, T>> {
    let one = results.len() == 1;
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for (target, result) in results {
        match result {
            Ok(v) => ok.push((target, v)),
            Err(e) if one => return Err(e),
            Err(e) => {
                // The whole chain: "connecting" alone says nothing.
                let error = format!("{e:#}");
                tracing::error!(target = %target_label(target), error = %error, "target failed");
                failed.push(Failed {
                    target: target.name.clone().unwrap_or_else(|| target_label(target)),
                    error,
                });
            }
        }
    }
    Ok((ok, failed))
}

/// The worst of several targets' statuses; any failed target makes it an
/// error (exit 2), after every target's report was printed.
pub(super) fn worst(
    statuses: impl IntoIterator<Item = ExitStatus>,
    failed: &[Failed],
) -> anyhow::Result<ExitStatus> {
    let rank = |s: &ExitStatus| match s {
        ExitStatus::Success => 0,
        ExitStatus::Changes => 1,
        ExitStatus::Unhealthy => 2,
        ExitStatus::Interrupted => 3,
    };
    let status = statuses
        .into_iter()
        .max_by_key(rank)
        .unwrap_or(ExitStatus::Success);
    if status == ExitStatus::Interrupted {
        return Ok(status);
    }
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|f| f.target.as_str()).collect();
        anyhow::bail!(
            "{} of the targets failed: {} (reasons above)",
            failed.len(),
            names.join(", ")
        );
    }
    Ok(status)
}

/// Renders (bad input first: before its cluster is contacted, unless it
/// has helm charts, which render for the cluster they target), connects
/// and checks whose ApplySet it is, for one target.
pub(super) async fn prepare(
    settings: &Settings,
    sources: &Sources,
    target: &Target,
    render: &RenderSettings,
    flags: &PlanSettings,
) -> anyhow::Result<Prepared> {
    let snapshot = sources.of(target);
    let helm = crate::render::uses_helm(&snapshot.root, &target.path);
    let set = if helm {
        None
    } else {
        Some(crate::load::render_blocking(&snapshot.root, target, render, None).await?)
    };
    let engine = connect(settings, target, flags.name.as_deref(), flags.concurrency).await?;
    let set = match set {
        Some(set) => set,
        None => {
            let facts = engine
                .cluster
                .capabilities()
                .await
                .with_context(|| target_label(target))?;
            crate::load::render_blocking(&snapshot.root, target, render, Some(facts)).await?
        }
    };
    check_origin(settings, target, &engine, flags.take_over)?;
    Ok(Prepared {
        target: target.clone(),
        engine,
        set,
        commit: snapshot.commit.clone(),
        signed_by: snapshot.signed_by.clone(),
    })
}
