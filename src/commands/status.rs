//! `gitsync status`: per target, what its cluster runs (from its ApplySet
//! parent), its health and drift, and whether Git is ahead of it. The
//! looking lives in `crate::status`.

use anyhow::Context;

use super::targets;
use crate::exit::ExitStatus;
use crate::report::Printer;
use crate::settings::{RenderSettings, Settings};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    name: Option<&str>,
) -> anyhow::Result<ExitStatus> {
    let (_, selected) = crate::load::resolve(settings, render)?;
    let runtime = super::runtime()?;
    let results = runtime.block_on(targets::each(
        &selected,
        settings.parallel_targets,
        |target| async move {
            let engine = super::connect(settings, target, name, 16).await?;
            super::check_origin(settings, target, &engine, false)?;
            crate::status::target_status(settings, render, &engine, target)
                .await
                .with_context(|| super::target_label(target))
        },
    ));
    let (done, failed) = targets::split(results)?;
    let looked: Vec<&crate::config::Target> = done.iter().map(|(t, _)| *t).collect();
    let mut statuses: Vec<_> = done.iter().map(|(_, s)| s.clone()).collect();
    let identity = crate::source::identity(&settings.source.repo);
    runtime.block_on(crate::status::fill_waits(&looked, &mut statuses, |t| {
        crate::cluster::applyset::name_for(name, &identity, &t.path)
    }));
    let printer = Printer::new(settings.output, settings.color, 3).with_failed(&failed);
    crate::exit::stdout(printer.statuses(&statuses))?;
    targets::worst([ExitStatus::Success], &failed)
}
