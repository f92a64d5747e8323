//! Commit statuses on the forge: GitHub (`POST /repos/{owner}/{repo}/
//! statuses/{sha}`) and GitLab (`POST /api/v4/projects/{id}/statuses/
//! {sha}`), one context per target (`gitsync/<target>`), so that several
//! clusters' results for one commit sit side by side instead of
//! overwriting each other.
//!
//! Where the token goes is the operator's choice, never the repository's:
//! the API's base URL comes from `GITSYNC_NOTIFY_GITHUB_URL` /
//! `GITSYNC_NOTIFY_GITLAB_URL` (GitHub Enterprise, self-hosted GitLab),
//! else github.com / gitlab.com, so a repository naming a token variable
//! cannot send it elsewhere.

use serde_json::json;

use super::http::{DeliveryError, post};
use super::webhook::{Message, NotifyConfig};

pub(super) fn check(config: &NotifyConfig) -> Result<(), String> {
    super::webhook::check_events(config)?;
    if config.url.is_some() || config.url_env.is_some() || config.hmac_secret_env.is_some() {
        return Err(format!(
            "{} takes repository/project and tokenEnv, not url, urlEnv or hmacSecretEnv \
             (its API address is the operator's: GITSYNC_NOTIFY_{}_URL)",
            config.kind,
            config.kind.to_ascii_uppercase()
        ));
    }
    if config.token_env.is_none() {
        return Err(format!("{} needs tokenEnv", config.kind));
    }
    match config.kind.as_str() {
        "github" => match config
            .repository
            .as_deref()
            .map(|r| r.split('/').collect::<Vec<_>>())
        {
            Some(parts) if parts.len() == 2 && parts.iter().all(|p| valid_segment(p)) => Ok(()),
            _ => Err("github needs repository: OWNER/REPO".into()),
        },
        _ => match config.project.as_deref() {
            Some(p) if !p.is_empty() && p.split('/').all(valid_segment) => Ok(()),
            _ => Err("gitlab needs project: an id or GROUP/PROJECT".into()),
        },
    }
}

fn valid_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub(super) async fn deliver(
    config: &NotifyConfig,
    message: &Message,
) -> Result<bool, DeliveryError> {
    let Some(sha) = &message.revision else {
        return Ok(false); // a work tree: no commit to mark
    };
    let env = config.token_env.as_deref().unwrap_or_default();
    let token = std::env::var(env).map_err(|_| DeliveryError::Unset(env.to_string()))?;
    let context = format!("gitsync/{}", message.target.as_deref().unwrap_or("default"));
    let description = short(&message.summary, 140);
    let good = message.event == "synced";
    match config.kind.as_str() {
        "github" => {
            let base = base_url("GITSYNC_NOTIFY_GITHUB_URL", "https://api.github.com");
            let repo = config.repository.as_deref().unwrap_or_default();
            let url = format!("{base}/repos/{repo}/statuses/{sha}");
            let body = json!({
                "state": if good { "success" } else { "failure" },
                "context": context,
                "description": description,
            });
            let github = |r: reqwest::RequestBuilder| {
                r.header("Authorization", format!("Bearer {token}"))
                    .header("Accept", "application/vnd.github+json")
                    .header("X-GitHub-Api-Version", "2022-11-28")
            };
            post(&url, body.to_string().into_bytes(), github).await?;
            if config.deployments {
                deploy(&base, repo, sha, message, &description, good, github).await?;
            }
        }
        _ => {
            let base = base_url("GITSYNC_NOTIFY_GITLAB_URL", "https://gitlab.com");
            let project = config
                .project
                .as_deref()
                .unwrap_or_default()
                .replace('/', "%2F");
            let url = format!("{base}/api/v4/projects/{project}/statuses/{sha}");
            let body = json!({
                "state": if good { "success" } else { "failed" },
                "name": context,
                "description": description,
            });
            post(&url, body.to_string().into_bytes(), |r| {
                r.header("PRIVATE-TOKEN", token.as_str())
            })
            .await?;
        }
    }
    Ok(true)
}

/// A GitHub Deployment of `sha` to the target's environment, then its
/// status: `POST /repos/{repo}/deployments` (no auto-merge, no required
/// contexts: gitsync reports what it did, it does not ask), and
/// `POST /repos/{repo}/deployments/{id}/statuses`.
async fn deploy(
    base: &str,
    repo: &str,
    sha: &str,
    message: &Message,
    description: &str,
    good: bool,
    headers: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<(), DeliveryError> {
    let environment = message.target.as_deref().unwrap_or("default");
    let body = json!({
        "ref": sha,
        "environment": environment,
        "auto_merge": false,
        "required_contexts": [],
        "description": description,
        "payload": {"cluster": message.cluster},
    });
    let answer = post(
        &format!("{base}/repos/{repo}/deployments"),
        body.to_string().into_bytes(),
        &headers,
    )
    .await?;
    let id = serde_json::from_slice::<serde_json::Value>(&answer)
        .ok()
        .and_then(|v| v["id"].as_u64())
        .ok_or_else(|| DeliveryError::GaveUp {
            attempts: 1,
            last: "the deployment's answer has no id".into(),
        })?;
    let status = json!({
        "state": if good { "success" } else { "failure" },
        "environment": environment,
        "description": description,
    });
    post(
        &format!("{base}/repos/{repo}/deployments/{id}/statuses"),
        status.to_string().into_bytes(),
        &headers,
    )
    .await?;
    Ok(())
}

fn base_url(env: &str, default: &str) -> String {
    std::env::var(env)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
        .trim_end_matches('/')
        .to_string()
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forge(kind: &str, repository: Option<&str>, project: Option<&str>) -> NotifyConfig {
        NotifyConfig {
            kind: kind.into(),
            url: None,
            url_env: None,
            hmac_secret_env: None,
            events: vec![],
            severity: None,
            repository: repository.map(Into::into),
            project: project.map(Into::into),
            token_env: Some("GITSYNC_NOTIFY_TOKEN".into()),
            deployments: false,
        }
    }

    #[test]
    fn repositories_and_projects_are_checked() {
        assert!(check(&forge("github", Some("acme/shop"), None)).is_ok());
        assert!(check(&forge("github", Some("acme/../x"), None)).is_err());
        assert!(check(&forge("github", Some("acme"), None)).is_err());
        assert!(check(&forge("gitlab", None, Some("group/sub/project"))).is_ok());
        assert!(check(&forge("gitlab", None, Some("42"))).is_ok());
        assert!(check(&forge("gitlab", None, None)).is_err());
        let mut foreign = forge("github", Some("acme/shop"), None);
        foreign.token_env = Some("GITHUB_TOKEN".into());
        assert!(check(&foreign).is_err());
        let mut elsewhere = forge("github", Some("acme/shop"), None);
        elsewhere.url = Some("https://attacker.example".into());
        assert!(check(&elsewhere).is_err());
    }

    #[test]
    fn descriptions_fit_github_s_limit() {
        assert_eq!(short(&"x".repeat(200), 140).chars().count(), 140);
        assert_eq!(short("ok", 140), "ok");
    }
}
