//! Webhook notifications from `sync`, against a receiver in the harness
//! that checks what a receiver of GitHub-style signed webhooks checks.

use hmac::{Hmac, KeyInit, Mac};
use libtest_mimic::Trial;
use sha2::Sha256;

use crate::check;
use crate::harness::{Cluster, GitRepo, TestResult, gitsync, run};
use crate::receiver::Receiver;

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(a_signed_webhook_is_delivered_once_after_two_server_errors),
        crate::trial!(a_receiver_that_never_answers_does_not_fail_the_sync),
        crate::trial!(a_repository_cannot_name_other_environment_variables),
        crate::trial!(forge_statuses_have_one_context_per_target),
        crate::trial!(slack_gets_blocks_and_its_url_is_never_shown),
        crate::trial!(watch_notifies_and_a_killed_watch_notifies_again_after_restart),
    ]
}

const KEY: &str = "webhook-key-that-must-stay-secret";

fn repo_for(ns: &str, port: u16) -> (GitRepo, String) {
    let repo = GitRepo::new();
    let config = format!(
        "notify:\n  - {{type: webhook, url: \"http://127.0.0.1:{port}/hooks/gitsync\", hmacSecretEnv: GITSYNC_NOTIFY_KEY}}\ntargets:\n  - name: shop\n    path: app\n    namespace: {ns}\n"
    );
    let sha = repo.commit(
        &[
            ("gitsync.yaml", &config),
            (
                "app/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notified}\ndata: {value: one}\n",
            ),
        ],
        "notify me",
    );
    (repo, sha)
}

fn a_signed_webhook_is_delivered_once_after_two_server_errors() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("notify");
    let receiver = Receiver::start(&[500, 503], false);
    let (repo, sha) = repo_for(&ns.name, receiver.port);
    let r = run(gitsync(repo.path())
        .args(["-vv", "sync", "--timeout", "30s", "--kubeconfig"])
        .arg(cluster.kubeconfig())
        .env("GITSYNC_NOTIFY_KEY", KEY));
    check!(r.code == 0, r, "sync");
    let got = receiver.taken();
    check!(got.len() == 3, r, "two failures and one delivery: {got:?}");
    let delivered = &got[2];
    check!(
        delivered.method == "POST"
            && delivered.path == "/hooks/gitsync"
            && delivered.header("content-type") == Some("application/json")
            && delivered.header("x-gitsync-event") == Some("synced"),
        r,
        "method, path and headers: {delivered:?}"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes())?;
    mac.update(&delivered.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    check!(
        delivered.header("x-gitsync-signature-256") == Some(&format!("sha256={expected}")),
        r,
        "the signature verifies: {delivered:?}"
    );
    let body: serde_json::Value = serde_json::from_slice(&delivered.body)?;
    check!(
        body["event"] == "synced" && body["target"] == "shop" && body["revision"] == sha,
        r,
        "body: {body}"
    );
    check!(
        !r.stdout.contains(KEY) && !r.stderr.contains(KEY),
        r,
        "the key never printed at -vv"
    );
    Ok(())
}

fn a_receiver_that_never_answers_does_not_fail_the_sync() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("notify-hang");
    let receiver = Receiver::start(&[], true);
    let (repo, _) = repo_for(&ns.name, receiver.port);
    let r = run(gitsync(repo.path())
        .args(["sync", "--timeout", "30s", "--kubeconfig"])
        .arg(cluster.kubeconfig())
        .env("GITSYNC_NOTIFY_KEY", KEY));
    check!(
        r.code == 0 && r.stderr.contains("notification not delivered"),
        r,
        "the sync succeeds and says the notification gave up"
    );
    check!(!receiver.taken().is_empty(), r, "it was tried");
    Ok(())
}

fn a_repository_cannot_name_other_environment_variables() -> TestResult {
    let repo = GitRepo::new();
    repo.commit(
        &[
            (
                "gitsync.yaml",
                "targets:\n  - name: shop\n    path: app\n    notify:\n      - {type: webhook, url: \"https://example.com/x\", hmacSecretEnv: AWS_SECRET_ACCESS_KEY}\n",
            ),
            ("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"),
        ],
        "reads a foreign secret",
    );
    let r = run(gitsync(repo.path()).args(["render"]));
    check!(
        r.code == 2
            && r.stderr.contains("gitsync.yaml (line 5)")
            && r.stderr.contains("GITSYNC_NOTIFY_"),
        r,
        "exit 2 naming the line and the rule"
    );
    Ok(())
}

/// Two targets, one commit: GitHub and GitLab each get a status per
/// target under its own context, as their APIs document the calls.
fn forge_statuses_have_one_context_per_target() -> TestResult {
    let cluster = Cluster::shared()?;
    let (a, b) = (cluster.namespace("forge-a"), cluster.namespace("forge-b"));
    let receiver = Receiver::start(&[], false);
    let repo = GitRepo::new();
    let config = format!(
        "notify:\n  - {{type: github, repository: acme/shop, tokenEnv: GITSYNC_NOTIFY_GITHUB_TOKEN, deployments: true}}\n  - {{type: gitlab, project: group/shop, tokenEnv: GITSYNC_NOTIFY_GITLAB_TOKEN}}\ntargets:\n  - {{name: a, path: app, namespace: {}}}\n  - {{name: b, path: app, namespace: {}}}\n",
        a.name, b.name
    );
    let sha = repo.commit(
        &[
            ("gitsync.yaml", &config),
            (
                "app/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: forge}\n",
            ),
        ],
        "two targets",
    );
    let base = format!("http://127.0.0.1:{}", receiver.port);
    let (gh, gl) = ("ghp-token-never-shown", "glpat-token-never-shown");
    let r = run(gitsync(repo.path())
        .args([
            "-vv",
            "sync",
            "--all-targets",
            "--timeout",
            "30s",
            "--kubeconfig",
        ])
        .arg(cluster.kubeconfig())
        .env("GITSYNC_NOTIFY_GITHUB_TOKEN", gh)
        .env("GITSYNC_NOTIFY_GITLAB_TOKEN", gl)
        .env("GITSYNC_NOTIFY_GITHUB_URL", &base)
        .env("GITSYNC_NOTIFY_GITLAB_URL", &base));
    check!(r.code == 0, r, "sync");
    let got = receiver.taken();
    let body = |req: &crate::receiver::Request| -> serde_json::Value {
        serde_json::from_slice(&req.body).unwrap_or_default()
    };
    let github: Vec<_> = got
        .iter()
        .filter(|q| q.path == format!("/repos/acme/shop/statuses/{sha}"))
        .collect();
    let mut contexts: Vec<String> = github
        .iter()
        .map(|q| body(q)["context"].as_str().unwrap_or_default().to_string())
        .collect();
    contexts.sort();
    check!(
        contexts == ["gitsync/a", "gitsync/b"],
        r,
        "GitHub contexts: {got:?}"
    );
    for q in &github {
        check!(
            q.method == "POST"
                && q.header("authorization") == Some(&format!("Bearer {gh}"))
                && q.header("accept") == Some("application/vnd.github+json")
                && q.header("x-github-api-version") == Some("2022-11-28")
                && q.header("content-type") == Some("application/json")
                && body(q)["state"] == "success"
                && body(q)["description"]
                    .as_str()
                    .is_some_and(|d| d.chars().count() <= 140),
            r,
            "a GitHub status as documented: {q:?}"
        );
    }
    let gitlab: Vec<_> = got
        .iter()
        .filter(|q| q.path == format!("/api/v4/projects/group%2Fshop/statuses/{sha}"))
        .collect();
    let mut names: Vec<String> = gitlab
        .iter()
        .map(|q| body(q)["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    check!(
        names == ["gitsync/a", "gitsync/b"],
        r,
        "GitLab names: {got:?}"
    );
    for q in &gitlab {
        check!(
            q.method == "POST"
                && q.header("private-token") == Some(gl)
                && body(q)["state"] == "success",
            r,
            "a GitLab status as documented: {q:?}"
        );
    }
    let deployments: Vec<_> = got
        .iter()
        .filter(|q| q.path == "/repos/acme/shop/deployments")
        .collect();
    let mut environments: Vec<String> = deployments
        .iter()
        .map(|q| {
            body(q)["environment"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    environments.sort();
    check!(
        environments == ["a", "b"],
        r,
        "a Deployment per target: {got:?}"
    );
    for q in &deployments {
        let b = body(q);
        check!(
            b["ref"] == sha.as_str()
                && b["auto_merge"] == false
                && b["required_contexts"] == serde_json::json!([])
                && q.header("authorization") == Some(&format!("Bearer {gh}")),
            r,
            "a Deployment as documented: {q:?}"
        );
    }
    let statuses: Vec<_> = got
        .iter()
        .filter(|q| q.path == "/repos/acme/shop/deployments/42/statuses")
        .collect();
    check!(
        statuses.len() == 2 && statuses.iter().all(|q| body(q)["state"] == "success"),
        r,
        "a deployment status each: {got:?}"
    );
    check!(got.len() == 8, r, "nothing else sent: {got:?}");
    for token in [gh, gl] {
        check!(
            !r.stdout.contains(token) && !r.stderr.contains(token),
            r,
            "no token printed at -vv"
        );
    }
    Ok(())
}

fn slack_gets_blocks_and_its_url_is_never_shown() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("slack");
    let receiver = Receiver::start(&[], false);
    let repo = GitRepo::new();
    let config = format!(
        "notify:\n  - {{type: slack, urlEnv: GITSYNC_NOTIFY_SLACK_URL}}\ntargets:\n  - {{name: shop, path: app, namespace: {}}}\n",
        ns.name
    );
    let sha = repo.commit(
        &[
            ("gitsync.yaml", &config),
            (
                "app/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slack}\n",
            ),
        ],
        "tell the channel",
    );
    let url = format!(
        "http://127.0.0.1:{}/services/T000/B000/XXXXSECRET",
        receiver.port
    );
    let r = run(gitsync(repo.path())
        .args(["-vv", "sync", "--timeout", "30s", "--kubeconfig"])
        .arg(cluster.kubeconfig())
        .env("GITSYNC_NOTIFY_SLACK_URL", &url));
    check!(r.code == 0, r, "sync");
    let got = receiver.taken();
    check!(got.len() == 1, r, "one message: {got:?}");
    let q = &got[0];
    let body: serde_json::Value = serde_json::from_slice(&q.body)?;
    check!(
        q.method == "POST"
            && q.path == "/services/T000/B000/XXXXSECRET"
            && q.header("content-type") == Some("application/json")
            && body["text"]
                .as_str()
                .is_some_and(|t| t.contains("shop") && t.contains(&sha[..12]))
            && body["blocks"][0]["type"] == "section"
            && body["blocks"][0]["text"]["type"] == "mrkdwn"
            && body["blocks"][1]["type"] == "context",
        r,
        "an incoming-webhook message with blocks: {body}"
    );
    check!(
        !r.stdout.contains("XXXXSECRET") && !r.stderr.contains("XXXXSECRET"),
        r,
        "the URL is never printed"
    );
    Ok(())
}

/// At least once: a watch killed around its delivery tells the result of
/// the revision again once it runs again.
fn watch_notifies_and_a_killed_watch_notifies_again_after_restart() -> TestResult {
    use crate::watch::{Daemon, within};
    use std::time::Duration;
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("notify-watch");
    let receiver = Receiver::start(&[], false);
    let repo = GitRepo::new();
    let config = format!(
        "notify:\n  - {{type: webhook, url: \"http://127.0.0.1:{}/hook\"}}\ntargets:\n  - {{name: shop, path: app}}\n",
        receiver.port
    );
    let sha = repo.commit(
        &[
            ("gitsync.yaml", &config),
            (
                "app/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\n",
            ),
        ],
        "watch me",
    );
    let synced = || {
        receiver
            .taken()
            .iter()
            .filter(|q| {
                serde_json::from_slice::<serde_json::Value>(&q.body)
                    .is_ok_and(|b| b["event"] == "synced" && b["revision"] == sha.as_str())
            })
            .count()
    };
    let mut daemon = Daemon::start(cluster.kubeconfig(), &repo, &ns.name, &["--interval", "1s"]);
    check!(
        within(Duration::from_secs(30), || synced() == 1).is_some(),
        daemon.as_run(),
        "watch notified the sync: {:?}",
        receiver.taken()
    );
    daemon.child.kill()?;
    let _ = daemon.child.wait();
    let daemon = Daemon::start(cluster.kubeconfig(), &repo, &ns.name, &["--interval", "1s"]);
    check!(
        within(Duration::from_secs(30), || synced() == 2).is_some(),
        daemon.as_run(),
        "the restarted watch told the revision's result again: {:?}",
        receiver.taken()
    );
    Ok(())
}
