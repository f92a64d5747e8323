//! What the dashboard shows, as the watch loops report it.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

use super::pending::{self, PENDING_TEXT, Pending, PendingKind};
use crate::plan::Change;
use crate::report::Masker;

/// Syncs, heals and failures kept per target.
pub const HISTORY: usize = 50;
/// Points kept per target for the duration/drift chart.
pub const SERIES: usize = 60;
/// Kubernetes Events kept per target.
pub const EVENTS: usize = 50;

/// Every target's view, and a version bumped on each change so that
/// `/api/events` can wait for the next one.
#[derive(Debug)]
pub struct State {
    targets: Mutex<Vec<TargetView>>,
    changed: tokio::sync::watch::Sender<u64>,
    /// One for the daemon's life: a Secret value masks alike in every
    /// pending diff of the run, so a reader sees what changed.
    masker: Masker,
}

impl Default for State {
    fn default() -> Self {
        State {
            targets: Mutex::new(Vec::new()),
            changed: tokio::sync::watch::Sender::new(0),
            masker: Masker::new(),
        }
    }
}

/// The revision a target runs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Revision {
    pub sha: String,
    pub short: String,
    pub subject: String,
    pub author: String,
    /// Author time, RFC 3339.
    pub time: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ObjectView {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// `Healthy`, `Progressing`, `Degraded` or `Terminating`.
    pub health: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum HistoryKind {
    Sync,
    Heal,
    Failure,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HistoryEntry {
    pub time: String,
    pub kind: HistoryKind,
    pub revision: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LastSync {
    /// `success` or `failure`.
    pub result: String,
    pub duration_ms: u64,
    pub time: String,
    pub error: Option<String>,
}

/// A hook of the last run that had hooks.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HookView {
    pub kind: String,
    pub namespace: Option<String>,
    /// The name it got (`NAME<generated>` for a `generateName` hook that
    /// was never created).
    pub name: String,
    /// `PreSync`, `Sync`, `PostSync` or `SyncFail`.
    pub phase: String,
    /// `succeeded`, `failed` or `skipped`.
    pub result: String,
    pub message: Option<String>,
}

/// A Kubernetes Event gitsync published on the target's ApplySet parent.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EventView {
    pub time: String,
    pub reason: String,
    pub note: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Point {
    pub duration_ms: u64,
    pub drifted: u64,
}

/// One target, as `/api/targets/NAME` gives it (README: "Dashboard JSON").
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TargetView {
    pub name: String,
    /// For fleet targets named `APP@CLUSTER`: the app and the cluster.
    pub app: Option<String>,
    pub cluster: Option<String>,
    pub revision: Option<Revision>,
    pub pinned: bool,
    /// The branch head when it is not what runs (a pin, a held-back sync).
    pub git_ahead: Option<String>,
    /// `Healthy`, `Progressing`, `Degraded` or `Unknown` (nothing synced).
    pub health: String,
    pub objects: Vec<ObjectView>,
    /// Objects found drifted in the last check.
    pub drifted: u64,
    pub last_sync: Option<LastSync>,
    pub leader: bool,
    pub history: VecDeque<HistoryEntry>,
    pub series: VecDeque<Point>,
    /// What the next sync would change, when something is pending.
    pub pending: Option<Pending>,
    /// The revision whose sync last ran hooks, and those hooks.
    pub hooks_revision: Option<String>,
    pub hooks: Vec<HookView>,
    /// Newest first, at most [`EVENTS`].
    pub events: VecDeque<EventView>,
}

/// A target as the overview lists it (`/api/targets`): what a row shows,
/// without the lists the target page has.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TargetSummary {
    pub name: String,
    pub app: Option<String>,
    pub cluster: Option<String>,
    pub revision: Option<Revision>,
    pub pinned: bool,
    pub git_ahead: Option<String>,
    pub health: String,
    pub drifted: u64,
    pub last_sync: Option<LastSync>,
    pub leader: bool,
}

impl TargetSummary {
    /// The state the overview filters by (app.js's `state` says the same).
    pub fn state(&self) -> &'static str {
        state(self.last_sync.as_ref(), &self.health, self.drifted)
    }
}

fn state(last_sync: Option<&LastSync>, health: &str, drifted: u64) -> &'static str {
    match (last_sync, health) {
        (Some(s), _) if s.result == "failure" => "failing",
        (_, "Degraded") => "unhealthy",
        _ if drifted > 0 => "drifted",
        (_, "Progressing") => "progressing",
        (None, _) => "pending",
        _ => "synced",
    }
}

impl From<&TargetView> for TargetSummary {
    fn from(t: &TargetView) -> Self {
        TargetSummary {
            name: t.name.clone(),
            app: t.app.clone(),
            cluster: t.cluster.clone(),
            revision: t.revision.clone(),
            pinned: t.pinned,
            git_ahead: t.git_ahead.clone(),
            health: t.health.clone(),
            drifted: t.drifted,
            last_sync: t.last_sync.clone(),
            leader: t.leader,
        }
    }
}

impl TargetView {
    fn new(name: &str) -> Self {
        let (app, cluster) = match name.split_once('@') {
            Some((a, c)) if !a.is_empty() && !c.is_empty() => {
                (Some(a.to_string()), Some(c.to_string()))
            }
            _ => (None, None),
        };
        TargetView {
            name: name.to_string(),
            app,
            cluster,
            revision: None,
            pinned: false,
            git_ahead: None,
            health: "Unknown".into(),
            objects: Vec::new(),
            drifted: 0,
            last_sync: None,
            leader: true,
            history: VecDeque::new(),
            series: VecDeque::new(),
            pending: None,
            hooks_revision: None,
            hooks: Vec::new(),
            events: VecDeque::new(),
        }
    }

    /// The state the overview filters by.
    pub fn state(&self) -> &'static str {
        state(self.last_sync.as_ref(), &self.health, self.drifted)
    }

    fn record(&mut self, kind: HistoryKind, revision: Option<String>, detail: String) {
        if self.history.len() == HISTORY {
            self.history.pop_back();
        }
        self.history.push_front(HistoryEntry {
            time: now(),
            kind,
            revision,
            detail,
        });
    }

    fn point(&mut self, duration_ms: u64) {
        if self.series.len() == SERIES {
            self.series.pop_front();
        }
        self.series.push_back(Point {
            duration_ms,
            drifted: self.drifted,
        });
    }
}

fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_string()
}

/// An Event's note as the API keeps it: at most 1 kB.
const NOTE: usize = 1024;

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max - 3;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

fn short(sha: &str) -> String {
    sha.chars().take(7).collect()
}

impl State {
    /// Every target, in registration order.
    pub fn targets(&self) -> Vec<TargetView> {
        lock(&self.targets).clone()
    }

    pub fn target(&self, name: &str) -> Option<TargetView> {
        self.peek(name, TargetView::clone)
    }

    /// `f` of one target's view, under the lock: the loops ask small
    /// questions at every poll, and a whole view (history, pending diff)
    /// is not worth copying for them.
    fn peek<R>(&self, name: &str, f: impl FnOnce(&TargetView) -> R) -> Option<R> {
        lock(&self.targets).iter().find(|t| t.name == name).map(f)
    }

    /// Every target's summary, in registration order.
    pub fn summaries(&self) -> Vec<TargetSummary> {
        lock(&self.targets)
            .iter()
            .map(TargetSummary::from)
            .collect()
    }

    /// The change counter, for `/api/events`.
    pub fn version(&self) -> u64 {
        *self.changed.borrow()
    }

    /// Waits until the version differs from `seen`.
    pub async fn changed_since(&self, seen: u64) {
        let mut rx = self.changed.subscribe();
        let _ = rx.wait_for(|v| *v != seen).await;
    }

    fn update(&self, name: &str, f: impl FnOnce(&mut TargetView)) {
        {
            let mut targets = lock(&self.targets);
            match targets.iter_mut().find(|t| t.name == name) {
                Some(t) => f(t),
                None => {
                    let mut t = TargetView::new(name);
                    f(&mut t);
                    targets.push(t);
                }
            }
        }
        self.changed.send_modify(|v| *v += 1);
    }

    pub fn register(&self, name: &str) {
        self.update(name, |_| {});
    }

    pub fn unregister(&self, name: &str) {
        lock(&self.targets).retain(|t| t.name != name);
        self.changed.send_modify(|v| *v += 1);
    }

    /// A sync of `commit` worked; `head` is the branch's head polled.
    pub fn synced(
        &self,
        name: &str,
        commit: &crate::source::CommitInfo,
        head: &str,
        pinned: bool,
        took: Duration,
    ) {
        self.update(name, |t| {
            let ms = took.as_millis() as u64;
            t.revision = Some(Revision {
                sha: commit.sha.clone(),
                short: short(&commit.sha),
                subject: commit.subject.clone(),
                author: commit.author.clone(),
                time: commit.time.clone(),
            });
            t.pinned = pinned;
            t.git_ahead = (head != commit.sha).then(|| short(head));
            t.drifted = 0;
            t.last_sync = Some(LastSync {
                result: "success".into(),
                duration_ms: ms,
                time: now(),
                error: None,
            });
            t.record(HistoryKind::Sync, Some(short(&commit.sha)), "synced".into());
            t.point(ms);
            t.pending = None;
        });
    }

    /// A sync of `revision` failed with `error` (already free of secret
    /// values: the engine's errors name objects, never their data).
    pub fn failed(&self, name: &str, revision: &str, error: &str, took: Duration) {
        self.update(name, |t| {
            let ms = took.as_millis() as u64;
            t.last_sync = Some(LastSync {
                result: "failure".into(),
                duration_ms: ms,
                time: now(),
                error: Some(error.to_string()),
            });
            t.record(
                HistoryKind::Failure,
                Some(short(revision)),
                error.to_string(),
            );
            t.point(ms);
        });
    }

    /// A drift check found `objects` (labels) differing from Git; none:
    /// nothing drifts (any earlier drift was put back by a sync).
    pub fn drift_found(&self, name: &str, objects: &[String]) {
        if objects.is_empty() && self.peek(name, |t| t.drifted).is_none_or(|d| d == 0) {
            return;
        }
        self.update(name, |t| {
            t.drifted = objects.len() as u64;
            if objects.is_empty() {
                return;
            }
            let revision = t.revision.as_ref().map(|r| r.short.clone());
            t.record(
                HistoryKind::Heal,
                revision,
                format!("drift on {}", objects.join(", ")),
            );
            // The chart shows drift as found, before any heal.
            if t.series.len() == SERIES {
                t.series.pop_front();
            }
            t.series.push_back(Point {
                duration_ms: 0,
                drifted: objects.len() as u64,
            });
        });
    }

    /// Self-heal put `objects` back as Git has them.
    pub fn drift_reverted(&self, name: &str, objects: &[String]) {
        if objects.is_empty() {
            return;
        }
        self.update(name, |t| {
            t.drifted = t.drifted.saturating_sub(objects.len() as u64);
            let revision = t.revision.as_ref().map(|r| r.short.clone());
            t.record(
                HistoryKind::Heal,
                revision,
                format!("reverted drift of {}", objects.join(", ")),
            );
        });
    }

    /// The last health round, object by object.
    pub fn health(&self, name: &str, objects: Vec<ObjectView>) {
        self.update(name, |t| {
            t.health = overall(&objects).into();
            t.objects = objects;
        });
    }

    /// Whether the pending diff is of `revision`, held back, already: a
    /// held revision is planned once, not at every poll. If so, its reason
    /// is brought up to date (a window closed, a dependency now waited
    /// for).
    pub fn holds(&self, name: &str, revision: &str, reason: &str) -> bool {
        let held = self.peek(name, |t| {
            t.pending
                .as_ref()
                .filter(|p| p.kind == PendingKind::Held && p.revision == revision)
                .map(|p| p.reason != reason)
        });
        match held.flatten() {
            Some(true) => self.update(name, |t| {
                if let Some(p) = t.pending.as_mut() {
                    p.reason = reason.to_string();
                }
            }),
            Some(false) => {}
            None => return false,
        }
        true
    }

    /// No revision is held back any more (Git is back at what runs): its
    /// diff and its "Git ahead" mark go.
    pub fn not_held(&self, name: &str) {
        let held = self.peek(name, |t| {
            t.pending
                .as_ref()
                .filter(|p| p.kind == PendingKind::Held)
                .map(|p| short(&p.revision))
        });
        let Some(held) = held.flatten() else {
            return;
        };
        self.update(name, |t| {
            t.pending = None;
            if !t.pinned && t.git_ahead.as_ref() == Some(&held) {
                t.git_ahead = None;
            }
        });
    }

    /// What syncing `revision` would change: `planned` (the plan's
    /// changes) masked and bounded. A held revision also marks Git ahead.
    pub fn pending(
        &self,
        name: &str,
        revision: &str,
        kind: PendingKind,
        reason: &str,
        planned: &[Change],
    ) {
        // Diffed outside the lock: the pages never wait for it.
        let (changes, total, truncated) = pending::changes(planned, &self.masker, PENDING_TEXT);
        self.update(name, |t| {
            if kind == PendingKind::Held && t.revision.as_ref().is_none_or(|r| r.sha != revision) {
                t.git_ahead = Some(short(revision));
            }
            t.pending = Some(Pending {
                revision: revision.to_string(),
                kind,
                reason: reason.to_string(),
                time: now(),
                changes,
                total,
                truncated,
            });
        });
    }

    /// A drift check (self-heal off) planned `planned` against the applied
    /// `revision`: the drift among them is pending. A held or failed
    /// revision's diff stays: it says what the next sync does.
    pub fn drift_pending(&self, name: &str, revision: &str, planned: &[Change]) {
        let Some(pending) = self.peek(name, |t| t.pending.clone()) else {
            return;
        };
        let mut p = match pending {
            Some(p) if p.kind == PendingKind::Drift && p.revision == revision => p,
            Some(_) => return,
            None if !planned.iter().any(Change::needs_write) => return,
            None => Pending {
                revision: revision.to_string(),
                kind: PendingKind::Drift,
                reason: "drifted from Git; self-heal is off".into(),
                time: String::new(),
                changes: Vec::new(),
                total: 0,
                truncated: false,
            },
        };
        pending::merge_drift(&mut p, planned, &self.masker);
        p.time = now();
        self.update(name, |t| {
            // A check covers the objects its watch events named; what
            // earlier checks found and nothing put back still drifts.
            t.drifted = p.changes.len() as u64;
            t.pending = (!p.changes.is_empty()).then_some(p);
        });
    }

    /// The hooks the sync of `revision` ran (or skipped).
    pub fn hooks(&self, name: &str, revision: &str, hooks: &[crate::engine::HookOutcome]) {
        let hooks = hooks
            .iter()
            .map(|h| HookView {
                kind: h.id.kind.clone(),
                namespace: h.id.namespace.clone(),
                name: match h.generate_name {
                    true => format!("{}<generated>", h.id.name),
                    false => h.id.name.clone(),
                },
                phase: h.phase.as_str().into(),
                result: h.result.as_str().into(),
                message: h.message.clone(),
            })
            .collect();
        self.update(name, |t| {
            t.hooks_revision = Some(short(revision));
            t.hooks = hooks;
        });
    }

    /// An Event the loop published on the target's ApplySet parent (kept
    /// as sent: reading Events back would cost requests).
    pub fn event(&self, name: &str, reason: &str, note: &str) {
        self.update(name, |t| {
            if t.events.len() == EVENTS {
                t.events.pop_back();
            }
            t.events.push_front(EventView {
                time: now(),
                reason: reason.to_string(),
                note: cut(note, NOTE),
            });
        });
    }

    pub fn leading(&self, name: &str, leads: bool) {
        if self.peek(name, |t| t.leader) == Some(leads) {
            return;
        }
        self.update(name, |t| t.leader = leads);
    }
}

fn overall(objects: &[ObjectView]) -> &'static str {
    if objects.iter().any(|o| o.health == "Degraded") {
        "Degraded"
    } else if objects.iter().all(|o| o.health == "Healthy") {
        "Healthy"
    } else {
        "Progressing"
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each update leaves the view whole: a poisoned lock is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(sha: &str) -> crate::source::CommitInfo {
        crate::source::CommitInfo {
            sha: sha.into(),
            author: "Ann".into(),
            author_email: "ann@example.com".into(),
            time: "2026-11-26T12:00:00Z".into(),
            subject: "one".into(),
        }
    }

    #[test]
    fn fleet_names_split_into_app_and_cluster() {
        let s = State::default();
        s.register("shop@eu");
        s.register("plain");
        let t = s.targets();
        assert_eq!(t[0].app.as_deref(), Some("shop"));
        assert_eq!(t[0].cluster.as_deref(), Some("eu"));
        assert_eq!(t[1].app, None);
    }

    #[test]
    fn history_is_bounded_and_newest_first() {
        let s = State::default();
        for i in 0..HISTORY + 5 {
            s.synced(
                "t",
                &commit(&format!("{i:040}")),
                "x",
                false,
                Duration::ZERO,
            );
        }
        let t = s.target("t").unwrap();
        assert_eq!(t.history.len(), HISTORY);
        assert_eq!(t.series.len(), SERIES.min(HISTORY + 5));
        assert_eq!(
            t.history[0].revision.as_deref(),
            Some(&format!("{:040}", HISTORY + 4)[..7])
        );
        assert_eq!(t.git_ahead.as_deref(), Some("x"));
    }

    /// A held revision is planned once: later polls only bring its reason
    /// up to date; Git going back to what runs drops it.
    #[test]
    fn a_held_revision_is_pending_once_and_dropped_when_git_goes_back() {
        let s = State::default();
        s.synced("t", &commit("a"), "a", false, Duration::ZERO);
        assert!(!s.holds("t", "b", "window"));
        s.pending("t", "b", PendingKind::Held, "window", &[]);
        assert!(s.holds("t", "b", "dependency"));
        let t = s.target("t").unwrap();
        assert_eq!(t.pending.unwrap().reason, "dependency");
        assert_eq!(t.git_ahead.as_deref(), Some("b"));
        assert!(!s.holds("t", "c", "window"));
        s.not_held("t");
        let t = s.target("t").unwrap();
        assert_eq!((t.pending, t.git_ahead), (None, None));
    }

    /// Under --no-self-heal drift adds up over checks of single objects.
    #[test]
    fn drift_without_self_heal_counts_every_object_still_drifting() {
        use crate::plan::Action;
        use crate::web::pending::tests::{change, config_map};
        let s = State::default();
        s.synced("t", &commit("a"), "a", false, Duration::ZERO);
        let drifted = |n: &str| {
            change(
                Action::Update,
                Some(config_map(n, "x")),
                Some(config_map(n, "y")),
            )
        };
        let back = |n: &str| change(Action::Unchanged, Some(config_map(n, "y")), None);
        for (name, planned) in [("one", drifted("one")), ("two", drifted("two"))] {
            s.drift_found("t", &[format!("ConfigMap {name}")]);
            s.drift_pending("t", "a", &[planned]);
        }
        assert_eq!(s.target("t").unwrap().drifted, 2);
        s.drift_found("t", &[]);
        s.drift_pending("t", "a", &[back("one")]);
        let t = s.target("t").unwrap();
        assert_eq!(t.drifted, 1);
        assert_eq!(t.pending.unwrap().changes[0].name, "two");
        s.drift_found("t", &[]);
        s.drift_pending("t", "a", &[back("two")]);
        let t = s.target("t").unwrap();
        assert_eq!((t.drifted, t.pending), (0, None));
    }

    #[test]
    fn events_are_bounded_and_newest_first() {
        let s = State::default();
        for i in 0..EVENTS + 3 {
            s.event("t", "Synced", &format!("synced {i}"));
        }
        s.event("t", "SyncFailed", &"x".repeat(5000));
        let t = s.target("t").unwrap();
        assert_eq!(t.events.len(), EVENTS);
        assert_eq!(t.events[0].reason, "SyncFailed");
        assert!(t.events[0].note.len() <= NOTE);
        assert_eq!(t.events[1].note, format!("synced {}", EVENTS + 2));
    }

    #[test]
    fn degraded_objects_make_the_target_unhealthy() {
        let s = State::default();
        let o = |h: &str| ObjectView {
            kind: "Deployment".into(),
            namespace: None,
            name: "web".into(),
            health: h.into(),
            reason: String::new(),
        };
        s.health("t", vec![o("Healthy"), o("Degraded")]);
        assert_eq!(s.target("t").unwrap().health, "Degraded");
        assert_eq!(s.target("t").unwrap().state(), "unhealthy");
    }
}
