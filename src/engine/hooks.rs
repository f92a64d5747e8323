//! Running lifecycle hooks during a sync: per phase and wave, delete
//! earlier runs (`BeforeHookCreation`), create each hook, wait until it
//! finishes (Jobs and Pods by their own completion, other kinds until
//! healthy), then apply its delete policy. Hooks are labelled as hooks of
//! this ApplySet, never as members, so plan, prune and drift never see
//! them.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use futures::future::join_all;
use kube::api::{
    Api, DynamicObject, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::discovery::ApiResource;
use serde::Serialize;
use serde_json::Value;

use super::Engine;
use super::gate::{self, Deletable, Deleted, How, Purpose, Refusal, Request, Rules};
use crate::cluster::applyset::ApplySet;
use crate::cluster::resource::{FIELD_MANAGER, api_error_message, with_type};
use crate::cluster::{Cluster, retry};
use crate::desired::{DesiredSet, ObjectId};
use crate::health::{Status, health};
use crate::hooks::{
    HOOK_LABEL, HOOK_OF_LABEL, Phase, PlannedHook, completes, finished, hook_key, pod_failure,
};
use crate::plan::Plan;

/// What became of one hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HookResult {
    Succeeded,
    Failed,
    /// Not run: an earlier phase failed, or `--no-hooks`.
    Skipped,
}

impl HookResult {
    pub fn as_str(self) -> &'static str {
        match self {
            HookResult::Succeeded => "succeeded",
            HookResult::Failed => "failed",
            HookResult::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone)]
pub struct HookOutcome {
    pub phase: Phase,
    pub wave: i64,
    pub api_version: String,
    /// With the name the object got (a `generateName` hook's real name
    /// once created).
    pub id: ObjectId,
    pub result: HookResult,
    pub message: Option<String>,
    /// Deleted afterwards by its delete policy.
    pub deleted: bool,
    /// Never created, and its name is a `generateName` prefix.
    pub generate_name: bool,
}

impl HookOutcome {
    /// `batch/v1 Job shop/migrate-x7k2p`; a prefix never used shows as
    /// `migrate-<generated>`.
    pub fn label(&self) -> String {
        crate::hooks::label(&self.id, &self.api_version, self.generate_name)
    }
}

/// The desired set's hooks as this cluster and ApplySet will run them.
pub(super) fn plan_hooks(
    cluster: &Cluster,
    applyset: &ApplySet,
    set: &DesiredSet,
) -> Vec<PlannedHook> {
    set.hooks
        .iter()
        .map(|h| {
            let o = &h.object;
            let id = cluster.id_of(&o.id, &o.api_version);
            let mut manifest = o.object.clone();
            if let Some(meta) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
                if let Some(ns) = &id.namespace {
                    meta.insert("namespace".into(), Value::String(ns.clone()));
                }
                let labels = meta
                    .entry("labels")
                    .or_insert_with(|| Value::Object(Default::default()));
                if let Some(labels) = labels.as_object_mut() {
                    labels.insert(HOOK_OF_LABEL.into(), Value::String(applyset.id.clone()));
                    labels.insert(
                        HOOK_LABEL.into(),
                        Value::String(hook_key(h.phase, &id, h.generate_name)),
                    );
                }
            }
            PlannedHook {
                phase: h.phase,
                wave: o.wave,
                policy: h.policy,
                api_version: o.api_version.clone(),
                id,
                generate_name: h.generate_name,
                origin: o.origin.clone(),
                manifest,
            }
        })
        .collect()
}

/// The hooks of one sync and what became of them.
pub(super) struct HookRun<'a> {
    hooks: &'a [PlannedHook],
    enabled: bool,
    deadline: Instant,
    force_conflicts: bool,
    rules: Rules,
    ran: Vec<bool>,
    outcomes: Vec<HookOutcome>,
    /// Why hooks stopped running: the engine's gate closed.
    stopped: Option<String>,
}

impl<'a> HookRun<'a> {
    pub fn new(plan: &'a Plan, deadline: Instant, force_conflicts: bool) -> HookRun<'a> {
        HookRun {
            hooks: &plan.hooks,
            enabled: !plan.no_hooks,
            deadline,
            force_conflicts,
            rules: Rules {
                prune_pvcs: plan.prune_pvcs,
            },
            ran: vec![false; plan.hooks.len()],
            outcomes: Vec::new(),
            stopped: None,
        }
    }

    pub fn has(&self, phase: Phase) -> bool {
        self.enabled && self.hooks.iter().any(|h| h.phase == phase)
    }

    /// The waves the phase has hooks in, in order.
    pub fn waves(&self, phase: Phase) -> Vec<i64> {
        let mut waves: Vec<i64> = self
            .hooks
            .iter()
            .filter(|h| self.enabled && h.phase == phase)
            .map(|h| h.wave)
            .collect();
        waves.sort();
        waves.dedup();
        waves
    }

    /// SyncFail hooks get a full `--timeout` of their own: the failure
    /// that calls them may have used up the sync's.
    pub fn extend_deadline(&mut self, timeout: Duration) {
        self.deadline = self.deadline.max(Instant::now() + timeout);
    }

    /// Runs every wave of a phase; stops at the first wave with a failure.
    pub async fn phase(
        &mut self,
        engine: &Engine,
        phase: Phase,
        progress: &dyn Fn(&str),
    ) -> Result<(), String> {
        for wave in self.waves(phase) {
            self.wave(engine, phase, wave, progress).await?;
        }
        Ok(())
    }

    /// Runs the hooks of one phase and wave together and waits for all of
    /// them; `Err` names each that failed.
    pub async fn wave(
        &mut self,
        engine: &Engine,
        phase: Phase,
        wave: i64,
        progress: &dyn Fn(&str),
    ) -> Result<(), String> {
        if !self.enabled {
            return Ok(());
        }
        let indices: Vec<usize> = (0..self.hooks.len())
            .filter(|&i| self.hooks[i].phase == phase && self.hooks[i].wave == wave)
            .collect();
        if indices.is_empty() {
            return Ok(());
        }
        // A closed gate (an interrupt, a lost Lease) starts no hook.
        if let Some(why) = engine.gate.closed() {
            let error = format!(
                "stopped ({why}) before the {} hooks of wave {wave}; rerunning converges",
                phase.as_str()
            );
            self.stopped = Some(why);
            return Err(error);
        }
        progress(&format!(
            "running {} {} hook(s) of wave {wave}",
            indices.len(),
            phase.as_str()
        ));
        let (deadline, force, rules) = (self.deadline, self.force_conflicts, self.rules);
        let runs = indices
            .iter()
            .map(|&i| run_one(engine, &self.hooks[i], deadline, force, rules));
        let results = join_all(runs).await;
        let mut failed = Vec::new();
        for (&i, outcome) in indices.iter().zip(results) {
            self.ran[i] = true;
            if outcome.result == HookResult::Failed {
                failed.push(format!(
                    "{} hook {} failed: {}",
                    phase.as_str(),
                    outcome.label(),
                    outcome.message.as_deref().unwrap_or("")
                ));
            }
            self.outcomes.push(outcome);
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(failed.join("\n"))
        }
    }

    /// What became of every hook: those run, then those of the sync's own
    /// phases that were not (SyncFail hooks only matter when they ran).
    pub fn finish(self) -> Vec<HookOutcome> {
        let mut out = self.outcomes;
        let why = match (&self.stopped, self.enabled) {
            (Some(stopped), _) => format!("not run: stopped ({stopped})"),
            (None, true) => "not run: an earlier step failed".to_string(),
            (None, false) => "not run: --no-hooks".to_string(),
        };
        for (h, ran) in self.hooks.iter().zip(self.ran) {
            if !ran && (h.phase != Phase::SyncFail || !self.enabled) {
                out.push(HookOutcome {
                    phase: h.phase,
                    wave: h.wave,
                    api_version: h.api_version.clone(),
                    id: h.id.clone(),
                    result: HookResult::Skipped,
                    message: Some(why.clone()),
                    deleted: false,
                    generate_name: h.generate_name,
                });
            }
        }
        out
    }
}

/// Runs one hook to its end: earlier runs deleted (by policy), created,
/// waited for, deleted (by policy).
async fn run_one(
    engine: &Engine,
    hook: &PlannedHook,
    deadline: Instant,
    force_conflicts: bool,
    rules: Rules,
) -> HookOutcome {
    let cluster = &engine.cluster;
    let mut outcome = HookOutcome {
        phase: hook.phase,
        wave: hook.wave,
        api_version: hook.api_version.clone(),
        id: hook.id.clone(),
        result: HookResult::Failed,
        message: None,
        deleted: false,
        generate_name: hook.generate_name,
    };
    let Some(ar) = cluster.resource_of(&hook.id, &hook.api_version) else {
        outcome.message = Some(format!(
            "the cluster does not serve {} {}",
            hook.api_version, hook.id.kind
        ));
        return outcome;
    };
    let api = cluster.api(&ar, hook.id.namespace.as_deref());
    let name = match create(engine, &ar, &api, hook, force_conflicts, rules).await {
        Ok(name) => name,
        Err(msg) => {
            outcome.message = Some(msg);
            return outcome;
        }
    };
    outcome.id.name = name.clone();
    outcome.generate_name = false;
    tracing::info!(hook = %outcome.id.label(&hook.api_version), phase = hook.phase.as_str(), "hook created");
    let result = wait_done(cluster, &api, &ar, &name, completes(&hook.id), deadline).await;
    let delete = match &result {
        Ok(()) => hook.policy.hook_succeeded,
        Err(_) => hook.policy.hook_failed,
    };
    match result {
        Ok(()) => outcome.result = HookResult::Succeeded,
        Err(msg) => outcome.message = Some(msg),
    }
    if delete {
        let request = Request {
            ar: &ar,
            namespace: hook.id.namespace.as_deref(),
            name: &name,
            purpose: Purpose::Hook,
            rules,
            deletable: &Deletable::default(),
            planned: None,
            how: How::BACKGROUND,
        };
        match gate::delete_now(engine, request).await {
            Ok(Deleted::Gone) => outcome.deleted = true,
            Ok(Deleted::Kept(why) | Deleted::Refused(why)) => {
                tracing::warn!(hook = %name, why = %why, "a finished hook was not deleted")
            }
            Err(e) => tracing::warn!(hook = %name, error = %e, "deleting a finished hook failed"),
        }
    }
    outcome
}

/// Applies `BeforeHookCreation`, then creates the hook; returns its name.
/// Whatever holds a fixed name must be gitsync's (a run of this
/// ApplySet's hooks, or its member): anything else fails the hook, naming
/// it, and is neither deleted nor applied over.
async fn create(
    engine: &Engine,
    ar: &ApiResource,
    api: &Api<DynamicObject>,
    hook: &PlannedHook,
    force_conflicts: bool,
    rules: Rules,
) -> Result<String, String> {
    if hook.generate_name {
        if hook.policy.before_hook_creation {
            delete_earlier_runs(engine, ar, api, hook, rules).await?;
        }
        let obj: DynamicObject = serde_json::from_value(hook.manifest.clone())
            .map_err(|e| format!("not a Kubernetes object: {e}"))?;
        let params = PostParams {
            field_manager: Some(FIELD_MANAGER.into()),
            ..PostParams::default()
        };
        let created = retry(|| api.create(&params, &obj))
            .await
            .map_err(|e| api_error_message(&e))?;
        return Ok(created.metadata.name.unwrap_or_default());
    }
    let name = &hook.id.name;
    let taken = retry(|| api.get_opt(name))
        .await
        .map_err(|e| format!("reading {name}: {}", api_error_message(&e)))?;
    if let Some(live) = taken {
        let live = with_type(live, ar);
        let in_the_way = |why: String| {
            format!(
                "{} already exists and may not be deleted or applied over ({why}): nothing was deleted; rename the hook, or remove that object yourself",
                hook.id.label(&hook.api_version)
            )
        };
        if hook.policy.before_hook_creation {
            let nobody_else = Deletable::default();
            let permit = gate::judge(engine, &live, ar, Purpose::Hook, rules, &nobody_else)
                .await
                .map_err(|refusal| in_the_way(refusal.to_string()))?;
            let how = How {
                foreground: false,
                wait_gone: true,
            };
            match gate::delete(engine, permit, &nobody_else, how).await {
                Ok(Deleted::Gone) => {}
                Ok(Deleted::Kept(why) | Deleted::Refused(why)) => return Err(in_the_way(why)),
                Err(e) => return Err(format!("deleting the earlier run {name}: {e}")),
            }
        } else {
            gate::hook_owned(&live, &engine.applyset.id)
                .map_err(|why| in_the_way(format!("not gitsync's: {why}")))?;
        }
    }
    let mut params = PatchParams::apply(FIELD_MANAGER);
    if force_conflicts {
        params = params.force();
    }
    let patch = Patch::Apply(&hook.manifest);
    retry(|| api.patch(name, &params, &patch))
        .await
        .map_err(|e| api_error_message(&e))?;
    Ok(name.clone())
}

/// `BeforeHookCreation` for a `generateName` hook: earlier runs have
/// other names and are found by the hook labels; each is judged by the
/// gate (labels someone copied make no earlier run: left alone).
async fn delete_earlier_runs(
    engine: &Engine,
    ar: &ApiResource,
    api: &Api<DynamicObject>,
    hook: &PlannedHook,
    rules: Rules,
) -> Result<(), String> {
    let key = hook.manifest["metadata"]["labels"][HOOK_LABEL]
        .as_str()
        .unwrap_or_default();
    let of = hook.manifest["metadata"]["labels"][HOOK_OF_LABEL]
        .as_str()
        .unwrap_or_default();
    let params = ListParams::default().labels(&format!("{HOOK_LABEL}={key},{HOOK_OF_LABEL}={of}"));
    let earlier = retry(|| api.list(&params))
        .await
        .map_err(|e| format!("listing earlier runs: {}", api_error_message(&e)))?;
    let nobody_else = Deletable::default();
    let how = How {
        foreground: false,
        wait_gone: true,
    };
    for old in earlier.items {
        let old = with_type(old, ar);
        let name = old["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let permit = match gate::judge(engine, &old, ar, Purpose::Hook, rules, &nobody_else).await {
            Ok(permit) => permit,
            Err(Refusal::NotOurs(why)) => {
                tracing::warn!(object = %name, why = %why, "labelled as an earlier hook run but not gitsync's: left alone");
                continue;
            }
            Err(refusal) => {
                return Err(format!(
                    "the earlier run {name} may not be deleted: {refusal}"
                ));
            }
        };
        match gate::delete(engine, permit, &nobody_else, how).await {
            Ok(Deleted::Gone) => {}
            Ok(Deleted::Kept(why) | Deleted::Refused(why)) => {
                return Err(format!("the earlier run {name} may not be deleted: {why}"));
            }
            Err(e) => return Err(format!("deleting the earlier run {name}: {e}")),
        }
    }
    Ok(())
}

/// Watches the hook until it finished (Job, Pod) or is healthy (any other
/// kind), or the deadline passes. Watched from a LIST of it, not polled:
/// a Job with `ttlSecondsAfterFinished: 0` is deleted the moment it
/// finishes, and the watch still hears its last state (the update that
/// finished it, and the deletion, which carries it).
async fn wait_done(
    cluster: &Cluster,
    api: &Api<DynamicObject>,
    ar: &ApiResource,
    name: &str,
    completes: bool,
    deadline: Instant,
) -> Result<(), String> {
    let only = format!("metadata.name={name}");
    // Ended by the server before the client's read limit would end it.
    let limit = crate::cluster::request_timeout().as_secs().clamp(1, 290) as u32;
    let mut last = "not looked at yet".to_string();
    // Where the watch goes on from; `None`: list first.
    let mut from: Option<String> = None;
    let listing = ListParams::default().fields(&only);
    loop {
        if from.is_none() {
            match retry(|| api.list(&listing)).await {
                Ok(list) => {
                    let Some(obj) = list.items.into_iter().next() else {
                        return Err("deleted before it finished".into());
                    };
                    if let Some(done) = judge(cluster, ar, obj, completes, &mut last).await {
                        return done;
                    }
                    from = list.metadata.resource_version;
                }
                Err(e) => last = api_error_message(&e),
            }
        }
        if let Some(version) = from.clone() {
            let params = WatchParams::default().fields(&only).timeout(limit);
            let events = match tokio::time::timeout_at(
                deadline.into(),
                api.watch(&params, &version),
            )
            .await
            {
                Ok(Ok(events)) => Some(events),
                Ok(Err(e)) => {
                    last = api_error_message(&e);
                    None
                }
                Err(_) => None,
            };
            if let Some(events) = events {
                let mut events = std::pin::pin!(events);
                loop {
                    let next = tokio::time::timeout_at(deadline.into(), events.try_next()).await;
                    let event = match next {
                        Ok(Ok(Some(event))) => event,
                        // The server ended the watch: go on from `from`.
                        Ok(Ok(None)) | Err(_) => break,
                        Ok(Err(e)) => {
                            last = api_error_message(&e);
                            break;
                        }
                    };
                    match event {
                        WatchEvent::Added(obj) | WatchEvent::Modified(obj) => {
                            from.clone_from(&obj.metadata.resource_version);
                            if let Some(done) = judge(cluster, ar, obj, completes, &mut last).await
                            {
                                return done;
                            }
                        }
                        WatchEvent::Deleted(obj) => {
                            return match judge(cluster, ar, obj, completes, &mut last).await {
                                Some(done) => done,
                                None => Err("deleted before it finished".into()),
                            };
                        }
                        WatchEvent::Bookmark(b) => from = Some(b.metadata.resource_version),
                        WatchEvent::Error(status) => {
                            // 410: too old to go on from; list again.
                            if status.code == 410 {
                                from = None;
                            }
                            last = status.message;
                            break;
                        }
                    }
                }
            }
        }
        if Instant::now() >= deadline {
            return Err(format!("not finished within the timeout ({last})"));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Whether the hook as seen now has finished, and how.
async fn judge(
    cluster: &Cluster,
    ar: &ApiResource,
    obj: DynamicObject,
    completes: bool,
    last: &mut String,
) -> Option<Result<(), String>> {
    let obj = with_type(obj, ar);
    if completes {
        match finished(&obj) {
            Some(Ok(())) => Some(Ok(())),
            Some(Err(why)) if ar.kind == "Job" => Some(Err(job_failure(cluster, &obj, why).await)),
            Some(Err(why)) => Some(Err(why)),
            None => {
                *last = "still running".into();
                None
            }
        }
    } else {
        let h = health(&obj);
        if h.status == Status::Current {
            return Some(Ok(()));
        }
        *last = format!("{:?}: {}", h.status, h.message);
        None
    }
}

/// A failed Job's reason, with why its failed Pods failed.
pub(super) async fn job_failure(cluster: &Cluster, job: &Value, why: String) -> String {
    let name = job["metadata"]["name"].as_str().unwrap_or_default();
    let namespace = job["metadata"]["namespace"].as_str();
    let pod_id = ObjectId {
        group: String::new(),
        kind: "Pod".into(),
        namespace: namespace.map(str::to_string),
        name: String::new(),
    };
    let Some(ar) = cluster.resource_of(&pod_id, "v1") else {
        return why;
    };
    let pods = cluster.api(&ar, namespace);
    let params = ListParams::default().labels(&format!("batch.kubernetes.io/job-name={name}"));
    let Ok(list) = retry(|| pods.list(&params)).await else {
        return why;
    };
    let mut reasons = Vec::new();
    for pod in list.items {
        let pod = with_type(pod, &ar);
        if pod["status"]["phase"] == "Failed" {
            reasons.push(format!(
                "Pod {}: {}",
                pod["metadata"]["name"].as_str().unwrap_or_default(),
                pod_failure(&pod)
            ));
        }
    }
    if reasons.is_empty() {
        why
    } else {
        format!("{why}; {}", reasons.join("; "))
    }
}
