//! `gitsync.yaml` at the repository root: the targets one repository drives.
//!
//! ```yaml
//! targets:
//!   - name: prod
//!     path: deploy/prod
//!     namespace: shop
//!     cluster: {context: prod}
//!     helm: {releaseName: shop, values: [deploy/values-prod.yaml]}
//!     prune: true
//!     revision: v1.4.0   # optional pin: branch, tag or commit
//!     healthCheckExprs: []  # this target's own, before the file's
//! healthCheckExprs:       # health rules in Flux's format (CEL)
//!   - apiVersion: bitnami.com/v1alpha1
//!     kind: SealedSecret
//!     failed: status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')
//!     current: status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')
//! ```
//!
//! gitsync.yaml is read at the command's revision (`--revision`, default
//! HEAD); a target with `revision:` is rendered from the repository at its
//! pin instead, so staging can follow a branch while prod stays on a tag.
//!
//! `ignoreDifferences` (top level for every target, or on a target) takes
//! Argo CD's block unchanged; see [`crate::ignore`]. A rule gitsync cannot
//! apply is an error naming its line.
//!
//! Unknown keys are errors naming the key: a typo must not silently turn
//! off pruning or send objects to the wrong cluster.
//!
//! The file is written by whoever can push (or open a pull request that CI
//! diffs), so it may choose a context of the user's kubeconfig but not a
//! kubeconfig file: a kubeconfig can run programs (exec credential plugins)
//! with the user's credentials. `cluster.kubeconfig` is refused, unread,
//! unless the user passes `--trust-repo-kubeconfig`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

use crate::notify::webhook::NotifyConfig;
use crate::vars::Vars;

use crate::ignore::{IgnoreRules, RuleConfig};
use crate::settings::{
    ClusterSettings, RenderSettings, SourceSettings, TargetSelection, VerifyMode,
};

pub const CONFIG_FILE: &str = "gitsync.yaml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigFile {
    #[serde(default)]
    pub targets: Vec<TargetConfig>,
    /// Health rules for every target (after each target's own).
    #[serde(default)]
    pub health_check_exprs: Vec<HealthCheckExpr>,
    /// Fields every target leaves to others (Argo CD's
    /// `ignoreDifferences`), before each target's own.
    #[serde(default, rename = "ignoreDifferences")]
    pub ignore_differences: Vec<Spanned<RuleConfig>>,
    /// Variables for every target (each target's own win).
    #[serde(default)]
    pub vars: BTreeMap<String, Spanned<serde_json::Value>>,
    /// Where every target's sync results are sent.
    #[serde(default)]
    pub notify: Vec<Spanned<NotifyConfig>>,
    /// Preview environments: which refs open one, from which target.
    #[serde(default)]
    pub previews: Vec<Spanned<crate::preview::PreviewConfig>>,
    /// Image policies: which tag each marked image should be at.
    #[serde(default)]
    pub images: Vec<Spanned<crate::image::policy::PolicyConfig>>,
    /// The cluster inventory `apps:` are placed on.
    #[serde(default)]
    pub clusters: Vec<crate::fleet::inventory::ClusterEntry>,
    /// Apps, each expanded into an `APP@CLUSTER` target per cluster its
    /// selector matches (appended to `targets` when the file is parsed).
    #[serde(default)]
    pub apps: Vec<crate::fleet::inventory::AppConfig>,
}

/// One health rule in Flux's `healthCheckExprs` format: CEL expressions
/// over the live object of this apiVersion and kind (see `health::custom`).
/// Spanned: a syntax error names its line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthCheckExpr {
    pub api_version: Spanned<String>,
    pub kind: String,
    pub current: Spanned<String>,
    #[serde(default)]
    pub in_progress: Option<Spanned<String>>,
    #[serde(default)]
    pub failed: Option<Spanned<String>>,
}

impl HealthCheckExpr {
    /// Compiles the entry; `Err` names the file, line and expression.
    pub fn compile(&self) -> Result<crate::health::custom::Rule, ConfigError> {
        let compile = |name: &str, e: &Spanned<String>| {
            crate::health::custom::compile(&e.value).map_err(|err| {
                let line = e.referenced.line() as usize + err.line.saturating_sub(1);
                ConfigError::Invalid {
                    file: format!("{CONFIG_FILE} (line {line})"),
                    message: format!(
                        "healthCheckExprs for {} {}: `{name}` is not valid CEL (column {}): {}",
                        self.api_version.value, self.kind, err.column, err.message
                    ),
                }
            })
        };
        let optional = |name: &str, e: &Option<Spanned<String>>| {
            e.as_ref()
                .filter(|e| !e.value.trim().is_empty())
                .map(|e| compile(name, e))
                .transpose()
        };
        if self.current.value.trim().is_empty() {
            return Err(ConfigError::Invalid {
                file: format!("{CONFIG_FILE} (line {})", self.current.referenced.line()),
                message: format!(
                    "healthCheckExprs for {} {}: `current` is empty",
                    self.api_version.value, self.kind
                ),
            });
        }
        Ok(crate::health::custom::Rule {
            api_version: self.api_version.value.clone(),
            kind: self.kind.clone(),
            current: compile("current", &self.current)?,
            in_progress: optional("inProgress", &self.in_progress)?,
            failed: optional("failed", &self.failed)?,
            declared: format!("{CONFIG_FILE} line {}", self.api_version.referenced.line()),
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetConfig {
    pub name: String,
    #[serde(default)]
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub cluster: Option<ClusterConfig>,
    #[serde(default)]
    pub helm: Option<HelmConfig>,
    #[serde(default)]
    pub prune: Option<bool>,
    /// Branch, tag or commit this target is rendered from.
    #[serde(default)]
    pub revision: Option<String>,
    /// Signatures this target's revisions need on top of the flags'. Only
    /// a mode: keys come from `--trusted-keys`, never from the repository
    /// (keys the repository supplies would vouch for themselves).
    #[serde(default)]
    pub verify_signatures: Option<VerifyConfig>,
    /// Health rules for this target, before the file's.
    #[serde(default)]
    pub health_check_exprs: Vec<HealthCheckExpr>,
    /// Fields this target leaves to others, as in an Argo CD Application.
    #[serde(default)]
    pub ignore_differences: Vec<Spanned<RuleConfig>>,
    /// `${name}` values substituted into this target's manifests.
    #[serde(default)]
    pub vars: BTreeMap<String, Spanned<serde_json::Value>>,
    /// Where this target's sync results are sent (beside the file's).
    #[serde(default)]
    pub notify: Vec<Spanned<NotifyConfig>>,
    /// Targets (or apps) synced and healthy at the same revision before
    /// this one syncs.
    #[serde(default)]
    pub depends_on: Vec<Spanned<DependsOn>>,
    /// When this target may sync.
    #[serde(default)]
    pub windows: Vec<Spanned<crate::fleet::window::WindowConfig>>,
    /// Set for targets generated from `apps:`, never read from the file.
    #[serde(skip)]
    pub fleet: Option<crate::fleet::inventory::Origin>,
    /// What the file's parse worked out of `dependsOn` and `rollout`.
    #[serde(skip)]
    pub order: crate::fleet::Order,
}

/// One `dependsOn` entry: a target's or an app's name (an app means its
/// target on the same cluster, else all of its targets), alone or with a
/// `readyWhen` CEL expression over the dependency's live objects that
/// replaces "healthy" as what the wait needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependsOn {
    Name(String),
    Entry(DependsOnEntry),
}

impl<'de> Deserialize<'de> for DependsOn {
    // By hand rather than `untagged`: a misspelt key must be named, not
    // reported as "did not match any variant".
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = DependsOn;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a target's or an app's name, or {name, readyWhen}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DependsOn, E> {
                Ok(DependsOn::Name(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<DependsOn, A::Error> {
                DependsOnEntry::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(DependsOn::Entry)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DependsOnEntry {
    pub name: String,
    #[serde(default)]
    pub ready_when: Option<String>,
}

impl DependsOn {
    pub fn name(&self) -> &str {
        match self {
            DependsOn::Name(n) => n,
            DependsOn::Entry(e) => &e.name,
        }
    }

    pub fn ready_when(&self) -> Option<&str> {
        match self {
            DependsOn::Name(_) => None,
            DependsOn::Entry(e) => e.ready_when.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VerifyConfig {
    pub mode: VerifyMode,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterConfig {
    /// Spanned: the refusal names its line.
    #[serde(default)]
    pub kubeconfig: Option<Spanned<PathBuf>>,
    #[serde(default)]
    pub context: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmConfig {
    #[serde(default)]
    pub release_name: Option<String>,
    #[serde(default)]
    pub values: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("reading {file}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no target named {name:?} in {CONFIG_FILE} (targets: {known})",
        known = if known.is_empty() { "none".to_string() } else { known.join(", ") }
    )]
    UnknownTarget { name: String, known: Vec<String> },
    #[error(
        "{CONFIG_FILE}{at}: target {target:?} names a kubeconfig file (cluster.kubeconfig); refused \
         without reading it, because a kubeconfig can run programs (exec credential plugins) with \
         your credentials and {CONFIG_FILE} is whatever the last push or pull request says. Name a \
         context of your own kubeconfig (cluster.context; --kubeconfig or $KUBECONFIG picks the \
         file), or pass --trust-repo-kubeconfig if you trust everyone who can change this repository",
        at = line.map_or_else(String::new, |l| format!(" (line {l})"))
    )]
    RepoKubeconfig { target: String, line: Option<usize> },
    #[error("--target and --all-targets need a {CONFIG_FILE} at the repository root")]
    NoConfig,
    #[error("--target names no target (an empty name): give the name of a target in {CONFIG_FILE}")]
    NoTargetNamed,
    #[error(
        "{CONFIG_FILE} declares {count} targets ({names}): choose with --target NAME or --all-targets",
        count = names.len(), names = names.join(", ")
    )]
    Ambiguous { names: Vec<String> },
}

/// One target, with flags applied over what gitsync.yaml says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The target's name; `None` when there is no gitsync.yaml.
    pub name: Option<String>,
    /// Directory to render, relative to the repository root.
    pub path: PathBuf,
    pub namespace: Option<String>,
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub values: Vec<PathBuf>,
    pub release_name: Option<String>,
    pub prune: bool,
    /// gitsync.yaml's `verifySignatures.mode` (the flags' mode is added
    /// where it is checked).
    pub verify_mode: Option<VerifyMode>,
    /// The revision gitsync.yaml pins this target to (`None`: the
    /// command's revision).
    pub revision: Option<String>,
    /// Health rules: the target's `healthCheckExprs`, then the file's.
    pub health_checks: Vec<HealthCheckExpr>,
    /// `ignoreDifferences`: the file's, then the target's.
    pub ignore: IgnoreRules,
    /// Strict `${name}` variables: the file's `vars:`, then the target's.
    pub vars: Vars,
    /// Notifications: the file's `notify:`, then the target's.
    pub notify: Vec<NotifyConfig>,
    /// The app and cluster of a target generated from `apps:`.
    pub fleet: Option<crate::fleet::inventory::Origin>,
    /// The targets it waits for, and its rollout step.
    pub order: crate::fleet::Order,
    /// Its sync windows, compiled.
    pub windows: Vec<crate::fleet::window::Window>,
}

impl Target {
    /// The target's health rules, compiled (they were checked when
    /// gitsync.yaml was parsed).
    pub fn health_rules(&self) -> crate::health::Rules {
        crate::health::Rules::new(
            self.health_checks
                .iter()
                .filter_map(|h| h.compile().ok())
                .collect(),
        )
    }
}

impl ConfigFile {
    /// The `images:` policies, compiled (they were checked when the file
    /// was parsed).
    pub fn image_policies(&self) -> Vec<crate::image::policy::Policy> {
        self.images
            .iter()
            .filter_map(|i| crate::image::policy::Policy::compile(&i.value).ok())
            .collect()
    }

    /// Reads `gitsync.yaml` from the root, if there is one.
    pub fn load(root: &Path) -> Result<Option<ConfigFile>, ConfigError> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ConfigError::Io {
                    file: CONFIG_FILE.into(),
                    source,
                });
            }
        };
        Self::parse(&text).map(Some)
    }

    pub fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        let options = crate::render::yaml::parse_options();
        let mut config: ConfigFile = if text.trim().is_empty() {
            ConfigFile::default()
        } else {
            serde_saphyr::from_str_with_options(text, options).map_err(|e| {
                ConfigError::Invalid {
                    file: match e.location() {
                        Some(l) => {
                            format!("{CONFIG_FILE} (line {}, column {})", l.line(), l.column())
                        }
                        None => CONFIG_FILE.to_string(),
                    },
                    message: e.without_snippet().to_string(),
                }
            })?
        };
        let generated = crate::fleet::inventory::expand(&config.clusters, &config.apps)
            .map_err(|e| at_line(e.line, e.message))?;
        for (mut t, origin) in generated {
            t.fleet = Some(origin);
            config.targets.push(t);
        }
        for h in config
            .health_check_exprs
            .iter()
            .chain(config.targets.iter().flat_map(|t| &t.health_check_exprs))
        {
            h.compile()?;
        }
        let mut seen = std::collections::HashSet::new();
        for t in &config.targets {
            if t.name.trim().is_empty() {
                return Err(invalid("a target has an empty name"));
            }
            if !seen.insert(t.name.as_str()) {
                return Err(invalid(&format!("target {:?} is declared twice", t.name)));
            }
            if t.revision.as_deref().is_some_and(|r| r.trim().is_empty()) {
                return Err(invalid(&format!(
                    "target {:?} has an empty revision",
                    t.name
                )));
            }
            config.ignore_rules(Some(t))?;
        }
        config.ignore_rules(None)?;
        check_vars(&config.vars)?;
        for t in &config.targets {
            check_vars(&t.vars)?;
        }
        for n in config
            .notify
            .iter()
            .chain(config.targets.iter().flat_map(|t| &t.notify))
        {
            crate::notify::webhook::check(&n.value).map_err(|message| ConfigError::Invalid {
                file: format!("{CONFIG_FILE} (line {})", n.referenced.line()),
                message,
            })?;
        }
        let names: Vec<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
        let mut preview_names = std::collections::HashSet::new();
        for p in &config.previews {
            let file = format!("{CONFIG_FILE} (line {})", p.referenced.line());
            crate::preview::config::check(&p.value, &names).map_err(|message| {
                ConfigError::Invalid {
                    file: file.clone(),
                    message,
                }
            })?;
            if !preview_names.insert(p.value.name.as_str()) {
                return Err(ConfigError::Invalid {
                    file,
                    message: format!("preview {:?} is declared twice", p.value.name),
                });
            }
        }
        let mut image_names = std::collections::HashSet::new();
        for i in &config.images {
            let file = format!("{CONFIG_FILE} (line {})", i.referenced.line());
            crate::image::policy::Policy::compile(&i.value).map_err(|message| {
                ConfigError::Invalid {
                    file: file.clone(),
                    message,
                }
            })?;
            let key = (i.value.namespace.clone(), i.value.name.clone());
            if !image_names.insert(key) {
                return Err(ConfigError::Invalid {
                    file,
                    message: format!("image policy {:?} is declared twice", i.value.name),
                });
            }
        }
        crate::fleet::resolve(&mut config).map_err(|(line, m)| at_line(line, m))?;
        if config.targets.is_empty() && !config.apps.is_empty() {
            return Err(invalid(
                "its apps match no cluster of `clusters:`, so it declares no targets",
            ));
        }
        if config.targets.is_empty() {
            // A file that selects nothing is a mistake (an edit gone
            // wrong, a bad merge); rendering the whole repository instead
            // would sync something nobody declared.
            return Err(ConfigError::Invalid {
                file: match targets_line(text) {
                    Some(line) => format!("{CONFIG_FILE} (line {line})"),
                    None => CONFIG_FILE.to_string(),
                },
                message: "declares no targets; add one under `targets:`, or remove \
                          gitsync.yaml to render the repository by the flags alone"
                    .into(),
            });
        }
        Ok(config)
    }

    /// The ignore rules for `target` (`None`: the file-level ones alone),
    /// checked: a rule gitsync cannot apply is an error naming its line.
    fn ignore_rules(&self, target: Option<&TargetConfig>) -> Result<IgnoreRules, ConfigError> {
        let mut lists = vec![(
            "ignoreDifferences".to_string(),
            self.ignore_differences.as_slice(),
        )];
        if let Some(t) = target {
            lists.push((
                format!("targets[{}].ignoreDifferences", t.name),
                t.ignore_differences.as_slice(),
            ));
        }
        IgnoreRules::compile(&lists).map_err(|e| ConfigError::Invalid {
            file: match e.line {
                Some(l) => format!("{CONFIG_FILE} (line {l})"),
                None => CONFIG_FILE.to_string(),
            },
            message: e.message,
        })
    }
}

/// Variables are scalars with names `${name}` can reach.
fn check_vars(vars: &BTreeMap<String, Spanned<serde_json::Value>>) -> Result<(), ConfigError> {
    check_vars_at(vars).map_err(|(line, message)| at_line(line, message))
}

/// [`check_vars`], with the problem as (line, message).
pub(crate) fn check_vars_at(
    vars: &BTreeMap<String, Spanned<serde_json::Value>>,
) -> Result<(), (usize, String)> {
    for (name, value) in vars {
        let line = value.referenced.line() as usize;
        if !crate::vars::valid_name(name) {
            return Err((
                line,
                format!(
                    "variable name {name:?}: letters, digits, `_` and `.`, not starting with a digit"
                ),
            ));
        }
        if !matches!(
            value.value,
            serde_json::Value::String(_)
                | serde_json::Value::Number(_)
                | serde_json::Value::Bool(_)
        ) {
            return Err((
                line,
                format!("variable {name:?} must be a string, a number or a boolean"),
            ));
        }
    }
    Ok(())
}

/// An error at `line` of gitsync.yaml (0: no line known).
fn at_line(line: usize, message: String) -> ConfigError {
    ConfigError::Invalid {
        file: match line {
            0 => CONFIG_FILE.to_string(),
            l => format!("{CONFIG_FILE} (line {l})"),
        },
        message,
    }
}

/// Variables as a target sees them: the file's, then the target's own.
fn target_vars(config: Option<&ConfigFile>, target: Option<&TargetConfig>) -> Vars {
    let mut vars = Vars::default();
    let lists = config
        .map(|c| ("", &c.vars))
        .into_iter()
        .chain(target.map(|t| ("target", &t.vars)));
    for (scope, list) in lists {
        for (name, value) in list {
            let line = value.referenced.line();
            let from = match (scope, target) {
                ("target", Some(t)) => format!("{CONFIG_FILE} (line {line}, target {})", t.name),
                _ => format!("{CONFIG_FILE} (line {line}, vars)"),
            };
            vars.set(name, value.value.clone(), from);
        }
    }
    vars
}

/// The 1-based line of the top-level `targets:` key, if there is one.
fn targets_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.strip_prefix("targets")
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

fn invalid(message: &str) -> ConfigError {
    ConfigError::Invalid {
        file: CONFIG_FILE.into(),
        message: message.into(),
    }
}

/// The targets a run works on: from gitsync.yaml as selected, with command
/// line flags taking precedence over the file.
pub fn resolve_targets(
    config: Option<&ConfigFile>,
    selection: &TargetSelection,
    source: &SourceSettings,
    cluster: &ClusterSettings,
    render: &RenderSettings,
) -> Result<Vec<Target>, ConfigError> {
    let chosen: Vec<Option<&TargetConfig>> = match (config, selection) {
        (None, TargetSelection::Default) => vec![None],
        (None, _) => return Err(ConfigError::NoConfig),
        (Some(c), TargetSelection::Default) => match c.targets.as_slice() {
            [] => vec![None],
            [only] => vec![Some(only)],
            // An explicit --path means "this directory", not a target.
            _ if source.path.is_some() => vec![None],
            many => {
                return Err(ConfigError::Ambiguous {
                    names: many.iter().map(|t| t.name.clone()).collect(),
                });
            }
        },
        (Some(c), TargetSelection::All) => c.targets.iter().map(Some).collect(),
        (_, TargetSelection::Named(names)) if names.iter().all(|n| n.trim().is_empty()) => {
            return Err(ConfigError::NoTargetNamed);
        }
        (Some(c), TargetSelection::Named(names)) => {
            let mut chosen = Vec::new();
            for n in names {
                // A target's name, else an app's: all of its targets.
                let found: Vec<&TargetConfig> = match c.targets.iter().find(|t| &t.name == n) {
                    Some(t) => vec![t],
                    None => c
                        .targets
                        .iter()
                        .filter(|t| t.fleet.as_ref().is_some_and(|o| &o.app == n))
                        .collect(),
                };
                if found.is_empty() {
                    return Err(ConfigError::UnknownTarget {
                        name: n.clone(),
                        known: c.targets.iter().map(|t| t.name.clone()).collect(),
                    });
                }
                for t in found {
                    if !chosen
                        .iter()
                        .any(|c: &Option<&TargetConfig>| c.is_some_and(|c| c.name == t.name))
                    {
                        chosen.push(Some(t));
                    }
                }
            }
            chosen
        }
    };
    if !cluster.trust_repo_kubeconfig {
        let named = chosen.iter().flatten().find_map(|t| {
            let k = t.cluster.as_ref()?.kubeconfig.as_ref()?;
            Some((t.name.clone(), k.referenced.line()))
        });
        if let Some((target, line)) = named {
            return Err(ConfigError::RepoKubeconfig {
                target,
                line: (line > 0).then_some(line as usize),
            });
        }
    }
    chosen
        .into_iter()
        .map(|t| {
            let cluster_cfg = t.and_then(|t| t.cluster.clone()).unwrap_or_default();
            let helm = t.and_then(|t| t.helm.clone()).unwrap_or_default();
            let mut values = helm.values;
            values.extend(render.values.iter().cloned());
            let ignore = match config {
                Some(c) => c.ignore_rules(t)?,
                None => IgnoreRules::default(),
            };
            Ok(Target {
                name: t.map(|t| t.name.clone()),
                path: source
                    .path
                    .clone()
                    .or_else(|| t.and_then(|t| t.path.clone()))
                    .unwrap_or_default(),
                namespace: cluster
                    .namespace
                    .clone()
                    .or_else(|| t.and_then(|t| t.namespace.clone())),
                kubeconfig: cluster
                    .kubeconfig
                    .clone()
                    .or(cluster_cfg.kubeconfig.map(|k| k.value)),
                context: cluster.context.clone().or(cluster_cfg.context),
                values,
                release_name: render
                    .release_name
                    .clone()
                    .or(helm.release_name)
                    // `APP@CLUSTER` is no valid release name: the app's is.
                    .or_else(|| t.and_then(|t| t.fleet.as_ref()).map(|o| o.app.clone()))
                    .or_else(|| t.map(|t| t.name.clone())),
                prune: t.and_then(|t| t.prune).unwrap_or(true),
                verify_mode: t.and_then(|t| t.verify_signatures.as_ref()).map(|v| v.mode),
                revision: t.and_then(|t| t.revision.clone()),
                health_checks: t
                    .map(|t| t.health_check_exprs.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .chain(
                        config
                            .map(|c| c.health_check_exprs.clone())
                            .unwrap_or_default(),
                    )
                    .collect(),
                ignore,
                vars: target_vars(config, t),
                notify: config
                    .into_iter()
                    .flat_map(|c| &c.notify)
                    .chain(t.into_iter().flat_map(|t| &t.notify))
                    .map(|n| n.value.clone())
                    .collect(),
                fleet: t.and_then(|t| t.fleet.clone()),
                order: t.map(|t| t.order.clone()).unwrap_or_default(),
                windows: t
                    .into_iter()
                    .flat_map(|t| &t.windows)
                    .filter_map(|w| crate::fleet::window::Window::compile(w).ok())
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(path: Option<&str>) -> SourceSettings {
        SourceSettings {
            repo: ".".into(),
            revision: None,
            path: path.map(PathBuf::from),
            verify: None,
            checkout: Default::default(),
        }
    }

    const TWO: &str = "targets:\n  - name: prod\n    path: deploy/prod\n    namespace: shop\n    cluster: {context: prod}\n    helm: {values: [v/prod.yaml]}\n    prune: false\n    revision: v1.2.0\n  - name: dev\n    path: deploy/dev\n";

    #[test]
    fn unknown_keys_are_named() {
        let err = ConfigFile::parse("targets:\n  - name: a\n    prnue: false\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("prnue"), "{msg}");
        assert!(msg.contains("gitsync.yaml"), "{msg}");
        let err = ConfigFile::parse("targetz: []\n").unwrap_err();
        assert!(err.to_string().contains("targetz"), "{err}");
    }

    #[test]
    fn duplicate_target_names_are_refused() {
        let err = ConfigFile::parse("targets:\n  - name: a\n  - name: a\n").unwrap_err();
        assert!(err.to_string().contains("declared twice"), "{err}");
        let err = ConfigFile::parse("targets:\n  - name: a\n    revision: ''\n").unwrap_err();
        assert!(err.to_string().contains("empty revision"), "{err}");
    }

    #[test]
    fn a_file_selecting_no_target_is_refused() {
        for (text, shown) in [
            ("# shop\ntargets: []\n", "gitsync.yaml (line 2)"),
            ("targets:\n  []\n", "gitsync.yaml (line 1)"),
            ("", "gitsync.yaml"),
            ("# nothing yet\n", "gitsync.yaml"),
        ] {
            let err = ConfigFile::parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("{shown}: declares no targets")),
                "{text:?}: {err}"
            );
        }
        let c = ConfigFile::parse(TWO).unwrap();
        let err = resolve_targets(
            Some(&c),
            &TargetSelection::Named(vec![String::new()]),
            &source(None),
            &ClusterSettings::default(),
            &RenderSettings::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("--target names no target"),
            "{err}"
        );
    }

    #[test]
    fn several_targets_need_a_choice() {
        let c = ConfigFile::parse(TWO).unwrap();
        let err = resolve_targets(
            Some(&c),
            &TargetSelection::Default,
            &source(None),
            &ClusterSettings::default(),
            &RenderSettings::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("prod, dev"), "{err}");
    }

    #[test]
    fn named_target_with_flags_over_file() {
        let c = ConfigFile::parse(TWO).unwrap();
        let cluster = ClusterSettings {
            namespace: Some("override".into()),
            ..Default::default()
        };
        let render = RenderSettings {
            values: vec!["extra.yaml".into()],
            ..Default::default()
        };
        let t = resolve_targets(
            Some(&c),
            &TargetSelection::Named(vec!["prod".into()]),
            &source(None),
            &cluster,
            &render,
        )
        .unwrap();
        assert_eq!(t.len(), 1);
        let t = &t[0];
        assert_eq!(t.path, PathBuf::from("deploy/prod"));
        assert_eq!(t.namespace.as_deref(), Some("override"));
        assert_eq!(t.context.as_deref(), Some("prod"));
        assert_eq!(
            t.values,
            [PathBuf::from("v/prod.yaml"), "extra.yaml".into()]
        );
        assert_eq!(t.release_name.as_deref(), Some("prod"));
        assert!(!t.prune);
        assert_eq!(t.revision.as_deref(), Some("v1.2.0"));
    }

    #[test]
    fn unknown_target_lists_known_ones() {
        let c = ConfigFile::parse(TWO).unwrap();
        let err = resolve_targets(
            Some(&c),
            &TargetSelection::Named(vec!["staging".into()]),
            &source(None),
            &ClusterSettings::default(),
            &RenderSettings::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"staging\""), "{err}");
        assert!(err.to_string().contains("prod, dev"), "{err}");
    }

    const REPO_KUBECONFIG: &str = "targets:\n  - name: prod\n    cluster:\n      context: prod\n      kubeconfig: ci/kubeconfig\n";

    fn resolve_with(config: &str, trust: bool) -> Result<Vec<Target>, ConfigError> {
        let c = ConfigFile::parse(config).unwrap();
        resolve_targets(
            Some(&c),
            &TargetSelection::Default,
            &source(None),
            &ClusterSettings {
                trust_repo_kubeconfig: trust,
                ..Default::default()
            },
            &RenderSettings::default(),
        )
    }

    #[test]
    fn a_kubeconfig_named_by_the_repository_is_refused() {
        let err = resolve_with(REPO_KUBECONFIG, false).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ConfigError::RepoKubeconfig { .. }), "{msg}");
        for want in [
            "gitsync.yaml (line 5)",
            "\"prod\"",
            "cluster.kubeconfig",
            "exec credential plugins",
            "--trust-repo-kubeconfig",
        ] {
            assert!(msg.contains(want), "{want:?} missing: {msg}");
        }
        // A flag does not make the file's kubeconfig acceptable: the rule
        // is about what the repository says, whatever overrides it.
        let c = ConfigFile::parse(REPO_KUBECONFIG).unwrap();
        let flags = ClusterSettings {
            kubeconfig: Some("mine".into()),
            ..Default::default()
        };
        assert!(
            resolve_targets(
                Some(&c),
                &TargetSelection::Default,
                &source(None),
                &flags,
                &RenderSettings::default()
            )
            .is_err()
        );
    }

    #[test]
    fn trusting_the_repository_allows_its_kubeconfig() {
        let t = resolve_with(REPO_KUBECONFIG, true).unwrap();
        assert_eq!(t[0].kubeconfig.as_deref(), Some(Path::new("ci/kubeconfig")));
        assert_eq!(t[0].context.as_deref(), Some("prod"));
        // Contexts alone need no trust.
        let t = resolve_with("targets:\n  - name: a\n    cluster: {context: c}\n", false).unwrap();
        assert_eq!(t[0].context.as_deref(), Some("c"));
        assert_eq!(t[0].kubeconfig, None);
    }

    #[test]
    fn ignore_rules_come_from_the_file_and_the_target() {
        let text = "ignoreDifferences:\n  - kind: ConfigMap\n    jsonPointers: [/data/a]\ntargets:\n  - name: a\n    ignoreDifferences:\n    - group: apps\n      kind: Deployment\n      managedFieldsManagers: [hpa]\n  - name: b\n";
        let c = ConfigFile::parse(text).unwrap();
        let t = resolve_targets(
            Some(&c),
            &TargetSelection::All,
            &source(None),
            &ClusterSettings::default(),
            &RenderSettings::default(),
        )
        .unwrap();
        let deployments = |t: &Target| {
            !t.ignore
                .for_object("apps", "Deployment", "web", Some("n"))
                .is_empty()
        };
        let configmaps = |t: &Target| {
            !t.ignore
                .for_object("", "ConfigMap", "c", Some("n"))
                .is_empty()
        };
        assert!(deployments(&t[0]) && configmaps(&t[0]));
        assert!(
            !deployments(&t[1]) && configmaps(&t[1]),
            "file-level rules reach every target"
        );
    }

    #[test]
    fn a_bad_ignore_rule_names_its_line() {
        let err = ConfigFile::parse(
            "targets:\n  - name: a\n    ignoreDifferences:\n      - kind: Deployment\n        jqPathExpressions:\n          - .spec | input\n",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with(
                "gitsync.yaml (line 6): targets[a].ignoreDifferences[0]: jqPathExpressions"
            ),
            "{msg}"
        );
        assert!(msg.contains("\"input\""), "{msg}");
        let err = ConfigFile::parse("ignoreDifferences:\n  - kind: X\n    jsonPointer: [/a]\n")
            .unwrap_err();
        assert!(err.to_string().contains("jsonPointer"), "{err}");
        let err =
            ConfigFile::parse("ignoreDifferences:\n  - group: apps\n    jsonPointers: [/a]\n")
                .unwrap_err();
        assert!(
            err.to_string().contains("(line 2)") && err.to_string().contains("kind is required"),
            "{err}"
        );
    }

    #[test]
    fn no_config_means_flags_alone() {
        let t = resolve_targets(
            None,
            &TargetSelection::Default,
            &source(Some("k8s")),
            &ClusterSettings::default(),
            &RenderSettings::default(),
        )
        .unwrap();
        assert_eq!(t[0].path, PathBuf::from("k8s"));
        assert_eq!(t[0].name, None);
        assert!(t[0].prune);
        assert!(matches!(
            resolve_targets(
                None,
                &TargetSelection::All,
                &source(None),
                &ClusterSettings::default(),
                &RenderSettings::default()
            ),
            Err(ConfigError::NoConfig)
        ));
    }
}
