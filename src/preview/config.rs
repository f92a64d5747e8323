//! gitsync.yaml's `previews:` entries, checked when the file is parsed.
//!
//! ```yaml
//! previews:
//!   - name: pr
//!     refs: "refs/pull/*/head"
//!     target: staging
//!     namespace: "pr-${preview_number}"
//!     host: "pr-${preview_number}.preview.example.com"
//!     ttl: 72h
//!     max: 10
//!     allowKinds: [ClusterRole.rbac.authorization.k8s.io]
//!     resourceQuota: {hard: {pods: "20"}}
//!     limitRange: {limits: [{type: Container, default: {memory: 256Mi}}]}
//!     podSecurity: baseline
//!     verifySignatures: {mode: none}
//! ```
//!
//! The entries are always read from the command's revision (the base
//! branch), never from the pull request's commit: a pull request cannot
//! widen its own isolation.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// Variables a namespace template may use: they are known before the
/// commit is read and do not change with pushes, so a preview keeps its
/// namespace.
pub const NAMESPACE_VARS: &[&str] = &[
    "preview_name",
    "preview_number",
    "preview_branch",
    "preview_slug",
];

/// One `previews:` entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreviewConfig {
    pub name: String,
    /// A glob over full ref names with one `*` (`refs/pull/*/head`).
    pub refs: String,
    /// The target whose path, cluster and values a preview renders.
    pub target: String,
    /// Namespace template (default `${preview_name}-${preview_slug}`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Host name template, given to manifests as `${preview_host}` and
    /// shown as the preview's URL.
    #[serde(default)]
    pub host: Option<String>,
    /// A preview whose newest commit is older than this is closed (and not
    /// opened) until a newer commit is pushed: `90m`, `72h`, `7d`.
    #[serde(default)]
    pub ttl: Option<String>,
    /// The most previews of this entry open at once; a ref beyond it waits.
    #[serde(default)]
    pub max: Option<usize>,
    /// Kinds (`Kind` or `Kind.group`) a preview may create outside its
    /// namespace: cluster-scoped, or in another namespace.
    #[serde(default)]
    pub allow_kinds: Vec<String>,
    /// The `spec` of a ResourceQuota put in every preview namespace.
    #[serde(default)]
    pub resource_quota: Option<Value>,
    /// The `spec` of a LimitRange put in every preview namespace.
    #[serde(default)]
    pub limit_range: Option<Value>,
    /// The Pod Security level enforced in every preview namespace
    /// (`pod-security.kubernetes.io/enforce`): `restricted`, `baseline`
    /// (the default: a pull request's Pods may not be privileged, share
    /// the host's namespaces or mount its paths) or `privileged`.
    #[serde(default)]
    pub pod_security: Option<PodSecurity>,
    /// Replaces the flags' signature mode for this entry's commits;
    /// `none` relaxes it explicitly (contributors' commits are rarely
    /// signed by a trusted key).
    #[serde(default)]
    pub verify_signatures: Option<PreviewVerify>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PodSecurity {
    Restricted,
    Baseline,
    Privileged,
}

impl PodSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            PodSecurity::Restricted => "restricted",
            PodSecurity::Baseline => "baseline",
            PodSecurity::Privileged => "privileged",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewVerify {
    pub mode: PreviewVerifyMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PreviewVerifyMode {
    None,
    Head,
    Tag,
    TagAndHead,
}

impl PreviewVerifyMode {
    pub fn mode(self) -> Option<crate::settings::VerifyMode> {
        use crate::settings::VerifyMode;
        match self {
            PreviewVerifyMode::None => None,
            PreviewVerifyMode::Head => Some(VerifyMode::Head),
            PreviewVerifyMode::Tag => Some(VerifyMode::Tag),
            PreviewVerifyMode::TagAndHead => Some(VerifyMode::TagAndHead),
        }
    }
}

impl PreviewConfig {
    pub fn namespace_template(&self) -> &str {
        self.namespace
            .as_deref()
            .unwrap_or("${preview_name}-${preview_slug}")
    }

    /// The part of the ref the glob's `*` matched, if it matches.
    pub fn capture<'r>(&self, reference: &'r str) -> Option<&'r str> {
        let (before, after) = self.refs.split_once('*')?;
        let middle = reference.strip_prefix(before)?.strip_suffix(after)?;
        (!middle.is_empty()).then_some(middle)
    }

    /// The prefix every matching ref starts with (what a ref listing asks).
    pub fn prefix(&self) -> &str {
        self.refs.split_once('*').map_or(&self.refs, |(b, _)| b)
    }

    pub fn ttl(&self) -> Option<Duration> {
        self.ttl.as_deref().and_then(|t| parse_ttl(t).ok())
    }

    /// Whether `group`/`kind` may be created outside the namespace.
    pub fn allows(&self, group: &str, kind: &str) -> bool {
        let gk = crate::cluster::applyset::group_kind(group, kind);
        self.allow_kinds.contains(&gk)
    }
}

#[cfg(test)]
impl PreviewConfig {
    /// An entry `pr` of target `staging` with nothing else set.
    pub fn example(refs: &str) -> PreviewConfig {
        PreviewConfig {
            name: "pr".into(),
            refs: refs.into(),
            target: "staging".into(),
            namespace: None,
            host: None,
            ttl: None,
            max: None,
            allow_kinds: vec![],
            resource_quota: None,
            limit_range: None,
            pod_security: None,
            verify_signatures: None,
        }
    }
}

/// Checks one entry; `targets` are the names the file declares. The
/// message says what is wrong; the caller names the line.
pub fn check(p: &PreviewConfig, targets: &[&str]) -> Result<(), String> {
    let what = format!("preview {:?}", p.name);
    if !dns_label(&p.name) || p.name.len() > 30 {
        return Err(format!(
            "{what}: the name must be a DNS label of at most 30 characters (lower case letters, digits, `-`)"
        ));
    }
    if !p.refs.starts_with("refs/") || p.refs.matches('*').count() != 1 {
        return Err(format!(
            "{what}: refs {:?} must be a full ref name with exactly one `*` (refs/pull/*/head, refs/heads/preview/*)",
            p.refs
        ));
    }
    if !targets.contains(&p.target.as_str()) {
        return Err(format!(
            "{what}: no target named {:?} (targets: {})",
            p.target,
            targets.join(", ")
        ));
    }
    for name in template_vars(p.namespace_template())? {
        if !NAMESPACE_VARS.contains(&name.as_str()) {
            return Err(format!(
                "{what}: the namespace template may use {} (a namespace must not move with a push), not ${{{name}}}",
                NAMESPACE_VARS
                    .iter()
                    .map(|v| format!("${{{v}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if let Some(host) = &p.host {
        for name in template_vars(host)? {
            if !NAMESPACE_VARS.contains(&name.as_str()) && name != "preview_namespace" {
                return Err(format!(
                    "{what}: the host template may use the namespace's variables and ${{preview_namespace}}, not ${{{name}}}"
                ));
            }
        }
    }
    if let Some(ttl) = &p.ttl {
        parse_ttl(ttl).map_err(|e| format!("{what}: ttl: {e}"))?;
    }
    if p.max == Some(0) {
        return Err(format!("{what}: max must be at least 1"));
    }
    for (field, spec) in [
        ("resourceQuota", &p.resource_quota),
        ("limitRange", &p.limit_range),
    ] {
        if spec.as_ref().is_some_and(|s| !s.is_object()) {
            return Err(format!("{what}: {field} is the object's spec (a mapping)"));
        }
    }
    Ok(())
}

/// The `${name}` references of a template.
pub fn template_vars(template: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(at) = rest.find("${") {
        let after = &rest[at + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!("{template:?}: `${{` without `}}`"));
        };
        names.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    Ok(names)
}

/// Fills a template's `${name}`s from `lookup`; a name it has no value for
/// is an error naming it.
pub fn expand(template: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("{template:?}: `${{` without `}}`"))?;
        let name = &after[..end];
        out.push_str(&lookup(name).ok_or_else(|| format!("${{{name}}} has no value here"))?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A DNS-1123 label: what a namespace name must be.
pub fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// `90s`, `30m`, `72h`, `7d` (one unit).
pub fn parse_ttl(s: &str) -> Result<Duration, String> {
    let err = || format!("{s:?} is not a duration (use e.g. 90m, 72h, 7d)");
    let unit = s.chars().last().ok_or_else(err)?;
    let n: u64 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| err())?;
    let secs = match unit {
        's' => n,
        'm' => n * 60,
        'h' => n * 3600,
        'd' => n * 86400,
        _ => return Err(err()),
    };
    if secs == 0 {
        return Err(err());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(refs: &str) -> PreviewConfig {
        PreviewConfig::example(refs)
    }

    #[test]
    fn a_glob_captures_its_star() {
        let p = entry("refs/pull/*/head");
        assert_eq!(p.capture("refs/pull/12/head"), Some("12"));
        assert_eq!(p.capture("refs/pull/12/merge"), None);
        assert_eq!(p.capture("refs/pull//head"), None);
        assert_eq!(p.prefix(), "refs/pull/");
        let b = entry("refs/heads/preview/*");
        assert_eq!(b.capture("refs/heads/preview/Feature/X"), Some("Feature/X"));
    }

    #[test]
    fn entries_are_checked() {
        let ok = entry("refs/pull/*/head");
        assert_eq!(check(&ok, &["staging"]), Ok(()));
        assert!(check(&ok, &["prod"]).unwrap_err().contains("no target"));
        assert!(check(&entry("pull/*"), &["staging"]).is_err());
        assert!(check(&entry("refs/*/x/*"), &["staging"]).is_err());
        let moving = PreviewConfig {
            namespace: Some("pr-${preview_sha}".into()),
            ..ok.clone()
        };
        assert!(
            check(&moving, &["staging"])
                .unwrap_err()
                .contains("must not move")
        );
        let ttl = PreviewConfig {
            ttl: Some("soon".into()),
            ..ok
        };
        assert!(check(&ttl, &["staging"]).unwrap_err().contains("ttl"));
    }

    #[test]
    fn templates_and_durations() {
        let got = expand("pr-${preview_number}", |n| {
            (n == "preview_number").then(|| "7".to_string())
        });
        assert_eq!(got, Ok("pr-7".into()));
        assert!(expand("${x}", |_| None).unwrap_err().contains("${x}"));
        assert_eq!(parse_ttl("72h"), Ok(Duration::from_secs(72 * 3600)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(7 * 86400)));
        assert!(parse_ttl("0h").is_err() && parse_ttl("h").is_err());
        assert!(dns_label("pr-12") && !dns_label("PR") && !dns_label("a_b"));
    }
}
