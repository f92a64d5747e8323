//! The live cluster: connection, discovery and the resource layer every
//! request goes through. Knows nothing of plans or syncs (see `engine`).

pub mod applyset;
mod capabilities;
pub mod client;
// Leases are gitsync's own coordination records (write lock, leader,
// replica membership), never objects from Git: the delete gate is for
// those, and lease.rs deletes its Leases itself.
#[allow(clippy::disallowed_methods)]
pub mod lease;
pub mod resource;
mod retry;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::Discovery;

pub use resource::{FIELD_MANAGER, api_error_message, with_type};
pub use retry::{TimedOut, is_unreachable, retry};

/// How long one API request may take (`--request-timeout`), connecting,
/// answering and retries included, unless changed.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

static REQUEST_TIMEOUT_MS: AtomicU64 = AtomicU64::new(DEFAULT_REQUEST_TIMEOUT.as_millis() as u64);

/// Sets the limit for every API request of this process (a process-wide
/// flag: every request goes through [`retry`], which has no cluster at hand).
pub fn set_request_timeout(limit: Duration) {
    REQUEST_TIMEOUT_MS.store(limit.as_millis().max(1) as u64, Ordering::Relaxed);
}

pub fn request_timeout() -> Duration {
    Duration::from_millis(REQUEST_TIMEOUT_MS.load(Ordering::Relaxed))
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("reading kubeconfig {}", path.as_deref().unwrap_or("($KUBECONFIG or ~/.kube/config)"))]
    Kubeconfig {
        path: Option<String>,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("kubeconfig has no context {context:?}")]
    Context {
        context: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("reading the in-cluster configuration (service account)")]
    InCluster(#[source] kube::config::InClusterError),
    #[error("creating the API client")]
    Client(#[source] kube::Error),
    #[error("discovering the API server's resources at {server}")]
    Discovery {
        server: String,
        #[source]
        source: kube::Error,
    },
    #[error("reading {what}")]
    Read {
        what: String,
        #[source]
        source: kube::Error,
    },
    #[error("writing {what}")]
    Write {
        what: String,
        #[source]
        source: kube::Error,
    },
    #[error("dry run of {object}")]
    DryRun {
        object: String,
        #[source]
        source: kube::Error,
    },
    #[error("listing {resource}{}", namespace.as_ref().map(|n| format!(" in namespace {n}")).unwrap_or_default())]
    List {
        resource: String,
        namespace: Option<String>,
        #[source]
        source: kube::Error,
    },
}

/// The User-Agent of every request gitsync makes.
pub const USER_AGENT: &str = concat!("gitsync/", env!("CARGO_PKG_VERSION"));

/// A connected cluster: client, the namespace for objects that name none,
/// and what the API server serves (discovered once per run).
pub struct Cluster {
    /// For requests: every one is bounded by [`request_timeout`].
    pub client: Client,
    /// For watch streams, which stay quiet for minutes when nothing
    /// changes: no read timeout (kube's watcher has its own idle timeout).
    pub stream_client: Client,
    pub default_namespace: String,
    pub discovery: Discovery,
    /// `discovery` indexed for resolving types; rebuilt with it.
    kinds: resource::Kinds,
    pub server: String,
}

/// Where to connect, from flags or a gitsync.yaml target.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions<'a> {
    pub kubeconfig: Option<&'a Path>,
    pub context: Option<&'a str>,
    /// `-n`: overrides the context's namespace as the default.
    pub namespace: Option<&'a str>,
}

impl Cluster {
    pub async fn connect(opts: &ConnectOptions<'_>) -> Result<Cluster, ClusterError> {
        let mut cluster = Cluster::connect_undiscovered(opts).await?;
        cluster.rediscover().await?;
        Ok(cluster)
    }

    /// [`Cluster::connect`] without asking what the server serves: enough
    /// for reads of built-in kinds (an ApplySet parent), at a fraction of
    /// the requests, for a gate that looks at many targets often.
    pub async fn connect_undiscovered(opts: &ConnectOptions<'_>) -> Result<Cluster, ClusterError> {
        let kubeconfig = match opts.kubeconfig {
            Some(path) => Kubeconfig::read_from(path),
            None => Kubeconfig::read(),
        };
        let config = match kubeconfig {
            Ok(kubeconfig) => {
                let options = KubeConfigOptions {
                    context: opts.context.map(str::to_string),
                    ..Default::default()
                };
                kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|source| ClusterError::Context {
                        context: opts.context.unwrap_or("(current)").to_string(),
                        source,
                    })?
            }
            // In a pod without a kubeconfig: the service account, as every
            // in-cluster client does.
            Err(_)
                if opts.kubeconfig.is_none()
                    && opts.context.is_none()
                    && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() =>
            {
                kube::Config::incluster().map_err(ClusterError::InCluster)?
            }
            Err(source) => {
                return Err(ClusterError::Kubeconfig {
                    path: opts.kubeconfig.map(|p| p.display().to_string()),
                    source,
                });
            }
        };
        let server = config.cluster_url.to_string();
        let default_namespace = opts
            .namespace
            .map(str::to_string)
            .unwrap_or_else(|| config.default_namespace.clone());
        let mut config = config;
        // Say who is calling: audit logs (and the tests' audit check) tell
        // gitsync's requests from everyone else's by it.
        config.headers.push((
            hyper::header::USER_AGENT,
            hyper::header::HeaderValue::from_static(USER_AGENT),
        ));
        // kube sets no read timeout: a hung API server (or a black-holed
        // network) would otherwise hold every request forever. A second
        // more than `retry`'s own limit, so that its clearer message wins
        // and these catch only requests made outside it (the Lease).
        let limit = request_timeout() + Duration::from_secs(1);
        config.connect_timeout = Some(limit);
        config.write_timeout = Some(limit);
        config.read_timeout = None;
        let stream_client = client::shared(config.clone()).map_err(ClusterError::Client)?;
        config.read_timeout = Some(limit);
        // The timeout counts from the request, not from when its pooled
        // connection went idle.
        config.reset_reader_on_write = true;
        let client = client::shared(config).map_err(ClusterError::Client)?;
        let discovery = Discovery::new(client.clone());
        Ok(Cluster {
            client,
            stream_client,
            default_namespace,
            kinds: resource::Kinds::of(&discovery),
            discovery,
            server,
        })
    }

    /// Re-reads what the server serves (after CRDs were created).
    pub async fn rediscover(&mut self) -> Result<(), ClusterError> {
        self.discovery = discover(&self.client, &self.server).await?;
        self.kinds = resource::Kinds::of(&self.discovery);
        Ok(())
    }
}

/// Aggregated discovery: two requests for everything the server serves,
/// instead of one per group version.
async fn discover(client: &Client, server: &str) -> Result<Discovery, ClusterError> {
    retry(|| Discovery::new(client.clone()).run_aggregated())
        .await
        .map_err(|source| ClusterError::Discovery {
            server: server.to_string(),
            source,
        })
}
