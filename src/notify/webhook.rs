//! The generic webhook: a JSON body per sync result, POSTed to a URL and
//! signed with HMAC-SHA256 as GitHub signs its webhooks
//! (`X-Gitsync-Signature-256: sha256=<hex>`), so a receiver can check that
//! gitsync sent it.
//!
//! Configured in gitsync.yaml (`notify:`), but secrets never are: the
//! HMAC key, and a URL that embeds a token, are named as environment
//! variables, and only `GITSYNC_NOTIFY_*` ones, so a repository cannot have
//! gitsync read any other variable of the runner's.

use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Environment variables a repository may name for notification secrets.
pub const ENV_PREFIX: &str = "GITSYNC_NOTIFY_";
/// One request's limit, connecting included.
const REQUEST_LIMIT: Duration = Duration::from_secs(10);
/// All attempts of one delivery together.
const DELIVERY_LIMIT: Duration = Duration::from_secs(30);
const ATTEMPTS: u32 = 4;

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
}

/// What a config entry gets wrong, in words for an error naming its line.
pub fn check(config: &NotifyConfig) -> Result<(), String> {
    if config.kind != "webhook" {
        return Err(format!(
            "notify type {:?} is not supported (supported: webhook)",
            config.kind
        ));
    }
    match (&config.url, &config.url_env) {
        (Some(_), Some(_)) => return Err("give url or urlEnv, not both".into()),
        (None, None) => return Err("a webhook needs url or urlEnv".into()),
        (Some(url), None) if !url.starts_with("https://") && !url.starts_with("http://") => {
            return Err(format!("url {url:?} is not an http(s) URL"));
        }
        _ => {}
    }
    for env in [&config.url_env, &config.hmac_secret_env]
        .into_iter()
        .flatten()
    {
        if !env.starts_with(ENV_PREFIX) {
            return Err(format!(
                "environment variable {env:?}: only {ENV_PREFIX}* variables may be named, \
                 so that a repository cannot make gitsync read the runner's other secrets"
            ));
        }
    }
    for e in &config.events {
        if !["synced", "failed", "unhealthy"].contains(&e.as_str()) {
            return Err(format!(
                "event {e:?} is not one of synced, failed, unhealthy"
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

/// Why a delivery gave up (the URL is never part of it: it may hold a
/// token).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("environment variable {0} is not set")]
    Unset(String),
    #[error("gave up after {attempts} attempt(s): {last}")]
    GaveUp { attempts: u32, last: String },
}

/// Sends `message` to the webhook `config` names, if its filter takes the
/// event: retried with backoff on 5xx, 429 (its Retry-After honoured, up
/// to the time left) and connection errors, every request and the whole
/// delivery time-limited.
pub async fn deliver(config: &NotifyConfig, message: &Message) -> Result<bool, DeliveryError> {
    if !config.events.is_empty() && !config.events.contains(&message.event) {
        return Ok(false);
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
    let body = serde_json::to_vec(message).expect("a message serialises");
    let client = reqwest::Client::builder()
        .timeout(REQUEST_LIMIT)
        .connect_timeout(REQUEST_LIMIT)
        .build()
        .map_err(|e| DeliveryError::GaveUp {
            attempts: 0,
            last: e.without_url().to_string(),
        })?;
    let started = Instant::now();
    let mut last = String::new();
    let mut delay = Duration::from_millis(500);
    for attempt in 1..=ATTEMPTS {
        let mut request = client
            .post(&url)
            .header("Content-Type", "application/json")
            .header("User-Agent", concat!("gitsync/", env!("CARGO_PKG_VERSION")))
            .header("X-Gitsync-Event", &message.event);
        if let Some(secret) = &secret {
            request = request.header(
                "X-Gitsync-Signature-256",
                signature(secret.as_bytes(), &body),
            );
        }
        let left = DELIVERY_LIMIT.saturating_sub(started.elapsed());
        let answer = tokio::time::timeout(left, request.body(body.clone()).send()).await;
        let retry_after = match answer {
            Err(_) => {
                last = format!("no answer within the delivery's {DELIVERY_LIMIT:?}");
                break;
            }
            Ok(Ok(r)) if r.status().is_success() => return Ok(true),
            Ok(Ok(r)) if r.status().is_server_error() || r.status().as_u16() == 429 => {
                last = format!("HTTP {}", r.status());
                r.headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs)
            }
            Ok(Ok(r)) => {
                // A 4xx other than 429: sending again would not help.
                return Err(DeliveryError::GaveUp {
                    attempts: attempt,
                    last: format!("HTTP {}", r.status()),
                });
            }
            Ok(Err(e)) => {
                last = e.without_url().to_string();
                None
            }
        };
        let wait = retry_after.unwrap_or(delay);
        if attempt == ATTEMPTS || started.elapsed() + wait >= DELIVERY_LIMIT {
            return Err(DeliveryError::GaveUp {
                attempts: attempt,
                last,
            });
        }
        tokio::time::sleep(wait).await;
        delay *= 2;
    }
    Err(DeliveryError::GaveUp {
        attempts: ATTEMPTS,
        last,
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
        }
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
