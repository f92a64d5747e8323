//! The test harness: one local cluster per run, a namespace and a Git
//! repository per test, and helpers to run the real `gitsync` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};

pub type TestResult = Result<(), libtest_mimic::Failed>;

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A cluster started by `scripts/local-cluster`, the same code a user runs.
pub struct Cluster {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
/// A second cluster for tests of several clusters at once (context
/// `second`), started only when one of them runs.
static SECOND: OnceLock<Result<Cluster, String>> = OnceLock::new();
static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

impl Cluster {
    /// The run's cluster, started on first use. A start failure fails every
    /// test that needs it, with the script's message.
    pub fn shared() -> Result<&'static Cluster, libtest_mimic::Failed> {
        CLUSTER
            .get_or_init(|| Cluster::start("local"))
            .as_ref()
            .map_err(|e| e.clone().into())
    }

    /// The run's second cluster (context `second`; the shared one's is
    /// `local`), started on first use, so that two kubeconfigs merge.
    pub fn second() -> Result<&'static Cluster, libtest_mimic::Failed> {
        SECOND
            .get_or_init(|| Cluster::start("second"))
            .as_ref()
            .map_err(|e| e.clone().into())
    }

    fn start(context: &str) -> Result<Cluster, String> {
        let dir = tempfile::Builder::new()
            .prefix("gitsync-cluster-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        // --stop-with-pid: if this process dies without running its cleanup
        // (killed, aborted), the cluster still goes down.
        let status = Command::new(project_root().join("scripts/local-cluster"))
            .arg("up")
            .arg(dir.path())
            .arg("--stop-with-pid")
            .arg(std::process::id().to_string())
            .args(["--context", context])
            .stdin(Stdio::null())
            .status()
            .map_err(|e| format!("running scripts/local-cluster: {e}"))?;
        if !status.success() {
            return Err(format!("scripts/local-cluster up failed: {status}"));
        }
        let kubeconfig = dir.path().join("kubeconfig");
        Ok(Cluster { dir, kubeconfig })
    }

    /// The shared clusters' audit logs checked by `audit::foreign_deletes`,
    /// if this run started any.
    pub fn audit_of_shared() -> Option<Result<Vec<String>, String>> {
        let mut started = [&CLUSTER, &SECOND]
            .into_iter()
            .filter_map(|c| c.get()?.as_ref().ok())
            .peekable();
        started.peek()?;
        let mut foreign = Vec::new();
        for cluster in started {
            match crate::audit::foreign_deletes(&cluster.audit_log()) {
                Ok(f) => foreign.extend(f),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(foreign))
    }

    /// Stops the clusters this run started.
    pub fn stop_shared() {
        for cluster in [&CLUSTER, &SECOND]
            .into_iter()
            .filter_map(|c| c.get()?.as_ref().ok())
        {
            let _ = Command::new(project_root().join("scripts/local-cluster"))
                .arg("down")
                .arg(cluster.dir.path())
                .stdin(Stdio::null())
                .status();
        }
    }

    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The API server's audit log (scripts/cluster-bins/localcluster).
    pub fn audit_log(&self) -> PathBuf {
        self.dir.path().join("audit.log")
    }

    /// A kube client for the admin user.
    pub fn client(&self) -> Client {
        block_on(async {
            let kc = Kubeconfig::read_from(&self.kubeconfig).expect("reading kubeconfig");
            let config = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
                .await
                .expect("kubeconfig");
            Client::try_from(config).expect("client")
        })
    }

    /// A fresh namespace for one test, deleted when the guard drops.
    pub fn namespace(&'static self, test: &str) -> TestNamespace {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t-{}-{}",
            test.replace('_', "-").chars().take(40).collect::<String>(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let client = self.client();
        block_on(async {
            use k8s_openapi::api::core::v1::Namespace;
            use kube::api::{Api, PostParams};
            let ns: Namespace = serde_json::from_value(serde_json::json!({
                "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}
            }))
            .unwrap();
            Api::<Namespace>::all(client.clone())
                .create(&PostParams::default(), &ns)
                .await
                .expect("creating test namespace");
        });
        TestNamespace { name, client }
    }
}

impl Cluster {
    /// Deletes namespace `name` (which gitsync creates) when the guard
    /// drops, so that a failing test leaves nothing behind.
    pub fn namespace_guard(&'static self, name: &str) -> TestNamespace {
        TestNamespace {
            name: name.to_string(),
            client: self.client(),
        }
    }
}

pub struct TestNamespace {
    pub name: String,
    pub client: Client,
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        let client = self.client.clone();
        let name = self.name.clone();
        block_on(async move {
            use k8s_openapi::api::core::v1::Namespace;
            use kube::api::{Api, DeleteParams};
            // The test's own namespace, not gitsync's delete.
            #[allow(clippy::disallowed_methods)]
            let _ = Api::<Namespace>::all(client)
                .delete(&name, &DeleteParams::background())
                .await;
        });
    }
}

/// Runs a future on the harness's runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime")
        })
        .block_on(f)
}

/// The built binary, run with a clean environment for the parts that
/// matter (no colour, no user kubeconfig, a private cache).
pub fn gitsync(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gitsync"));
    cmd.current_dir(cwd)
        .env_remove("KUBECONFIG")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .env("GITSYNC_CACHE_DIR", test_cache_dir())
        .stdin(Stdio::null());
    cmd
}

/// gitsync's cache for this test run (repository clones).
pub fn test_cache_dir() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("cache dir"))
        .path()
        .to_path_buf()
}

#[derive(Debug, Default)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn run(cmd: &mut Command) -> Run {
    cmd.output().expect("running gitsync").into()
}

/// Fails with both streams shown, so a failing test says what happened.
#[macro_export]
macro_rules! check {
    ($cond:expr, $run:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!(
                "{}\n--- exit code: {}\n--- stdout:\n{}\n--- stderr:\n{}",
                format!($($msg)+), $run.code, $run.stdout, $run.stderr
            ).into());
        }
    };
}

/// A Git repository in a temp dir, built with the `git` CLI (tests only:
/// gitsync itself never runs git).
pub struct GitRepo {
    pub dir: tempfile::TempDir,
}

impl GitRepo {
    pub fn new() -> GitRepo {
        let dir = tempfile::Builder::new()
            .prefix("gitsync-repo-")
            .tempdir()
            .expect("repo dir");
        let repo = GitRepo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=Test Author",
                "-c",
                "user.email=author@example.com",
            ])
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Writes files (path, content) into the work tree.
    pub fn write(&self, files: &[(&str, &str)]) {
        for (path, text) in files {
            let p = self.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    /// Copies a fixture directory (relative to `fixtures/`) into `dest`.
    pub fn copy_fixture(&self, fixture: &str, dest: &str) {
        self.copy_fixture_with(fixture, dest, &[]);
    }

    /// Copies a fixture, replacing placeholders (such as `__NS__`) in every
    /// file, so that tests can share fixtures and still not collide.
    pub fn copy_fixture_with(&self, fixture: &str, dest: &str, vars: &[(&str, &str)]) {
        copy_dir(
            &project_root().join("fixtures").join(fixture),
            &self.path().join(dest),
            vars,
        );
    }

    /// Replaces `from` with `to` in one file of the work tree.
    pub fn edit(&self, path: &str, from: &str, to: &str) {
        let p = self.path().join(path);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{path} does not contain {from:?}");
        std::fs::write(p, text.replacen(from, to, 1)).unwrap();
    }

    /// Writes files and commits everything; returns the commit's SHA.
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
        self.write(files);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

fn copy_dir(from: &Path, to: &Path, vars: &[(&str, &str)]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{from:?}: {e}")) {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target, vars);
        } else {
            let mut text = std::fs::read_to_string(entry.path()).unwrap();
            for (from, to) in vars {
                text = text.replace(from, to);
            }
            std::fs::write(target, text).unwrap();
        }
    }
}

/// Runs kubectl against the cluster.
pub fn kubectl(cluster: &Cluster, args: &[&str]) -> Run {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running kubectl")
        .into()
}

/// `data.value` of ConfigMap `name` in `ns` ("" when it is missing).
pub fn configmap_value(cluster: &Cluster, ns: &str, name: &str) -> String {
    let jsonpath = "jsonpath={.data.value}";
    kubectl(
        cluster,
        &["get", "configmap", name, "-n", ns, "-o", jsonpath],
    )
    .stdout
}

/// kustomize and helm, built from their Go modules (cached) by
/// `scripts/render-tools`; the directory to put first on PATH.
pub fn render_tools() -> Result<PathBuf, libtest_mimic::Failed> {
    static TOOLS: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut guard = TOOLS.lock().unwrap();
    if let Some(p) = &*guard {
        return Ok(p.clone());
    }
    let out = Command::new(project_root().join("scripts/render-tools"))
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("scripts/render-tools: {e}"))?;
    if !out.status.success() {
        return Err(format!("scripts/render-tools failed: {}", out.status).into());
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    *guard = Some(dir.clone());
    Ok(dir)
}

/// PATH with `dir` first.
pub fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}
