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
    let hyper = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
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
