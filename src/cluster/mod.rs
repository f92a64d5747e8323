//! The live cluster: connection, discovery and the resource layer every
//! request goes through. Knows nothing of plans or syncs (see `engine`).

pub mod applyset;
mod capabilities;
pub mod lease;
pub mod resource;
mod retry;

use std::path::Path;

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::Discovery;

pub use resource::{FIELD_MANAGER, api_error_message, with_type};
pub use retry::retry;

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
    #[error("writing {what}")]
    Write {
        what: String,
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

/// A connected cluster: client, the namespace for objects that name none,
/// and what the API server serves (discovered once per run).
pub struct Cluster {
    pub client: Client,
    pub default_namespace: String,
    pub discovery: Discovery,
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
        let client = Client::try_from(config).map_err(ClusterError::Client)?;
        let discovery = discover(&client, &server).await?;
        Ok(Cluster {
            client,
            default_namespace,
            discovery,
            server,
        })
    }

    /// Re-reads what the server serves (after CRDs were created).
    pub async fn rediscover(&mut self) -> Result<(), ClusterError> {
        self.discovery = discover(&self.client, &self.server).await?;
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
