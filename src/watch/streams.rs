//! Watch streams on the ApplySet's members: any change to what an object
//! says (not its status, not bookkeeping) or a deletion sends a wake-up,
//! naming the member ([`Drift`]). A stream that keeps failing (its RBAC
//! removed, say) means drift there goes unseen: that is a warning, a
//! metric and a degraded `/readyz` ([`StreamHealth`]) until it works again.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt, stream};
use kube::api::{DynamicObject, TypeMeta};
use kube::discovery::ApiResource;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use tokio::sync::{mpsc, oneshot};

use super::members::{self, Tracker};
use super::metrics::Metrics;
use crate::cluster::Cluster;
use crate::cluster::applyset::{ApplySet, PART_OF};
use crate::cluster::resource::{manifest, resource_key};
use crate::desired::DesiredSet;

/// What the watch streams saw since the last heal took it: the members
/// that changed or went away (their [`members::key`]), or `all` when
/// anything may have (a re-list after a broken stream left a member out).
#[derive(Debug, Default)]
pub struct Pending {
    pub all: bool,
    pub keys: HashSet<String>,
}

/// Drift reported by the streams, gathered until the loop takes it: a set
/// (bounded by the members), so that no report is ever dropped.
#[derive(Debug, Default)]
pub struct Drifts {
    pending: std::sync::Mutex<Pending>,
    notify: tokio::sync::Notify,
}

impl Drifts {
    /// Records `key`'s drift (`None`: anything may have drifted).
    fn add(&self, key: Option<String>) {
        {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            match key {
                None => p.all = true,
                Some(key) => {
                    p.keys.insert(key);
                }
            }
        }
        self.notify.notify_one();
    }

    /// Until drift was reported (at once if some was since the last wait).
    pub async fn reported(&self) {
        self.notify.notified().await;
    }

    /// Makes the next heal check every member (one failed: what it was
    /// to check may be anything by then). Wakes nothing: the next report
    /// or the resync brings that heal.
    pub fn check_all_next(&self) {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).all = true;
    }

    /// What was reported since the last take.
    pub fn take(&self) -> Pending {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A watched stream's event, tagged with the stream's index.
type Tagged = (usize, Result<watcher::Event<DynamicObject>, watcher::Error>);

/// A stream joining the running watch task.
struct Joining {
    index: usize,
    /// What the stream watches, for logs, metrics and `/readyz`.
    name: StreamName,
    stream: stream::BoxStream<'static, Tagged>,
    /// Fired when the stream has listed everything once.
    listed: oneshot::Sender<()>,
}

/// The watch streams on one ApplySet's members: one per (type,
/// namespace), in a task that lives as long as this value.
///
/// The streams follow each sync's members in place ([`Watchers::follow`])
/// rather than being started again after it: a fresh stream takes what it
/// first lists as the baseline, so a change made between the sync's apply
/// and that listing would never be reported.
pub struct Watchers {
    applyset_id: String,
    selector: String,
    tracker: Arc<Mutex<Tracker>>,
    join: mpsc::UnboundedSender<Joining>,
    /// Per watched (type, namespace): dropping the sender ends the stream.
    stops: HashMap<(String, Option<String>), oneshot::Sender<()>>,
    next_index: usize,
    task: tokio::task::JoinHandle<()>,
    health: Arc<StreamHealth>,
}

/// How long a sync waits for new streams to list before it applies.
const LISTED_WAIT: Duration = Duration::from_secs(10);

impl Watchers {
    /// Watches nothing yet; [`Watchers::follow`] names the members.
    pub fn new(
        applyset: &ApplySet,
        drifts: Arc<Drifts>,
        metrics: Arc<Metrics>,
        health: Arc<StreamHealth>,
    ) -> Watchers {
        let tracker = Arc::new(Mutex::new(Tracker::new(HashMap::new())));
        let (join, joining) = mpsc::unbounded_channel();
        let report = Report {
            drifts,
            metrics,
            health: health.clone(),
        };
        let task = tokio::spawn(run(joining, tracker.clone(), report));
        Watchers {
            applyset_id: applyset.id.clone(),
            selector: format!("{PART_OF}={}", applyset.id),
            tracker,
            join,
            stops: HashMap::new(),
            next_index: 0,
            task,
            health,
        }
    }

    /// The ApplySet whose members these streams watch.
    pub fn applyset_id(&self) -> &str {
        &self.applyset_id
    }

    /// Judges changes against `set` from now on, watching the types and
    /// namespaces it adds and no longer those it drops. Call it before
    /// applying `set`: gitsync's own writes then match what is expected
    /// and wake nobody. The future ends once the new streams have listed
    /// (bounded by [`LISTED_WAIT`]), so nothing after it goes unseen.
    pub fn follow(
        &mut self,
        cluster: &Cluster,
        set: &DesiredSet,
        applyset: &ApplySet,
    ) -> impl std::future::Future<Output = ()> + use<> {
        let mut wanted: HashMap<(String, Option<String>), ApiResource> = HashMap::new();
        let mut manifests: HashMap<String, serde_json::Value> = HashMap::new();
        for o in &set.objects {
            let ns = cluster.namespace_of(&o.id, &o.api_version);
            let mut m = manifest(o, &ns);
            applyset.label(&mut m);
            let key = members::key(&o.api_version, &o.id.kind, ns.as_deref(), &o.id.name);
            manifests.insert(key, m);
            if let Some(ar) = cluster.resource_of(&o.id, &o.api_version) {
                wanted.entry((resource_key(&ar), ns)).or_insert(ar);
            }
        }
        self.tracker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .follow(manifests);
        let health = &self.health;
        self.stops.retain(|kind, _| {
            let keep = wanted.contains_key(kind);
            if !keep {
                health.forget(kind);
            }
            keep
        });
        let mut listed = Vec::new();
        for (kind, ar) in wanted {
            if self.stops.contains_key(&kind) {
                continue;
            }
            let (stop, stopped) = oneshot::channel::<()>();
            let (done, done_rx) = oneshot::channel();
            let index = self.next_index;
            self.next_index += 1;
            let api = cluster.stream_api(&ar, kind.1.as_deref());
            let name = StreamName {
                key: kind.clone(),
                resource: resource_label(&ar),
                namespace: kind.1.clone(),
            };
            let stream = watcher(api, watcher::Config::default().labels(&self.selector))
                .backoff(RetryBackoff::default())
                // Listed objects carry no apiVersion and kind (only watch
                // events do): without them a re-listed member would match
                // no manifest, and drift during the break would go unseen.
                .map(move |event| (index, event.map(|e| e.modify(|obj| set_type(obj, &ar)))))
                .take_until(stopped)
                .boxed();
            let joining = Joining {
                index,
                name,
                stream,
                listed: done,
            };
            if self.join.send(joining).is_ok() {
                self.stops.insert(kind, stop);
                listed.push(done_rx);
            }
        }
        async move {
            let all = futures::future::join_all(listed);
            if tokio::time::timeout(LISTED_WAIT, all).await.is_err() {
                tracing::warn!("watch streams have not listed the members yet; going on");
            }
        }
    }
}

impl Drop for Watchers {
    fn drop(&mut self) {
        self.task.abort();
        // No streams, none failing: readiness no longer waits on them.
        self.health.clear();
    }
}

/// Where the watch task reports to.
struct Report {
    drifts: Arc<Drifts>,
    metrics: Arc<Metrics>,
    health: Arc<StreamHealth>,
}

/// A stream: its (type, namespace) key and how logs and metrics name it.
#[derive(Debug, Clone)]
struct StreamName {
    key: (String, Option<String>),
    /// `configmaps`, `deployments.apps`.
    resource: String,
    namespace: Option<String>,
}

impl std::fmt::Display for StreamName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} in namespace {ns}", self.resource),
            None => write!(f, "{}", self.resource),
        }
    }
}

/// `plural` or `plural.group`, as `kubectl` names a resource.
fn resource_label(ar: &ApiResource) -> String {
    match ar.group.as_str() {
        "" => ar.plural.clone(),
        group => format!("{}.{group}", ar.plural),
    }
}

/// The first retry of a broken stream after [`RETRY_MIN`], doubling up to
/// [`RETRY_MAX`] (kube's default goes up to 30 s). Short enough that a
/// stream erring no more for [`RECOVERED_AFTER`] is known to work again,
/// and that drift is seen soon after RBAC or the API server is back.
const RETRY_MIN: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(8);

/// No error for this long (more than the longest retry gap): the stream
/// works again.
const RECOVERED_AFTER: Duration = Duration::from_secs(15);

/// A failing stream is logged once, then at most this often (with how
/// many errors there were since), not once per retry.
const WARN_EVERY: Duration = Duration::from_secs(60);

struct RetryBackoff {
    next: Duration,
}

impl Default for RetryBackoff {
    fn default() -> Self {
        RetryBackoff { next: RETRY_MIN }
    }
}

impl Iterator for RetryBackoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let now = self.next;
        self.next = (now * 2).min(RETRY_MAX);
        Some(super::schedule::jitter(now))
    }
}

impl kube::runtime::utils::Backoff for RetryBackoff {
    fn reset(&mut self) {
        self.next = RETRY_MIN;
    }
}

/// Which of a target's watch streams are failing, for `/readyz`.
#[derive(Debug, Default)]
pub struct StreamHealth {
    failing: Mutex<HashMap<(String, Option<String>), Failing>>,
}

#[derive(Debug)]
struct Failing {
    name: String,
    since: Instant,
    last: Instant,
    reason: String,
    warned: Instant,
    /// Errors since the last warning.
    unwarned: u64,
}

impl StreamHealth {
    /// A stream erred; `Some(errors since the last warning)` when a
    /// warning is due (the first error, then once per [`WARN_EVERY`]).
    fn error(&self, stream: &StreamName, reason: String) -> Option<u64> {
        let now = Instant::now();
        let mut failing = self.lock();
        match failing.get_mut(&stream.key) {
            Some(f) if now.duration_since(f.last) < RECOVERED_AFTER => {
                f.last = now;
                f.reason = reason;
                f.unwarned += 1;
                if now.duration_since(f.warned) < WARN_EVERY {
                    return None;
                }
                f.warned = now;
                Some(std::mem::take(&mut f.unwarned))
            }
            _ => {
                failing.insert(
                    stream.key.clone(),
                    Failing {
                        name: stream.to_string(),
                        since: now,
                        last: now,
                        reason,
                        warned: now,
                        unwarned: 0,
                    },
                );
                Some(1)
            }
        }
    }

    /// The stream works (a watch event came through): not failing.
    fn ok(&self, key: &(String, Option<String>)) -> bool {
        self.lock().remove(key).is_some()
    }

    /// Streams quiet for [`RECOVERED_AFTER`]: recovered; their names.
    fn recovered(&self) -> Vec<String> {
        let mut gone = Vec::new();
        self.lock().retain(|_, f| {
            let failing = f.last.elapsed() < RECOVERED_AFTER;
            if !failing {
                gone.push(f.name.clone());
            }
            failing
        });
        gone
    }

    fn forget(&self, key: &(String, Option<String>)) {
        self.lock().remove(key);
    }

    fn clear(&self) {
        self.lock().clear();
    }

    /// Why the streams are degraded: the first failing one, how long it
    /// has been failing and its last error; `None` when none is.
    pub fn degraded(&self) -> Option<String> {
        let failing = self.lock();
        let f = failing
            .values()
            .filter(|f| f.last.elapsed() < RECOVERED_AFTER)
            .min_by_key(|f| f.since)?;
        Some(format!(
            "watch stream on {} failing for {} s, drift there goes unseen: {}",
            f.name,
            f.since.elapsed().as_secs(),
            f.reason
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, Option<String>), Failing>> {
        self.failing.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How often the watch task looks for streams that recovered.
const RECOVERY_CHECK: Duration = Duration::from_secs(5);

/// The watch task: merges the streams, judges each event, reports drift.
async fn run(
    mut joining: mpsc::UnboundedReceiver<Joining>,
    tracker: Arc<Mutex<Tracker>>,
    report: Report,
) {
    let Report {
        drifts,
        metrics,
        health,
    } = report;
    let mut merged = stream::SelectAll::<stream::BoxStream<'static, Tagged>>::new();
    // Per stream: fired (None) once it listed everything once.
    let mut listing: HashMap<usize, Option<oneshot::Sender<()>>> = HashMap::new();
    let mut names: HashMap<usize, StreamName> = HashMap::new();
    let mut check = tokio::time::interval(RECOVERY_CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Biased: a stream follow() added joins before any event is judged.
        let (index, event) = tokio::select! {
            biased;
            joined = joining.recv() => match joined {
                Some(j) => {
                    listing.insert(j.index, Some(j.listed));
                    names.insert(j.index, j.name);
                    merged.push(j.stream);
                    continue;
                }
                None => return,
            },
            Some(tagged) = merged.next(), if !merged.is_empty() => tagged,
            _ = check.tick() => {
                for name in health.recovered() {
                    tracing::info!(stream = %name, "watch stream works again");
                }
                continue;
            }
        };
        let Some(name) = names.get(&index) else {
            continue;
        };
        let event = match event {
            Ok(e) => e,
            // The API server forgot the version watched from: a re-list
            // follows, as it does now and then on any long watch.
            Err(watcher::Error::WatchError(status)) if status.code == 410 => {
                tracing::debug!(stream = %name, "watch expired; listing again");
                continue;
            }
            Err(e) => {
                metrics.watch_stream_error(&name.resource);
                if let Some(errors) = health.error(name, e.to_string()) {
                    tracing::warn!(stream = %name, errors, error = %e, "watch stream failing (retrying): drift there goes unseen until it works again");
                }
                continue;
            }
        };
        // A watch event proves the stream works again (a listing does
        // not: the watch after it may still be refused).
        if matches!(event, watcher::Event::Apply(_) | watcher::Event::Delete(_))
            && health.ok(&name.key)
        {
            tracing::info!(stream = %name, "watch stream works again");
        }
        let settled = listing.get(&index).is_some_and(Option::is_none);
        let due = {
            let mut tracker = tracker.lock().unwrap_or_else(|e| e.into_inner());
            match event {
                watcher::Event::Init => None,
                // A re-list after a broken stream (API server restart)
                // compares with what was seen before it broke.
                watcher::Event::InitApply(obj) => {
                    let key = member_key(&obj);
                    let changed = tracker.changed(&key, &to_value(&obj), settled);
                    changed.then_some(Some(key))
                }
                // A member deleted while the stream was broken shows only
                // as missing from the re-list: one check of all covers it.
                watcher::Event::InitDone => {
                    if let Some(Some(done)) = listing.insert(index, None) {
                        let _ = done.send(());
                    }
                    settled.then_some(None)
                }
                watcher::Event::Apply(obj) => {
                    let key = member_key(&obj);
                    let changed = tracker.changed(&key, &to_value(&obj), true);
                    changed.then_some(Some(key))
                }
                watcher::Event::Delete(obj) => {
                    let key = member_key(&obj);
                    tracker.deleted(&key).then_some(Some(key))
                }
            }
        };
        if let Some(drift) = due {
            drifts.add(drift);
        }
    }
}

fn set_type(obj: &mut DynamicObject, ar: &ApiResource) {
    if obj.types.as_ref().is_none_or(|t| t.kind.is_empty()) {
        obj.types = Some(TypeMeta {
            api_version: ar.api_version.clone(),
            kind: ar.kind.clone(),
        });
    }
}

fn member_key(obj: &DynamicObject) -> String {
    let (api_version, kind) = obj
        .types
        .as_ref()
        .map_or(("", ""), |t| (t.api_version.as_str(), t.kind.as_str()));
    members::key(
        api_version,
        kind,
        obj.metadata.namespace.as_deref(),
        obj.metadata.name.as_deref().unwrap_or(""),
    )
}

fn to_value(obj: &DynamicObject) -> serde_json::Value {
    serde_json::to_value(obj).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_object_gets_its_type_and_so_its_member_key() {
        let ar = ApiResource::erase::<k8s_openapi::api::apps::v1::Deployment>(&());
        // As a LIST returns items: no apiVersion, no kind.
        let mut obj: DynamicObject = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web", "namespace": "shop"}
        }))
        .unwrap();
        assert_eq!(member_key(&obj), "//shop/web");
        set_type(&mut obj, &ar);
        assert_eq!(
            member_key(&obj),
            members::key("apps/v1", "Deployment", Some("shop"), "web")
        );
        assert_eq!(to_value(&obj)["kind"], "Deployment");
    }

    #[test]
    fn a_failing_stream_warns_once_degrades_and_recovers_on_an_event() {
        let health = StreamHealth::default();
        let stream = StreamName {
            key: ("v1/configmaps".into(), Some("shop".into())),
            resource: "configmaps".into(),
            namespace: Some("shop".into()),
        };
        assert_eq!(health.degraded(), None);
        assert_eq!(health.error(&stream, "forbidden".into()), Some(1));
        // Retries within the minute: counted by the caller, not warned.
        for _ in 0..5 {
            assert_eq!(health.error(&stream, "forbidden".into()), None);
        }
        let why = health.degraded().expect("degraded");
        assert!(
            why.starts_with("watch stream on configmaps in namespace shop failing for ")
                && why.ends_with(": forbidden"),
            "{why}"
        );
        assert!(health.ok(&stream.key), "a watch event: works again");
        assert_eq!(health.degraded(), None);
        assert!(!health.ok(&stream.key));
        assert_eq!(health.error(&stream, "gone".into()), Some(1), "warned anew");
        health.clear();
        assert_eq!(health.degraded(), None, "no streams, none failing");
    }

    #[tokio::test]
    async fn drift_reports_gather_until_taken_and_none_is_lost() {
        let drifts = Drifts::default();
        drifts.add(Some("v1/ConfigMap/shop/a".into()));
        drifts.add(Some("v1/ConfigMap/shop/b".into()));
        // Reported before anyone waited: the wait returns at once.
        tokio::time::timeout(std::time::Duration::from_secs(1), drifts.reported())
            .await
            .expect("a pending report wakes the loop");
        let taken = drifts.take();
        assert!(!taken.all);
        assert_eq!(taken.keys.len(), 2);
        assert!(drifts.take().keys.is_empty(), "taken once");
        drifts.add(None);
        assert!(drifts.take().all, "a re-list asks for every member");
        drifts.check_all_next();
        assert!(drifts.take().all, "after a failed heal, all next time");
    }
}
