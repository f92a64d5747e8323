//! The health rules, case by case, against hand-written objects.

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
    let now = k8s_openapi::jiff::Timestamp::now()
        .round(k8s_openapi::jiff::Unit::Second)
        .unwrap()
        .to_string();
    let obj = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"creationTimestamp": now},
        "status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}});
    assert_eq!(health(&obj).status, Status::InProgress);
}

// --- Rules: healthCheckExprs, Job completion, built-in CRD rules ---------

fn rules(yaml: &str) -> Rules {
    // A gitsync.yaml declares at least one target.
    let yaml = format!("{yaml}\ntargets:\n  - name: t\n");
    let config = crate::config::ConfigFile::parse(&yaml).unwrap();
    Rules::new(
        config
            .health_check_exprs
            .iter()
            .map(|h| h.compile().unwrap())
            .collect(),
    )
}

const WIDGET_RULES: &str = "healthCheckExprs:\n  - apiVersion: example.com/v1\n    kind: Widget\n    inProgress: \"!has(self.status) || self.status.phase == 'Pending'\"\n    failed: status.phase == 'Broken'\n    current: self.status.phase == 'Ready'\n";

fn widget(status: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget",
           "metadata": {"name": "w", "generation": 1}, "status": status})
}

#[test]
fn cel_rules_decide_in_flux_order() {
    let r = rules(WIDGET_RULES);
    for (status, want, expr) in [
        (json!({"phase": "Ready"}), Status::Current, "current"),
        (
            json!({"phase": "Pending"}),
            Status::InProgress,
            "inProgress",
        ),
        (json!({"phase": "Broken"}), Status::Failed, "failed"),
        // None is true: in progress.
        (json!({"phase": "Other"}), Status::InProgress, "none"),
    ] {
        let (h, d) = r.explain_at(&widget(status.clone()), NOW);
        assert_eq!(h.status, want, "{status}: {}", h.message);
        assert_eq!(
            d,
            Decider::Custom {
                declared: "gitsync.yaml line 2".into(),
                expression: expr.into()
            }
        );
    }
    // Without these rules the same object is current by kstatus.
    let (h, d) = Rules::default().explain_at(&widget(json!({"phase": "Broken"})), NOW);
    assert_eq!((h.status, d), (Status::Current, Decider::Kstatus));
}

#[test]
fn cel_rules_wait_for_observed_generation_and_match_the_exact_api_version() {
    let r = rules(WIDGET_RULES);
    let mut obj = widget(json!({"phase": "Ready", "observedGeneration": 0}));
    assert_eq!(r.health(&obj).status, Status::InProgress);
    obj["status"]["observedGeneration"] = json!(1);
    assert_eq!(r.health(&obj).status, Status::Current);
    obj["apiVersion"] = json!("example.com/v2");
    obj["status"]["phase"] = json!("Broken");
    assert_eq!(r.explain_at(&obj, NOW).1, Decider::Kstatus);
}

#[test]
fn cel_evaluation_errors_keep_the_object_in_progress_and_say_why() {
    // `status.phase` on an object without status: no such key.
    let r = rules(
        "healthCheckExprs:\n  - apiVersion: example.com/v1\n    kind: Widget\n    current: status.phase == 'Ready'\n",
    );
    let h = r.health(&json!({"apiVersion": "example.com/v1", "kind": "Widget"}));
    assert_eq!(h.status, Status::InProgress);
    assert!(
        h.message.contains("could not be evaluated"),
        "{}",
        h.message
    );
    // A result that is not a boolean is an error too.
    let r = rules(
        "healthCheckExprs:\n  - apiVersion: example.com/v1\n    kind: Widget\n    current: self.status.phase\n",
    );
    let h = r.health(&widget(json!({"phase": "Ready"})));
    assert_eq!(h.status, Status::InProgress);
    assert!(h.message.contains("not a boolean"), "{}", h.message);
}

#[test]
fn cel_numbers_compare_as_integers_and_optionals_work() {
    let r = rules(
        "healthCheckExprs:\n  - apiVersion: apps/v1\n    kind: StatefulSet\n    current: spec.replicas == status.availableReplicas && status.?conditions.orValue([]).size() == 0\n",
    );
    let obj = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
                     "spec": {"replicas": 3}, "status": {"availableReplicas": 3}});
    assert_eq!(r.health(&obj).status, Status::Current);
}

#[test]
fn cel_syntax_errors_name_the_file_and_line() {
    let err = crate::config::ConfigFile::parse(
        "targets:\n  - name: a\n    healthCheckExprs:\n      - apiVersion: example.com/v1\n        kind: Widget\n        current: status.phase == 'Ready'\n        failed: status.phase ==\n",
    )
    .unwrap_err()
    .to_string();
    for want in [
        "gitsync.yaml (line 7)",
        "`failed`",
        "Widget",
        "not valid CEL",
    ] {
        assert!(err.contains(want), "{want:?} missing: {err}");
    }
}

fn job(annotations: Value, status: Value) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": "migrate", "annotations": annotations},
           "spec": {"completions": 1}, "status": status})
}

#[test]
fn jobs_wait_for_completion_with_the_flag_or_the_annotation() {
    let running = json!({"startTime": "2024-05-01T11:59:00Z", "active": 1});
    // kstatus: a running Job is current.
    assert_eq!(
        Rules::default()
            .explain_at(&job(json!({}), running.clone()), NOW)
            .0
            .status,
        Status::Current
    );
    let flag = Rules::default().with_jobs(true);
    let (h, d) = flag.explain_at(&job(json!({}), running.clone()), NOW);
    assert_eq!(
        (h.status, d),
        (
            Status::InProgress,
            Decider::JobCompletion("--wait-for-jobs")
        )
    );
    let annotated = job(json!({WAIT_FOR_COMPLETION: "true"}), running.clone());
    assert_eq!(
        Rules::default().health(&annotated).status,
        Status::InProgress
    );
    // "false" opts a Job out of the flag.
    let opted_out = job(json!({WAIT_FOR_COMPLETION: "false"}), running);
    assert_eq!(flag.health(&opted_out).status, Status::Current);

    let done = json!({"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]});
    assert_eq!(flag.health(&job(json!({}), done)).status, Status::Current);
    let failed_job = json!({"failed": 1, "conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit"}]});
    let h = flag.health(&job(json!({}), failed_job));
    assert_eq!(h.status, Status::Failed);
    assert!(h.message.contains("BackoffLimitExceeded"), "{}", h.message);
}

fn builtin(yaml: &str) -> (Health, Decider) {
    let docs = crate::render::yaml::parse_documents("t.yaml", yaml).unwrap();
    Rules::default().explain_at(&docs[0].object, NOW)
}

// Certificates as recorded in Argo CD's health tests,
// argoproj/argo-cd resource_customizations/cert-manager.io/Certificate/testdata.
#[test]
fn cert_manager_certificates() {
    // progressing_issuing.yaml (status part)
    let (h, d) = builtin(
        "apiVersion: cert-manager.io/v1alpha2\nkind: Certificate\nmetadata:\n  generation: 1\n  name: test-cert\nstatus:\n  conditions:\n    - lastTransitionTime: '2021-09-15T02:10:00Z'\n      message: Issuing certificate as Secret does not exist\n      reason: DoesNotExist\n      status: 'True'\n      type: Issuing\n    - lastTransitionTime: '2021-09-15T02:10:00Z'\n      message: Issuing certificate as Secret does not exist\n      reason: DoesNotExist\n      status: 'False'\n      type: Ready\n",
    );
    assert_eq!(h.status, Status::InProgress, "{}", h.message);
    assert_eq!(d, Decider::BuiltIn("cert-manager Certificate"));
    // healthy_issued.yaml
    let (h, _) = builtin(
        "apiVersion: cert-manager.io/v1alpha2\nkind: Certificate\nmetadata:\n  name: test-cert\nstatus:\n  conditions:\n  - lastTransitionTime: \"2019-02-15T18:21:10Z\"\n    message: Order validated\n    reason: OrderValidated\n    status: \"False\"\n    type: ValidateFailed\n  - lastTransitionTime: null\n    message: Certificate issued successfully\n    reason: CertIssued\n    status: \"True\"\n    type: Ready\n",
    );
    assert_eq!(h.status, Status::Current, "{}", h.message);
    // degraded_configError.yaml
    let (h, _) = builtin(
        "apiVersion: cert-manager.io/v1alpha2\nkind: Certificate\nmetadata:\n  name: test-cert\nstatus:\n  conditions:\n  - lastTransitionTime: \"2019-02-15T18:26:37Z\"\n    message: 'Resource validation failed: spec.acme.config: Required value: no ACME\n      solver configuration specified for domain \"cd.apps.argoproj.io\"'\n    reason: ConfigError\n    status: \"False\"\n    type: Ready\n",
    );
    assert_eq!(h.status, Status::Failed, "{}", h.message);
    assert!(h.message.contains("no ACME"), "{}", h.message);
    // kstatus alone would call all three current.
    assert_eq!(
        health_at(
            &json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                    "status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
            NOW
        )
        .status,
        Status::Current
    );
}

// argoproj/argo-cd resource_customizations/keda.sh/ScaledObject/testdata/keda-degraded.yaml
#[test]
fn keda_scaled_object_not_ready_is_failed() {
    let (h, d) = builtin(
        "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: keda\n  namespace: keda\nstatus:\n  conditions:\n    - message: ScaledObject doesn't have correct triggers specification\n      reason: ScaledObjectCheckFailed\n      status: 'False'\n      type: Ready\n    - message: Scaling is not performed because triggers are not active\n      reason: ScalerNotActive\n      status: 'False'\n      type: Active\n    - message: No fallbacks are active on this scaled object\n      reason: NoFallbackFound\n      status: 'False'\n      type: Fallback\n    - status: Unknown\n      type: Paused\n",
    );
    assert_eq!(h.status, Status::Failed, "{}", h.message);
    assert!(
        h.message.contains("triggers specification"),
        "{}",
        h.message
    );
    assert_eq!(d, Decider::BuiltIn("KEDA Ready condition"));
}

// Flux: the Kustomization status in fluxcd/kustomize-controller
// docs/spec/v1/kustomizations.md ("kubectl describe kustomization podinfo"),
// and argoproj/argo-cd .../helm.toolkit.fluxcd.io/HelmRelease/testdata/degraded.yaml,
// where Reconciling (retrying) decides before Ready, as kstatus says.
#[test]
fn flux_objects_follow_their_ready_condition() {
    let (h, d) = builtin(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: podinfo\nstatus:\n  conditions:\n  - lastTransitionTime: \"2023-03-07T11:14:41Z\"\n    message: 'Applied revision: master@sha1:450796ddb2ab6724ee1cc32a4be56da032d1cca0'\n    reason: ReconciliationSucceeded\n    status: \"True\"\n    type: Ready\n",
    );
    assert_eq!(h.status, Status::Current, "{}", h.message);
    assert_eq!(d, Decider::BuiltIn("Flux Ready condition"));
    let (h, d) = builtin(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\nstatus:\n  conditions:\n  - message: Helm rollback to previous release default/podinfo.v24 with chart podinfo@6.5.4 succeeded\n    reason: ProgressingWithRetry\n    status: \"True\"\n    type: Reconciling\n  - message: Helm rollback to previous release default/podinfo.v24 with chart podinfo@6.5.4 succeeded\n    reason: RollbackSucceeded\n    status: \"False\"\n    type: Ready\n",
    );
    assert_eq!((h.status, d), (Status::InProgress, Decider::Kstatus));
    // Ready False without Reconciling: kstatus alone would say current.
    let (h, _) = builtin(
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: podinfo\nstatus:\n  conditions:\n  - reason: GitOperationFailed\n    message: failed to checkout and determine revision\n    status: \"False\"\n    type: Ready\n",
    );
    assert_eq!(h.status, Status::Failed, "{}", h.message);
}

#[test]
fn rollouts_and_crossplane_style_resources() {
    let rollout = |phase: &str| {
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
               "status": {"phase": phase, "message": "more replicas need to be updated"}})
    };
    for (phase, want) in [
        ("Healthy", Status::Current),
        ("Progressing", Status::InProgress),
        ("Paused", Status::InProgress),
        ("Degraded", Status::Failed),
    ] {
        assert_eq!(
            Rules::default().health(&rollout(phase)).status,
            want,
            "{phase}"
        );
    }
    let managed = |synced: &str, ready: &str| {
        json!({"apiVersion": "s3.aws.upbound.io/v1beta1", "kind": "Bucket",
               "status": {"conditions": [
                   {"type": "Synced", "status": synced, "reason": "ReconcileError", "message": "connect failed"},
                   {"type": "Ready", "status": ready, "reason": "Creating"}]}})
    };
    assert_eq!(
        Rules::default().health(&managed("True", "True")).status,
        Status::Current
    );
    assert_eq!(
        Rules::default().health(&managed("True", "False")).status,
        Status::InProgress
    );
    let h = Rules::default().health(&managed("False", "False"));
    assert_eq!(h.status, Status::Failed);
    assert!(h.message.contains("connect failed"), "{}", h.message);
}

#[test]
fn a_targets_own_rules_come_before_the_files() {
    let config = crate::config::ConfigFile::parse(
        "healthCheckExprs:\n  - apiVersion: example.com/v1\n    kind: Widget\n    current: 'true'\ntargets:\n  - name: strict\n    healthCheckExprs:\n      - apiVersion: example.com/v1\n        kind: Widget\n        current: 'false'\n  - name: lax\n",
    )
    .unwrap();
    let targets = crate::config::resolve_targets(
        Some(&config),
        &crate::settings::TargetSelection::All,
        &crate::settings::SourceSettings {
            repo: ".".into(),
            revision: None,
            path: None,
            verify: None,
            checkout: Default::default(),
        },
        &crate::settings::ClusterSettings::default(),
        &crate::settings::RenderSettings::default(),
    )
    .unwrap();
    let obj = widget(json!({}));
    let strict = targets[0].health_rules().explain_at(&obj, NOW);
    assert_eq!(strict.0.status, Status::InProgress, "{}", strict.0.message);
    assert!(
        matches!(&strict.1, Decider::Custom { declared, .. } if declared == "gitsync.yaml line 8")
    );
    let lax = targets[1].health_rules().explain_at(&obj, NOW);
    assert_eq!(lax.0.status, Status::Current, "{}", lax.0.message);
}

#[test]
fn deeply_nested_comprehensions_are_refused() {
    // Each level multiplies the work by a list's length, and evaluation
    // cannot be interrupted.
    let deep = "a.all(w, b.all(x, c.all(y, d.all(z, true))))";
    let err = custom::compile(deep).unwrap_err();
    assert!(err.message.contains("nest more than 3"), "{err:?}");
    custom::compile("a.all(w, b.all(x, c.exists(y, true)))").unwrap();
    // Chained (not nested) comprehensions are fine however many.
    custom::compile("a.filter(x, true).map(x, x).filter(x, true).all(x, true)").unwrap();
    assert!(custom::compile(&"a || ".repeat(1000)).is_err());
}
