//! Progress on stderr: a live indicatif line on a terminal, plain log
//! lines otherwise (CI logs want lines, not redraws); nothing with -q or
//! --no-progress.
//!
//! The engine reports what it is doing as short lines ("applied 3 of 12",
//! "2 of 5 healthy", "pruning 1 object(s)"). On a terminal the live line
//! keeps the latest count of each kind side by side, so that while objects
//! become healthy it still says how many were applied.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

/// The live line while there is one: a message from elsewhere (a signal
/// handler) goes above it instead of through it. One terminal, one line.
static LIVE: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Prints `msg` on stderr, above the live progress line if one is drawn.
pub fn note(msg: &str) {
    let live = LIVE.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match live {
        Some(bar) => bar.suspend(|| eprintln!("{msg}")),
        None => eprintln!("{msg}"),
    }
}

pub struct Progress {
    enabled: bool,
    live: Option<Live>,
}

struct Live {
    bar: indicatif::ProgressBar,
    counts: Mutex<Counts>,
}

/// What the live line shows.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    /// Objects applied, of how many to apply.
    applied: Option<(usize, usize)>,
    /// Objects healthy, of how many waited for.
    healthy: Option<(usize, usize)>,
    /// The latest line that is not a count ("pruning 2 object(s)").
    status: Option<String>,
}

impl Counts {
    fn update(&mut self, msg: &str) {
        if let Some(c) = parse_applied(msg) {
            self.applied = Some(c);
            self.status = None;
        } else if let Some(c) = parse_healthy(msg) {
            self.healthy = Some(c);
            self.status = None;
        } else {
            self.status = Some(msg.to_string());
        }
    }

    fn line(&self) -> String {
        let mut parts = Vec::new();
        if let Some((done, of)) = self.applied {
            parts.push(format!("applied {done} of {of}"));
        }
        if let Some((ready, of)) = self.healthy {
            parts.push(format!("{ready} of {of} healthy"));
        }
        parts.extend(self.status.clone());
        parts.join(" · ")
    }
}

/// "applied 3 of 12"
fn parse_applied(msg: &str) -> Option<(usize, usize)> {
    let (done, of) = msg.strip_prefix("applied ")?.split_once(" of ")?;
    Some((done.parse().ok()?, of.parse().ok()?))
}

/// "2 of 5 healthy"
fn parse_healthy(msg: &str) -> Option<(usize, usize)> {
    let (ready, of) = msg.strip_suffix(" healthy")?.split_once(" of ")?;
    Some((ready.parse().ok()?, of.parse().ok()?))
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let live = (enabled && io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            *LIVE.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar.clone());
            Live {
                bar,
                counts: Mutex::new(Counts::default()),
            }
        });
        Progress { enabled, live }
    }

    pub fn line(&self, msg: &str) {
        match &self.live {
            Some(live) => {
                let mut counts = live.counts.lock().unwrap_or_else(|e| e.into_inner());
                counts.update(msg);
                live.bar.set_message(counts.line());
            }
            None if self.enabled => {
                let _ = writeln!(io::stderr().lock(), "gitsync: {msg}");
            }
            None => {}
        }
    }
}

impl Drop for Progress {
    /// Clears the live line before results and errors are printed, so the
    /// terminal shows them as if no progress had been drawn.
    fn drop(&mut self) {
        if let Some(live) = &self.live {
            LIVE.lock().unwrap_or_else(|e| e.into_inner()).take();
            live.bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_stay_side_by_side() {
        let mut c = Counts::default();
        c.update("applied 3 of 12");
        assert_eq!(c.line(), "applied 3 of 12");
        c.update("waiting for 12 object(s) to become healthy");
        assert_eq!(
            c.line(),
            "applied 3 of 12 · waiting for 12 object(s) to become healthy"
        );
        c.update("2 of 12 healthy");
        assert_eq!(c.line(), "applied 3 of 12 · 2 of 12 healthy");
        c.update("applied 12 of 12");
        c.update("pruning 2 object(s)");
        assert_eq!(
            c.line(),
            "applied 12 of 12 · 2 of 12 healthy · pruning 2 object(s)"
        );
    }

    #[test]
    fn only_exact_counts_are_counts() {
        assert_eq!(parse_applied("applied 3 of 12"), Some((3, 12)));
        assert_eq!(parse_applied("applied some of 12"), None);
        assert_eq!(parse_healthy("2 of 5 healthy"), Some((2, 5)));
        assert_eq!(parse_healthy("2 of 5 unhealthy"), None);
        assert_eq!(parse_healthy("pruning 2 of 5 healthy"), None);
    }
}
