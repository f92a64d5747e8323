//! Retries for requests that failed for reasons that pass: the server is
//! overloaded (429, which API Priority and Fairness answers instead of a
//! client-side rate limiter) or briefly unavailable (5xx, connection).
//! Every request, its retries included, ends within the request timeout.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

const ATTEMPTS: u32 = 5;

/// The API server did not answer in time: hung, overloaded beyond
/// answering, or unreachable through a network that drops packets.
#[derive(Debug, thiserror::Error)]
#[error("the API server did not answer within {}s (--request-timeout)", .0.as_secs_f64())]
pub struct TimedOut(pub Duration);

pub async fn retry<T, F, Fut>(request: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    retry_within(super::request_timeout(), request).await
}

async fn retry_within<T, F, Fut>(limit: Duration, mut request: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let deadline = Instant::now() + limit;
    let mut delay = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(result) = tokio::time::timeout(left, request()).await else {
            return Err(kube::Error::Service(Box::new(TimedOut(limit))));
        };
        match result {
            Err(err)
                if attempt < ATTEMPTS
                    && is_transient(&err)
                    && Instant::now() + delay < deadline =>
            {
                tracing::debug!(attempt, error = %err, "retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
                attempt += 1;
            }
            other => return other,
        }
    }
}

pub fn is_transient(err: &kube::Error) -> bool {
    match err {
        kube::Error::Api(status) => status.code == 429 || status.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// The request never got an answer (timeout, connection failure), as
/// opposed to an answer that refused it.
pub fn is_unreachable(err: &kube::Error) -> bool {
    matches!(err, kube::Error::HyperError(_) | kube::Error::Service(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn api_error(code: u16) -> kube::Error {
        kube::Error::Api(
            kube::core::Status {
                code,
                message: "x".into(),
                ..kube::core::Status::failure("x", "y")
            }
            .boxed(),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn retries_429_then_succeeds() {
        let calls = AtomicU32::new(0);
        let r = retry(|| async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(api_error(429))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(r.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn does_not_retry_a_validation_error() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = retry(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(api_error(422))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_a_few_attempts() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = retry(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(api_error(503))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), ATTEMPTS);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_hangs_ends_at_the_limit() {
        let started = tokio::time::Instant::now();
        let r: Result<(), _> = retry_within(Duration::from_secs(5), std::future::pending).await;
        let err = r.unwrap_err();
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        assert!(is_unreachable(&err));
        assert!(
            err.to_string().contains("did not answer within 5s"),
            "{err}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retries_stop_at_the_limit() {
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let r: Result<(), _> = retry_within(Duration::from_millis(250), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            Err(api_error(503))
        })
        .await;
        assert!(r.is_err());
        assert!(started.elapsed() <= Duration::from_millis(250));
        assert!(calls.load(Ordering::SeqCst) < ATTEMPTS);
    }
}
