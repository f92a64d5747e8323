//! One module per subcommand: orchestration only, the work is in the core.

use std::io::{self, IsTerminal, Write};

use crate::report::{self, Masker, Report, Style};
use crate::settings::{ColorChoice, OutputFormat};

mod diff;
mod drift;
mod load;
mod render;
mod sync;
mod target;
mod watch;

use crate::exit::ExitStatus;
use crate::settings::{Command, Settings};

/// Runs the command the settings name.
pub fn run(settings: &Settings) -> anyhow::Result<ExitStatus> {
    match &settings.command {
        Command::Completions { shell } => {
            // Generated into memory first: clap_complete panics on a write
            // error, and a closed pipe must stay a clean exit.
            let mut script = Vec::new();
            crate::cli::write_completions(*shell, &mut script);
            let mut out = io::stdout().lock();
            out.write_all(&script)?;
            out.flush()?;
            Ok(ExitStatus::Success)
        }
        Command::Render { render } => render::run(settings, render),
        Command::Diff { render, diff } => diff::run(settings, render, diff),
        Command::Sync { render, sync } => sync::run(settings, render, sync),
        Command::Drift { render, drift } => drift::run(settings, render, drift),
        Command::Watch { render, watch } => watch::run(settings, render, watch),
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

/// Colour on stdout as `--color` (and `NO_COLOR`, folded in already) say.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stdout().is_terminal(),
    }
}

/// Prints plans the way `diff` does (also `sync --dry-run`), in the
/// format the settings ask for.
fn write_plans(settings: &Settings, unified: usize, reports: &[Report]) -> anyhow::Result<()> {
    let style = Style {
        color: use_color(settings.color),
        unified,
    };
    let masker = Masker::new();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match settings.output {
        OutputFormat::Text => report::write_text(&mut out, reports, &style, &masker)?,
        OutputFormat::Json => report::write_json(&mut out, reports, &style, &masker)?,
        OutputFormat::Markdown => report::write_markdown(&mut out, reports, &style, &masker)?,
    }
    out.flush()?;
    Ok(())
}
