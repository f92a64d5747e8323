//! The resource layer: how an object of the desired set is found and
//! addressed on the API server. Every request for an object goes through
//! these few functions, so the field manager, the version an object is
//! read at and the namespace it defaults to are decided in one place.

use std::collections::HashMap;

use kube::api::{Api, DynamicObject};
use kube::discovery::{ApiResource, Discovery, Scope};
use serde_json::Value;

use super::Cluster;
use crate::desired::{DesiredObject, ObjectId, split_api_version};

/// gitsync's field manager for server-side apply.
pub const FIELD_MANAGER: &str = "gitsync";

/// Served types by group, version and kind. Every object's type is
/// resolved several times a plan, and kube's own lookup
/// (`Discovery::resolve_gvk`) copies a group version's whole resource list
/// each time: at 10,000 objects that was much of a plan's CPU time.
#[derive(Debug, Default)]
pub struct Kinds(HashMap<String, HashMap<String, ByKind>>);

type ByKind = HashMap<String, (ApiResource, Scope)>;

impl Kinds {
    /// Types as (group, version, resource, scope), in discovery's order:
    /// where a kind appears twice in a group version, the first is kept,
    /// as `resolve_gvk` finds it.
    pub fn new(served: impl IntoIterator<Item = (ApiResource, Scope)>) -> Kinds {
        let mut kinds = Kinds::default();
        for (ar, scope) in served {
            kinds
                .0
                .entry(ar.group.clone())
                .or_default()
                .entry(ar.version.clone())
                .or_default()
                .entry(ar.kind.clone())
                .or_insert((ar, scope));
        }
        kinds
    }

    pub fn of(discovery: &Discovery) -> Kinds {
        Kinds::new(discovery.groups().flat_map(|g| {
            g.versions()
                .flat_map(|v| g.versioned_resources(v))
                .map(|(ar, caps)| (ar, caps.scope))
                .collect::<Vec<_>>()
        }))
    }

    pub fn get(&self, group: &str, version: &str, kind: &str) -> Option<&(ApiResource, Scope)> {
        self.0.get(group)?.get(version)?.get(kind)
    }

    /// Served types a user may mean by `name`, as kubectl reads it: a kind
    /// or its plural in any case, optionally followed by `.GROUP`
    /// (`Certificate`, `certificates.cert-manager.io`). One per group and
    /// kind, at its most stable version (v1 before v1beta1 before v1alpha1).
    pub fn named(&self, name: &str) -> Vec<&(ApiResource, Scope)> {
        let name = name.to_ascii_lowercase();
        let (short, group) = name.split_once('.').unwrap_or((&name, ""));
        let mut found: Vec<&(ApiResource, Scope)> = Vec::new();
        for (g, versions) in &self.0 {
            if !group.is_empty() && g.to_ascii_lowercase() != group {
                continue;
            }
            for by_kind in versions.values() {
                for entry in by_kind.values() {
                    let ar = &entry.0;
                    let matches = ar.kind.to_ascii_lowercase() == short || ar.plural == short;
                    if !matches || ar.plural.contains('/') {
                        continue;
                    }
                    match found
                        .iter_mut()
                        .find(|f| f.0.group == ar.group && f.0.kind == ar.kind)
                    {
                        Some(f) if version_rank(&ar.version) > version_rank(&f.0.version) => {
                            *f = entry;
                        }
                        Some(_) => {}
                        None => found.push(entry),
                    }
                }
            }
        }
        found.sort_by(|a, b| (&a.0.group, &a.0.kind).cmp(&(&b.0.group, &b.0.kind)));
        found
    }
}

/// Kubernetes' version priority: GA, then beta, then alpha, higher numbers
/// first (`v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1`).
fn version_rank(version: &str) -> (u8, u64, u64) {
    let rest = version.strip_prefix('v').unwrap_or(version);
    let digits = |s: &str| -> (u64, usize) {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (s[..n].parse().unwrap_or(0), n)
    };
    let (major, n) = digits(rest);
    let tail = &rest[n..];
    if tail.is_empty() {
        return (3, major, 0);
    }
    for (stability, word) in [(2, "beta"), (1, "alpha")] {
        if let Some(minor) = tail.strip_prefix(word) {
            return (stability, major, digits(minor).0);
        }
    }
    (0, major, 0)
}

impl Cluster {
    /// Served types `name` may mean ([`Kinds::named`]).
    pub fn kinds_named(&self, name: &str) -> Vec<(ApiResource, Scope)> {
        self.kinds.named(name).into_iter().cloned().collect()
    }

    /// The served resource and scope of an object's type, as the current
    /// discovery knows it (sync refreshes it after creating CRDs).
    pub fn resolve(&self, id: &ObjectId, api_version: &str) -> Option<(ApiResource, Scope)> {
        self.served(id, api_version).cloned()
    }

    fn served(&self, id: &ObjectId, api_version: &str) -> Option<&(ApiResource, Scope)> {
        let version = split_api_version(api_version).1;
        self.kinds.get(&id.group, version, &id.kind)
    }

    pub fn resource_of(&self, id: &ObjectId, api_version: &str) -> Option<ApiResource> {
        self.resolve(id, api_version).map(|(ar, _)| ar)
    }

    /// Whether the kind is namespaced (unknown kinds count as namespaced,
    /// the common case, so a default namespace is filled in).
    pub fn is_namespaced(&self, id: &ObjectId, api_version: &str) -> bool {
        self.served(id, api_version)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
        ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: if group.is_empty() {
                version.into()
            } else {
                format!("{group}/{version}")
            },
            kind: kind.into(),
            plural: plural.into(),
        }
    }

    #[test]
    fn kinds_resolve_by_group_version_and_kind_first_one_winning() {
        let kinds = Kinds::new([
            (ar("", "v1", "ConfigMap", "configmaps"), Scope::Namespaced),
            (
                ar("apps", "v1", "Deployment", "deployments"),
                Scope::Namespaced,
            ),
            (
                ar("apps", "v1", "Deployment", "deployments-again"),
                Scope::Cluster,
            ),
            (
                ar("apps", "v1beta1", "Deployment", "old"),
                Scope::Namespaced,
            ),
            (ar("", "v1", "Namespace", "namespaces"), Scope::Cluster),
        ]);
        let plural = |g, v, k| kinds.get(g, v, k).map(|(ar, _)| ar.plural.as_str());
        assert_eq!(plural("apps", "v1", "Deployment"), Some("deployments"));
        assert_eq!(plural("apps", "v1beta1", "Deployment"), Some("old"));
        assert_eq!(plural("", "v1", "ConfigMap"), Some("configmaps"));
        assert_eq!(
            kinds.get("", "v1", "Namespace").map(|k| &k.1),
            Some(&Scope::Cluster)
        );
        assert_eq!(plural("apps", "v2", "Deployment"), None);
        assert_eq!(plural("", "v1", "Deployment"), None);
        assert_eq!(plural("apps", "v1", "ConfigMap"), None);
    }
}
