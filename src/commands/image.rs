//! `gitsync image list | update`: the newest image each policy allows,
//! and the commit that writes them into Git. The work lives in
//! `crate::image`; the commit in `crate::promote::Local`.

use anyhow::{Context, bail};

use crate::exit::ExitStatus;
use crate::image::registry::{Client, Credentials};
use crate::promote::Local;
use crate::report::Printer;
use crate::settings::{ImageSettings, Settings};

pub fn run(settings: &Settings, image: &ImageSettings) -> anyhow::Result<ExitStatus> {
    let repo = &settings.source.repo;
    if image.update && crate::source::is_url(repo) {
        bail!(
            "image update commits to a local repository, and --repo {} is a URL: run it in a clone",
            crate::source::redact_url(repo)
        );
    }
    // Bad input (a key, credentials, gitsync.yaml) before any registry.
    let key = image
        .signing_key
        .as_deref()
        .map(crate::signing::SigningKey::load)
        .transpose()?;
    let credentials = Credentials::load(image.registry_credentials.as_deref())?;
    let snapshot = crate::load::snapshot(settings)?;
    let config = crate::config::ConfigFile::load(&snapshot.root)?
        .ok_or(crate::config::ConfigError::NoConfig)
        .context("image policies are declared in gitsync.yaml `images:`")?;
    let policies = config.image_policies();
    if policies.is_empty() {
        bail!("gitsync.yaml declares no image policies (`images:`)");
    }
    let client = Client::new(credentials, image.insecure_registries.clone())?
        .insecure_by_repo(crate::image::insecure_hosts(&policies));
    let runtime = super::runtime()?;
    let plan = runtime.block_on(crate::image::plan(&snapshot.root, &policies, &client))?;
    let printer = Printer::new(settings.output, settings.color, 3);
    if !image.update {
        crate::exit::stdout(printer.image_statuses(&plan.statuses))?;
        return Ok(ExitStatus::Success);
    }
    if plan.updates.is_empty() || image.dry_run {
        crate::exit::stdout(printer.image_updates(&plan, None, image.dry_run))?;
        return Ok(ExitStatus::Success);
    }
    let local = Local::open(std::path::Path::new(repo))?;
    for (file, _) in &plan.files {
        local.committed(file)?;
    }
    let message = crate::image::message(&plan.updates);
    let commit = local.commit_files(&plan.files, &message, key.as_ref())?;
    let Some(branch) = &image.push else {
        crate::exit::stdout(printer.image_updates(&plan, Some(&commit), false))?;
        return Ok(ExitStatus::Success);
    };
    let remote = image.push_remote.as_str();
    if local.push(remote, &commit, branch)? {
        crate::exit::stdout(printer.image_updates(&plan, Some(&commit), false))?;
        return Ok(ExitStatus::Success);
    }
    // The branch moved: the same edit once more, on its new tip.
    let tip = local.fetch(remote, branch)?;
    tracing::info!(branch = %branch, tip = %tip, "push rejected: the branch moved; applying the update on its new tip");
    let files = local.yaml_files_at(&tip)?;
    let again = runtime.block_on(crate::image::plan_files(files, &policies, &client))?;
    if again.updates.is_empty() {
        crate::exit::stdout(printer.image_updates(&again, None, false))?;
        return Ok(ExitStatus::Success);
    }
    let message = crate::image::message(&again.updates);
    let commit = local.commit_on(&tip, &again.files, &message, key.as_ref())?;
    if !local.push(remote, &commit, branch)? {
        bail!("pushing to {branch} was rejected twice: the branch keeps moving; run again");
    }
    crate::exit::stdout(printer.image_updates(&again, Some(&commit), false))?;
    Ok(ExitStatus::Success)
}
