//! Plain settings, resolved from the command line before any work starts.
//! The core takes these, never clap types.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    pub source: SourceSettings,
    pub targets: TargetSelection,
    pub cluster: ClusterSettings,
    pub output: OutputFormat,
    pub color: ColorChoice,
    pub verbose: u8,
    pub quiet: bool,
    pub progress: bool,
    /// Targets worked on at once (`--parallel-targets`).
    pub parallel_targets: usize,
    pub command: Command,
}

impl Settings {
    /// Logs as JSON lines (`watch --log-format json`).
    pub fn json_logs(&self) -> bool {
        matches!(
            &self.command,
            Command::Watch { watch, .. } if watch.log_format == LogFormat::Json
        )
    }
}

#[derive(Debug, Clone)]
pub struct SourceSettings {
    /// A local path or a URL.
    pub repo: String,
    pub revision: Option<String>,
    pub path: Option<PathBuf>,
    /// `--trusted-keys` (and `--verify-signatures`): check signatures of
    /// every revision read. None: nothing is verified.
    pub verify: Option<VerifySettings>,
    /// How much writing a commit's tree to disk may take.
    pub checkout: CheckoutLimits,
}

/// Bounds of a checkout (`--max-checkout-size`,
/// `--max-checkout-file-size`), checked against the object database's
/// headers before anything is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckoutLimits {
    /// Bytes of every file and symlink together (a blob under several
    /// names counts once per name).
    pub total_bytes: u64,
    /// Bytes of any one file.
    pub file_bytes: u64,
}

impl CheckoutLimits {
    pub const DEFAULT_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;
    pub const DEFAULT_FILE_BYTES: u64 = 100 * 1024 * 1024;
}

impl Default for CheckoutLimits {
    fn default() -> Self {
        CheckoutLimits {
            total_bytes: Self::DEFAULT_TOTAL_BYTES,
            file_bytes: Self::DEFAULT_FILE_BYTES,
        }
    }
}

/// Which signatures a revision needs, and whose keys are trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifySettings {
    /// `--verify-signatures`; None: only what gitsync.yaml asks for.
    pub mode: Option<VerifyMode>,
    /// Armored OpenPGP public keys and/or an SSH allowed_signers file, or a
    /// directory of them. Always from outside the repository.
    pub trusted_keys: PathBuf,
}

/// What must carry a trusted signature: the commit, the annotated tag the
/// revision names, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyMode {
    Head,
    Tag,
    TagAndHead,
}

impl VerifyMode {
    pub fn head(self) -> bool {
        matches!(self, VerifyMode::Head | VerifyMode::TagAndHead)
    }

    pub fn tag(self) -> bool {
        matches!(self, VerifyMode::Tag | VerifyMode::TagAndHead)
    }

    /// What both ask for together: a setting can only add requirements.
    pub fn stricter(a: Option<VerifyMode>, b: Option<VerifyMode>) -> Option<VerifyMode> {
        let head = a.is_some_and(Self::head) || b.is_some_and(Self::head);
        let tag = a.is_some_and(Self::tag) || b.is_some_and(Self::tag);
        match (head, tag) {
            (true, true) => Some(VerifyMode::TagAndHead),
            (true, false) => Some(VerifyMode::Head),
            (false, true) => Some(VerifyMode::Tag),
            (false, false) => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VerifyMode::Head => "head",
            VerifyMode::Tag => "tag",
            VerifyMode::TagAndHead => "tag-and-head",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSelection {
    /// No --target: the only target of gitsync.yaml, or the flags alone.
    Default,
    Named(Vec<String>),
    All,
}

#[derive(Debug, Clone)]
pub struct ClusterSettings {
    pub kubeconfig: Option<PathBuf>,
    /// `--trust-repo-kubeconfig`: gitsync.yaml may name a kubeconfig file.
    pub trust_repo_kubeconfig: bool,
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// Longest one API request may take, retries included.
    pub request_timeout: Duration,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            kubeconfig: None,
            trust_repo_kubeconfig: false,
            context: None,
            namespace: None,
            request_timeout: crate::cluster::DEFAULT_REQUEST_TIMEOUT,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    PowerShell,
    Elvish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Flags that shape rendering (helm values, release name, limits).
#[derive(Debug, Clone)]
pub struct RenderSettings {
    pub values: Vec<PathBuf>,
    pub release_name: Option<String>,
    /// Helm's `--kube-version`; overrides the cluster's.
    pub kube_version: Option<String>,
    /// Helm's `--api-versions`; added to the cluster's.
    pub api_versions: Vec<String>,
    /// `--render-timeout`: how long helm or kustomize may run.
    pub timeout: Duration,
    /// Keys for SOPS-encrypted files, loaded on first use.
    pub sops: std::sync::Arc<crate::render::sops::Keys>,
}

impl Default for RenderSettings {
    fn default() -> Self {
        RenderSettings {
            values: Vec::new(),
            release_name: None,
            kube_version: None,
            api_versions: Vec::new(),
            timeout: crate::render::DEFAULT_RENDER_TIMEOUT,
            sops: Default::default(),
        }
    }
}

impl RenderSettings {
    pub fn limits(&self) -> crate::render::Limits {
        crate::render::Limits {
            timeout: self.timeout,
            ..Default::default()
        }
    }
}

impl RenderSettings {
    /// What helm renders for: the flags over the cluster's facts (`None`
    /// without a cluster and without flags: helm's defaults).
    pub fn capabilities(
        &self,
        cluster: Option<crate::render::Capabilities>,
    ) -> Option<crate::render::Capabilities> {
        if cluster.is_none() && self.kube_version.is_none() && self.api_versions.is_empty() {
            return None;
        }
        let mut caps = cluster.unwrap_or_default();
        if self.kube_version.is_some() {
            caps.kube_version = self.kube_version.clone();
        }
        caps.api_versions.extend(self.api_versions.iter().cloned());
        Some(caps)
    }
}

/// Flags that shape a plan (`diff`, and `sync` which plans first).
#[derive(Debug, Clone)]
pub struct PlanSettings {
    pub unified: usize,
    pub concurrency: usize,
    /// ApplySet name (`--name`).
    pub name: Option<String>,
    /// Plan deletes of members Git no longer has (not `--no-prune`).
    pub prune: bool,
    pub force_conflicts: bool,
    pub force_replace: bool,
    /// `--prune-pvcs`: PersistentVolumeClaims may be pruned.
    pub prune_pvcs: bool,
    /// `--take-over`: adopt an ApplySet another repository or path wrote.
    pub take_over: bool,
    /// Run lifecycle hooks (not `--no-hooks`).
    pub hooks: bool,
}

#[derive(Debug, Clone)]
pub struct SyncSettings {
    pub plan: PlanSettings,
    pub dry_run: bool,
    /// How long to wait for another writer of the ApplySet.
    pub lock_timeout: Duration,
    pub allow_empty: bool,
    pub wait: bool,
    /// `--wait-for-jobs`: Jobs are healthy once complete.
    pub wait_for_jobs: bool,
    pub timeout: Duration,
    /// `--override-window`: sync inside a closed sync window (recorded
    /// on the parent).
    pub override_window: bool,
}

#[derive(Debug, Clone)]
pub struct DriftSettings {
    pub name: Option<String>,
    pub fix: bool,
}

#[derive(Debug, Clone)]
pub struct WatchSettings {
    pub name: Option<String>,
    pub interval: Duration,
    pub resync: Duration,
    pub self_heal: bool,
    pub listen: String,
    pub webhook_secret_file: Option<PathBuf>,
    /// `--ui-token-file`: the dashboard's token.
    pub ui_token_file: Option<PathBuf>,
    pub leader_elect: bool,
    pub log_format: LogFormat,
    /// `/healthz` fails once one step has run this long.
    pub stall_timeout: Duration,
    /// On SIGTERM/SIGINT, how long the step in flight may still run.
    pub grace_period: Duration,
    /// `--previews`: reconcile preview environments every interval.
    pub previews: bool,
    /// `--image-interval`: image updates committed and pushed this often.
    pub image_interval: Option<Duration>,
    /// `--image-author`: `Name <email>` of image update commits.
    pub image_author: String,
    pub registry_credentials: Option<PathBuf>,
    pub insecure_registries: Vec<String>,
    /// The branch `--revision` names, for image updates.
    pub revision: Option<String>,
}

impl WatchSettings {
    /// The branch image updates are pushed to: `--revision`'s, else main.
    pub fn image_branch(&self) -> String {
        self.revision
            .as_deref()
            .map(|r| r.strip_prefix("refs/heads/").unwrap_or(r).to_string())
            .unwrap_or_else(|| "main".to_string())
    }

    /// `--image-author` as (name, email).
    pub fn image_author(&self) -> (String, String) {
        match self.image_author.rsplit_once('<') {
            Some((name, email)) => (
                name.trim().to_string(),
                email.trim_end_matches('>').trim().to_string(),
            ),
            None => (self.image_author.trim().to_string(), String::new()),
        }
    }
}

/// `gitsync image list | update`.
#[derive(Debug, Clone)]
pub struct ImageSettings {
    /// `update`; `list` when false.
    pub update: bool,
    pub dry_run: bool,
    pub signing_key: Option<PathBuf>,
    pub registry_credentials: Option<PathBuf>,
    /// Hosts spoken to over plain HTTP.
    pub insecure_registries: Vec<String>,
    /// `--push BRANCH`, to `--push-remote` (default origin).
    pub push: Option<String>,
    pub push_remote: String,
}

/// `gitsync preview …`.
#[derive(Debug, Clone)]
pub enum PreviewAction {
    List,
    Up {
        reference: String,
        wait: bool,
        timeout: Duration,
        lock_timeout: Duration,
    },
    Down {
        reference: String,
        lock_timeout: Duration,
    },
}

/// `promote`: from which target to which, and when it may.
#[derive(Debug, Clone)]
pub struct PromoteSettings {
    pub from: String,
    pub to: String,
    pub soak: Option<Duration>,
    pub dry_run: bool,
    /// `--from`'s ApplySet name (`--name`).
    pub name: Option<String>,
    /// `--signing-key`: sign the promotion commit with this key file.
    pub signing_key: Option<PathBuf>,
    /// `--override-window`: promote into a closed sync window.
    pub override_window: bool,
}

/// `rollback`: which target, to which revision.
#[derive(Debug, Clone)]
pub struct RollbackSettings {
    pub target: String,
    /// `--to`: a revision; `None`: the last healthy one recorded.
    pub to: Option<String>,
    pub dry_run: bool,
    pub name: Option<String>,
    pub signing_key: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Image(ImageSettings),
    Preview {
        render: RenderSettings,
        action: PreviewAction,
    },
    Render {
        render: RenderSettings,
        /// `--reveal-secrets`: SOPS-decrypted values in clear.
        reveal_secrets: bool,
        /// `--explain-vars`: each variable, where it was set and used,
        /// instead of the manifests.
        explain_vars: bool,
    },
    Diff {
        render: RenderSettings,
        plan: PlanSettings,
        /// `--base REV`: compare Git at REV with Git, offline.
        base: Option<String>,
    },
    Sync {
        render: RenderSettings,
        sync: SyncSettings,
    },
    Drift {
        render: RenderSettings,
        drift: DriftSettings,
    },
    Watch {
        render: RenderSettings,
        watch: WatchSettings,
    },
    Promote {
        render: RenderSettings,
        promote: PromoteSettings,
    },
    Rollback {
        render: RenderSettings,
        rollback: RollbackSettings,
    },
    Status {
        render: RenderSettings,
        /// ApplySet name (`--name`).
        name: Option<String>,
    },
    /// `health explain KIND/NAME`.
    HealthExplain {
        /// `KIND/NAME` as given (`Certificate/web`, `certificates.cert-manager.io/web`).
        object: String,
        /// `--wait-for-jobs`: explain a Job as sync with that flag would.
        wait_for_jobs: bool,
    },
    Completions {
        shell: CompletionShell,
    },
}
