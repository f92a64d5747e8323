//! Several targets at once: each target's work runs concurrently with the
//! others' (at most `--parallel-targets` at a time), and a target that
//! fails is reported beside the others instead of stopping them.

use std::future::Future;

use anyhow::Context;
use futures::StreamExt;

use super::{Prepared, check_origin, connect, target_label};
use crate::config::Target;
use crate::exit::ExitStatus;
use crate::fleet::order::Schedule;
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

/// How a target's work ended, for those waiting on it: `Some(t)` when it
/// is synced and healthy since `t`.
pub(super) type Passed = Option<k8s_openapi::jiff::Timestamp>;

/// Runs `work` for every target in the order of `schedule`: a target
/// starts once everything it waits for passed (and soaked), at most
/// `parallel` at once and at most its step's `maxParallel`. A target
/// whose wait failed is not started: its result is the error saying why.
pub(super) async fn each_ordered<'t, T, F, Fut>(
    targets: &'t [Target],
    schedule: &Schedule,
    parallel: usize,
    work: F,
    passed: impl Fn(&T) -> Passed,
) -> Vec<(&'t Target, anyhow::Result<T>)>
where
    F: Fn(&'t Target) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    use futures::stream::FuturesUnordered;
    use k8s_openapi::jiff::Timestamp;
    enum State<T> {
        Waiting,
        Running,
        Done(anyhow::Result<T>, Passed),
    }
    let mut state: Vec<State<T>> = targets.iter().map(|_| State::Waiting).collect();
    let mut running = FuturesUnordered::new();
    let mut groups: std::collections::HashMap<String, usize> = Default::default();
    loop {
        let mut wake: Option<std::time::Duration> = None;
        // A target held back may hold back one listed before it: scan
        // again until nothing more is decided without waiting.
        let mut decided = false;
        for i in 0..targets.len() {
            if !matches!(state[i], State::Waiting) {
                continue;
            }
            let before = &schedule.before[i];
            let failed: Vec<&str> = before
                .iter()
                .filter(|j| matches!(state[**j], State::Done(_, None)))
                .map(|j| targets[*j].name.as_deref().unwrap_or_default())
                .collect();
            if !failed.is_empty() {
                let why = crate::fleet::order::held_back(&targets[i], &failed);
                state[i] = State::Done(Err(anyhow::anyhow!(why)), None);
                decided = true;
                continue;
            }
            let mut since: Option<Timestamp> = None;
            let mut ready = true;
            for j in before {
                match &state[*j] {
                    State::Done(_, Some(t)) => {
                        let t: Timestamp = t.to_owned();
                        since = Some(since.map_or(t, |s| s.max(t)));
                    }
                    _ => ready = false,
                }
            }
            if !ready {
                continue;
            }
            if let Some(since) = since {
                let left = crate::fleet::gate::soak_left(since, schedule.soak[i], Timestamp::now());
                if !left.is_zero() {
                    wake = Some(wake.map_or(left, |w| w.min(left)));
                    continue;
                }
            }
            if running.len() >= parallel.max(1) {
                continue;
            }
            if let Some((group, limit)) = &schedule.group[i] {
                let n = groups.entry(group.clone()).or_default();
                if *n >= *limit {
                    continue;
                }
                *n += 1;
            }
            state[i] = State::Running;
            let fut = work(&targets[i]);
            running.push(async move { (i, fut.await) });
        }
        if decided {
            continue;
        }
        if running.is_empty() {
            match wake {
                Some(d) => {
                    tokio::time::sleep(d).await;
                    continue;
                }
                None => break,
            }
        }
        let next = match wake {
            Some(d) => match tokio::time::timeout(d, running.next()).await {
                Ok(next) => next,
                Err(_) => continue,
            },
            None => running.next().await,
        };
        let Some((i, result)) = next else { continue };
        if let Some((group, _)) = &schedule.group[i]
            && let Some(n) = groups.get_mut(group)
        {
            *n -= 1;
        }
        let ok = result.as_ref().ok().and_then(&passed);
        state[i] = State::Done(result, ok);
    }
    targets
        .iter()
        .zip(state)
        .map(|(t, s)| match s {
            State::Done(r, _) => (t, r),
            _ => (t, Err(anyhow::anyhow!("not started"))),
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ClusterSettings, SourceSettings, TargetSelection};

    fn targets(text: &str) -> Vec<Target> {
        let config = crate::config::ConfigFile::parse(text).unwrap();
        let source = SourceSettings {
            repo: ".".into(),
            revision: None,
            path: None,
            verify: None,
            checkout: Default::default(),
        };
        crate::config::resolve_targets(
            Some(&config),
            &TargetSelection::All,
            &source,
            &ClusterSettings::default(),
            &RenderSettings::default(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_failure_holds_back_everything_after_it_whatever_the_listing_order() {
        // c waits for b, b for a; listed backwards, and a fails.
        let all = targets(
            "targets:\n  - {name: c, dependsOn: [b]}\n  - {name: b, dependsOn: [a]}\n  - {name: a}\n  - {name: d}\n",
        );
        let schedule = Schedule::of(&all);
        let ran = std::sync::Mutex::new(Vec::new());
        let results = each_ordered(
            &all,
            &schedule,
            4,
            |t| {
                let name = t.name.clone().unwrap_or_default();
                ran.lock().unwrap().push(name.clone());
                async move { Ok(name != "a") }
            },
            |ok: &bool| ok.then(k8s_openapi::jiff::Timestamp::now),
        )
        .await;
        let mut ran = ran.into_inner().unwrap();
        ran.sort();
        assert_eq!(ran, ["a", "d"]);
        for (t, r) in &results[..2] {
            let e = r.as_ref().unwrap_err().to_string();
            assert!(
                e.contains("not started") && e.contains("waits for"),
                "{:?}: {e}",
                t.name
            );
        }
        assert!(
            results[1]
                .1
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("waits for a")
        );
        assert!(
            results[0]
                .1
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("waits for b")
        );
    }
}
