//! One module per subcommand: orchestration only, the work is in the core.

use std::io::{self, Write};

use anyhow::bail;

mod load;
mod render;

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
        Command::Diff { .. }
        | Command::Sync { .. }
        | Command::Drift { .. }
        | Command::Watch { .. } => bail!("not implemented yet"),
    }
}
