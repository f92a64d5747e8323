//! One module per subcommand: orchestration only. Each composes the core
//! (load, engine, report) from the resolved settings and maps the result
//! to an exit status; the work itself lives in the core.

use std::io::{self, Write};

use anyhow::Context;

mod diff;
mod drift;
mod health;
mod image;
mod interrupt;
mod preview;
mod promote;
mod render;
mod rollback;
mod status;
mod sync;
mod targets;
mod watch;

use crate::cluster::applyset;
use crate::config::Target;
use crate::desired::DesiredSet;
use crate::engine::{Engine, PlanOptions};
use crate::exit::ExitStatus;
use crate::plan::Plan;
use crate::settings::{Command, PlanSettings, Settings};
use crate::source::CommitInfo;

/// Runs the command the settings name.
pub fn run(settings: &Settings) -> anyhow::Result<ExitStatus> {
    crate::cluster::set_request_timeout(settings.cluster.request_timeout);
    match &settings.command {
        Command::Completions { shell } => {
            // Generated into memory first: clap_complete panics on a write
            // error, and a closed pipe must stay a clean exit.
            let mut script = Vec::new();
            crate::cli::write_completions(*shell, &mut script);
            let mut out = io::stdout().lock();
            crate::exit::stdout(out.write_all(&script).and_then(|()| out.flush()))?;
            Ok(ExitStatus::Success)
        }
        Command::Render {
            render,
            explain_vars: true,
            ..
        } => render::explain_vars(settings, render),
        Command::Render {
            render,
            reveal_secrets,
            ..
        } => render::run(settings, render, *reveal_secrets),
        Command::Diff {
            render,
            plan,
            base: None,
        } => diff::run(settings, render, plan),
        Command::Diff {
            render,
            plan,
            base: Some(base),
        } => diff::run_base(settings, render, plan, base),
        Command::Sync { render, sync } => sync::run(settings, render, sync),
        Command::Preview { render, action } => preview::run(settings, render, action),
        Command::Image(image) => image::run(settings, image),
        Command::Drift { render, drift } => drift::run(settings, render, drift),
        Command::Watch { render, watch } => watch::run(settings, render, watch),
        Command::Promote { render, promote } => promote::run(settings, render, promote),
        Command::Rollback { render, rollback } => rollback::run(settings, render, rollback),
        Command::Status { render, name } => status::run(settings, render, name.as_deref()),
        Command::HealthExplain {
            object,
            wait_for_jobs,
        } => health::explain(settings, object, *wait_for_jobs),
    }
}

/// The async runtime for commands that talk to the cluster. Two workers
/// match the machines gitsync runs on in CI; the work is I/O-bound.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Connects the engine for one target; errors say which target.
async fn connect(
    settings: &Settings,
    target: &Target,
    name: Option<&str>,
    concurrency: usize,
) -> anyhow::Result<Engine> {
    let identity = crate::source::identity(&settings.source.repo);
    let name = applyset::name_for(name, &identity, &target.path);
    Engine::connect(target, &name, concurrency)
        .await
        .with_context(|| target_label(target))
}

/// Refuses an ApplySet another repository or path wrote (unless
/// `take_over`).
fn check_origin(
    settings: &Settings,
    target: &Target,
    engine: &Engine,
    take_over: bool,
) -> anyhow::Result<()> {
    let identity = crate::source::identity(&settings.source.repo);
    let path = crate::render::display_rel(&target.path);
    engine
        .check_origin(&identity, &path, take_over)
        .with_context(|| target_label(target))
}

/// A target connected to its cluster and rendered for it, with the
/// commit it was rendered from (its pin's, else the command's).
struct Prepared {
    target: Target,
    engine: Engine,
    set: DesiredSet,
    commit: Option<CommitInfo>,
    /// Who signed the revision it was rendered from, when verified.
    signed_by: Option<String>,
}

/// Plans one prepared target, as diff and sync both do with the same
/// flags, so that diff shows exactly what sync will do.
async fn plan(p: &Prepared, flags: &PlanSettings) -> anyhow::Result<Plan> {
    let (target, set, engine) = (&p.target, &p.set, &p.engine);
    let opts = PlanOptions {
        prune: target.prune && flags.prune,
        force_replace: flags.force_replace,
        force_conflicts: flags.force_conflicts,
        prune_pvcs: flags.prune_pvcs,
    };
    let mut plan = engine
        .plan(set, opts)
        .await
        .with_context(|| target_label(target))?;
    plan.no_hooks = !flags.hooks;
    Ok(plan)
}

/// `target prod`, or the rendered path when there is no gitsync.yaml.
fn target_label(target: &Target) -> String {
    match &target.name {
        Some(name) => format!("target {name}"),
        None => format!("path {}", crate::render::display_rel(&target.path)),
    }
}

/// Fails when objects could not be planned; they were printed already.
fn check_planned(failed: usize, note: &str) -> anyhow::Result<()> {
    if failed > 0 {
        anyhow::bail!(
            "{failed} object{} could not be planned (listed above){note}",
            if failed == 1 { "" } else { "s" }
        );
    }
    Ok(())
}
