//! Progress on stderr: a live indicatif line on a terminal, plain log
//! lines otherwise (CI logs want lines, not redraws); nothing with -q or
//! --no-progress.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

pub struct Progress {
    enabled: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let bar = (enabled && io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { enabled, bar }
    }

    pub fn line(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(msg.to_string()),
            None if self.enabled => {
                let _ = writeln!(io::stderr().lock(), "gitsync: {msg}");
            }
            None => {}
        }
    }
}

impl Drop for Progress {
    /// Clears a live line before results and errors are printed.
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
