//! Thin entry point: parse, set up logging, dispatch, map to an exit code.

use std::process::ExitCode;

use gitsync::cli::Cli;

fn main() -> ExitCode {
    // Usage errors exit 2 from clap itself, as the contract wants.
    let settings = Cli::parse_args().into_settings();
    gitsync::logging::init(settings.verbose, settings.quiet, settings.json_logs());
    gitsync::exit::finish(gitsync::commands::run(&settings))
}
