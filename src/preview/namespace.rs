//! A preview's Namespace on the cluster: created by gitsync with the
//! labels that make it the preview's (and the only kind of namespace a
//! close deletes), and annotated with what runs in it, so that `preview
//! list` needs nothing but the cluster.

use std::collections::BTreeMap;

use kube::api::{ListParams, Patch, PatchParams};
use kube::discovery::ApiResource;
use serde_json::json;

use super::config::PodSecurity;
use super::{Instance, PreviewError};
use crate::cluster::applyset::PREVIEW_OF;
use crate::cluster::resource::{FIELD_MANAGER, api_error_message};
use crate::cluster::{Cluster, retry};

/// Label: the `previews:` entry a namespace is a preview of.
pub const ENTRY: &str = "gitsync.io/preview";
/// Label: the Pod Security level the API server enforces in it.
pub const POD_SECURITY: &str = "pod-security.kubernetes.io/enforce";
/// Annotations: the ref, and what the last `up` synced.
pub const REF: &str = "gitsync.io/preview-ref";
/// The repository (its identity) whose preview it is: previews of
/// another repository are never counted, updated or closed.
pub const REPOSITORY: &str = "gitsync.io/preview-repository";
pub const SHA: &str = "gitsync.io/preview-sha";
pub const COMMIT_TIME: &str = "gitsync.io/preview-commit-time";
pub const HEALTH: &str = "gitsync.io/preview-health";
pub const URL: &str = "gitsync.io/preview-url";

/// What the last `up` of a preview left.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Synced {
    pub sha: String,
    /// The commit's author time (RFC 3339): the TTL counts from it.
    pub commit_time: String,
    /// `Healthy`, `Unhealthy` or `Failed`.
    pub health: String,
}

/// A preview namespace as the cluster holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Open {
    pub namespace: String,
    pub entry: String,
    pub reference: String,
    #[serde(skip)]
    pub repository: String,
    /// `None` while the first sync runs (or when it never finished).
    #[serde(flatten)]
    pub synced: Option<Synced>,
    pub url: Option<String>,
    /// Being deleted.
    pub closing: bool,
}

fn namespaces(cluster: &Cluster) -> Result<ApiResource, PreviewError> {
    cluster
        .kinds_named("namespaces")
        .into_iter()
        .map(|(ar, _)| ar)
        .find(|ar| ar.group.is_empty())
        .ok_or_else(|| PreviewError::Namespace {
            namespace: "-".into(),
            message: "the cluster serves no Namespaces".into(),
        })
}

/// Creates the preview's namespace, or checks that the one there is this
/// preview's: never another's, and never a namespace gitsync did not
/// create for it (a branch named `kube-system` must not deploy there).
pub async fn open(
    cluster: &Cluster,
    instance: &Instance,
    repository: &str,
    id: &str,
) -> Result<(), PreviewError> {
    let ns = &instance.namespace;
    let fail = |message: String| PreviewError::Namespace {
        namespace: ns.clone(),
        message,
    };
    let ar = namespaces(cluster)?;
    let api = cluster.api(&ar, None);
    let live = retry(|| api.get_opt(ns))
        .await
        .map_err(|e| fail(api_error_message(&e)))?;
    let mut synced = None;
    if let Some(live) = &live {
        let labels = live.metadata.labels.clone().unwrap_or_default();
        let annotations = live.metadata.annotations.clone().unwrap_or_default();
        if labels.get(PREVIEW_OF).map(String::as_str) != Some(id) {
            return Err(fail(format!(
                "exists and is not a preview namespace gitsync created (no {PREVIEW_OF} label with its id): refused"
            )));
        }
        if let Some(other) = annotations.get(REPOSITORY).filter(|r| *r != repository) {
            return Err(fail(format!("is a preview of repository {other}: refused")));
        }
        if let Some(other) = annotations.get(REF).filter(|r| **r != instance.reference) {
            return Err(fail(format!(
                "is the preview of {other}, not of {}: refused",
                instance.reference
            )));
        }
        if live.metadata.deletion_timestamp.is_some() {
            return Err(fail(
                "is still being deleted (a preview closing): try again once it is gone".into(),
            ));
        }
        synced = synced_of(&annotations);
    }
    write(cluster, instance, repository, id, synced.as_ref()).await
}

/// Records what an `up` synced on the namespace.
pub async fn record(
    cluster: &Cluster,
    instance: &Instance,
    repository: &str,
    id: &str,
    synced: &Synced,
) -> Result<(), PreviewError> {
    write(cluster, instance, repository, id, Some(synced)).await
}

/// Server-side apply of the whole namespace as gitsync owns it (one
/// field manager: every write sends every field it keeps).
async fn write(
    cluster: &Cluster,
    instance: &Instance,
    repository: &str,
    id: &str,
    synced: Option<&Synced>,
) -> Result<(), PreviewError> {
    let ns = &instance.namespace;
    let mut annotations = BTreeMap::from([
        (REF, instance.reference.clone()),
        (REPOSITORY, repository.to_string()),
    ]);
    if let Some(url) = instance.url() {
        annotations.insert(URL, url);
    }
    if let Some(s) = synced {
        annotations.insert(SHA, s.sha.clone());
        annotations.insert(COMMIT_TIME, s.commit_time.clone());
        annotations.insert(HEALTH, s.health.clone());
    }
    let body = json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": ns,
            "labels": {
                ENTRY: instance.entry.name,
                PREVIEW_OF: id,
                POD_SECURITY: instance.entry.pod_security.unwrap_or(PodSecurity::Baseline).as_str(),
            },
            "annotations": annotations,
        },
    });
    let ar = namespaces(cluster)?;
    let api = cluster.api(&ar, None);
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let patch = Patch::Apply(&body);
    retry(|| api.patch(ns, &params, &patch))
        .await
        .map_err(|e| PreviewError::Namespace {
            namespace: ns.clone(),
            message: format!("writing it: {}", api_error_message(&e)),
        })?;
    Ok(())
}

fn synced_of(annotations: &BTreeMap<String, String>) -> Option<Synced> {
    Some(Synced {
        sha: annotations.get(SHA)?.clone(),
        commit_time: annotations.get(COMMIT_TIME).cloned().unwrap_or_default(),
        health: annotations.get(HEALTH).cloned().unwrap_or_default(),
    })
}

/// Every preview namespace of `repository` on the cluster (of any entry),
/// by name.
pub async fn list(cluster: &Cluster, repository: &str) -> Result<Vec<Open>, PreviewError> {
    let ar = namespaces(cluster)?;
    let api = cluster.api(&ar, None);
    let params = ListParams::default().labels(ENTRY);
    let listed = retry(|| api.list(&params))
        .await
        .map_err(|e| PreviewError::Namespace {
            namespace: "-".into(),
            message: format!("listing preview namespaces: {}", api_error_message(&e)),
        })?;
    let mut out: Vec<Open> = listed
        .items
        .into_iter()
        .filter_map(|o| {
            let labels = o.metadata.labels.clone().unwrap_or_default();
            let annotations = o.metadata.annotations.clone().unwrap_or_default();
            // Only what gitsync labelled as a preview of its own ApplySet.
            labels.get(PREVIEW_OF)?;
            Some(Open {
                namespace: o.metadata.name.clone()?,
                entry: labels.get(ENTRY)?.clone(),
                reference: annotations.get(REF)?.clone(),
                repository: annotations.get(REPOSITORY)?.clone(),
                synced: synced_of(&annotations),
                url: annotations.get(URL).cloned(),
                closing: o.metadata.deletion_timestamp.is_some(),
            })
        })
        .filter(|o: &Open| o.repository == repository)
        .collect();
    out.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    Ok(out)
}
