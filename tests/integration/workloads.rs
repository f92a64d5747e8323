//! Workloads on the local cluster's simulated nodes: the real scheduler
//! places Pods on kwok's nodes, kwok runs them, and the real controllers
//! make Deployments available and Jobs complete, so `sync`'s wait is tested
//! end to end. The image `gitsync.test/fail` fails on purpose.

use std::time::{Duration, Instant};

use libtest_mimic::Trial;
use serde_json::Value;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(deployment_of_two_becomes_available_and_sync_exits_0),
        crate::trial!(job_runs_to_completion),
        crate::trial!(statefulset_and_daemonset_become_ready),
        crate::trial!(failing_image_makes_sync_exit_3_naming_the_object),
        crate::trial!(failing_image_fails_the_pod_of_a_job),
        crate::trial!(thousand_services_fit_in_one_cluster),
    ]
}

fn sync(cluster: &Cluster, repo: &GitRepo, ns: &str, timeout: &str) -> Run {
    run(gitsync(repo.path())
        .args(["sync", "--timeout", timeout, "-n", ns, "--kubeconfig"])
        .arg(cluster.kubeconfig()))
}

fn get_json(cluster: &Cluster, args: &[&str]) -> Result<Value, libtest_mimic::Failed> {
    let r = kubectl(cluster, &[&["get"], args, &["-o", "json"]].concat());
    check!(r.code == 0, r, "kubectl get {args:?}");
    Ok(serde_json::from_str(&r.stdout)?)
}

/// Polls `kubectl get ARGS -o json` until `done` holds for the object (or
/// list), for up to 60 s; returns it, or fails with its last state.
fn wait_for(
    cluster: &Cluster,
    args: &[&str],
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Result<Value, libtest_mimic::Failed> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let obj = get_json(cluster, args)?;
        if done(&obj) {
            return Ok(obj);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{what}: not after 60 s; last state of {args:?}:\n{}",
                serde_json::to_string_pretty(&obj["status"]).unwrap_or_default()
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn has_condition(obj: &Value, type_: &str, status: &str) -> bool {
    obj["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == type_ && c["status"] == status)
    })
}

/// The Pods of a namespace, which must all be on simulated nodes, placed
/// there by the real scheduler.
fn pods(cluster: &Cluster, ns: &str) -> Result<Vec<Value>, libtest_mimic::Failed> {
    let list = get_json(cluster, &["pods", "-n", ns])?;
    let pods = list["items"].as_array().cloned().unwrap_or_default();
    for p in &pods {
        let node = p["spec"]["nodeName"].as_str().unwrap_or_default();
        if !node.starts_with("kwok-node-") || !has_condition(p, "PodScheduled", "True") {
            return Err(format!(
                "pod {} is not scheduled to a simulated node: nodeName {node:?}, conditions {}",
                p["metadata"]["name"], p["status"]["conditions"]
            )
            .into());
        }
    }
    Ok(pods)
}

fn deployment(name: &str, replicas: u32, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: main, image: {image}}}]}}\n"
    )
}

fn job(name: &str, image: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: main, image: {image}}}]\n"
    )
}

/// The table row of `object` (e.g. `apps/v1 Deployment ns/web`).
fn row<'a>(r: &'a Run, object: &str) -> Option<&'a str> {
    r.stdout
        .lines()
        .find(|l| l.split("  ").next() == Some(object))
}

fn deployment_of_two_becomes_available_and_sync_exits_0() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("deploy-available");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("web.yaml", &deployment("web", 2, "nginx:1.27"))], "web");
    let r = sync(cluster, &repo, n, "60s");
    check!(
        r.code == 0,
        r,
        "sync exits 0 once the Deployment is available"
    );
    let object = format!("apps/v1 Deployment {n}/web");
    check!(
        row(&r, &object).is_some_and(|l| l.trim_end().ends_with("healthy")),
        r,
        "the health table says {object} is healthy"
    );
    check!(r.stdout.contains(" 0 unhealthy"), r, "nothing unhealthy");
    let d = get_json(cluster, &["deployment", "web", "-n", n])?;
    check!(
        d["status"]["availableReplicas"] == 2 && has_condition(&d, "Available", "True"),
        r,
        "the controller reports 2 available replicas: {}",
        d["status"]
    );
    let pods = pods(cluster, n)?;
    let running = pods
        .iter()
        .filter(|p| p["status"]["phase"] == "Running" && has_condition(p, "Ready", "True"))
        .count();
    check!(running == 2, r, "2 Pods Running and Ready, got {running}");
    Ok(())
}

fn job_runs_to_completion() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("job-complete");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("job.yaml", &job("once", "busybox:1.36"))], "job");
    let r = sync(cluster, &repo, n, "60s");
    check!(r.code == 0, r, "sync applies the Job and sees it started");
    wait_for(cluster, &["job", "once", "-n", n], "Job Complete", |j| {
        has_condition(j, "Complete", "True") && j["status"]["succeeded"] == 1
    })?;
    let pods = pods(cluster, n)?;
    check!(
        pods.len() == 1 && pods[0]["status"]["phase"] == "Succeeded",
        r,
        "the Job's Pod Succeeded: {:?}",
        pods.iter()
            .map(|p| &p["status"]["phase"])
            .collect::<Vec<_>>()
    );
    Ok(())
}

fn statefulset_and_daemonset_become_ready() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("sts-ds");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("db.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector: {app: db}\n  ports: [{port: 5432}]\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  replicas: 2\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: main, image: postgres:17}]}\n"),
            ("agent.yaml", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {containers: [{name: main, image: fluent-bit:3}]}\n"),
        ],
        "db and agent",
    );
    let r = sync(cluster, &repo, n, "60s");
    check!(r.code == 0, r, "sync exits 0 once both are ready");
    for object in [
        format!("apps/v1 StatefulSet {n}/db"),
        format!("apps/v1 DaemonSet {n}/agent"),
    ] {
        check!(
            row(&r, &object).is_some_and(|l| l.trim_end().ends_with("healthy")),
            r,
            "the health table says {object} is healthy"
        );
    }
    let sts = get_json(cluster, &["statefulset", "db", "-n", n])?;
    check!(
        sts["status"]["readyReplicas"] == 2,
        r,
        "StatefulSet status: {}",
        sts["status"]
    );
    let nodes = get_json(cluster, &["nodes"])?["items"]
        .as_array()
        .map_or(0, Vec::len);
    let ds = get_json(cluster, &["daemonset", "agent", "-n", n])?;
    check!(
        nodes >= 1
            && ds["status"]["desiredNumberScheduled"] == nodes
            && ds["status"]["numberReady"] == nodes,
        r,
        "a ready DaemonSet Pod on each of the {nodes} nodes: {}",
        ds["status"]
    );
    pods(cluster, n)?;
    Ok(())
}

fn failing_image_makes_sync_exit_3_naming_the_object() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("fail-image");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[(
            "crash.yaml",
            &deployment("crash", 2, "gitsync.test/fail:v1"),
        )],
        "crash",
    );
    let r = sync(cluster, &repo, n, "10s");
    check!(r.code == 3, r, "exit 3: applied, not healthy");
    check!(
        r.stderr.contains(&format!(
            "apps/v1 Deployment {n}/crash is InProgress: Deployment has 0/2 available replicas"
        )),
        r,
        "names the object and why"
    );
    // What a user looking at the Pods sees: containers crash-looping after
    // exiting with an error.
    let pods = pods(cluster, n)?;
    check!(pods.len() == 2, r, "2 Pods, got {}", pods.len());
    for p in &pods {
        let cs = &p["status"]["containerStatuses"][0];
        check!(
            p["status"]["phase"] == "Running"
                && has_condition(p, "Ready", "False")
                && cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
                && cs["lastState"]["terminated"]["exitCode"] == 1
                && cs["lastState"]["terminated"]["reason"] == "Error",
            r,
            "Pod {} crash-loops: {}",
            p["metadata"]["name"],
            p["status"]
        );
    }
    Ok(())
}

fn failing_image_fails_the_pod_of_a_job() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("fail-job");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(&[("job.yaml", &job("doomed", "gitsync.test/fail"))], "job");
    let r = run(gitsync(repo.path())
        .args(["sync", "--no-wait", "-n", n, "--kubeconfig"])
        .arg(cluster.kubeconfig()));
    check!(r.code == 0, r, "applied");
    let j = wait_for(cluster, &["job", "doomed", "-n", n], "Job Failed", |j| {
        has_condition(j, "Failed", "True")
    })?;
    check!(
        j["status"]["failed"] == 1 && j["status"]["succeeded"].is_null(),
        r,
        "one failed Pod, none succeeded: {}",
        j["status"]
    );
    let pods = pods(cluster, n)?;
    check!(pods.len() == 1, r, "1 Pod, got {}", pods.len());
    let cs = &pods[0]["status"]["containerStatuses"][0];
    check!(
        pods[0]["status"]["phase"] == "Failed"
            && cs["state"]["terminated"]["exitCode"] == 1
            && cs["state"]["terminated"]["reason"] == "Error",
        r,
        "the Pod failed with exit code 1: {}",
        pods[0]["status"]
    );
    Ok(())
}

/// A /24 Service range ran out after about 250 ClusterIPs; the scale
/// benchmarks need many more.
fn thousand_services_fit_in_one_cluster() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("services");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let mut yaml = String::new();
    for i in 0..1000 {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  selector: {{app: a{i}}}\n  ports: [{{port: 80}}]\n"
        ));
    }
    repo.commit(&[("services.yaml", &yaml)], "1,000 Services");
    let r = sync(cluster, &repo, n, "120s");
    check!(r.code == 0, r, "sync creates 1,000 Services");
    check!(
        r.stdout
            .contains("1000 applied, 0 deleted, 0 unchanged, 0 failed"),
        r,
        "all applied"
    );
    let list = get_json(cluster, &["services", "-n", n])?;
    let ips: std::collections::BTreeSet<&str> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["spec"]["clusterIP"].as_str())
        .collect();
    check!(
        ips.len() == 1000,
        r,
        "1,000 distinct ClusterIPs, got {}",
        ips.len()
    );
    Ok(())
}
