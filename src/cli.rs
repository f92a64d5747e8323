//! Command-line types (clap). Nothing outside this module sees them: `Cli`
//! is resolved into the plain settings structs of [`crate::settings`] before
//! any work starts, so the core never depends on how flags are spelled.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::settings::{
    ClusterSettings, ColorChoice, Command, CompletionShell, DriftSettings, ImageSettings,
    LogFormat, OutputFormat, PlanSettings, PreviewAction, PromoteSettings, RollbackSettings,
    Settings, SourceSettings, SyncSettings, TargetSelection, VerifyMode, VerifySettings,
    WatchSettings,
};

/// Keep a Kubernetes cluster equal to what a Git repository says.
///
/// Git is the single source of truth: gitsync renders the manifests of a
/// repository (plain YAML, kustomize or helm), compares them with the live
/// cluster through server-side apply dry runs, and applies, prunes and waits.
#[derive(Debug, Parser)]
#[command(
    name = "gitsync",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: CommandArgs,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Repository to read: a local path (its work tree, uncommitted edits
    /// included) or a URL (https://, ssh://, git@host:path, file://), which is
    /// cloned once into a cache and fetched incrementally after that.
    #[arg(long, global = true, default_value = ".", value_name = "PATH|URL")]
    pub repo: String,

    /// Commit to read (branch, tag, short or full SHA) from the object
    /// database instead of the work tree. For a URL: defaults to the
    /// remote's HEAD.
    #[arg(long, global = true, value_name = "REF")]
    pub revision: Option<String>,

    /// Directory inside the repository holding the manifests (default: the
    /// repository root, or the target's path in gitsync.yaml).
    #[arg(long, global = true, value_name = "DIR")]
    pub path: Option<PathBuf>,

    /// Refuse a revision without a trusted signature: on its commit
    /// (head), on the annotated tag --revision names (tag), or both
    /// (tag-and-head). Needs --trusted-keys. A work tree cannot be
    /// verified: give --revision.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "MODE",
        requires = "trusted_keys"
    )]
    pub verify_signatures: Option<VerifyArg>,

    /// Keys whose signatures are trusted: a file or directory of armored
    /// OpenPGP public keys and/or SSH allowed_signers files. Alone, it
    /// verifies only what gitsync.yaml's verifySignatures asks for.
    #[arg(long, global = true, value_name = "PATH")]
    pub trusted_keys: Option<PathBuf>,

    /// Most bytes a commit's files may take together when written to disk
    /// (a --revision, or any URL); checked before anything is written.
    /// Units: B, KiB, MiB, GiB (also K, M, G).
    #[arg(long, global = true, default_value = "1GiB", value_parser = parse_size, value_name = "SIZE")]
    pub max_checkout_size: u64,

    /// Most bytes any one file of a commit may have when written to disk.
    #[arg(long, global = true, default_value = "100MiB", value_parser = parse_size, value_name = "SIZE")]
    pub max_checkout_file_size: u64,

    /// Target of gitsync.yaml to use (an app of `apps:`: all its targets);
    /// repeat for several.
    #[arg(long = "target", global = true, value_name = "NAME")]
    pub targets: Vec<String>,

    /// Use every target of gitsync.yaml.
    #[arg(long, global = true, conflicts_with = "targets")]
    pub all_targets: bool,

    /// How many of several targets diff, sync, drift and status work on
    /// at once.
    #[arg(long, global = true, default_value_t = 4, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallel_targets: u16,

    /// Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Let gitsync.yaml name kubeconfig files (cluster.kubeconfig). Off by
    /// default: a kubeconfig can run programs (exec credential plugins), and
    /// the repository is written by whoever can push or open a pull request.
    #[arg(long, global = true)]
    pub trust_repo_kubeconfig: bool,

    /// Kubeconfig context to use (default: its current context).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// Namespace for namespaced objects that name none (default: the
    /// context's namespace, else `default`).
    #[arg(short = 'n', long, global = true, value_name = "NAME")]
    pub namespace: Option<String>,

    /// Longest one request to the API server may take (connecting,
    /// answering and retries of transient errors included); a hung or
    /// unreachable server is an error after this long.
    #[arg(long, global = true, default_value = "30s", value_parser = parse_duration, value_name = "DURATION")]
    pub request_timeout: Duration,

    /// Output format of results on stdout.
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputArg::Text)]
    pub output: OutputArg,

    /// When to colour output. NO_COLOR in the environment means never.
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,

    /// More log output on stderr (-v info, -vv debug, -vvv trace). RUST_LOG
    /// overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Never draw progress bars (they are only drawn on a terminal anyway).
    #[arg(long, global = true)]
    pub no_progress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputArg {
    /// Human-readable text (YAML for `render`).
    #[value(alias = "yaml")]
    Text,
    /// JSON with a stable schema, for CI.
    Json,
    /// Markdown, for pull-request comments.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyArg {
    /// The commit is signed by a trusted key.
    Head,
    /// The annotated tag --revision names is signed by a trusted key.
    Tag,
    /// Both.
    TagAndHead,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum CommandArgs {
    /// Show what would change if the cluster were synced now.
    ///
    /// Exit codes: 0 nothing would change, 1 changes found, 2 error.
    Diff(DiffArgs),

    /// Make the cluster match Git: apply, prune what Git removed, wait healthy.
    ///
    /// Exit codes: 0 applied and healthy, 2 error, 3 applied but not healthy
    /// before --timeout.
    Sync(SyncArgs),

    /// Show what was changed in the cluster behind Git's back, and by whom.
    ///
    /// Exit codes: 0 no drift, 1 drift found, 2 error.
    Drift(DriftArgs),

    /// Run the pull / compare / sync loop as a daemon, self-healing drift.
    Watch(WatchArgs),

    /// Show per target what its cluster runs: the revision last synced
    /// (when, by whose commit), health, drift, and whether Git is ahead.
    ///
    /// Exit codes: 0 shown (whatever the targets' state), 2 error (a
    /// target that could not be looked at is reported beside the others).
    Status(StatusArgs),

    /// Promote the revision one target last synced to another target:
    /// write it as that target's `revision:` in gitsync.yaml and commit.
    ///
    /// Only when the source target is healthy and free of drift (and was
    /// synced at least --soak ago). Exit codes: 0 promoted (or already
    /// there; with --dry-run: printed), 2 refused (the reason on stderr)
    /// or error.
    Promote(PromoteArgs),

    /// Pin a target back to the revision it last ran healthy (or to
    /// --to REV), as a commit to gitsync.yaml: its `revision:`, or for a
    /// target generated from `apps:` the app's `pins:` entry for its
    /// cluster. Sync (or watch) then keeps that revision instead of
    /// fighting it; remove the pin to follow the branch again.
    ///
    /// Exit codes: 0 committed (or already pinned there), 2 error or refused.
    Rollback(RollbackArgs),

    /// Print the desired objects as YAML (or a JSON list with -o json),
    /// in apply order. Needs no cluster.
    ///
    /// Exit codes: 0 rendered, 2 invalid input.
    Render(RenderArgs),

    /// Look at the health of objects as sync judges it.
    #[command(subcommand)]
    Health(HealthArgs),

    /// Image updates: the newest image each gitsync.yaml `images:` policy
    /// allows, written into the marked scalars of the repository's files.
    #[command(subcommand)]
    Image(ImageArgs),

    /// Preview environments: one namespace per pull request (or any ref
    /// a `previews:` entry of gitsync.yaml matches), for CI.
    #[command(subcommand)]
    Preview(PreviewArgs),

    /// Print a shell completion script.
    Completions {
        /// Shell to generate the script for.
        #[arg(value_enum)]
        shell: ShellArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum HealthArgs {
    /// Say which rule decides one live object's health (gitsync.yaml's
    /// healthCheckExprs, a built-in rule for a custom resource, Job
    /// completion, or kstatus) and why it is what it is now.
    ///
    /// Exit codes: 0 healthy (current), 1 not healthy (in progress,
    /// failed, terminating), 2 error (not found, unknown kind).
    Explain {
        /// The object: KIND/NAME, where KIND is a kind or its plural in
        /// any case, optionally with its group (certificates.cert-manager.io/web).
        #[arg(value_name = "KIND/NAME")]
        object: String,

        /// Judge a Job as `sync --wait-for-jobs` does: healthy only once
        /// complete.
        #[arg(long)]
        wait_for_jobs: bool,
    },
}

#[derive(Debug, Args)]
pub struct RegistryFlags {
    /// A Docker config.json whose `auths` hold registry credentials
    /// (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json).
    #[arg(long, value_name = "FILE")]
    pub registry_credentials: Option<PathBuf>,

    /// A registry host (`HOST[:PORT]`) spoken to over plain HTTP
    /// (loopback hosts always are); repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registries: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ImageArgs {
    /// Per policy: what Git holds, the newest allowed tag, and why others
    /// were passed over.
    ///
    /// Exit codes: 0 listed, 2 error.
    List {
        #[command(flatten)]
        registry: RegistryFlags,
    },

    /// Write the newest allowed images into the marked files, as one
    /// commit of the local repository listing each change.
    ///
    /// Exit codes: 0 committed, or nothing newer (no commit), or
    /// --dry-run printed; 2 error (no commit).
    Update {
        #[command(flatten)]
        registry: RegistryFlags,
        /// Print the changes as a diff; commit nothing.
        #[arg(long)]
        dry_run: bool,
        /// Sign the commit with this key (as `promote --signing-key`).
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
        /// Push the commit to this branch (runs `git push`, bounded, no
        /// prompt); a push rejected because the branch moved is made
        /// again once on its new tip.
        #[arg(long, value_name = "BRANCH")]
        push: Option<String>,
        /// The remote --push pushes to.
        #[arg(long, value_name = "NAME", default_value = "origin", requires = "push")]
        push_remote: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PreviewArgs {
    /// Every preview the remote's refs ask for and every one open, with
    /// its commit, namespace, health, URL and state (open, outdated,
    /// pending, closing, orphaned).
    ///
    /// Exit codes: 0 listed, 2 error.
    List {
        #[command(flatten)]
        render: RenderFlags,
    },

    /// Open the preview of REF, or bring it to REF's commit: render the
    /// entry's target at REF into the preview's namespace, sync, wait.
    ///
    /// Exit codes: 0 up and healthy, 2 error or refused (isolation, max,
    /// ttl), 3 synced but not healthy before --timeout.
    Up {
        /// The ref as the remote names it, e.g. refs/pull/1/head.
        #[arg(value_name = "REF")]
        reference: String,
        #[command(flatten)]
        render: RenderFlags,
        /// Do not wait for the preview's objects to become healthy.
        #[arg(long)]
        no_wait: bool,
        /// How long to wait for health (e.g. 90s, 5m).
        #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
        timeout: Duration,
        /// How long to wait while another writer holds the preview.
        #[arg(long, default_value = "2m", value_parser = parse_duration, value_name = "DURATION")]
        lock_timeout: Duration,
    },

    /// Close the preview of REF: delete everything it created, then its
    /// namespace, and nothing else.
    ///
    /// Exit codes: 0 closed (or none was open), 2 error or refused.
    Down {
        /// The ref as the remote names it, e.g. refs/pull/1/head.
        #[arg(value_name = "REF")]
        reference: String,
        #[command(flatten)]
        render: RenderFlags,
        /// How long to wait while another writer holds the preview.
        #[arg(long, default_value = "2m", value_parser = parse_duration, value_name = "DURATION")]
        lock_timeout: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Debug, Args)]
pub struct RenderFlags {
    /// Helm values file for a chart, relative to the repository (repeatable;
    /// adds to the target's values files).
    #[arg(long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,

    /// Helm release name (default: the target's name, else the chart's name).
    #[arg(long, value_name = "NAME")]
    pub release_name: Option<String>,

    /// Kubernetes version helm renders for (.Capabilities.KubeVersion).
    /// Default: the connected cluster's; `render`, which connects to no
    /// cluster, leaves helm's built-in default (v1.20.0).
    #[arg(long, value_name = "VERSION")]
    pub kube_version: Option<String>,

    /// API versions helm may assume (.Capabilities.APIVersions), e.g.
    /// `monitoring.coreos.com/v1` or `apps/v1/Deployment`; repeatable or
    /// comma-separated. Default: what the connected cluster serves;
    /// `render` assumes only helm's built-in API versions.
    #[arg(long, value_name = "GROUP/VERSION[/KIND]", value_delimiter = ',')]
    pub api_versions: Vec<String>,
    /// How long helm or kustomize may run for one directory before it is
    /// stopped (e.g. 90s, 5m).
    #[arg(long, default_value = "5m", value_parser = parse_positive_duration, value_name = "DURATION")]
    pub render_timeout: Duration,

    /// age identities for SOPS-encrypted files (only this file; without
    /// it: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, else
    /// $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt).
    #[arg(long, value_name = "FILE")]
    pub sops_age_key_file: Option<PathBuf>,

    /// Armored OpenPGP secret keys (no passphrase) for SOPS-encrypted files.
    #[arg(long, env = "SOPS_PGP_KEY_FILE", value_name = "FILE")]
    pub sops_pgp_key_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub render: RenderFlags,

    /// Print the values of SOPS-encrypted documents in clear (default:
    /// masked, like every Secret value in the other commands' output).
    #[arg(long, conflicts_with = "no_decrypt")]
    pub reveal_secrets: bool,

    /// Decrypt nothing: every SOPS-encrypted value renders as a
    /// placeholder and no key is read. For untrusted pull requests, whose
    /// templates could carry a decrypted value out in another form.
    #[arg(long)]
    pub no_decrypt: bool,

    /// Instead of the manifests, each target's `${name}` variables: the
    /// value, where gitsync.yaml set it and which documents use it.
    #[arg(long)]
    pub explain_vars: bool,
}

#[derive(Debug, Args)]
pub struct PlanFlags {
    /// Lines of context around each change in text diffs (like diff -U).
    #[arg(short = 'U', long, default_value_t = 3, value_name = "LINES")]
    pub unified: usize,

    /// Name of the ApplySet that owns this target's objects (default:
    /// derived from the repository and the target's path).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Server-side dry runs sent at once.
    #[arg(long, default_value_t = 16, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,

    /// Do not delete objects that Git no longer has.
    #[arg(long)]
    pub no_prune: bool,

    /// Take over fields owned by other field managers instead of failing.
    #[arg(long)]
    pub force_conflicts: bool,

    /// Delete and recreate objects whose change touches an immutable field.
    #[arg(long)]
    pub force_replace: bool,

    /// Allow pruning PersistentVolumeClaims, whose volumes' data may be
    /// deleted with them (refused otherwise).
    #[arg(long)]
    pub prune_pvcs: bool,

    /// Use an ApplySet whose parent records another repository or path
    /// (refused otherwise: both would prune each other's objects).
    #[arg(long)]
    pub take_over: bool,
    /// Do not run lifecycle hooks (Argo CD and Helm hooks); they are
    /// listed as not run.
    #[arg(long)]
    pub no_hooks: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub render: RenderFlags,
    #[command(flatten)]
    pub plan: PlanFlags,

    /// Decrypt nothing: every SOPS-encrypted value renders as a
    /// placeholder (shown as a change, masked) and no key is read. For
    /// untrusted pull requests, whose templates could carry a decrypted
    /// value out in another form.
    #[arg(long)]
    pub no_decrypt: bool,

    /// Compare Git at REV (a branch, tag or commit) with the revision read
    /// (--revision, or the work tree) instead of with the cluster: both are
    /// rendered offline, no kubeconfig is read and no cluster is asked.
    /// For pull requests, also from forks.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub render: RenderFlags,
    #[command(flatten)]
    pub plan: PlanFlags,

    /// Print the plan exactly as `diff` does and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Allow an empty desired set to prune every member of the ApplySet.
    #[arg(long)]
    pub allow_empty: bool,

    /// Do not wait for applied objects to become healthy.
    #[arg(long)]
    pub no_wait: bool,

    /// Wait for Jobs to complete (a failed Job fails the sync, naming its
    /// Pods' exit codes), not only to start. Per Job, the annotation
    /// gitsync.io/wait-for-completion ("true" or "false") decides instead.
    #[arg(long, conflicts_with = "no_wait")]
    pub wait_for_jobs: bool,

    /// How long to wait for health (e.g. 90s, 5m, 1h).
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// Sync targets whose sync windows are closed now (gitsync.yaml
    /// `windows:`); the override is recorded on each target's ApplySet.
    #[arg(long)]
    pub override_window: bool,

    /// How long to wait while another sync (or watch) writes the same
    /// ApplySet before failing with its name (0s: do not wait).
    #[arg(long, default_value = "2m", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub render: RenderFlags,

    /// Name of the ApplySet (as given to `sync --name`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Re-apply the drifted objects at the last synced revision.
    #[arg(long)]
    pub fix: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub render: RenderFlags,

    /// Name of the ApplySet (as given to `sync --name`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    #[command(flatten)]
    pub render: RenderFlags,

    /// Target whose last synced revision is promoted.
    #[arg(long, value_name = "TARGET")]
    pub from: String,

    /// Target whose `revision:` in gitsync.yaml is set to it.
    #[arg(long, value_name = "TARGET")]
    pub to: String,

    /// Refuse unless --from was synced at least this long ago (e.g. 1h).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub soak: Option<Duration>,

    /// Print the change to gitsync.yaml and the commit message; commit
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Name of --from's ApplySet (as given to `sync --name`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Promote although --to's sync windows are closed now (said in the
    /// commit message).
    #[arg(long)]
    pub override_window: bool,

    /// Sign the commit with this key, so that targets verifying
    /// signatures accept it: an OpenSSH private key or an armored OpenPGP
    /// secret key, without a passphrase.
    #[arg(long, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub render: RenderFlags,

    /// The target to roll back (`APP@CLUSTER` for a generated one).
    #[arg(value_name = "TARGET")]
    pub target: String,

    /// Pin to this revision (branch, tag or commit) instead of the last
    /// healthy one its ApplySet records.
    #[arg(long, value_name = "REV")]
    pub to: Option<String>,

    /// Print the change to gitsync.yaml and the commit message; commit
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Name of the target's ApplySet (as given to `sync --name`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Sign the commit with this key (as `promote --signing-key`).
    #[arg(long, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub render: RenderFlags,

    /// Name of the ApplySet (as given to `sync --name`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// How often to ask whether the remote moved.
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub interval: Duration,

    /// Full resync period, a safety net beside the watch streams.
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub resync: Duration,

    /// Only report and count drift; do not revert it.
    #[arg(long)]
    pub no_self_heal: bool,

    /// Address of the HTTP server (/healthz, /readyz, /metrics, /webhook).
    #[arg(long, default_value = "127.0.0.1:9090", value_name = "ADDR")]
    pub listen: String,

    /// File holding the secret that authenticates POST /webhook.
    #[arg(long, value_name = "FILE")]
    pub webhook_secret_file: Option<PathBuf>,

    /// File holding the token that opens the dashboard (/, /api) to
    /// clients sent it, and enables its "refresh now" button. Without
    /// it the dashboard is served only on a loopback --listen.
    #[arg(long, value_name = "FILE")]
    pub ui_token_file: Option<PathBuf>,

    /// Hold a coordination.k8s.io Lease per target so that only one
    /// replica acts on each; several replicas spread the targets.
    #[arg(long)]
    pub leader_elect: bool,

    /// Also ask the registries of gitsync.yaml's `images:` policies this
    /// often, and commit and push any update to the branch followed
    /// (--revision's, else main); it is then synced as any commit.
    /// Needs --repo as a URL.
    #[arg(long, value_parser = parse_positive_duration, value_name = "DURATION")]
    pub image_interval: Option<Duration>,

    /// Author and committer of image update commits.
    #[arg(
        long,
        value_name = "NAME <EMAIL>",
        default_value = "gitsync <gitsync@localhost>"
    )]
    pub image_author: String,

    #[command(flatten)]
    pub registry: RegistryFlags,

    /// Also open, update and close preview environments (gitsync.yaml
    /// `previews:`) as their refs appear, move and disappear, or their
    /// TTL passes; checked every --interval.
    #[arg(long)]
    pub previews: bool,

    /// Log line format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormatArg::Text)]
    pub log_format: LogFormatArg,

    /// /healthz fails (503) once one step (poll, sync, heal) has been
    /// running this long, so that a wedged daemon gets restarted.
    #[arg(long, default_value = "5m", value_parser = parse_duration, value_name = "DURATION")]
    pub stall_timeout: Duration,

    /// On SIGTERM or SIGINT, how long the step in flight may still run
    /// (no new write starts meanwhile). Keep it below the pod's
    /// terminationGracePeriodSeconds (120 in deploy/).
    #[arg(long, default_value = "110s", value_parser = parse_duration, value_name = "DURATION")]
    pub grace_period: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormatArg {
    Text,
    Json,
}

/// Parses `90s`, `5m`, `1h`, `1h30m` or a bare number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let err = || format!("invalid duration {s:?}: use e.g. 30s, 5m, 1h30m");
    if s.is_empty() {
        return Err(err());
    }
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            "ms"
        } else {
            match c {
                'h' => "h",
                'm' => "m",
                's' => "s",
                _ => return Err(err()),
            }
        };
        let n: u64 = num.parse().map_err(|_| err())?;
        num.clear();
        total += match unit {
            "h" => Duration::from_secs(n * 3600),
            "m" => Duration::from_secs(n * 60),
            "s" => Duration::from_secs(n),
            _ => Duration::from_millis(n),
        };
    }
    if !num.is_empty() {
        return Err(err());
    }
    Ok(total)
}

/// Parses `1GiB`, `100MiB`, `512K` or a bare number of bytes (binary
/// units, with or without `iB`); more than zero.
fn parse_size(s: &str) -> Result<u64, String> {
    let err = || format!("invalid size {s:?}: use e.g. 500MiB, 2GiB or a number of bytes");
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| err())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        "t" | "tib" => 40,
        _ => return Err(err()),
    };
    match n.checked_mul(1 << shift) {
        Some(0) => Err(format!("{s:?}: must be more than zero")),
        Some(bytes) => Ok(bytes),
        None => Err(err()),
    }
}

fn parse_positive_duration(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        Duration::ZERO => Err(format!("{s:?}: must be more than zero")),
        d => Ok(d),
    }
}

/// What `gitsync --version` prints after the name: the crate's version and
/// the commit it was built from (`unknown` outside a Git checkout; see
/// build.rs). The man pages keep the bare version, so they do not go stale
/// with every commit.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("GITSYNC_COMMIT"),
    ")"
);

/// The file name kubectl looks for to run `kubectl gitsync`.
pub const KUBECTL_PLUGIN: &str = "kubectl-gitsync";

impl Cli {
    /// Parses the process's arguments. Installed as `kubectl-gitsync`,
    /// kubectl runs it as `kubectl gitsync`, and help, usage and errors
    /// name it that way.
    pub fn parse_args() -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let mut cmd = Cli::command().version(VERSION);
        if let Some(argv0) = args.first()
            && invoked_as_kubectl_plugin(argv0)
        {
            cmd = cmd.bin_name("kubectl gitsync");
        }
        let matches = cmd.get_matches_from(args);
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }

    /// Resolves flags and environment into plain settings.
    pub fn into_settings(self) -> Settings {
        let g = self.global;
        let g_revision = g.revision.clone();
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match g.color {
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
            ColorArg::Auto if no_color_env => ColorChoice::Never,
            ColorArg::Auto => ColorChoice::Auto,
        };
        let source = SourceSettings {
            repo: g.repo,
            revision: g.revision,
            path: g.path,
            verify: g.trusted_keys.map(|trusted_keys| VerifySettings {
                mode: g.verify_signatures.map(|m| match m {
                    VerifyArg::Head => VerifyMode::Head,
                    VerifyArg::Tag => VerifyMode::Tag,
                    VerifyArg::TagAndHead => VerifyMode::TagAndHead,
                }),
                trusted_keys,
            }),
            checkout: crate::settings::CheckoutLimits {
                total_bytes: g.max_checkout_size,
                file_bytes: g.max_checkout_file_size,
            },
        };
        let targets = if g.all_targets {
            TargetSelection::All
        } else if g.targets.is_empty() {
            TargetSelection::Default
        } else {
            TargetSelection::Named(g.targets)
        };
        let cluster = ClusterSettings {
            kubeconfig: g.kubeconfig,
            trust_repo_kubeconfig: g.trust_repo_kubeconfig,
            context: g.context,
            namespace: g.namespace,
            request_timeout: g.request_timeout,
        };
        let output = match g.output {
            OutputArg::Text => OutputFormat::Text,
            OutputArg::Json => OutputFormat::Json,
            OutputArg::Markdown => OutputFormat::Markdown,
        };
        let render_decrypting = |r: RenderFlags, decrypt: bool| crate::settings::RenderSettings {
            values: r.values,
            release_name: r.release_name,
            kube_version: r.kube_version,
            api_versions: r.api_versions,
            timeout: r.render_timeout,
            sops: std::sync::Arc::new(if decrypt {
                crate::render::sops::Keys::new(crate::render::sops::KeyConfig::from_env(
                    r.sops_age_key_file,
                    r.sops_pgp_key_file,
                ))
            } else {
                crate::render::sops::Keys::without_decryption()
            }),
        };
        let render_of = |r: RenderFlags| render_decrypting(r, true);
        let plan_of = |p: PlanFlags| PlanSettings {
            unified: p.unified,
            concurrency: usize::from(p.concurrency),
            name: p.name,
            prune: !p.no_prune,
            force_conflicts: p.force_conflicts,
            force_replace: p.force_replace,
            prune_pvcs: p.prune_pvcs,
            take_over: p.take_over,
            hooks: !p.no_hooks,
        };
        let command = match self.command {
            CommandArgs::Render(a) => Command::Render {
                render: render_decrypting(a.render, !a.no_decrypt),
                reveal_secrets: a.reveal_secrets,
                explain_vars: a.explain_vars,
            },
            CommandArgs::Diff(a) => Command::Diff {
                render: render_decrypting(a.render, !a.no_decrypt),
                plan: plan_of(a.plan),
                base: a.base,
            },
            CommandArgs::Sync(a) => Command::Sync {
                render: render_of(a.render),
                sync: SyncSettings {
                    plan: plan_of(a.plan),
                    dry_run: a.dry_run,
                    lock_timeout: a.lock_timeout,
                    allow_empty: a.allow_empty,
                    wait: !a.no_wait,
                    wait_for_jobs: a.wait_for_jobs,
                    timeout: a.timeout,
                    override_window: a.override_window,
                },
            },
            CommandArgs::Drift(a) => Command::Drift {
                render: render_of(a.render),
                drift: DriftSettings {
                    name: a.name,
                    fix: a.fix,
                },
            },
            CommandArgs::Status(a) => Command::Status {
                render: render_of(a.render),
                name: a.name,
            },
            CommandArgs::Promote(a) => Command::Promote {
                render: render_of(a.render),
                promote: PromoteSettings {
                    from: a.from,
                    to: a.to,
                    soak: a.soak,
                    dry_run: a.dry_run,
                    name: a.name,
                    signing_key: a.signing_key,
                    override_window: a.override_window,
                },
            },
            CommandArgs::Rollback(a) => Command::Rollback {
                render: render_of(a.render),
                rollback: RollbackSettings {
                    target: a.target,
                    to: a.to,
                    dry_run: a.dry_run,
                    name: a.name,
                    signing_key: a.signing_key,
                },
            },
            CommandArgs::Watch(a) => Command::Watch {
                render: render_of(a.render),
                watch: WatchSettings {
                    name: a.name,
                    interval: a.interval,
                    resync: a.resync,
                    self_heal: !a.no_self_heal,
                    listen: a.listen,
                    webhook_secret_file: a.webhook_secret_file,
                    ui_token_file: a.ui_token_file,
                    leader_elect: a.leader_elect,
                    log_format: match a.log_format {
                        LogFormatArg::Text => LogFormat::Text,
                        LogFormatArg::Json => LogFormat::Json,
                    },
                    stall_timeout: a.stall_timeout,
                    grace_period: a.grace_period,
                    previews: a.previews,
                    image_interval: a.image_interval,
                    image_author: a.image_author,
                    registry_credentials: a.registry.registry_credentials,
                    insecure_registries: a.registry.insecure_registries,
                    revision: g_revision.clone(),
                },
            },
            CommandArgs::Image(ImageArgs::List { registry }) => Command::Image(ImageSettings {
                update: false,
                dry_run: false,
                signing_key: None,
                registry_credentials: registry.registry_credentials,
                insecure_registries: registry.insecure_registries,
                push: None,
                push_remote: String::new(),
            }),
            CommandArgs::Image(ImageArgs::Update {
                registry,
                dry_run,
                signing_key,
                push,
                push_remote,
            }) => Command::Image(ImageSettings {
                update: true,
                dry_run,
                signing_key,
                registry_credentials: registry.registry_credentials,
                insecure_registries: registry.insecure_registries,
                push,
                push_remote,
            }),
            CommandArgs::Preview(PreviewArgs::List { render }) => Command::Preview {
                render: render_of(render),
                action: PreviewAction::List,
            },
            CommandArgs::Preview(PreviewArgs::Up {
                reference,
                render,
                no_wait,
                timeout,
                lock_timeout,
            }) => Command::Preview {
                render: render_of(render),
                action: PreviewAction::Up {
                    reference,
                    wait: !no_wait,
                    timeout,
                    lock_timeout,
                },
            },
            CommandArgs::Preview(PreviewArgs::Down {
                reference,
                render,
                lock_timeout,
            }) => Command::Preview {
                render: render_of(render),
                action: PreviewAction::Down {
                    reference,
                    lock_timeout,
                },
            },
            CommandArgs::Health(HealthArgs::Explain {
                object,
                wait_for_jobs,
            }) => Command::HealthExplain {
                object,
                wait_for_jobs,
            },
            CommandArgs::Completions { shell } => Command::Completions {
                shell: match shell {
                    ShellArg::Bash => CompletionShell::Bash,
                    ShellArg::Zsh => CompletionShell::Zsh,
                    ShellArg::Fish => CompletionShell::Fish,
                    ShellArg::Powershell => CompletionShell::PowerShell,
                    ShellArg::Elvish => CompletionShell::Elvish,
                },
            },
        };
        Settings {
            source,
            targets,
            cluster,
            output,
            color,
            verbose: g.verbose,
            quiet: g.quiet,
            progress: !g.no_progress,
            parallel_targets: usize::from(g.parallel_targets),
            command,
        }
    }
}

/// kubectl runs a plugin by its path; `.exe` on Windows.
fn invoked_as_kubectl_plugin(argv0: &std::ffi::OsStr) -> bool {
    std::path::Path::new(argv0)
        .file_stem()
        .is_some_and(|stem| stem == KUBECTL_PLUGIN)
}

/// Writes the completion script for `shell` (the files in `completions/`
/// are generated by this).
pub fn write_completions(shell: CompletionShell, out: &mut dyn std::io::Write) {
    use clap::CommandFactory;
    use clap_complete::Shell;
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::PowerShell => Shell::PowerShell,
        CompletionShell::Elvish => Shell::Elvish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "gitsync", out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn kubectl_plugin_is_recognised_by_file_name() {
        for (argv0, plugin) in [
            ("/usr/local/bin/kubectl-gitsync", true),
            ("kubectl-gitsync", true),
            ("C:\\bin\\kubectl-gitsync.exe", cfg!(windows)),
            ("kubectl-gitsync.exe", true),
            ("/usr/bin/gitsync", false),
            ("kubectl-gitsync-old", false),
        ] {
            assert_eq!(invoked_as_kubectl_plugin(argv0.as_ref()), plugin, "{argv0}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("42"), Ok(Duration::from_secs(42)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5m3").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn global_flags_resolve_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "gitsync", "diff", "--repo", "/r", "-n", "shop", "--target", "a", "--target", "b",
            "-o", "json",
        ])
        .unwrap();
        let s = cli.into_settings();
        assert_eq!(s.source.repo, "/r");
        assert_eq!(s.cluster.namespace.as_deref(), Some("shop"));
        assert_eq!(
            s.targets,
            TargetSelection::Named(vec!["a".into(), "b".into()])
        );
        assert_eq!(s.output, OutputFormat::Json);
    }

    #[test]
    fn target_and_all_targets_conflict() {
        assert!(
            Cli::try_parse_from(["gitsync", "render", "--target", "a", "--all-targets"]).is_err()
        );
    }
}
