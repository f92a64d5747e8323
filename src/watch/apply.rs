//! A target loop's writes: sync a polled revision, heal drift from the
//! revision applied last, and the health and watch streams that follow a
//! sync.

use crate::notify::events::{Events, Reason};
use crate::notify::webhook::{Message, deliver_all};
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use super::http::Readiness;
use super::members;
use super::metrics::SyncResult;
use super::streams::Watchers;
use super::target::{Applied, Polled, TargetLoop};
use crate::cluster::applyset;
use crate::desired::DesiredSet;
use crate::engine::{Engine, PlanOptions, Record, SyncOptions};
use crate::health::Status;
use crate::plan::Change;
use crate::web::PendingKind;

/// How long the daemon waits for another writer of its ApplySet.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(60);

impl TargetLoop<'_> {
    /// Renders the target at what `polled` found and syncs it.
    pub(super) async fn sync(&mut self, polled: &Polled) -> bool {
        let started = Instant::now();
        let sha = polled.main.as_str();
        let mut settings = self.settings.clone();
        // A tag's signature can only be checked through the tag's name, so
        // with signatures verified the revision stays as the user named it
        // (the commit it gives is compared with `sha` below).
        if settings.source.verify.is_none() || settings.source.revision.is_none() {
            settings.source.revision = Some(sha.to_string());
        }
        let render = self.common.render.clone();
        // Helm renders for the cluster it is synced to.
        let facts = match self.connect().await {
            Ok(engine) => engine
                .cluster
                .capabilities()
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        let facts = match facts {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "cannot reach the cluster");
                return false;
            }
        };
        let loaded = tokio::task::spawn_blocking(move || {
            crate::load::load_pinned(&settings, &render, Some(facts))
        })
        .await;
        let (sources, targets) = match loaded {
            Ok(Ok(l)) => l,
            Ok(Err(e)) if crate::load::is_signature_error(&e) => {
                // Never applied, never retried: a signature does not change.
                self.metrics.signature_rejected();
                self.bad = Some(polled.clone());
                tracing::error!(revision = %sha, error = %format!("{e:#}"), "revision refused: no trusted signature; keeping the last good revision");
                return true;
            }
            Ok(Err(e)) if crate::load::is_content_error(&e) => {
                // A bad commit: keep what is applied, never prune for it.
                self.metrics.render_error(sha);
                self.bad = Some(polled.clone());
                tracing::error!(revision = %sha, error = %format!("{e:#}"), "commit does not render; keeping the last good revision");
                return true;
            }
            Ok(Err(e)) => {
                // A fetch, a renderer or the disk failed: that passes, so
                // the same commit is tried again, with backoff.
                if e.chain().any(|c| c.is::<crate::source::SourceError>()) {
                    self.metrics.git_error();
                } else {
                    self.metrics.render_error(sha);
                }
                tracing::warn!(revision = %sha, error = %format!("{e:#}"), "cannot load the commit; trying again");
                return false;
            }
            Err(e) => {
                tracing::error!(error = %e, "render task failed");
                return false;
            }
        };
        let loaded_sha = sources.main.commit.as_ref().map(|c| c.sha.as_str());
        if loaded_sha.is_some_and(|loaded| loaded != sha) {
            tracing::info!(revision = %sha, now = loaded_sha.unwrap_or_default(), "the revision moved while loading; polling again");
            return false;
        }
        let Some((target, set)) = targets.into_iter().next() else {
            return false;
        };
        // What was rendered: the pin's commit for a pinned target.
        let snapshot = sources.of(&target);
        let Some(commit) = snapshot.commit.as_ref() else {
            return false;
        };
        let revision = commit.sha.clone();
        // Polled again next time by what gitsync.yaml says now.
        let polled = Polled {
            main: polled.main.clone(),
            pin: target.revision.as_ref().map(|_| revision.clone()),
        };
        // Hooks run for a new revision, not for a resync of the same one.
        let resync = self
            .applied
            .as_ref()
            .is_some_and(|a| a.revision == revision);
        // A new revision waits for its sync window and for what it depends
        // on (dependencies, a rollout's earlier step); the next poll asks
        // again.
        if !resync && let Some(why) = self.held_back(&target, &revision, &polled.main).await {
            tracing::info!(revision = %revision, reason = %why, "not syncing yet");
            self.show_held(&target, &set, &revision, &why).await;
            self.waiting = Some(why);
            return true;
        }
        self.waiting = None;
        // For the dashboard: the plan of a sync that failed (what is still
        // pending), and the hooks a new revision's sync ran.
        let mut unsynced: Option<crate::plan::Plan> = None;
        let mut hooks_run = None;
        let result = async {
            let identity = crate::source::identity(&self.settings.source.repo);
            let name =
                applyset::name_for(self.common.watch.name.as_deref(), &identity, &target.path);
            let mut engine = Engine::connect(&target, &name, 16).await?;
            let path = crate::render::display_rel(&target.path);
            engine.check_origin(&identity, &path, false)?;
            engine.gate = self.gate();
            // One writer per ApplySet (a CLI sync may be running).
            let lock = engine.lock(WRITE_LOCK_WAIT).await?;
            // Whose ApplySet it is, as the last writer left it.
            if let Err(e) = engine.check_origin(&identity, &path, false) {
                lock.release().await;
                return Err(e.into());
            }
            // Watch the new members before writing them, so that a change
            // made right after this sync's write is seen. What drifted
            // before it, this sync puts back.
            let listed = self.follow(&engine, &set);
            self.drifts.take();
            let synced = async {
                let opts = PlanOptions {
                    prune: target.prune,
                    force_replace: false,
                    force_conflicts: true,
                    prune_pvcs: false,
                };
                let mut plan = engine.plan(&set, opts).await?;
                if resync {
                    // Hooks run for a new revision, not a resync of it.
                    plan.hooks.clear();
                }
                if !plan.errors.is_empty() {
                    let errs: Vec<String> = plan
                        .errors
                        .iter()
                        .map(|e| format!("{} {}: {}", e.api_version, e.id, e.message))
                        .collect();
                    unsynced = Some(plan);
                    anyhow::bail!("objects could not be planned: {}", errs.join("; "));
                }
                let options = SyncOptions {
                    allow_empty: false,
                    wait: false,
                    timeout: Duration::from_secs(60),
                    force_conflicts: true,
                    // watch does not wait for health.
                    wait_for_jobs: false,
                };
                let record = Record {
                    commit: Some(commit),
                    repository: identity,
                    path: crate::render::display_rel(&target.path),
                    signed_by: snapshot.signed_by.as_deref(),
                    window_override: None,
                };
                listed.await;
                let progress = |m: &str| tracing::debug!("{m}");
                let outcome = engine.sync(&plan, &options, &record, &progress).await;
                let outcome = match outcome {
                    Ok(o) if o.error.is_none() => o,
                    other => {
                        unsynced = Some(plan);
                        let o = other?;
                        hooks_run = (!resync).then_some(o.hooks);
                        anyhow::bail!(o.error.unwrap_or_default());
                    }
                };
                hooks_run = (!resync).then_some(outcome.hooks);
                Ok(outcome.objects.len())
            }
            .await;
            lock.release().await;
            anyhow::Ok((engine, synced?))
        }
        .await;
        if let Some(hooks) = &hooks_run {
            let web = &self.common.shared.dashboard.state;
            web.hooks(&self.key, &revision, hooks);
        }
        match result {
            Ok((engine, objects)) => {
                self.probe_api(&engine);
                self.metrics
                    .record_sync(SyncResult::Success, started.elapsed(), Some(&revision));
                self.common.shared.dashboard.state.synced(
                    &self.key,
                    commit,
                    &polled.main,
                    polled.pin.is_some(),
                    started.elapsed(),
                );
                self.common
                    .shared
                    .set_readiness(&self.key, Readiness::Synced);
                tracing::info!(revision = %revision, objects, ms = started.elapsed().as_millis() as u64, "synced");
                let summary = format!("synced {revision}: {objects} object(s)");
                self.event(&engine, Reason::Synced, summary.clone());
                self.notify("synced", &target, commit, &engine.cluster.server, summary);
                self.applied = Some(Applied {
                    polled,
                    revision,
                    target,
                    set,
                    applyset: engine.applyset.clone(),
                });
                self.bad = None;
                let (failed, current) = self.record_health(&engine).await;
                self.health_event(&engine, failed);
                let mut engine = engine;
                self.note_health(&mut engine, failed, current).await;
                self.engine = Some(engine);
                true
            }
            Err(e) => {
                // Judge drift by what is applied again; with nothing to
                // judge by, watch nothing until a sync succeeds.
                match (&self.applied, &self.engine, &mut self.watchers) {
                    (Some(applied), Some(engine), Some(watchers)) => {
                        drop(watchers.follow(&engine.cluster, &applied.set, &applied.applyset));
                    }
                    _ => self.watchers = None,
                }
                self.metrics
                    .record_sync(SyncResult::Error, started.elapsed(), None);
                let web = &self.common.shared.dashboard.state;
                web.failed(&self.key, &revision, &format!("{e:#}"), started.elapsed());
                if let Some(plan) = &unsynced {
                    let why = "the sync failed";
                    web.pending(
                        &self.key,
                        &revision,
                        PendingKind::Failed,
                        why,
                        &plan.changes,
                    );
                }
                self.common
                    .shared
                    .set_readiness(&self.key, Readiness::Failing);
                tracing::error!(revision = %revision, error = %format!("{e:#}"), "sync failed");
                let summary = format!("sync of {revision} failed: {e:#}");
                let server = self.engine.as_ref().map(|e| e.cluster.server.clone());
                if let Some(engine) = self.engine.take() {
                    self.event(&engine, Reason::SyncFailed, summary.clone());
                    self.engine = Some(engine);
                }
                self.notify(
                    "failed",
                    &target,
                    commit,
                    &server.unwrap_or_default(),
                    summary,
                );
                false
            }
        }
    }

    /// Re-applies what drifted from the applied revision: the objects the
    /// watch streams named (all of them after a broken stream), planned on
    /// the engine kept from the last sync or heal. An object another
    /// controller keeps writing back waits for its heal
    /// ([`super::schedule::HealBackoff`]).
    pub(super) async fn heal(&mut self) -> bool {
        let pending = self.drifts.take();
        let now = Instant::now();
        // Held objects whose wait is over are checked again now.
        // (Taken: a failed check below checks everything next time.)
        let (due, held): (HashSet<String>, HashSet<String>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|k| self.heal_backoff.held_until(k, now).is_none());
        self.held = held;
        if self.applied.is_none() || (!pending.all && pending.keys.is_empty() && due.is_empty()) {
            return true;
        }
        let mut engine = match self.engine.take() {
            Some(engine) => engine,
            None => match self.connect().await {
                Ok(engine) => engine,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "drift check failed");
                    self.drifts.check_all_next();
                    return false;
                }
            },
        };
        engine.gate = self.gate();
        let applied = self.applied.as_ref().expect("checked");
        // What to check now, and what waits (held, or still held).
        let mut keys = pending.keys;
        keys.extend(due);
        let mut held = std::mem::take(&mut self.held);
        let set = {
            let objects = applied
                .set
                .objects
                .iter()
                .filter(|o| {
                    let key = member_key(&engine, o);
                    if !pending.all && !keys.contains(&key) {
                        return false;
                    }
                    if self.heal_backoff.held_until(&key, now).is_some() {
                        held.insert(key);
                        return false;
                    }
                    true
                })
                .cloned()
                .collect();
            DesiredSet {
                objects,
                ..DesiredSet::default()
            }
        };
        self.held = held;
        if set.objects.is_empty() {
            // Only held objects drifted: nothing to write, no lock taken.
            self.engine = Some(engine);
            return true;
        }
        let planned = async {
            // Taking the lock reads the parent again: another writer may
            // have synced since this engine connected.
            let lock = engine.lock(WRITE_LOCK_WAIT).await?;
            let identity = crate::source::identity(&self.settings.source.repo);
            let path = crate::render::display_rel(&applied.target.path);
            if let Err(e) = engine.check_origin(&identity, &path, false) {
                lock.release().await;
                return Err(e.into());
            }
            let recorded = engine
                .parent
                .as_ref()
                .and_then(|p| p.record.get("revision"));
            if recorded.and_then(serde_json::Value::as_str) != Some(applied.revision.as_str()) {
                // Another writer synced another revision meanwhile: healing
                // to ours would roll it back. The next poll decides.
                lock.release().await;
                anyhow::bail!("the ApplySet was synced to another revision meanwhile; not healing");
            }
            // Whoever changed a field took it over; healing takes it back.
            let opts = PlanOptions {
                force_conflicts: true,
                ..PlanOptions::default()
            };
            let plan = engine.plan_objects(&set, opts).await;
            anyhow::Ok((plan?, lock))
        }
        .await;
        let (plan, lock) = match planned {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "drift check failed");
                self.drifts.check_all_next();
                return false;
            }
        };
        let ok = self.revert(&engine, &plan).await;
        lock.release().await;
        self.engine = Some(engine);
        ok
    }

    /// When the next held object may be healed (the loop wakes then).
    pub(super) fn next_heal(&self) -> Option<Instant> {
        let now = Instant::now();
        self.held
            .iter()
            .map(|k| self.heal_backoff.held_until(k, now).unwrap_or(now))
            .min()
    }

    /// Counts the drift in a heal's plan and re-applies it (self-heal).
    async fn revert(&mut self, engine: &Engine, plan: &crate::plan::Plan) -> bool {
        let drifted: Vec<&Change> = plan.changes.iter().filter(|c| c.needs_write()).collect();
        let web = &self.common.shared.dashboard.state;
        let labels = |cs: &[&Change]| -> Vec<String> {
            cs.iter()
                .map(|c| format!("{} {}", c.id.kind, c.id.name))
                .collect()
        };
        web.drift_found(&self.key, &labels(&drifted));
        if !self.common.watch.self_heal {
            // Nothing puts it back: the dashboard shows what a sync would.
            let revision = self.applied.as_ref().map_or("", |a| a.revision.as_str());
            web.drift_pending(&self.key, revision, &plan.changes);
        }
        if drifted.is_empty() {
            return true;
        }
        for c in &drifted {
            self.metrics.drift_event();
            tracing::warn!(object = %format!("{} {}", c.api_version, c.id), "drift detected");
        }
        let names: Vec<String> = drifted
            .iter()
            .map(|c| format!("{} {}", c.id.kind, c.id.name))
            .collect();
        let revision = self.applied.as_ref().map_or("-", |a| a.revision.as_str());
        let note = format!("{} differ from {revision}", names.join(", "));
        self.event(engine, Reason::DriftDetected, note);
        if !self.common.watch.self_heal {
            return true;
        }
        let results = engine.apply(&drifted, true).await;
        let mut ok = true;
        let mut reverted = Vec::new();
        for (c, r) in drifted.iter().zip(results) {
            match r {
                Ok(()) => {
                    self.metrics.drift_reverted();
                    tracing::info!(object = %format!("{} {}", c.api_version, c.id), "drift reverted");
                    reverted.push(format!("{} {}", c.id.kind, c.id.name));
                    let key = members::key(
                        &c.api_version,
                        &c.id.kind,
                        c.id.namespace.as_deref(),
                        &c.id.name,
                    );
                    if let Some(delay) = self.heal_backoff.healed(&key, Instant::now()) {
                        self.metrics.heal_backoff();
                        let (fields, managers) = fought_over(c);
                        tracing::warn!(
                            object = %format!("{} {}", c.api_version, c.id),
                            fields = %fields,
                            managers = %managers,
                            next_heal_in_s = delay.as_secs(),
                            "object keeps drifting back right after its heal: another writer fights over it; healing it less often"
                        );
                        self.held.insert(key);
                    }
                }
                Err(e) => {
                    ok = false;
                    tracing::error!(object = %format!("{} {}", c.api_version, c.id), error = %e, "drift not reverted");
                }
            }
        }
        self.common
            .shared
            .dashboard
            .state
            .drift_reverted(&self.key, &reverted);
        if !reverted.is_empty() {
            let revision = self.applied.as_ref().map_or("-", |a| a.revision.as_str());
            let note = format!("reverted drift of {} to {revision}", reverted.join(", "));
            self.event(engine, Reason::DriftReverted, note);
        }
        ok
    }

    /// Sends the target's notifications in the background, once per
    /// revision and result.
    fn notify(
        &mut self,
        event: &str,
        target: &crate::config::Target,
        commit: &crate::source::CommitInfo,
        server: &str,
        summary: String,
    ) {
        if target.notify.is_empty()
            || !self
                .notified
                .insert((commit.sha.clone(), event.to_string()))
        {
            return;
        }
        let message = Message::new(event, target.name.as_deref(), Some(commit), server, summary);
        let hooks = target.notify.clone();
        tokio::spawn(async move { deliver_all(&hooks, &message).await });
    }

    /// Writes an Event on the parent without waiting for it: a heal or
    /// a sync never waits on an Event.
    fn event(&mut self, engine: &Engine, reason: Reason, note: String) {
        let web = &self.common.shared.dashboard.state;
        web.event(&self.key, reason.as_str(), &note);
        let events = self
            .events
            .get_or_insert_with(|| Events::new(engine.cluster.client.clone(), &engine.applyset))
            .clone();
        tokio::spawn(async move { events.publish(reason, &note).await });
    }

    /// One health round over the applied objects, for /metrics.
    /// Returns how many objects failed.
    /// Failed objects, and whether every object is healthy.
    async fn record_health(&self, engine: &Engine) -> (u64, bool) {
        let Some(applied) = &self.applied else {
            return (0, false);
        };
        let ids: Vec<_> = applied
            .set
            .objects
            .iter()
            .map(|o| {
                let id = engine.cluster.id_of(&o.id, &o.api_version);
                (id, o.api_version.clone())
            })
            .collect();
        let health = engine.health(&ids, Instant::now()).await;
        self.common
            .shared
            .dashboard
            .state
            .health(&self.key, crate::web::objects(&ids, &health));
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for h in health {
            let key = match h.status {
                Status::Current => "current",
                Status::InProgress => "inprogress",
                Status::Failed => "failed",
                Status::Terminating => "terminating",
            };
            *counts.entry(key.to_string()).or_default() += 1;
        }
        self.metrics.set_objects_by_health(&counts);
        let all = counts.values().sum::<u64>();
        (
            counts.get("failed").copied().unwrap_or(0),
            counts.get("current").copied().unwrap_or(0) == all,
        )
    }

    /// Records on the parent that the applied revision is healthy (or
    /// failed): what a rollout's next step, a dependent target and
    /// `rollback` read. Still progressing: nothing yet.
    async fn note_health(&self, engine: &mut Engine, failed: u64, current: bool) {
        if !current && failed == 0 {
            return;
        }
        if let Err(e) = engine.record_health(current).await {
            tracing::warn!(error = %e, "recording health on the ApplySet parent failed");
        }
    }

    /// After a poll that found nothing new: while the applied revision is
    /// not yet recorded healthy, look again.
    pub(super) async fn recheck_health(&mut self) {
        // Nothing new is held back now (Git went back to what runs).
        self.common.shared.dashboard.state.not_held(&self.key);
        let Some(mut engine) = self.engine.take() else {
            return;
        };
        let recorded = engine
            .parent
            .as_ref()
            .and_then(|p| p.record.get(crate::engine::HEALTH))
            .and_then(serde_json::Value::as_str);
        if recorded != Some("Healthy") {
            let (failed, current) = self.record_health(&engine).await;
            self.note_health(&mut engine, failed, current).await;
        }
        self.engine = Some(engine);
    }

    /// Why `target` may not sync `revision` now: a closed sync window, or
    /// something it waits for (read from the ApplySet parents) not synced
    /// and healthy at that revision, or not soaked yet.
    async fn held_back(
        &self,
        target: &crate::config::Target,
        revision: &str,
        main: &str,
    ) -> Option<String> {
        if let Some(why) =
            crate::fleet::window::blocked(&target.windows, k8s_openapi::jiff::Timestamp::now())
        {
            return Some(why);
        }
        let first_step = target.order.step.as_ref().is_none_or(|s| s.index == 1);
        if target.order.depends_on.is_empty() && first_step {
            return None;
        }
        let mut settings = self.settings.clone();
        settings.targets = crate::settings::TargetSelection::All;
        // The file as the command's revision has it (a pinned target's
        // own commit may hold an older one).
        settings.source.revision = Some(main.to_string());
        let render = self.common.render.clone();
        let all = tokio::task::spawn_blocking(move || crate::load::resolve(&settings, &render))
            .await
            .ok()?
            .ok()?
            .1;
        let identity = crate::source::identity(&self.settings.source.repo);
        let name = self.common.watch.name.clone();
        crate::fleet::gate::waiting(&all, target, revision, &[], |t| {
            applyset::name_for(name.as_deref(), &identity, &t.path)
        })
        .await
    }

    /// An Event when the target's health changes: failed objects after a
    /// healthy round (or at start), or none after failed ones.
    fn health_event(&mut self, engine: &Engine, failed: u64) {
        let revision = self
            .applied
            .as_ref()
            .map_or_else(String::new, |a| a.revision.clone());
        match (self.degraded, failed > 0) {
            (false, true) => {
                self.degraded = true;
                let note = format!("{failed} object(s) failed at {revision}");
                self.event(engine, Reason::Unhealthy, note);
            }
            (true, false) => {
                self.degraded = false;
                let note = format!("every object healthy again at {revision}");
                self.event(engine, Reason::HealthRecovered, note);
            }
            _ => {}
        }
    }

    /// Points the watch streams at `set`'s members (starting them for
    /// this ApplySet if need be); the future ends once new streams listed.
    fn follow(
        &mut self,
        engine: &Engine,
        set: &DesiredSet,
    ) -> impl std::future::Future<Output = ()> + use<> {
        let applyset = &engine.applyset;
        if self
            .watchers
            .as_ref()
            .is_none_or(|w| w.applyset_id() != applyset.id)
        {
            self.watchers = Some(Watchers::new(
                applyset,
                self.drifts.clone(),
                self.metrics.clone(),
                self.streams.clone(),
            ));
        }
        let watchers = self.watchers.as_mut().expect("set above");
        watchers.follow(&engine.cluster, set, applyset)
    }
}

/// An object's member key, as the watch streams name it.
fn member_key(engine: &Engine, o: &crate::desired::DesiredObject) -> String {
    let ns = engine.cluster.namespace_of(&o.id, &o.api_version);
    members::key(&o.api_version, &o.id.kind, ns.as_deref(), &o.id.name)
}

/// The fields a heal took back and who had written them (names only,
/// never values): from the conflicts the plan forced, else from the
/// live object's managedFields.
fn fought_over(c: &Change) -> (String, String) {
    let mut fields = Vec::new();
    let mut managers = Vec::new();
    let mut add = |field: String, manager: Option<String>| {
        if !fields.contains(&field) {
            fields.push(field);
        }
        if let Some(m) = manager.filter(|m| !managers.contains(m)) {
            managers.push(m);
        }
    };
    if c.conflicts.is_empty() {
        if let (Some(git), Some(live)) = (&c.desired, &c.live) {
            let managed = c.managed_fields.clone().unwrap_or_default();
            for d in crate::drift::field_drift(git, live, &managed) {
                add(d.path, d.manager);
            }
        }
    } else {
        for conflict in &c.conflicts {
            add(conflict.field.clone(), Some(conflict.manager.clone()));
        }
    }
    let or_unknown = |v: Vec<String>| match v.is_empty() {
        true => "unknown".to_string(),
        false => v.join(", "),
    };
    (or_unknown(fields), or_unknown(managers))
}
