//! What a helm chart may ask of the cluster it renders for: the server's
//! version and the API versions it serves.

use super::{Cluster, ClusterError, retry};
use crate::render::Capabilities;

impl Cluster {
    /// The server's version (one request) and every served API version,
    /// `group/version` and `group/version/Kind` (`v1`, `v1/Pod` for the
    /// core group), from the discovery already made.
    pub async fn capabilities(&self) -> Result<Capabilities, ClusterError> {
        let info = retry(|| self.client.apiserver_version())
            .await
            .map_err(|source| ClusterError::Discovery {
                server: self.server.clone(),
                source,
            })?;
        let mut api_versions = Vec::new();
        for group in self.discovery.groups() {
            for version in group.versions() {
                let gv = if group.name().is_empty() {
                    version.to_string()
                } else {
                    format!("{}/{version}", group.name())
                };
                for (ar, _) in group.versioned_resources(version) {
                    api_versions.push(format!("{gv}/{}", ar.kind));
                }
                api_versions.push(gv);
            }
        }
        api_versions.sort();
        api_versions.dedup();
        Ok(Capabilities {
            kube_version: Some(info.git_version),
            api_versions,
        })
    }
}
