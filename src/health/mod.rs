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
//! Before these rules, [`Rules`] may decide instead: a `healthCheckExprs`
//! entry of gitsync.yaml for the object's apiVersion and kind (CEL, in
//! `custom.rs`), a Job that must run to completion (`--wait-for-jobs` or
//! the [`WAIT_FOR_COMPLETION`] annotation), or a built-in rule for a
//! common custom resource that kstatus misreads (`crds.rs`).
//!
//! Everything is computed from the object alone; no cluster access. The only
//! outside input is the clock, for kstatus' 15 second grace period before an
//! unschedulable Pod counts as failed.

mod crds;
pub mod custom;

use std::sync::Arc;

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

/// The health of one object as read from the cluster (with its `status`),
/// by the built-in rules alone.
#[must_use]
pub fn health(obj: &Value) -> Health {
    Rules::default().health(obj)
}

/// The annotation that makes health wait for a Job to complete (`"true"`),
/// or not even with `--wait-for-jobs` (`"false"`).
pub const WAIT_FOR_COMPLETION: &str = "gitsync.io/wait-for-completion";

/// Which rule decided an object's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decider {
    /// A `healthCheckExprs` entry: where it was declared, and which of its
    /// expressions decided (`inProgress`, `failed`, `current`, `none`).
    Custom {
        declared: String,
        expression: String,
    },
    /// A Job waited on until it completes, and why it is waited on.
    JobCompletion(&'static str),
    /// A built-in rule for a custom resource kstatus misreads.
    BuiltIn(&'static str),
    /// kstatus' rules (generic, or per kind for the built-in kinds).
    Kstatus,
}

impl std::fmt::Display for Decider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Decider::Custom {
                declared,
                expression,
            } => write!(
                f,
                "healthCheckExprs entry at {declared} (decided by: {expression})"
            ),
            Decider::JobCompletion(why) => write!(f, "Job completion ({why})"),
            Decider::BuiltIn(name) => write!(f, "built-in rule: {name}"),
            Decider::Kstatus => f.write_str("built-in kstatus rules"),
        }
    }
}

/// The health rules of one target: its `healthCheckExprs` (the target's
/// own first, then the file's) and whether Jobs must complete. Cheap to
/// clone.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    custom: Arc<Vec<custom::Rule>>,
    /// `--wait-for-jobs`: a Job is healthy once it completed, not once it
    /// started (the annotation can say otherwise per Job).
    pub wait_for_jobs: bool,
}

impl Rules {
    pub fn new(custom: Vec<custom::Rule>) -> Rules {
        Rules {
            custom: Arc::new(custom),
            wait_for_jobs: false,
        }
    }

    /// The same rules, with `--wait-for-jobs` as given.
    #[must_use]
    pub fn with_jobs(&self, wait_for_jobs: bool) -> Rules {
        Rules {
            custom: self.custom.clone(),
            wait_for_jobs,
        }
    }

    #[must_use]
    pub fn health(&self, obj: &Value) -> Health {
        self.explain(obj).0
    }

    /// The object's health and the rule that decided it.
    #[must_use]
    pub fn explain(&self, obj: &Value) -> (Health, Decider) {
        self.explain_at(obj, k8s_openapi::jiff::Timestamp::now().as_second())
    }

    fn explain_at(&self, obj: &Value, now: i64) -> (Health, Decider) {
        // The first matching entry wins: the target's own come first.
        if let Some(rule) = self.custom.iter().find(|r| r.matches(obj)) {
            let (h, expression) = rule.evaluate(obj);
            return (
                h,
                Decider::Custom {
                    declared: rule.declared.clone(),
                    expression,
                },
            );
        }
        let kind = kind_of(obj);
        let group = group_of(obj);
        if (group, kind) == ("batch", "Job")
            && let Some(why) = self.job_completion_wanted(obj)
        {
            let h = generic(obj, kind).unwrap_or_else(|| job_completion(obj));
            return (h, Decider::JobCompletion(why));
        }
        if generic(obj, kind).is_none()
            && let Some((name, h)) = crds::rule_for(obj, group, kind)
        {
            return (h, Decider::BuiltIn(name));
        }
        (health_at(obj, now), Decider::Kstatus)
    }

    /// Why this Job must complete before it is healthy, if it must.
    fn job_completion_wanted(&self, obj: &Value) -> Option<&'static str> {
        match str_field(obj, &["metadata", "annotations", WAIT_FOR_COMPLETION]) {
            Some("true") => Some("annotation gitsync.io/wait-for-completion: \"true\""),
            Some("false") => None,
            _ => self.wait_for_jobs.then_some("--wait-for-jobs"),
        }
    }
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
    crate::desired::split_api_version(str_field(obj, &["apiVersion"]).unwrap_or("")).0
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

/// A Job that must run to its end: Complete → Current, Failed → Failed,
/// anything else (not started, running, suspended) → InProgress.
fn job_completion(obj: &Value) -> Health {
    let succeeded = int_or(obj, &["status", "succeeded"], 0);
    let active = int_or(obj, &["status", "active"], 0);
    let failed_pods = int_or(obj, &["status", "failed"], 0);
    for c in conditions(obj) {
        if c.is("Complete", "True") || c.is("SuccessCriteriaMet", "True") {
            return current(format!("Job completed: {succeeded} succeeded"));
        }
        if c.is("Failed", "True") || c.is("FailureTarget", "True") {
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
            return in_progress("Job is suspended: it completes only once resumed");
        }
    }
    in_progress(format!(
        "Job has not completed yet: {succeeded} succeeded, {active} active, {failed_pods} failed"
    ))
}

// ---------------------------------------------------------------------------
// Time

/// Seconds since the Unix epoch of an RFC 3339 timestamp such as
/// `2024-05-01T12:00:00Z`, as the API server writes them.
fn parse_rfc3339(s: &str) -> Option<i64> {
    s.parse::<k8s_openapi::jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

#[cfg(test)]
mod tests;
