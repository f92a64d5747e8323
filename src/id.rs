//! An object's identity (group, kind, namespace, name), the one type the
//! model's other modules share: `desired.rs` builds the set from it and
//! `hooks.rs` names hooks by it, without importing each other both ways.

use std::fmt;

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
