//! Strict `${name}` variables from gitsync.yaml, on the real cluster.

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, TestResult, configmap_value, gitsync, kubectl, run};

pub fn tests() -> Vec<Trial> {
    vec![crate::trial!(
        variables_reach_the_cluster_and_an_unset_one_changes_nothing
    )]
}

fn variables_reach_the_cluster_and_an_unset_one_changes_nothing() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("vars");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let config = "vars:\n  greeting: hello\ntargets:\n  - name: shop\n    path: app\n    vars:\n      replicas: 0\n      region: eu\n";
    let manifests = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf-${{region}}\n  namespace: {n}\n  labels: {{replicas: \"${{replicas}}\"}}\ndata:\n  value: ${{greeting}} from ${{region}}\n  script: echo $${{HOME}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {n}}}\nspec:\n  replicas: ${{replicas}}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web, image: \"nginx:${{tag:=1.27}}\"}}]}}\n"
    );
    repo.commit(
        &[("gitsync.yaml", config), ("app/app.yaml", &manifests)],
        "app",
    );
    let sync = || {
        run(gitsync(repo.path())
            .args(["sync", "--timeout", "60s", "--kubeconfig"])
            .arg(cluster.kubeconfig()))
    };
    let r = sync();
    check!(r.code == 0, r, "sync with variables");
    let value = configmap_value(cluster, n, "conf-eu");
    check!(
        value == "hello from eu",
        r,
        "substituted value, got {value:?}"
    );
    let script = kubectl(
        cluster,
        &[
            "get",
            "configmap",
            "conf-eu",
            "-n",
            n,
            "-o",
            "jsonpath={.data.script}",
        ],
    );
    check!(
        script.stdout == "echo ${HOME}",
        r,
        "escaped: {:?}",
        script.stdout
    );
    let dep = kubectl(
        cluster,
        &[
            "get",
            "deployment",
            "web",
            "-n",
            n,
            "-o",
            "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}",
        ],
    );
    check!(
        dep.stdout == "0 nginx:1.27",
        r,
        "typed and defaulted: {:?}",
        dep.stdout
    );

    // A variable nobody set: exit 2 naming the file and line, nothing written.
    repo.commit(
        &[(
            "app/more.yaml",
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: more, namespace: {n}}}\ndata:\n  value: ${{missing}}\n"
            ),
        )],
        "uses an unset variable",
    );
    repo.edit("app/app.yaml", "${greeting} from", "${greeting} again from");
    repo.commit(&[], "and changes another");
    let r = sync();
    check!(
        r.code == 2
            && r.stderr.contains("app/more.yaml: document 1 (line 1)")
            && r.stderr.contains("${missing} is not set"),
        r,
        "exit 2 naming the file, line and variable"
    );
    let value = configmap_value(cluster, n, "conf-eu");
    check!(
        value == "hello from eu",
        r,
        "the cluster is unchanged, got {value:?}"
    );

    // A variable's name or type gitsync.yaml gets wrong: exit 2 naming the line.
    repo.commit(
        &[(
            "gitsync.yaml",
            &config.replace("region: eu", "region: [eu]"),
        )],
        "a list as a variable",
    );
    let r = run(gitsync(repo.path()).args(["render"]));
    check!(
        r.code == 2
            && r.stderr.contains("gitsync.yaml (line 8)")
            && r.stderr.contains("\"region\""),
        r,
        "a bad variable names its line"
    );
    Ok(())
}
