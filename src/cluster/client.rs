//! The HTTP client every API request goes through: kube's own stack
//! (base URI, retries of 429/503/504, auth, headers, timeouts, TLS), built
//! here only to set TCP_NODELAY on its sockets.
//!
//! Without it, the first request on each new connection waits ~40 ms:
//! Nagle holds it back until the server acknowledges the TLS Finished
//! just sent, and the server delays that ACK. A plan opens a connection
//! per concurrent request, so every command paid it at least twice
//! (discovery, then the first LISTs). Go's client, kubectl's, sets it.

use hyper_timeout::TimeoutConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use kube::client::ConfigExt;
use kube::client::retry::RetryPolicy;
use kube::{Client, Config};
use tower::retry::RetryLayer;
use tower::{BoxError, ServiceBuilder};
use tower_http::trace::TraceLayer;

/// How long a connection may idle in the pool. A watch daemon idles for
/// minutes between syncs, and each kept connection holds its buffers
/// (tens of KB; a fleet's syncs leave hundreds of them).
const POOL_IDLE: std::time::Duration = std::time::Duration::from_secs(15);

/// Clients already built, by everything they were built from (server,
/// TLS, credentials, timeouts, headers): the many targets of a fleet on
/// one cluster share one connection pool and one TLS setup. The key
/// holds credentials, in memory only, as `Config` itself does. A client
/// lives on the runtime that built it (its connections' tasks are
/// there), so an entry counts only while that runtime does.
static CLIENTS: std::sync::Mutex<Vec<Shared>> = std::sync::Mutex::new(Vec::new());

struct Shared {
    key: String,
    client: Client,
    /// Held by a task on the client's runtime: gone with the runtime.
    runtime: std::sync::Weak<()>,
}

/// Past this many distinct configurations (rotated credentials, say) the
/// oldest client is dropped.
const CLIENTS_KEPT: usize = 64;

/// [`build`], or the client built before for the same configuration.
pub fn shared(config: Config) -> Result<Client, kube::Error> {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return build(config);
    };
    let key = serde_json::json!({
        "url": config.cluster_url.to_string(),
        "rootCert": config.root_cert,
        "rootCertFile": config.root_cert_file,
        "timeouts": format!("{:?} {:?} {:?} {}", config.connect_timeout, config.read_timeout,
            config.write_timeout, config.reset_reader_on_write),
        "insecure": config.accept_invalid_certs,
        "auth": serde_json::to_value(&config.auth_info).ok(),
        "compression": config.disable_compression,
        "proxy": config.proxy_url.as_ref().map(ToString::to_string),
        "serverName": config.tls_server_name,
        "headers": format!("{:?}", config.headers),
        "retry": config.default_retry,
    })
    .to_string();
    let mut clients = CLIENTS.lock().unwrap_or_else(|e| e.into_inner());
    clients.retain(|c| c.runtime.strong_count() > 0);
    if let Some(c) = clients.iter().find(|c| c.key == key) {
        return Ok(c.client.clone());
    }
    let client = build(config)?;
    let alive = std::sync::Arc::new(());
    let weak = std::sync::Arc::downgrade(&alive);
    runtime.spawn(async move {
        let _alive = alive;
        std::future::pending::<()>().await
    });
    if clients.len() >= CLIENTS_KEPT {
        clients.remove(0);
    }
    clients.push(Shared {
        key,
        client: client.clone(),
        runtime: weak,
    });
    Ok(client)
}

/// A client for `config`, as [`Client::try_from`] builds it but with
/// TCP_NODELAY (and without `valid_until`, which only reports when an exec
/// plugin's client certificate expires; nothing here reads it). Through a
/// proxy, kube's own, its proxy support included.
pub fn build(config: Config) -> Result<Client, kube::Error> {
    if config.proxy_url.is_some() {
        return Client::try_from(config);
    }
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = config.rustls_https_connector_with_connector(http)?;
    let mut connector = TimeoutConnector::new(https);
    connector.set_connect_timeout(config.connect_timeout);
    connector.set_read_timeout(config.read_timeout);
    connector.set_write_timeout(config.write_timeout);
    connector.set_reset_reader_on_write(config.reset_reader_on_write);
    let hyper = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_timer(hyper_util::rt::TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE)
        .build(connector);
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(
            config
                .default_retry
                .then(|| RetryLayer::new(RetryPolicy::server_retry())),
        )
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .layer(TraceLayer::new_for_http())
        .map_err(BoxError::from)
        .service(hyper);
    Ok(Client::new(service, config.default_namespace))
}
