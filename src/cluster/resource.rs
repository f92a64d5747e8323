//! The resource layer: how an object of the desired set is found and
//! addressed on the API server. Every request for an object goes through
//! these few functions, so the field manager, the version an object is
//! read at and the namespace it defaults to are decided in one place.

use kube::api::{Api, DynamicObject};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiResource, Scope};
use serde_json::Value;

use super::Cluster;
use crate::desired::{DesiredObject, ObjectId, split_api_version};

/// gitsync's field manager for server-side apply.
pub const FIELD_MANAGER: &str = "gitsync";

/// The group/version/kind an object names (its version from apiVersion).
pub fn gvk(id: &ObjectId, api_version: &str) -> GroupVersionKind {
    GroupVersionKind::gvk(&id.group, split_api_version(api_version).1, &id.kind)
}

impl Cluster {
    /// The served resource and scope of an object's type, as the current
    /// discovery knows it (sync refreshes it after creating CRDs).
    pub fn resolve(&self, id: &ObjectId, api_version: &str) -> Option<(ApiResource, Scope)> {
        self.discovery
            .resolve_gvk(&gvk(id, api_version))
            .map(|(ar, caps)| (ar, caps.scope))
    }

    pub fn resource_of(&self, id: &ObjectId, api_version: &str) -> Option<ApiResource> {
        self.resolve(id, api_version).map(|(ar, _)| ar)
    }

    /// Whether the kind is namespaced (unknown kinds count as namespaced,
    /// the common case, so a default namespace is filled in).
    pub fn is_namespaced(&self, id: &ObjectId, api_version: &str) -> bool {
        self.resolve(id, api_version)
            .is_none_or(|(_, scope)| matches!(scope, Scope::Namespaced))
    }

    /// The namespace the object lives in: its own, else the default for a
    /// namespaced kind; `None` for a cluster-scoped one.
    pub fn namespace_of(&self, id: &ObjectId, api_version: &str) -> Option<String> {
        self.is_namespaced(id, api_version)
            .then(|| id.namespace.clone())
            .map(|ns| ns.unwrap_or_else(|| self.default_namespace.clone()))
    }

    /// The object's identity with its namespace resolved.
    pub fn id_of(&self, id: &ObjectId, api_version: &str) -> ObjectId {
        ObjectId {
            namespace: self.namespace_of(id, api_version),
            ..id.clone()
        }
    }

    /// The API for a resource in one namespace, or cluster-wide.
    pub fn api(&self, ar: &ApiResource, namespace: Option<&str>) -> Api<DynamicObject> {
        match namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, ar),
            None => Api::all_with(self.client.clone(), ar),
        }
    }

    /// As [`Cluster::api`], for watch streams (no read timeout).
    pub fn stream_api(&self, ar: &ApiResource, namespace: Option<&str>) -> Api<DynamicObject> {
        match namespace {
            Some(ns) => Api::namespaced_with(self.stream_client.clone(), ns, ar),
            None => Api::all_with(self.stream_client.clone(), ar),
        }
    }
}

/// `apps/v1/deployments`: one key per served type.
pub fn resource_key(ar: &ApiResource) -> String {
    format!("{}/{}", ar.api_version, ar.plural)
}

/// A LIST's items (and watch events) carry no apiVersion and kind; put
/// them back so that the live object compares with a dry-run result field
/// for field.
pub fn with_type(obj: DynamicObject, ar: &ApiResource) -> Value {
    // First, where the server puts them, so that diffs show no move.
    let mut map = serde_json::Map::new();
    map.insert("apiVersion".into(), Value::String(ar.api_version.clone()));
    map.insert("kind".into(), Value::String(ar.kind.clone()));
    if let Ok(Value::Object(rest)) = serde_json::to_value(obj) {
        for (k, v) in rest {
            if k != "apiVersion" && k != "kind" {
                map.insert(k, v);
            }
        }
    }
    Value::Object(map)
}

/// The manifest with its namespace resolved (ownership labels are the
/// ApplySet's to add).
pub fn manifest(obj: &DesiredObject, namespace: &Option<String>) -> Value {
    let mut m = obj.object.clone();
    if let (Some(ns), Some(meta)) = (
        namespace,
        m.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        meta.insert("namespace".into(), Value::String(ns.clone()));
    }
    m
}

/// The API server's own words for a rejected request, without kube's
/// debug dump around them.
pub fn api_error_message(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) if !status.message.is_empty() => {
            format!("{} ({})", status.message, status.code)
        }
        // kube's own wording ("ServiceError: …") adds nothing.
        kube::Error::Service(e) => e.to_string(),
        other => other.to_string(),
    }
}
