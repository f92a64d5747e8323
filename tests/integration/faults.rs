//! Real faults, and what gitsync does about them: a stopped API server, a
//! renderer that fails for a while, a Git remote that goes away, `kill -9`
//! in the middle of a sync, a leader whose process hangs.
//!
//! The helpers at the top inject the faults and are meant for reuse. A
//! fault that would disturb other tests (stopping an API server) gets a
//! cluster of its own ([`OwnCluster`]).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Secret, ServiceAccount};
use kube::Client;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use libtest_mimic::Trial;

use crate::check;
use crate::harness::{
    Cluster, GitRepo, Run, TestResult, block_on, gitsync, kubectl, path_with, project_root,
    render_tools, run,
};
use crate::watch::{Daemon, Down, cm, within};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(a_stopped_api_server_ends_cli_commands_in_time),
        crate::trial!(watch_rides_out_a_stopped_api_server),
        crate::trial!(a_renderer_that_fails_twice_does_not_lose_the_commit),
        crate::trial!(a_remote_that_goes_away_does_not_lose_the_commit),
        crate::trial!(kill_9_at_any_moment_of_a_sync_leaves_no_orphans),
        crate::trial!(a_leader_that_hangs_never_writes_beside_the_new_one),
        crate::trial!(a_leader_whose_api_calls_hang_never_writes_beside_the_new_one),
        crate::trial!(an_http_remote_that_stalls_mid_answer_is_an_error_in_time),
    ]
}

// ---- fault helpers -------------------------------------------------------

/// Sends `signal` to `pid`.
pub fn signal(pid: u32, signal: libc::c_int) {
    // SAFETY: kill(2) takes plain integers; a stale pid only fails.
    unsafe {
        libc::kill(pid as libc::pid_t, signal);
    }
}

/// A cluster for one test, for faults that would disturb the shared one.
pub struct OwnCluster {
    // Fields drop in order: the cluster stops before its directory goes
    // (the other way round, `down` finds no pid files and stops nothing).
    _down: Down,
    dir: tempfile::TempDir,
}

impl OwnCluster {
    pub fn start() -> Result<OwnCluster, libtest_mimic::Failed> {
        let dir = tempfile::Builder::new()
            .prefix("gitsync-faults-")
            .tempdir()?;
        let up = Command::new(project_root().join("scripts/local-cluster"))
            .arg("up")
            .arg(dir.path())
            .arg("--stop-with-pid")
            .arg(std::process::id().to_string())
            .stdout(Stdio::null())
            .stdin(Stdio::null())
            .status()?;
        if !up.success() {
            return Err(format!("scripts/local-cluster up failed: {up}").into());
        }
        let down = Down(dir.path().to_path_buf());
        Ok(OwnCluster { _down: down, dir })
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// The API server's pid, as `scripts/local-cluster` recorded it.
    pub fn apiserver_pid(&self) -> u32 {
        let text = std::fs::read_to_string(self.dir.path().join("kube-apiserver.pid"))
            .expect("kube-apiserver.pid");
        text.trim().parse().expect("a pid")
    }

    /// SIGSTOP: the server hangs, as a wedged control plane or a network
    /// that drops packets looks to a client.
    pub fn stop_apiserver(&self) {
        signal(self.apiserver_pid(), libc::SIGSTOP);
    }

    /// SIGCONT after [`OwnCluster::stop_apiserver`].
    pub fn continue_apiserver(&self) {
        signal(self.apiserver_pid(), libc::SIGCONT);
    }

    /// Kills the API server (etcd keeps the state); `start-apiserver`
    /// brings it back.
    pub fn kill_apiserver(&self) -> bool {
        self.script("stop-apiserver")
    }

    pub fn start_apiserver(&self) -> bool {
        self.script("start-apiserver")
    }

    fn script(&self, verb: &str) -> bool {
        Command::new(project_root().join("scripts/local-cluster"))
            .arg(verb)
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The API server's audit log so far (every request, one JSON line
    /// each).
    pub fn audit_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("audit.log")).unwrap_or_default()
    }

    pub fn kubectl(&self, args: &[&str]) -> Run {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("kubectl")
            .into()
    }
}

/// A kube client for a kubeconfig.
pub fn client_for(kubeconfig: &Path) -> Client {
    block_on(async {
        let kc = Kubeconfig::read_from(kubeconfig).expect("kubeconfig");
        let config = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
            .await
            .expect("kubeconfig");
        Client::try_from(config).expect("client")
    })
}

/// A `kustomize` first on PATH that fails while its counter file says so
/// (decrementing it each time), then runs the real one.
pub struct FlakyRenderer {
    dir: tempfile::TempDir,
}

impl FlakyRenderer {
    pub fn new() -> Result<FlakyRenderer, libtest_mimic::Failed> {
        let real = render_tools()?.join("kustomize");
        let dir = tempfile::tempdir()?;
        let counter = dir.path().join("failures");
        std::fs::write(&counter, "0")?;
        let script = format!(
            "#!/bin/sh\nn=$(cat '{c}')\nif [ \"$n\" -gt 0 ]; then\n  echo $((n - 1)) > '{c}'\n  echo 'kustomize: injected failure' >&2\n  exit 1\nfi\nexec '{real}' \"$@\"\n",
            c = counter.display(),
            real = real.display()
        );
        let path = dir.path().join("kustomize");
        std::fs::write(&path, script)?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        Ok(FlakyRenderer { dir })
    }

    /// The next `n` runs fail.
    pub fn fail_next(&self, n: u32) {
        std::fs::write(self.dir.path().join("failures"), n.to_string()).unwrap();
    }

    pub fn failures_left(&self) -> u32 {
        std::fs::read_to_string(self.dir.path().join("failures"))
            .unwrap_or_default()
            .trim()
            .parse()
            .unwrap_or(0)
    }

    /// PATH with the wrapper first.
    pub fn path(&self) -> std::ffi::OsString {
        path_with(self.dir.path())
    }
}

/// A bare repository served over `file://`, fed from a work repository,
/// that can be made unreachable and whole again.
pub struct Remote {
    pub work: GitRepo,
    parent: tempfile::TempDir,
}

impl Remote {
    pub fn new() -> Remote {
        let work = GitRepo::new();
        let parent = tempfile::tempdir().expect("remote dir");
        let bare = parent.path().join("remote.git");
        let out = Command::new("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&bare)
            .output()
            .expect("git init --bare");
        assert!(out.status.success());
        work.git(&["remote", "add", "origin", bare.to_str().unwrap()]);
        Remote { work, parent }
    }

    fn bare(&self) -> PathBuf {
        self.parent.path().join("remote.git")
    }

    fn away(&self) -> PathBuf {
        self.parent.path().join("remote.git.away")
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.bare().display())
    }

    /// Commits and pushes; the commit's SHA.
    pub fn push(&self, files: &[(&str, &str)], message: &str) -> String {
        let sha = self.work.commit(files, message);
        let target = if self.bare().exists() {
            self.bare()
        } else {
            self.away()
        };
        self.work
            .git(&["push", "-q", target.to_str().unwrap(), "HEAD:main"]);
        sha
    }

    /// The URL leads nowhere.
    pub fn make_unreachable(&self) {
        std::fs::rename(self.bare(), self.away()).expect("moving the remote away");
    }

    pub fn make_reachable(&self) {
        std::fs::rename(self.away(), self.bare()).expect("moving the remote back");
    }

    /// The remote still lists `sha` but cannot send it: its loose commit
    /// object is moved aside (a fetch fails, a ref listing does not).
    pub fn hide_object(&self, sha: &str) {
        let (dir, file) = sha.split_at(2);
        let path = self.bare().join("objects").join(dir).join(file);
        std::fs::rename(&path, path.with_extension("hidden")).expect("hiding the object");
    }

    pub fn restore_object(&self, sha: &str) {
        let (dir, file) = sha.split_at(2);
        let path = self.bare().join("objects").join(dir).join(file);
        std::fs::rename(path.with_extension("hidden"), &path).expect("restoring the object");
    }
}

/// Runs a command, returning its result and how long it took.
/// A TCP proxy in front of an API server for one client: `pause` holds
/// every byte in both directions (a network that black-holes one replica's
/// traffic; TLS passes through untouched), `resume` delivers what was held
/// and carries on, as TCP does once a path heals.
pub struct Proxy {
    pub addr: std::net::SocketAddr,
    paused: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Proxy {
    pub fn to(upstream: std::net::SocketAddr) -> Proxy {
        use std::sync::Arc;
        use std::sync::atomic::AtomicBool;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let paused = Arc::new(AtomicBool::new(false));
        let flag = paused.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = std::net::TcpStream::connect(upstream) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone(), server.try_clone()),
                    (server.try_clone(), client.try_clone()),
                ] {
                    if let (Ok(from), Ok(to)) = (from, to) {
                        let flag = flag.clone();
                        std::thread::spawn(move || pump(from, to, &flag));
                    }
                }
            }
        });
        Proxy { addr, paused }
    }

    /// A copy of `kubeconfig` whose server is this proxy.
    pub fn kubeconfig(&self, kubeconfig: &Path, into: &Path) -> PathBuf {
        let text = std::fs::read_to_string(kubeconfig).expect("kubeconfig");
        let text: String = text
            .lines()
            .map(|l| match l.trim_start().strip_prefix("server:") {
                Some(_) => format!("    server: https://{}", self.addr),
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let path = into.join("kubeconfig-via-proxy");
        std::fs::write(&path, text).expect("write kubeconfig");
        path
    }

    pub fn pause(&self) {
        self.paused.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn resume(&self) {
        self.paused
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Copies `from` to `to`, holding what it read while `paused`.
fn pump(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    paused: &std::sync::atomic::AtomicBool,
) {
    use std::io::{Read, Write};
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        // A held packet, not a polled test condition: the wait is the
        // fault itself.
        while paused.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// The `host:port` the kubeconfig's server URL names.
fn server_addr(kubeconfig: &Path) -> std::net::SocketAddr {
    server_url(kubeconfig)
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .parse()
        .expect("server is host:port")
}

/// The server URL the kubeconfig names (its first `server:` line).
fn server_url(kubeconfig: &Path) -> String {
    let text = std::fs::read_to_string(kubeconfig).expect("kubeconfig");
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix("server:"))
        .expect("a server line")
        .trim()
        .to_string()
}

/// Flags of a watch replica in the leader tests: ApplySet (and Lease)
/// `name`, fast polls, a short request limit.
fn leader_args(name: &str) -> [&str; 7] {
    [
        "--interval",
        "1s",
        "--leader-elect",
        "--name",
        name,
        "--request-timeout",
        "2s",
    ]
}

/// Who holds the Lease of ApplySet `name` in `ns`.
fn lease_holder(cluster: &Cluster, ns: &str, name: &str) -> String {
    let lease = format!("gitsync-{name}");
    kubectl(
        cluster,
        &[
            "get",
            "lease",
            &lease,
            "-n",
            ns,
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
    )
    .stdout
}

/// Every value the ConfigMap `watched` takes, in order, from a watch.
struct ValueRecorder {
    child: Child,
    events: tempfile::NamedTempFile,
}

impl ValueRecorder {
    fn start(kubeconfig: &Path, ns: &str) -> Result<ValueRecorder, libtest_mimic::Failed> {
        let events = tempfile::NamedTempFile::new()?;
        let child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(["get", "configmap", "watched", "-n", ns, "--watch"])
            .args(["-o", "jsonpath={.data.value}{\"\\n\"}"])
            .stdout(events.reopen()?)
            .stderr(Stdio::null())
            .spawn()?;
        Ok(ValueRecorder { child, events })
    }

    /// Stops watching; the values seen, one a line.
    fn values(mut self) -> Result<String, libtest_mimic::Failed> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        Ok(std::fs::read_to_string(self.events.path())?)
    }
}

/// Once the new leader wrote "two", the ConfigMap never went back, and the
/// old leader `a` logged no sync or revert after `a_log_before`.
fn never_went_back(values: String, a: &Daemon, a_log_before: usize) -> TestResult {
    let after_two: Vec<&str> = values.lines().skip_while(|v| *v != "two").collect();
    let a_after = a.log()[a_log_before..].to_string();
    check!(
        !after_two.is_empty() && after_two.iter().all(|v| *v == "two"),
        a.as_run(),
        "the ConfigMap never went back once the new leader wrote: {values:?}"
    );
    check!(
        !a_after.contains("synced") && !a_after.contains("drift reverted"),
        a.as_run(),
        "the old leader wrote nothing after it came back:\n{a_after}"
    );
    Ok(())
}

/// A Git server over http that answers the first request with a status
/// line, headers and part of the body, then sends nothing more while
/// holding the connection open: a remote that stalls after connecting.
/// Returns its URL; it lives as long as the test process.
pub fn stalling_http_remote() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/repo.git", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut conn in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = conn.read(&mut request);
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\n\
                  Content-Type: application/x-git-upload-pack-advertisement\r\n\
                  Content-Length: 4096\r\n\r\n001e# service=git-upload-pack\n",
            );
            held.push(conn);
        }
    });
    url
}

fn timed(cmd: &mut Command) -> (Run, Duration) {
    let started = Instant::now();
    let r = run(cmd);
    (r, started.elapsed())
}

fn value_in(kubeconfig: &Path, ns: &str) -> String {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["get", "configmap", "watched", "-n", ns])
        .args(["-o", "jsonpath={.data.value}"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// `n` ConfigMaps in one file.
fn many_configmaps(prefix: &str, n: usize) -> String {
    (0..n)
        .map(|i| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {prefix}-{i}\ndata:\n  i: \"{i}\"\n---\n")
        })
        .collect()
}

// ---- tests ----------------------------------------------------------------

/// diff, drift and sync against a stopped API server (before anything and
/// in the middle of applying) exit 2 within their limit, naming the server
/// and what they were doing; once it continues, sync converges.
fn a_stopped_api_server_ends_cli_commands_in_time() -> TestResult {
    let cluster = OwnCluster::start()?;
    let kubeconfig = cluster.kubeconfig();
    let repo = GitRepo::new();
    repo.commit(&[("cms.yaml", &many_configmaps("cm", 300))], "300");
    let cmd = |verb: &str, extra: &[&str]| {
        let mut c = gitsync(repo.path());
        c.arg(verb)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["-n", "default", "--request-timeout", "3s"])
            .args(extra);
        c
    };
    let limit = Duration::from_secs(15);
    let server = server_url(&kubeconfig);

    cluster.stop_apiserver();
    for verb in ["diff", "sync", "drift"] {
        let (r, took) = timed(&mut cmd(verb, &[]));
        check!(
            r.code == 2 && took < limit,
            r,
            "{verb} against a stopped API server: exit 2 within {limit:?} (took {took:?})"
        );
        check!(
            r.stderr.contains(&server) && r.stderr.contains("did not answer within 3s"),
            r,
            "{verb} names the server and the timeout"
        );
    }
    cluster.continue_apiserver();

    // Stopped while applying: only the writes in flight wait out the limit.
    let mut sync = cmd("sync", &["--concurrency", "1", "--no-progress"]);
    let child = sync.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let api: Api<ConfigMap> = Api::namespaced(client_for(&kubeconfig), "default");
    let some_written = within(Duration::from_secs(60), || {
        block_on(api.list_metadata(&ListParams::default()))
            .map(|l| l.items.len() > 40)
            .unwrap_or(false)
    });
    cluster.stop_apiserver();
    let started = Instant::now();
    let out: Run = child.wait_with_output()?.into();
    let took = started.elapsed();
    cluster.continue_apiserver();
    check!(some_written.is_some(), out, "sync started writing");
    check!(
        out.code == 2 && took < limit,
        out,
        "sync stopped while applying: exit 2 within {limit:?} of the stop (took {took:?})"
    );
    check!(
        out.stderr.contains("did not answer within 3s") && out.stdout.contains("skipped"),
        out,
        "says the server did not answer, and what was skipped"
    );

    let r = run(&mut cmd("sync", &[]));
    check!(r.code == 0, r, "sync converges once the server continues");
    let r = run(&mut cmd("diff", &[]));
    check!(r.code == 0, r, "nothing left to change");

    // Stopped while planning: one dry run waits out the limit, not each
    // of the 300 the plan still has to make.
    repo.commit(
        &[(
            "cms.yaml",
            &many_configmaps("cm", 300).replace("i: \"", "i: \"x"),
        )],
        "all change",
    );
    let dry_runs = || cluster.audit_log().matches("dryRun=All").count();
    let before = dry_runs();
    let mut diff = cmd("diff", &["--concurrency", "1"]);
    let child = diff.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let planning = within(Duration::from_secs(60), || dry_runs() > before + 20);
    cluster.stop_apiserver();
    let started = Instant::now();
    let out: Run = child.wait_with_output()?.into();
    let took = started.elapsed();
    cluster.continue_apiserver();
    check!(planning.is_some(), out, "diff started its dry runs");
    check!(
        out.code == 2 && took < limit,
        out,
        "diff stopped while planning: exit 2 within {limit:?} of the stop (took {took:?})"
    );
    check!(
        out.stderr.contains("dry run of") && out.stderr.contains("did not answer within 3s"),
        out,
        "says which dry run the server did not answer"
    );
    Ok(())
}

/// watch stays up while the API server is stopped, says it is not ready,
/// and once the server continues applies what was pushed meanwhile and
/// heals drift within seconds.
fn watch_rides_out_a_stopped_api_server() -> TestResult {
    let cluster = OwnCluster::start()?;
    let kubeconfig = cluster.kubeconfig();
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let url = format!("file://{}", repo.path().display());
    let daemon = Daemon::start_with(
        &kubeconfig,
        &url,
        "default",
        &["--interval", "1s", "--request-timeout", "2s"],
        &[],
    );
    check!(
        within(Duration::from_secs(30), || value_in(&kubeconfig, "default")
            == "one")
        .is_some(),
        daemon.as_run(),
        "first sync"
    );
    check!(
        within(Duration::from_secs(10), || daemon.get("/readyz").0 == 200).is_some(),
        daemon.as_run(),
        "ready"
    );

    cluster.stop_apiserver();
    let not_ready = within(Duration::from_secs(15), || daemon.get("/readyz").0 == 503);
    repo.commit(&[("cm.yaml", &cm("two"))], "two");
    std::thread::sleep(Duration::from_secs(4)); // polls fail meanwhile
    let alive = daemon.get("/healthz").0;
    cluster.continue_apiserver();
    check!(
        not_ready.is_some(),
        daemon.as_run(),
        "not ready while the API server is stopped"
    );
    check!(alive == 200, daemon.as_run(), "alive all the while");

    let converged = within(Duration::from_secs(20), || {
        value_in(&kubeconfig, "default") == "two"
    });
    check!(
        converged.is_some(),
        daemon.as_run(),
        "converged after the server continued"
    );
    println!("    converged {:?} after SIGCONT", converged.unwrap());
    check!(
        within(Duration::from_secs(10), || daemon.get("/readyz").0 == 200).is_some(),
        daemon.as_run(),
        "ready again"
    );
    let r = cluster.kubectl(&[
        "patch",
        "configmap",
        "watched",
        "-p",
        r#"{"data":{"value":"hacked"}}"#,
    ]);
    check!(r.code == 0, r, "patch");
    check!(
        within(Duration::from_secs(10), || value_in(&kubeconfig, "default")
            == "two")
        .is_some(),
        daemon.as_run(),
        "drift healed"
    );

    // Killed and restarted: the streams break and re-list.
    check!(cluster.kill_apiserver(), daemon.as_run(), "stop-apiserver");
    repo.commit(&[("cm.yaml", &cm("three"))], "three");
    std::thread::sleep(Duration::from_secs(2));
    check!(
        cluster.start_apiserver(),
        daemon.as_run(),
        "start-apiserver"
    );
    check!(
        within(Duration::from_secs(30), || value_in(&kubeconfig, "default")
            == "three")
        .is_some(),
        daemon.as_run(),
        "converged after a restart"
    );
    check!(
        daemon.stop() == Some(0),
        Run::default(),
        "exit 0 on SIGTERM"
    );
    Ok(())
}

/// A renderer that fails twice, then works: watch applies that same
/// commit, with no new push.
fn a_renderer_that_fails_twice_does_not_lose_the_commit() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("flaky-render");
    let n = ns.name.as_str();
    let renderer = FlakyRenderer::new()?;
    let repo = GitRepo::new();
    let kustomization = "resources:\n  - cm.yaml\n";
    repo.commit(
        &[
            ("kustomization.yaml", kustomization),
            ("cm.yaml", &cm("one")),
        ],
        "one",
    );
    let url = format!("file://{}", repo.path().display());
    let daemon = Daemon::start_with(
        cluster.kubeconfig(),
        &url,
        n,
        &["--interval", "1s"],
        &[("PATH", renderer.path())],
    );
    check!(
        within(Duration::from_secs(30), || value_in(
            cluster.kubeconfig(),
            n
        ) == "one")
        .is_some(),
        daemon.as_run(),
        "first sync"
    );
    renderer.fail_next(2);
    repo.commit(&[("cm.yaml", &cm("two"))], "two");
    let applied = within(Duration::from_secs(30), || {
        value_in(cluster.kubeconfig(), n) == "two"
    });
    check!(
        applied.is_some(),
        daemon.as_run(),
        "the same commit is applied once the renderer works again"
    );
    check!(
        renderer.failures_left() == 0,
        daemon.as_run(),
        "the renderer failed twice"
    );
    Ok(())
}

/// A remote that goes away (its URL leads nowhere), or cannot send a
/// commit it lists: once it is back, watch applies that commit with no new
/// push.
fn a_remote_that_goes_away_does_not_lose_the_commit() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("flaky-remote");
    let n = ns.name.as_str();
    let remote = Remote::new();
    remote.push(&[("cm.yaml", &cm("one"))], "one");
    let daemon = Daemon::start_with(
        cluster.kubeconfig(),
        &remote.url(),
        n,
        &["--interval", "1s"],
        &[],
    );
    let value = || value_in(cluster.kubeconfig(), n);
    check!(
        within(Duration::from_secs(30), || value() == "one").is_some(),
        daemon.as_run(),
        "first sync"
    );

    remote.make_unreachable();
    remote.push(&[("cm.yaml", &cm("two"))], "two");
    std::thread::sleep(Duration::from_secs(3)); // polls fail meanwhile
    check!(
        value() == "one",
        daemon.as_run(),
        "nothing to apply meanwhile"
    );
    remote.make_reachable();
    check!(
        within(Duration::from_secs(30), || value() == "two").is_some(),
        daemon.as_run(),
        "applied once the remote is back"
    );

    // Listed but not fetchable: the fetch fails after the poll saw it.
    let sha = remote.push(&[("cm.yaml", &cm("three"))], "three");
    remote.hide_object(&sha);
    let failed = within(Duration::from_secs(20), || {
        daemon.log().contains("could not fetch")
    });
    remote.restore_object(&sha);
    check!(
        failed.is_some(),
        daemon.as_run(),
        "the fetch of the listed commit failed"
    );
    check!(
        within(Duration::from_secs(30), || value() == "three").is_some(),
        daemon.as_run(),
        "the same commit is applied once it can be fetched"
    );
    Ok(())
}

/// `kill -9` of a 300-object sync at five moments (nothing written yet,
/// a few, half, all but the last, while pruning): each time the next sync
/// exits 0, diff exits 0 and every labelled member is in Git. Each killed
/// sync writes a kind the previous one did not have, and the next sync's
/// commit drops it again, so its objects are found only through what the
/// parent recorded before writing.
fn kill_9_at_any_moment_of_a_sync_leaves_no_orphans() -> TestResult {
    const N: usize = 300;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("kill9");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let kinds = ["ConfigMap", "Secret", "ServiceAccount"];
    let set = |kind: &str, prefix: &str| -> String {
        (0..N)
            .map(|i| {
                format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {prefix}-{i}\n---\n")
            })
            .collect()
    };
    let sync = || {
        let mut c = gitsync(repo.path());
        c.arg("sync")
            .arg("--kubeconfig")
            .arg(cluster.kubeconfig())
            .args(["-n", n, "--name", "kill9", "--no-progress"]);
        c
    };
    let client = cluster.client();
    // Names of the labelled members of each kind, by prefix.
    let members = |kind: &str| -> Vec<String> {
        let params = ListParams::default().labels("applyset.kubernetes.io/part-of");
        let names = |items: Vec<Option<String>>| items.into_iter().flatten().collect::<Vec<_>>();
        match kind {
            "ConfigMap" => {
                block_on(Api::<ConfigMap>::namespaced(client.clone(), n).list_metadata(&params))
                    .map(|l| names(l.items.into_iter().map(|m| m.metadata.name).collect()))
                    .unwrap_or_default()
            }
            "Secret" => {
                block_on(Api::<Secret>::namespaced(client.clone(), n).list_metadata(&params))
                    .map(|l| names(l.items.into_iter().map(|m| m.metadata.name).collect()))
                    .unwrap_or_default()
            }
            _ => block_on(
                Api::<ServiceAccount>::namespaced(client.clone(), n).list_metadata(&params),
            )
            .map(|l| names(l.items.into_iter().map(|m| m.metadata.name).collect()))
            .unwrap_or_default(),
        }
    };
    let count = |kind: &str, prefix: &str| {
        members(kind)
            .iter()
            .filter(|m| m.starts_with(&format!("{prefix}-")))
            .count()
    };

    // The synced starting point.
    repo.commit(&[("objects.yaml", &set("ConfigMap", "s0"))], "s0");
    let r = run(&mut sync());
    check!(r.code == 0, r, "first sync");

    // When to kill, by what the cluster shows of the new set (and of the
    // previous one, for the prune).
    let moments: [(&str, usize); 5] = [
        ("before any object", 0),
        ("after the first objects", 1),
        ("half way", N / 2),
        ("all but the last", N - 1),
        ("while pruning", N),
    ];
    let mut step = 0;
    for (k, (moment, at)) in moments.iter().enumerate() {
        step += 1;
        let (old_kind, old) = (kinds[(step - 1) % 3], format!("s{}", step - 1));
        let (kind, prefix) = (kinds[step % 3], format!("s{step}"));
        repo.commit(&[("objects.yaml", &set(kind, &prefix))], &prefix);
        let mut child: Child = sync().stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        let reached = within(Duration::from_secs(60), || {
            let written = count(kind, &prefix);
            if *at == N {
                written == N && count(old_kind, &old) < N
            } else {
                written >= *at
            }
        });
        signal(child.id(), libc::SIGKILL);
        let _ = child.wait();
        check!(
            reached.is_some(),
            Run::default(),
            "kill {k} ({moment}): the moment was reached"
        );

        // The next commit drops the killed sync's kind and names.
        step += 1;
        let (kind, prefix) = (kinds[step % 3], format!("s{step}"));
        repo.commit(&[("objects.yaml", &set(kind, &prefix))], &prefix);
        let r = run(&mut sync());
        check!(
            r.code == 0,
            r,
            "after kill {k} ({moment}): the next sync exits 0"
        );
        let mut d = gitsync(repo.path());
        d.arg("diff")
            .arg("--kubeconfig")
            .arg(cluster.kubeconfig())
            .args(["-n", n, "--name", "kill9"]);
        let r = run(&mut d);
        check!(r.code == 0, r, "after kill {k} ({moment}): diff exits 0");
        let strays: Vec<String> = kinds
            .iter()
            .flat_map(|kd| {
                members(kd)
                    .into_iter()
                    .filter(|m| !(*kd == kind && m.starts_with(&format!("{prefix}-"))))
                    .map(move |m| format!("{kd} {m}"))
            })
            .collect();
        check!(
            strays.is_empty() && count(kind, &prefix) == N,
            Run::default(),
            "after kill {k} ({moment}): every labelled member is in Git; not in Git: {:?}",
            strays.iter().take(5).collect::<Vec<_>>()
        );
    }
    Ok(())
}

/// Two replicas with --leader-elect; the leader's process hangs (SIGSTOP)
/// long enough for the standby to take over and sync a new commit. When
/// the old leader continues, it must not write: the ConfigMap never goes
/// back to what the old leader had applied, and its log shows no sync or
/// revert after it continued.
fn a_leader_that_hangs_never_writes_beside_the_new_one() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("hung-leader");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let args = leader_args("hung-leader");
    let a = Daemon::start(cluster.kubeconfig(), &repo, n, &args);
    check!(
        within(Duration::from_secs(30), || value_in(
            cluster.kubeconfig(),
            n
        ) == "one")
        .is_some(),
        a.as_run(),
        "first sync"
    );
    let b = Daemon::start(cluster.kubeconfig(), &repo, n, &args);
    let holder = || lease_holder(cluster, n, "hung-leader");
    let recorder = ValueRecorder::start(cluster.kubeconfig(), n)?;

    signal(a.child.id(), libc::SIGSTOP);
    let b_id = format!("-{}", b.child.id());
    let took_over = within(Duration::from_secs(40), || holder().contains(&b_id));
    repo.commit(&[("cm.yaml", &cm("two"))], "two");
    let synced = within(Duration::from_secs(20), || {
        value_in(cluster.kubeconfig(), n) == "two"
    });
    let a_log_before = a.log().len();
    signal(a.child.id(), libc::SIGCONT);
    check!(
        took_over.is_some(),
        b.as_run(),
        "the standby took the lease over"
    );
    check!(synced.is_some(), b.as_run(), "the new leader synced");
    // Long enough for the old leader's overdue timers, streams and
    // renewal to run.
    std::thread::sleep(Duration::from_secs(8));
    never_went_back(recorder.values()?, &a, a_log_before)?;
    check!(
        value_in(cluster.kubeconfig(), n) == "two",
        b.as_run(),
        "Git's latest stays applied"
    );
    Ok(())
}

/// A remote over http that accepts the connection and starts answering,
/// then stalls: the fetch ends with an error naming the URL within the
/// documented read limit (30 s) instead of waiting forever.
fn an_http_remote_that_stalls_mid_answer_is_an_error_in_time() -> TestResult {
    let url = stalling_http_remote();
    let dir = tempfile::tempdir()?;
    let (r, took) = timed(gitsync(dir.path()).args(["render", "--repo", &url]));
    check!(
        r.code == 2 && took < Duration::from_secs(75),
        r,
        "a stalled fetch: exit 2 within 75 s (took {took:?})"
    );
    check!(
        r.stderr.contains(url.trim_end_matches("/repo.git")),
        r,
        "the error names the remote"
    );
    Ok(())
}

/// Two replicas with --leader-elect; every API call of the leader hangs
/// (its network black-holed, the process running on) long enough for the
/// standby to take over and sync a new commit. While hung, the old leader
/// must step down on its own deadline; when its network heals (the held
/// requests then arrive late), it must not write: the ConfigMap never goes
/// back to what it had applied, and it logs no sync or revert.
fn a_leader_whose_api_calls_hang_never_writes_beside_the_new_one() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("hung-network");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("cm.yaml", &cm("one"))], "one");
    let args = leader_args("hung-network");
    let proxy = Proxy::to(server_addr(cluster.kubeconfig()));
    let dir = tempfile::tempdir()?;
    let via_proxy = proxy.kubeconfig(cluster.kubeconfig(), dir.path());
    let a = Daemon::start(&via_proxy, &repo, n, &args);
    check!(
        within(Duration::from_secs(30), || value_in(
            cluster.kubeconfig(),
            n
        ) == "one")
        .is_some(),
        a.as_run(),
        "first sync"
    );
    let b = Daemon::start(cluster.kubeconfig(), &repo, n, &args);
    let holder = || lease_holder(cluster, n, "hung-network");
    let a_id = format!("-{}", a.child.id());
    check!(
        within(Duration::from_secs(20), || holder().contains(&a_id)).is_some(),
        a.as_run(),
        "the first replica leads"
    );
    let recorder = ValueRecorder::start(cluster.kubeconfig(), n)?;

    let a_log_paused = a.log().len();
    proxy.pause();
    // On its own deadline, with every call hanging: not because it heard
    // of the new leader.
    let stepped_down = within(Duration::from_secs(40), || {
        a.log()[a_log_paused..].contains("leadership changed leader=false")
    });
    let b_id = format!("-{}", b.child.id());
    let took_over = within(Duration::from_secs(40), || holder().contains(&b_id));
    repo.commit(&[("cm.yaml", &cm("two"))], "two");
    let synced = within(Duration::from_secs(20), || {
        value_in(cluster.kubeconfig(), n) == "two"
    });
    let a_log_before = a.log().len();
    proxy.resume();
    check!(
        stepped_down.is_some(),
        a.as_run(),
        "the hung leader stepped down"
    );
    check!(
        took_over.is_some(),
        b.as_run(),
        "the standby took the lease over"
    );
    check!(synced.is_some(), b.as_run(), "the new leader synced");
    // Long enough for the old leader's held requests to land, its streams
    // to reconnect and report the new value, and its renewal to run.
    std::thread::sleep(Duration::from_secs(8));
    never_went_back(recorder.values()?, &a, a_log_before)?;
    Ok(())
}
