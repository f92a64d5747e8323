//! The sync engine: one object per target that holds its cluster, its
//! ApplySet and the parent as read at the start of the run, with one verb
//! per job: [`Engine::plan`] (diff), [`Engine::sync`] (apply in stages,
//! prune, record, wait), [`Engine::apply`] (drift healing and `--fix`) and
//! [`Engine::health`]. Commands and the watch daemon compose these verbs;
//! they never talk to the API server themselves.

mod apply;
mod close;
mod gate;
mod hooks;
mod lock;
mod noop;
mod planning;
mod prune;
mod sync;
mod wait;

use std::sync::Arc;
use std::time::Instant;

use crate::cluster::applyset::{self, ApplySet, ApplySetError, Parent};
use crate::cluster::{Cluster, ClusterError, ConnectOptions};
use crate::config::Target;
use crate::desired::{DesiredSet, ObjectId};
use crate::health::{Health, Rules};
use crate::plan::{Action, Change, Plan};

pub use close::Closed;
pub use hooks::{HookOutcome, HookResult};
pub use lock::WriteLock;
pub use sync::{
    Counts, HEALTH, HEALTHY_SINCE, LAST_HEALTHY, ObjectOutcome, ObjectResult, Record, SyncOptions,
    SyncOutcome,
};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("connecting to the cluster")]
    Connect(#[source] Box<ClusterError>),
    #[error("reading ApplySet {namespace}/{name}")]
    ReadParent {
        namespace: String,
        name: String,
        #[source]
        source: Box<ApplySetError>,
    },
    #[error("listing the members of ApplySet {name}")]
    ListMembers {
        name: String,
        #[source]
        source: Box<ClusterError>,
    },
    #[error("planning against {server}")]
    Plan {
        server: String,
        #[source]
        source: Box<ClusterError>,
    },
    #[error("{0}")]
    Record(&'static str, #[source] Box<ClusterError>),
    #[error(
        "the desired set is empty but ApplySet {name} has {members} member{s}: refusing to delete them all (pass --allow-empty if that is really what Git says)",
        s = if *members == 1 { "" } else { "s" }
    )]
    EmptySet { name: String, members: usize },
    #[error("{0}")]
    CrdsNotEstablished(String),
    #[error("{0}")]
    Lock(String),
    /// The ApplySet's parent records another repository or path.
    #[error("{0}")]
    Foreign(String),
    /// Reading one object failed (`health explain`).
    #[error("{0}")]
    Read(String),
    #[error("refreshing discovery after creating CRDs")]
    Discovery(#[source] Box<ClusterError>),
}

/// How a plan treats ownership and immutable fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Live members absent from Git become deletes.
    pub prune: bool,
    /// Plan immutable-field changes as delete-and-recreate instead of an
    /// error.
    pub force_replace: bool,
    /// Plan taking over fields other managers own instead of an error.
    pub force_conflicts: bool,
    /// Allow pruning PersistentVolumeClaims (their volumes' data may go).
    pub prune_pvcs: bool,
}

/// Whether new writes may start. Closed by an interrupt (SIGINT/SIGTERM),
/// in `watch` by losing the leader Lease, and by losing the write Lease
/// ([`Engine::lock`]); writes already in flight finish, nothing new
/// starts. Checked before every write, prune and hook wave.
#[derive(Clone)]
pub struct WriteGate {
    closed: Arc<dyn Fn() -> Option<String> + Send + Sync>,
    /// The write Lease the engine holds, set by [`Engine::lock`].
    lease: Option<lock::Holding>,
}

impl WriteGate {
    /// Always open.
    pub fn open() -> WriteGate {
        WriteGate::new(|| None)
    }

    /// `closed` says why writes must stop, or `None` while they may go on.
    pub fn new(closed: impl Fn() -> Option<String> + Send + Sync + 'static) -> WriteGate {
        WriteGate {
            closed: Arc::new(closed),
            lease: None,
        }
    }

    /// Why no new write may start, if so.
    pub fn closed(&self) -> Option<String> {
        (self.closed)().or_else(|| self.lease.as_ref()?.closed(Instant::now()))
    }
}

pub struct Engine {
    pub cluster: Cluster,
    pub applyset: ApplySet,
    /// The parent as it was when the engine connected (`None`: never
    /// synced).
    pub parent: Option<Parent>,
    /// Requests (dry runs, applies, LISTs) in flight at once.
    pub concurrency: usize,
    /// Checked before every write.
    pub gate: WriteGate,
    /// The target's health rules (gitsync.yaml's `healthCheckExprs`).
    pub health_rules: Rules,
    /// The target's `ignoreDifferences`: fields planning does not compare
    /// and sync does not send.
    pub ignore: crate::ignore::IgnoreRules,
}

/// Where `target`'s cluster is, as its gitsync.yaml entry and flags say.
fn connect_options(target: &Target) -> ConnectOptions<'_> {
    ConnectOptions {
        kubeconfig: target.kubeconfig.as_deref(),
        context: target.context.as_deref(),
        namespace: target.namespace.as_deref(),
    }
}

/// The ApplySet named `name` in the cluster's default namespace, and its
/// parent if it exists.
async fn parent_of(
    cluster: &Cluster,
    name: &str,
) -> Result<(ApplySet, Option<Parent>), EngineError> {
    let applyset = ApplySet::new(name, &cluster.default_namespace);
    let parent = applyset::read_parent(cluster, &applyset)
        .await
        .map_err(|source| EngineError::ReadParent {
            namespace: applyset.namespace.clone(),
            name: applyset.name.clone(),
            source: Box::new(source),
        })?;
    Ok((applyset, parent))
}

impl Engine {
    /// Connects to the target's cluster and reads its ApplySet parent
    /// (which lives in the target's default namespace).
    pub async fn connect(
        target: &Target,
        applyset_name: &str,
        concurrency: usize,
    ) -> Result<Engine, EngineError> {
        let cluster = Cluster::connect(&connect_options(target))
            .await
            .map_err(|e| EngineError::Connect(Box::new(e)))?;
        let (applyset, parent) = parent_of(&cluster, applyset_name).await?;
        Ok(Engine {
            cluster,
            applyset,
            parent,
            concurrency,
            gate: WriteGate::open(),
            health_rules: target.health_rules(),
            ignore: target.ignore.clone(),
        })
    }

    /// The record of `target`'s ApplySet parent, read without discovery
    /// (what a dependent's gate needs, often, of many targets).
    pub async fn read_record(
        target: &Target,
        applyset_name: &str,
    ) -> Result<Option<serde_json::Map<String, serde_json::Value>>, EngineError> {
        let cluster = Cluster::connect_undiscovered(&connect_options(target))
            .await
            .map_err(|e| EngineError::Connect(Box::new(e)))?;
        let (_, parent) = parent_of(&cluster, applyset_name).await?;
        Ok(parent.map(|p| p.record))
    }

    /// The live members of `target`'s ApplySet (none when it has no
    /// parent yet): what a dependent's `readyWhen` is evaluated over.
    pub async fn live_members(
        target: &Target,
        applyset_name: &str,
    ) -> Result<Vec<std::sync::Arc<serde_json::Value>>, EngineError> {
        let cluster = Cluster::connect(&connect_options(target))
            .await
            .map_err(|e| EngineError::Connect(Box::new(e)))?;
        let (applyset, parent) = parent_of(&cluster, applyset_name).await?;
        let Some(parent) = parent else {
            return Ok(Vec::new());
        };
        let members = applyset::list_members(
            &cluster,
            &applyset,
            &parent.group_kinds,
            &parent.namespaces,
            &Default::default(),
            8,
        )
        .await
        .map_err(|source| EngineError::ListMembers {
            name: applyset.name.clone(),
            source: Box::new(source),
        })?;
        Ok(members.into_iter().map(|m| m.object).collect())
    }

    /// Refuses an ApplySet whose parent records another repository or
    /// path than this run's (unless `take_over`): the same `--name` used by
    /// two repositories must not make them prune each other. A parent that
    /// records none (written by a version that recorded it only at the
    /// end of a sync that then stopped early) is this run's only when its
    /// name is the one derived from this repository and path. Checked when
    /// the engine connects and again under the write Lease, on the parent
    /// as the last writer left it.
    pub fn check_origin(
        &self,
        repository: &str,
        path: &str,
        take_over: bool,
    ) -> Result<(), EngineError> {
        let Some(parent) = &self.parent else {
            return Ok(());
        };
        if take_over {
            return Ok(());
        }
        let set = &self.applyset;
        let recorded = |key: &str| parent.record.get(key).and_then(serde_json::Value::as_str);
        let (Some(theirs_repo), Some(theirs_path)) = (recorded("repository"), recorded("path"))
        else {
            if set.name == applyset::default_name(repository, path) {
                return Ok(());
            }
            return Err(EngineError::Foreign(format!(
                "ApplySet {}/{} records no repository: another repository using the same --name may have written it, and this sync would adopt and prune its objects. Pass --take-over if it is really {repository}'s (path {path})",
                set.namespace, set.name
            )));
        };
        if crate::source::same_repository(theirs_repo, repository) && theirs_path == path {
            return Ok(());
        }
        Err(EngineError::Foreign(format!(
            "ApplySet {}/{} belongs to {theirs_repo} (path {theirs_path}), not to {repository} (path {path}): two repositories or paths would adopt and prune each other's objects. Choose another --name, or pass --take-over if this repository really replaces the other",
            set.namespace, set.name
        )))
    }

    /// Lists the ApplySet's members and plans the desired set against the
    /// live cluster: per object create / update / unchanged / delete, with
    /// errors per object (the others are still planned).
    pub async fn plan(&self, set: &DesiredSet, opts: PlanOptions) -> Result<Plan, EngineError> {
        let scope = self.parent.as_ref().map(|parent| {
            let mut scope = planning::MemberScope {
                group_kinds: parent.group_kinds.clone(),
                namespaces: parent.namespaces.clone(),
            };
            for o in &set.objects {
                scope
                    .group_kinds
                    .insert(applyset::group_kind(&o.id.group, &o.id.kind));
                scope.namespaces.insert(
                    o.id.namespace
                        .clone()
                        .unwrap_or_else(|| self.cluster.default_namespace.clone()),
                );
            }
            scope
        });
        let mut plan = planning::plan(self, set, scope.as_ref(), opts).await?;
        // Hooks are no changes: they run on every sync, as listed here.
        plan.hooks = hooks::plan_hooks(&self.cluster, &self.applyset, set);
        // A member that has become a hook of the same name is the hook's
        // now (rerun, and without the part-of label): pruning it after the
        // hook ran would delete the hook's run.
        let hook_ids: std::collections::HashSet<&ObjectId> = plan
            .hooks
            .iter()
            .filter(|h| !h.generate_name)
            .map(|h| &h.id)
            .collect();
        plan.changes
            .retain(|c| !(c.action == Action::Delete && hook_ids.contains(&c.id)));
        Ok(plan)
    }

    /// Plans only `set`'s objects, without looking for members to prune:
    /// what healing drift needs (it never prunes, never runs hooks), for
    /// the few objects a watch stream saw change.
    pub async fn plan_objects(
        &self,
        set: &DesiredSet,
        opts: PlanOptions,
    ) -> Result<Plan, EngineError> {
        planning::plan(self, set, None, opts).await
    }

    /// Applies changes concurrently; per change `Ok` or the failure. Used
    /// for healing drift, where order does not matter: every object exists.
    /// Changes not started (the gate closed, or the server stopped
    /// answering) are missing from the end of the result.
    pub async fn apply(
        &self,
        changes: &[&Change],
        force_conflicts: bool,
    ) -> Vec<Result<(), String>> {
        // Healing never plans a replace; if a change did, the default
        // rules (no PersistentVolumeClaims) would hold it.
        apply::apply_all(self, changes, force_conflicts, gate::Rules::default()).await
    }

    /// One look at (or, with a later deadline, a wait for) the health of
    /// objects given as (identity with namespace resolved, apiVersion).
    pub async fn health(&self, ids: &[(ObjectId, String)], deadline: Instant) -> Vec<Health> {
        wait::wait_healthy(
            &self.cluster,
            &self.gate,
            &self.health_rules,
            ids,
            deadline,
            |_, _| {},
        )
        .await
    }

    /// One object's health now, and the rule that decided it (`None`: the
    /// object does not exist).
    pub async fn explain_health(
        &self,
        id: &ObjectId,
        api_version: &str,
    ) -> Result<Option<(Health, crate::health::Decider)>, EngineError> {
        let Some(ar) = self.cluster.resource_of(id, api_version) else {
            return Err(EngineError::Read(format!(
                "{api_version} {} is not served by {}",
                id.kind, self.cluster.server
            )));
        };
        let api = self.cluster.api(&ar, id.namespace.as_deref());
        let found = crate::cluster::retry(|| api.get_opt(&id.name))
            .await
            .map_err(|e| {
                EngineError::Read(format!(
                    "reading {}: {}",
                    id.label(api_version),
                    crate::cluster::resource::api_error_message(&e)
                ))
            })?;
        let Some(found) = found else {
            return Ok(None);
        };
        let obj = crate::cluster::resource::with_type(found, &ar);
        Ok(Some(self.health_rules.explain(&obj)))
    }
}
