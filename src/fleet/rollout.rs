//! An app's `rollout:`: its targets in steps, each step started only when
//! every target of the one before is synced at the same revision and
//! healthy (and has soaked for `soak`).
//!
//! ```yaml
//! rollout:
//!   steps:
//!     - {clusters: {matchLabels: {env: canary}}}
//!     - {percent: 10, soak: 5m}
//!     - {maxParallel: 10}          # the rest
//! ```
//!
//! A step takes, of the targets no earlier step took, those its
//! `clusters:` selector matches, or with `percent: N` as many more (in
//! name order) as make N% of the app's targets in all; a step with
//! neither takes the rest. Targets left after the last step form one more
//! step, so no target is ever skipped.

use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::inventory::Selector;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RolloutConfig {
    pub steps: Vec<Spanned<StepConfig>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StepConfig {
    #[serde(default)]
    pub clusters: Option<Selector>,
    #[serde(default)]
    pub percent: Option<u32>,
    /// Targets of this step synced at once (default: all of them).
    #[serde(default)]
    pub max_parallel: Option<usize>,
    /// How long this step's targets must stay healthy before the next
    /// step starts (`5m`, `1h30m`).
    #[serde(default)]
    pub soak: Option<String>,
}

/// A target's place in its app's rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based.
    pub index: usize,
    pub count: usize,
    /// `env=canary`, `10%`, `the rest`.
    pub label: String,
    pub max_parallel: Option<usize>,
    /// The soak of the step before this one: how long its targets stay
    /// healthy before this step starts.
    pub after_soak: Duration,
}

impl Step {
    pub fn describe(&self, app: &str) -> String {
        format!(
            "rollout of {app}, step {} of {} ({})",
            self.index, self.count, self.label
        )
    }
}

/// Parses a soak: `30s`, `5m`, `1h30m`, or ISO 8601 (`PT5M`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d: jiff::SignedDuration = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (use e.g. 30s, 5m, 1h30m)"))?;
    Duration::try_from(d).map_err(|_| format!("{s:?} is negative"))
}

/// Checks the steps and places `members` (target name and cluster labels,
/// in the file's order) into them. Returns one `Step` per member, in the
/// members' order; `Err` is (line, message).
pub fn place(
    rollout: &Spanned<RolloutConfig>,
    members: &[(String, std::collections::BTreeMap<String, String>)],
) -> Result<Vec<Step>, (usize, String)> {
    let steps = &rollout.value.steps;
    if steps.is_empty() {
        return Err((
            rollout.referenced.line() as usize,
            "rollout has no steps".into(),
        ));
    }
    let mut soaks = Vec::new();
    for s in steps {
        let line = s.referenced.line() as usize;
        if s.value.clusters.is_some() && s.value.percent.is_some() {
            return Err((
                line,
                "a step takes `clusters` or `percent`, not both".into(),
            ));
        }
        if let Some(c) = &s.value.clusters {
            c.check().map_err(|m| (line, m))?;
        }
        if s.value.percent.is_some_and(|p| p == 0 || p > 100) {
            return Err((line, "percent must be from 1 to 100".into()));
        }
        if s.value.max_parallel == Some(0) {
            return Err((line, "maxParallel must be at least 1".into()));
        }
        let soak = match &s.value.soak {
            Some(t) => parse_duration(t).map_err(|m| (line, format!("soak: {m}")))?,
            None => Duration::ZERO,
        };
        soaks.push(soak);
    }
    let mut placed: Vec<Option<usize>> = vec![None; members.len()];
    let total = members.len();
    let mut taken = 0;
    for (i, s) in steps.iter().enumerate() {
        let free = |placed: &[Option<usize>]| {
            (0..total)
                .filter(|m| placed[*m].is_none())
                .collect::<Vec<_>>()
        };
        match (&s.value.clusters, s.value.percent) {
            (Some(sel), _) => {
                for m in free(&placed) {
                    if sel.matches(&members[m].1) {
                        placed[m] = Some(i);
                        taken += 1;
                    }
                }
            }
            (None, Some(p)) => {
                let want = (total * p as usize).div_ceil(100);
                let mut names = free(&placed);
                names.sort_by(|a, b| members[*a].0.cmp(&members[*b].0));
                for m in names.into_iter().take(want.saturating_sub(taken)) {
                    placed[m] = Some(i);
                    taken += 1;
                }
            }
            (None, None) => {
                for m in free(&placed) {
                    placed[m] = Some(i);
                    taken += 1;
                }
            }
        }
    }
    // Steps that took nothing are dropped; what no step took is one more.
    let rest = steps.len();
    let used: std::collections::BTreeSet<usize> =
        placed.iter().map(|p| p.unwrap_or(rest)).collect();
    let numbers: Vec<usize> = used.iter().copied().collect();
    let label = |i: usize| -> String {
        match steps.get(i).map(|s| &s.value) {
            Some(StepConfig {
                clusters: Some(sel),
                ..
            }) => sel.label(),
            Some(StepConfig {
                percent: Some(p), ..
            }) => format!("{p}%"),
            _ => "the rest".into(),
        }
    };
    Ok(placed
        .iter()
        .map(|p| {
            let i = p.unwrap_or(rest);
            let index = numbers.iter().position(|n| *n == i).unwrap_or(0);
            let before = index.checked_sub(1).map(|b| numbers[b]);
            Step {
                index: index + 1,
                count: numbers.len(),
                label: label(i),
                max_parallel: steps.get(i).and_then(|s| s.value.max_parallel),
                after_soak: before
                    .and_then(|b| soaks.get(b).copied())
                    .unwrap_or_default(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn members(n: usize, canary: &[usize]) -> Vec<(String, BTreeMap<String, String>)> {
        (0..n)
            .map(|i| {
                let env = if canary.contains(&i) {
                    "canary"
                } else {
                    "prod"
                };
                (
                    format!("web@c{i:02}"),
                    BTreeMap::from([("env".to_string(), env.to_string())]),
                )
            })
            .collect()
    }

    fn rollout(text: &str) -> Spanned<RolloutConfig> {
        serde_saphyr::from_str(text).unwrap()
    }

    #[test]
    fn canary_then_a_percentage_then_the_rest() {
        let r = rollout(
            "steps:\n  - {clusters: {matchLabels: {env: canary}}, soak: 2m}\n  - {percent: 30}\n  - {maxParallel: 2}\n",
        );
        let steps = place(&r, &members(10, &[7])).unwrap();
        let at = |i: usize| steps[i].index;
        assert_eq!(at(7), 1);
        assert_eq!(steps[7].label, "env=canary");
        // 30% of 10 is 3 in all: the canary and two more, by name.
        assert_eq!((at(0), at(1), at(2)), (2, 2, 3));
        assert_eq!(steps[0].after_soak, Duration::from_secs(120));
        assert!(steps.iter().all(|s| s.count == 3));
        assert_eq!(steps[9].max_parallel, Some(2));
        assert_eq!(steps[9].label, "the rest");
    }

    #[test]
    fn targets_no_step_takes_form_a_last_one_and_empty_steps_go() {
        let r = rollout(
            "steps:\n  - {clusters: {matchLabels: {env: nowhere}}}\n  - {clusters: {matchLabels: {env: canary}}}\n",
        );
        let steps = place(&r, &members(3, &[1])).unwrap();
        assert_eq!(steps.iter().map(|s| s.index).collect::<Vec<_>>(), [2, 1, 2]);
        assert_eq!(steps[0].label, "the rest");
        assert_eq!(steps[0].count, 2);
    }

    #[test]
    fn bad_steps_name_their_line() {
        for (text, wanted) in [
            ("steps: []\n", "no steps"),
            ("steps:\n  - {percent: 0}\n", "1 to 100"),
            ("steps:\n  - {soak: soon}\n", "not a duration"),
            ("steps:\n  - {percent: 5, clusters: {}}\n", "not both"),
        ] {
            let (_, m) = place(&rollout(text), &members(2, &[])).unwrap_err();
            assert!(m.contains(wanted), "{text}: {m}");
        }
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
    }
}
