//! The command-line contract: help, exit codes, completions, pipes.

use std::io::Read;
use std::process::Stdio;

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{
    Cluster, GitRepo, TestResult, gitsync, path_with, project_root, run, test_cache_dir,
};

mod recipes;

pub fn tests() -> Vec<Trial> {
    let mut tests = recipes::tests();
    tests.extend([
        crate::trial!(help_describes_every_command),
        crate::trial!(usage_errors_exit_2),
        crate::trial!(completion_files_are_fresh),
        crate::trial!(man_pages_are_fresh),
        crate::trial!(closed_stdout_is_not_an_error),
        crate::trial!(errors_go_to_stderr_with_causes),
        crate::trial!(version_names_the_commit),
        crate::trial!(runs_as_a_kubectl_plugin),
        crate::trial!(progress_on_a_terminal_counts_and_clears),
        crate::trial!(container_image_ships_what_the_tests_use),
    ]);
    tests
}

fn help_describes_every_command() -> TestResult {
    let dir = tempfile::tempdir()?;
    for (cmd, says) in [
        ("diff", "what would change"),
        ("sync", "prune what Git removed"),
        ("drift", "behind Git's back"),
        ("watch", "daemon"),
        ("render", "Needs no cluster"),
        ("completions", "completion script"),
    ] {
        let r = run(gitsync(dir.path()).args([cmd, "--help"]));
        check!(r.code == 0, r, "{cmd} --help exit code");
        check!(
            r.stdout.contains(says),
            r,
            "{cmd} --help should say {says:?}"
        );
        check!(
            r.stdout.contains("--kubeconfig"),
            r,
            "{cmd} --help lists global flags"
        );
    }
    let r = run(gitsync(dir.path()).arg("--help"));
    check!(
        r.code == 0 && r.stdout.contains("Usage: gitsync"),
        r,
        "top-level help"
    );
    Ok(())
}

fn usage_errors_exit_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    for args in [
        vec!["bogus"],
        vec!["render", "--no-such-flag"],
        vec!["render", "-o", "xml"],
        vec!["sync", "--timeout", "soon"],
        vec![],
    ] {
        let r = run(gitsync(dir.path()).args(&args));
        check!(r.code == 2, r, "{args:?} should exit 2");
        check!(
            r.stdout.is_empty(),
            r,
            "{args:?}: usage errors go to stderr"
        );
    }
    Ok(())
}

/// The scripts in completions/ are what `gitsync completions` prints;
/// regenerate them with `scripts/update-completions`.
fn completion_files_are_fresh() -> TestResult {
    let dir = tempfile::tempdir()?;
    for (shell, file) in [
        ("bash", "gitsync.bash"),
        ("zsh", "_gitsync"),
        ("fish", "gitsync.fish"),
        ("powershell", "_gitsync.ps1"),
        ("elvish", "gitsync.elv"),
    ] {
        let r = run(gitsync(dir.path()).args(["completions", shell]));
        check!(
            r.code == 0 && !r.stdout.is_empty(),
            r,
            "completions {shell}"
        );
        let path = project_root().join("completions").join(file);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != r.stdout {
            return Err(format!(
                "{} is stale or missing: run scripts/update-completions",
                path.display()
            )
            .into());
        }
    }
    Ok(())
}

/// The pages in man/ are what clap_mangen makes of the CLI definition;
/// regenerate them with `scripts/update-man` (which runs this test with
/// GITSYNC_UPDATE_MAN=1 to write them).
fn man_pages_are_fresh() -> TestResult {
    use clap::CommandFactory;
    let fresh = tempfile::tempdir()?;
    clap_mangen::generate_to(gitsync::cli::Cli::command(), fresh.path())?;
    let dir = project_root().join("man");
    if std::env::var_os("GITSYNC_UPDATE_MAN").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        for page in pages(fresh.path())? {
            std::fs::copy(fresh.path().join(&page), dir.join(&page))?;
        }
    }
    let (want, have) = (pages(fresh.path())?, pages(&dir).unwrap_or_default());
    if want != have {
        return Err(
            format!("man/ holds {have:?}, the CLI makes {want:?}: run scripts/update-man").into(),
        );
    }
    for page in want {
        let committed = std::fs::read_to_string(dir.join(&page))?;
        if committed != std::fs::read_to_string(fresh.path().join(&page))? {
            return Err(format!("man/{page} is stale: run scripts/update-man").into());
        }
    }
    Ok(())
}

/// The file names in `dir`, sorted.
fn pages(dir: &std::path::Path) -> std::io::Result<Vec<String>> {
    let mut names = std::fs::read_dir(dir)?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<Vec<_>>>()?;
    names.sort();
    Ok(names)
}

fn closed_stdout_is_not_an_error() -> TestResult {
    let repo = GitRepo::new();
    let mut big = String::new();
    for i in 0..3000 {
        big.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v\n"
        ));
    }
    repo.write(&[("many.yaml", &big)]);
    let mut child = gitsync(repo.path())
        .arg("render")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first)?;
    drop(stdout); // like `gitsync render | head -c 64`
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr)?;
    let status = child.wait()?;
    if status.code() != Some(0) || !stderr.is_empty() {
        return Err(format!("exit {status}, stderr: {stderr}").into());
    }
    Ok(())
}

fn errors_go_to_stderr_with_causes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let r = run(gitsync(dir.path()).args(["render", "--repo", "/no/such/repository"]));
    check!(r.code == 2, r, "exit code");
    check!(r.stdout.is_empty(), r, "nothing on stdout");
    check!(r.stderr.starts_with("error: "), r, "error: prefix");
    check!(
        r.stderr.contains("/no/such/repository"),
        r,
        "names the repository"
    );
    Ok(())
}

/// The version and the commit built from; "unknown" when the source is not
/// a Git checkout (a tarball), which build.rs must tolerate.
fn version_names_the_commit() -> TestResult {
    let dir = tempfile::tempdir()?;
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(project_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let r = run(gitsync(dir.path()).arg("--version"));
    let want = format!("gitsync {} (commit {head})\n", env!("CARGO_PKG_VERSION"));
    check!(r.code == 0 && r.stdout == want, r, "expected {want:?}");
    Ok(())
}

/// Installed as `kubectl-gitsync` on PATH, kubectl runs it as
/// `kubectl gitsync`, and its help says so.
fn runs_as_a_kubectl_plugin() -> TestResult {
    let bin = tempfile::tempdir()?;
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_gitsync"),
        bin.path().join("kubectl-gitsync"),
    )?;
    let repo = GitRepo::new();
    repo.write(&[(
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plugged\ndata:\n  k: v\n",
    )]);
    let kubectl = |args: &[&str]| {
        run(std::process::Command::new("kubectl")
            .args(args)
            .current_dir(repo.path())
            .env("PATH", path_with(bin.path()))
            .env("NO_COLOR", "1")
            .env("GITSYNC_CACHE_DIR", test_cache_dir())
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null()))
    };
    let r = kubectl(&["gitsync", "--help"]);
    check!(
        r.code == 0
            && r.stdout
                .contains("Usage: kubectl gitsync [OPTIONS] <COMMAND>"),
        r,
        "help names the plugin"
    );
    let r = kubectl(&["gitsync", "diff", "--help"]);
    check!(
        r.stdout.contains("Usage: kubectl gitsync diff [OPTIONS]"),
        r,
        "subcommand usage names the plugin"
    );
    let r = kubectl(&["gitsync", "render"]);
    check!(
        r.code == 0 && r.stdout.contains("kind: ConfigMap") && r.stdout.contains("name: plugged"),
        r,
        "kubectl gitsync render"
    );
    let r = kubectl(&["gitsync", "bogus"]);
    check!(
        r.code == 2 && r.stderr.contains("Usage: kubectl gitsync"),
        r,
        "usage errors exit 2 through kubectl and name the plugin"
    );
    Ok(())
}

/// On a terminal (a pseudo-terminal from util-linux `script`), sync's live
/// line shows how many objects were applied and how many are healthy, and
/// is gone from the screen when the result is printed.
fn progress_on_a_terminal_counts_and_clears() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("tty-progress");
    let repo = GitRepo::new();
    // A Deployment that never becomes ready keeps "0 of 2 healthy" on the
    // screen until --timeout, so the live line is surely drawn.
    repo.commit(
        &[(
            "app.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: v\n\
             ---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crash\nspec:\n\
             \x20 replicas: 1\n  selector: {matchLabels: {app: crash}}\n  template:\n\
             \x20   metadata: {labels: {app: crash}}\n\
             \x20   spec: {containers: [{name: c, image: \"gitsync.test/fail:v1\"}]}\n",
        )],
        "app",
    );
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let command = format!(
        "{} sync --timeout 4s -n {} --kubeconfig {}",
        quote(env!("CARGO_BIN_EXE_gitsync")),
        quote(&ns.name),
        quote(&cluster.kubeconfig().to_string_lossy()),
    );
    let mut script = std::process::Command::new("timeout");
    script
        .args(["120", "script", "-qec", &command, "/dev/null"])
        .current_dir(repo.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("GITSYNC_CACHE_DIR", test_cache_dir())
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null());
    let r = run(&mut script);
    check!(
        r.code == 3,
        r,
        "exit 3 (applied, not healthy), through script(1)"
    );
    check!(
        r.stdout.contains("applied 2 of 2 · 0 of 2 healthy")
            || r.stdout.contains("applied 2 of 2 · 1 of 2 healthy"),
        r,
        "the live line counts applied and healthy objects side by side"
    );
    let screen = screen(&r.stdout);
    let shown = screen.join("\n");
    check!(
        !shown.contains("healthy ·") && !shown.contains("of 2 healthy"),
        r,
        "the live line is cleared; the screen ends as:\n{shown}"
    );
    check!(
        screen
            .iter()
            .any(|l| l.starts_with("error: applied, but not healthy within 4s")),
        r,
        "the result starts on a clean line; the screen ends as:\n{shown}"
    );
    Ok(())
}

/// What a terminal shows after `output`: enough of one to follow indicatif
/// (carriage return, clear line, cursor up, clear to end of screen); other
/// escape sequences are dropped.
fn screen(output: &str) -> Vec<String> {
    let mut lines: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col) = (0usize, 0usize);
    let mut chars = output.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => col = 0,
            '\n' => {
                row += 1;
                col = 0;
                if lines.len() <= row {
                    lines.push(Vec::new());
                }
            }
            '\x1b' => {
                if chars.peek() != Some(&'[') {
                    continue;
                }
                chars.next();
                let mut param = String::new();
                let mut end = ' ';
                for p in chars.by_ref() {
                    if p.is_ascii_alphabetic() || p == '~' {
                        end = p;
                        break;
                    }
                    param.push(p);
                }
                let n: usize = param.parse().unwrap_or(1);
                match (end, param.as_str()) {
                    ('K', "2") => lines[row].clear(),
                    ('K', _) => lines[row].truncate(col),
                    ('A', _) => row = row.saturating_sub(n),
                    ('J', "" | "0") => {
                        lines[row].truncate(col);
                        lines.truncate(row + 1);
                    }
                    _ => {}
                }
            }
            c => {
                let line = &mut lines[row];
                while line.len() < col {
                    line.push(' ');
                }
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                col += 1;
            }
        }
    }
    lines
        .into_iter()
        .map(|l| l.into_iter().collect::<String>().trim_end().to_string())
        .collect()
}

/// The image carries the kustomize and helm the render tests run
/// (scripts/render-tools), and is the one deploy/ names.
fn container_image_ships_what_the_tests_use() -> TestResult {
    let read = |p: &str| std::fs::read_to_string(project_root().join(p));
    let (containerfile, tools) = (read("Containerfile")?, read("scripts/render-tools")?);
    for pin in ["KUSTOMIZE_VERSION", "HELM_VERSION"] {
        let value = |text: &str, prefix: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{prefix}{pin}=")))
                .map(str::trim)
                .map(String::from)
        };
        let (image, tested) = (value(&containerfile, "ARG "), value(&tools, ""));
        if image.is_none() || image != tested {
            return Err(format!(
                "Containerfile pins {pin}={image:?}, scripts/render-tools {tested:?}"
            )
            .into());
        }
    }
    let deployment = read("deploy/kubernetes/deployment.yaml")?;
    let image = deployment
        .lines()
        .find_map(|l| l.trim().strip_prefix("image: "))
        .ok_or("deployment.yaml names no image")?;
    if !containerfile.contains(&format!("-t {image} ")) {
        return Err(format!("the Containerfile's build command does not tag {image}").into());
    }
    Ok(())
}
