//! The watch daemon's HTTP interface: probes, metrics and the push webhook.

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;

use super::metrics::Metrics;
use super::streams::StreamHealth;
use super::webhook;

/// Largest webhook body read, only for GitHub's signed requests (the HMAC
/// covers the body, so it must be read before the signature can be
/// checked). Push events are a few KiB to some hundreds; this bounds what
/// an unauthenticated client can make us buffer.
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;

/// GitHub bodies buffered at once: with [`MAX_WEBHOOK_BODY`] each, at most
/// 4 MiB. Others wait for a turn (up to [`READ_TIMEOUT`]).
const MAX_BODY_READS: usize = 4;

/// Connections served at once. More wait in the kernel's backlog until one
/// ends, which each does within [`CONNECTION_TIMEOUT`], so a flood cannot
/// grow memory without bound.
pub const MAX_CONNECTIONS: usize = 128;

/// Connections beyond [`MAX_CONNECTIONS`] that only `/healthz` and
/// `/readyz` may use: while slow or idle clients hold every general slot,
/// the kubelet's probes are still answered (else it would restart a pod
/// that is fine). Any other request on one is refused with 503 at once,
/// and a connection on one is closed after [`PROBE_TIMEOUT`].
pub const PROBE_SLOTS: usize = 4;

/// Longest a connection on a probe slot is kept: a probe sends its request
/// at once and is answered from memory.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Webhook-triggered polls start at most this often. Webhooks in between
/// coalesce into one poll: at most one in flight and one pending.
pub const MIN_WEBHOOK_POLL_GAP: Duration = Duration::from_secs(5);

/// A client gets this long to send its request headers, and again its body,
/// so slow clients cannot hold connections open for long.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a connection is kept, whatever it does (one request each: no
/// keep-alive).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);
/// hyper's read buffer per connection: headers of probes and webhooks fit
/// easily, and it bounds what each connection holds.
const READ_BUFFER: usize = 64 * 1024;
/// After shutdown, in-flight requests get this long to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Pause after a failed accept (out of file descriptors, say) so the loop does
/// not spin while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

const PLAIN_TEXT: &str = "text/plain; charset=utf-8";
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4";

/// State shared between the watch loop and the HTTP handlers.
#[derive(Debug)]
pub struct Shared {
    /// Each target's loop state, by target name (`""`: the one unnamed
    /// target), in the order the targets were registered.
    targets: Mutex<Vec<(String, TargetState)>>,
    /// Fired by an authenticated webhook: the loop polls now rather than at
    /// its next interval, rate-limited and coalesced.
    pub trigger: Trigger,
    /// What authenticates `POST /webhook` (its Debug output is redacted).
    pub webhook_secret: webhook::Secret,
    body_reads: Semaphore,
    pub stall_timeout: Option<Duration>,
    /// The dashboard's view of every target and who may see it.
    pub dashboard: Arc<crate::web::Dashboard>,
}

/// Where a target's loop stands, for `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// Nothing decided yet: not a first sync, nor standing by.
    Pending,
    /// This replica leads the target and its last sync worked.
    Synced,
    /// This replica leads the target and its last sync failed.
    Failing,
    /// Another replica leads the target (`--leader-elect`).
    Standby,
}

#[derive(Debug)]
struct TargetState {
    metrics: Arc<Metrics>,
    readiness: Readiness,
    /// When the loop's step in flight started (`None`: idle); `/healthz`
    /// fails once it has run longer than `stall_timeout`.
    busy_since: Option<std::time::Instant>,
    /// The target's API server answered the last (recent) check.
    api_reachable: bool,
    /// Its watch streams: one failing makes `/readyz` say degraded.
    streams: Arc<StreamHealth>,
}

impl Shared {
    pub fn new(webhook_secret: webhook::Secret) -> Self {
        Self {
            targets: Mutex::new(Vec::new()),
            trigger: Trigger::new(MIN_WEBHOOK_POLL_GAP),
            webhook_secret,
            body_reads: Semaphore::new(MAX_BODY_READS),
            stall_timeout: None,
            // Closed until the daemon says how it listens.
            dashboard: Arc::new(crate::web::Dashboard::new(crate::web::Access::NoToken {
                loopback: false,
            })),
        }
    }

    /// Serves the dashboard with this access.
    pub fn with_dashboard(mut self, access: crate::web::Access) -> Self {
        self.dashboard = Arc::new(crate::web::Dashboard::new(access));
        self
    }

    /// `/healthz` fails once one step has run longer than `limit`.
    pub fn with_stall_timeout(mut self, limit: Duration) -> Self {
        self.stall_timeout = Some(limit);
        self
    }

    /// Adds a target (once); its metrics, for its loop to record into.
    pub fn register(&self, target: &str) -> Arc<Metrics> {
        let mut targets = lock(&self.targets);
        if let Some((_, t)) = targets.iter().find(|(name, _)| name == target) {
            return t.metrics.clone();
        }
        let metrics = Arc::new(Metrics::new());
        self.dashboard.state.register(target);
        targets.push((
            target.to_string(),
            TargetState {
                metrics: metrics.clone(),
                readiness: Readiness::Pending,
                busy_since: None,
                api_reachable: false,
                streams: Arc::default(),
            },
        ));
        metrics
    }

    /// How `target`'s watch streams fare, for its loop to report into.
    pub fn streams(&self, target: &str) -> Arc<StreamHealth> {
        lock(&self.targets)
            .iter()
            .find(|(name, _)| name == target)
            .map(|(_, t)| t.streams.clone())
            .unwrap_or_default()
    }

    /// Forgets a target no longer run: its metrics and readiness.
    pub fn unregister(&self, target: &str) {
        lock(&self.targets).retain(|(name, _)| name != target);
        self.dashboard.state.unregister(target);
    }

    fn update(&self, target: &str, f: impl FnOnce(&mut TargetState)) {
        if let Some((_, t)) = lock(&self.targets).iter_mut().find(|(n, _)| n == target) {
            f(t);
        }
    }

    pub fn set_readiness(&self, target: &str, readiness: Readiness) {
        self.update(target, |t| t.readiness = readiness);
        let leads = readiness != Readiness::Standby;
        self.dashboard.state.leading(target, leads);
    }

    /// A step of `target`'s loop started (`Some`) or ended (`None`).
    pub fn set_busy(&self, target: &str, since: Option<std::time::Instant>) {
        self.update(target, |t| t.busy_since = since);
    }

    /// Records whether `target`'s API server answered; true when that
    /// changed.
    pub fn set_api_reachable(&self, target: &str, reachable: bool) -> bool {
        let mut changed = false;
        self.update(target, |t| {
            changed = t.api_reachable != reachable;
            t.api_reachable = reachable;
        });
        changed
    }

    /// One target's loop is stuck in one step.
    pub fn stalled(&self) -> bool {
        let Some(limit) = self.stall_timeout else {
            return false;
        };
        lock(&self.targets)
            .iter()
            .any(|(_, t)| t.busy_since.is_some_and(|since| since.elapsed() > limit))
    }

    /// Ready when every target has synced (or stands by for another
    /// replica), its API server answers and its watch streams work (else
    /// drift goes unseen: "degraded"); else why not.
    pub fn not_ready(&self) -> Option<String> {
        let targets = lock(&self.targets);
        if targets.is_empty() {
            return Some("not ready".into());
        }
        let named = |what: &str, name: &str| match name {
            "" => what.to_string(),
            name => format!("{what} (target {name})"),
        };
        for (name, t) in targets.iter() {
            if matches!(t.readiness, Readiness::Pending | Readiness::Failing) {
                return Some(named("not ready", name));
            }
            if !t.api_reachable {
                return Some(named("API server unreachable", name));
            }
            if let Some(why) = t.streams.degraded() {
                return Some(named(&format!("degraded: {why}"), name));
            }
        }
        None
    }

    /// Every target's metrics in one Prometheus text.
    pub fn render_metrics(&self) -> String {
        let targets = lock(&self.targets);
        let all: Vec<(&str, &Metrics)> = targets
            .iter()
            .map(|(name, t)| (name.as_str(), t.metrics.as_ref()))
            .collect();
        super::metrics::render_all(&all)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every update is one assignment: a poisoned lock is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A rate-limited, coalescing wake-up: any number of [`Trigger::fire`]s
/// make one pending wake-up, and [`Trigger::notified`] returns at most
/// once per `min_gap`.
#[derive(Debug)]
pub struct Trigger {
    pending: AtomicBool,
    notify: Notify,
    last: Mutex<Option<Instant>>,
    min_gap: Duration,
}

impl Trigger {
    pub fn new(min_gap: Duration) -> Self {
        Trigger {
            pending: AtomicBool::new(false),
            notify: Notify::new(),
            last: Mutex::new(None),
            min_gap,
        }
    }

    pub fn fire(&self) {
        self.pending.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    /// Waits for a fire, then for the gap since the last wake-up. Safe to
    /// drop at any await (inside `select!`): the pending fire is taken only
    /// when it returns.
    pub async fn notified(&self) {
        loop {
            if self.pending.load(Ordering::SeqCst) {
                let wait = self
                    .last
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .map_or(Duration::ZERO, |last| {
                        (last + self.min_gap).saturating_duration_since(Instant::now())
                    });
                if wait.is_zero() {
                    if self.pending.swap(false, Ordering::SeqCst) {
                        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                        return;
                    }
                    continue;
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            self.notify.notified().await;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the HTTP listener has no local address")]
    LocalAddr(#[source] std::io::Error),
}

/// Serves the HTTP interface on `listener` until `shutdown` completes.
///
/// The caller binds the listener, so it decides the address and can learn the
/// port of an ephemeral bind. On shutdown it stops accepting, lets in-flight
/// requests finish (up to a few seconds) and returns.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HttpError> {
    let addr = listener.local_addr().map_err(HttpError::LocalAddr)?;
    tracing::info!(%addr, "serving HTTP");

    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        .keep_alive(false)
        .max_buf_size(READ_BUFFER);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let probe_slots = Arc::new(Semaphore::new(PROBE_SLOTS));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        // A free slot first, then accept: at the cap, new connections wait
        // in the backlog rather than costing memory here. A general slot
        // if one is free, else a probe slot.
        let (slot, probe_only) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => (slot.expect("never closed"), false),
            slot = Arc::clone(&probe_slots).acquire_owned() => (slot.expect("never closed"), true),
        };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            // The client gave up before we accepted: nothing to do.
            Err(err) if is_connection_error(&err) => continue,
            Err(err) => {
                tracing::warn!(error = %err, "accepting an HTTP connection failed");
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let shared = Arc::clone(&shared);
        let service = service_fn(move |req| {
            let shared = Arc::clone(&shared);
            async move {
                if probe_only && !is_probe(&req) {
                    return Ok(text(StatusCode::SERVICE_UNAVAILABLE, "busy\n"));
                }
                handle(req, shared).await
            }
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        // A probe is answered in a moment; a probe slot is not held longer.
        let limit = match probe_only {
            true => PROBE_TIMEOUT,
            false => CONNECTION_TIMEOUT,
        };
        // One task per connection so a slow client does not hold up the probes.
        tokio::spawn(async move {
            match tokio::time::timeout(limit, conn).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => tracing::debug!(%peer, error = %err, "HTTP connection failed"),
                Err(_) => tracing::debug!(%peer, "HTTP connection timed out; closed"),
            }
            drop(slot);
        });
    }

    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::debug!("HTTP connections still open after the grace period; dropping them");
    }
    Ok(())
}

/// `GET /healthz` or `GET /readyz`: what a probe slot serves.
fn is_probe<B>(req: &Request<B>) -> bool {
    req.method() == Method::GET && matches!(req.uri().path(), "/healthz" | "/readyz")
}

fn is_connection_error(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    )
}

async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match (req.uri().path(), req.method()) {
        ("/healthz", &Method::GET) if shared.stalled() => {
            text(StatusCode::SERVICE_UNAVAILABLE, "stalled\n")
        }
        ("/healthz", &Method::GET) => text(StatusCode::OK, "ok\n"),
        ("/readyz", &Method::GET) => match shared.not_ready() {
            Some(why) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")),
            None => text(StatusCode::OK, "ok\n"),
        },
        ("/metrics", &Method::GET) => {
            let mut response = Response::new(Full::from(shared.render_metrics()));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(PROMETHEUS_TEXT));
            response
        }
        ("/webhook", &Method::POST) => webhook(req, &shared).await,
        (path, _) if crate::web::owns(path) => {
            // "Refresh now" polls as an authenticated webhook does.
            let trigger = &shared.trigger;
            crate::web::handle(req, &shared.dashboard, || trigger.fire()).await
        }
        ("/healthz" | "/readyz" | "/metrics", _) => method_not_allowed("GET"),
        ("/webhook", _) => method_not_allowed("POST"),
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    };
    Ok(response)
}

/// Authenticates from the headers wherever the scheme allows, so that an
/// unauthenticated request costs no body read: GitLab's token and a missing
/// header are judged before anything else; only a GitHub signature needs
/// the body, read up to [`MAX_WEBHOOK_BODY`] and a few at a time.
async fn webhook(req: Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    let unauthorized = || text(StatusCode::UNAUTHORIZED, "unauthorized\n");
    let too_large = || text(StatusCode::PAYLOAD_TOO_LARGE, "payload too large\n");
    let rejected = || {
        // Warn: a wrong secret on the sender's side shows up here first.
        tracing::warn!("webhook rejected: missing or wrong signature or token");
        unauthorized()
    };
    let (parts, body) = req.into_parts();
    let Some(secret) = shared.webhook_secret.current() else {
        tracing::debug!("webhook received but no secret is configured");
        return unauthorized();
    };
    match webhook::scheme(&parts.headers) {
        webhook::Scheme::None => rejected(),
        webhook::Scheme::GitLab(token) => {
            if webhook::verify_gitlab(&secret, token) {
                accepted(shared)
            } else {
                rejected()
            }
        }
        webhook::Scheme::GitHub(signature) => {
            // Refuse a declared oversize body before reading any of it.
            let declared = parts
                .headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
            if declared.is_some_and(|len| len > MAX_WEBHOOK_BODY as u64) {
                return too_large();
            }
            let read = async {
                let _turn = shared.body_reads.acquire().await.expect("never closed");
                Limited::new(body, MAX_WEBHOOK_BODY).collect().await
            };
            let body = match tokio::time::timeout(READ_TIMEOUT, read).await {
                Ok(Ok(collected)) => collected.to_bytes(),
                Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => {
                    return too_large();
                }
                Ok(Err(err)) => {
                    tracing::debug!(error = %err, "reading a webhook body failed");
                    return text(StatusCode::BAD_REQUEST, "bad request\n");
                }
                Err(_) => return text(StatusCode::REQUEST_TIMEOUT, "request timeout\n"),
            };
            if webhook::verify_github(&secret, signature, &body) {
                accepted(shared)
            } else {
                rejected()
            }
        }
    }
}

fn accepted(shared: &Shared) -> Response<Full<Bytes>> {
    tracing::info!("webhook accepted; triggering a poll");
    shared.trigger.fire();
    text(StatusCode::ACCEPTED, "sync triggered\n")
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(PLAIN_TEXT));
    response
}

fn method_not_allowed(allow: &'static str) -> Response<Full<Bytes>> {
    let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::metrics::SyncResult;
    use crate::watch::webhook::github_signature;
    use std::net::SocketAddr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;

    const SECRET: &[u8] = b"webhook secret";
    const PUSH: &[u8] = br#"{"ref":"refs/heads/main"}"#;
    const WAIT: Duration = Duration::from_secs(5);

    struct Server {
        addr: SocketAddr,
        shared: Arc<Shared>,
        stop: oneshot::Sender<()>,
        task: JoinHandle<Result<(), HttpError>>,
        _dir: tempfile::TempDir,
    }

    async fn start(secret: Option<&[u8]>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let secret = secret_in(&dir, secret);
        let shared = Arc::new(Shared::new(secret));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), async move {
            let _ = stopped.await;
        }));
        Server {
            addr,
            shared,
            stop,
            task,
            _dir: dir,
        }
    }

    /// The secret as a file in `dir`, as the daemon reads it.
    fn secret_in(dir: &tempfile::TempDir, secret: Option<&[u8]>) -> webhook::Secret {
        match secret {
            Some(bytes) => {
                let path = dir.path().join("secret");
                std::fs::write(&path, bytes).unwrap();
                webhook::Secret::from_file(&path).unwrap()
            }
            None => webhook::Secret::none(),
        }
    }

    struct Reply {
        status: u16,
        head: String,
        body: String,
    }

    /// Sends raw bytes and reads the reply until the server closes.
    ///
    /// Writes and reads at once, and ignores write errors: a server may answer
    /// (413, say) and close before the whole request is sent, and the reply
    /// must still be read.
    async fn send(addr: SocketAddr, raw: &[u8]) -> Reply {
        let exchange = async {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut reader, mut writer) = stream.into_split();
            let write = async {
                let _ = writer.write_all(raw).await;
            };
            let read = async {
                let mut reply = Vec::new();
                let mut buf = [0; 8192];
                // A reset after the reply arrived ends the reply like a close.
                while let Ok(n @ 1..) = reader.read(&mut buf).await {
                    reply.extend_from_slice(&buf[..n]);
                }
                reply
            };
            let ((), reply) = tokio::join!(write, read);
            String::from_utf8(reply).unwrap()
        };
        let reply = tokio::time::timeout(WAIT, exchange)
            .await
            .expect("reply in time");
        let (head, body) = reply.split_once("\r\n\r\n").expect("a complete response");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        Reply {
            status,
            head: head.to_string(),
            body: body.to_string(),
        }
    }

    async fn request(
        addr: SocketAddr,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut raw = format!(
            "{method} {path} HTTP/1.1\r\nHost: gitsync\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str("\r\n");
        let mut raw = raw.into_bytes();
        raw.extend_from_slice(body);
        send(addr, &raw).await
    }

    async fn get(addr: SocketAddr, path: &str) -> Reply {
        request(addr, "GET", path, &[], b"").await
    }

    async fn triggered(shared: &Shared) -> bool {
        tokio::time::timeout(Duration::from_millis(200), shared.trigger.notified())
            .await
            .is_ok()
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let shown = format!("{:?}", Shared::new(secret_in(&dir, Some(SECRET))));
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(
            !shown.contains("webhook secret") && !shown.contains("119, 101"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn healthz_is_ok() {
        let server = start(None).await;
        let reply = get(server.addr, "/healthz").await;
        assert_eq!((reply.status, reply.body.as_str()), (200, "ok\n"));
    }

    #[tokio::test]
    async fn readyz_follows_the_ready_flag() {
        let server = start(None).await;
        let reply = get(server.addr, "/readyz").await;
        assert_eq!((reply.status, reply.body.as_str()), (503, "not ready\n"));
        server.shared.register("");
        server.shared.set_readiness("", Readiness::Synced);
        server.shared.set_api_reachable("", true);
        let reply = get(server.addr, "/readyz").await;
        assert_eq!((reply.status, reply.body.as_str()), (200, "ok\n"));
    }

    #[test]
    fn every_target_must_be_synced_or_standing_by() {
        let shared = Shared::new(webhook::Secret::none());
        for name in ["staging", "prod"] {
            shared.register(name);
            shared.set_api_reachable(name, true);
        }
        shared.set_readiness("staging", Readiness::Synced);
        assert_eq!(
            shared.not_ready().as_deref(),
            Some("not ready (target prod)")
        );
        shared.set_readiness("prod", Readiness::Standby);
        assert_eq!(shared.not_ready(), None);
        shared.set_readiness("staging", Readiness::Failing);
        assert_eq!(
            shared.not_ready().as_deref(),
            Some("not ready (target staging)")
        );
    }

    #[tokio::test]
    async fn readyz_needs_the_api_server() {
        let server = start(None).await;
        server.shared.register("");
        server.shared.set_readiness("", Readiness::Synced);
        let reply = get(server.addr, "/readyz").await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (503, "API server unreachable\n")
        );
    }

    #[test]
    fn a_step_running_past_the_stall_timeout_fails_healthz() {
        let shared =
            Shared::new(webhook::Secret::none()).with_stall_timeout(Duration::from_secs(60));
        shared.register("");
        shared.register("other");
        assert!(!shared.stalled(), "idle is not stalled");
        shared.set_busy("", Some(std::time::Instant::now()));
        assert!(!shared.stalled());
        shared.set_busy(
            "other",
            std::time::Instant::now().checked_sub(Duration::from_secs(61)),
        );
        assert!(shared.stalled(), "one stuck target is enough");
    }

    #[tokio::test]
    async fn metrics_are_prometheus_text() {
        let server = start(None).await;
        server.shared.register("").record_sync(
            SyncResult::Success,
            Duration::from_secs(1),
            Some("abc"),
        );
        let reply = get(server.addr, "/metrics").await;
        assert_eq!(reply.status, 200);
        assert!(
            reply
                .head
                .to_ascii_lowercase()
                .contains("content-type: text/plain; version=0.0.4"),
            "{}",
            reply.head
        );
        assert!(
            reply
                .body
                .lines()
                .any(|l| l == r#"gitsync_syncs_total{result="success"} 1"#),
            "{}",
            reply.body
        );
    }

    #[tokio::test]
    async fn webhook_with_github_signature_triggers_a_sync() {
        let server = start(Some(SECRET)).await;
        let signature = github_signature(SECRET, PUSH);
        let headers = [
            ("X-Hub-Signature-256", signature.as_str()),
            ("X-GitHub-Event", "push"),
        ];
        let reply = request(server.addr, "POST", "/webhook", &headers, PUSH).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (202, "sync triggered\n")
        );
        assert!(triggered(&server.shared).await, "the loop was not notified");
    }

    #[tokio::test]
    async fn webhook_with_gitlab_token_triggers_a_sync() {
        let server = start(Some(SECRET)).await;
        let headers = [("X-Gitlab-Token", "webhook secret")];
        let reply = request(server.addr, "POST", "/webhook", &headers, PUSH).await;
        assert_eq!(reply.status, 202);
        assert!(triggered(&server.shared).await);
    }

    #[tokio::test]
    async fn webhook_with_wrong_signature_is_unauthorized() {
        let server = start(Some(SECRET)).await;
        let signature = github_signature(b"not the secret", PUSH);
        let headers = [("X-Hub-Signature-256", signature.as_str())];
        let reply = request(server.addr, "POST", "/webhook", &headers, PUSH).await;
        assert_eq!((reply.status, reply.body.as_str()), (401, "unauthorized\n"));
        let reply = request(server.addr, "POST", "/webhook", &[], PUSH).await;
        assert_eq!(reply.status, 401);
        assert!(
            !triggered(&server.shared).await,
            "a rejected webhook notified the loop"
        );
    }

    #[tokio::test]
    async fn webhook_without_a_configured_secret_is_unauthorized() {
        let server = start(None).await;
        let signature = github_signature(b"", PUSH);
        let headers = [("X-Hub-Signature-256", signature.as_str())];
        let reply = request(server.addr, "POST", "/webhook", &headers, PUSH).await;
        assert_eq!(reply.status, 401);
        assert!(!triggered(&server.shared).await);
    }

    #[tokio::test]
    async fn webhook_body_over_the_limit_is_refused() {
        let server = start(Some(SECRET)).await;
        let signed = "X-Hub-Signature-256: sha256=00\r\n";
        // Declared too large: refused before any of the body is read.
        let raw = format!(
            "POST /webhook HTTP/1.1\r\nHost: gitsync\r\nConnection: close\r\n{signed}Content-Length: {}\r\n\r\n",
            MAX_WEBHOOK_BODY + 1
        );
        let reply = send(server.addr, raw.as_bytes()).await;
        assert_eq!(reply.status, 413);

        // Chunked, so the size is only known while reading: the limit still holds.
        let chunk = vec![b'x'; 512 * 1024];
        let mut raw = format!("POST /webhook HTTP/1.1\r\nHost: gitsync\r\nConnection: close\r\n{signed}Transfer-Encoding: chunked\r\n\r\n").into_bytes();
        for _ in 0..3 {
            raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            raw.extend_from_slice(&chunk);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        let reply = send(server.addr, &raw).await;
        assert_eq!(reply.status, 413);
        assert!(!triggered(&server.shared).await);

        // Exactly at the limit is still read and judged on its signature.
        let body = vec![b'x'; MAX_WEBHOOK_BODY];
        let signature = github_signature(SECRET, &body);
        let headers = [("X-Hub-Signature-256", signature.as_str())];
        let reply = request(server.addr, "POST", "/webhook", &headers, &body).await;
        assert_eq!(reply.status, 202);
    }

    /// Without a GitHub signature nothing needs the body: a missing header
    /// or a wrong GitLab token is refused at once, whatever the size, and
    /// a body that never arrives does not delay the answer.
    #[tokio::test]
    async fn unauthenticated_webhooks_are_refused_before_the_body() {
        let server = start(Some(SECRET)).await;
        for auth in ["", "X-Gitlab-Token: wrong\r\n"] {
            let raw = format!(
                "POST /webhook HTTP/1.1\r\nHost: gitsync\r\n{auth}Content-Length: {}\r\n\r\npartial",
                100 * 1024 * 1024
            );
            let reply = send(server.addr, raw.as_bytes()).await;
            assert_eq!((reply.status, reply.body.as_str()), (401, "unauthorized\n"));
        }
        assert!(!triggered(&server.shared).await);
    }

    #[tokio::test]
    async fn a_rotated_secret_is_used_at_once() {
        let server = start(Some(SECRET)).await;
        let path = server._dir.path().join("secret");
        std::fs::write(&path, b"rotated").unwrap();
        let old = [("X-Gitlab-Token", "webhook secret")];
        let new = [("X-Gitlab-Token", "rotated")];
        assert_eq!(
            request(server.addr, "POST", "/webhook", &old, PUSH)
                .await
                .status,
            401
        );
        assert_eq!(
            request(server.addr, "POST", "/webhook", &new, PUSH)
                .await
                .status,
            202
        );
    }

    #[tokio::test(start_paused = true)]
    async fn webhook_polls_are_coalesced_and_spaced() {
        let trigger = Arc::new(Trigger::new(Duration::from_secs(5)));
        // Many fires before anyone waits: one wake-up.
        for _ in 0..100 {
            trigger.fire();
        }
        trigger.notified().await;
        let start = tokio::time::Instant::now();
        let again = tokio::time::timeout(Duration::from_secs(60), trigger.notified()).await;
        assert!(again.is_err(), "a wake-up without a new fire");
        // A fire right after a wake-up waits for the gap.
        trigger.fire();
        trigger.fire();
        let before = tokio::time::Instant::now();
        trigger.notified().await;
        assert!(before.elapsed() <= Duration::from_secs(5));
        assert!(start.elapsed() >= Duration::from_secs(60));
        let last = tokio::time::Instant::now();
        trigger.fire();
        trigger.notified().await;
        assert_eq!(last.elapsed(), Duration::from_secs(5));
        // A dropped wait (a select! that chose another branch) loses nothing.
        trigger.fire();
        let dropped = tokio::time::timeout(Duration::from_secs(1), trigger.notified()).await;
        assert!(dropped.is_err());
        tokio::time::timeout(Duration::from_secs(10), trigger.notified())
            .await
            .expect("the fire is still pending");
    }

    #[tokio::test]
    async fn unknown_path_is_404_and_wrong_method_405() {
        let server = start(Some(SECRET)).await;
        assert_eq!(get(server.addr, "/nope").await.status, 404);
        let reply = request(server.addr, "POST", "/healthz", &[], b"").await;
        assert_eq!(reply.status, 405);
        assert!(
            reply.head.to_ascii_lowercase().contains("allow: get"),
            "{}",
            reply.head
        );
        let reply = get(server.addr, "/webhook").await;
        assert_eq!(reply.status, 405);
        assert!(
            reply.head.to_ascii_lowercase().contains("allow: post"),
            "{}",
            reply.head
        );
    }

    #[tokio::test]
    async fn a_stalled_connection_does_not_block_others() {
        let server = start(None).await;
        // Half a request, never finished.
        let mut stalled = TcpStream::connect(server.addr).await.unwrap();
        stalled
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: gitsync\r\n")
            .await
            .unwrap();
        assert_eq!(get(server.addr, "/healthz").await.status, 200);
    }

    /// Idle clients holding every general slot (a slow-client flood) do
    /// not starve the probes: they answer at once on the reserved slots,
    /// which serve nothing else; idle clients on those are dropped fast.
    #[tokio::test]
    async fn probes_are_answered_while_idle_clients_hold_every_slot() {
        let server = start(None).await;
        let mut idle = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            idle.push(TcpStream::connect(server.addr).await.unwrap());
        }
        let asked = std::time::Instant::now();
        let reply = get(server.addr, "/healthz").await;
        assert_eq!((reply.status, reply.body.as_str()), (200, "ok\n"));
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "{:?}",
            asked.elapsed()
        );
        let reply = get(server.addr, "/readyz").await;
        assert_eq!((reply.status, reply.body.as_str()), (503, "not ready\n"));
        let reply = get(server.addr, "/metrics").await;
        assert_eq!((reply.status, reply.body.as_str()), (503, "busy\n"));
        // Idle clients on the probe slots too: closed after a short wait.
        for _ in 0..PROBE_SLOTS {
            idle.push(TcpStream::connect(server.addr).await.unwrap());
        }
        let asked = std::time::Instant::now();
        assert_eq!(get(server.addr, "/healthz").await.status, 200);
        assert!(
            asked.elapsed() < PROBE_TIMEOUT + Duration::from_secs(1),
            "{:?}",
            asked.elapsed()
        );
    }

    #[tokio::test]
    async fn shutdown_ends_serve_and_stops_accepting() {
        let server = start(None).await;
        assert_eq!(get(server.addr, "/healthz").await.status, 200);
        // An idle keep-alive connection must not hold shutdown up.
        let _idle = TcpStream::connect(server.addr).await.unwrap();
        server.stop.send(()).unwrap();
        let result = tokio::time::timeout(Duration::from_secs(2), server.task)
            .await
            .expect("serve ended in time")
            .expect("serve did not panic");
        assert!(result.is_ok());
        assert!(
            TcpStream::connect(server.addr).await.is_err(),
            "still accepting"
        );
    }
}
