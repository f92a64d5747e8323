//! `watch --image-interval`: every interval, the image policies of the
//! branch the daemon follows are asked of their registries; an update is
//! committed on the branch's tip in a bare repository of gitsync's own
//! (in the cache, never the user's checkout) and pushed, and the target
//! loops are told to poll at once, so they sync it as any other commit.
//! A target pinned by `revision:` renders its pin, so it moves only when
//! the pin does (`promote`). A rejected push (the branch moved) waits for
//! the next round, which starts from the new tip.

use anyhow::Context;

use super::http::Shared;
use crate::image::registry::{Client, Credentials};
use crate::promote::Local;
use crate::settings::{Settings, WatchSettings};

/// Runs the rounds for ever; a failed round is logged and the next one
/// tries again.
pub async fn run(settings: &Settings, watch: &WatchSettings, shared: &Shared) {
    let Some(every) = watch.image_interval else {
        return std::future::pending().await;
    };
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match round(settings, watch).await {
            Ok(Some(commit)) => {
                tracing::info!(commit = %commit, "image update pushed; polling");
                shared.trigger.fire();
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "image update round failed"),
        }
    }
}

/// One round: the commit pushed, if there was anything newer.
async fn round(settings: &Settings, watch: &WatchSettings) -> anyhow::Result<Option<String>> {
    let url = settings.source.repo.clone();
    let branch = watch.image_branch();
    let (name, email) = watch.image_author();
    let dir = crate::source::default_cache_dir()
        .join("images")
        .join(crate::cluster::lease::short_hash(&url));
    let (local, tip, files) = {
        let (url, branch, dir) = (url.clone(), branch.clone(), dir.clone());
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let local = Local::open_bare(&dir, &name, &email)?;
            let tip = local.fetch(&url, &branch)?;
            let files = local.yaml_files_at(&tip)?;
            Ok((local, tip, files))
        })
        .await
        .context("the fetch task failed")??
    };
    let Some((_, config)) = files.iter().find(|(f, _)| f == crate::config::CONFIG_FILE) else {
        return Ok(None);
    };
    let config = crate::config::ConfigFile::parse(config)?;
    let policies = config.image_policies();
    if policies.is_empty() {
        return Ok(None);
    }
    let credentials = Credentials::load(watch.registry_credentials.as_deref())?;
    let client = Client::new(credentials, watch.insecure_registries.clone())?
        .insecure_by_repo(crate::image::insecure_hosts(&policies));
    let plan = crate::image::plan_files(files, &policies, &client).await?;
    if plan.updates.is_empty() {
        return Ok(None);
    }
    let message = crate::image::message(&plan.updates);
    let to = branch.clone();
    let pushed = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<String>> {
        let commit = local.commit_on(&tip, &plan.files, &message, None)?;
        Ok(local.push(&url, &commit, &to)?.then_some(commit))
    })
    .await
    .context("the push task failed")??;
    if pushed.is_none() {
        tracing::info!(branch = %branch, "image update push rejected: the branch moved; the next round starts from its tip");
    }
    Ok(pushed)
}
