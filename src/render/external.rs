//! External renderers: kustomize (or `kubectl kustomize`) and helm.
//!
//! They run on untrusted input (a pull request's content, in CI), so each
//! run gets: the files it may read checked first ([`super::confine`]); a
//! minimal environment ([`sandbox_env`]: PATH, a private HOME and private
//! helm/kustomize/XDG directories; no KUBECONFIG, no git or cloud
//! credentials, nothing else of gitsync's environment); its own process
//! group, killed whole when it runs longer than [`Limits::timeout`] or
//! writes more than [`Limits::max_output`].

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Document, RenderError, RenderRequest, confine, sops, yaml};

pub const KUSTOMIZE: &str = "kustomize";
pub const KUBECTL: &str = "kubectl";
pub const HELM: &str = "helm";

/// How long a renderer may run and how much it may print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Duration,
    /// Bytes of stdout (the rendered YAML).
    pub max_output: u64,
}

pub const DEFAULT_RENDER_TIMEOUT: Duration = Duration::from_secs(5 * 60);
pub const DEFAULT_MAX_OUTPUT: u64 = 256 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: DEFAULT_RENDER_TIMEOUT,
            max_output: DEFAULT_MAX_OUTPUT,
        }
    }
}

/// Renderer stderr kept for the error message; the rest is read and
/// dropped so that the renderer never blocks on a full pipe.
const STDERR_KEPT: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Kustomize,
    Helm,
}

/// Which renderer a directory needs, if any.
pub(super) fn kind_of(dir: &Path) -> Option<Kind> {
    if super::KUSTOMIZATION_FILES
        .iter()
        .any(|f| dir.join(f).is_file())
    {
        Some(Kind::Kustomize)
    } else if dir.join("Chart.yaml").is_file() {
        Some(Kind::Helm)
    } else {
        None
    }
}

pub(super) fn render(
    kind: Kind,
    req: &RenderRequest,
    root: &Path,
    dir: &Path,
    shown: &str,
) -> Result<Vec<Document>, RenderError> {
    let mut checker = confine::Checker::new(root);
    match kind {
        Kind::Kustomize => checker.kustomization(dir),
        Kind::Helm => checker.tree(dir),
    }
    if !checker.problems.is_empty() {
        return Err(super::Problems(checker.problems).into());
    }
    // The renderer's own directory (its HOME), private to this run and
    // removed with it; decrypted helm values live there and nowhere else.
    let private = private_dir().map_err(|source| RenderError::Spawn {
        dir: shown.to_string(),
        command: "(creating the renderer's private directory)".into(),
        source,
    })?;
    let mut decrypted = DecryptedValues::default();
    let (program, args) = match kind {
        Kind::Kustomize => kustomize_command(dir, shown)?,
        Kind::Helm => helm_command(req, root, dir, shown, private.path(), &mut decrypted)?,
    };
    let command_line = format!(
        "{} {}",
        program.file_name().unwrap_or_default().to_string_lossy(),
        args.iter()
            .map(|a| a.strip_prefix(&format!("{}/", root.display())).unwrap_or(a))
            .collect::<Vec<_>>()
            .join(" ")
    );
    tracing::debug!(dir = shown, command = %command_line, "rendering");
    let output = run_sandboxed(&program, &args, root, private.path(), &req.limits);
    drop(private);
    let output = output.map_err(|e| match e {
        RunError::Spawn(source) | RunError::Io(source) => RenderError::Spawn {
            dir: shown.to_string(),
            command: command_line.clone(),
            source,
        },
        RunError::Timeout => RenderError::RendererTimeout {
            dir: shown.to_string(),
            command: command_line.clone(),
            limit: format_duration(req.limits.timeout),
        },
        RunError::TooMuchOutput => RenderError::RendererOutputTooLarge {
            dir: shown.to_string(),
            command: command_line.clone(),
            limit: format_bytes(req.limits.max_output),
        },
    })?;
    if !output.status.success() {
        return Err(RenderError::RendererFailed {
            dir: shown.to_string(),
            command: command_line,
            status: output
                .status
                .code()
                .map_or_else(|| "killed".to_string(), |c| c.to_string()),
            // helm quotes values in its template errors.
            stderr: redact(
                String::from_utf8_lossy(&output.stderr).trim(),
                &decrypted.cleartexts,
            ),
        });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let label = match kind {
        Kind::Kustomize => format!("{shown} (kustomize build)"),
        Kind::Helm => format!("{shown} (helm template)"),
    };
    let mut docs = yaml::parse_documents(&label, &text).map_err(|mut p| {
        p.message = redact(&p.message, &decrypted.cleartexts);
        super::Problems(vec![p])
    })?;
    for doc in &mut docs {
        sops::mark_revealing(doc, &decrypted.secrets);
    }
    Ok(docs)
}

/// What was decrypted of SOPS-encrypted helm values for one helm run
/// (the files themselves are in the run's private directory).
#[derive(Default)]
struct DecryptedValues {
    /// Their decrypted values long enough to be looked for in the
    /// output: output that holds one is masked too.
    secrets: Vec<zeroize::Zeroizing<String>>,
    /// Every decrypted value: redacted from the renderer's errors.
    cleartexts: Vec<zeroize::Zeroizing<String>>,
}

/// What stands in for a decrypted value in a renderer's error.
const REDACTED: &str = "[redacted]";

/// `text` with every one of `cleartexts` (and every line of a multi-line
/// one) replaced, longest first so that no part of a longer one is left.
fn redact(text: &str, cleartexts: &[zeroize::Zeroizing<String>]) -> String {
    let mut needles: Vec<&str> = cleartexts
        .iter()
        .flat_map(|c| std::iter::once(c.as_str()).chain(c.lines()))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    needles.dedup();
    let mut out = text.to_string();
    for needle in needles {
        if out.contains(needle) {
            out = out.replace(needle, REDACTED);
        }
    }
    out
}

/// A fresh directory only this user can enter (0700), removed on drop.
fn private_dir() -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("gitsync-render-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()?;
    // Whatever the umask did: the mode must be exactly this.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
    Ok(dir)
}

/// `path` as helm should read it: itself, or a private decrypted copy when
/// it is SOPS-encrypted.
fn helm_values(
    path: PathBuf,
    shown: &str,
    req: &RenderRequest,
    private: &Path,
    decrypted: &mut DecryptedValues,
) -> Result<PathBuf, super::Problem> {
    let problem = |message: String| super::Problem {
        origin: super::Origin::file(shown),
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| problem(format!("cannot read: {e}")))?;
    // Cheap test first: most values files are not encrypted.
    if !text.contains("sops") {
        return Ok(path);
    }
    let mut docs = yaml::parse_documents(shown, &text)?;
    if !docs.iter().any(|d| sops::is_encrypted(&d.object)) {
        return Ok(path);
    }
    let mut problems = Vec::new();
    sops::decrypt_documents(&mut docs, &mut problems, &req.sops);
    if let Some(p) = problems.pop() {
        return Err(p);
    }
    // 0600 in the 0700 private directory; kept: the directory goes.
    let (mut file, copy) = tempfile::Builder::new()
        .prefix("values-")
        .suffix(".yaml")
        .tempfile_in(private)
        .and_then(|f| f.keep().map_err(|e| e.error))
        .map_err(|e| problem(format!("cannot write its decrypted copy: {e}")))?;
    for doc in &docs {
        sops::revealed_strings(doc, &mut decrypted.secrets);
        sops::cleartexts(doc, &mut decrypted.cleartexts);
        let yaml = zeroize::Zeroizing::new(
            yaml::to_yaml(&doc.object).map_err(|e| problem(format!("cannot write: {e}")))?,
        );
        file.write_all(b"---\n")
            .and_then(|()| file.write_all(yaml.as_bytes()))
            .map_err(|e| problem(format!("cannot write its decrypted copy: {e}")))?;
    }
    Ok(copy)
}

fn kustomize_command(dir: &Path, shown: &str) -> Result<(PathBuf, Vec<String>), RenderError> {
    let dir = dir.display().to_string();
    if let Some(p) = find_program(KUSTOMIZE) {
        Ok((p, vec!["build".into(), dir]))
    } else if let Some(p) = find_program(KUBECTL) {
        Ok((p, vec!["kustomize".into(), dir]))
    } else {
        Err(RenderError::MissingRenderer {
            dir: shown.to_string(),
            what: "kustomize",
            program: KUSTOMIZE,
            hint: "install kustomize (or kubectl, which has `kubectl kustomize`)",
        })
    }
}

fn helm_command(
    req: &RenderRequest,
    root: &Path,
    dir: &Path,
    shown: &str,
    private: &Path,
    decrypted: &mut DecryptedValues,
) -> Result<(PathBuf, Vec<String>), RenderError> {
    let program = find_program(HELM).ok_or_else(|| RenderError::MissingRenderer {
        dir: shown.to_string(),
        what: "helm chart",
        program: HELM,
        hint: "install helm 3",
    })?;
    let release = req.release_name.clone().unwrap_or_else(|| {
        dir.file_name().map_or_else(
            || "release".to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    });
    // CRDs are part of what Git says should run; Argo CD includes them too.
    let mut args = vec![
        "template".to_string(),
        release,
        dir.display().to_string(),
        "--include-crds".to_string(),
    ];
    if let Some(ns) = &req.namespace {
        args.extend(["--namespace".to_string(), ns.clone()]);
    }
    if let Some(caps) = &req.capabilities {
        if let Some(version) = &caps.kube_version {
            args.extend(["--kube-version".to_string(), version.clone()]);
        }
        if !caps.api_versions.is_empty() {
            args.extend(["--api-versions".to_string(), caps.api_versions.join(",")]);
        }
    }
    let mut problems = Vec::new();
    for values in &req.values {
        let shown_values = super::display_rel(values);
        match confine::values_file(root, values, shown)
            .and_then(|path| helm_values(path, &shown_values, req, private, decrypted))
        {
            Ok(path) => args.extend(["--values".to_string(), path.display().to_string()]),
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(super::Problems(problems).into());
    }
    Ok((program, args))
}

/// The first executable called `name` on PATH.
fn find_program(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// What a renderer printed, and how it ended.
#[derive(Debug)]
pub(super) struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

#[derive(Debug)]
pub(super) enum RunError {
    Spawn(std::io::Error),
    Io(std::io::Error),
    Timeout,
    TooMuchOutput,
}

/// A proxy nothing listens on (the discard port of loopback): renderers'
/// HTTP(S) requests fail at once instead of leaving the machine.
const NO_NETWORK_PROXY: &str = "http://127.0.0.1:9";

/// The renderer's whole environment. Documented in the README: keep both
/// in step.
pub(super) fn sandbox_env(home: &Path) -> Vec<(&'static str, OsString)> {
    let path = std::env::var_os("PATH")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let under = |p: &str| home.join(p).into_os_string();
    vec![
        ("PATH", path),
        ("HOME", home.as_os_str().to_owned()),
        ("TMPDIR", under("tmp")),
        ("XDG_CONFIG_HOME", under(".config")),
        ("XDG_CACHE_HOME", under(".cache")),
        ("XDG_DATA_HOME", under(".local/share")),
        ("HELM_CONFIG_HOME", under(".config/helm")),
        ("HELM_CACHE_HOME", under(".cache/helm")),
        ("HELM_DATA_HOME", under(".local/share/helm")),
        // Remote references are refused before a renderer runs; should
        // one slip through, it still reaches nothing: git (kustomize's
        // remote bases) may use no transport at all, `file` included, and
        // HTTP(S) (kustomize's URL resources, helm's chart downloads) goes
        // to a proxy on a closed loopback port. Never a prompt, never the
        // machine's git configuration (credential helpers).
        ("GIT_ALLOW_PROTOCOL", "none".into()),
        ("GIT_TERMINAL_PROMPT", "0".into()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("HTTP_PROXY", NO_NETWORK_PROXY.into()),
        ("HTTPS_PROXY", NO_NETWORK_PROXY.into()),
        ("http_proxy", NO_NETWORK_PROXY.into()),
        ("https_proxy", NO_NETWORK_PROXY.into()),
        ("ALL_PROXY", NO_NETWORK_PROXY.into()),
        ("LC_ALL", "C".into()),
    ]
}

/// Runs `program` in `cwd` with the sandbox environment and `home` (a
/// [`private_dir`], which the caller removes) as its HOME, within
/// `limits`. On a limit, the renderer's whole process group is killed.
pub(super) fn run_sandboxed(
    program: &Path,
    args: &[String],
    cwd: &Path,
    home: &Path,
    limits: &Limits,
) -> Result<Finished, RunError> {
    use std::os::unix::process::CommandExt;
    let env = sandbox_env(home);
    for (name, value) in &env {
        if name.ends_with("HOME") || *name == "TMPDIR" {
            std::fs::create_dir_all(value).map_err(RunError::Io)?;
        }
    }
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(RunError::Spawn)?;
    let group = child.id() as libc::pid_t;
    let kill_group = || {
        // SAFETY: kill(2) with a negative pid signals that process group;
        // no memory is involved.
        unsafe { libc::kill(-group, libc::SIGKILL) };
    };

    enum Event {
        Stdout(std::io::Result<Vec<u8>>),
        Stderr(Vec<u8>),
        Exited(std::io::Result<ExitStatus>),
    }
    let (tx, rx) = mpsc::channel();
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let max = limits.max_output;
    let sender = tx.clone();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let read = (&mut stdout).take(max + 1).read_to_end(&mut buf);
        let _ = sender.send(Event::Stdout(read.map(|_| buf)));
    });
    let sender = tx.clone();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 8192];
        while let Ok(n @ 1..) = stderr.read(&mut chunk) {
            let room = STDERR_KEPT.saturating_sub(kept.len());
            kept.extend_from_slice(&chunk[..n.min(room)]);
        }
        let _ = sender.send(Event::Stderr(kept));
    });
    std::thread::spawn(move || {
        let _ = tx.send(Event::Exited(child.wait()));
    });

    let deadline = Instant::now() + limits.timeout;
    let (mut out, mut err, mut status) = (None, None, None);
    while out.is_none() || err.is_none() || status.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::Stdout(Ok(buf))) if buf.len() as u64 > max => {
                kill_group();
                return Err(RunError::TooMuchOutput);
            }
            Ok(Event::Stdout(Ok(buf))) => out = Some(buf),
            Ok(Event::Stdout(Err(e))) => {
                kill_group();
                return Err(RunError::Io(e));
            }
            Ok(Event::Stderr(buf)) => err = Some(buf),
            Ok(Event::Exited(result)) => status = Some(result.map_err(RunError::Io)?),
            // Timed out (or every sender gone, which cannot happen before
            // all three events arrived).
            Err(_) => {
                kill_group();
                return Err(RunError::Timeout);
            }
        }
    }
    // Children the renderer left behind, if any, go with it.
    kill_group();
    Ok(Finished {
        status: status.expect("loop ends with a status"),
        stdout: out.unwrap_or_default(),
        stderr: err.unwrap_or_default(),
    })
}

/// `5m`, `90s`, `1h30m`, `250ms`: as the flags take them.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        return format!("{}ms", d.as_millis());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

fn format_bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, limits: Limits) -> Result<Finished, RunError> {
        let home = private_dir().unwrap();
        run_sandboxed(
            Path::new("/bin/sh"),
            &["-c".to_string(), script.to_string()],
            Path::new("/"),
            home.path(),
            &limits,
        )
    }

    #[test]
    fn the_private_directory_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = private_dir().unwrap();
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn decrypted_values_are_redacted_from_renderer_errors() {
        let secrets = [
            zeroize::Zeroizing::new("s3cr3t".to_string()),
            zeroize::Zeroizing::new("-----BEGIN KEY-----\nabcdefgh\n-----END KEY-----".into()),
            zeroize::Zeroizing::new("s3cr3t-longer".to_string()),
        ];
        let err = "Error: execution error at (x/templates/a.yaml:1:4): bad s3cr3t-longer, \
                   s3cr3t and abcdefgh";
        assert_eq!(
            redact(err, &secrets),
            "Error: execution error at (x/templates/a.yaml:1:4): bad [redacted], \
             [redacted] and [redacted]"
        );
    }

    #[test]
    fn renderers_see_only_the_sandbox_environment() {
        // SAFETY (of the test): reading env only; nothing is set here.
        let out = sh("env", Limits::default()).unwrap();
        assert!(out.status.success());
        let env = String::from_utf8(out.stdout).unwrap();
        let names: Vec<&str> = env
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, _)| k))
            .filter(|k| !["PWD", "SHLVL", "_", "OLDPWD"].contains(k))
            .collect();
        let expected: Vec<&str> = sandbox_env(Path::new("/x"))
            .iter()
            .map(|(k, _)| *k)
            .collect();
        for name in &names {
            assert!(
                expected.contains(name),
                "{name} leaked into the renderer: {env}"
            );
        }
        let home = env.lines().find_map(|l| l.strip_prefix("HOME=")).unwrap();
        assert!(home.contains("gitsync-render-"), "{home}");
        assert!(
            env.lines()
                .any(|l| l == format!("HELM_CACHE_HOME={home}/.cache/helm")),
            "{env}"
        );
        // No transport for git, a dead proxy for HTTP(S): no network.
        for line in ["GIT_ALLOW_PROTOCOL=none", "HTTPS_PROXY=http://127.0.0.1:9"] {
            assert!(env.lines().any(|l| l == line), "{line}: {env}");
        }
        // The private HOME is gone afterwards.
        assert!(!Path::new(home).exists());
    }

    #[test]
    fn a_renderer_over_its_time_is_killed_with_its_children() {
        let started = Instant::now();
        let limits = Limits {
            timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        // The grandchild keeps stdout open: the whole group must go.
        let err = sh("sleep 30 & sleep 30", limits).unwrap_err();
        assert!(matches!(err, RunError::Timeout), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_renderer_over_its_output_limit_is_killed() {
        let limits = Limits {
            max_output: 1024 * 1024,
            ..Limits::default()
        };
        let err = sh("yes gitsync", limits).unwrap_err();
        assert!(matches!(err, RunError::TooMuchOutput), "{err:?}");
        // Exactly at the limit is fine.
        let out = sh("head -c 1048576 /dev/zero", limits).unwrap();
        assert_eq!(out.stdout.len(), 1024 * 1024);
    }

    #[test]
    fn stderr_is_kept_bounded_and_drained() {
        let out = sh(
            "yes error | head -c 10000000 >&2; echo done",
            Limits::default(),
        )
        .unwrap();
        assert_eq!(out.stdout, b"done\n");
        assert_eq!(out.stderr.len(), STDERR_KEPT);
    }

    #[test]
    fn durations_print_as_flags_take_them() {
        assert_eq!(format_duration(Duration::from_secs(300)), "5m");
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_bytes(DEFAULT_MAX_OUTPUT), "256 MiB");
    }
}
