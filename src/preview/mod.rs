//! Preview environments: one namespace per pull request (or any ref a
//! `previews:` entry's glob matches), synced from the ref's commit with
//! the entry's target's path, cluster and values, and closed when the ref
//! goes, its TTL passes or someone says so.
//!
//! - `config.rs`: the `previews:` entries of gitsync.yaml, checked.
//! - this file: an [`Instance`] (one ref of one entry: its namespace,
//!   variables, target) and the isolation rule a pull request's objects
//!   must keep.
//! - `namespace.rs`: the preview's Namespace on the cluster (created and
//!   labelled by gitsync; what is open).
//! - `run.rs`: `up`, `down`, `list`, and `reconcile` for `watch --previews`.
//!
//! A preview's ApplySet parent lives in its namespace; closing deletes
//! the members through the delete gate, then the namespace
//! (`Engine::close_preview`).

pub mod config;
pub mod namespace;
pub mod run;

use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::config::Target;
use crate::desired::DesiredSet;
use crate::render::{Document, Origin, Problem};
use crate::source::CommitInfo;
pub use config::PreviewConfig;

/// The ApplySet of every preview, in the preview's own namespace.
pub const APPLYSET_NAME: &str = "gitsync-preview";

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("no previews: entry in gitsync.yaml matches {reference:?} (refs globs: {globs})")]
    NoEntry { reference: String, globs: String },
    #[error("preview {entry:?}, ref {reference}: {message}")]
    Invalid {
        entry: String,
        reference: String,
        message: String,
    },
    #[error(
        "preview {entry:?} already has {open} previews open (max {max}); {reference} waits until one closes"
    )]
    Full {
        entry: String,
        reference: String,
        open: usize,
        max: usize,
    },
    #[error("{reference}: commit {sha} ({time}) is older than the ttl ({ttl}): not opened")]
    Expired {
        reference: String,
        sha: String,
        time: String,
        ttl: String,
    },
    #[error("namespace {namespace}: {message}")]
    Namespace { namespace: String, message: String },
}

/// One ref of one `previews:` entry.
#[derive(Debug, Clone)]
pub struct Instance {
    pub entry: PreviewConfig,
    /// The full ref name, as the remote names it.
    pub reference: String,
    /// What the glob's `*` matched (`12`, `feature/x`).
    pub capture: String,
    pub namespace: String,
    pub host: Option<String>,
}

impl Instance {
    /// The preview `entry` opens for `reference`; `None` when its glob
    /// does not match.
    pub fn new(entry: &PreviewConfig, reference: &str) -> Result<Option<Instance>, PreviewError> {
        let Some(capture) = entry.capture(reference) else {
            return Ok(None);
        };
        let invalid = |message: String| PreviewError::Invalid {
            entry: entry.name.clone(),
            reference: reference.to_string(),
            message,
        };
        let mut instance = Instance {
            entry: entry.clone(),
            reference: reference.to_string(),
            capture: capture.to_string(),
            namespace: String::new(),
            host: None,
        };
        let namespace = config::expand(entry.namespace_template(), |n| instance.fixed(n))
            .map_err(|e| invalid(format!("namespace template: {e}")))?;
        if !config::dns_label(&namespace) {
            return Err(invalid(format!(
                "namespace {namespace:?} is not a valid name (a DNS label: lower case letters, digits and `-`, at most 63)"
            )));
        }
        instance.namespace = namespace;
        if let Some(host) = &entry.host {
            let host = config::expand(host, |n| instance.fixed(n))
                .map_err(|e| invalid(format!("host template: {e}")))?;
            instance.host = Some(host);
        }
        Ok(Some(instance))
    }

    /// The entry whose glob matches `reference` first, and its instance.
    pub fn find(entries: &[PreviewConfig], reference: &str) -> Result<Instance, PreviewError> {
        for entry in entries {
            if let Some(i) = Instance::new(entry, reference)? {
                return Ok(i);
            }
        }
        Err(PreviewError::NoEntry {
            reference: reference.to_string(),
            globs: match entries.is_empty() {
                true => "none".into(),
                false => entries
                    .iter()
                    .map(|e| e.refs.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        })
    }

    /// Variables known before the commit is read.
    fn fixed(&self, name: &str) -> Option<String> {
        match name {
            "preview_name" => Some(self.entry.name.clone()),
            "preview_branch" => Some(self.capture.clone()),
            "preview_slug" => Some(slug(&self.capture)),
            "preview_number" => self
                .capture
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| self.capture.clone()),
            "preview_namespace" if !self.namespace.is_empty() => Some(self.namespace.clone()),
            _ => None,
        }
    }

    /// `https://HOST`, when the entry has a host template.
    pub fn url(&self) -> Option<String> {
        self.host.as_ref().map(|h| format!("https://{h}"))
    }

    /// The target a preview renders and syncs: the entry's target, in the
    /// preview's namespace, with the preview's variables added to its
    /// own. Its name is the namespace, which reports show.
    pub fn target(&self, base: &Target, commit: Option<&CommitInfo>) -> Target {
        let mut target = base.clone();
        target.name = Some(self.namespace.clone());
        target.namespace = Some(self.namespace.clone());
        target.revision = None;
        target.notify = Vec::new();
        let from = format!("preview {:?} ({})", self.entry.name, self.reference);
        let mut set = |name: &str, value: String| {
            target.vars.set(name, Value::String(value), from.clone());
        };
        for name in [
            "preview_name",
            "preview_branch",
            "preview_slug",
            "preview_number",
            "preview_namespace",
        ] {
            if let Some(v) = self.fixed(name) {
                set(name, v);
            }
        }
        set("preview_ref", self.reference.clone());
        if let Some(host) = &self.host {
            set("preview_host", host.clone());
        }
        if let Some(c) = commit {
            set("preview_sha", c.sha.clone());
            set("preview_short_sha", c.sha.chars().take(7).collect());
        }
        target
    }

    /// The ResourceQuota and LimitRange the entry puts in the namespace,
    /// as documents of the preview's desired set (members: they go with
    /// it).
    pub fn documents(&self) -> Vec<Document> {
        let origin = |field: &str| {
            Origin::file(format!(
                "gitsync.yaml previews[{}].{field}",
                self.entry.name
            ))
        };
        let mut out = Vec::new();
        if let Some(spec) = &self.entry.resource_quota {
            out.push(Document {
                origin: origin("resourceQuota"),
                object: json!({"apiVersion": "v1", "kind": "ResourceQuota",
                    "metadata": {"name": "gitsync-preview", "namespace": self.namespace},
                    "spec": spec}),
            });
        }
        if let Some(spec) = &self.entry.limit_range {
            out.push(Document {
                origin: origin("limitRange"),
                object: json!({"apiVersion": "v1", "kind": "LimitRange",
                    "metadata": {"name": "gitsync-preview", "namespace": self.namespace},
                    "spec": spec}),
            });
        }
        out
    }

    /// Whether a commit made at `commit_time` (RFC 3339) is past the TTL
    /// at `now` (seconds since the epoch).
    pub fn expired(&self, commit_time: &str, now: i64) -> bool {
        let Some(ttl) = self.entry.ttl() else {
            return false;
        };
        let Ok(at) = commit_time.parse::<k8s_openapi::jiff::Timestamp>() else {
            return false;
        };
        now - at.as_second() > ttl.as_secs() as i64
    }

    /// The objects of `set` (members and hooks) that the preview may not
    /// create: cluster-scoped ones and those in another namespace, unless
    /// the entry's `allowKinds` lists their kind. Scope is the cluster's
    /// (`cluster` resolves each type); a type it does not serve counts as
    /// namespaced.
    pub fn isolation(&self, set: &DesiredSet, cluster: &Cluster) -> Vec<Problem> {
        let objects = set
            .objects
            .iter()
            .chain(set.hooks.iter().map(|h| &h.object));
        let mut problems = Vec::new();
        for o in objects {
            if self.entry.allows(&o.id.group, &o.id.kind) {
                continue;
            }
            let label = o.id.label(&o.api_version);
            let message = match cluster.namespace_of(&o.id, &o.api_version) {
                None => format!(
                    "{label} is cluster-scoped: a preview may create objects only in its namespace {} (allowKinds lists kinds it may)",
                    self.namespace
                ),
                Some(ns) if ns != self.namespace => format!(
                    "{label} is in namespace {ns}: a preview may create objects only in its namespace {}",
                    self.namespace
                ),
                Some(_) => continue,
            };
            problems.push(Problem {
                origin: o.origin.clone(),
                message,
            });
        }
        problems
    }
}

/// A DNS-label-safe form of a ref's part: `Feature/X_1` → `feature-x-1`,
/// at most 40 characters.
pub fn slug(s: &str) -> String {
    crate::cluster::applyset::slug(s, 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(namespace: Option<&str>) -> PreviewConfig {
        PreviewConfig {
            namespace: namespace.map(str::to_string),
            host: Some("${preview_namespace}.preview.test".into()),
            ttl: Some("1h".into()),
            ..PreviewConfig::example("refs/pull/*/head")
        }
    }

    #[test]
    fn an_instance_names_its_namespace_and_host() {
        let i = Instance::new(&entry(Some("pr-${preview_number}")), "refs/pull/12/head")
            .unwrap()
            .unwrap();
        assert_eq!(i.namespace, "pr-12");
        assert_eq!(i.url().as_deref(), Some("https://pr-12.preview.test"));
        assert!(
            Instance::new(&entry(None), "refs/heads/main")
                .unwrap()
                .is_none()
        );
        let branch = PreviewConfig {
            refs: "refs/heads/preview/*".into(),
            ..entry(None)
        };
        let i = Instance::new(&branch, "refs/heads/preview/Fix_Login")
            .unwrap()
            .unwrap();
        assert_eq!(i.namespace, "pr-fix-login");
        // A branch has no number: a template that needs one says so.
        let numbered = PreviewConfig {
            namespace: Some("pr-${preview_number}".into()),
            ..branch
        };
        let err = Instance::new(&numbered, "refs/heads/preview/x").unwrap_err();
        assert!(err.to_string().contains("${preview_number}"), "{err}");
    }

    #[test]
    fn the_ttl_counts_from_the_commit() {
        let i = Instance::new(&entry(None), "refs/pull/1/head")
            .unwrap()
            .unwrap();
        let at = "2026-12-01T10:00:00Z"
            .parse::<k8s_openapi::jiff::Timestamp>()
            .unwrap()
            .as_second();
        assert!(!i.expired("2026-12-01T10:00:00Z", at + 3599));
        assert!(i.expired("2026-12-01T10:00:00Z", at + 3601));
    }

    #[test]
    fn slugs_are_dns_labels() {
        assert_eq!(slug("Feature/X__1-"), "feature-x-1");
        assert_eq!(slug(&"a".repeat(60)).len(), 40);
    }
}
