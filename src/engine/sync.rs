//! Sync: apply a plan in stages, prune, record the parent, wait for health.
//!
//! Stages: per wave, Namespaces, then CRDs (waited for until Established,
//! then discovery is refreshed), then everything else in kind order; each
//! stage is applied concurrently. A later wave starts once the one before
//! is healthy. Prunes come last, in reverse order, and only after every
//! apply succeeded.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;

use super::gate::{self, Deleted};
use super::hooks::{HookOutcome, HookRun};
use super::prune;
use super::{Engine, EngineError, apply, wait};
use crate::cluster::applyset::{self, Parent};
use crate::desired::{ObjectId, kind_rank};
use crate::health::{Health, Status};
use crate::hooks::Phase;
use crate::plan::{Action, Change, Operation, Plan};
use crate::source::CommitInfo;

/// How a sync writes and waits.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub allow_empty: bool,
    pub wait: bool,
    pub timeout: Duration,
    pub force_conflicts: bool,
    /// Jobs are healthy once complete, not once started.
    pub wait_for_jobs: bool,
}

/// The parent's record of the synced revision's health (see
/// [`Engine::record_health`]).
pub const HEALTH: &str = "health";
pub const HEALTHY_SINCE: &str = "healthySince";
pub const LAST_HEALTHY: &str = "lastHealthyRevision";
const HEALTH_KEYS: &[&str] = &[HEALTH, HEALTHY_SINCE, LAST_HEALTHY];

/// What the parent records about the last sync.
pub struct Record<'a> {
    pub commit: Option<&'a CommitInfo>,
    pub repository: String,
    pub path: String,
    /// Who signed the revision (`Snapshot::signed_by`), when verified.
    pub signed_by: Option<&'a str>,
    /// The closed sync window this sync was told to override, if any.
    pub window_override: Option<String>,
}

impl Record<'_> {
    /// What the parent records before this sync writes anything: whose
    /// ApplySet it is (so that another repository with the same `--name`
    /// is refused even if this sync never finishes), with the last
    /// finished sync's record kept when it was this repository's.
    fn origin(
        &self,
        old: &serde_json::Map<String, serde_json::Value>,
    ) -> serde_json::Map<String, serde_json::Value> {
        let same = |key: &str, ours: &str| old.get(key).and_then(|v| v.as_str()) == Some(ours);
        let mut m = match same("repository", &self.repository) && same("path", &self.path) {
            true => old.clone(),
            // Taken over: the other repository's revision is not ours.
            false => serde_json::Map::new(),
        };
        m.insert("repository".into(), json!(self.repository));
        m.insert("path".into(), json!(self.path));
        m
    }

    /// [`Record::data`], keeping what the last record said of health:
    /// the last healthy revision always (what `rollback` goes back to),
    /// the health itself only while the revision stays the same.
    fn data_after(
        &self,
        old: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> serde_json::Map<String, serde_json::Value> {
        let mut m = self.data();
        let Some(old) = old else { return m };
        if old.get("repository") != m.get("repository") || old.get("path") != m.get("path") {
            return m;
        }
        let same = old.get("revision") == m.get("revision");
        for key in HEALTH_KEYS {
            if let Some(v) = old.get(*key)
                && (same || *key == LAST_HEALTHY)
            {
                m.insert(key.to_string(), v.clone());
            }
        }
        m
    }

    fn data(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        if let Some(c) = self.commit {
            m.insert("revision".into(), json!(c.sha));
            m.insert(
                "author".into(),
                json!(format!("{} <{}>", c.author, c.author_email)),
            );
            m.insert("commitTime".into(), json!(c.time));
            m.insert("subject".into(), json!(c.subject));
        }
        m.insert("repository".into(), json!(self.repository));
        m.insert("path".into(), json!(self.path));
        if let Some(signer) = self.signed_by {
            m.insert("signedBy".into(), json!(signer));
        }
        if let Some(why) = &self.window_override {
            m.insert("windowOverride".into(), json!(why));
        }
        m.insert(
            "syncedAt".into(),
            json!(
                k8s_openapi::jiff::Timestamp::now()
                    .round(k8s_openapi::jiff::Unit::Second)
                    .map(|t| t.to_string())
                    .unwrap_or_default()
            ),
        );
        m.insert("gitsyncVersion".into(), json!(env!("CARGO_PKG_VERSION")));
        m
    }
}

/// What became of one object of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectResult {
    Applied,
    Deleted,
    Unchanged,
    Failed,
    /// Not reached: an earlier step failed or a wave stayed unhealthy.
    Skipped,
    /// A planned prune that was not made: the object changed since it was
    /// planned and is no longer gitsync's to delete.
    Kept,
}

impl ObjectResult {
    /// As JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectResult::Applied => "applied",
            ObjectResult::Deleted => "deleted",
            ObjectResult::Unchanged => "unchanged",
            ObjectResult::Failed => "failed",
            ObjectResult::Skipped => "skipped",
            ObjectResult::Kept => "kept",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ObjectOutcome {
    pub operation: Operation,
    pub api_version: String,
    pub id: ObjectId,
    pub result: ObjectResult,
    pub message: Option<String>,
    /// Set for objects that were waited for.
    pub health: Option<Health>,
}

impl ObjectOutcome {
    pub fn is_unhealthy(&self) -> bool {
        self.health
            .as_ref()
            .is_some_and(|h| h.status != Status::Current)
    }
}

#[derive(Debug, Clone)]
pub struct SyncOutcome {
    pub applyset: applyset::ApplySet,
    pub objects: Vec<ObjectOutcome>,
    /// Set when a step failed: what was applied is in `objects`, the rest
    /// is `Skipped`.
    pub error: Option<String>,
    /// The hooks, in the order they ran, then those not run.
    pub hooks: Vec<HookOutcome>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub applied: usize,
    pub deleted: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub skipped: usize,
    pub kept: usize,
    pub unhealthy: usize,
}

impl SyncOutcome {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for o in &self.objects {
            match o.result {
                ObjectResult::Applied => c.applied += 1,
                ObjectResult::Deleted => c.deleted += 1,
                ObjectResult::Unchanged => c.unchanged += 1,
                ObjectResult::Failed => c.failed += 1,
                ObjectResult::Skipped => c.skipped += 1,
                ObjectResult::Kept => c.kept += 1,
            }
            c.unhealthy += usize::from(o.is_unhealthy());
        }
        c
    }
}

impl Engine {
    /// Records on the parent whether the revision it last synced is
    /// healthy: a rollout's next step, a dependent target and `rollback`
    /// read it, from this process or another. `healthySince` stays when
    /// the revision was already healthy, so a soak counts from the first
    /// time. Returns when the revision has been healthy since.
    pub async fn record_health(
        &mut self,
        healthy: bool,
    ) -> Result<Option<k8s_openapi::jiff::Timestamp>, EngineError> {
        use k8s_openapi::jiff::{Timestamp, Unit};
        let Some(ours) = self
            .parent
            .as_ref()
            .and_then(|p| p.record.get("revision").cloned())
        else {
            return Ok(None);
        };
        // Read again: a writer without this engine's Lease (watch between
        // its syncs) must not put back an older record over a newer sync.
        let live = applyset::read_parent(&self.cluster, &self.applyset)
            .await
            .map_err(|e| match e {
                applyset::ApplySetError::Cluster(c) => {
                    EngineError::Record("reading the ApplySet parent", Box::new(c))
                }
                other => EngineError::ReadParent {
                    namespace: self.applyset.namespace.clone(),
                    name: self.applyset.name.clone(),
                    source: Box::new(other),
                },
            })?;
        let Some(mut parent) = live else {
            return Ok(None);
        };
        let revision = ours;
        if parent.record.get("revision") != Some(&revision) {
            // Synced to another revision meanwhile: its health is not ours.
            return Ok(None);
        }
        let before = parent.record.clone();
        let was: Option<Timestamp> = (parent.record.get(HEALTH).and_then(|v| v.as_str())
            == Some("Healthy"))
        .then(|| parent.record.get(HEALTHY_SINCE)?.as_str()?.parse().ok())
        .flatten();
        let since = match healthy {
            true => Some(was.unwrap_or_else(|| {
                Timestamp::now()
                    .round(Unit::Second)
                    .unwrap_or(Timestamp::now())
            })),
            false => None,
        };
        let r = &mut parent.record;
        r.insert(
            HEALTH.into(),
            json!(if healthy { "Healthy" } else { "Unhealthy" }),
        );
        match since {
            Some(t) => {
                r.insert(HEALTHY_SINCE.into(), json!(t.to_string()));
                r.insert(LAST_HEALTHY.into(), revision);
            }
            None => {
                r.remove(HEALTHY_SINCE);
            }
        }
        if before == parent.record {
            self.parent = Some(parent);
            return Ok(since);
        }
        // A closed gate (interrupt, lost leadership) writes nothing more.
        if self.gate.closed().is_some() {
            return Ok(since);
        }
        applyset::write_parent(&self.cluster, &self.applyset, &parent)
            .await
            .map_err(|e| {
                EngineError::Record("recording health in the ApplySet parent", Box::new(e))
            })?;
        self.parent = Some(parent);
        Ok(since)
    }

    /// Makes the cluster match `plan` (computed by [`Engine::plan`] on this
    /// engine). `progress` hears what is going on, for a person watching.
    ///
    /// Hooks: PreSync first; Sync hooks with the objects of their wave;
    /// PostSync once everything is healthy; SyncFail when any of it
    /// failed (an error, or not healthy in time).
    pub async fn sync(
        &mut self,
        plan: &Plan,
        opts: &SyncOptions,
        record: &Record<'_>,
        progress: &dyn Fn(&str),
    ) -> Result<SyncOutcome, EngineError> {
        refuse_empty(self, plan, opts)?;
        let deadline = Instant::now() + opts.timeout;
        let mut hooks = HookRun::new(plan, deadline, opts.force_conflicts);
        let mut opts = opts.clone();
        // PostSync hooks run only once everything is healthy.
        opts.wait |= hooks.has(Phase::PostSync);
        let mut objects = initial_objects(plan);
        let before = self
            .before_hooks(plan, &opts, record, &mut objects, progress)
            .await?;
        let mut outcome = match before {
            Some(error) => SyncOutcome {
                applyset: self.applyset.clone(),
                objects,
                error: Some(error),
                hooks: Vec::new(),
            },
            None => match hooks.phase(self, Phase::PreSync, progress).await {
                Err(error) => SyncOutcome {
                    applyset: self.applyset.clone(),
                    objects,
                    error: Some(error),
                    hooks: Vec::new(),
                },
                Ok(()) => {
                    self.sync_objects(plan, &opts, record, deadline, &mut hooks, objects, progress)
                        .await?
                }
            },
        };
        let unhealthy = outcome.objects.iter().any(ObjectOutcome::is_unhealthy);
        if outcome.error.is_none()
            && !unhealthy
            && let Err(e) = hooks.phase(self, Phase::PostSync, progress).await
        {
            outcome.error = Some(e);
        }
        // A closed gate (an interrupt, a lost Lease) runs no SyncFail hook:
        // it is no failure of the sync's, and no write may start.
        let failed = outcome.error.is_some() || unhealthy;
        if failed && self.gate.closed().is_none() {
            hooks.extend_deadline(opts.timeout);
            if let Err(e) = hooks.phase(self, Phase::SyncFail, progress).await {
                let before = outcome
                    .error
                    .take()
                    .map(|e| format!("{e}\n"))
                    .unwrap_or_default();
                outcome.error = Some(format!("{before}{e}"));
            }
        }
        outcome.hooks = hooks.finish();
        Ok(outcome)
    }

    /// What comes before the first hook: the parent's record of every kind
    /// and namespace the sync may touch and of whose ApplySet it is, then
    /// the Namespaces that hooks live in, when the desired set declares
    /// them (as `helm --create-namespace` does). `Some(error)` when the
    /// sync must stop there.
    async fn before_hooks(
        &mut self,
        plan: &Plan,
        opts: &SyncOptions,
        record: &Record<'_>,
        objects: &mut [ObjectOutcome],
        progress: &dyn Fn(&str),
    ) -> Result<Option<String>, EngineError> {
        if let Some(why) = self.gate.closed() {
            return Ok(Some(stopped(&why)));
        }
        // Record the union of old and new kinds and namespaces before
        // writing members, so that an interrupted sync leaves nothing
        // undiscoverable.
        let old = self.parent.clone().unwrap_or_default();
        let (new_gks, new_ns) = applyset::footprint(plan.changes.iter().map(|c| &c.id));
        let mut union = Parent {
            group_kinds: old.group_kinds.union(&new_gks).cloned().collect(),
            namespaces: old.namespaces.union(&new_ns).cloned().collect(),
            record: record.origin(&old.record),
        };
        union.namespaces.insert(self.applyset.namespace.clone());
        if self.parent.as_ref() != Some(&union) {
            applyset::write_parent(&self.cluster, &self.applyset, &union)
                .await
                .map_err(|e| {
                    EngineError::Record("recording the ApplySet before applying", Box::new(e))
                })?;
            self.parent = Some(union);
        }

        let hook_namespaces: std::collections::HashSet<&str> = match plan.no_hooks {
            true => Default::default(),
            false => plan
                .hooks
                .iter()
                .filter_map(|h| h.id.namespace.as_deref())
                .collect(),
        };
        let first: Vec<usize> = (0..plan.changes.len())
            .filter(|&i| {
                let c = &plan.changes[i];
                c.needs_write()
                    && c.id.group.is_empty()
                    && c.id.kind == "Namespace"
                    && hook_namespaces.contains(c.id.name.as_str())
            })
            .collect();
        if first.is_empty() {
            return Ok(None);
        }
        progress(&format!(
            "applying {} Namespace(s) that hooks run in",
            first.len()
        ));
        let changes: Vec<&Change> = first.iter().map(|&i| &plan.changes[i]).collect();
        let results = apply::apply_all(self, &changes, opts.force_conflicts, rules(plan)).await;
        Ok(record_stage(objects, &first, results)
            .or_else(|| self.gate.closed().map(|why| stopped(&why))))
    }

    /// The objects' part of a sync: waves of stages (with the Sync hooks
    /// of each wave), prune, parent record, health.
    #[allow(clippy::too_many_arguments)]
    async fn sync_objects(
        &mut self,
        plan: &Plan,
        opts: &SyncOptions,
        record: &Record<'_>,
        deadline: Instant,
        hooks: &mut HookRun<'_>,
        mut objects: Vec<ObjectOutcome>,
        progress: &dyn Fn(&str),
    ) -> Result<SyncOutcome, EngineError> {
        let applyset = self.applyset.clone();
        let outcome = |objects, error| SyncOutcome {
            applyset: applyset.clone(),
            objects,
            error,
            hooks: Vec::new(),
        };

        // Every object written, for the health wait; those not written
        // before the hooks (Namespaces hooks live in), for the waves.
        let written: Vec<usize> = (0..plan.changes.len())
            .filter(|&i| plan.changes[i].needs_write())
            .collect();
        let writes: Vec<usize> = written
            .iter()
            .copied()
            .filter(|&i| objects[i].result != ObjectResult::Applied)
            .collect();
        let mut waves: Vec<i64> = writes.iter().map(|&i| plan.changes[i].wave).collect();
        waves.extend(hooks.waves(Phase::Sync));
        waves.sort();
        waves.dedup();
        let (total, mut done) = (writes.len(), 0);
        for (wave_index, wave) in waves.iter().enumerate() {
            let in_wave: Vec<usize> = writes
                .iter()
                .copied()
                .filter(|&i| plan.changes[i].wave == *wave)
                .collect();
            for stage in stages(&plan.changes, &in_wave) {
                let changes: Vec<&Change> = stage.iter().map(|&i| &plan.changes[i]).collect();
                let results =
                    apply::apply_all(self, &changes, opts.force_conflicts, rules(plan)).await;
                let failed = record_stage(&mut objects, &stage, results);
                done += stage.len();
                progress(&format!("applied {done} of {total}"));
                if let Some(error) = failed {
                    return Ok(outcome(objects, Some(error)));
                }
                if let Some(why) = self.gate.closed() {
                    return Ok(outcome(objects, Some(stopped(&why))));
                }
                self.establish_crds(&changes, progress).await?;
            }
            if let Err(error) = hooks.wave(self, Phase::Sync, *wave, progress).await {
                return Ok(outcome(objects, Some(error)));
            }
            // A later wave starts once this one is healthy.
            if opts.wait && wave_index + 1 < waves.len() {
                let health = self
                    .wait_for(&plan.changes, &in_wave, deadline, opts, progress)
                    .await;
                let unhealthy = health.iter().any(|h| h.status != Status::Current);
                for (&i, h) in in_wave.iter().zip(health) {
                    objects[i].health = Some(h);
                }
                if unhealthy {
                    // Not healthy because the wait stopped (an interrupt,
                    // a lost Lease) is no verdict on health.
                    let error = self.gate.closed().map(|why| stopped(&why));
                    return Ok(outcome(objects, error));
                }
            }
        }

        let deletes: Vec<usize> = (0..plan.changes.len())
            .filter(|&i| plan.changes[i].action == Action::Delete)
            .collect();
        if !deletes.is_empty() {
            progress(&format!("pruning {} object(s)", deletes.len()));
        }
        let mut kept_now = Vec::new();
        // Refused at delete time: the gate judged the object again as it
        // is now (a Namespace that gained objects during the waits).
        let mut refused_now = Vec::new();
        let mut deletable = prune::deletable(&plan.changes);
        for &i in &deletes {
            if let Some(why) = self.gate.closed() {
                return Ok(outcome(objects, Some(stopped(&why))));
            }
            match prune::delete(self, &plan.changes[i], rules(plan), &mut deletable).await {
                Ok(Deleted::Gone) => objects[i].result = ObjectResult::Deleted,
                Ok(Deleted::Kept(why)) => {
                    objects[i].result = ObjectResult::Kept;
                    objects[i].message = Some(why);
                    kept_now.push(plan.changes[i].id.clone());
                }
                Ok(Deleted::Refused(why)) => {
                    let message = format!("not pruned: {why}");
                    objects[i].result = ObjectResult::Failed;
                    objects[i].message = Some(message.clone());
                    refused_now.push(format!(
                        "{}: {message}",
                        objects[i].id.label(&objects[i].api_version)
                    ));
                    kept_now.push(plan.changes[i].id.clone());
                }
                Err(msg) => {
                    objects[i].result = ObjectResult::Failed;
                    objects[i].message = Some(msg.clone());
                    let label = objects[i].id.label(&objects[i].api_version);
                    return Ok(outcome(
                        objects,
                        Some(format!("pruning {label} failed: {msg}")),
                    ));
                }
            }
        }

        // The parent now records what remains: Git's objects and every
        // member that stays (prune off, opted out, refused, changed since
        // planned), so that none becomes invisible to a later prune.
        let remaining = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::Delete)
            .map(|c| &c.id)
            .chain(
                plan.kept
                    .iter()
                    .filter(|k| k.reason.is_member())
                    .map(|k| &k.id),
            )
            .chain(plan.refused.iter().map(|r| &r.id))
            .chain(kept_now.iter());
        let (gks, mut namespaces) = applyset::footprint(remaining);
        namespaces.insert(self.applyset.namespace.clone());
        let last = Parent {
            group_kinds: gks,
            namespaces,
            record: record.data_after(self.parent.as_ref().map(|p| &p.record)),
        };
        // A closed gate (interrupt, lost leadership) writes nothing more:
        // the parent written before applying already covers every member.
        if let Some(why) = self.gate.closed() {
            return Ok(outcome(objects, Some(stopped(&why))));
        }
        // A sync that changes nothing writes nothing, not even the parent.
        if !applyset::same_apart_from_time(self.parent.as_ref(), &last) {
            applyset::write_parent(&self.cluster, &self.applyset, &last)
                .await
                .map_err(|e| {
                    EngineError::Record("recording the sync in the ApplySet parent", Box::new(e))
                })?;
        }
        self.parent = Some(last);

        if opts.wait && !written.is_empty() {
            let health = self
                .wait_for(&plan.changes, &written, deadline, opts, progress)
                .await;
            for (&i, h) in written.iter().zip(health) {
                objects[i].health = Some(h);
            }
        }
        // Refused prunes are errors on those objects; everything else was
        // done.
        let refused = plan.refused.iter().map(|r| ObjectOutcome {
            operation: Operation::Delete,
            api_version: r.api_version.clone(),
            id: r.id.clone(),
            result: ObjectResult::Failed,
            message: Some(r.message.clone()),
            health: None,
        });
        objects.extend(refused);
        let lines: Vec<String> = plan
            .refused
            .iter()
            .map(|r| format!("{}: {}", r.id.label(&r.api_version), r.message))
            .chain(refused_now)
            .collect();
        let mut error = (!lines.is_empty()).then(|| {
            format!(
                "everything else was applied, but {} object(s) were not pruned:\n{}",
                lines.len(),
                lines.join("\n")
            )
        });
        // Not healthy because the wait stopped is no verdict on health.
        let unhealthy = objects.iter().any(ObjectOutcome::is_unhealthy);
        if let Some(why) = self.gate.closed().filter(|_| unhealthy) {
            let stop = format!("everything was applied, but the wait for health stopped ({why})");
            error = Some(match error {
                Some(e) => format!("{e}\n{stop}"),
                None => stop,
            });
        }
        Ok(outcome(objects, error))
    }

    /// After a stage that created CRDs: wait until they are Established,
    /// then refresh discovery so their kinds can be applied.
    async fn establish_crds(
        &mut self,
        changes: &[&Change],
        progress: &dyn Fn(&str),
    ) -> Result<(), EngineError> {
        let crds: Vec<&Change> = changes
            .iter()
            .copied()
            .filter(|c| {
                c.id.group == "apiextensions.k8s.io" && c.id.kind == "CustomResourceDefinition"
            })
            .collect();
        if crds.is_empty() {
            return Ok(());
        }
        progress(&format!(
            "waiting for {} CRD(s) to be Established",
            crds.len()
        ));
        wait::wait_established(&self.cluster, &crds, Duration::from_secs(60))
            .await
            .map_err(EngineError::CrdsNotEstablished)?;
        self.cluster
            .rediscover()
            .await
            .map_err(|e| EngineError::Discovery(Box::new(e)))
    }

    async fn wait_for(
        &self,
        changes: &[Change],
        indices: &[usize],
        deadline: Instant,
        opts: &SyncOptions,
        progress: &dyn Fn(&str),
    ) -> Vec<Health> {
        let ids: Vec<_> = indices
            .iter()
            .map(|&i| (changes[i].id.clone(), changes[i].api_version.clone()))
            .collect();
        progress(&format!(
            "waiting for {} object(s) to become healthy",
            ids.len()
        ));
        let mut last = usize::MAX;
        let rules = self.health_rules.with_jobs(opts.wait_for_jobs);
        wait::wait_healthy(
            &self.cluster,
            &self.gate,
            &rules,
            &ids,
            deadline,
            |ready, all| {
                if ready != last {
                    progress(&format!("{ready} of {all} healthy"));
                    last = ready;
                }
            },
        )
        .await
    }
}

/// What the plan allowed deletes (prunes, replaces) under.
fn rules(plan: &Plan) -> gate::Rules {
    gate::Rules {
        prune_pvcs: plan.prune_pvcs,
    }
}

/// Marks one stage's results (`results` may end early: the writes never
/// started stay skipped); the error for the outcome when any failed.
fn record_stage(
    objects: &mut [ObjectOutcome],
    stage: &[usize],
    results: Vec<Result<(), String>>,
) -> Option<String> {
    let mut failed = Vec::new();
    for (&i, r) in stage.iter().zip(results) {
        match r {
            Ok(()) => objects[i].result = ObjectResult::Applied,
            Err(msg) => {
                objects[i].result = ObjectResult::Failed;
                failed.push(format!(
                    "{}: {msg}",
                    objects[i].id.label(&objects[i].api_version)
                ));
                objects[i].message = Some(msg);
            }
        }
    }
    (!failed.is_empty()).then(|| {
        format!(
            "applying failed; objects marked skipped were not applied, rerunning converges:\n{}",
            failed.join("\n")
        )
    })
}

/// Why a sync ended early on a closed gate, for the outcome's error.
fn stopped(why: &str) -> String {
    format!(
        "stopped ({why}): the writes in flight finished, objects marked skipped were not written; rerunning converges"
    )
}

/// Every change as not done yet: writes and deletes skipped until they
/// happen, the rest unchanged.
fn initial_objects(plan: &Plan) -> Vec<ObjectOutcome> {
    plan.changes
        .iter()
        .map(|c| ObjectOutcome {
            operation: c.operation(),
            api_version: c.api_version.clone(),
            id: c.id.clone(),
            result: if c.needs_write() || c.action == Action::Delete {
                ObjectResult::Skipped
            } else {
                ObjectResult::Unchanged
            },
            message: None,
            health: None,
        })
        .collect()
}

/// An empty desired set would prune every member: almost always a wrong
/// path or a broken render, so it needs saying so explicitly. Every
/// desired object becomes a change or an error, so "no change but
/// deletes" is exactly "an empty desired set".
fn refuse_empty(engine: &Engine, plan: &Plan, opts: &SyncOptions) -> Result<(), EngineError> {
    let deletes = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .count();
    let desired = plan.changes.len() - deletes + plan.errors.len();
    if desired == 0 && deletes > 0 && !opts.allow_empty {
        return Err(EngineError::EmptySet {
            name: engine.applyset.name.clone(),
            members: deletes,
        });
    }
    Ok(())
}

/// Splits one wave's writes into stages of equal kind rank (Namespaces,
/// then CRDs, then the kind order), keeping the plan's order.
fn stages(changes: &[Change], in_wave: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut last_rank = None;
    for &i in in_wave {
        let rank = kind_rank(&changes[i].id.group, &changes[i].id.kind);
        if last_rank != Some(rank) {
            out.push(Vec::new());
            last_rank = Some(rank);
        }
        out.last_mut().expect("pushed").push(i);
    }
    out
}
