//! The CI recipes in examples/ parse, and the gitsync commands they hold
//! do what the recipes rely on when run as the CI would run them: each
//! `gitsync …` line through bash, in a checkout, with the variables the CI
//! sets, against the local cluster.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{
    Cluster, GitRepo, Run, TestResult, kubectl, path_with, project_root, run, test_cache_dir,
};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(github_actions_recipes_diff_then_sync),
        crate::trial!(gitlab_ci_recipe_diffs_then_syncs),
    ]
}

fn github_actions_recipes_diff_then_sync() -> TestResult {
    let diff = recipe("github/gitsync-diff.yml")?;
    let sync = recipe("github/gitsync-sync.yml")?;
    for r in [&diff, &sync] {
        check_github_triggers(r)?;
    }
    let targets = matrix_targets(&diff)?;
    check_ok(
        targets == matrix_targets(&sync)?,
        "the diff and sync workflows name the same targets",
    )?;
    exercise(&targets, &commands(&diff)?, &commands(&sync)?, |work, _| {
        work.join("runner-temp/diff.md")
    })
}

fn gitlab_ci_recipe_diffs_then_syncs() -> TestResult {
    let ci = recipe("gitlab/gitlab-ci.yml")?;
    let targets = matrix_targets(&ci)?;
    let lines = commands(&ci)?;
    let (diffs, syncs): (Vec<String>, Vec<String>) = lines
        .into_iter()
        .partition(|l| l.starts_with("gitsync diff"));
    exercise(&targets, &diffs, &syncs, |work, target| {
        work.join("checkout")
            .join(format!("gitsync-diff-{target}.md"))
    })
}

/// Runs the diff lines, the sync lines, and the diff lines again, for each
/// target, and checks what a reviewer and the cluster would see.
fn exercise(
    targets: &[String],
    diffs: &[String],
    syncs: &[String],
    report: impl Fn(&Path, &str) -> PathBuf,
) -> TestResult {
    check_ok(!diffs.is_empty(), "the recipe runs gitsync diff")?;
    check_ok(!syncs.is_empty(), "the recipe runs gitsync sync")?;
    let cluster = Cluster::shared()?;
    let namespaces: Vec<_> = targets.iter().map(|t| cluster.namespace(t)).collect();
    let work = tempfile::tempdir()?;
    let _repo = checkout(targets, &namespaces, work.path());
    for (target, ns) in targets.iter().zip(&namespaces) {
        for line in diffs {
            let r = ci_shell(cluster, work.path(), target, line);
            check!(r.code == 0, r, "{line}");
        }
        let md = std::fs::read_to_string(report(work.path(), target)).unwrap_or_default();
        check_ok(
            md.starts_with(&format!("### gitsync diff: `{target}`"))
                && md.contains(&format!("<code>+ v1 ConfigMap {}/settings</code>", ns.name)),
            &format!("the Markdown report for {target} shows the change:\n{md}"),
        )?;
        for line in syncs {
            let r = ci_shell(cluster, work.path(), target, line);
            check!(r.code == 0, r, "{line}");
        }
        let r = kubectl(cluster, &["get", "configmap", "settings", "-n", &ns.name]);
        check!(r.code == 0, r, "sync created the ConfigMap of {target}");
        for line in diffs {
            ci_shell(cluster, work.path(), target, line);
        }
        let md = std::fs::read_to_string(report(work.path(), target)).unwrap_or_default();
        check_ok(
            md.contains("No changes."),
            &format!("after the sync, the diff of {target} is empty:\n{md}"),
        )?;
    }
    Ok(())
}

/// A deployment repository with a gitsync.yaml naming the recipe's targets,
/// each in its own namespace, checked out where the CI would.
fn checkout(
    targets: &[String],
    namespaces: &[crate::harness::TestNamespace],
    work: &Path,
) -> GitRepo {
    let repo = GitRepo::new();
    let mut config = String::from("targets:\n");
    let mut files = Vec::new();
    for (t, ns) in targets.iter().zip(namespaces) {
        config.push_str(&format!(
            "  - name: {t}\n    path: deploy/{t}\n    namespace: {}\n",
            ns.name
        ));
        files.push((
            format!("deploy/{t}/settings.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  target: {t}\n"),
        ));
    }
    files.push(("gitsync.yaml".into(), config));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    repo.commit(&files, "deploy");
    std::fs::create_dir_all(work.join("runner-temp")).unwrap();
    std::os::unix::fs::symlink(repo.path(), work.join("checkout")).unwrap();
    repo
}

/// One recipe line through bash, as the CI runs it: in the checkout, with
/// the variables GitHub Actions or GitLab CI set, gitsync on PATH, and the
/// test cluster's kubeconfig where the recipe's secret would put one.
fn ci_shell(cluster: &Cluster, work: &Path, target: &str, line: &str) -> Run {
    let bin = work.join("bin");
    if !bin.exists() {
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_gitsync"), bin.join("gitsync")).unwrap();
    }
    let checkout = work.join("checkout");
    run(Command::new("timeout")
        .args(["300", "bash", "-euo", "pipefail", "-c", line])
        .current_dir(&checkout)
        .env("PATH", path_with(&bin))
        .env("TARGET", target)
        .env("KUBECONFIG", cluster.kubeconfig())
        .env("RUNNER_TEMP", work.join("runner-temp"))
        .env("GITHUB_OUTPUT", work.join("runner-temp/output"))
        .env("GITHUB_ENV", work.join("runner-temp/env"))
        .env("CI_PROJECT_DIR", &checkout)
        .env("NO_COLOR", "1")
        .env("GITSYNC_CACHE_DIR", test_cache_dir())
        .stdin(Stdio::null()))
}

fn recipe(name: &str) -> Result<Value, libtest_mimic::Failed> {
    let path = project_root().join("examples").join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_saphyr::from_str(&text)
        .map_err(|e| format!("examples/{name} is not valid YAML: {e}").into())
}

/// The `gitsync …` command lines of every script in the recipe, in order:
/// GitHub's `run`, GitLab's `script` and `before_script`.
/// GitHub expressions (`${{ … }}`) must stay out of them: interpolated into
/// a script they are an injection hole; recipes pass values through env.
fn commands(recipe: &Value) -> Result<Vec<String>, libtest_mimic::Failed> {
    let mut lines = Vec::new();
    scripts(recipe, &mut |s| {
        for l in s.lines().map(str::trim) {
            if l.starts_with("gitsync ") {
                lines.push(l.to_string());
            }
        }
    });
    if let Some(l) = lines.iter().find(|l| l.contains("${{")) {
        return Err(format!("a gitsync line interpolates a GitHub expression: {l}").into());
    }
    Ok(lines)
}

fn scripts(v: &Value, f: &mut dyn FnMut(&str)) {
    match v {
        Value::Array(a) => a.iter().for_each(|v| scripts(v, f)),
        Value::Object(o) => {
            for (k, v) in o {
                match (k.as_str(), v) {
                    ("run" | "script" | "before_script", Value::String(s)) => f(s),
                    ("script" | "before_script", Value::Array(a)) => {
                        a.iter().filter_map(Value::as_str).for_each(&mut *f)
                    }
                    _ => scripts(v, f),
                }
            }
        }
        _ => {}
    }
}

/// The `target` values of the recipe's matrix (GitHub `strategy.matrix`,
/// GitLab `parallel.matrix`); every matrix in the file names the same.
fn matrix_targets(recipe: &Value) -> Result<Vec<String>, libtest_mimic::Failed> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    fn walk(v: &Value, path: &str, found: &mut BTreeMap<String, Vec<String>>) {
        match v {
            Value::Object(o) => {
                for (k, v) in o {
                    let p = format!("{path}.{k}");
                    if (k == "target" || k == "TARGET")
                        && path.contains("matrix")
                        && let Some(a) = v.as_array()
                    {
                        let names = a.iter().filter_map(|t| t.as_str().map(String::from));
                        found.insert(p.clone(), names.collect());
                    }
                    walk(v, &p, found);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, path, found)),
            _ => {}
        }
    }
    walk(recipe, "", &mut found);
    let mut lists = found.into_values();
    let first = lists.next().ok_or("the recipe has no target matrix")?;
    if first.is_empty() || lists.any(|l| l != first) {
        return Err(format!("the recipe's matrices disagree or are empty: {first:?}").into());
    }
    Ok(first)
}

/// `on:` must stay the string key GitHub reads (YAML 1.1 would make it a
/// boolean), with the trigger the recipe is for.
fn check_github_triggers(recipe: &Value) -> TestResult {
    let on = &recipe["on"];
    check_ok(
        on.get("pull_request").is_some() || on["push"]["branches"] == serde_json::json!(["main"]),
        &format!("triggers: {on}"),
    )?;
    for (name, job) in recipe["jobs"].as_object().into_iter().flatten() {
        check_ok(
            job["concurrency"]["group"]
                .as_str()
                .is_some_and(|g| g.contains("${{ matrix.target }}")),
            &format!("job {name}: one concurrency group per target"),
        )?;
    }
    Ok(())
}

fn check_ok(ok: bool, what: &str) -> TestResult {
    if ok { Ok(()) } else { Err(what.into()) }
}
