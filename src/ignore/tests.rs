use serde_json::{Value, json};

use super::*;

fn rules(yaml: &str) -> Result<IgnoreRules, RuleError> {
    let list: Vec<Spanned<RuleConfig>> =
        serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
    IgnoreRules::compile(&[("ignoreDifferences".into(), list.as_slice())])
}

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop",
                     "annotations": {"foo.io/bar": "x"},
                     "managedFields": [
            {"manager": "gitsync", "operation": "Apply", "apiVersion": "apps/v1",
             "fieldsV1": {"f:metadata": {"f:annotations": {"f:foo.io/bar": {}}},
                          "f:spec": {"f:template": {"f:spec": {"f:containers": {
                              "k:{\"name\":\"web\"}": {".": {}, "f:name": {}, "f:image": {}}}}}}}},
            {"manager": "hpa-controller", "operation": "Apply", "apiVersion": "apps/v1",
             "fieldsV1": {"f:spec": {"f:replicas": {}}}}
        ]},
        "spec": {"replicas": 5, "template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1"}
        ]}}}
    })
}

fn paths(hidden: &[Hidden]) -> Vec<String> {
    hidden.iter().map(|h| display(&h.path)).collect()
}

#[test]
fn objects_match_as_in_argo_cd() {
    let r = rules(concat!(
        "- group: apps\n  kind: Deployment\n  jsonPointers: [/spec/replicas]\n",
        "- group: '*'\n  kind: '*'\n  name: other\n  jsonPointers: [/data]\n",
        "- kind: ConfigMap\n  namespace: shop\n  jsonPointers: [/data]\n"
    ))
    .unwrap();
    assert!(
        !r.for_object("apps", "Deployment", "web", Some("shop"))
            .is_empty()
    );
    assert!(
        r.for_object("", "Deployment", "web", Some("shop"))
            .is_empty(),
        "group \"\" is core only"
    );
    assert_eq!(r.for_object("x.io", "Thing", "other", None).0.len(), 1);
    assert!(
        r.for_object("x.io", "Thing", "mine", None).is_empty(),
        "another name"
    );
    assert!(!r.for_object("", "ConfigMap", "a", Some("shop")).is_empty());
    assert!(
        r.for_object("", "ConfigMap", "a", Some("dev")).is_empty(),
        "another namespace"
    );
}

#[test]
fn pointers_jq_and_managers_name_fields() {
    let r = rules(
        concat!(
            "- group: apps\n  kind: Deployment\n",
            "  jsonPointers: [/metadata/annotations/foo.io~1bar, /spec/nope]\n",
            "  jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == \"web\") | .image']\n",
            "  managedFieldsManagers: [hpa-controller]\n"
        ),
    )
    .unwrap();
    let live = deployment();
    let a = r.for_object("apps", "Deployment", "web", Some("shop"));
    let hidden = a.hidden(&live, live.pointer("/metadata/managedFields"));
    assert_eq!(
        paths(&hidden),
        [
            ".metadata.annotations[\"foo.io/bar\"]",
            ".spec.template.spec.containers[0].image",
            ".spec.replicas"
        ]
    );
    assert!(hidden[0].rule.starts_with("gitsync.yaml line 1: ignoreDifferences[0] (jsonPointers: /metadata/annotations/foo.io~1bar)"), "{}", hidden[0].rule);
    assert!(
        hidden[2]
            .rule
            .ends_with("(managedFieldsManagers: hpa-controller)"),
        "{}",
        hidden[2].rule
    );
    let (stripped, _) = a.strip(live.clone(), live.pointer("/metadata/managedFields"));
    // Emptied maps and lists go too; the rest stays.
    assert_eq!(stripped["metadata"].get("annotations"), None);
    assert_eq!(stripped["spec"].get("replicas"), None);
    assert_eq!(
        stripped["spec"]["template"]["spec"]["containers"][0],
        json!({"name": "web"})
    );
}

#[test]
fn fields_of_others_are_not_sent_and_gitsyncs_keep_the_live_value() {
    let r = rules(
        "- group: apps\n  kind: Deployment\n  managedFieldsManagers: [hpa-controller]\n  jsonPointers: [/metadata/annotations/foo.io~1bar]\n",
    )
    .unwrap();
    let live = deployment();
    let mut manifest = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "annotations": {"foo.io/bar": "from git"}},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}
    });
    let a = r.for_object("apps", "Deployment", "web", Some("shop"));
    let left_out = a.unsent(&mut manifest, &live, "gitsync");
    let left_out: Vec<Hidden> = left_out
        .into_iter()
        .map(|(h, git)| {
            assert_eq!(git, Some(json!(2)), "Git's value");
            h
        })
        .collect();
    assert_eq!(paths(&left_out), [".spec.replicas"]);
    assert_eq!(
        manifest["spec"].get("replicas"),
        None,
        "the HPA's field is not sent"
    );
    // gitsync owns the annotation: leaving it out would delete it, so the
    // live value is sent (no change).
    assert_eq!(
        manifest["metadata"]["annotations"]["foo.io/bar"],
        json!("x")
    );
    // Not ignored: sent as Git says.
    assert_eq!(
        manifest["spec"]["template"]["spec"]["containers"][0]["image"],
        json!("nginx:2")
    );
}

#[test]
fn what_names_the_object_is_always_sent() {
    let r = rules("- kind: ConfigMap\n  jsonPointers: [/metadata/name, /kind, /data/a]\n").unwrap();
    let live = json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "live"}});
    let mut manifest =
        json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "git"}});
    let left_out = r
        .for_object("", "ConfigMap", "c", None)
        .unsent(&mut manifest, &live, "gitsync");
    assert_eq!(left_out.len(), 1);
    assert_eq!(
        manifest,
        json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}})
    );
}

#[test]
fn bad_rules_name_their_line() {
    for (yaml, line, words) in [
        (
            "- group: apps\n  jsonPointers: [/spec/replicas]\n",
            1,
            "kind is required",
        ),
        ("- kind: Deployment\n", 1, "names no fields"),
        (
            "- kind: Deployment\n  jsonPointers:\n    - /ok\n    - spec/replicas\n",
            4,
            "starts with '/'",
        ),
        (
            "- kind: Deployment\n  jsonPointers: [/a~2]\n",
            2,
            "'~' must be followed",
        ),
        (
            "- kind: X\n  jsonPointers: [/a]\n- kind: Deployment\n  jqPathExpressions:\n    - '.spec | env'\n",
            5,
            "ignoreDifferences[1]: jqPathExpressions",
        ),
    ] {
        let err = rules(yaml).unwrap_err();
        assert_eq!(err.line, Some(line), "{yaml}: {err}");
        assert!(err.message.contains(words), "{yaml}: {err}");
    }
}

#[test]
fn pointers_follow_rfc_6901() {
    assert_eq!(parse_pointer("/a~1b/~0c/0").unwrap(), ["a/b", "~c", "0"]);
    let doc = json!({"a": [{"b": 1}]});
    assert_eq!(
        pointer_path(&["a".into(), "0".into(), "b".into()], &doc),
        Some(vec![
            Step::Key("a".into()),
            Step::Index(0),
            Step::Key("b".into())
        ])
    );
    assert_eq!(pointer_path(&["a".into(), "01".into()], &doc), None);
    assert_eq!(pointer_path(&["a".into(), "1".into()], &doc), None);
    assert!(glob("*.k8s.io", "apps.k8s.io") && !glob("apps", "") && glob("", ""));
}
