//! The local cluster itself, as the harness provides it.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use libtest_mimic::Trial;

use crate::harness::{Cluster, TestResult, block_on};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(object_created_through_the_harness_is_read_back),
        crate::trial!(kubectl_lists_the_system_namespaces),
        crate::trial!(deleted_namespace_is_finalised),
    ]
}

fn kubectl_lists_the_system_namespaces() -> TestResult {
    let cluster = Cluster::shared()?;
    let out = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig())
        .args(["get", "ns", "-o", "name"])
        .output()?;
    let names = String::from_utf8_lossy(&out.stdout);
    for ns in ["namespace/default", "namespace/kube-system"] {
        if !names.lines().any(|l| l == ns) {
            return Err(format!(
                "{ns} missing from kubectl get ns: {names}{}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
    }
    Ok(())
}

/// The controller-manager runs: a deleted namespace goes away (its
/// finalizer is handled) instead of staying Terminating forever.
fn deleted_namespace_is_finalised() -> TestResult {
    use k8s_openapi::api::core::v1::Namespace;
    let cluster = Cluster::shared()?;
    let name = {
        let ns = cluster.namespace("finalised");
        let cm: ConfigMap = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "inside"}
        }))?;
        block_on(
            Api::<ConfigMap>::namespaced(ns.client.clone(), &ns.name)
                .create(&PostParams::default(), &cm),
        )?;
        ns.name.clone()
        // dropping the guard deletes the namespace
    };
    let api: Api<Namespace> = Api::all(cluster.client());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if block_on(api.get_opt(&name))?.is_none() {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("namespace {name} still exists after 30 s").into());
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn object_created_through_the_harness_is_read_back() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("read-back");
    let api: Api<ConfigMap> = Api::namespaced(ns.client.clone(), &ns.name);
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "hello"},
        "data": {"greeting": "from the harness"}
    }))?;
    block_on(api.create(&PostParams::default(), &cm))?;
    let back = block_on(api.get("hello"))?;
    let greeting = back.data.unwrap_or_default().remove("greeting");
    if greeting.as_deref() != Some("from the harness") {
        return Err(format!("read back {greeting:?}").into());
    }
    if back.metadata.uid.is_none() {
        return Err("the API server did not assign a uid".into());
    }
    Ok(())
}
