//! `gitsync render`: sources (work tree, revisions, URLs) and renderers
//! (plain, kustomize, helm). No cluster needed.

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{GitRepo, TestResult, gitsync, path_with, render_tools, run, test_cache_dir};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(work_tree_includes_uncommitted_edits),
        crate::trial!(revision_reads_the_commit_and_leaves_the_work_tree),
        crate::trial!(file_url_is_cloned_once_then_fetched),
        crate::trial!(json_output_is_a_list_in_apply_order),
        crate::trial!(invalid_manifests_exit_2_naming_the_file),
        crate::trial!(kustomize_directory_is_built),
        crate::trial!(kubectl_kustomize_is_used_without_kustomize),
        crate::trial!(helm_chart_uses_target_values),
        crate::trial!(missing_renderer_is_named),
        crate::trial!(targets_from_gitsync_yaml),
    ]
}

fn cm(name: &str, value: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: {value}\n")
}

fn work_tree_includes_uncommitted_edits() -> TestResult {
    let repo = GitRepo::new();
    repo.commit(&[("app/cm.yaml", &cm("settings", "committed"))], "first");
    repo.write(&[("app/cm.yaml", &cm("settings", "edited"))]);
    let r = run(gitsync(repo.path()).args(["render", "--path", "app"]));
    check!(r.code == 0, r, "exit code");
    check!(
        r.stdout.contains("value: edited"),
        r,
        "uncommitted edit shown"
    );
    check!(
        r.stdout
            .contains("# Source: app/cm.yaml: document 1 (line 1)"),
        r,
        "origin comment"
    );
    Ok(())
}

fn revision_reads_the_commit_and_leaves_the_work_tree() -> TestResult {
    let repo = GitRepo::new();
    let first = repo.commit(&[("cm.yaml", &cm("settings", "one"))], "first");
    repo.git(&["tag", "v1"]);
    repo.commit(&[("cm.yaml", &cm("settings", "two"))], "second");
    repo.write(&[("cm.yaml", &cm("settings", "dirty"))]);
    for rev in ["v1", "HEAD~1", &first, &first[..8]] {
        let r = run(gitsync(repo.path()).args(["render", "--revision", rev]));
        check!(r.code == 0, r, "--revision {rev}");
        check!(
            r.stdout.contains("value: one"),
            r,
            "--revision {rev} reads the commit"
        );
    }
    let r = run(gitsync(repo.path()).args(["render", "--revision", "main"]));
    check!(r.stdout.contains("value: two"), r, "--revision main");
    let on_disk = std::fs::read_to_string(repo.path().join("cm.yaml"))?;
    if !on_disk.contains("dirty") {
        return Err("the work tree was touched".into());
    }
    let r = run(gitsync(repo.path()).args(["render", "--revision", "no-such-branch"]));
    check!(
        r.code == 2 && r.stderr.contains("no-such-branch"),
        r,
        "unknown revision"
    );
    Ok(())
}

fn file_url_is_cloned_once_then_fetched() -> TestResult {
    let origin = GitRepo::new();
    origin.commit(&[("cm.yaml", &cm("settings", "one"))], "first");
    let url = format!("file://{}", origin.path().display());
    let work = tempfile::tempdir()?;
    let r = run(gitsync(work.path()).args(["render", "--repo", &url]));
    check!(
        r.code == 0 && r.stdout.contains("value: one"),
        r,
        "first render of {url}"
    );
    let repos = test_cache_dir().join("repos");
    let clones = || -> Vec<_> {
        std::fs::read_dir(&repos)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = clones();
    origin.commit(&[("cm.yaml", &cm("settings", "two"))], "second");
    let r = run(gitsync(work.path()).args(["render", "--repo", &url]));
    check!(
        r.code == 0 && r.stdout.contains("value: two"),
        r,
        "second render sees the new commit"
    );
    let after = clones();
    if before.is_empty() || before != after {
        return Err(format!("cache not reused: {before:?} then {after:?}").into());
    }
    Ok(())
}

fn json_output_is_a_list_in_apply_order() -> TestResult {
    let repo = GitRepo::new();
    repo.copy_fixture("example", ".");
    let r = run(gitsync(repo.path()).args(["render", "-o", "json"]));
    check!(r.code == 0, r, "exit code");
    let v: serde_json::Value = serde_json::from_str(&r.stdout)?;
    let kinds: Vec<&str> = v
        .as_array()
        .ok_or("not a list")?
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or("?"))
        .collect();
    if kinds != ["Namespace", "ConfigMap", "Service", "Deployment"] {
        return Err(format!("order: {kinds:?}").into());
    }
    Ok(())
}

fn invalid_manifests_exit_2_naming_the_file() -> TestResult {
    let repo = GitRepo::new();
    repo.write(&[
        ("ok.yaml", &cm("fine", "x")),
        (
            "broken/bad.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n",
        ),
        ("broken/worse.yaml", "apiVersion: v1\nkind: [\n"),
    ]);
    let r = run(gitsync(repo.path()).arg("render"));
    check!(r.code == 2, r, "exit code");
    check!(r.stdout.is_empty(), r, "nothing rendered");
    check!(
        r.stderr.contains(
            "broken/bad.yaml: document 1 (line 1): metadata.name \"Not_Valid\" is invalid"
        ),
        r,
        "first problem"
    );
    check!(
        r.stderr.contains("broken/worse.yaml: document 1 (line 2"),
        r,
        "second problem"
    );
    Ok(())
}

fn kustomize_directory_is_built() -> TestResult {
    let tools = render_tools()?;
    let repo = GitRepo::new();
    repo.copy_fixture("kustomize", ".");
    let r = run(gitsync(repo.path()).env("PATH", path_with(&tools)).args([
        "render",
        "--path",
        "overlays/prod",
    ]));
    check!(r.code == 0, r, "exit code");
    check!(
        r.stdout.contains("name: prod-settings") && r.stdout.contains("namespace: prod"),
        r,
        "overlay applied"
    );
    check!(r.stdout.contains("level: prod"), r, "patch applied");
    check!(
        r.stdout
            .contains("# Source: overlays/prod (kustomize build)"),
        r,
        "origin"
    );
    // A broken kustomization: its stderr reaches the user, exit 2.
    repo.write(&[(
        "overlays/prod/kustomization.yaml",
        "resources:\n  - missing.yaml\n",
    )]);
    let r = run(gitsync(repo.path()).env("PATH", path_with(&tools)).args([
        "render",
        "--path",
        "overlays/prod",
    ]));
    check!(
        r.code == 2 && r.stderr.contains("missing.yaml"),
        r,
        "renderer failure shows its stderr"
    );
    Ok(())
}

fn kubectl_kustomize_is_used_without_kustomize() -> TestResult {
    let only_kubectl = tempfile::tempdir()?;
    let kubectl = which("kubectl").ok_or("kubectl not installed")?;
    std::os::unix::fs::symlink(kubectl, only_kubectl.path().join("kubectl"))?;
    let repo = GitRepo::new();
    repo.copy_fixture("kustomize", ".");
    let r = run(gitsync(repo.path()).env("PATH", only_kubectl.path()).args([
        "render",
        "--path",
        "overlays/prod",
    ]));
    check!(
        r.code == 0 && r.stdout.contains("name: prod-settings"),
        r,
        "kubectl kustomize"
    );
    Ok(())
}

fn helm_chart_uses_target_values() -> TestResult {
    let tools = render_tools()?;
    let repo = GitRepo::new();
    repo.copy_fixture("helm", "charts");
    repo.write(&[(
        "gitsync.yaml",
        "targets:\n  - name: prod\n    path: charts/shop\n    namespace: shop-prod\n    helm:\n      values: [charts/values-prod.yaml]\n",
    )]);
    let r = run(gitsync(repo.path())
        .env("PATH", path_with(&tools))
        .arg("render"));
    check!(r.code == 0, r, "exit code");
    check!(
        r.stdout.contains("name: prod-config"),
        r,
        "release name is the target's"
    );
    check!(
        r.stdout.contains("namespace: shop-prod"),
        r,
        "namespace passed to helm"
    );
    check!(
        r.stdout.contains("greeting: hello prod"),
        r,
        "values file applied"
    );
    let r = run(gitsync(repo.path()).env("PATH", path_with(&tools)).args([
        "render",
        "--values",
        "nope.yaml",
    ]));
    check!(
        r.code == 2 && r.stderr.contains("nope.yaml"),
        r,
        "missing values file named"
    );
    Ok(())
}

fn missing_renderer_is_named() -> TestResult {
    let empty = tempfile::tempdir()?;
    let repo = GitRepo::new();
    repo.copy_fixture("helm", "charts");
    let r = run(gitsync(repo.path()).env("PATH", empty.path()).args([
        "render",
        "--path",
        "charts/shop",
    ]));
    check!(r.code == 2, r, "exit code");
    check!(
        r.stderr.contains("`helm` was not found on PATH"),
        r,
        "names helm"
    );
    let repo = GitRepo::new();
    repo.copy_fixture("kustomize", ".");
    let r = run(gitsync(repo.path())
        .env("PATH", empty.path())
        .args(["render", "--path", "base"]));
    check!(
        r.code == 2 && r.stderr.contains("`kustomize` was not found on PATH"),
        r,
        "names kustomize"
    );
    Ok(())
}

fn targets_from_gitsync_yaml() -> TestResult {
    let repo = GitRepo::new();
    repo.write(&[
        ("a/cm.yaml", &cm("alpha", "a")),
        ("b/cm.yaml", &cm("beta", "b")),
        (
            "gitsync.yaml",
            "targets:\n  - name: a\n    path: a\n  - name: b\n    path: b\n",
        ),
    ]);
    let r = run(gitsync(repo.path()).arg("render"));
    check!(
        r.code == 2 && r.stderr.contains("choose with --target"),
        r,
        "ambiguous"
    );
    let r = run(gitsync(repo.path()).args(["render", "--target", "b"]));
    check!(
        r.code == 0 && r.stdout.contains("beta") && !r.stdout.contains("alpha"),
        r,
        "--target b"
    );
    let r = run(gitsync(repo.path()).args(["render", "--all-targets"]));
    check!(
        r.code == 0 && r.stdout.contains("# Target: a") && r.stdout.contains("# Target: b"),
        r,
        "--all-targets"
    );
    let r = run(gitsync(repo.path()).args(["render", "--target", "c"]));
    check!(
        r.code == 2 && r.stderr.contains("no target named \"c\""),
        r,
        "unknown target"
    );
    repo.write(&[("gitsync.yaml", "targets:\n  - name: a\n    pruen: false\n")]);
    let r = run(gitsync(repo.path()).arg("render"));
    check!(
        r.code == 2 && r.stderr.contains("pruen"),
        r,
        "unknown key named"
    );
    Ok(())
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
