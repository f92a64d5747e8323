//! The order targets sync in: each waits for its `dependsOn` and, in an
//! app's rollout, for every target of the step before its own. Targets
//! with nothing between them run at once.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Order;
use crate::config::Target;

/// For each target, the indices of the targets it waits for.
fn edges(targets: &[(String, Order, Option<String>)]) -> Vec<Vec<usize>> {
    let index: BTreeMap<&str, usize> = targets
        .iter()
        .enumerate()
        .map(|(i, (n, _, _))| (n.as_str(), i))
        .collect();
    targets
        .iter()
        .map(|(_, order, app)| {
            let mut before: Vec<usize> = order
                .depends_on
                .iter()
                .filter_map(|d| index.get(d.as_str()).copied())
                .collect();
            if let (Some(step), Some(app)) = (&order.step, app) {
                before.extend(targets.iter().enumerate().filter_map(|(j, (_, o, a))| {
                    let prior = o.step.as_ref()?.index + 1 == step.index;
                    (prior && a.as_ref() == Some(app)).then_some(j)
                }));
            }
            before.sort();
            before.dedup();
            before
        })
        .collect()
}

/// A cycle among `targets`' waits, as names from one back to itself.
pub fn cycle(targets: &[(String, Order, Option<String>)]) -> Option<Vec<String>> {
    let edges = edges(targets);
    // 0 unvisited, 1 on the current path, 2 done.
    let mut state = vec![0u8; targets.len()];
    let mut path = Vec::new();
    fn visit(
        i: usize,
        edges: &[Vec<usize>],
        state: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[i] = 1;
        path.push(i);
        for &j in &edges[i] {
            if state[j] == 1 {
                let from = path.iter().position(|p| *p == j).unwrap_or(0);
                let mut c = path[from..].to_vec();
                c.push(j);
                return Some(c);
            }
            if state[j] == 0
                && let Some(c) = visit(j, edges, state, path)
            {
                return Some(c);
            }
        }
        path.pop();
        state[i] = 2;
        None
    }
    for i in 0..targets.len() {
        if state[i] == 0
            && let Some(c) = visit(i, &edges, &mut state, &mut path)
        {
            return Some(c.into_iter().map(|i| targets[i].0.clone()).collect());
        }
    }
    None
}

/// How one run's targets are ordered.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// Per target of the run, the targets of the run it waits for.
    pub before: Vec<Vec<usize>>,
    /// Per target, what it waits for outside the run (names): their
    /// parents must record them at the same revision and healthy.
    pub outside: Vec<Vec<String>>,
    /// Per target, its group (app and step) and that group's limit.
    pub group: Vec<Option<(String, usize)>>,
    /// Per target, how long what it waits for must have been healthy.
    pub soak: Vec<Duration>,
}

impl Schedule {
    pub fn of(targets: &[Target]) -> Schedule {
        let listed: Vec<(String, Order, Option<String>)> = targets
            .iter()
            .map(|t| {
                (
                    t.name.clone().unwrap_or_default(),
                    t.order.clone(),
                    t.fleet.as_ref().map(|o| o.app.clone()),
                )
            })
            .collect();
        let before = edges(&listed);
        let outside = listed
            .iter()
            .map(|(_, order, _)| {
                order
                    .depends_on
                    .iter()
                    .filter(|d| !listed.iter().any(|(n, _, _)| n == *d))
                    .cloned()
                    .collect()
            })
            .collect();
        let group = targets
            .iter()
            .map(|t| {
                let step = t.order.step.as_ref()?;
                let app = &t.fleet.as_ref()?.app;
                let limit = step.max_parallel?;
                Some((format!("{app}#{}", step.index), limit))
            })
            .collect();
        let soak = targets
            .iter()
            .map(|t| {
                t.order
                    .step
                    .as_ref()
                    .map_or(Duration::ZERO, |s| s.after_soak)
            })
            .collect();
        Schedule {
            before,
            outside,
            group,
            soak,
        }
    }

    /// Whether any target waits for another.
    pub fn ordered(&self) -> bool {
        self.before.iter().any(|b| !b.is_empty()) || self.outside.iter().any(|o| !o.is_empty())
    }

    /// Targets others wait for: their health decides what runs next.
    pub fn gates(&self, i: usize) -> bool {
        self.before.iter().any(|b| b.contains(&i))
    }
}

/// Why `target` was not started: what it waited for failed.
pub fn held_back(target: &Target, failed: &[&str]) -> String {
    let why = match (&target.order.step, &target.fleet) {
        (Some(step), Some(o)) if step.index > 1 => format!(
            "{} not started: the rollout halted before it",
            step.describe(&o.app)
        ),
        _ => "not started".to_string(),
    };
    format!(
        "{why}; waits for {}, which did not end synced and healthy",
        failed.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::rollout::Step;

    fn t(
        name: &str,
        deps: &[&str],
        app: Option<&str>,
        step: Option<usize>,
    ) -> (String, Order, Option<String>) {
        (
            name.into(),
            Order {
                depends_on: deps.iter().map(|d| d.to_string()).collect(),
                step: step.map(|index| Step {
                    index,
                    count: 2,
                    label: String::new(),
                    max_parallel: None,
                    after_soak: Duration::ZERO,
                }),
                ..Order::default()
            },
            app.map(str::to_string),
        )
    }

    #[test]
    fn steps_and_dependencies_are_edges_and_cycles_are_found() {
        let list = [
            t("db@a", &[], Some("db"), None),
            t("web@a", &["db@a"], Some("web"), Some(1)),
            t("web@b", &[], Some("web"), Some(2)),
        ];
        assert_eq!(edges(&list), vec![vec![], vec![0], vec![1]]);
        assert!(cycle(&list).is_none());
        let looped = [
            t("db@a", &["web@b"], Some("db"), None),
            t("web@a", &["db@a"], Some("web"), Some(1)),
            t("web@b", &[], Some("web"), Some(2)),
        ];
        assert_eq!(cycle(&looped).unwrap(), ["db@a", "web@b", "web@a", "db@a"]);
    }
}
