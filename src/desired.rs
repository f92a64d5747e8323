//! The desired set: every rendered object validated, identified and put in
//! apply order. Any problem stops the run before a cluster is contacted,
//! and all problems are reported together.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::render::{Document, Origin, Problem, Problems, Rendered};

pub const WAVE_ANNOTATION: &str = "gitsync.io/wave";
pub const ARGO_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";

/// What makes an object itself: group, kind, namespace and name. The
/// version is not part of it (apps/v1 and apps/v1beta1 name one object).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ObjectId {
    pub group: String,
    pub kind: String,
    /// As written; the default namespace is applied once the kind's scope
    /// is known.
    pub namespace: Option<String>,
    pub name: String,
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`): the core group is empty.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

impl ObjectId {
    /// `apps/v1 Deployment shop/web`; a cluster-scoped object by name
    /// alone. How results name an object for a person.
    pub fn label(&self, api_version: &str) -> String {
        match &self.namespace {
            Some(ns) => format!("{api_version} {} {ns}/{}", self.kind, self.name),
            None => format!("{api_version} {} {}", self.kind, self.name),
        }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.group.is_empty() {
            write!(f, "{}/", self.group)?;
        }
        write!(f, "{} ", self.kind)?;
        if let Some(ns) = &self.namespace {
            write!(f, "{ns}/")?;
        }
        f.write_str(&self.name)
    }
}

#[derive(Debug, Clone)]
pub struct DesiredObject {
    pub id: ObjectId,
    pub api_version: String,
    pub wave: i64,
    pub origin: Origin,
    pub object: Value,
}

#[derive(Debug, Clone, Default)]
pub struct DesiredSet {
    /// In apply order.
    pub objects: Vec<DesiredObject>,
}

impl DesiredSet {
    /// Validates every rendered document and orders the result. Returns
    /// every problem found, render's included, not just the first.
    pub fn from_rendered(rendered: Rendered) -> Result<DesiredSet, Problems> {
        let Rendered {
            documents: docs,
            mut problems,
        } = rendered;
        let mut objects: Vec<DesiredObject> = Vec::with_capacity(docs.len());
        let mut seen: HashMap<ObjectId, usize> = HashMap::new();
        for doc in docs {
            match validate(doc) {
                Ok(obj) => {
                    if let Some(&first) = seen.get(&obj.id) {
                        problems.push(Problem {
                            message: format!(
                                "duplicate object {}: also defined at {}",
                                obj.id, objects[first].origin
                            ),
                            origin: obj.origin,
                        });
                    } else {
                        seen.insert(obj.id.clone(), objects.len());
                        objects.push(obj);
                    }
                }
                Err(mut errs) => problems.append(&mut errs),
            }
        }
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        objects.sort_by(apply_order);
        Ok(DesiredSet { objects })
    }
}

/// Apply order: wave first (an explicit user choice), then kind (what
/// others depend on first), then namespace and name for a stable result.
pub fn apply_order(a: &DesiredObject, b: &DesiredObject) -> Ordering {
    a.wave
        .cmp(&b.wave)
        .then_with(|| kind_rank(&a.id.group, &a.id.kind).cmp(&kind_rank(&b.id.group, &b.id.kind)))
        .then_with(|| a.id.kind.cmp(&b.id.kind))
        .then_with(|| a.id.group.cmp(&b.id.group))
        .then_with(|| a.id.namespace.cmp(&b.id.namespace))
        .then_with(|| a.id.name.cmp(&b.id.name))
}

/// Built-in kinds in the order they are applied: what others refer to comes
/// first; webhooks last so they cannot block the objects that serve them.
const KIND_ORDER: &[&str] = &[
    "Namespace",
    "CustomResourceDefinition",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PriorityClass",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "PodDisruptionBudget",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Position of a kind in [`KIND_ORDER`]; custom kinds (and built-in names
/// reused by other API groups) come after every built-in kind.
pub fn kind_rank(group: &str, kind: &str) -> usize {
    if !is_builtin_group(group) {
        return KIND_ORDER.len();
    }
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KIND_ORDER.len())
}

fn is_builtin_group(group: &str) -> bool {
    group.is_empty()
        || group.ends_with(".k8s.io")
        || matches!(group, "apps" | "batch" | "autoscaling" | "policy")
}

/// Kinds whose names must be DNS-1123 labels (no dots, at most 63).
const LABEL_NAMED: &[&str] = &["Namespace", "Service"];
/// RBAC kinds allow any path segment (`system:controller:x`).
const PATH_SEGMENT_NAMED: &[&str] = &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

fn validate(doc: Document) -> Result<DesiredObject, Vec<Problem>> {
    let Document { origin, object } = doc;
    let mut problems = Vec::new();
    let mut problem = |message: String| {
        problems.push(Problem {
            origin: origin.clone(),
            message,
        })
    };
    let Some(map) = object.as_object() else {
        problem(format!(
            "a document must be a mapping with apiVersion, kind and metadata, found {}",
            type_name(&object)
        ));
        return Err(problems);
    };

    let api_version = required_string(map.get("apiVersion"), "apiVersion", &mut problem);
    let kind = required_string(map.get("kind"), "kind", &mut problem);
    let group = api_version
        .as_deref()
        .map(|av| group_of(av, &mut problem))
        .unwrap_or_default();
    if let Some(k) = &kind
        && !k.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
    {
        problem(format!("kind {k:?} is not a valid kind"));
    }

    let mut name = None;
    let mut namespace = None;
    let mut wave = 0;
    match map.get("metadata") {
        None => problem("metadata is missing (metadata.name is required)".into()),
        Some(Value::Object(meta)) => {
            if meta.contains_key("generateName") && !meta.contains_key("name") {
                problem(
                    "metadata.generateName is not supported: a GitOps object needs a fixed metadata.name"
                        .into(),
                );
            } else {
                name = required_string(meta.get("name"), "metadata.name", &mut problem);
            }
            if let (Some(n), Some(k)) = (&name, &kind)
                && let Err(why) = check_name(k, &group, n)
            {
                problem(format!("metadata.name {n:?} is invalid: {why}"));
            }
            if let Some(ns) = meta.get("namespace") {
                match ns.as_str() {
                    Some(ns) => match dns1123_label(ns) {
                        Ok(()) => namespace = Some(ns.to_string()),
                        Err(why) => problem(format!("metadata.namespace {ns:?} is invalid: {why}")),
                    },
                    None => problem(format!(
                        "metadata.namespace must be a string, found {}",
                        type_name(ns)
                    )),
                }
            }
            for field in ["labels", "annotations"] {
                check_string_map(meta.get(field), field, &mut problem);
            }
            match wave_of(meta.get("annotations")) {
                Ok(w) => wave = w,
                Err(msg) => problem(msg),
            }
        }
        Some(other) => problem(format!(
            "metadata must be a mapping, found {}",
            type_name(other)
        )),
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    let (Some(api_version), Some(kind), Some(name)) = (api_version, kind, name) else {
        unreachable!("missing fields are problems");
    };
    Ok(DesiredObject {
        id: ObjectId {
            group,
            kind,
            namespace,
            name,
        },
        api_version,
        wave,
        origin,
        object,
    })
}

fn required_string(
    value: Option<&Value>,
    field: &str,
    problem: &mut impl FnMut(String),
) -> Option<String> {
    match value {
        None | Some(Value::Null) => {
            problem(format!("{field} is missing"));
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            problem(format!("{field} is empty"));
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            problem(format!(
                "{field} must be a string, found {}",
                type_name(other)
            ));
            None
        }
    }
}

/// `apps/v1` → `apps`; `v1` → `` (the core group); a malformed apiVersion
/// is a problem.
fn group_of(av: &str, problem: &mut impl FnMut(String)) -> String {
    let (group, version) = split_api_version(av);
    let bad_version = version.is_empty()
        || version.contains('/')
        || !version
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if bad_version || (av.contains('/') && dns1123_subdomain(group).is_err()) {
        problem(format!(
            "apiVersion {av:?} is invalid: expected VERSION or GROUP/VERSION, e.g. v1 or apps/v1"
        ));
    }
    group.to_string()
}

fn check_name(kind: &str, group: &str, name: &str) -> Result<(), String> {
    let builtin = is_builtin_group(group);
    if builtin && LABEL_NAMED.contains(&kind) {
        dns1123_label(name)
    } else if group == "rbac.authorization.k8s.io" && PATH_SEGMENT_NAMED.contains(&kind) {
        path_segment(name)
    } else {
        dns1123_subdomain(name)
    }
}

/// DNS-1123 label: at most 63 lowercase alphanumerics or `-`, starting and
/// ending alphanumeric.
pub fn dns1123_label(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err(format!("must be at most 63 characters, is {}", s.len()));
    }
    label_chars(s)
}

fn label_chars(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err("must consist of lowercase letters, digits and '-', and start and end with a letter or digit (DNS-1123 label)".into())
    }
}

/// DNS-1123 subdomain: at most 253 characters, dot-separated labels.
pub fn dns1123_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err(format!("must be at most 253 characters, is {}", s.len()));
    }
    if s.is_empty() || s.split('.').any(|part| label_chars(part).is_err()) {
        return Err("must consist of lowercase letters, digits, '-' and '.', and start and end with a letter or digit (DNS-1123 subdomain)".into());
    }
    Ok(())
}

fn path_segment(s: &str) -> Result<(), String> {
    if s == "." || s == ".." {
        return Err("may not be '.' or '..'".into());
    }
    if s.contains('/') || s.contains('%') {
        return Err("may not contain '/' or '%'".into());
    }
    Ok(())
}

fn check_string_map(value: Option<&Value>, field: &str, problem: &mut impl FnMut(String)) {
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                if !v.is_string() {
                    problem(format!(
                        "metadata.{field}.{k} must be a string, found {} (quote it)",
                        type_name(v)
                    ));
                }
            }
        }
        Some(other) => problem(format!(
            "metadata.{field} must be a mapping, found {}",
            type_name(other)
        )),
    }
}

fn wave_of(annotations: Option<&Value>) -> Result<i64, String> {
    let Some(Value::Object(map)) = annotations else {
        return Ok(0);
    };
    for key in [WAVE_ANNOTATION, ARGO_WAVE_ANNOTATION] {
        if let Some(Value::String(v)) = map.get(key) {
            return v.trim().parse::<i64>().map_err(|_| {
                format!(
                    "annotation {key} must be a whole number such as \"-1\" or \"2\", found {v:?}"
                )
            });
        }
    }
    Ok(0)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::yaml::parse_documents;

    fn set(text: &str) -> Result<DesiredSet, Problems> {
        DesiredSet::from_rendered(Rendered {
            documents: parse_documents("app/x.yaml", text).unwrap(),
            problems: Vec::new(),
        })
    }

    fn ids(s: &DesiredSet) -> Vec<String> {
        s.objects.iter().map(|o| o.id.to_string()).collect()
    }

    #[test]
    fn apply_order_by_kind_then_name() {
        let s = set(concat!(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\n---\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n---\n",
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n---\n",
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\n---\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n---\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n---\n",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
        ))
        .unwrap();
        assert_eq!(
            ids(&s),
            [
                "Namespace shop",
                "apiextensions.k8s.io/CustomResourceDefinition widgets.example.com",
                "ConfigMap shop/a",
                "ConfigMap shop/b",
                "Service shop/web",
                "apps/Deployment shop/web",
                "example.com/Widget shop/w",
            ]
        );
    }

    #[test]
    fn waves_come_before_kinds_and_argo_waves_count() {
        let s = set(concat!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: late, annotations: {gitsync.io/wave: \"2\"}}\n---\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: first, annotations: {argocd.argoproj.io/sync-wave: \"-1\"}}\n---\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mid}\n",
        ))
        .unwrap();
        assert_eq!(
            ids(&s),
            ["apps/Deployment first", "ConfigMap mid", "Namespace late"]
        );
        assert_eq!(s.objects[0].wave, -1);
    }

    #[test]
    fn a_custom_kind_named_like_a_builtin_is_not_ranked_as_one() {
        assert_eq!(kind_rank("example.com", "Namespace"), KIND_ORDER.len());
        assert_eq!(kind_rank("", "Namespace"), 0);
        assert!(kind_rank("networking.k8s.io", "Ingress") < KIND_ORDER.len());
    }

    #[test]
    fn rbac_names_may_hold_colons() {
        set("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: \"system:gitsync:Reader\"}\n").unwrap();
    }

    #[test]
    fn identity_ignores_version() {
        let err = set(concat!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n---\n",
            "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n",
        ))
        .unwrap_err();
        assert_eq!(err.0.len(), 1);
    }

    #[test]
    fn same_name_in_other_namespace_or_kind_is_fine() {
        set(concat!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: a}\n---\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: b}\n---\n",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: web, namespace: a}\n",
        ))
        .unwrap();
    }
}
