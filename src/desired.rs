//! The desired set: every rendered object validated, identified and put in
//! apply order. Any problem stops the run before a cluster is contacted,
//! and all problems are reported together.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::Value;

use crate::hooks::{Class, DeletePolicy, Phase};
use crate::render::{Document, Origin, Problem, Problems, Rendered};

pub const WAVE_ANNOTATION: &str = "gitsync.io/wave";
pub const ARGO_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";

pub use crate::id::{ObjectId, split_api_version};

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
    /// In apply order: the ApplySet's members.
    pub objects: Vec<DesiredObject>,
    /// Lifecycle hooks (one entry per phase a hook runs in), in run order:
    /// phase, wave, kind, name. Not members.
    pub hooks: Vec<DesiredHook>,
    /// Rendered, but never applied (Helm `test` hooks and the like).
    pub not_applied: Vec<NotApplied>,
}

/// A hook of the desired set, for one phase.
#[derive(Debug, Clone)]
pub struct DesiredHook {
    pub phase: Phase,
    pub policy: DeletePolicy,
    /// `id.name` is the fixed name, or the `generateName` prefix when
    /// `generate_name` is set; `wave` is the hook's wave.
    pub object: DesiredObject,
    pub generate_name: bool,
}

/// A rendered object that is not applied, and why (said at `-v`).
#[derive(Debug, Clone)]
pub struct NotApplied {
    pub id: ObjectId,
    pub api_version: String,
    pub origin: Origin,
    pub why: String,
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
        let mut hooks: Vec<DesiredHook> = Vec::new();
        let mut not_applied = Vec::new();
        // Objects, and hooks with a fixed name, are one per identity.
        let mut seen: HashMap<ObjectId, Origin> = HashMap::new();
        for doc in docs {
            let (obj, class, generate_name) = match validate(doc) {
                Ok(v) => v,
                Err(mut errs) => {
                    problems.append(&mut errs);
                    continue;
                }
            };
            if !generate_name {
                if let Some(first) = seen.get(&obj.id) {
                    problems.push(Problem {
                        message: format!("duplicate object {}: also defined at {first}", obj.id),
                        origin: obj.origin,
                    });
                    continue;
                }
                seen.insert(obj.id.clone(), obj.origin.clone());
            }
            match class {
                Class::Object => objects.push(obj),
                Class::Hook { phases, policy, .. } => {
                    for phase in phases {
                        hooks.push(DesiredHook {
                            phase,
                            policy,
                            object: obj.clone(),
                            generate_name,
                        });
                    }
                }
                Class::NotApplied(why) => not_applied.push(NotApplied {
                    id: obj.id,
                    api_version: obj.api_version,
                    origin: obj.origin,
                    why,
                }),
            }
        }
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        objects.sort_by(apply_order);
        hooks.sort_by(|a, b| {
            a.phase
                .cmp(&b.phase)
                .then_with(|| apply_order(&a.object, &b.object))
        });
        Ok(DesiredSet {
            objects,
            hooks,
            not_applied,
        })
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

/// One valid document: the object (for a `generateName` hook, named by
/// its prefix), what it is, and whether its name is generated.
fn validate(doc: Document) -> Result<(DesiredObject, Class, bool), Vec<Problem>> {
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
    let mut class = Class::Object;
    let mut generate_name = false;
    match map.get("metadata") {
        None => problem("metadata is missing (metadata.name is required)".into()),
        Some(Value::Object(meta)) => {
            let annotations = meta.get("annotations").and_then(Value::as_object);
            match crate::hooks::classify(annotations) {
                Ok(c) => class = c,
                Err(msg) => problem(msg),
            }
            let hook = matches!(class, Class::Hook { .. } | Class::NotApplied(_));
            if meta.contains_key("generateName") && !meta.contains_key("name") {
                if hook {
                    // A hook runs anew each time: Kubernetes names each run.
                    name = required_string(
                        meta.get("generateName"),
                        "metadata.generateName",
                        &mut problem,
                    );
                    generate_name = true;
                } else {
                    problem(
                        "metadata.generateName is not supported: a GitOps object needs a fixed metadata.name (only hooks, annotated argocd.argoproj.io/hook or helm.sh/hook, may generate theirs)"
                            .into(),
                    );
                }
            } else {
                name = required_string(meta.get("name"), "metadata.name", &mut problem);
            }
            // A prefix is checked as the shortest name it can produce.
            let checked = name.as_ref().map(|n| {
                if generate_name {
                    format!("{n}x")
                } else {
                    n.clone()
                }
            });
            if let (Some(n), Some(k)) = (&checked, &kind)
                && let Err(why) = check_name(k, &group, n)
            {
                let field = if generate_name {
                    "metadata.generateName"
                } else {
                    "metadata.name"
                };
                let shown = name.as_deref().unwrap_or_default();
                problem(format!("{field} {shown:?} is invalid: {why}"));
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
                Ok(Some(w)) => wave = w,
                Ok(None) => {
                    if let Class::Hook {
                        weight: Some(w), ..
                    } = class
                    {
                        wave = w;
                    }
                }
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
    let obj = DesiredObject {
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
    };
    Ok((obj, class, generate_name))
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

/// The wave annotation's value, `None` when there is none.
fn wave_of(annotations: Option<&Value>) -> Result<Option<i64>, String> {
    let Some(Value::Object(map)) = annotations else {
        return Ok(None);
    };
    for key in [WAVE_ANNOTATION, ARGO_WAVE_ANNOTATION] {
        if let Some(Value::String(v)) = map.get(key) {
            return v.trim().parse::<i64>().map(Some).map_err(|_| {
                format!(
                    "annotation {key} must be a whole number such as \"-1\" or \"2\", found {v:?}"
                )
            });
        }
    }
    Ok(None)
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
    fn hooks_are_kept_apart_from_members_in_run_order() {
        let s = set(concat!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: smoke-, annotations: {argocd.argoproj.io/hook: PostSync}}\n---\n",
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate, annotations: {helm.sh/hook: pre-upgrade, helm.sh/hook-weight: \"-2\"}}\n---\n",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: chart-test, annotations: {helm.sh/hook: test}}\n---\n",
            "apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: seed-, annotations: {argocd.argoproj.io/hook: Sync, argocd.argoproj.io/sync-wave: \"3\"}}\n---\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
        ))
        .unwrap();
        assert_eq!(ids(&s), ["apps/Deployment web"]);
        let hooks: Vec<(Phase, i64, &str, bool)> = s
            .hooks
            .iter()
            .map(|h| {
                (
                    h.phase,
                    h.object.wave,
                    h.object.id.name.as_str(),
                    h.generate_name,
                )
            })
            .collect();
        assert_eq!(
            hooks,
            [
                (Phase::PreSync, -2, "migrate", false),
                (Phase::Sync, 3, "seed-", true),
                (Phase::PostSync, 0, "smoke-", true),
            ]
        );
        assert_eq!(s.not_applied.len(), 1);
        assert_eq!(s.not_applied[0].id.name, "chart-test");
    }

    #[test]
    fn generate_name_outside_hooks_and_bad_hook_annotations_are_located_problems() {
        let err = set(concat!(
            "apiVersion: v1\nkind: Pod\nmetadata: {generateName: web-}\n---\n",
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, annotations: {argocd.argoproj.io/hook: Later}}\n---\n",
            "apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: Bad_, annotations: {argocd.argoproj.io/hook: Sync}}\n",
        ))
        .unwrap_err();
        let text: Vec<String> = err
            .0
            .iter()
            .map(|p| format!("{}: {}", p.origin, p.message))
            .collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(
            text[0].contains("document 1") && text[0].contains("generateName is not supported"),
            "{text:?}"
        );
        assert!(
            text[1].contains("document 2") && text[1].contains("unknown hook \"Later\""),
            "{text:?}"
        );
        assert!(
            text[2].contains("document 3")
                && text[2].contains("metadata.generateName \"Bad_\" is invalid"),
            "{text:?}"
        );
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
