//! Metrics of the watch loop, rendered in the Prometheus text format 0.0.4.
//!
//! A handful of counters and gauges do not justify the prometheus crate: the
//! text format is simple and writing it by hand keeps the output order fixed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How one sync attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncResult {
    /// Applied, and everything became healthy.
    Success,
    /// The sync failed (render, apply or cluster error).
    Error,
    /// Applied, but some objects did not become healthy.
    Unhealthy,
}

impl SyncResult {
    fn label(self) -> &'static str {
        match self {
            SyncResult::Success => "success",
            SyncResult::Error => "error",
            SyncResult::Unhealthy => "unhealthy",
        }
    }
}

/// The metrics one watch process exposes on `/metrics`.
///
/// Counters are atomics so the hot paths never block; values that come in
/// groups (a sync's time, duration and revision) share one mutex so a scrape
/// never sees half of an update.
#[derive(Debug, Default)]
pub struct Metrics {
    syncs_success: AtomicU64,
    syncs_error: AtomicU64,
    syncs_unhealthy: AtomicU64,
    drift_events: AtomicU64,
    drift_reverts: AtomicU64,
    git_errors: AtomicU64,
    render_errors: AtomicU64,
    signature_rejections: AtomicU64,
    heal_backoffs: AtomicU64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Unix seconds and duration of the last sync; `None` before the first.
    last_sync: Option<(u64, Duration)>,
    /// Revision the cluster was last synced to (also when unhealthy: it was applied).
    synced_revision: Option<String>,
    /// Revision that last failed to render.
    render_error_revision: Option<String>,
    objects_by_health: BTreeMap<String, u64>,
    /// Watch stream errors by resource (`configmaps`, `deployments.apps`).
    stream_errors: BTreeMap<String, u64>,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the end of one sync attempt.
    ///
    /// The revision only replaces the synced one on `Success` or `Unhealthy`:
    /// a failed sync did not apply it, so the cluster still runs the old one.
    pub fn record_sync(&self, result: SyncResult, duration: Duration, revision: Option<&str>) {
        self.syncs(result).fetch_add(1, Ordering::Relaxed);
        let mut state = self.lock();
        state.last_sync = Some((unix_now(), duration));
        if let (SyncResult::Success | SyncResult::Unhealthy, Some(revision)) = (result, revision) {
            state.synced_revision = Some(revision.to_string());
        }
    }

    /// Someone changed a managed object behind Git's back.
    pub fn drift_event(&self) {
        self.drift_events.fetch_add(1, Ordering::Relaxed);
    }

    /// A drifted object was put back to what Git says.
    pub fn drift_reverted(&self) {
        self.drift_reverts.fetch_add(1, Ordering::Relaxed);
    }

    /// Fetching or reading the repository failed.
    pub fn git_error(&self) {
        self.git_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Rendering `revision` failed.
    pub fn render_error(&self, revision: &str) {
        self.render_errors.fetch_add(1, Ordering::Relaxed);
        self.lock().render_error_revision = Some(revision.to_string());
    }

    /// A revision was refused for its signatures (never applied).
    pub fn signature_rejected(&self) {
        self.signature_rejections.fetch_add(1, Ordering::Relaxed);
    }

    /// A watch stream on `resource` failed (it retries).
    pub fn watch_stream_error(&self, resource: &str) {
        *self
            .lock()
            .stream_errors
            .entry(resource.to_string())
            .or_default() += 1;
    }

    /// An object kept coming back drifted: its heals are backed off.
    pub fn heal_backoff(&self) {
        self.heal_backoffs.fetch_add(1, Ordering::Relaxed);
    }

    /// Replaces the object counts per health status (`current`, `failed`, …).
    ///
    /// Replaced, not merged: a status that no longer occurs must disappear
    /// rather than keep its last count.
    pub fn set_objects_by_health(&self, counts: &BTreeMap<String, u64>) {
        self.lock().objects_by_health = counts.clone();
    }

    /// The metrics in the Prometheus text format 0.0.4, in a fixed order.
    ///
    /// Every family always has its HELP and TYPE lines; gauges that have no
    /// value yet (before the first sync, say) simply have no sample.
    pub fn render(&self) -> String {
        render_all(&[("", self)])
    }

    /// This target's samples of every family, in the families' order, each
    /// sample labelled `target` first when `target` is not empty.
    fn samples(&self, target: &str) -> Vec<Vec<Sample>> {
        let state = self.lock();
        let count = |c: &AtomicU64| c.load(Ordering::Relaxed).to_string();
        let labels = |more: &[(&str, &str)]| -> Vec<(String, String)> {
            let mut all = Vec::new();
            if !target.is_empty() {
                all.push(("target".to_string(), target.to_string()));
            }
            all.extend(more.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            all
        };
        let one = |value: String| vec![(labels(&[]), value)];
        let mut out = Vec::with_capacity(FAMILIES.len());
        // All three results always appear, so rate() works from the first scrape.
        out.push(
            [
                SyncResult::Success,
                SyncResult::Error,
                SyncResult::Unhealthy,
            ]
            .map(|result| {
                (
                    labels(&[("result", result.label())]),
                    count(self.syncs(result)),
                )
            })
            .to_vec(),
        );
        match state.last_sync {
            Some((at, duration)) => {
                out.push(one(at.to_string()));
                out.push(one(duration.as_secs_f64().to_string()));
            }
            None => out.extend([vec![], vec![]]),
        }
        out.push(
            state
                .synced_revision
                .iter()
                .map(|rev| (labels(&[("revision", rev)]), "1".to_string()))
                .collect(),
        );
        for counter in [
            &self.drift_events,
            &self.drift_reverts,
            &self.git_errors,
            &self.render_errors,
            &self.signature_rejections,
        ] {
            out.push(one(count(counter)));
        }
        out.push(
            state
                .render_error_revision
                .iter()
                .map(|rev| (labels(&[("revision", rev)]), "1".to_string()))
                .collect(),
        );
        out.push(
            state
                .objects_by_health
                .iter()
                .map(|(health, n)| (labels(&[("health", health)]), n.to_string()))
                .collect(),
        );
        out.push(
            state
                .stream_errors
                .iter()
                .map(|(resource, n)| (labels(&[("resource", resource)]), n.to_string()))
                .collect(),
        );
        out.push(one(count(&self.heal_backoffs)));
        out
    }

    fn syncs(&self, result: SyncResult) -> &AtomicU64 {
        match result {
            SyncResult::Success => &self.syncs_success,
            SyncResult::Error => &self.syncs_error,
            SyncResult::Unhealthy => &self.syncs_unhealthy,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave `State` inconsistent
        // (every update is one assignment), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

type Sample = (Vec<(String, String)>, String);

/// Every family: name, type and help, in the order they are written.
const FAMILIES: [(&str, &str, &str); 13] = [
    ("gitsync_syncs_total", "counter", "Sync attempts by result."),
    (
        "gitsync_last_sync_timestamp_seconds",
        "gauge",
        "Unix time the last sync attempt ended.",
    ),
    (
        "gitsync_last_sync_duration_seconds",
        "gauge",
        "How long the last sync attempt took.",
    ),
    (
        "gitsync_synced_revision_info",
        "gauge",
        "The revision last applied to the cluster.",
    ),
    (
        "gitsync_drift_events_total",
        "counter",
        "Changes to managed objects made outside Git.",
    ),
    (
        "gitsync_drift_reverts_total",
        "counter",
        "Drifted objects put back to what Git says.",
    ),
    (
        "gitsync_git_errors_total",
        "counter",
        "Failures fetching or reading the repository.",
    ),
    (
        "gitsync_render_errors_total",
        "counter",
        "Failures rendering a revision.",
    ),
    (
        "gitsync_signature_rejections_total",
        "counter",
        "Revisions refused because they lack a trusted signature.",
    ),
    (
        "gitsync_last_render_error_info",
        "gauge",
        "The revision that last failed to render.",
    ),
    (
        "gitsync_objects",
        "gauge",
        "Managed objects by health status.",
    ),
    (
        "gitsync_watch_stream_errors_total",
        "counter",
        "Errors of the watch streams that report drift, by resource (each retry counts).",
    ),
    (
        "gitsync_heal_backoffs_total",
        "counter",
        "Times an object kept drifting back right after its heal and its next heal was delayed.",
    ),
];

/// Several targets' metrics in one text: each family once, with every
/// target's samples in it (labelled `target` unless its name is empty).
pub fn render_all(targets: &[(&str, &Metrics)]) -> String {
    let per_target: Vec<Vec<Vec<Sample>>> = targets.iter().map(|(t, m)| m.samples(t)).collect();
    let mut out = String::new();
    for (i, (name, kind, help)) in FAMILIES.iter().enumerate() {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, value) in per_target.iter().flat_map(|families| &families[i]) {
            out.push_str(name);
            if !labels.is_empty() {
                let labels: Vec<String> = labels
                    .iter()
                    .map(|(key, value)| format!("{key}=\"{}\"", escape_label(value)))
                    .collect();
                let _ = write!(out, "{{{}}}", labels.join(","));
            }
            let _ = writeln!(out, " {value}");
        }
    }
    // The process's own: what it failed to tell.
    for (name, help, value) in [
        (
            "gitsync_notifications_failed_total",
            "Notifications (webhook, Slack, forge) given up on.",
            crate::notify::webhook::FAILED.load(std::sync::atomic::Ordering::Relaxed),
        ),
        (
            "gitsync_events_failed_total",
            "Kubernetes Events that could not be written.",
            crate::notify::events::FAILED.load(std::sync::atomic::Ordering::Relaxed),
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} counter");
        let _ = writeln!(out, "{name} {value}");
    }
    out
}

/// Label values may contain anything (a revision is user input, a branch
/// name); the format requires backslash, quote and newline escaped.
fn escape_label(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

fn unix_now() -> u64 {
    // A clock before 1970 is broken; report 0 rather than fail a sync over it.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn fresh_metrics_have_every_family_and_zero_counters() {
        let text = Metrics::new().render();
        let lines = lines(&text);
        for expected in [
            "# HELP gitsync_syncs_total Sync attempts by result.",
            "# TYPE gitsync_syncs_total counter",
            r#"gitsync_syncs_total{result="success"} 0"#,
            r#"gitsync_syncs_total{result="error"} 0"#,
            r#"gitsync_syncs_total{result="unhealthy"} 0"#,
            "# TYPE gitsync_last_sync_timestamp_seconds gauge",
            "# TYPE gitsync_drift_events_total counter",
            "gitsync_drift_events_total 0",
            "gitsync_drift_reverts_total 0",
            "gitsync_git_errors_total 0",
            "gitsync_render_errors_total 0",
            "gitsync_signature_rejections_total 0",
            "# TYPE gitsync_objects gauge",
        ] {
            assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
        }
        // No sync yet: no timestamp, duration or revision samples.
        for absent in [
            "gitsync_last_sync_timestamp_seconds",
            "gitsync_last_sync_duration_seconds",
            "gitsync_synced_revision_info",
            "gitsync_last_render_error_info",
            "gitsync_objects",
        ] {
            assert!(
                !lines.iter().any(|l| l.starts_with(absent)),
                "{absent} has a sample in\n{text}"
            );
        }
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn records_show_up_with_their_labels() {
        let metrics = Metrics::new();
        let before = unix_now();
        metrics.record_sync(
            SyncResult::Success,
            Duration::from_millis(1500),
            Some("abc123"),
        );
        metrics.record_sync(
            SyncResult::Error,
            Duration::from_millis(250),
            Some("def456"),
        );
        metrics.record_sync(SyncResult::Unhealthy, Duration::from_millis(250), None);
        metrics.drift_event();
        metrics.drift_event();
        metrics.drift_reverted();
        metrics.git_error();
        metrics.render_error("bad999");
        metrics.set_objects_by_health(&BTreeMap::from([
            ("current".to_string(), 7),
            ("failed".to_string(), 1),
        ]));
        metrics.watch_stream_error("configmaps");
        metrics.watch_stream_error("configmaps");
        metrics.watch_stream_error("deployments.apps");
        metrics.heal_backoff();

        let text = metrics.render();
        let lines = lines(&text);
        for expected in [
            r#"gitsync_syncs_total{result="success"} 1"#,
            r#"gitsync_syncs_total{result="error"} 1"#,
            r#"gitsync_syncs_total{result="unhealthy"} 1"#,
            "gitsync_last_sync_duration_seconds 0.25",
            // The error sync did not apply def456, and the unhealthy one had no revision.
            r#"gitsync_synced_revision_info{revision="abc123"} 1"#,
            "gitsync_drift_events_total 2",
            "gitsync_drift_reverts_total 1",
            "gitsync_git_errors_total 1",
            "gitsync_render_errors_total 1",
            r#"gitsync_last_render_error_info{revision="bad999"} 1"#,
            r#"gitsync_objects{health="current"} 7"#,
            r#"gitsync_objects{health="failed"} 1"#,
            r#"gitsync_watch_stream_errors_total{resource="configmaps"} 2"#,
            r#"gitsync_watch_stream_errors_total{resource="deployments.apps"} 1"#,
            "gitsync_heal_backoffs_total 1",
        ] {
            assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
        }
        assert!(!text.contains("def456"));

        let stamp: u64 = lines
            .iter()
            .find_map(|l| l.strip_prefix("gitsync_last_sync_timestamp_seconds "))
            .expect("timestamp sample")
            .parse()
            .expect("integer seconds");
        assert!(stamp >= before && stamp <= unix_now());
    }

    #[test]
    fn each_family_is_contiguous_and_typed_once() {
        let metrics = Metrics::new();
        metrics.record_sync(SyncResult::Success, Duration::from_secs(2), Some("abc"));
        metrics.render_error("abc");
        let text = metrics.render();
        let mut seen = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap();
                assert!(!seen.contains(&name.to_string()), "{name} typed twice");
                seen.push(name.to_string());
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(
                    Some(&name.to_string()),
                    seen.last(),
                    "{line:?} outside its family"
                );
            }
        }
        // Rendering twice gives the same text: the order is stable.
        assert_eq!(text, metrics.render());
    }

    #[test]
    fn objects_are_replaced_not_merged() {
        let metrics = Metrics::new();
        metrics.set_objects_by_health(&BTreeMap::from([("failed".to_string(), 2)]));
        metrics.set_objects_by_health(&BTreeMap::from([("current".to_string(), 3)]));
        let text = metrics.render();
        assert!(text.contains("gitsync_objects{health=\"current\"} 3\n"));
        assert!(!text.contains(r#"health="failed""#));
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = Metrics::new();
        metrics.render_error("a\"b\\c\nd");
        let text = metrics.render();
        assert!(
            text.contains(r#"gitsync_last_render_error_info{revision="a\"b\\c\nd"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn several_targets_share_each_family_with_a_target_label() {
        let (staging, prod) = (Metrics::new(), Metrics::new());
        staging.record_sync(SyncResult::Success, Duration::from_secs(1), Some("aaa"));
        prod.drift_event();
        let text = render_all(&[("staging", &staging), ("prod", &prod)]);
        for expected in [
            r#"gitsync_syncs_total{target="staging",result="success"} 1"#,
            r#"gitsync_syncs_total{target="prod",result="success"} 0"#,
            r#"gitsync_synced_revision_info{target="staging",revision="aaa"} 1"#,
            r#"gitsync_drift_events_total{target="prod"} 1"#,
            r#"gitsync_drift_events_total{target="staging"} 0"#,
        ] {
            assert!(
                text.lines().any(|l| l == expected),
                "missing {expected:?} in\n{text}"
            );
        }
        assert_eq!(text.matches("# TYPE gitsync_syncs_total").count(), 1);
    }
}
