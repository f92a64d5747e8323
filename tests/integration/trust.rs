//! Trust boundaries: what a repository (a pull request's content, in CI)
//! cannot make gitsync do.

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, TestResult, gitsync, run};

pub fn tests() -> Vec<Trial> {
    vec![crate::trial!(
        a_kubeconfig_in_the_repository_never_runs_its_exec_plugin
    )]
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
