//! Whether what a target waits for is done, read from the ApplySet
//! parents (so another process, or a restarted one, sees what this one
//! did): synced at the same revision, healthy, and for long enough.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use serde_json::{Map, Value};

use crate::config::Target;
use crate::engine::{Engine, HEALTH, HEALTHY_SINCE};
use crate::health::custom;

/// What `target` waits for among `all` (the file's targets): its
/// `dependsOn`, and the targets of the step before its own in its app's
/// rollout, each with the soak it must have been healthy for.
pub fn prerequisites<'a>(all: &'a [Target], target: &Target) -> Vec<(&'a Target, Duration)> {
    let mut out: Vec<(&Target, Duration)> = all
        .iter()
        .filter(|t| {
            t.name
                .as_ref()
                .is_some_and(|n| target.order.depends_on.contains(n))
        })
        .map(|t| (t, Duration::ZERO))
        .collect();
    if let (Some(step), Some(origin)) = (&target.order.step, &target.fleet) {
        out.extend(
            all.iter()
                .filter(|t| {
                    t.fleet.as_ref().is_some_and(|o| o.app == origin.app)
                        && t.order
                            .step
                            .as_ref()
                            .is_some_and(|s| s.index + 1 == step.index)
                })
                .map(|t| (t, step.after_soak)),
        );
    }
    out
}

/// Why `target` may not sync `revision` yet, reading the ApplySet parents
/// of what it waits for (`skip`: names this run handles itself); `None`
/// when nothing holds it. `applyset` names an ApplySet from a target.
pub async fn waiting(
    all: &[Target],
    target: &Target,
    revision: &str,
    skip: &[String],
    applyset: impl Fn(&Target) -> String,
) -> Option<String> {
    for (t, soak) in prerequisites(all, target) {
        let name = t.name.clone().unwrap_or_default();
        if skip.contains(&name) {
            continue;
        }
        let record = match Engine::read_record(t, &applyset(t)).await {
            Ok(r) => r,
            Err(e) => return Some(format!("waits for {name}: cannot read its ApplySet: {e}")),
        };
        if let Some(expr) = target.order.ready_when.get(&name) {
            // The expression stands for "healthy"; the revision still
            // has to be this one.
            let done = match synced_at(record.as_ref(), revision) {
                Ok(()) => ready(t, expr, &applyset(t)).await,
                Err(why) => Err(why),
            };
            match done {
                Ok(()) => continue,
                Err(why) => return Some(format!("waits for {name}: {why}")),
            }
        }
        match healthy_since(record.as_ref(), revision) {
            Err(why) => return Some(format!("waits for {name}: {why}")),
            Ok(since) => {
                let left = soak_left(since, soak, Timestamp::now());
                if !left.is_zero() {
                    return Some(format!(
                        "waits for {name} to soak {}s more",
                        left.as_secs().max(1)
                    ));
                }
            }
        }
    }
    None
}

/// Whether the parent's `record` says `revision` was synced.
fn synced_at(record: Option<&Map<String, Value>>, revision: &str) -> Result<(), String> {
    let Some(record) = record else {
        return Err("never synced".into());
    };
    match record.get("revision").and_then(Value::as_str) {
        Some(r) if r == revision => Ok(()),
        Some(r) => Err(format!("synced at {}, not {}", short(r), short(revision))),
        None => Err("its parent records no revision".into()),
    }
}

/// Since when the parent's `record` says `revision` has been healthy;
/// `Err` says why it is not done.
pub fn healthy_since(
    record: Option<&Map<String, Value>>,
    revision: &str,
) -> Result<Timestamp, String> {
    synced_at(record, revision)?;
    let Some(record) = record else {
        return Err("never synced".into());
    };
    let get = |k: &str| record.get(k).and_then(Value::as_str);
    match (get(HEALTH), get(HEALTHY_SINCE)) {
        (Some("Healthy"), Some(t)) => t
            .parse()
            .map_err(|_| format!("its parent's {HEALTHY_SINCE} {t:?} is not a time")),
        (Some("Unhealthy"), _) => Err(format!("not healthy at {}", short(revision))),
        _ => Err(format!("health at {} not known yet", short(revision))),
    }
}

/// Compiles a `readyWhen` expression; `Err` says where it is wrong.
pub fn compile_ready_when(text: &str) -> Result<custom::Expr, String> {
    custom::compile(text).map_err(|e| format!("column {}: {}", e.column, e.message))
}

/// Whether `dep`'s `readyWhen` expression holds over its live objects
/// (the variable `objects`, a list of them, a Secret's values masked as
/// the CLI masks them: a repository's expression may ask which keys a
/// Secret has, never what they hold); `Err` says why not.
pub async fn ready(dep: &Target, expr: &str, applyset: &str) -> Result<(), String> {
    let program = compile_ready_when(expr)?;
    let members = Engine::live_members(dep, applyset)
        .await
        .map_err(|e| format!("cannot read its objects: {}", causes(&e)))?;
    let masker = crate::report::Masker::new();
    let objects: Vec<Value> = members.iter().map(|o| masker.mask(o)).collect();
    match custom::evaluate_with(&program, &[("objects", &Value::Array(objects))]) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("readyWhen is not true yet ({expr})")),
        Err(e) => Err(format!("readyWhen ({expr}) could not be evaluated: {e}")),
    }
}

/// An error with its causes, as one line.
fn causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// What is left of a soak that started at `since`.
pub fn soak_left(since: Timestamp, soak: Duration, now: Timestamp) -> Duration {
    let done = Duration::from_secs((now.as_second() - since.as_second()).max(0) as u64);
    soak.saturating_sub(done)
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_same_revision_healthy_passes() {
        let rec = |v: Value| v.as_object().cloned().unwrap();
        let healthy = rec(
            json!({"revision": "abc", "health": "Healthy", "healthySince": "2026-12-04T10:00:00Z"}),
        );
        assert_eq!(
            healthy_since(Some(&healthy), "abc").unwrap(),
            "2026-12-04T10:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(
            healthy_since(Some(&healthy), "def")
                .unwrap_err()
                .contains("not def")
        );
        let sick = rec(json!({"revision": "abc", "health": "Unhealthy"}));
        assert!(
            healthy_since(Some(&sick), "abc")
                .unwrap_err()
                .contains("not healthy")
        );
        assert!(healthy_since(None, "abc").is_err());
        let since: Timestamp = "2026-12-04T10:00:00Z".parse().unwrap();
        let now: Timestamp = "2026-12-04T10:01:00Z".parse().unwrap();
        assert_eq!(
            soak_left(since, Duration::from_secs(90), now),
            Duration::from_secs(30)
        );
    }
}
