//! The generic webhook: a JSON body per sync result, POSTed to a URL and
//! signed with HMAC-SHA256 as GitHub signs its webhooks
//! (`X-Gitsync-Signature-256: sha256=<hex>`), so a receiver can check that
//! gitsync sent it.
//!
//! Configured in gitsync.yaml (`notify:`), but secrets never are: the
//! HMAC key, and a URL that embeds a token, are named as environment
//! variables, and only `GITSYNC_NOTIFY_*` ones, so a repository cannot have
//! gitsync read any other variable of the runner's.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Deliveries given up on, for watch's metrics.
pub static FAILED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Environment variables a repository may name for notification secrets.
pub const ENV_PREFIX: &str = "GITSYNC_NOTIFY_";

/// One `notify:` entry of gitsync.yaml.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NotifyConfig {
    #[serde(rename = "type")]
    pub kind: String,
    /// The URL, when it holds no secret.
    #[serde(default)]
    pub url: Option<String>,
    /// The environment variable holding the URL (Slack-style URLs embed a
    /// token).
    #[serde(default)]
    pub url_env: Option<String>,
    /// The environment variable holding the HMAC key.
    #[serde(default)]
    pub hmac_secret_env: Option<String>,
    /// Which results to send (`synced`, `failed`, `unhealthy`); default all.
    #[serde(default)]
    pub events: Vec<String>,
    /// `info` (default: every result) or `warning` (only `failed` and
    /// `unhealthy`), as Flux's alerts filter by severity.
    #[serde(default)]
    pub severity: Option<String>,
    /// `github`: `OWNER/REPO` whose commit statuses are set.
    #[serde(default)]
    pub repository: Option<String>,
    /// `gitlab`: the project's id or `group/project` path.
    #[serde(default)]
    pub project: Option<String>,
    /// `github`, `gitlab`: the environment variable holding the token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// `github`: also a Deployment per sync (environment: the target)
    /// with its deployment status.
    #[serde(default)]
    pub deployments: bool,
}

/// What a config entry gets wrong, in words for an error naming its line.
pub fn check(config: &NotifyConfig) -> Result<(), String> {
    check_events(config)?;
    match config.kind.as_str() {
        "webhook" => {}
        "slack" if config.url.is_some() || config.url_env.is_none() => {
            return Err("slack needs urlEnv: an incoming webhook's URL is its secret".into());
        }
        "slack" if config.hmac_secret_env.is_some() => {
            return Err("slack takes no hmacSecretEnv".into());
        }
        "slack" => {}
        "github" | "gitlab" => return super::forge::check(config),
        other => {
            return Err(format!(
                "notify type {other:?} is not supported (supported: webhook, slack, github, gitlab)"
            ));
        }
    }
    match (&config.url, &config.url_env) {
        (Some(_), Some(_)) => return Err("give url or urlEnv, not both".into()),
        (None, None) => return Err("a webhook needs url or urlEnv".into()),
        (Some(url), None) if !url.starts_with("https://") && !url.starts_with("http://") => {
            return Err(format!("url {url:?} is not an http(s) URL"));
        }
        _ => {}
    }
    Ok(())
}

/// The names `events:` may hold, and that named variables are gitsync's.
pub(super) fn check_events(config: &NotifyConfig) -> Result<(), String> {
    for e in &config.events {
        if !["synced", "failed", "unhealthy"].contains(&e.as_str()) {
            return Err(format!(
                "event {e:?} is not one of synced, failed, unhealthy"
            ));
        }
    }
    if let Some(s) = &config.severity
        && s != "info"
        && s != "warning"
    {
        return Err(format!("severity {s:?} is not info or warning"));
    }
    let named = [&config.url_env, &config.hmac_secret_env, &config.token_env];
    for env in named.into_iter().flatten() {
        if !env.starts_with(ENV_PREFIX) {
            return Err(format!(
                "environment variable {env:?}: only {ENV_PREFIX}* variables may be named, \
                 so that a repository cannot make gitsync read the runner's other secrets"
            ));
        }
    }
    Ok(())
}

/// The body every webhook gets (documented in README).
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// `synced`, `failed` or `unhealthy`.
    pub event: String,
    pub target: Option<String>,
    pub revision: Option<String>,
    pub subject: Option<String>,
    /// The cluster's API server.
    pub cluster: String,
    pub summary: String,
    pub time: String,
}

impl Message {
    /// A result of `target` at `commit` (None: a work tree) on `cluster`,
    /// stamped now.
    pub fn new(
        event: &str,
        target: Option<&str>,
        commit: Option<&crate::source::CommitInfo>,
        cluster: &str,
        summary: String,
    ) -> Message {
        Message {
            event: event.to_string(),
            target: target.map(str::to_string),
            revision: commit.map(|c| c.sha.clone()),
            subject: commit.map(|c| c.subject.clone()),
            cluster: cluster.to_string(),
            summary,
            time: k8s_openapi::jiff::Timestamp::now()
                .round(k8s_openapi::jiff::Unit::Second)
                .map(|t| t.to_string())
                .unwrap_or_default(),
        }
    }
}

/// Sends `message` to each of `hooks`; a failed delivery is a warning,
/// never an error of the caller (each is bounded in time).
pub async fn deliver_all(hooks: &[NotifyConfig], message: &Message) {
    for (i, hook) in hooks.iter().enumerate() {
        match deliver(hook, message).await {
            Ok(sent) => {
                tracing::debug!(notify = i + 1, kind = %hook.kind, sent, event = %message.event, "notification")
            }
            Err(e) => {
                FAILED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::warn!(
                    notify = i + 1,
                    kind = %hook.kind,
                    event = %message.event,
                    error = %e,
                    "notification not delivered"
                )
            }
        }
    }
}

pub use super::http::DeliveryError;

/// Sends `message` to the webhook `config` names, if its filter takes the
/// event (see `http::post` for retries and limits).
pub async fn deliver(config: &NotifyConfig, message: &Message) -> Result<bool, DeliveryError> {
    if !config.events.is_empty() && !config.events.contains(&message.event) {
        return Ok(false);
    }
    if config.severity.as_deref() == Some("warning") && message.event == "synced" {
        return Ok(false);
    }
    if config.kind == "github" || config.kind == "gitlab" {
        return super::forge::deliver(config, message).await;
    }
    let url = match (&config.url, &config.url_env) {
        (Some(url), _) => url.clone(),
        (None, Some(env)) => std::env::var(env).map_err(|_| DeliveryError::Unset(env.clone()))?,
        (None, None) => return Ok(false),
    };
    let secret = match &config.hmac_secret_env {
        Some(env) => Some(std::env::var(env).map_err(|_| DeliveryError::Unset(env.clone()))?),
        None => None,
    };
    let body = match config.kind.as_str() {
        "slack" => slack(message).to_string().into_bytes(),
        _ => serde_json::to_vec(message).expect("a message serialises"),
    };
    let signature = secret.map(|s| signature(s.as_bytes(), &body));
    super::http::post(&url, body, |request| {
        let request = request.header("X-Gitsync-Event", &message.event);
        match &signature {
            Some(sig) => request.header("X-Gitsync-Signature-256", sig),
            None => request,
        }
    })
    .await
    .map(|_| true)
}

/// A Slack incoming webhook's body: `text` for notifications and clients
/// without blocks, and Block Kit blocks for the message itself.
fn slack(message: &Message) -> serde_json::Value {
    let target = message.target.as_deref().unwrap_or("default");
    let mark = match message.event.as_str() {
        "synced" => ":white_check_mark:",
        "unhealthy" => ":warning:",
        _ => ":x:",
    };
    let revision = message
        .revision
        .as_deref()
        .map_or("the work tree", |r| &r[..r.len().min(12)]);
    let subject = message.subject.as_deref().unwrap_or_default();
    serde_json::json!({
        "text": format!("gitsync: {target} {} at {revision}", message.event),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn",
                "text": format!("{mark} *{target}* {} at `{revision}` {subject}\n{}", message.event, message.summary)}},
            {"type": "context", "elements": [{"type": "mrkdwn",
                "text": format!("cluster {} · {}", message.cluster, message.time)}]}
        ]
    })
}

/// `sha256=<hex of HMAC-SHA256(secret, body)>`, as GitHub's
/// `X-Hub-Signature-256`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(url: Option<&str>, env: Option<&str>) -> NotifyConfig {
        NotifyConfig {
            kind: "webhook".into(),
            url: url.map(Into::into),
            url_env: None,
            hmac_secret_env: env.map(Into::into),
            events: vec![],
            severity: None,
            repository: None,
            project: None,
            token_env: None,
            deployments: false,
        }
    }

    #[tokio::test]
    async fn a_warning_severity_sends_no_success() {
        // A closed port: had it tried, the delivery would have failed.
        let mut hook = webhook(Some("http://127.0.0.1:9/x"), None);
        hook.severity = Some("warning".into());
        let message = Message::new("synced", Some("prod"), None, "https://k", "ok".into());
        assert!(!deliver(&hook, &message).await.unwrap());
        assert!(check(&hook).is_ok());
        hook.severity = Some("loud".into());
        assert!(check(&hook).is_err());
    }

    #[test]
    fn the_signature_is_github_s() {
        // GitHub's documented example: secret "It's a Secret to Everybody",
        // payload "Hello, World!".
        assert_eq!(
            signature(b"It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn only_gitsync_notify_variables_may_be_named() {
        assert!(check(&webhook(Some("https://h/x"), Some("GITSYNC_NOTIFY_KEY"))).is_ok());
        let err = check(&webhook(Some("https://h/x"), Some("AWS_SECRET_ACCESS_KEY"))).unwrap_err();
        assert!(err.contains("GITSYNC_NOTIFY_"), "{err}");
        assert!(check(&webhook(None, None)).is_err());
        assert!(check(&webhook(Some("ftp://h"), None)).is_err());
        let mut slack = webhook(Some("https://h"), None);
        slack.kind = "carrier-pigeon".into();
        assert!(check(&slack).is_err());
    }
}
