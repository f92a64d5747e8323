//! One notification POST with gitsync's delivery rules: every request and
//! the whole delivery time-limited; 5xx, 429 (its Retry-After honoured, up
//! to the time left) and connection errors retried with backoff; other
//! answers final. Errors never hold a URL (it may embed a token).

use std::time::{Duration, Instant};

/// One request's limit, connecting included.
const REQUEST_LIMIT: Duration = Duration::from_secs(10);
/// All attempts of one delivery together.
const DELIVERY_LIMIT: Duration = Duration::from_secs(30);
const ATTEMPTS: u32 = 4;

/// Why a delivery gave up.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("environment variable {0} is not set")]
    Unset(String),
    #[error("gave up after {attempts} attempt(s): {last}")]
    GaveUp { attempts: u32, last: String },
}

/// POSTs `body` (JSON) to `url`; `headers` adds the provider's own.
/// Returns the answer's body (at most 64 KiB are read).
pub async fn post(
    url: &str,
    body: Vec<u8>,
    headers: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<Vec<u8>, DeliveryError> {
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
        let request = client
            .post(url)
            .header("Content-Type", "application/json")
            .header("User-Agent", concat!("gitsync/", env!("CARGO_PKG_VERSION")));
        let request = headers(request).body(body.clone());
        let left = DELIVERY_LIMIT.saturating_sub(started.elapsed());
        let retry_after = match tokio::time::timeout(left, request.send()).await {
            Err(_) => {
                last = format!("no answer within the delivery's {DELIVERY_LIMIT:?}");
                break;
            }
            Ok(Ok(mut r)) if r.status().is_success() => {
                let mut answer = Vec::new();
                let read = async {
                    while let Ok(Some(chunk)) = r.chunk().await {
                        answer.extend_from_slice(&chunk);
                        if answer.len() > 64 * 1024 {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(REQUEST_LIMIT, read).await;
                return Ok(answer);
            }
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
