//! `gitsync preview list | up REF | down REF`: preview environments for
//! CI. The work lives in `crate::preview::run`.

use std::io::Write;

use crate::engine::Closed;
use crate::exit::ExitStatus;
use crate::preview::run::{self, Base, Listed, UpOptions};
use crate::report::Printer;
use crate::settings::{PreviewAction, RenderSettings, Settings};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    action: &PreviewAction,
) -> anyhow::Result<ExitStatus> {
    let base = Base::load(settings)?;
    let runtime = super::runtime()?;
    let printer = Printer::new(settings.output, settings.color, 3);
    match action {
        PreviewAction::List => {
            let rows = runtime.block_on(run::list(settings, render, &base))?;
            crate::exit::stdout(printer.previews(&rows))?;
            Ok(ExitStatus::Success)
        }
        PreviewAction::Up {
            reference,
            wait,
            timeout,
            lock_timeout,
        } => {
            let opts = UpOptions {
                wait: *wait,
                timeout: *timeout,
                lock_timeout: *lock_timeout,
                concurrency: 16,
            };
            let up = runtime.block_on(run::up(settings, render, &base, reference, opts))?;
            if let Some(e) = &up.outcome.error {
                anyhow::bail!("preview {}: {e}", up.open.namespace);
            }
            let healthy = up.outcome.counts().unhealthy == 0;
            let head = up.commit.map(|c| c.sha);
            let row = Listed::new(up.open.namespace.clone(), head, "open", up.open);
            crate::exit::stdout(printer.previews(&[row]))?;
            Ok(match healthy {
                true => ExitStatus::Success,
                false => ExitStatus::Unhealthy,
            })
        }
        PreviewAction::Down {
            reference,
            lock_timeout,
        } => {
            let (instance, closed) =
                runtime.block_on(run::down(settings, render, &base, reference, *lock_timeout))?;
            let said = match closed {
                Closed::Gone => format!("no preview of {reference} is open"),
                Closed::Deleting { members } => format!(
                    "closing preview {} ({reference}): {members} object(s) and the namespace are being deleted",
                    instance.namespace
                ),
            };
            if !settings.quiet {
                writeln!(std::io::stderr().lock(), "{said}")?;
            }
            Ok(ExitStatus::Success)
        }
    }
}
