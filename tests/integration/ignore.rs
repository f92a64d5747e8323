//! `ignoreDifferences` in gitsync.yaml against the local cluster: fields
//! another manager owns (an HPA's replicas, an injected caBundle) are no
//! difference, no drift, and are not sent by sync or watch.

use std::time::Duration;

use libtest_mimic::Trial;

use crate::check;
use crate::harness::{Cluster, GitRepo, Run, TestResult, gitsync, kubectl, run};
use crate::watch::{Daemon, within};

pub fn tests() -> Vec<Trial> {
    vec![
        crate::trial!(replicas_another_manager_owns_are_not_fought),
        crate::trial!(watch_leaves_replicas_another_manager_owns),
        crate::trial!(an_injected_ca_bundle_is_ignored_by_jq_path),
        crate::trial!(json_pointers_hide_a_field_and_sync_does_not_send_it),
        crate::trial!(an_argo_cd_block_pasted_unchanged_matches_as_argo_cd_does),
        crate::trial!(a_bad_rule_is_bad_input_naming_its_line),
    ]
}

fn deployment(ns: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {ns}\n  labels: {{app: web}}\n\
         spec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n\
         \x20   spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n"
    )
}

/// gitsync.yaml with one target and, if given, its ignoreDifferences.
fn config(rules: &str) -> String {
    let mut s = String::from("targets:\n  - name: app\n    path: deploy\n");
    if !rules.is_empty() {
        s.push_str("    ignoreDifferences:\n");
        for line in rules.lines() {
            s.push_str("      ");
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

const HPA_RULE: &str =
    "- group: apps\n  kind: Deployment\n  managedFieldsManagers:\n    - hpa-controller\n";

/// Scales `web` as an HPA would: an update by field manager
/// `hpa-controller`, which takes `spec.replicas` over.
fn hpa_scales(cluster: &Cluster, ns: &str, replicas: u32) -> Run {
    kubectl(
        cluster,
        &[
            "patch",
            "deployment",
            "web",
            "-n",
            ns,
            "--field-manager=hpa-controller",
            "-p",
            &format!(r#"{{"spec":{{"replicas":{replicas}}}}}"#),
        ],
    )
}

fn get(cluster: &Cluster, args: &[&str]) -> String {
    kubectl(cluster, args).stdout.trim().to_string()
}

fn replicas(cluster: &Cluster, ns: &str) -> String {
    get(
        cluster,
        &[
            "get",
            "deployment",
            "web",
            "-n",
            ns,
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    )
}

fn replicas_another_manager_owns_are_not_fought() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("ignore-hpa");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("gitsync.yaml", &config("")),
            ("deploy/web.yaml", &deployment(n)),
        ],
        "web",
    );
    let gitsync_in = |args: &[&str]| {
        run(gitsync(repo.path())
            .args(args)
            .args(["-n", n, "--kubeconfig"])
            .arg(cluster.kubeconfig()))
    };
    let r = gitsync_in(&["sync", "--timeout", "60s"]);
    check!(r.code == 0, r, "first sync");
    let r = hpa_scales(cluster, n, 5);
    check!(r.code == 0, r, "the HPA stand-in scales");

    // Without a rule, gitsync fights the HPA: diff stops at the conflict,
    // drift reports the replicas.
    let r = gitsync_in(&["diff"]);
    check!(
        r.code == 2 && (r.stdout.contains("hpa-controller") || r.stderr.contains("hpa-controller")),
        r,
        "without a rule, diff names the conflict with hpa-controller"
    );
    let r = gitsync_in(&["drift"]);
    check!(
        r.code == 1 && r.stdout.contains("spec.replicas"),
        r,
        "without a rule, the replicas are drift"
    );

    // With the rule (committed, not synced: drift reads gitsync.yaml as it
    // is now), they are nobody's business.
    repo.commit(
        &[("gitsync.yaml", &config(HPA_RULE))],
        "leave replicas to the HPA",
    );
    let r = gitsync_in(&["diff", "-v"]);
    check!(r.code == 0, r, "with the rule, diff has nothing to do");
    check!(
        r.stderr.contains("difference ignored")
            && r.stderr.contains(".spec.replicas")
            && r.stderr
                .contains("gitsync.yaml line 5: targets[app].ignoreDifferences[0]")
            && r.stderr.contains("managedFieldsManagers: hpa-controller"),
        r,
        "diff -v says which rule hid which field"
    );
    let r = gitsync_in(&["drift"]);
    check!(r.code == 0, r, "with the rule, no drift");
    let r = gitsync_in(&["sync", "--timeout", "60s"]);
    check!(r.code == 0, r, "sync");
    check!(
        replicas(cluster, n) == "5",
        r,
        "sync left the HPA's replicas alone"
    );
    // And gitsync no longer claims them: the HPA scales again freely.
    let r = hpa_scales(cluster, n, 7);
    check!(r.code == 0, r, "scale again");
    let r = gitsync_in(&["diff"]);
    check!(r.code == 0, r, "still nothing to do");
    Ok(())
}

fn watch_leaves_replicas_another_manager_owns() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("ignore-watch");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    repo.commit(
        &[
            ("gitsync.yaml", &config(HPA_RULE)),
            ("deploy/web.yaml", &deployment(n)),
        ],
        "web",
    );
    let daemon = Daemon::start(cluster.kubeconfig(), &repo, n, &["--interval", "1s"]);
    check!(
        within(Duration::from_secs(30), || replicas(cluster, n) == "2").is_some(),
        daemon.as_run(),
        "the first apply sets the replicas Git says (the object did not exist)"
    );
    let r = hpa_scales(cluster, n, 5);
    check!(r.code == 0, r, "the HPA stand-in scales");
    // Drift watch does heal, in the same object: a label gitsync manages.
    let r = kubectl(
        cluster,
        &[
            "label",
            "deployment",
            "web",
            "-n",
            n,
            "--overwrite",
            "app=hacked",
        ],
    );
    check!(r.code == 0, r, "label");
    let label = || {
        get(
            cluster,
            &[
                "get",
                "deployment",
                "web",
                "-n",
                n,
                "-o",
                "jsonpath={.metadata.labels.app}",
            ],
        )
    };
    check!(
        within(Duration::from_secs(10), || label() == "web").is_some(),
        daemon.as_run(),
        "watch reverts the label"
    );
    check!(
        replicas(cluster, n) == "5",
        daemon.as_run(),
        "watch left the HPA's replicas at 5 (now {})",
        replicas(cluster, n)
    );
    Ok(())
}

fn webhook(name: &str, ca_bundle: &str) -> String {
    format!(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: {name}\n\
         webhooks:\n  - name: check.{name}.example.com\n    admissionReviewVersions: [v1]\n    sideEffects: None\n\
         \x20   failurePolicy: Ignore\n    clientConfig:\n      service: {{name: checker, namespace: default, path: /check}}\n\
         \x20     caBundle: {ca_bundle}\n    rules:\n      - operations: [CREATE]\n        apiGroups: [example.invalid]\n\
         \x20       apiVersions: [v1]\n        resources: [nothings]\n"
    )
}

fn an_injected_ca_bundle_is_ignored_by_jq_path() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("ignore-ca");
    let n = ns.name.as_str();
    let name = format!("{n}-hook");
    let repo = GitRepo::new();
    // A chart's placeholder, which cert-manager's cainjector replaces.
    repo.commit(
        &[
            ("gitsync.yaml", &config("")),
            ("deploy/hook.yaml", &webhook(&name, "Cg==")),
        ],
        "hook",
    );
    let gitsync_in = |args: &[&str]| {
        run(gitsync(repo.path())
            .args(args)
            .args(["-n", n, "--kubeconfig"])
            .arg(cluster.kubeconfig()))
    };
    let r = gitsync_in(&["sync", "--timeout", "60s"]);
    check!(r.code == 0, r, "first sync");
    let inject = kubectl(
        cluster,
        &[
            "patch",
            "validatingwebhookconfiguration",
            &name,
            "--type=json",
            "--field-manager=cainjector",
            "-p",
            r#"[{"op":"replace","path":"/webhooks/0/clientConfig/caBundle","value":"SU5KRUNURUQ="}]"#,
        ],
    );
    check!(
        inject.code == 0,
        inject,
        "cainjector stand-in fills in caBundle"
    );
    let ca = || {
        get(
            cluster,
            &[
                "get",
                "validatingwebhookconfiguration",
                &name,
                "-o",
                "jsonpath={.webhooks[0].clientConfig.caBundle}",
            ],
        )
    };
    let r = gitsync_in(&["diff"]);
    check!(
        r.code != 0,
        r,
        "without a rule, the injected caBundle is a difference"
    );

    // File-level: every target ignores it, as Argo CD users write it.
    let rule = "ignoreDifferences:\n  - group: admissionregistration.k8s.io\n    kind: ValidatingWebhookConfiguration\n    jqPathExpressions:\n      - .webhooks[]?.clientConfig.caBundle\n";
    repo.commit(
        &[("gitsync.yaml", &format!("{rule}{}", config("")))],
        "ignore caBundle",
    );
    let r = gitsync_in(&["diff", "-v"]);
    check!(r.code == 0, r, "with the rule, no difference");
    check!(
        r.stderr.contains(".webhooks[0].clientConfig.caBundle")
            && r.stderr.contains("gitsync.yaml line 2: ignoreDifferences[0] (jqPathExpressions: .webhooks[]?.clientConfig.caBundle)"),
        r,
        "diff -v names the field and the rule"
    );
    let r = gitsync_in(&["drift"]);
    check!(r.code == 0, r, "no drift");
    let r = gitsync_in(&["sync", "--timeout", "60s"]);
    check!(r.code == 0, r, "sync");
    check!(
        ca() == "SU5KRUNURUQ=",
        r,
        "sync kept the injected caBundle, got {}",
        ca()
    );
    let r = kubectl(
        cluster,
        &["delete", "validatingwebhookconfiguration", &name],
    );
    check!(r.code == 0, r, "clean up the cluster-scoped webhook");
    Ok(())
}

fn configmap(ns: &str, name: &str, value: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\ndata:\n  value: {value}\n  generated: placeholder\n"
    )
}

fn data(cluster: &Cluster, ns: &str, name: &str, key: &str) -> String {
    get(
        cluster,
        &[
            "get",
            "configmap",
            name,
            "-n",
            ns,
            "-o",
            &format!("jsonpath={{.data.{key}}}"),
        ],
    )
}

/// Another tool (field manager `generator`) writes both keys.
fn generator_writes(cluster: &Cluster, ns: &str, name: &str) -> Run {
    kubectl(
        cluster,
        &[
            "patch",
            "configmap",
            name,
            "-n",
            ns,
            "--field-manager=generator",
            "-p",
            r#"{"data":{"generated":"by-generator","value":"hacked"}}"#,
        ],
    )
}

fn json_pointers_hide_a_field_and_sync_does_not_send_it() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("ignore-pointer");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    let rule = "- kind: ConfigMap\n  jsonPointers:\n    - /data/generated\n";
    repo.commit(
        &[
            ("gitsync.yaml", &config(rule)),
            ("deploy/cm.yaml", &configmap(n, "settings", "git")),
        ],
        "cm",
    );
    let gitsync_in = |args: &[&str]| {
        run(gitsync(repo.path())
            .args(args)
            .args(["-n", n, "--kubeconfig"])
            .arg(cluster.kubeconfig()))
    };
    let r = gitsync_in(&["sync", "--timeout", "60s"]);
    check!(r.code == 0, r, "first sync");
    check!(
        data(cluster, n, "settings", "generated") == "placeholder",
        r,
        "the first apply creates the object with every field"
    );
    let r = generator_writes(cluster, n, "settings");
    check!(r.code == 0, r, "generator writes");
    // The generator took `value` over too: planned as sync will force it.
    let r = gitsync_in(&["diff", "--force-conflicts"]);
    check!(
        r.code == 1 && r.stdout.contains("hacked") && !r.stdout.contains("by-generator"),
        r,
        "diff shows the value but not the ignored key"
    );
    let r = gitsync_in(&["sync", "--timeout", "60s", "--force-conflicts"]);
    check!(r.code == 0, r, "sync");
    check!(
        data(cluster, n, "settings", "value") == "git"
            && data(cluster, n, "settings", "generated") == "by-generator",
        r,
        "sync restored the value and left the ignored key as the generator set it"
    );
    let r = gitsync_in(&["diff"]);
    check!(r.code == 0, r, "nothing left to do");
    Ok(())
}

fn an_argo_cd_block_pasted_unchanged_matches_as_argo_cd_does() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("ignore-argo");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    // As it stands in an Argo CD Application's spec, indentation and all.
    let block = format!(
        "ignoreDifferences:\n\
         - group: apps\n  kind: Deployment\n  name: web\n  namespace: {n}\n  jsonPointers:\n  - /spec/replicas\n\
         - group: \"\"\n  kind: ConfigMap\n  name: someone-else\n  jqPathExpressions:\n  - .data.value\n\
         - group: \"\"\n  kind: ConfigMap\n  namespace: elsewhere\n  jqPathExpressions:\n  - .data.value\n\
         - group: \"\"\n  kind: ConfigMap\n  name: settings\n  jqPathExpressions:\n  - .data.generated\n"
    );
    let mut gitsync_yaml = String::from("targets:\n  - name: app\n    path: deploy\n");
    for line in block.lines() {
        gitsync_yaml.push_str(&format!("    {line}\n"));
    }
    repo.commit(
        &[
            ("gitsync.yaml", &gitsync_yaml),
            ("deploy/web.yaml", &deployment(n)),
            ("deploy/cm.yaml", &configmap(n, "settings", "git")),
        ],
        "app",
    );
    let gitsync_in = |args: &[&str]| {
        run(gitsync(repo.path())
            .args(args)
            .args(["-n", n, "--kubeconfig"])
            .arg(cluster.kubeconfig()))
    };
    let r = gitsync_in(&["sync", "--timeout", "60s"]);
    check!(r.code == 0, r, "first sync");
    let r = kubectl(
        cluster,
        &["scale", "deployment", "web", "-n", n, "--replicas=4"],
    );
    check!(r.code == 0, r, "scale");
    let r = gitsync_in(&["diff"]);
    check!(
        r.code == 0,
        r,
        "replicas of web in this namespace are ignored"
    );
    let r = generator_writes(cluster, n, "settings");
    check!(r.code == 0, r, "generator writes");
    let r = gitsync_in(&["diff", "--force-conflicts"]);
    check!(
        r.code == 1
            && r.stdout.contains(&format!("ConfigMap {n}/settings"))
            && r.stdout.contains("hacked")
            && !r.stdout.contains("by-generator"),
        r,
        "rules for another name or namespace hide nothing; the one for settings hides its key"
    );
    Ok(())
}

fn a_bad_rule_is_bad_input_naming_its_line() -> TestResult {
    let cluster = Cluster::shared()?;
    let ns = cluster.namespace("ignore-bad");
    let n = ns.name.as_str();
    let repo = GitRepo::new();
    for (rule, line, words) in [
        (
            "- kind: Deployment\n  jqPathExpressions:\n    - '.spec.template | env'\n",
            7,
            "unsupported function or keyword \"env\"",
        ),
        (
            "- kind: ConfigMap\n  jsonPointers: [data/value]\n",
            6,
            "starts with '/'",
        ),
        (
            "- group: apps\n  jsonPointers: [/spec/replicas]\n",
            5,
            "kind is required",
        ),
    ] {
        repo.commit(
            &[
                ("gitsync.yaml", &config(rule)),
                ("deploy/cm.yaml", &configmap(n, "settings", "git")),
            ],
            "bad rule",
        );
        for command in ["diff", "sync"] {
            let r = run(gitsync(repo.path())
                .args([command, "-n", n, "--kubeconfig"])
                .arg(cluster.kubeconfig()));
            check!(
                r.code == 2
                    && r.stderr.contains(&format!("gitsync.yaml (line {line})"))
                    && r.stderr.contains(words),
                r,
                "{command}: a bad rule is an error naming gitsync.yaml line {line}"
            );
        }
        check!(
            data(cluster, n, "settings", "value").is_empty(),
            Run::default(),
            "nothing was written"
        );
    }
    Ok(())
}
