//! `gitsync watch` against the local cluster: a real daemon process.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, project_root};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(commits_are_applied_and_drift_is_reverted),
        crate::trial!(webhook_needs_the_right_signature),
        crate::trial!(an_unauthenticated_webhook_flood_is_refused_cheaply),
        crate::trial!(api_server_restart_does_not_end_the_daemon),
        crate::trial!(deploy_manifests_pass_a_server_side_dry_run),
        crate::trial!(only_the_lease_holder_acts),
        crate::trial!(every_command_names_a_target_s_applyset_alike),
    ]
}

/// A running `gitsync watch`; killed if the test ends early.
pub(crate) struct Daemon {
    pub(crate) child: Child,
    port: u16,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Daemon {
    pub(crate) fn start(
        kubeconfig: &std::path::Path,
        repo: &GitRepo,
        ns: &str,
        extra: &[&str],
    ) -> Daemon {
        let url = format!("file://{}", repo.path().display());
        Daemon::start_with(kubeconfig, &url, ns, extra, &[])
    }

    /// Watches `url`, with extra environment (PATH with a fault wrapper).
    pub(crate) fn start_with(
        kubeconfig: &std::path::Path,
        url: &str,
        ns: &str,
        extra: &[&str],
        env: &[(&str, std::ffi::OsString)],
    ) -> Daemon {
        let mut args = vec!["--repo", url, "-n", ns, "--kubeconfig"];
        let kubeconfig = kubeconfig.to_str().expect("a UTF-8 path");
        args.push(kubeconfig);
        args.extend_from_slice(extra);
        Daemon::spawn(&args, env)
    }

    /// `gitsync watch ARGS --listen <a free port>` with extra environment.
    pub(crate) fn spawn(args: &[&str], env: &[(&str, std::ffi::OsString)]) -> Daemon {
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("watch.log");
        let mut cmd = gitsync(&project_root());
        cmd.envs(env.iter().map(|(k, v)| (*k, v)));
        let child = cmd
            .arg("watch")
            .args(args)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "gitsync=info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("starting gitsync watch");
        Daemon {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    /// The daemon's log as a Run, for `check!` messages.
    pub(crate) fn as_run(&self) -> Run {
        Run {
            code: 0,
            stdout: self.get("/metrics").1,
            stderr: self.log(),
        }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        http(self.port, "GET", path, &[], b"")
    }

    /// SIGTERM, then the exit code.
    pub(crate) fn stop(mut self) -> Option<i32> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A bare HTTP/1.1 request; (status, body). Status 0 when nothing answers.
pub(crate) fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    if s.write_all(req.as_bytes())
        .and_then(|_| s.write_all(body))
        .is_err()
    {
        return (0, String::new());
    }
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Polls `cond` every 50 ms until it holds; the time it took, or None.
pub(crate) fn within(limit: Duration, mut cond: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

pub(crate) fn cm(value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  value: {value}\n"
    )
}

fn cm_value(cluster: &Cluster, ns: &str) -> String {
    crate::harness::configmap_value(cluster, ns, "watched")
}

fn commits_are_applied_and_drift_is_reverted() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("watch");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let daemon = Daemon::start(cluster.kubeconfig(), &repo, n, &["--interval", "1s"]);
    let first = within(Duration::from_secs(30), || cm_value(cluster, n) == "one");
    check!(first.is_some(), daemon.as_run(), "first sync");
    check!(
        within(Duration::from_secs(5), || daemon.get("/readyz").0 == 200).is_some(),
        daemon.as_run(),
        "ready after the first sync"
    );
    check!(daemon.get("/healthz").0 == 200, daemon.as_run(), "alive");

    // A new commit is applied within 5 s.
    repo.commit(&[("cm.yaml", &cm("two"))], "two");
    let applied = within(Duration::from_secs(5), || cm_value(cluster, n) == "two");
    check!(
        applied.is_some(),
        daemon.as_run(),
        "new commit applied within 5 s"
    );
    println!("    new commit applied after {:?}", applied.unwrap());

    // A change behind Git's back is reverted within 5 s.
    let r = kubectl(
        cluster,
        &[
            "patch",
            "configmap",
            "watched",
            "-n",
            n,
            "-p",
            r#"{"data":{"value":"hacked"}}"#,
        ],
    );
    check!(r.code == 0, r, "patch");
    let reverted = within(Duration::from_secs(5), || cm_value(cluster, n) == "two");
    check!(
        reverted.is_some(),
        daemon.as_run(),
        "drift reverted within 5 s"
    );
    println!("    drift reverted after {:?}", reverted.unwrap());
    // ...and says so on the ApplySet parent, as a Kubernetes Event.
    let told = within(Duration::from_secs(5), || {
        crate::events::events(cluster, n).is_ok_and(|seen| {
            let has = |kind: &str, reason: &str| {
                seen.iter().any(|(t, r, note, _)| {
                    t == kind && r == reason && note.contains("ConfigMap watched")
                })
            };
            has("Warning", "DriftDetected") && has("Normal", "DriftReverted")
        })
    });
    check!(
        told.is_some(),
        daemon.as_run(),
        "DriftDetected and DriftReverted events: {:?}",
        crate::events::events(cluster, n)
    );

    // A member deleted behind Git's back comes back.
    let r = kubectl(cluster, &["delete", "configmap", "watched", "-n", n]);
    check!(r.code == 0, r, "delete");
    let restored = within(Duration::from_secs(5), || cm_value(cluster, n) == "two");
    check!(
        restored.is_some(),
        daemon.as_run(),
        "deleted member restored within 5 s"
    );

    // A commit that does not render leaves the last good revision applied.
    repo.commit(
        &[(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [broken\n",
        )],
        "broken",
    );
    let errored = within(Duration::from_secs(5), || {
        daemon
            .get("/metrics")
            .1
            .contains("gitsync_render_errors_total 1")
    });
    check!(errored.is_some(), daemon.as_run(), "render error counted");
    check!(
        cm_value(cluster, n) == "two",
        daemon.as_run(),
        "last good revision kept"
    );
    let metrics = daemon.get("/metrics").1;
    for want in [
        "gitsync_syncs_total{result=\"success\"}",
        "gitsync_drift_events_total",
        "gitsync_synced_revision_info{revision=",
        "gitsync_last_sync_timestamp_seconds",
    ] {
        check!(
            metrics.contains(want),
            Run {
                code: 0,
                stdout: metrics.clone(),
                stderr: String::new()
            },
            "/metrics has {want}"
        );
    }
    // And the next good commit is applied again.
    repo.commit(&[("cm.yaml", &cm("three"))], "fixed");
    check!(
        within(Duration::from_secs(5), || cm_value(cluster, n) == "three").is_some(),
        daemon.as_run(),
        "recovers on the next commit"
    );

    let log = daemon.log();
    let code = daemon.stop();
    let r = Run {
        code: code.unwrap_or(-1),
        stdout: String::new(),
        stderr: log,
    };
    check!(code == Some(0), r, "SIGTERM ends it with exit 0");
    Ok(())
}

fn webhook_needs_the_right_signature() -> TestResult {
    use hmac::{KeyInit, Mac};
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("webhook");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let secret_dir = tempfile::tempdir()?;
    let secret_file = secret_dir.path().join("secret");
    std::fs::write(&secret_file, "s3cret\n")?;
    // A long interval: only the webhook can make it poll again.
    let daemon = Daemon::start(
        cluster.kubeconfig(),
        &repo,
        n,
        &[
            "--interval",
            "1h",
            "--webhook-secret-file",
            secret_file.to_str().unwrap(),
            "--log-format",
            "json",
        ],
    );
    check!(
        within(Duration::from_secs(30), || cm_value(cluster, n) == "one").is_some(),
        daemon.as_run(),
        "first sync"
    );
    repo.commit(&[("cm.yaml", &cm("two"))], "two");
    let body = br#"{"ref":"refs/heads/main"}"#;
    let (status, _) = http(
        daemon.port,
        "POST",
        "/webhook",
        &[(
            "X-Hub-Signature-256",
            "sha256=0000000000000000000000000000000000000000000000000000000000000000",
        )],
        body,
    );
    check!(
        status == 401,
        daemon.as_run(),
        "wrong signature → 401, got {status}"
    );
    let (status, _) = http(daemon.port, "POST", "/webhook", &[], body);
    check!(
        status == 401,
        daemon.as_run(),
        "no signature → 401, got {status}"
    );
    std::thread::sleep(Duration::from_secs(2));
    check!(
        cm_value(cluster, n) == "one",
        daemon.as_run(),
        "a rejected webhook triggers nothing"
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret")?;
    mac.update(body);
    let sig: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (status, _) = http(
        daemon.port,
        "POST",
        "/webhook",
        &[("X-Hub-Signature-256", &format!("sha256={sig}"))],
        body,
    );
    check!(
        status == 202,
        daemon.as_run(),
        "right signature → 202, got {status}"
    );
    let took = within(Duration::from_secs(5), || cm_value(cluster, n) == "two");
    check!(
        took.is_some(),
        daemon.as_run(),
        "the webhook triggers a sync at once"
    );
    let (status, _) = http(
        daemon.port,
        "POST",
        "/webhook",
        &[("X-Gitlab-Token", "s3cret")],
        b"{}",
    );
    // --log-format json: every log line is a JSON object.
    let log = daemon.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    check!(
        !lines.is_empty()
            && lines
                .iter()
                .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v.is_object())),
        daemon.as_run(),
        "JSON log lines"
    );
    check!(status == 202, daemon.as_run(), "GitLab token → 202");
    check!(
        daemon.stop() == Some(0),
        Run {
            code: 0,
            stdout: String::new(),
            stderr: String::new()
        },
        "exit 0"
    );
    Ok(())
}

/// Peak resident memory of a process (VmHWM), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// One POST of `body` with `headers`, written while the answer is read (the
/// server may answer and close before the body is sent); the status, 0 if
/// none came.
fn post_flood(port: u16, headers: &str, body: &'static [u8]) -> u16 {
    let Ok(s) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(20)));
    let mut w = s.try_clone().expect("clone");
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: localhost\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    );
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(head.as_bytes()).and_then(|_| w.write_all(body));
    });
    let mut resp = Vec::new();
    let mut buf = [0u8; 4096];
    let mut r = s;
    // A reset after the answer arrived ends it like a close.
    while let Ok(n @ 1..) = r.read(&mut buf) {
        resp.extend_from_slice(&buf[..n]);
    }
    let _ = writer.join();
    String::from_utf8_lossy(&resp)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// 240 unauthenticated webhook calls, 48 at a time, most carrying 5 MiB
/// bodies (the kind of flood that used to exhaust the Pod's 256 Mi): every
/// one is refused with 401, /healthz keeps answering throughout, and the
/// daemon's peak RSS stays under 100 MB. Loopback only, bounded in count
/// and time.
fn an_unauthenticated_webhook_flood_is_refused_cheaply() -> TestResult {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    static BIG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    static SMALL: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let big: &'static [u8] = BIG.get_or_init(|| vec![b'{'; 5 * 1024 * 1024]);
    let small: &'static [u8] = SMALL.get_or_init(|| vec![b'{'; 512 * 1024]);

    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("flood");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let secret_dir = tempfile::tempdir()?;
    let secret_file = secret_dir.path().join("secret");
    std::fs::write(&secret_file, "s3cret\n")?;
    let daemon = Daemon::start(
        cluster.kubeconfig(),
        &repo,
        n,
        &[
            "--interval",
            "1h",
            "--webhook-secret-file",
            secret_file.to_str().unwrap(),
        ],
    );
    check!(
        within(Duration::from_secs(30), || cm_value(cluster, n) == "one").is_some(),
        daemon.as_run(),
        "first sync"
    );
    let pid = daemon.child.id();
    let port = daemon.port;

    const TOTAL: usize = 240;
    const PARALLEL: usize = 48;
    let statuses = Arc::new(Mutex::new(Vec::with_capacity(TOTAL)));
    let done = Arc::new(AtomicBool::new(false));
    // /healthz all along: every answer 200, each within 2 s.
    let probe = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut worst = Duration::ZERO;
            let mut bad = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                let (status, _) = http(port, "GET", "/healthz", &[], b"");
                worst = worst.max(t.elapsed());
                if status != 200 {
                    bad.push(status);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            (worst, bad)
        })
    };
    let started = Instant::now();
    let workers: Vec<_> = (0..PARALLEL)
        .map(|w| {
            let statuses = Arc::clone(&statuses);
            std::thread::spawn(move || {
                for i in (w..TOTAL).step_by(PARALLEL) {
                    let status = match i % 4 {
                        // No credentials at all.
                        0 | 1 => post_flood(port, "", big),
                        // A wrong GitLab token: judged before the body.
                        2 => post_flood(port, "X-Gitlab-Token: guess\r\n", big),
                        // A wrong GitHub signature: the body is read (bounded).
                        _ => post_flood(
                            port,
                            "X-Hub-Signature-256: sha256=00000000000000000000000000000000000000000000000000000000000000ff\r\n",
                            small,
                        ),
                    };
                    statuses.lock().unwrap().push(status);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (worst_probe, bad_probes) = probe.join().expect("probe thread");
    let statuses = statuses.lock().unwrap().clone();
    let rss = peak_rss(pid);
    println!(
        "    {TOTAL} calls in {took:?}; slowest /healthz {worst_probe:?}; peak RSS {} MB",
        rss / 1_000_000
    );
    let refused = statuses.iter().filter(|s| **s == 401).count();
    check!(
        refused == TOTAL,
        daemon.as_run(),
        "every call got 401: {refused} of {TOTAL}; others: {:?}",
        statuses.iter().filter(|s| **s != 401).collect::<Vec<_>>()
    );
    check!(
        bad_probes.is_empty() && worst_probe < Duration::from_secs(2),
        daemon.as_run(),
        "/healthz answered 200 throughout (bad: {bad_probes:?}, slowest {worst_probe:?})"
    );
    check!(
        rss > 0 && rss < 100_000_000,
        daemon.as_run(),
        "peak RSS under 100 MB: {rss} bytes"
    );
    check!(
        took < Duration::from_secs(120),
        daemon.as_run(),
        "bounded in time: {took:?}"
    );
    check!(
        cm_value(cluster, n) == "one" && daemon.log().matches("polling now").count() == 0,
        daemon.as_run(),
        "no webhook-triggered poll"
    );
    Ok(())
}

/// Its own cluster: stopping the API server must not disturb other tests.
fn api_server_restart_does_not_end_the_daemon() -> TestResult {
    let dir = tempfile::Builder::new()
        .prefix("gitsync-restart-")
        .tempdir()?;
    let script = project_root().join("scripts/local-cluster");
    let up = std::process::Command::new(&script)
        .arg("up")
        .arg(dir.path())
        .arg("--stop-with-pid")
        .arg(std::process::id().to_string())
        .stdout(Stdio::null())
        .status()?;
    check!(
        up.success(),
        Run {
            code: up.code().unwrap_or(-1),
            stdout: String::new(),
            stderr: String::new()
        },
        "second cluster up"
    );
    let _down = Down(dir.path().to_path_buf());
    let kubeconfig = dir.path().join("kubeconfig");
    let kc = |args: &[&str]| -> Run {
        std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(args)
            .output()
            .expect("kubectl")
            .into()
    };
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let daemon = Daemon::start(&kubeconfig, &repo, "default", &["--interval", "1s"]);
    let value = || {
        kc(&[
            "get",
            "configmap",
            "watched",
            "-o",
            "jsonpath={.data.value}",
        ])
        .stdout
    };
    check!(
        within(Duration::from_secs(30), || value() == "one").is_some(),
        daemon.as_run(),
        "first sync"
    );

    let stop = std::process::Command::new(&script)
        .arg("stop-apiserver")
        .arg(dir.path())
        .status()?;
    check!(stop.success(), daemon.as_run(), "stop-apiserver");
    repo.commit(&[("cm.yaml", &cm("two"))], "two");
    std::thread::sleep(Duration::from_secs(3)); // the daemon polls and fails meanwhile
    let start = std::process::Command::new(&script)
        .arg("start-apiserver")
        .arg(dir.path())
        .stdout(Stdio::null())
        .status()?;
    check!(start.success(), daemon.as_run(), "start-apiserver");
    let converged = within(Duration::from_secs(30), || value() == "two");
    check!(
        converged.is_some(),
        daemon.as_run(),
        "converged after the API server came back"
    );
    println!(
        "    converged {:?} after the API server came back",
        converged.unwrap()
    );
    check!(
        daemon.stop() == Some(0),
        Run {
            code: 0,
            stdout: String::new(),
            stderr: String::new()
        },
        "still running, exit 0 on SIGTERM"
    );
    Ok(())
}

/// Stops the cluster in a directory when dropped.
pub(crate) struct Down(pub(crate) std::path::PathBuf);
impl Drop for Down {
    fn drop(&mut self) {
        let _ = std::process::Command::new(project_root().join("scripts/local-cluster"))
            .arg("down")
            .arg(&self.0)
            .stderr(Stdio::null())
            .status();
    }
}

fn deploy_manifests_pass_a_server_side_dry_run() -> TestResult {
    let cluster = Cluster::shared()?;
    let dir = project_root().join("deploy/kubernetes");
    // A dry run creates no namespace, so the namespaced objects need it
    // to exist for real.
    let r = kubectl(cluster, &["create", "namespace", "gitsync-system"]);
    check!(
        r.code == 0 || r.stderr.contains("AlreadyExists"),
        r,
        "namespace"
    );
    let r = kubectl(
        cluster,
        &[
            "apply",
            "--server-side",
            "--dry-run=server",
            "-k",
            dir.to_str().unwrap(),
        ],
    );
    check!(
        r.code == 0,
        r,
        "deploy/kubernetes is accepted by the API server"
    );

    // Least privilege, as the API server decides it: apply the RBAC for
    // real and ask what the daemon's ServiceAccount may do.
    let files: Vec<String> = [
        "serviceaccount.yaml",
        "rbac-manage.yaml",
        "rbac-cluster.yaml",
    ]
    .iter()
    .map(|f| dir.join(f).display().to_string())
    .collect();
    let mut args = vec!["apply", "--server-side"];
    for f in &files {
        args.extend(["-f", f.as_str()]);
    }
    let r = kubectl(cluster, &args);
    check!(r.code == 0, r, "RBAC applied");
    let sa = "system:serviceaccount:gitsync-system:gitsync";
    // `resource/sub` is a subresource (`kubectl auth can-i` would read it
    // as a resource name).
    let can = |verb: &str, resource: &str, ns: Option<&str>| -> bool {
        let (resource, sub) = resource.split_once('/').unwrap_or((resource, ""));
        let subresource = format!("--subresource={sub}");
        let mut args = vec!["auth", "can-i", verb, resource, "--as", sa];
        if !sub.is_empty() {
            args.push(&subresource);
        }
        match ns {
            Some(ns) => args.extend(["-n", ns]),
            None => args.push("--all-namespaces"),
        }
        kubectl(cluster, &args).stdout.trim() == "yes"
    };
    for (verb, resource, ns, allowed) in [
        ("patch", "configmaps", Some("gitsync-system"), true),
        ("delete", "deployments.apps", Some("gitsync-system"), true),
        ("list", "secrets", Some("gitsync-system"), true),
        ("create", "namespaces", None, true),
        ("list", "secrets", Some("kube-system"), false),
        ("patch", "configmaps", Some("default"), false),
        ("create", "pods/exec", Some("gitsync-system"), false),
        (
            "create",
            "serviceaccounts/token",
            Some("gitsync-system"),
            false,
        ),
        ("get", "nodes/proxy", None, false),
        ("create", "clusterroles", None, false),
        ("create", "customresourcedefinitions", None, false),
    ] {
        check!(
            can(verb, resource, ns) == allowed,
            r,
            "{verb} {resource} in {ns:?}: want allowed={allowed}"
        );
    }
    Ok(())
}

/// Two replicas with --leader-elect: one holds the Lease and syncs; when it
/// stops, it gives the Lease up and the other takes over.
fn only_the_lease_holder_acts() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("leader");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let args = [
        "--interval",
        "1s",
        "--leader-elect",
        "--name",
        "leader-test",
    ];
    let a = Daemon::start(cluster.kubeconfig(), &repo, n, &args);
    check!(
        within(Duration::from_secs(30), || cm_value(cluster, n) == "one").is_some(),
        a.as_run(),
        "first sync"
    );
    let b = Daemon::start(cluster.kubeconfig(), &repo, n, &args);
    let holder = || {
        kubectl(
            cluster,
            &[
                "get",
                "lease",
                "gitsync-leader-test",
                "-n",
                n,
                "-o",
                "jsonpath={.spec.holderIdentity}",
            ],
        )
        .stdout
    };
    let first = holder();
    check!(
        first.ends_with(&format!("-{}", a.child.id())),
        a.as_run(),
        "the first replica holds the lease: {first:?}"
    );
    // b stands by: its log never says it synced.
    repo.commit(&[("cm.yaml", &cm("two"))], "two");
    check!(
        within(Duration::from_secs(5), || cm_value(cluster, n) == "two").is_some(),
        a.as_run(),
        "the leader syncs"
    );
    check!(
        !b.log().contains("synced"),
        b.as_run(),
        "the standby did not sync"
    );
    check!(a.stop() == Some(0), b.as_run(), "leader stops cleanly");
    let b_id = format!("-{}", b.child.id());
    check!(
        within(Duration::from_secs(20), || holder().ends_with(&b_id)).is_some(),
        b.as_run(),
        "the standby takes the lease"
    );
    repo.commit(&[("cm.yaml", &cm("three"))], "three");
    check!(
        within(Duration::from_secs(10), || cm_value(cluster, n) == "three").is_some(),
        b.as_run(),
        "the new leader syncs"
    );
    check!(
        b.stop() == Some(0),
        Run {
            code: 0,
            stdout: String::new(),
            stderr: String::new()
        },
        "exit 0"
    );
    Ok(())
}

/// diff, sync, drift and watch derive one ApplySet name for one target:
/// sync's parent is what diff and drift compare with, and watch's Lease is
/// named after it (it once followed --path instead of the target's path).
fn every_command_names_a_target_s_applyset_alike() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("naming");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[
            (
                "gitsync.yaml",
                "targets:\n  - name: web\n    path: deploy/web\n",
            ),
            ("deploy/web/cm.yaml", &cm("one")),
        ],
        "one",
    );
    let url = format!("file://{}", repo.path().display());
    let cmd = |args: &[&str]| {
        let mut c = gitsync(&project_root());
        c.args(["--repo", &url, "--target", "web", "-n", n, "--kubeconfig"])
            .arg(cluster.kubeconfig())
            .args(args);
        crate::harness::run(&mut c)
    };
    let sync = cmd(&["sync", "-o", "json", "--no-wait"]);
    check!(sync.code == 0, sync, "sync exits 0");
    let json: serde_json::Value = serde_json::from_str(&sync.stdout).unwrap();
    let name = json["applyset"]["name"].as_str().unwrap().to_string();
    check!(
        name.contains("deploy-web"),
        sync,
        "named after the target's path: {name}"
    );
    let diff = cmd(&["diff"]);
    check!(
        diff.code == 0,
        diff,
        "diff finds sync's ApplySet: nothing to do"
    );
    let drift = cmd(&["drift"]);
    check!(
        drift.code == 0,
        drift,
        "drift compares with sync's ApplySet"
    );
    let daemon = Daemon::start(
        cluster.kubeconfig(),
        &repo,
        n,
        &["--target", "web", "--interval", "1s", "--leader-elect"],
    );
    let lease = || kubectl(cluster, &["get", "lease", &name, "-n", n, "-o", "name"]).code == 0;
    check!(
        within(Duration::from_secs(30), lease).is_some(),
        daemon.as_run(),
        "watch's Lease is named after the same ApplySet ({name})"
    );
    check!(
        !daemon.log().contains("belongs to another ApplySet"),
        daemon.as_run(),
        "watch syncs into the same ApplySet"
    );
    Ok(())
}
