//! Strict variables: `${name}` in rendered manifests replaced by a
//! target's values, as Flux's `postBuild.substitute` does with
//! `flux envsubst --strict`: a variable nobody set is an error naming the
//! document, never an empty string.
//!
//! Only targets that have variables (gitsync.yaml `vars:`, or values a
//! caller adds) are substituted, so that `${HOME}` in a shell script inside
//! a ConfigMap of any other target is left alone. An object annotated
//! `gitsync.io/substitute: disabled` (or Flux's
//! `kustomize.toolkit.fluxcd.io/substitute: disabled`) is left alone too.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::render::{Document, Origin, Problem};

const DISABLED: [&str; 2] = [
    "gitsync.io/substitute",
    "kustomize.toolkit.fluxcd.io/substitute",
];

/// One variable's value (a string, number or boolean) and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub value: Value,
    /// For `render --explain-vars`: `gitsync.yaml (line 7)`, `preview`.
    pub from: String,
}

impl Var {
    /// As it reads inside a longer string.
    fn text(&self) -> String {
        match &self.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// A target's variables by name. Names are `[A-Za-z_][A-Za-z0-9_.]*`:
/// dots let generated values read as `cluster.name`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars(pub BTreeMap<String, Var>);

impl Vars {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets `name`, replacing a value set before (later sources win).
    pub fn set(&mut self, name: &str, value: Value, from: impl Into<String>) {
        self.0.insert(
            name.to_string(),
            Var {
                value,
                from: from.into(),
            },
        );
    }
}

/// Whether `name` may be a variable's name.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Where a variable was used, for `render --explain-vars`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub name: String,
    pub origin: Origin,
}

/// Substitutes `vars` into every document that does not opt out. Every
/// unset variable is a problem naming its document; the documents are
/// only changed when there is none.
pub fn substitute(documents: &mut [Document], vars: &Vars) -> Result<Vec<Use>, Vec<Problem>> {
    if vars.is_empty() {
        return Ok(Vec::new());
    }
    let mut uses = Vec::new();
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(documents.len());
    for doc in documents.iter() {
        if disabled(&doc.object) {
            out.push(None);
            continue;
        }
        let mut unset = Vec::new();
        let mut used = Vec::new();
        let kind = doc.object["kind"].as_str().unwrap_or_default();
        let text_data = matches!(kind, "ConfigMap" | "Secret");
        let object = walk(&doc.object, vars, text_data, false, &mut used, &mut unset);
        unset.sort();
        unset.dedup();
        for name in unset {
            problems.push(Problem {
                origin: doc.origin.clone(),
                message: format!(
                    "variable ${{{name}}} is not set: give it in the target's `vars:` \
                     (or `${{{name}:=default}}`, or `$${{{name}}}` for a literal `${{{name}}}`)"
                ),
            });
        }
        used.sort();
        used.dedup();
        uses.extend(used.into_iter().map(|name| Use {
            name,
            origin: doc.origin.clone(),
        }));
        out.push(Some(object));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    for (doc, new) in documents.iter_mut().zip(out) {
        if let Some(new) = new {
            doc.object = new;
        }
    }
    Ok(uses)
}

fn disabled(object: &Value) -> bool {
    let annotations = &object["metadata"]["annotations"];
    DISABLED
        .iter()
        .any(|key| annotations[*key].as_str() == Some("disabled"))
}

/// `text`: strings stay strings here (Kubernetes wants them: labels,
/// annotations, a ConfigMap's or Secret's data, an env var's value).
fn walk(
    value: &Value,
    vars: &Vars,
    text_data: bool,
    text: bool,
    used: &mut Vec<String>,
    unset: &mut Vec<String>,
) -> Value {
    match value {
        Value::String(s) => match expand(s, vars, used, unset) {
            Value::String(s) => Value::String(s),
            typed if text => Value::String(typed.to_string()),
            typed => typed,
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| walk(v, vars, text_data, text, used, unset))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match expand(k, vars, used, unset) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    let text = text
                        || matches!(k.as_str(), "labels" | "annotations" | "value")
                        || (text_data && matches!(k.as_str(), "data" | "stringData"));
                    (key, walk(v, vars, text_data, text, used, unset))
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `${name}` in a plain string (a path, a namespace) expanded as text;
/// `Err` lists the names that are not set.
pub fn expand_text(s: &str, vars: &Vars) -> Result<String, Vec<String>> {
    let (mut used, mut unset) = (Vec::new(), Vec::new());
    let out = match expand(s, vars, &mut used, &mut unset) {
        Value::String(s) => s,
        other => other.to_string(),
    };
    match unset.is_empty() {
        true => Ok(out),
        false => Err(unset),
    }
}

/// One string expanded. A string that is one whole `${name}` takes the
/// variable's type (`replicas: ${count}` stays a number) where the field
/// is not text; inside longer text a value reads as text. `$${x}` is a literal `${x}`; `${name:=d}`
/// and `${name:-d}` fall back to `d`. A `${` that does not open a valid
/// name (`${{ github.sha }}`, `${1}`) is left as written.
fn expand(s: &str, vars: &Vars, used: &mut Vec<String>, unset: &mut Vec<String>) -> Value {
    if !s.contains("${") {
        return Value::String(s.to_string());
    }
    if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
        && let Some((name, default)) = reference(inner)
        && !inner.contains('}')
    {
        match vars.0.get(name) {
            Some(var) => {
                used.push(name.to_string());
                return var.value.clone();
            }
            None => {
                if let Some(d) = default {
                    return Value::String(d.to_string());
                }
                unset.push(name.to_string());
                return Value::String(s.to_string());
            }
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
            continue;
        }
        if let Some(after) = tail.strip_prefix("${")
            && let Some(end) = after.find('}')
            && let Some((name, default)) = reference(&after[..end])
        {
            match (vars.0.get(name), default) {
                (Some(var), _) => {
                    used.push(name.to_string());
                    out.push_str(&var.text());
                }
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    unset.push(name.to_string());
                    out.push_str(&tail[..end + 3]);
                }
            }
            rest = &after[end + 1..];
            continue;
        }
        out.push('$');
        rest = &tail[1..];
    }
    out.push_str(rest);
    Value::String(out)
}

/// `name`, `name:=default` or `name:-default`, if the name is valid.
fn reference(inner: &str) -> Option<(&str, Option<&str>)> {
    let (name, default) = match inner.find(':') {
        Some(i) => {
            let d = &inner[i + 1..];
            let d = d.strip_prefix('=').or_else(|| d.strip_prefix('-'))?;
            (&inner[..i], Some(d))
        }
        None => (inner, None),
    };
    valid_name(name).then_some((name, default))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(pairs: &[(&str, Value)]) -> Vars {
        let mut v = Vars::default();
        for (k, val) in pairs {
            v.set(k, val.clone(), "test");
        }
        v
    }

    fn doc(object: Value) -> Document {
        Document {
            origin: Origin {
                line: Some(3),
                ..Origin::file("app.yaml")
            },
            object,
        }
    }

    #[test]
    fn whole_references_keep_their_type_and_inner_ones_read_as_text() {
        let v = vars(&[
            ("replicas", json!(3)),
            ("env", json!("prod")),
            ("cluster.name", json!("eu-1")),
        ]);
        let mut docs = [doc(json!({
            "metadata": {"name": "web-${env}", "labels": {"cluster": "${cluster.name}"}},
            "spec": {"replicas": "${replicas}", "note": "n=${replicas}, $${env} stays, ${{ github.sha }}, cost $5"}
        }))];
        let uses = substitute(&mut docs, &v).unwrap();
        assert_eq!(
            docs[0].object,
            json!({
                "metadata": {"name": "web-prod", "labels": {"cluster": "eu-1"}},
                "spec": {"replicas": 3, "note": "n=3, ${env} stays, ${{ github.sha }}, cost $5"}
            })
        );
        let names: Vec<&str> = uses.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["cluster.name", "env", "replicas"]);
    }

    #[test]
    fn an_unset_variable_is_a_problem_naming_the_document_and_nothing_changes() {
        let v = vars(&[("env", json!("prod"))]);
        let original = json!({"metadata": {"name": "a-${env}"}, "data": {"x": "${missing}", "y": "${region:=eu}"}});
        let mut docs = [doc(original.clone())];
        let problems = substitute(&mut docs, &v).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].origin.line, Some(3));
        assert!(problems[0].message.contains("${missing}"), "{problems:?}");
        assert_eq!(docs[0].object, original);
    }

    #[test]
    fn defaults_opt_outs_and_targets_without_variables() {
        let v = vars(&[("env", json!("prod"))]);
        let mut docs = [
            doc(json!({"data": {"y": "${region:=eu}", "z": "${zone:-a}"}})),
            doc(
                json!({"metadata": {"annotations": {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}},
                       "data": {"script": "echo ${HOME}"}}),
            ),
        ];
        substitute(&mut docs, &v).unwrap();
        assert_eq!(docs[0].object["data"], json!({"y": "eu", "z": "a"}));
        assert_eq!(docs[1].object["data"]["script"], "echo ${HOME}");

        let mut docs = [doc(json!({"data": {"script": "echo ${HOME}"}}))];
        substitute(&mut docs, &Vars::default()).unwrap();
        assert_eq!(docs[0].object["data"]["script"], "echo ${HOME}");
    }

    #[test]
    fn fields_kubernetes_wants_as_text_stay_text() {
        let v = vars(&[("n", json!(3)), ("on", json!(true))]);
        let mut docs = [
            doc(json!({
                "kind": "ConfigMap",
                "metadata": {"labels": {"n": "${n}"}, "annotations": {"on": "${on}"}},
                "data": {"n": "${n}"}
            })),
            doc(json!({
                "kind": "Deployment",
                "spec": {"replicas": "${n}", "template": {"spec": {"containers": [
                    {"env": [{"name": "N", "value": "${n}"}]}]}}}
            })),
        ];
        substitute(&mut docs, &v).unwrap();
        assert_eq!(docs[0].object["metadata"]["labels"]["n"], "3");
        assert_eq!(docs[0].object["metadata"]["annotations"]["on"], "true");
        assert_eq!(docs[0].object["data"]["n"], "3");
        assert_eq!(docs[1].object["spec"]["replicas"], 3);
        assert_eq!(
            docs[1].object["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
            "3"
        );
    }

    #[test]
    fn names() {
        for ok in ["a", "_x", "cluster.labels.region", "A1_b"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a b", "{x}"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
