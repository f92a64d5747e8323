//! `tracing` logs on stderr, at a level set by -v/-q unless RUST_LOG says.

use tracing_subscriber::EnvFilter;

/// `json`: one JSON object per line, for log collectors (`watch
/// --log-format json`).
pub fn init(verbose: u8, quiet: bool, json: bool) {
    let level = if quiet {
        "error"
    } else {
        match verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    // Our crate at the chosen level; dependencies one step quieter unless
    // RUST_LOG asks, so -vv is about gitsync, not hyper.
    // kube's client logs every failed request at ERROR; the command
    // reports the failure itself, with what it was doing.
    let kube = if verbose >= 2 { level } else { "off" };
    let default = format!("{level},gitsync={level},kube_client={kube}");
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
