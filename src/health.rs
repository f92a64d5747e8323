//! Health of a live object: the rules `gitsync sync` waits on.
//!
//! The rules follow kstatus (`sigs.k8s.io/cli-utils/pkg/kstatus/status`),
//! which Flux, kpt and Config Sync also use, so an object is healthy here
//! exactly when users of those tools expect it to be:
//!
//! 1. `metadata.deletionTimestamp` set → [`Status::Terminating`].
//! 2. `status.observedGeneration` present and different from
//!    `metadata.generation` → [`Status::InProgress`].
//! 3. A `Reconciling` condition that is True → InProgress; a `Stalled`
//!    condition that is True → [`Status::Failed`] (first one wins).
//! 4. Rules per kind for the built-in workloads, Pod, Job, PVC, Service,
//!    CRD and PodDisruptionBudget.
//! 5. Everything else is [`Status::Current`].
//!
//! Everything is computed from the object alone; no cluster access. The only
//! outside input is the clock, for kstatus' 15 second grace period before an
//! unschedulable Pod counts as failed.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Where an object stands, as kstatus names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The object is what its spec asks for.
    Current,
    /// A controller is still working on it; waiting may help.
    InProgress,
    /// A controller gave up; waiting will not help.
    Failed,
    /// The object is being deleted.
    Terminating,
}

/// A status and the human-readable reason for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub status: Status,
    pub message: String,
}

/// How long a Pod may be unschedulable before it counts as Failed
/// (kstatus `ScheduleWindow`).
const SCHEDULE_WINDOW_SECS: i64 = 15;

/// The health of one object as read from the cluster (with its `status`).
#[must_use]
pub fn health(obj: &Value) -> Health {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    health_at(obj, now)
}

/// [`health`] with the clock passed in (seconds since the Unix epoch).
fn health_at(obj: &Value, now: i64) -> Health {
    let kind = kind_of(obj);
    if let Some(h) = generic(obj, kind) {
        return h;
    }
    match (group_of(obj), kind) {
        ("apps" | "extensions", "Deployment") => deployment(obj),
        ("apps", "StatefulSet") => statefulset(obj),
        ("apps" | "extensions", "DaemonSet") => daemonset(obj),
        ("apps" | "extensions", "ReplicaSet") => replicaset(obj),
        ("", "Pod") => pod(obj, now),
        ("batch", "Job") => job(obj),
        ("", "PersistentVolumeClaim") => pvc(obj),
        ("", "Service") => service(obj),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(obj),
        ("policy", "PodDisruptionBudget") => current(
            "PodDisruptionBudget is current: its controller has observed the latest generation",
        ),
        ("", "Namespace") => namespace(obj),
        ("", "ConfigMap" | "Secret") | ("batch", "CronJob") => {
            current(format!("{kind} is always ready"))
        }
        _ => current(format!("{} is current", kind_or_resource(kind))),
    }
}

// ---------------------------------------------------------------------------
// Results

fn make(status: Status, message: impl Into<String>) -> Health {
    Health {
        status,
        message: message.into(),
    }
}

fn current(message: impl Into<String>) -> Health {
    make(Status::Current, message)
}

fn in_progress(message: impl Into<String>) -> Health {
    make(Status::InProgress, message)
}

fn failed(message: impl Into<String>) -> Health {
    make(Status::Failed, message)
}

// ---------------------------------------------------------------------------
// Field access (lenient: a field of the wrong type counts as absent)

fn field<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |v, key| v.get(*key))
}

fn str_field<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a str> {
    field(obj, path).and_then(Value::as_str)
}

fn int_field(obj: &Value, path: &[&str]) -> Option<i64> {
    field(obj, path).and_then(Value::as_i64)
}

fn int_or(obj: &Value, path: &[&str], default: i64) -> i64 {
    int_field(obj, path).unwrap_or(default)
}

fn kind_of(obj: &Value) -> &str {
    str_field(obj, &["kind"]).unwrap_or("")
}

fn kind_or_resource(kind: &str) -> &str {
    if kind.is_empty() { "Resource" } else { kind }
}

/// API group from `apiVersion`: `apps/v1` → `apps`, `v1` → empty (core).
fn group_of(obj: &Value) -> &str {
    let api_version = str_field(obj, &["apiVersion"]).unwrap_or("");
    api_version
        .rsplit_once('/')
        .map_or("", |(group, _version)| group)
}

/// One entry of `status.conditions`; missing fields are empty strings.
struct Condition<'a> {
    type_: &'a str,
    status: &'a str,
    reason: &'a str,
    message: &'a str,
}

impl Condition<'_> {
    fn is(&self, type_: &str, status: &str) -> bool {
        self.type_ == type_ && self.status == status
    }

    /// The condition's message, else its reason, else `fallback`.
    fn explain(&self, fallback: &str) -> String {
        [self.message, self.reason]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or(fallback)
            .to_string()
    }
}

fn conditions(obj: &Value) -> Vec<Condition<'_>> {
    let Some(list) = field(obj, &["status", "conditions"]).and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter(|c| c.is_object())
        .map(|c| Condition {
            type_: str_field(c, &["type"]).unwrap_or(""),
            status: str_field(c, &["status"]).unwrap_or(""),
            reason: str_field(c, &["reason"]).unwrap_or(""),
            message: str_field(c, &["message"]).unwrap_or(""),
        })
        .collect()
}

fn find_condition<'a>(
    conds: &'a [Condition<'a>],
    type_: &str,
    status: &str,
) -> Option<&'a Condition<'a>> {
    conds.iter().find(|c| c.is(type_, status))
}

// ---------------------------------------------------------------------------
// Rules for every kind

fn generic(obj: &Value, kind: &str) -> Option<Health> {
    let what = kind_or_resource(kind);
    if str_field(obj, &["metadata", "deletionTimestamp"]).is_some_and(|t| !t.is_empty()) {
        return Some(make(
            Status::Terminating,
            format!("{what} is scheduled for deletion"),
        ));
    }
    if let Some(h) = generation_not_observed(obj, what) {
        return Some(h);
    }
    for c in conditions(obj) {
        if c.is("Reconciling", "True") {
            return Some(in_progress(format!(
                "{what} is reconciling: {}",
                c.explain("Reconciling condition is True")
            )));
        }
        if c.is("Stalled", "True") {
            return Some(failed(format!(
                "{what} is stalled: {}",
                c.explain("Stalled condition is True")
            )));
        }
    }
    None
}

fn generation_not_observed(obj: &Value, what: &str) -> Option<Health> {
    let generation = int_field(obj, &["metadata", "generation"])?;
    let observed = int_field(obj, &["status", "observedGeneration"])?;
    (observed != generation).then(|| {
        in_progress(format!(
            "{what} generation {generation} not yet observed (observed generation is {observed})"
        ))
    })
}

// ---------------------------------------------------------------------------
// Rules per kind

fn deployment(obj: &Value) -> Health {
    // Without spec.progressDeadlineSeconds the controller never sets the
    // Progressing condition, so it cannot be waited on.
    let mut progressing = int_field(obj, &["spec", "progressDeadlineSeconds"])
        .is_none_or(|d| d == i64::from(i32::MAX));
    let mut available = false;
    for c in conditions(obj) {
        match c.type_ {
            "Progressing" if c.reason == "ProgressDeadlineExceeded" => {
                return failed(format!(
                    "Deployment exceeded its progress deadline: {}",
                    c.explain("ProgressDeadlineExceeded")
                ));
            }
            "Progressing" if c.status == "True" && c.reason == "NewReplicaSetAvailable" => {
                progressing = true;
            }
            "Available" if c.status == "True" => available = true,
            _ => {}
        }
    }

    let spec = int_or(obj, &["spec", "replicas"], 1);
    let replicas = int_or(obj, &["status", "replicas"], 0);
    let updated = int_or(obj, &["status", "updatedReplicas"], 0);
    let ready = int_or(obj, &["status", "readyReplicas"], 0);
    let avail = int_or(obj, &["status", "availableReplicas"], 0);

    if spec > replicas {
        return in_progress(format!("Deployment has {replicas}/{spec} replicas"));
    }
    if spec > updated {
        return in_progress(format!("Deployment has {updated}/{spec} updated replicas"));
    }
    if replicas > spec {
        return in_progress(format!(
            "Deployment has {} old replicas pending termination",
            replicas - spec
        ));
    }
    if updated > avail {
        return in_progress(format!(
            "Deployment has {avail}/{updated} available replicas"
        ));
    }
    if spec > ready {
        return in_progress(format!("Deployment has {ready}/{spec} ready replicas"));
    }
    if !progressing {
        return in_progress("Deployment's new ReplicaSet is not yet available");
    }
    if !available {
        return in_progress("Deployment does not have the Available condition yet");
    }
    current(format!("Deployment is available with {replicas} replicas"))
}

fn statefulset(obj: &Value) -> Health {
    // OnDelete: pods are replaced by the user, the controller never rolls out.
    if str_field(obj, &["spec", "updateStrategy", "type"]) == Some("OnDelete") {
        return current("StatefulSet uses the OnDelete update strategy");
    }

    let spec = int_or(obj, &["spec", "replicas"], 1);
    let ready = int_or(obj, &["status", "readyReplicas"], 0);
    let current_replicas = int_or(obj, &["status", "currentReplicas"], 0);
    let updated = int_or(obj, &["status", "updatedReplicas"], 0);
    let replicas = int_or(obj, &["status", "replicas"], 0);
    let partition = int_field(
        obj,
        &["spec", "updateStrategy", "rollingUpdate", "partition"],
    );

    if spec > replicas {
        return in_progress(format!("StatefulSet has {replicas}/{spec} replicas"));
    }
    if spec > ready {
        return in_progress(format!("StatefulSet has {ready}/{spec} ready replicas"));
    }
    if replicas > spec {
        return in_progress(format!(
            "StatefulSet has {} extra replicas pending termination",
            replicas - spec
        ));
    }
    if let Some(partition) = partition {
        let want = spec - partition;
        if updated < want {
            return in_progress(format!(
                "StatefulSet partitioned rollout has {updated}/{want} updated replicas"
            ));
        }
        return current(format!(
            "StatefulSet partitioned rollout is complete with {updated} updated replicas"
        ));
    }
    if spec > current_replicas {
        return in_progress(format!(
            "StatefulSet has {current_replicas}/{spec} current replicas"
        ));
    }
    let current_revision = str_field(obj, &["status", "currentRevision"]).unwrap_or("");
    let update_revision = str_field(obj, &["status", "updateRevision"]).unwrap_or("");
    if current_revision != update_revision {
        return in_progress(format!(
            "StatefulSet is rolling out revision {update_revision} (current revision is {current_revision})"
        ));
    }
    current(format!(
        "StatefulSet has all {replicas} replicas ready and current"
    ))
}

fn daemonset(obj: &Value) -> Health {
    // The controller always sets observedGeneration once it has seen the
    // object, so its absence means "not looked at yet" (kstatus
    // checkGenerationSet).
    if int_field(obj, &["metadata", "generation"]).is_none() {
        return in_progress("DaemonSet has no metadata.generation yet");
    }
    if int_field(obj, &["status", "observedGeneration"]).is_none() {
        return in_progress("DaemonSet has not been observed by its controller yet");
    }

    let Some(desired) = int_field(obj, &["status", "desiredNumberScheduled"]) else {
        return in_progress("DaemonSet has no status.desiredNumberScheduled yet");
    };
    let scheduled = int_or(obj, &["status", "currentNumberScheduled"], 0);
    let updated = int_or(obj, &["status", "updatedNumberScheduled"], 0);
    let avail = int_or(obj, &["status", "numberAvailable"], 0);
    let ready = int_or(obj, &["status", "numberReady"], 0);

    if desired > scheduled {
        return in_progress(format!(
            "DaemonSet has {scheduled}/{desired} pods scheduled"
        ));
    }
    if desired > updated {
        return in_progress(format!("DaemonSet has {updated}/{desired} updated pods"));
    }
    if desired > avail {
        return in_progress(format!("DaemonSet has {avail}/{desired} available pods"));
    }
    if desired > ready {
        return in_progress(format!("DaemonSet has {ready}/{desired} ready pods"));
    }
    current(format!(
        "DaemonSet has all {desired} pods ready and updated"
    ))
}

fn replicaset(obj: &Value) -> Health {
    let conds = conditions(obj);
    if let Some(c) = find_condition(&conds, "ReplicaFailure", "True") {
        // kstatus: InProgress, not Failed (the failure, e.g. quota, may clear).
        return in_progress(format!(
            "ReplicaSet cannot create pods: {}",
            c.explain("ReplicaFailure condition is True")
        ));
    }

    let spec = int_or(obj, &["spec", "replicas"], 1);
    let replicas = int_or(obj, &["status", "replicas"], 0);
    let ready = int_or(obj, &["status", "readyReplicas"], 0);
    let avail = int_or(obj, &["status", "availableReplicas"], 0);
    let labeled = int_or(obj, &["status", "fullyLabeledReplicas"], 0);

    if spec > labeled {
        return in_progress(format!(
            "ReplicaSet has {labeled}/{spec} fully labeled replicas"
        ));
    }
    if spec > avail {
        return in_progress(format!("ReplicaSet has {avail}/{spec} available replicas"));
    }
    if spec > ready {
        return in_progress(format!("ReplicaSet has {ready}/{spec} ready replicas"));
    }
    if replicas > spec {
        return in_progress(format!(
            "ReplicaSet has {} extra replicas pending termination",
            replicas - spec
        ));
    }
    current(format!("ReplicaSet is available with {replicas} replicas"))
}

fn pod(obj: &Value, now: i64) -> Health {
    let conds = conditions(obj);
    match str_field(obj, &["status", "phase"]).unwrap_or("") {
        "Succeeded" => current("Pod has completed successfully"),
        // kstatus: a Pod that ran to a failed end is Current (it will not
        // change any more), not Failed.
        "Failed" => current("Pod has completed, but not successfully"),
        "Running" => {
            if find_condition(&conds, "Ready", "True").is_some() {
                return current("Pod is ready");
            }
            let crashing = crash_looping_containers(obj);
            if !crashing.is_empty() {
                return failed(format!(
                    "Pod containers in CrashLoopBackOff: {}",
                    crashing.join(", ")
                ));
            }
            in_progress("Pod is running but not ready")
        }
        "Pending" => {
            let unschedulable = find_condition(&conds, "PodScheduled", "False")
                .filter(|c| c.reason == "Unschedulable");
            let Some(c) = unschedulable else {
                return in_progress("Pod is pending");
            };
            let created =
                str_field(obj, &["metadata", "creationTimestamp"]).and_then(parse_rfc3339);
            if created.is_some_and(|t| now - SCHEDULE_WINDOW_SECS < t) {
                return in_progress("Pod has not been scheduled yet");
            }
            failed(format!(
                "Pod could not be scheduled: {}",
                c.explain("Unschedulable")
            ))
        }
        "" => in_progress("Pod has no phase yet"),
        // kstatus returns an error here; there is no error in this API, and
        // an unknown phase (node unreachable) may still resolve.
        other => in_progress(format!("Pod is in unknown phase {other}")),
    }
}

/// Names of containers whose state is waiting with reason CrashLoopBackOff.
fn crash_looping_containers(obj: &Value) -> Vec<&str> {
    let Some(statuses) = field(obj, &["status", "containerStatuses"]).and_then(Value::as_array)
    else {
        return Vec::new();
    };
    statuses
        .iter()
        .filter(|cs| str_field(cs, &["state", "waiting", "reason"]) == Some("CrashLoopBackOff"))
        .filter_map(|cs| str_field(cs, &["name"]))
        .collect()
}

fn job(obj: &Value) -> Health {
    let parallelism = int_or(obj, &["spec", "parallelism"], 1);
    let completions = int_or(obj, &["spec", "completions"], parallelism);
    let succeeded = int_or(obj, &["status", "succeeded"], 0);
    let active = int_or(obj, &["status", "active"], 0);
    let failed_pods = int_or(obj, &["status", "failed"], 0);

    for c in conditions(obj) {
        if c.is("Complete", "True") {
            return current(format!(
                "Job completed: {succeeded}/{completions} succeeded"
            ));
        }
        if c.is("Failed", "True") {
            let why = if c.reason.is_empty() {
                "Failed condition is True"
            } else {
                c.reason
            };
            return failed(if c.message.is_empty() {
                format!("Job failed: {why}")
            } else {
                format!("Job failed: {why} ({})", c.message)
            });
        }
        if c.is("Suspended", "True") {
            return current("Job is suspended");
        }
    }

    // kstatus: a started Job is Current while it runs; sync does not wait
    // for it to finish, only for it to start and not fail.
    if str_field(obj, &["status", "startTime"]).is_none_or(str::is_empty) {
        return in_progress("Job has not started yet");
    }
    current(format!(
        "Job is running: {succeeded} succeeded, {active} active, {failed_pods} failed"
    ))
}

fn pvc(obj: &Value) -> Health {
    match str_field(obj, &["status", "phase"]) {
        Some("Bound") => current("PersistentVolumeClaim is bound"),
        Some(phase) => in_progress(format!(
            "PersistentVolumeClaim is not bound (phase {phase})"
        )),
        None => in_progress("PersistentVolumeClaim is not bound yet"),
    }
}

fn service(obj: &Value) -> Health {
    let type_ = str_field(obj, &["spec", "type"]).unwrap_or("ClusterIP");
    // kstatus only asks for a cluster IP, not for status.loadBalancer.ingress:
    // an external load balancer may never come (kind, bare metal).
    if type_ == "LoadBalancer" && str_field(obj, &["spec", "clusterIP"]).is_none_or(str::is_empty) {
        return in_progress("Service of type LoadBalancer has no cluster IP yet");
    }
    current(format!("Service of type {type_} is ready"))
}

fn crd(obj: &Value) -> Health {
    for c in conditions(obj) {
        if c.is("NamesAccepted", "False") {
            return failed(format!(
                "CustomResourceDefinition names not accepted: {}",
                c.explain("NamesAccepted condition is False")
            ));
        }
        if c.type_ == "Established" {
            if c.status == "False" && c.reason != "Installing" {
                return failed(format!(
                    "CustomResourceDefinition not established: {}",
                    c.explain("Established condition is False")
                ));
            }
            if c.status == "True" {
                return current("CustomResourceDefinition is established");
            }
        }
    }
    in_progress("CustomResourceDefinition is being installed")
}

fn namespace(obj: &Value) -> Health {
    // Not a kstatus rule: kstatus relies on deletionTimestamp, which a
    // Terminating namespace always has. Kept for objects missing it.
    if str_field(obj, &["status", "phase"]) == Some("Terminating") {
        return make(Status::Terminating, "Namespace is terminating");
    }
    current("Namespace is active")
}

// ---------------------------------------------------------------------------
// Time

/// Seconds since the Unix epoch of an RFC 3339 timestamp such as
/// `2024-05-01T12:00:00Z` (fractional seconds and `+hh:mm` offsets allowed).
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = s.get(from..to)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }

    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h0, b':', m1, m0]
            if [h1, h0, m1, m0].iter().all(|c| c.is_ascii_digit()) =>
        {
            let digit = |c: &u8| i64::from(c - b'0');
            let secs = (digit(h1) * 10 + digit(h0)) * 3600 + (digit(m1) * 10 + digit(m0)) * 60;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };

    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2024-05-01T12:00:00Z
    const NOW: i64 = 1_714_564_800;

    fn h(obj: &Value) -> Health {
        health_at(obj, NOW)
    }

    #[track_caller]
    fn assert_status(obj: &Value, status: Status) -> Health {
        let got = h(obj);
        assert_eq!(got.status, status, "message: {}", got.message);
        assert!(!got.message.is_empty());
        got
    }

    // --- Status serialisation ------------------------------------------------

    #[test]
    fn status_serialises_lowercase() {
        let s = serde_json::to_string(&[
            Status::Current,
            Status::InProgress,
            Status::Failed,
            Status::Terminating,
        ])
        .unwrap();
        assert_eq!(s, r#"["current","inprogress","failed","terminating"]"#);
    }

    // --- Generic rules ---------------------------------------------------------

    #[test]
    fn deletion_timestamp_is_terminating() {
        let obj = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "deletionTimestamp": "2024-05-01T11:00:00Z"},
            "spec": {"replicas": 3},
            "status": {"replicas": 3, "readyReplicas": 3}
        });
        let got = assert_status(&obj, Status::Terminating);
        assert!(got.message.contains("Deployment"), "{}", got.message);
    }

    #[test]
    fn deletion_timestamp_wins_over_stalled() {
        let obj = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"deletionTimestamp": "2024-05-01T11:00:00Z"},
            "status": {"conditions": [{"type": "Stalled", "status": "True"}]}
        });
        assert_status(&obj, Status::Terminating);
    }

    #[test]
    fn generation_not_observed_is_in_progress() {
        let obj = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"generation": 3},
            "status": {"observedGeneration": 2}
        });
        let got = assert_status(&obj, Status::InProgress);
        assert!(got.message.contains("not yet observed"), "{}", got.message);
        assert!(got.message.contains('3') && got.message.contains('2'));
    }

    #[test]
    fn generation_not_observed_beats_kind_rules() {
        // A Deployment that looks finished but is for an older spec.
        let obj = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"generation": 5},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 4, "replicas": 1, "updatedReplicas": 1,
                       "readyReplicas": 1, "availableReplicas": 1,
                       "conditions": [{"type": "Available", "status": "True"}]}
        });
        let got = assert_status(&obj, Status::InProgress);
        assert!(got.message.contains("not yet observed"), "{}", got.message);
    }

    #[test]
    fn generation_observed_or_absent_is_current() {
        let observed = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"generation": 2}, "status": {"observedGeneration": 2}
        });
        assert_status(&observed, Status::Current);
        let no_observed = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"generation": 2}, "status": {}
        });
        assert_status(&no_observed, Status::Current);
    }

    #[test]
    fn generic_without_status_is_current() {
        let obj = json!({"apiVersion": "example.com/v1", "kind": "Widget",
                         "metadata": {"name": "w"}, "spec": {"size": 1}});
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn configmap_secret_rbac_cronjob_are_current() {
        for (api, kind) in [
            ("v1", "ConfigMap"),
            ("v1", "Secret"),
            ("v1", "ServiceAccount"),
            ("rbac.authorization.k8s.io/v1", "ClusterRole"),
            ("rbac.authorization.k8s.io/v1", "RoleBinding"),
            ("batch/v1", "CronJob"),
        ] {
            let obj = json!({"apiVersion": api, "kind": kind, "metadata": {"name": "x"}});
            assert_status(&obj, Status::Current);
        }
    }

    #[test]
    fn reconciling_true_is_in_progress() {
        let obj = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "status": {"conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "Reconciling", "status": "True", "reason": "Progressing",
                 "message": "building widget"}
            ]}
        });
        let got = assert_status(&obj, Status::InProgress);
        assert!(got.message.contains("building widget"), "{}", got.message);
    }

    #[test]
    fn stalled_true_is_failed() {
        let obj = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "status": {"conditions": [
                {"type": "Stalled", "status": "True", "reason": "BadConfig",
                 "message": "size must be positive"}
            ]}
        });
        let got = assert_status(&obj, Status::Failed);
        assert!(
            got.message.contains("size must be positive"),
            "{}",
            got.message
        );
    }

    #[test]
    fn reconciling_and_stalled_false_are_current() {
        let obj = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "status": {"conditions": [
                {"type": "Reconciling", "status": "False"},
                {"type": "Stalled", "status": "False"}
            ]}
        });
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn first_of_reconciling_and_stalled_wins() {
        let obj = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "status": {"conditions": [
                {"type": "Stalled", "status": "True", "reason": "A"},
                {"type": "Reconciling", "status": "True", "reason": "B"}
            ]}
        });
        assert_status(&obj, Status::Failed);
    }

    #[test]
    fn generic_conditions_apply_to_builtin_kinds_too() {
        let obj = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "status": {"conditions": [{"type": "Reconciling", "status": "True"}]}
        });
        assert_status(&obj, Status::InProgress);
    }

    #[test]
    fn ready_true_is_current() {
        let obj = json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        });
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn ready_false_alone_is_current_as_in_kstatus() {
        // kstatus only reads Reconciling and Stalled; a bare Ready=False does
        // not hold up a sync.
        let obj = json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "status": {"conditions": [{"type": "Ready", "status": "False",
                                       "reason": "Issuing"}]}
        });
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn malformed_fields_are_ignored() {
        let obj = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"generation": "2", "deletionTimestamp": 5},
            "status": {"observedGeneration": 1, "conditions": ["oops", 3, {"type": 1}]}
        });
        assert_status(&obj, Status::Current);
        let conditions_not_a_list = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {"replicas": 0},
            "status": {"conditions": {"type": "Available", "status": "True"}}
        });
        // A non-list `conditions` counts as no conditions: not Available yet.
        let got = assert_status(&conditions_not_a_list, Status::InProgress);
        assert!(got.message.contains("Available"), "{}", got.message);
    }

    #[test]
    fn empty_object_is_current() {
        assert_status(&json!({}), Status::Current);
        assert_status(&json!(null), Status::Current);
    }

    // --- Namespace ---------------------------------------------------------------

    #[test]
    fn namespace_active_is_current() {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace",
                         "status": {"phase": "Active"}});
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn namespace_phase_terminating_is_terminating() {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace",
                         "status": {"phase": "Terminating"}});
        assert_status(&obj, Status::Terminating);
    }

    // --- Deployment --------------------------------------------------------------

    fn deployment_obj(spec_replicas: Option<i64>, status: Value) -> Value {
        let mut obj = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "generation": 2},
            "spec": {"progressDeadlineSeconds": 600},
            "status": status
        });
        if let Some(r) = spec_replicas {
            obj["spec"]["replicas"] = json!(r);
        }
        obj
    }

    fn healthy_deployment_conditions() -> Value {
        json!([
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}
        ])
    }

    #[test]
    fn deployment_current() {
        let obj = deployment_obj(
            Some(3),
            json!({
                "observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
                "readyReplicas": 3, "availableReplicas": 3,
                "conditions": healthy_deployment_conditions()
            }),
        );
        let got = assert_status(&obj, Status::Current);
        assert!(got.message.contains('3'), "{}", got.message);
    }

    #[test]
    fn deployment_spec_replicas_defaults_to_one() {
        let obj = deployment_obj(
            None,
            json!({
                "observedGeneration": 2, "replicas": 1, "updatedReplicas": 1,
                "readyReplicas": 1, "availableReplicas": 1,
                "conditions": healthy_deployment_conditions()
            }),
        );
        assert_status(&obj, Status::Current);
        let none_yet = deployment_obj(None, json!({"observedGeneration": 2}));
        let got = assert_status(&none_yet, Status::InProgress);
        assert_eq!(got.message, "Deployment has 0/1 replicas");
    }

    #[test]
    fn deployment_scaled_to_zero_is_current_once_observed() {
        let obj = deployment_obj(
            Some(0),
            json!({
                "observedGeneration": 2,
                "conditions": healthy_deployment_conditions()
            }),
        );
        assert_status(&obj, Status::Current);
        let not_observed = deployment_obj(
            Some(0),
            json!({
                "observedGeneration": 1,
                "conditions": healthy_deployment_conditions()
            }),
        );
        assert_status(&not_observed, Status::InProgress);
    }

    #[test]
    fn deployment_too_few_updated_is_in_progress() {
        let obj = deployment_obj(
            Some(3),
            json!({
                "observedGeneration": 2, "replicas": 3, "updatedReplicas": 1,
                "readyReplicas": 3, "availableReplicas": 3,
                "conditions": [{"type": "Available", "status": "True"},
                               {"type": "Progressing", "status": "True",
                                "reason": "ReplicaSetUpdated"}]
            }),
        );
        let got = assert_status(&obj, Status::InProgress);
        assert_eq!(got.message, "Deployment has 1/3 updated replicas");
    }

    #[test]
    fn deployment_replica_counts_each_hold_it_in_progress() {
        let cases = [
            // (status, expected message)
            (
                json!({"replicas": 2, "updatedReplicas": 2, "readyReplicas": 2,
                    "availableReplicas": 2}),
                "Deployment has 2/3 replicas",
            ),
            (
                json!({"replicas": 4, "updatedReplicas": 3, "readyReplicas": 4,
                    "availableReplicas": 4}),
                "Deployment has 1 old replicas pending termination",
            ),
            (
                json!({"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
                    "availableReplicas": 2}),
                "Deployment has 2/3 available replicas",
            ),
            (
                json!({"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2,
                    "availableReplicas": 3}),
                "Deployment has 2/3 ready replicas",
            ),
        ];
        for (mut status, want) in cases {
            status["observedGeneration"] = json!(2);
            status["conditions"] = healthy_deployment_conditions();
            let got = assert_status(&deployment_obj(Some(3), status), Status::InProgress);
            assert_eq!(got.message, want);
        }
    }

    #[test]
    fn deployment_needs_progressing_and_available_conditions() {
        let counts = json!({"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1,
                            "readyReplicas": 1, "availableReplicas": 1});
        let mut not_progressed = counts.clone();
        not_progressed["conditions"] = json!([
            {"type": "Available", "status": "True"},
            {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}
        ]);
        assert_status(&deployment_obj(Some(1), not_progressed), Status::InProgress);

        let mut not_available = counts.clone();
        not_available["conditions"] = json!([
            {"type": "Available", "status": "False"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}
        ]);
        assert_status(&deployment_obj(Some(1), not_available), Status::InProgress);

        // Without progressDeadlineSeconds there is no Progressing condition
        // to wait for; Available is still needed.
        let mut no_deadline = deployment_obj(Some(1), counts);
        no_deadline["spec"]
            .as_object_mut()
            .unwrap()
            .remove("progressDeadlineSeconds");
        no_deadline["status"]["conditions"] = json!([{"type": "Available", "status": "True"}]);
        assert_status(&no_deadline, Status::Current);
    }

    #[test]
    fn deployment_progress_deadline_exceeded_is_failed() {
        let obj = deployment_obj(
            Some(3),
            json!({
                "observedGeneration": 2, "replicas": 3, "updatedReplicas": 1,
                "readyReplicas": 2, "availableReplicas": 2,
                "conditions": [
                    {"type": "Available", "status": "True"},
                    {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                     "message": "ReplicaSet \"web-7d\" has timed out progressing."}
                ]
            }),
        );
        let got = assert_status(&obj, Status::Failed);
        assert!(got.message.contains("timed out"), "{}", got.message);
    }

    #[test]
    fn extensions_group_deployment_uses_same_rules() {
        let mut obj = deployment_obj(Some(3), json!({"observedGeneration": 2, "replicas": 3}));
        obj["apiVersion"] = json!("extensions/v1beta1");
        assert_status(&obj, Status::InProgress);
    }

    #[test]
    fn deployment_in_other_group_is_generic() {
        let mut obj = deployment_obj(Some(3), json!({}));
        obj["apiVersion"] = json!("example.com/v1");
        assert_status(&obj, Status::Current);
    }

    // --- StatefulSet -------------------------------------------------------------

    fn sts(spec: Value, status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "db", "generation": 1},
               "spec": spec, "status": status})
    }

    #[test]
    fn statefulset_current() {
        let obj = sts(
            json!({"replicas": 3}),
            json!({"observedGeneration": 1, "replicas": 3, "readyReplicas": 3,
                   "currentReplicas": 3, "updatedReplicas": 3,
                   "currentRevision": "db-1", "updateRevision": "db-1"}),
        );
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn statefulset_in_progress_cases() {
        let cases = [
            json!({"replicas": 2, "readyReplicas": 2, "currentReplicas": 2}),
            json!({"replicas": 3, "readyReplicas": 2, "currentReplicas": 3}),
            json!({"replicas": 4, "readyReplicas": 4, "currentReplicas": 4}),
            json!({"replicas": 3, "readyReplicas": 3, "currentReplicas": 1}),
            json!({"replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
                   "currentRevision": "db-1", "updateRevision": "db-2"}),
        ];
        for status in cases {
            assert_status(&sts(json!({"replicas": 3}), status), Status::InProgress);
        }
    }

    #[test]
    fn statefulset_revision_mismatch_message() {
        let obj = sts(
            json!({"replicas": 1}),
            json!({"replicas": 1, "readyReplicas": 1, "currentReplicas": 1,
                   "currentRevision": "db-1", "updateRevision": "db-2"}),
        );
        let got = assert_status(&obj, Status::InProgress);
        assert!(got.message.contains("db-2"), "{}", got.message);
    }

    #[test]
    fn statefulset_on_delete_is_current() {
        let obj = sts(
            json!({"replicas": 3, "updateStrategy": {"type": "OnDelete"}}),
            json!({"replicas": 1, "readyReplicas": 0}),
        );
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn statefulset_partition() {
        let spec = json!({"replicas": 4, "updateStrategy": {
            "type": "RollingUpdate", "rollingUpdate": {"partition": 2}}});
        // Only ordinals >= 2 must be updated; revisions may differ.
        let done = sts(
            spec.clone(),
            json!({
            "replicas": 4, "readyReplicas": 4, "currentReplicas": 2, "updatedReplicas": 2,
            "currentRevision": "db-1", "updateRevision": "db-2"}),
        );
        assert_status(&done, Status::Current);
        let rolling = sts(
            spec,
            json!({
            "replicas": 4, "readyReplicas": 4, "currentReplicas": 3, "updatedReplicas": 1,
            "currentRevision": "db-1", "updateRevision": "db-2"}),
        );
        let got = assert_status(&rolling, Status::InProgress);
        assert!(got.message.contains("1/2"), "{}", got.message);
    }

    #[test]
    fn statefulset_without_status_is_in_progress() {
        let obj = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
                         "spec": {"replicas": 1}});
        assert_status(&obj, Status::InProgress);
    }

    // --- DaemonSet ---------------------------------------------------------------

    fn ds(status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
               "metadata": {"name": "agent", "generation": 1}, "status": status})
    }

    #[test]
    fn daemonset_current() {
        let obj = ds(json!({"observedGeneration": 1, "desiredNumberScheduled": 3,
                            "currentNumberScheduled": 3, "updatedNumberScheduled": 3,
                            "numberAvailable": 3, "numberReady": 3}));
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn daemonset_no_status_yet_is_in_progress() {
        assert_status(&ds(json!({})), Status::InProgress);
        let no_status = json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
                               "metadata": {"generation": 1}});
        assert_status(&no_status, Status::InProgress);
        let no_generation = json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
                                   "status": {"observedGeneration": 1,
                                              "desiredNumberScheduled": 0}});
        assert_status(&no_generation, Status::InProgress);
        let no_desired = ds(json!({"observedGeneration": 1}));
        assert_status(&no_desired, Status::InProgress);
    }

    #[test]
    fn daemonset_zero_desired_is_current() {
        let obj = ds(json!({"observedGeneration": 1, "desiredNumberScheduled": 0}));
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn daemonset_in_progress_cases() {
        let full = json!({"observedGeneration": 1, "desiredNumberScheduled": 3,
                          "currentNumberScheduled": 3, "updatedNumberScheduled": 3,
                          "numberAvailable": 3, "numberReady": 3});
        for key in [
            "currentNumberScheduled",
            "updatedNumberScheduled",
            "numberAvailable",
            "numberReady",
        ] {
            let mut status = full.clone();
            status[key] = json!(2);
            let got = assert_status(&ds(status), Status::InProgress);
            assert!(got.message.contains("2/3"), "{key}: {}", got.message);
        }
    }

    // --- ReplicaSet --------------------------------------------------------------

    fn rs(status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "spec": {"replicas": 2}, "status": status})
    }

    #[test]
    fn replicaset_current() {
        let obj = rs(
            json!({"replicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                            "fullyLabeledReplicas": 2}),
        );
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn replicaset_in_progress_cases() {
        let full = json!({"replicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                          "fullyLabeledReplicas": 2});
        for (key, value) in [
            ("fullyLabeledReplicas", 1),
            ("availableReplicas", 1),
            ("readyReplicas", 1),
            ("replicas", 3),
        ] {
            let mut status = full.clone();
            status[key] = json!(value);
            assert_status(&rs(status), Status::InProgress);
        }
    }

    #[test]
    fn replicaset_replica_failure_is_in_progress_as_in_kstatus() {
        let obj = rs(json!({"replicas": 0, "conditions": [
            {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
             "message": "exceeded quota: compute-resources"}
        ]}));
        let got = assert_status(&obj, Status::InProgress);
        assert!(got.message.contains("exceeded quota"), "{}", got.message);
    }

    // --- Pod -----------------------------------------------------------------------

    fn pod_obj(status: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "p", "creationTimestamp": "2024-05-01T11:00:00Z"},
               "status": status})
    }

    #[test]
    fn pod_succeeded_is_current() {
        assert_status(&pod_obj(json!({"phase": "Succeeded"})), Status::Current);
    }

    #[test]
    fn pod_failed_phase_is_current_as_in_kstatus() {
        let got = assert_status(&pod_obj(json!({"phase": "Failed"})), Status::Current);
        assert!(got.message.contains("not successfully"), "{}", got.message);
    }

    #[test]
    fn pod_running_ready_is_current() {
        let obj = pod_obj(json!({"phase": "Running",
                                 "conditions": [{"type": "Ready", "status": "True"}]}));
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn pod_running_not_ready_is_in_progress() {
        let obj = pod_obj(json!({"phase": "Running",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{"name": "app", "state": {"running": {}}}]}));
        assert_status(&obj, Status::InProgress);
    }

    #[test]
    fn pod_running_crash_loop_is_failed() {
        let obj = pod_obj(json!({"phase": "Running",
        "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [
            {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
            {"name": "sidecar", "state": {"running": {}}},
            {"name": "proxy", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
        ]}));
        let got = assert_status(&obj, Status::Failed);
        assert_eq!(
            got.message,
            "Pod containers in CrashLoopBackOff: app, proxy"
        );
    }

    #[test]
    fn pod_pending_image_pull_errors_are_in_progress_as_in_kstatus() {
        for reason in ["ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff"] {
            let obj = pod_obj(json!({"phase": "Pending",
                "containerStatuses": [{"name": "app",
                                       "state": {"waiting": {"reason": reason}}}]}));
            assert_status(&obj, Status::InProgress);
        }
    }

    #[test]
    fn pod_unschedulable_is_failed_after_grace_period() {
        let status = json!({"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
             "message": "0/3 nodes are available"}]});
        let mut fresh = pod_obj(status.clone());
        fresh["metadata"]["creationTimestamp"] = json!("2024-05-01T11:59:50Z");
        assert_status(&fresh, Status::InProgress);

        let old = pod_obj(status.clone());
        let got = assert_status(&old, Status::Failed);
        assert!(got.message.contains("0/3 nodes"), "{}", got.message);

        let mut no_timestamp = pod_obj(status);
        no_timestamp["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("creationTimestamp");
        assert_status(&no_timestamp, Status::Failed);
    }

    #[test]
    fn pod_pending_or_unobserved_is_in_progress() {
        assert_status(&pod_obj(json!({"phase": "Pending"})), Status::InProgress);
        assert_status(&pod_obj(json!({})), Status::InProgress);
        assert_status(&pod_obj(json!({"phase": "Unknown"})), Status::InProgress);
    }

    // --- Job -----------------------------------------------------------------------

    fn job_obj(status: Value) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "Job",
               "spec": {"completions": 3, "parallelism": 1}, "status": status})
    }

    #[test]
    fn job_complete_is_current() {
        let obj = job_obj(json!({"startTime": "2024-05-01T11:00:00Z", "succeeded": 3,
            "conditions": [{"type": "Complete", "status": "True"}]}));
        let got = assert_status(&obj, Status::Current);
        assert!(got.message.contains("3/3"), "{}", got.message);
    }

    #[test]
    fn job_failed_is_failed() {
        let obj = job_obj(json!({"startTime": "2024-05-01T11:00:00Z", "failed": 4,
            "conditions": [{"type": "Failed", "status": "True",
                            "reason": "BackoffLimitExceeded"}]}));
        let got = assert_status(&obj, Status::Failed);
        assert_eq!(got.message, "Job failed: BackoffLimitExceeded");
    }

    #[test]
    fn job_not_started_is_in_progress() {
        assert_status(&job_obj(json!({})), Status::InProgress);
        let no_status = json!({"apiVersion": "batch/v1", "kind": "Job"});
        assert_status(&no_status, Status::InProgress);
    }

    #[test]
    fn job_started_and_running_is_current_as_in_kstatus() {
        let obj = job_obj(json!({"startTime": "2024-05-01T11:00:00Z", "active": 1,
            "conditions": [{"type": "Failed", "status": "False"},
                           {"type": "Complete", "status": "False"}]}));
        let got = assert_status(&obj, Status::Current);
        assert!(got.message.contains("1 active"), "{}", got.message);
    }

    #[test]
    fn job_suspended_is_current() {
        let obj = job_obj(json!({"conditions": [{"type": "Suspended", "status": "True"}]}));
        assert_status(&obj, Status::Current);
    }

    // --- PersistentVolumeClaim -----------------------------------------------------

    #[test]
    fn pvc_bound_is_current_else_in_progress() {
        let pvc = |status: Value| json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": status});
        assert_status(&pvc(json!({"phase": "Bound"})), Status::Current);
        assert_status(&pvc(json!({"phase": "Pending"})), Status::InProgress);
        assert_status(&pvc(json!({"phase": "Lost"})), Status::InProgress);
        assert_status(&pvc(json!({})), Status::InProgress);
    }

    // --- Service -------------------------------------------------------------------

    #[test]
    fn service_cluster_ip_and_friends_are_current_immediately() {
        for type_ in [
            None,
            Some("ClusterIP"),
            Some("NodePort"),
            Some("ExternalName"),
        ] {
            let mut obj = json!({"apiVersion": "v1", "kind": "Service", "spec": {}});
            if let Some(t) = type_ {
                obj["spec"]["type"] = json!(t);
            }
            assert_status(&obj, Status::Current);
        }
    }

    #[test]
    fn service_load_balancer_needs_cluster_ip_as_in_kstatus() {
        let no_ip = json!({"apiVersion": "v1", "kind": "Service",
                           "spec": {"type": "LoadBalancer"}});
        assert_status(&no_ip, Status::InProgress);
        // kstatus does not wait for status.loadBalancer.ingress.
        let with_ip = json!({"apiVersion": "v1", "kind": "Service",
                             "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.7"},
                             "status": {"loadBalancer": {}}});
        assert_status(&with_ip, Status::Current);
    }

    // --- CustomResourceDefinition --------------------------------------------------

    fn crd_obj(conditions: Value) -> Value {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "status": {"conditions": conditions}})
    }

    #[test]
    fn crd_established_is_current() {
        let obj = crd_obj(json!([{"type": "NamesAccepted", "status": "True"},
                                 {"type": "Established", "status": "True"}]));
        assert_status(&obj, Status::Current);
    }

    #[test]
    fn crd_names_not_accepted_is_failed() {
        let obj = crd_obj(json!([
            {"type": "NamesAccepted", "status": "False", "reason": "NameConflict",
             "message": "\"widgets\" is already in use"},
            {"type": "Established", "status": "False", "reason": "NotAccepted"}]));
        let got = assert_status(&obj, Status::Failed);
        assert!(got.message.contains("already in use"), "{}", got.message);
    }

    #[test]
    fn crd_established_false_not_installing_is_failed() {
        let obj = crd_obj(json!([{"type": "Established", "status": "False",
                                  "reason": "NotAccepted"}]));
        assert_status(&obj, Status::Failed);
    }

    #[test]
    fn crd_installing_is_in_progress() {
        assert_status(
            &crd_obj(json!([{"type": "Established", "status": "False", "reason": "Installing"}])),
            Status::InProgress,
        );
        assert_status(&crd_obj(json!([])), Status::InProgress);
    }

    // --- PodDisruptionBudget -------------------------------------------------------

    #[test]
    fn pdb_is_current_once_observed() {
        let pdb = |observed: i64| {
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                   "metadata": {"generation": 2},
                   "status": {"observedGeneration": observed, "disruptionsAllowed": 0}})
        };
        assert_status(&pdb(2), Status::Current);
        assert_status(&pdb(1), Status::InProgress);
    }

    // --- Helpers -----------------------------------------------------------------------

    #[test]
    fn group_from_api_version() {
        assert_eq!(group_of(&json!({"apiVersion": "v1"})), "");
        assert_eq!(group_of(&json!({"apiVersion": "apps/v1"})), "apps");
        assert_eq!(
            group_of(&json!({"apiVersion": "apiextensions.k8s.io/v1"})),
            "apiextensions.k8s.io"
        );
        assert_eq!(group_of(&json!({})), "");
    }

    #[test]
    fn rfc3339_parsing() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2024-05-01T12:00:00Z"), Some(NOW));
        assert_eq!(parse_rfc3339("2024-05-01T12:00:00.123456Z"), Some(NOW));
        assert_eq!(parse_rfc3339("2024-05-01T14:00:00+02:00"), Some(NOW));
        assert_eq!(parse_rfc3339("2024-05-01T10:30:00-01:30"), Some(NOW));
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(parse_rfc3339("2024-05-01"), None);
        assert_eq!(parse_rfc3339("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-05-01T12:00:00"), None);
        assert_eq!(parse_rfc3339("2024-05-01T12:00:00.Z"), None);
        assert_eq!(parse_rfc3339("2024-05-01T12:00:00é"), None);
    }

    #[test]
    fn health_uses_the_real_clock() {
        // A Pod created "now" and unschedulable is still in its grace period.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let days = i64::try_from(now / 86_400).unwrap();
        // Build today's date back from the day count via a search; cheap enough.
        let mut ts = String::new();
        'outer: for y in 2020..2200 {
            for m in 1..=12 {
                for d in 1..=31 {
                    if days_from_civil(y, m, d) == days {
                        let secs = now % 86_400;
                        ts = format!(
                            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                            secs / 3600,
                            secs % 3600 / 60,
                            secs % 60
                        );
                        break 'outer;
                    }
                }
            }
        }
        assert!(!ts.is_empty());
        let obj = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"creationTimestamp": ts},
            "status": {"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}});
        assert_eq!(health(&obj).status, Status::InProgress);
    }
}
