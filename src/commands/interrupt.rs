//! `sync`'s handling of SIGINT and SIGTERM, and its other small helpers.

use std::time::Duration;

use tokio::sync::watch;

use crate::exit::ExitStatus;

pub(super) fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Watches SIGINT and SIGTERM: the first one closes the returned flag's
/// gate (writes in flight finish, no new one starts); a second one ends
/// the process at once.
pub(super) fn on_interrupt() -> anyhow::Result<watch::Receiver<bool>> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, rx) = watch::channel(false);
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            if tx.send_replace(true) {
                crate::report::note("interrupted again: exiting now");
                std::process::exit(ExitStatus::Interrupted.code().into());
            }
            crate::report::note(
                "interrupted: letting the writes in flight finish, starting no new one (interrupt again to exit now)",
            );
        }
    });
    Ok(rx)
}

/// `work`'s result, or `None` once interrupted (for work that writes
/// nothing, so it may stop anywhere).
pub(super) async fn until_interrupted<T>(
    interrupted: &watch::Receiver<bool>,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    let mut rx = interrupted.clone();
    tokio::select! {
        out = work => Some(out),
        _ = rx.wait_for(|&stop| stop) => None,
    }
}
