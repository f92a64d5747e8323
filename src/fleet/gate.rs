//! Whether what a target waits for is done, read from the ApplySet
//! parents (so another process, or a restarted one, sees what this one
//! did): synced at the same revision, healthy, and for long enough.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use serde_json::{Map, Value};

use crate::engine::{HEALTH, HEALTHY_SINCE};

/// Since when the parent's `record` says `revision` has been healthy;
/// `Err` says why it is not done.
pub fn healthy_since(
    record: Option<&Map<String, Value>>,
    revision: &str,
) -> Result<Timestamp, String> {
    let Some(record) = record else {
        return Err("never synced".into());
    };
    let get = |k: &str| record.get(k).and_then(Value::as_str);
    match get("revision") {
        Some(r) if r == revision => {}
        Some(r) => return Err(format!("synced at {}, not {}", short(r), short(revision))),
        None => return Err("its parent records no revision".into()),
    }
    match (get(HEALTH), get(HEALTHY_SINCE)) {
        (Some("Healthy"), Some(t)) => t
            .parse()
            .map_err(|_| format!("its parent's {HEALTHY_SINCE} {t:?} is not a time")),
        (Some("Unhealthy"), _) => Err(format!("not healthy at {}", short(revision))),
        _ => Err(format!("health at {} not known yet", short(revision))),
    }
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
