//! `clusters:` and `apps:` in gitsync.yaml, expanded into targets: one
//! `APP@CLUSTER` target for every cluster an app's selector matches.
//!
//! ```yaml
//! clusters:
//!   - {name: eu-1, context: eu-1, labels: {env: canary, region: eu}}
//! apps:
//!   - name: web
//!     path: apps/web/${cluster.labels.region}
//!     clusters: {matchLabels: {env: canary}}
//! ```
//!
//! A generated target is a [`TargetConfig`] like any other, so the rest
//! of gitsync (render, diff, sync, watch, status, previews) takes it
//! unchanged. Its variables are the app's plus the cluster's:
//! `${cluster.name}`, `${cluster.context}`, `${cluster.labels.KEY}` and the
//! cluster's own `vars:`; `path`, `namespace` and helm values file names
//! are substituted at once (strictly: an unset name is an error naming
//! its line), manifests after rendering as every target's are.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::rollout::RolloutConfig;
use super::window::WindowConfig;
use crate::config::{
    ClusterConfig, DependsOn, HealthCheckExpr, HelmConfig, TargetConfig, VerifyConfig,
};
use crate::ignore::RuleConfig;
use crate::notify::webhook::NotifyConfig;

/// One cluster of the inventory. It names a context of the user's own
/// kubeconfig (never a kubeconfig file: see `config`'s note on trust).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterEntry {
    pub name: Spanned<String>,
    /// Defaults to the cluster's name.
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Values every target on this cluster sees as `${cluster.vars.NAME}`
    /// (and as `${NAME}` unless the app sets it).
    #[serde(default)]
    pub vars: BTreeMap<String, Spanned<Value>>,
}

impl ClusterEntry {
    pub fn context(&self) -> &str {
        self.context.as_deref().unwrap_or(&self.name.value)
    }
}

/// One app: what to render, and on which clusters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppConfig {
    pub name: Spanned<String>,
    pub path: Spanned<String>,
    #[serde(default)]
    pub namespace: Option<Spanned<String>>,
    /// Which clusters run it; `{}` (or `matchLabels: {}`) is every one.
    pub clusters: Spanned<Selector>,
    #[serde(default)]
    pub helm: Option<HelmConfig>,
    #[serde(default)]
    pub prune: Option<bool>,
    #[serde(default)]
    pub revision: Option<String>,
    /// Per cluster, a revision that cluster's target is held at (written
    /// by `gitsync rollback APP@CLUSTER`); wins over `revision`.
    #[serde(default)]
    pub pins: BTreeMap<String, String>,
    #[serde(default)]
    pub verify_signatures: Option<VerifyConfig>,
    #[serde(default)]
    pub health_check_exprs: Vec<HealthCheckExpr>,
    #[serde(default)]
    pub ignore_differences: Vec<Spanned<RuleConfig>>,
    #[serde(default)]
    pub vars: BTreeMap<String, Spanned<Value>>,
    #[serde(default)]
    pub notify: Vec<Spanned<NotifyConfig>>,
    /// Apps or targets each of this app's targets waits for.
    #[serde(default)]
    pub depends_on: Vec<Spanned<DependsOn>>,
    #[serde(default)]
    pub rollout: Option<Spanned<RolloutConfig>>,
    #[serde(default)]
    pub windows: Vec<Spanned<WindowConfig>>,
}

/// Kubernetes' label selector: every `matchLabels` pair and every
/// expression must hold. Empty selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub match_expressions: Vec<Expression>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expression {
    pub key: String,
    pub operator: Operator,
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Selector {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| {
                let value = labels.get(&e.key);
                match e.operator {
                    Operator::In => value.is_some_and(|v| e.values.contains(v)),
                    Operator::NotIn => value.is_none_or(|v| !e.values.contains(v)),
                    Operator::Exists => value.is_some(),
                    Operator::DoesNotExist => value.is_none(),
                }
            })
    }

    /// What it matches, as `status` and errors say it: `env=canary`.
    pub fn label(&self) -> String {
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for e in &self.match_expressions {
            parts.push(match e.operator {
                Operator::In => format!("{} in ({})", e.key, e.values.join(",")),
                Operator::NotIn => format!("{} notin ({})", e.key, e.values.join(",")),
                Operator::Exists => e.key.clone(),
                Operator::DoesNotExist => format!("!{}", e.key),
            });
        }
        match parts.is_empty() {
            true => "every cluster".into(),
            false => parts.join(","),
        }
    }

    /// Problems a selector can have that serde does not see.
    pub fn check(&self) -> Result<(), String> {
        for e in &self.match_expressions {
            let needs_values = matches!(e.operator, Operator::In | Operator::NotIn);
            if needs_values == e.values.is_empty() {
                return Err(format!(
                    "matchExpressions on {:?}: {:?} {}",
                    e.key,
                    e.operator,
                    match needs_values {
                        true => "needs values",
                        false => "takes no values",
                    }
                ));
            }
        }
        Ok(())
    }
}

/// Where a fleet target came from: its app and cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub app: String,
    pub cluster: String,
    pub labels: BTreeMap<String, String>,
}

/// A problem with its 1-based line.
#[derive(Debug)]
pub struct Invalid {
    pub line: usize,
    pub message: String,
}

fn invalid(line: usize, message: impl Into<String>) -> Invalid {
    Invalid {
        line,
        message: message.into(),
    }
}

/// The name of an app's target on a cluster.
pub fn target_name(app: &str, cluster: &str) -> String {
    format!("{app}@{cluster}")
}

/// Checks the inventory and expands every app into its targets, in app
/// then cluster order (the order the file gives).
pub fn expand(
    clusters: &[ClusterEntry],
    apps: &[AppConfig],
) -> Result<Vec<(TargetConfig, Origin)>, Invalid> {
    let mut names = std::collections::HashSet::new();
    for c in clusters {
        let line = c.name.referenced.line() as usize;
        check_name(&c.name.value, "cluster", line)?;
        if !names.insert(c.name.value.as_str()) {
            return Err(invalid(
                line,
                format!("cluster {:?} is declared twice", c.name.value),
            ));
        }
        super::super::config::check_vars_at(&c.vars).map_err(|(l, m)| invalid(l, m))?;
    }
    let mut app_names = std::collections::HashSet::new();
    let mut out = Vec::new();
    for app in apps {
        let line = app.name.referenced.line() as usize;
        check_name(&app.name.value, "app", line)?;
        if !app_names.insert(app.name.value.as_str()) {
            return Err(invalid(
                line,
                format!("app {:?} is declared twice", app.name.value),
            ));
        }
        app.clusters
            .value
            .check()
            .map_err(|m| invalid(app.clusters.referenced.line() as usize, m))?;
        for cluster in app.pins.keys() {
            if !names.contains(cluster.as_str()) {
                return Err(invalid(
                    line,
                    format!(
                        "app {:?} pins cluster {cluster:?}, which `clusters:` does not declare",
                        app.name.value
                    ),
                ));
            }
        }
        for c in clusters
            .iter()
            .filter(|c| app.clusters.value.matches(&c.labels))
        {
            out.push((generate(app, c)?, origin(app, c)));
        }
    }
    Ok(out)
}

fn origin(app: &AppConfig, c: &ClusterEntry) -> Origin {
    Origin {
        app: app.name.value.clone(),
        cluster: c.name.value.clone(),
        labels: c.labels.clone(),
    }
}

/// Names become parts of target names and of ApplySet ids: keep them to
/// what a label value may hold.
fn check_name(name: &str, what: &str, line: usize) -> Result<(), Invalid> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    match ok {
        true => Ok(()),
        false => Err(invalid(
            line,
            format!("{what} name {name:?}: letters, digits, `-`, `_` and `.`, at most 63"),
        )),
    }
}

/// The variables a cluster gives its targets, named as `${...}` reads them.
fn cluster_vars(c: &ClusterEntry) -> BTreeMap<String, Spanned<Value>> {
    let line = c.name.referenced;
    let at = |v: Value| Spanned {
        value: v,
        referenced: line,
        defined: line,
    };
    let mut vars = BTreeMap::new();
    vars.insert("cluster.name".into(), at(Value::from(c.name.value.clone())));
    vars.insert("cluster.context".into(), at(Value::from(c.context())));
    // Keys a variable name cannot spell (`topology.kubernetes.io/zone`,
    // `app-tier`) are labels still, for selectors, just not variables.
    for (k, v) in &c.labels {
        let name = format!("cluster.labels.{k}");
        if crate::vars::valid_name(&name) {
            vars.insert(name, at(Value::from(v.clone())));
        }
    }
    for (k, v) in &c.vars {
        vars.insert(format!("cluster.vars.{k}"), v.clone());
    }
    vars
}

fn generate(app: &AppConfig, c: &ClusterEntry) -> Result<TargetConfig, Invalid> {
    let name = target_name(&app.name.value, &c.name.value);
    // Cluster values first, so the app's own vars may use the same names
    // and win; the cluster's plain `vars:` are defaults under the app's.
    let mut vars: BTreeMap<String, Spanned<Value>> = c.vars.clone();
    vars.extend(cluster_vars(c));
    vars.extend(app.vars.clone());
    let text = |s: &Spanned<String>, what: &str| -> Result<String, Invalid> {
        expand_text(&s.value, &vars).map_err(|unset| {
            invalid(
                s.referenced.line() as usize,
                format!(
                    "app {:?}: {what} {:?} uses ${{{unset}}}, which cluster {:?} does not set",
                    app.name.value, s.value, c.name.value
                ),
            )
        })
    };
    let path = text(&app.path, "path")?;
    let namespace = app
        .namespace
        .as_ref()
        .map(|n| text(n, "namespace"))
        .transpose()?;
    let helm = match &app.helm {
        Some(h) => {
            let mut h = h.clone();
            let line = app.name.clone();
            for v in &mut h.values {
                let s = Spanned {
                    value: v.to_string_lossy().into_owned(),
                    ..line.clone()
                };
                *v = PathBuf::from(text(&s, "helm values file")?);
            }
            Some(h)
        }
        None => None,
    };
    Ok(TargetConfig {
        name,
        path: Some(PathBuf::from(path)),
        namespace,
        cluster: Some(ClusterConfig {
            kubeconfig: None,
            context: Some(c.context().to_string()),
        }),
        helm,
        prune: app.prune,
        revision: app
            .pins
            .get(&c.name.value)
            .cloned()
            .or_else(|| app.revision.clone()),
        verify_signatures: app.verify_signatures.clone(),
        health_check_exprs: app.health_check_exprs.clone(),
        ignore_differences: app.ignore_differences.clone(),
        vars,
        notify: app.notify.clone(),
        depends_on: app.depends_on.clone(),
        windows: app.windows.clone(),
        fleet: None,
        order: Default::default(),
    })
}

/// `${name}` in a path or namespace, from `vars`; `Err` names the first
/// variable that is not set.
fn expand_text(s: &str, vars: &BTreeMap<String, Spanned<Value>>) -> Result<String, String> {
    let mut set = crate::vars::Vars::default();
    for (k, v) in vars {
        set.set(k, v.value.clone(), "");
    }
    crate::vars::expand_text(s, &set).map_err(|mut unset| unset.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selectors_match_as_kubernetes_does() {
        let s: Selector = serde_saphyr::from_str(
            "matchLabels: {env: prod}\nmatchExpressions:\n  - {key: region, operator: In, values: [eu, us]}\n  - {key: legacy, operator: DoesNotExist}\n",
        )
        .unwrap();
        assert!(s.matches(&labels(&[("env", "prod"), ("region", "eu")])));
        assert!(!s.matches(&labels(&[("env", "prod"), ("region", "ap")])));
        assert!(!s.matches(&labels(&[
            ("env", "prod"),
            ("region", "eu"),
            ("legacy", "")
        ])));
        assert!(!s.matches(&labels(&[("region", "eu")])));
        assert!(Selector::default().matches(&labels(&[])));
        assert_eq!(s.label(), "env=prod,region in (eu,us),!legacy");
        let bad: Selector =
            serde_saphyr::from_str("matchExpressions: [{key: a, operator: In}]").unwrap();
        assert!(bad.check().unwrap_err().contains("needs values"));
    }
}
