//! Integration tests: the real `gitsync` binary against real Git
//! repositories and a real local Kubernetes API server.
//!
//! One binary with its own main (libtest-mimic) so that the cluster is
//! started once, only when a selected test needs it, and stopped after the
//! run whatever its outcome.

mod audit;
mod harness;

mod bad_input;
mod basediff;
mod cli;
mod cluster;
mod daemon;
mod dashboard;
mod diff;
mod drift;
mod events;
mod faults;
mod fleet;
mod gate;
mod health;
mod hooks;
mod ignore;
mod image;
mod image_auth;
mod multi;
mod multi_watch;
mod notify;
mod predict;
mod preview;
mod prune;
mod receiver;
mod render;
mod signatures;
mod sops;
mod sync;
mod trust;
mod vars;
mod watch;
mod workloads;
mod writes;

use libtest_mimic::{Arguments, Trial};

/// `trial!(function)` registers a test as `module::function`, so that
/// `cargo test -- render::` selects a module.
#[macro_export]
macro_rules! trial {
    ($f:ident) => {{
        let name = format!(
            "{}::{}",
            module_path!().rsplit("::").next().unwrap_or_default(),
            stringify!($f)
        );
        let watched = name.clone();
        libtest_mimic::Trial::test(name, move || $crate::within_time_limit(&watched, $f))
    }};
}

/// A test that hangs must fail the run with its name rather than let CI
/// run out of time silently: past the limit the whole binary exits (the
/// clusters stop with it, through their --stop-with-pid watchdogs).
fn within_time_limit(
    name: &str,
    test: fn() -> Result<(), libtest_mimic::Failed>,
) -> Result<(), libtest_mimic::Failed> {
    let limit = std::env::var("GITSYNC_TEST_TIME_LIMIT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(std::time::Duration::from_secs)
        .unwrap_or(std::time::Duration::from_secs(600));
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let name = name.to_string();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(limit) {
            eprintln!("test {name} still running after {limit:?}: ending the test run");
            harness::Cluster::stop_shared();
            std::process::exit(101);
        }
    });
    let result = test();
    let _ = done.send(());
    result
}

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = Vec::new();
    trials.extend(audit::tests());
    trials.extend(bad_input::tests());
    trials.extend(basediff::tests());
    trials.extend(cli::tests());
    trials.extend(cluster::tests());
    trials.extend(daemon::tests());
    trials.extend(dashboard::tests());
    trials.extend(diff::tests());
    trials.extend(drift::tests());
    trials.extend(events::tests());
    trials.extend(gate::tests());
    trials.extend(health::tests());
    trials.extend(hooks::tests());
    trials.extend(ignore::tests());
    trials.extend(image::tests());
    trials.extend(image_auth::tests());
    trials.extend(multi::tests());
    trials.extend(multi_watch::tests());
    trials.extend(notify::tests());
    trials.extend(predict::tests());
    trials.extend(preview::tests());
    trials.extend(prune::tests());
    trials.extend(faults::tests());
    trials.extend(fleet::tests());
    trials.extend(render::tests());
    trials.extend(signatures::tests());
    trials.extend(sops::tests());
    trials.extend(sync::tests());
    trials.extend(trust::tests());
    trials.extend(vars::tests());
    trials.extend(watch::tests());
    trials.extend(workloads::tests());
    trials.extend(writes::tests());
    let conclusion = libtest_mimic::run(&args, trials);
    let audit = harness::Cluster::audit_of_shared();
    harness::Cluster::stop_shared();
    match audit {
        Some(Ok(foreign)) if !foreign.is_empty() => {
            eprintln!(
                "audit: gitsync made {} delete(s) its delete gate cannot have allowed:\n  {}",
                foreign.len(),
                foreign.join("\n  ")
            );
            std::process::exit(101);
        }
        Some(Err(e)) => {
            eprintln!("audit: {e}");
            std::process::exit(101);
        }
        Some(Ok(_)) => println!(
            "audit: every delete by gitsync carried a uid precondition of an object it had applied"
        ),
        None => {}
    }
    conclusion.exit();
}
