//! Ownership through an ApplySet (KEP-3659): one parent ConfigMap per
//! target records which kinds and namespaces its members live in; members
//! carry `applyset.kubernetes.io/part-of=<id>`. Pruning looks only at
//! objects with that exact label, so it can never delete what gitsync does
//! not own.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};
use std::path::Path;

use base64::Engine;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::discovery::{ApiResource, Scope};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::resource::{FIELD_MANAGER, resource_key, with_type};
use super::{Cluster, ClusterError, retry};
use crate::desired::ObjectId;

pub const PART_OF: &str = "applyset.kubernetes.io/part-of";
pub const ID: &str = "applyset.kubernetes.io/id";
pub const TOOLING: &str = "applyset.kubernetes.io/tooling";
pub const CONTAINS_GROUP_KINDS: &str = "applyset.kubernetes.io/contains-group-kinds";
pub const ADDITIONAL_NAMESPACES: &str = "applyset.kubernetes.io/additional-namespaces";
/// On a preview's Namespace: the id of the ApplySet whose parent lives in
/// it. Set by gitsync when it creates the namespace; only a namespace
/// with it (set by gitsync) is ever closed.
pub const PREVIEW_OF: &str = "gitsync.io/preview-of";
/// `gitsync.io/prune: disabled` keeps an object when Git drops it.
pub const PRUNE: &str = "gitsync.io/prune";

pub fn tooling() -> String {
    format!("gitsync/{}", env!("CARGO_PKG_VERSION"))
}

/// The ApplySet of one target: its parent ConfigMap and the id its members
/// are labelled with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplySet {
    pub name: String,
    pub namespace: String,
    pub id: String,
}

impl ApplySet {
    pub fn new(name: &str, namespace: &str) -> ApplySet {
        // KEP-3659: base64url(sha256("<name>.<namespace>.<kind>.<group>")),
        // so other ApplySet-aware tools compute the same id.
        let digest = Sha256::digest(format!("{name}.{namespace}.ConfigMap.").as_bytes());
        let id = format!(
            "applyset-{}-v1",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
        );
        ApplySet {
            name: name.to_string(),
            namespace: namespace.to_string(),
            id,
        }
    }

    /// Adds the part-of label to a manifest.
    pub fn label(&self, obj: &mut Value) {
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            let labels = meta
                .entry("labels")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Some(labels) = labels.as_object_mut() {
                labels.insert(PART_OF.into(), Value::String(self.id.clone()));
            }
        }
    }
}

/// The ApplySet name gitsync uses when none is given: derived from the
/// repository's identity (the same on every machine) and the target's
/// path, so two paths of one repository never share, and never prune, each
/// other's objects. Readable prefix, unique hash.
pub fn default_name(repo_identity: &str, path: &str) -> String {
    let last = repo_identity
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or("repo");
    let slug = slug(&format!("{last}-{path}"), 40);
    let hash = Sha256::digest(format!("{repo_identity}\0{path}").as_bytes());
    let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    if slug.is_empty() {
        format!("gitsync-{hex}")
    } else {
        format!("gitsync-{slug}-{hex}")
    }
}

/// A DNS-label-safe form of `s`: lower case, anything but letters and
/// digits as single `-`, none at either end, at most `max` characters.
pub fn slug(s: &str, max: usize) -> String {
    let mut out: String = s
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let out: String = out.trim_matches('-').chars().take(max).collect();
    out.trim_end_matches('-').to_string()
}

/// The ApplySet name of a target: `--name` when given, else derived from
/// the repository's identity and the target's path. Every command and the
/// watch daemon (whose Lease is named after it) take it from here, so all
/// of them agree on which objects a target owns.
pub fn name_for(explicit: Option<&str>, repo_identity: &str, target_path: &Path) -> String {
    match explicit {
        Some(name) => name.to_string(),
        None => default_name(repo_identity, &crate::render::display_rel(target_path)),
    }
}

/// What the parent records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parent {
    /// `Kind` or `Kind.group`, as in contains-group-kinds.
    pub group_kinds: BTreeSet<String>,
    /// Every namespace members live in (the parent's own included).
    pub namespaces: BTreeSet<String>,
    /// Last sync record (revision, author, time…), as stored.
    pub record: serde_json::Map<String, Value>,
}

/// `Deployment.apps`, or `ConfigMap` for the core group (as kubectl writes).
pub fn group_kind(group: &str, kind: &str) -> String {
    if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    }
}

fn split_group_kind(gk: &str) -> (String, String) {
    match gk.split_once('.') {
        Some((kind, group)) => (group.to_string(), kind.to_string()),
        None => (String::new(), gk.to_string()),
    }
}

fn parent_api(cluster: &Cluster, set: &ApplySet) -> Api<DynamicObject> {
    cluster.api(
        &ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&()),
        Some(&set.namespace),
    )
}

#[derive(Debug, thiserror::Error)]
pub enum ApplySetError {
    #[error(
        "ConfigMap {namespace}/{name} exists but is not gitsync's ApplySet parent ({why}); choose another --name"
    )]
    NotOurs {
        namespace: String,
        name: String,
        why: String,
    },
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// Reads the parent, if the ApplySet exists.
pub async fn read_parent(
    cluster: &Cluster,
    set: &ApplySet,
) -> Result<Option<Parent>, ApplySetError> {
    let api = parent_api(cluster, set);
    let obj = retry(|| api.get_opt(&set.name))
        .await
        .map_err(|source| ClusterError::List {
            resource: "configmaps".into(),
            namespace: Some(set.namespace.clone()),
            source,
        })?;
    let Some(obj) = obj else {
        return Ok(None);
    };
    let not_ours = |why: String| ApplySetError::NotOurs {
        namespace: set.namespace.clone(),
        name: set.name.clone(),
        why,
    };
    let labels = obj.metadata.labels.clone().unwrap_or_default();
    if labels.get(ID) != Some(&set.id) {
        return Err(not_ours(format!("its label {ID} is not {}", set.id)));
    }
    let annotations = obj.metadata.annotations.clone().unwrap_or_default();
    let tooling = annotations.get(TOOLING).cloned().unwrap_or_default();
    if !tooling.starts_with("gitsync/") {
        return Err(not_ours(format!("it is managed by {tooling:?}")));
    }
    let list = |key: &str| -> BTreeSet<String> {
        annotations
            .get(key)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut namespaces = list(ADDITIONAL_NAMESPACES);
    namespaces.insert(set.namespace.clone());
    let record = obj
        .data
        .get("data")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    Ok(Some(Parent {
        group_kinds: list(CONTAINS_GROUP_KINDS),
        namespaces,
        record,
    }))
}

/// The uid of the parent, if it exists.
pub async fn parent_uid(cluster: &Cluster, set: &ApplySet) -> Result<Option<String>, ClusterError> {
    let api = parent_api(cluster, set);
    let found = retry(|| api.get_opt(&set.name))
        .await
        .map_err(|source| ClusterError::Read {
            what: format!("ApplySet parent ConfigMap {}/{}", set.namespace, set.name),
            source,
        })?;
    Ok(found.and_then(|o| o.metadata.uid))
}

/// Writes the parent (server-side apply; gitsync owns it whole).
pub async fn write_parent(
    cluster: &Cluster,
    set: &ApplySet,
    parent: &Parent,
) -> Result<(), ClusterError> {
    let additional: Vec<&str> = parent
        .namespaces
        .iter()
        .filter(|n| **n != set.namespace)
        .map(String::as_str)
        .collect();
    let gks: Vec<&str> = parent.group_kinds.iter().map(String::as_str).collect();
    let body = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": set.name,
            "namespace": set.namespace,
            "labels": {ID: set.id},
            "annotations": {
                TOOLING: tooling(),
                CONTAINS_GROUP_KINDS: gks.join(","),
                ADDITIONAL_NAMESPACES: additional.join(","),
            },
        },
        "data": parent.record,
    });
    let api = parent_api(cluster, set);
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let patch = Patch::Apply(&body);
    retry(|| api.patch(&set.name, &params, &patch))
        .await
        .map_err(|source| ClusterError::Write {
            what: format!("ApplySet parent ConfigMap {}/{}", set.namespace, set.name),
            source,
        })?;
    Ok(())
}

/// Group-kinds and namespaces of a set of object ids, as the parent
/// records them.
pub fn footprint<'a>(
    ids: impl Iterator<Item = &'a ObjectId>,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut gks = BTreeSet::new();
    let mut namespaces = BTreeSet::new();
    for id in ids {
        gks.insert(group_kind(&id.group, &id.kind));
        if let Some(ns) = &id.namespace {
            namespaces.insert(ns.clone());
        }
    }
    (gks, namespaces)
}

/// True when writing `new` would change nothing but the sync time.
pub fn same_apart_from_time(old: Option<&Parent>, new: &Parent) -> bool {
    let strip = |p: &Parent| {
        let mut record = p.record.clone();
        record.remove("syncedAt");
        (p.group_kinds.clone(), p.namespaces.clone(), record)
    };
    old.is_some_and(|old| strip(old) == strip(new))
}

/// A live member of the ApplySet.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: ObjectId,
    pub api_version: String,
    pub ar: ApiResource,
    /// Shared with the plan's LIST results: at 10,000 members a copy of
    /// each was a large part of a plan's memory.
    pub object: Arc<Value>,
}

/// Objects a plan has already listed, by (resource key, namespace), each
/// by name: what [`list_members`] need not ask the server for again.
pub type Listed = HashMap<(String, Option<String>), HashMap<String, Arc<Value>>>;

/// Lists every live member: for each group-kind the parent (or the desired
/// set) names, one LIST per namespace with the part-of label selector, or
/// one cluster-wide LIST for cluster-scoped kinds, `concurrency` at a time.
/// A (type, namespace) the plan has already listed in full is filtered
/// from `listed` instead of listed again. Kinds the cluster no longer
/// serves have no members left to find.
pub async fn list_members(
    cluster: &Cluster,
    set: &ApplySet,
    group_kinds: &BTreeSet<String>,
    namespaces: &BTreeSet<String>,
    listed: &Listed,
    concurrency: usize,
) -> Result<Vec<Member>, ClusterError> {
    let selector = format!("{PART_OF}={}", set.id);
    let mut out = Vec::new();
    let mut to_list = Vec::new();
    for gk in group_kinds {
        let (group, kind) = split_group_kind(gk);
        let Some((ar, caps)) = resolve_kind(cluster, &group, &kind) else {
            tracing::debug!(group_kind = %gk, "not served any more: no members to list");
            continue;
        };
        let scopes: Vec<Option<String>> = match caps {
            Scope::Namespaced => namespaces.iter().map(|n| Some(n.clone())).collect(),
            Scope::Cluster => vec![None],
        };
        for ns in scopes {
            match listed.get(&(resource_key(&ar), ns.clone())) {
                Some(objects) => out.extend(members_among(set, &ar, objects.values())),
                None => to_list.push((ar.clone(), ns)),
            }
        }
    }
    let lists = stream::iter(to_list.into_iter().map(|(ar, ns)| {
        let selector = &selector;
        async move {
            let api = cluster.api(&ar, ns.as_deref());
            let params = ListParams::default().labels(selector);
            let list = retry(|| api.list(&params))
                .await
                .map_err(|source| ClusterError::List {
                    resource: ar.plural.clone(),
                    namespace: ns.clone(),
                    source,
                })?;
            let objects: Vec<Arc<Value>> = list
                .items
                .into_iter()
                .map(|i| Arc::new(with_type(i, &ar)))
                .collect();
            Ok::<_, ClusterError>((ar, objects))
        }
    }))
    .buffer_unordered(concurrency.max(1))
    .try_collect::<Vec<_>>()
    .await?;
    for (ar, objects) in lists {
        out.extend(members_among(set, &ar, &objects));
    }
    // Listed concurrently: sorted so that plans come out the same each run.
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The members among `objects`, items of a LIST of `ar` (filtered by the
/// part-of selector or not): those labelled with this set's id. Checked
/// here even after a selector, because a delete must never rest on a
/// single assumption.
pub fn members_among<'a>(
    set: &ApplySet,
    ar: &ApiResource,
    objects: impl IntoIterator<Item = &'a Arc<Value>>,
) -> Vec<Member> {
    objects
        .into_iter()
        .filter(|o| {
            o.pointer("/metadata/labels")
                .and_then(|l| l.get(PART_OF))
                .and_then(Value::as_str)
                == Some(set.id.as_str())
        })
        .map(|o| {
            let meta = |k: &str| o.pointer(&format!("/metadata/{k}")).and_then(Value::as_str);
            Member {
                id: ObjectId {
                    group: ar.group.clone(),
                    kind: ar.kind.clone(),
                    namespace: meta("namespace").map(str::to_string),
                    name: meta("name").unwrap_or_default().to_string(),
                },
                api_version: ar.api_version.clone(),
                ar: ar.clone(),
                object: Arc::clone(o),
            }
        })
        .collect()
}

/// The preferred served version of a group-kind.
fn resolve_kind(cluster: &Cluster, group: &str, kind: &str) -> Option<(ApiResource, Scope)> {
    let g = cluster.discovery.get(group)?;
    let (ar, caps) = g.recommended_kind(kind)?;
    Some((ar, caps.scope))
}

/// True when the object opts out of pruning.
pub fn prune_disabled(obj: &Value) -> bool {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(PRUNE))
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case("disabled") || v.eq_ignore_ascii_case("false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_among_a_list_are_those_labelled_with_the_set() {
        let set = ApplySet::new("shop", "default");
        let ar = ApiResource {
            group: "apps".into(),
            version: "v1".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
        };
        let object = |name: &str, part_of: Option<&str>| {
            let mut o =
                json!({"metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"}}});
            if let Some(id) = part_of {
                o["metadata"]["labels"][PART_OF] = json!(id);
            }
            o
        };
        let listed = [
            object("ours", Some(&set.id)),
            object("theirs", Some("applyset-other-v1")),
            object("nobody's", None),
        ]
        .map(Arc::new);
        let members = members_among(&set, &ar, &listed);
        assert_eq!(members.len(), 1, "{members:?}");
        let m = &members[0];
        assert_eq!(
            m.id,
            ObjectId {
                group: "apps".into(),
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: "ours".into(),
            }
        );
        assert_eq!(m.api_version, "apps/v1");
        assert_eq!(m.object, listed[0]);
    }

    #[test]
    fn id_follows_kep_3659() {
        let set = ApplySet::new("shop", "default");
        let digest = Sha256::digest(b"shop.default.ConfigMap.");
        let expected = format!(
            "applyset-{}-v1",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
        );
        assert_eq!(set.id, expected);
        assert!(set.id.len() <= 63, "a label value: {}", set.id);
        assert!(!set.id.contains('='));
    }

    #[test]
    fn default_names_differ_per_path_and_repository() {
        let a = default_name("https://example.com/org/shop", "deploy/prod");
        let b = default_name("https://example.com/org/shop", "deploy/staging");
        let c = default_name("https://example.com/other/shop", "deploy/prod");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("gitsync-shop-deploy-prod-"), "{a}");
        assert_eq!(
            a,
            default_name("https://example.com/org/shop", "deploy/prod")
        );
        assert!(crate::desired::dns1123_subdomain(&a).is_ok());
        let root = default_name("/srv/repo", "");
        assert!(root.starts_with("gitsync-repo-"), "{root}");
        assert!(crate::desired::dns1123_subdomain(&root).is_ok());
    }

    #[test]
    fn an_explicit_name_wins_and_the_default_follows_the_target_path() {
        let repo = "https://example.com/org/shop";
        assert_eq!(name_for(Some("mine"), repo, Path::new("deploy")), "mine");
        assert_eq!(
            name_for(None, repo, Path::new("./deploy/prod/")),
            default_name(repo, "deploy/prod")
        );
        assert_eq!(
            name_for(None, repo, Path::new("")),
            name_for(None, repo, Path::new("."))
        );
    }

    #[test]
    fn label_is_added_beside_existing_ones() {
        let set = ApplySet::new("x", "default");
        let mut obj = json!({"metadata": {"name": "a", "labels": {"app": "web"}}});
        set.label(&mut obj);
        assert_eq!(obj["metadata"]["labels"]["app"], "web");
        assert_eq!(obj["metadata"]["labels"][PART_OF], set.id.as_str());
        let mut bare = json!({"metadata": {"name": "a"}});
        set.label(&mut bare);
        assert_eq!(bare["metadata"]["labels"][PART_OF], set.id.as_str());
    }

    #[test]
    fn group_kinds_round_trip() {
        assert_eq!(group_kind("", "ConfigMap"), "ConfigMap");
        assert_eq!(group_kind("apps", "Deployment"), "Deployment.apps");
        assert_eq!(
            split_group_kind("Deployment.apps"),
            ("apps".into(), "Deployment".into())
        );
        assert_eq!(
            split_group_kind("Widget.shop.example.com"),
            ("shop.example.com".into(), "Widget".into())
        );
        assert_eq!(split_group_kind("Secret"), (String::new(), "Secret".into()));
    }

    #[test]
    fn prune_opt_out() {
        assert!(prune_disabled(
            &json!({"metadata": {"annotations": {PRUNE: "disabled"}}})
        ));
        assert!(!prune_disabled(
            &json!({"metadata": {"annotations": {PRUNE: "enabled"}}})
        ));
        assert!(!prune_disabled(&json!({"metadata": {}})));
    }
}
