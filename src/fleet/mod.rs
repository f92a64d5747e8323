//! A fleet: the cluster inventory and the targets apps generate on it
//! (`inventory.rs`), the order targets sync in (`dependsOn` and each
//! app's `rollout:` steps, `order.rs` and `rollout.rs`), sync windows
//! (`window.rs`), and the gate a target passes before it syncs in
//! `sync` or `watch` (`gate.rs`: its dependencies and earlier steps at
//! the same revision and healthy, as their ApplySet parents record it).
//!
//! gitsync.yaml is checked here when it is parsed: a `dependsOn` naming
//! nothing, a cycle, a bad step or window is an error naming its line.

pub mod gate;
pub mod inventory;
pub mod order;
pub mod rollout;
pub mod window;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::ConfigFile;

/// A target's place in the order: what it waits for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    /// Target names from `dependsOn`, resolved.
    pub depends_on: Vec<String>,
    /// Of those, the ones with a `readyWhen` expression: the dependency's
    /// name and the expression's text (checked when the file is parsed).
    pub ready_when: BTreeMap<String, String>,
    /// Its step in its app's rollout.
    pub step: Option<rollout::Step>,
}

/// Resolves every target's `dependsOn`, places apps' targets into their
/// rollout steps, compiles windows, and refuses cycles. `Err` is (line,
/// message).
pub fn resolve(config: &mut ConfigFile) -> Result<(), (usize, String)> {
    let names: BTreeSet<String> = config.targets.iter().map(|t| t.name.clone()).collect();
    // An app's targets, with the clusters' labels, in the file's order.
    let mut apps: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for (i, t) in config.targets.iter().enumerate() {
        if let Some(o) = &t.fleet {
            apps.entry(o.app.clone())
                .or_default()
                .push((i, o.cluster.clone()));
        }
    }
    let mut resolved = Vec::with_capacity(config.targets.len());
    for t in &config.targets {
        let mut deps = Vec::new();
        let mut ready_when = BTreeMap::new();
        for d in &t.depends_on {
            let line = d.referenced.line() as usize;
            let name = d.value.name().trim();
            let found: Vec<String> = if names.contains(name) {
                vec![name.to_string()]
            } else if let Some(members) = apps.get(name) {
                let same = t.fleet.as_ref().and_then(|o| {
                    members
                        .iter()
                        .find(|(_, c)| *c == o.cluster)
                        .map(|(i, _)| config.targets[*i].name.clone())
                });
                match same {
                    Some(one) => vec![one],
                    None => members
                        .iter()
                        .map(|(i, _)| config.targets[*i].name.clone())
                        .collect(),
                }
            } else {
                return Err((
                    line,
                    format!(
                        "target {:?} depends on {name:?}, which is neither a target nor an app",
                        t.name
                    ),
                ));
            };
            if found.contains(&t.name) {
                return Err((line, format!("target {:?} depends on itself", t.name)));
            }
            if let Some(expr) = d.value.ready_when() {
                gate::compile_ready_when(expr).map_err(|m| {
                    (
                        line,
                        format!("dependsOn {name:?}: readyWhen is not valid CEL: {m}"),
                    )
                })?;
                for f in &found {
                    ready_when.insert(f.clone(), expr.to_string());
                }
            }
            deps.extend(found);
        }
        deps.sort();
        deps.dedup();
        for w in &t.windows {
            window::Window::compile(w)
                .map_err(|m| (w.referenced.line() as usize, format!("window: {m}")))?;
        }
        resolved.push((deps, ready_when));
    }
    for (t, (deps, ready_when)) in config.targets.iter_mut().zip(resolved) {
        t.order.depends_on = deps;
        t.order.ready_when = ready_when;
    }
    for app in &config.apps {
        let Some(rollout) = &app.rollout else {
            continue;
        };
        let members: Vec<usize> = apps
            .get(&app.name.value)
            .map(|m| m.iter().map(|(i, _)| *i).collect())
            .unwrap_or_default();
        let labelled: Vec<(String, BTreeMap<String, String>)> = members
            .iter()
            .map(|i| {
                let t = &config.targets[*i];
                let labels = t.fleet.as_ref().map(|o| o.labels.clone());
                (t.name.clone(), labels.unwrap_or_default())
            })
            .collect();
        let steps = rollout::place(rollout, &labelled)?;
        for (i, step) in members.into_iter().zip(steps) {
            config.targets[i].order.step = Some(step);
        }
    }
    let targets: Vec<(String, Order, Option<String>)> = config
        .targets
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.order.clone(),
                t.fleet.as_ref().map(|o| o.app.clone()),
            )
        })
        .collect();
    if let Some(cycle) = order::cycle(&targets) {
        let line = config
            .targets
            .iter()
            .find(|t| t.name == cycle[0])
            .and_then(|t| t.depends_on.first())
            .map_or(0, |d| d.referenced.line() as usize);
        return Err((
            line,
            format!("dependsOn makes a cycle: {}", cycle.join(" → ")),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::ConfigFile;

    const FLEET: &str = r#"clusters:
  - {name: eu-1, labels: {env: canary, region: eu}}
  - {name: us-1, context: ctx-us, labels: {env: prod, region: us}}
  - {name: us-2, labels: {env: prod, region: us, topology.kubernetes.io/zone: us-2a}}
apps:
  - name: db
    path: apps/db
    clusters: {matchLabels: {region: us}}
  - name: web
    path: apps/web/${cluster.labels.region}
    namespace: web-${cluster.name}
    helm: {values: ["values/${cluster.name}.yaml"]}
    clusters: {}
    dependsOn: [db]
    rollout:
      steps:
        - {clusters: {matchLabels: {env: canary}}, soak: 1m}
        - {maxParallel: 1}
"#;

    #[test]
    fn apps_become_a_target_per_matching_cluster_with_its_values() {
        let c = ConfigFile::parse(FLEET).unwrap();
        let names: Vec<&str> = c.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["db@us-1", "db@us-2", "web@eu-1", "web@us-1", "web@us-2"]
        );
        let web = &c.targets[3];
        assert_eq!(
            web.path.as_deref(),
            Some(std::path::Path::new("apps/web/us"))
        );
        assert_eq!(web.namespace.as_deref(), Some("web-us-1"));
        assert_eq!(
            web.cluster.as_ref().unwrap().context.as_deref(),
            Some("ctx-us")
        );
        assert_eq!(
            web.helm.as_ref().unwrap().values[0].to_str(),
            Some("values/us-1.yaml")
        );
        assert_eq!(web.vars["cluster.labels.env"].value, "prod");
        let resolved = crate::config::resolve_targets(
            Some(&c),
            &crate::settings::TargetSelection::All,
            &crate::settings::SourceSettings {
                repo: ".".into(),
                revision: None,
                path: None,
                verify: None,
                checkout: Default::default(),
            },
            &Default::default(),
            &Default::default(),
        )
        .unwrap();
        assert_eq!(resolved[3].release_name.as_deref(), Some("web"));
        // --target APP selects every target of the app.
        let of_web = crate::config::resolve_targets(
            Some(&c),
            &crate::settings::TargetSelection::Named(vec!["web".into(), "web@us-1".into()]),
            &crate::settings::SourceSettings {
                repo: ".".into(),
                revision: None,
                path: None,
                verify: None,
                checkout: Default::default(),
            },
            &Default::default(),
            &Default::default(),
        )
        .unwrap();
        let names: Vec<_> = of_web.iter().filter_map(|t| t.name.as_deref()).collect();
        assert_eq!(names, ["web@eu-1", "web@us-1", "web@us-2"]);
        // An app dependency means the app's target on the same cluster…
        assert_eq!(web.order.depends_on, ["db@us-1"]);
        // …or all of them where it has none there.
        assert_eq!(c.targets[2].order.depends_on, ["db@us-1", "db@us-2"]);
        let steps: Vec<usize> = c.targets[2..]
            .iter()
            .map(|t| t.order.step.as_ref().unwrap().index)
            .collect();
        assert_eq!(steps, [1, 2, 2]);
        assert_eq!(
            c.targets[3]
                .order
                .step
                .as_ref()
                .unwrap()
                .after_soak
                .as_secs(),
            60
        );
    }

    #[test]
    fn a_dependency_may_carry_a_ready_when_condition() {
        let c = ConfigFile::parse(&FLEET.replace(
            "dependsOn: [db]",
            "dependsOn:\n      - name: db\n        readyWhen: objects.all(o, o.kind != \"Job\")",
        ))
        .unwrap();
        let web = &c.targets[3];
        assert_eq!(web.order.depends_on, ["db@us-1"]);
        assert_eq!(
            web.order.ready_when.get("db@us-1").map(String::as_str),
            Some("objects.all(o, o.kind != \"Job\")")
        );
        let err = ConfigFile::parse(
            &FLEET.replace("dependsOn: [db]", "dependsOn: [{name: db, readyWen: x}]"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 14"), "{err}");
    }

    #[test]
    fn bad_fleets_name_their_line() {
        let cases = [
            (
                FLEET.replace("dependsOn: [db]", "dependsOn: [cache]"),
                "line 14",
                "neither a target nor an app",
            ),
            (
                format!("{FLEET}    \n").replace(
                    "    path: apps/db\n",
                    "    path: apps/db\n    dependsOn: [web]\n",
                ),
                "line 8",
                "cycle: db@us-1 → web@us-1 → db@us-1",
            ),
            (
                FLEET.replace("${cluster.labels.region}", "${cluster.labels.zone}"),
                "line 10",
                "${cluster.labels.zone}",
            ),
            (
                FLEET.replace("- {name: us-2", "- {name: us-1"),
                "line 4",
                "declared twice",
            ),
            (
                FLEET.replace(
                    "dependsOn: [db]",
                    "dependsOn: [{name: db, readyWhen: \"objects.exists(o,\"}]",
                ),
                "line 14",
                "dependsOn \"db\": readyWhen is not valid CEL",
            ),
        ];
        for (text, line, wanted) in cases {
            let err = ConfigFile::parse(&text).unwrap_err().to_string();
            assert!(
                err.contains(line) && err.contains(wanted),
                "{wanted}: {err}"
            );
        }
    }
}
