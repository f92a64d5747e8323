//! Trust boundaries: what a repository (a pull request's content, in CI)
//! cannot make gitsync do.

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, TestResult, gitsync, path_with, render_tools, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(a_kubeconfig_in_the_repository_never_runs_its_exec_plugin),
        crate::trial!(a_kustomization_cannot_read_another_repository_or_the_network),
        crate::trial!(a_checkout_over_its_size_limits_is_refused),
        crate::trial!(a_gitsync_yaml_selecting_no_target_is_refused_by_every_command),
    ]
}

/// A pull request's kustomization names another repository on the runner
/// (`file://`, gitsync's own cache among them) or something on the
/// network. kustomize would fetch it; gitsync refuses before kustomize
/// runs, naming the file and line, and nothing of the other repository
/// is printed.
fn a_kustomization_cannot_read_another_repository_or_the_network() -> TestResult {
    let tools = render_tools()?;
    let other = GitRepo::new();
    other.commit(
        &[(
            "kustomization.yaml",
            "resources: [cm.yaml]\n",
        ), (
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {key: OTHER-REPO-CONTENT}\n",
        )],
        "another team's repository",
    );
    let repo = GitRepo::new();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pr}\n";
    let cases = [
        (
            format!("resources:\n  - cm.yaml\n  - file://{}\n", other.path().display()),
            "(line 3): resources entry \"file://",
        ),
        (
            "resources:\n  - cm.yaml\n  - https://127.0.0.1:9/cm.yaml\n".to_string(),
            "(line 3): resources entry \"https://127.0.0.1:9/cm.yaml\" is a remote reference",
        ),
        (
            "resources: [cm.yaml]\ncomponents:\n  - github.com/org/repo/c?ref=v1\n".to_string(),
            "(line 3): components entry \"github.com/org/repo/c?ref=v1\"",
        ),
        (
            "resources: [cm.yaml]\nhelmCharts:\n  - name: app\n    repo: https://127.0.0.1:9/charts\n"
                .to_string(),
            "(line 4): helmCharts.repo \"https://127.0.0.1:9/charts\"",
        ),
    ];
    for (kustomization, says) in cases {
        repo.commit(
            &[
                ("app/kustomization.yaml", &kustomization),
                ("app/cm.yaml", cm),
            ],
            "a pull request",
        );
        let r = run(gitsync(repo.path())
            .env("PATH", path_with(&tools))
            .args(["render", "--path", "app"]));
        check!(r.code == 2, r, "refused with exit 2");
        check!(
            r.stderr.contains(&format!("app/kustomization.yaml {says}"))
                && r.stderr.contains("refused"),
            r,
            "the error names the file, line and entry: {says}"
        );
        check!(
            !r.stdout.contains("OTHER-REPO-CONTENT") && !r.stderr.contains("OTHER-REPO-CONTENT"),
            r,
            "nothing of the other repository is printed"
        );
    }
    Ok(())
}

/// One 256 KiB blob under 64 names is a pack of a few KiB and a 16 MiB
/// checkout: over the limits given, it is refused with the limit and the
/// path named, exit 2; within the defaults it renders.
fn a_checkout_over_its_size_limits_is_refused() -> TestResult {
    let repo = GitRepo::new();
    let blob = "x".repeat(256 * 1024);
    let mut files: Vec<(String, &str)> = (0..64)
        .map(|i| (format!("assets/{i:02}.bin"), blob.as_str()))
        .collect();
    files.push((
        "app/cm.yaml".into(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n",
    ));
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    repo.commit(&files, "one blob, many names");
    let render = |extra: &[&str]| {
        run(gitsync(repo.path())
            .args(["render", "--revision", "HEAD", "--path", "app"])
            .args(extra))
    };
    let r = render(&["--max-checkout-size", "4MiB"]);
    check!(
        r.code == 2
            && r.stdout.is_empty()
            && r.stderr.contains("more than 4194304 bytes")
            && r.stderr.contains("--max-checkout-size")
            && r.stderr.contains("assets/"),
        r,
        "over the total limit: refused, naming the limit and where it was reached"
    );
    let r = render(&["--max-checkout-file-size", "100KiB"]);
    check!(
        r.code == 2
            && r.stderr.contains("assets/")
            && r.stderr
                .contains("is 262144 bytes, over the limit of 102400 bytes")
            && r.stderr.contains("--max-checkout-file-size"),
        r,
        "over the per-file limit: refused, naming the file and the limit"
    );
    let r = render(&[]);
    check!(
        r.code == 0 && r.stdout.contains("name: app"),
        r,
        "within the default limits it renders"
    );
    Ok(())
}

/// `targets: []` (an edit gone wrong) must not mean "the whole
/// repository": every command refuses it, naming the file and line.
fn a_gitsync_yaml_selecting_no_target_is_refused_by_every_command() -> TestResult {
    let cluster = Cluster::shared()?;
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("gitsync.yaml", "# no targets yet\ntargets: []\n"),
            (
                "cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: everything}\n",
            ),
        ],
        "no targets",
    );
    for args in [
        &["render"][..],
        &["render", "--all-targets"],
        &["diff"],
        &["sync", "--dry-run"],
        &["drift"],
        &["status"],
    ] {
        let r = run(gitsync(repo.path())
            .args(args)
            .arg("--kubeconfig")
            .arg(cluster.kubeconfig()));
        check!(
            r.code == 2
                && r.stderr
                    .contains("gitsync.yaml (line 2): declares no targets"),
            r,
            "{args:?}: refused, naming the file and line"
        );
        check!(
            !r.stdout.contains("everything"),
            r,
            "{args:?}: nothing rendered"
        );
    }
    repo.commit(&[("gitsync.yaml", "targets:\n  - name: a\n")], "one target");
    let r = run(gitsync(repo.path()).args(["render", "--target", ""]));
    check!(
        r.code == 2 && r.stderr.contains("--target names no target"),
        r,
        "--target naming nothing"
    );
    Ok(())
}

/// A pull request adds a kubeconfig whose exec credential plugin would run
/// with the CI job's environment, and points gitsync.yaml at it. `gitsync
/// diff` must refuse, say why, and never run the plugin. With
/// `--trust-repo-kubeconfig` the same repository does run it, which shows
/// the plugin is real and the refusal is what stops it.
fn a_kubeconfig_in_the_repository_never_runs_its_exec_plugin() -> TestResult {
    let cluster = Cluster::shared()?;
    let server = {
        let kc = kube::config::Kubeconfig::read_from(cluster.kubeconfig())?;
        kc.clusters[0]
            .cluster
            .as_ref()
            .and_then(|c| c.server.clone())
            .ok_or("no server in the harness kubeconfig")?
    };
    let marker_dir = tempfile::tempdir()?;
    let marker = marker_dir.path().join("plugin-ran");
    let kubeconfig = format!(
        r#"apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: {{server: "{server}", insecure-skip-tls-verify: true}}
users:
  - name: u
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: /bin/sh
        args: ["-c", "touch {marker}; echo '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"x\"}}}}'"]
        interactiveMode: Never
contexts:
  - name: c
    context: {{cluster: c, user: u}}
current-context: c
"#,
        marker = marker.display()
    );
    let repo = GitRepo::new();
    repo.commit(
        &[
            (
                "gitsync.yaml",
                "targets:\n  - name: pr\n    path: k8s\n    cluster:\n      kubeconfig: ci/kubeconfig\n",
            ),
            ("ci/kubeconfig", &kubeconfig),
            // A token file named as a kubeconfig: kube's parser would quote it.
            ("ci/token", "SECRET-TOKEN-5f2e\n"),
            (
                "k8s/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pr}\n",
            ),
        ],
        "a pull request",
    );
    let r = run(gitsync(repo.path()).args(["diff"]));
    check!(r.code == 2, r, "refused with exit 2");
    check!(!marker.exists(), r, "the exec plugin did not run");
    for want in [
        "gitsync.yaml (line 5)",
        "target \"pr\"",
        "exec credential plugins",
        "--trust-repo-kubeconfig",
    ] {
        check!(r.stderr.contains(want), r, "stderr says {want:?}");
    }

    repo.commit(
        &[(
            "gitsync.yaml",
            "targets:\n  - name: pr\n    path: k8s\n    cluster: {kubeconfig: ci/token}\n",
        )],
        "a token as kubeconfig",
    );
    let r = run(gitsync(repo.path()).args(["diff"]));
    check!(r.code == 2, r, "refused with exit 2");
    check!(
        !r.stderr.contains("SECRET-TOKEN") && !r.stdout.contains("SECRET-TOKEN"),
        r,
        "the file is never read, so never shown"
    );

    // Trusted explicitly: the same plugin runs (paths in gitsync.yaml are
    // taken as given, so run from the repository root).
    repo.commit(
        &[(
            "gitsync.yaml",
            "targets:\n  - name: pr\n    path: k8s\n    cluster: {kubeconfig: ci/kubeconfig}\n",
        )],
        "back",
    );
    let r = run(gitsync(repo.path()).args(["diff", "--trust-repo-kubeconfig", "-n", "default"]));
    check!(
        marker.exists(),
        r,
        "with --trust-repo-kubeconfig the plugin runs (so the test can see it)"
    );
    Ok(())
}
