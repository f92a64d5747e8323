//! Sync windows, as Argo CD's `syncWindows` read: a cron schedule opens a
//! window for `duration` in `timeZone`. A target may sync when no `deny`
//! window is open and, if it has `allow` windows, one of them is.
//!
//! ```yaml
//! windows:
//!   - {kind: deny, schedule: "0 22 * * *", duration: 10h, timeZone: Europe/Berlin}
//!   - {kind: allow, schedule: "0 9 * * 1-5", duration: 8h}
//! ```

use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WindowConfig {
    pub kind: Kind,
    pub schedule: String,
    pub duration: String,
    /// IANA name; default UTC.
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Allow,
    Deny,
}

/// One window, compiled.
#[derive(Debug, Clone)]
pub struct Window {
    pub kind: Kind,
    cron: croner::Cron,
    pub duration: Duration,
    tz: TimeZone,
    /// As written, for messages: `deny "0 22 * * *" for 10h (Europe/Berlin),
    /// gitsync.yaml line 12`.
    pub label: String,
}

impl PartialEq for Window {
    fn eq(&self, other: &Self) -> bool {
        self.label == other.label
    }
}
impl Eq for Window {}

impl Window {
    /// `Err` is the message; the caller adds the file and line.
    pub fn compile(w: &Spanned<WindowConfig>) -> Result<Window, String> {
        let c = &w.value;
        let cron: croner::Cron = c
            .schedule
            .parse()
            .map_err(|e| format!("schedule {:?} is not a cron schedule: {e}", c.schedule))?;
        let duration =
            super::rollout::parse_duration(&c.duration).map_err(|m| format!("duration: {m}"))?;
        if duration.is_zero() {
            return Err("duration must be longer than zero".into());
        }
        let zone = c.time_zone.as_deref().unwrap_or("UTC");
        let tz = TimeZone::get(zone).map_err(|_| format!("timeZone {zone:?} is not known"))?;
        Ok(Window {
            kind: c.kind,
            cron,
            duration,
            tz,
            label: format!(
                "{} {:?} for {} ({zone}), gitsync.yaml line {}",
                match c.kind {
                    Kind::Allow => "allow",
                    Kind::Deny => "deny",
                },
                c.schedule,
                c.duration,
                w.referenced.line()
            ),
        })
    }

    /// When the window that holds `at` opened, if one does.
    fn open_since(&self, at: Timestamp) -> Option<Timestamp> {
        let now = at.to_zoned(self.tz.clone());
        let start = self.cron.find_previous_occurrence(&now, true).ok()?;
        let end = start.timestamp() + jiff::SignedDuration::try_from(self.duration).ok()?;
        (end > at).then(|| start.timestamp())
    }

    fn end_of(&self, start: Timestamp) -> Timestamp {
        start + jiff::SignedDuration::try_from(self.duration).unwrap_or_default()
    }

    fn next_start(&self, after: Timestamp) -> Option<Timestamp> {
        let z = after.to_zoned(self.tz.clone());
        self.cron
            .find_next_occurrence(&z, false)
            .ok()
            .map(|z| z.timestamp())
    }
}

/// Why `windows` keep a sync from running at `at`, if they do.
pub fn blocked(windows: &[Window], at: Timestamp) -> Option<String> {
    if let Some(w) = windows
        .iter()
        .find(|w| w.kind == Kind::Deny && w.open_since(at).is_some())
    {
        return Some(format!("the {} window is open", w.label));
    }
    let allows: Vec<&Window> = windows.iter().filter(|w| w.kind == Kind::Allow).collect();
    if !allows.is_empty() && !allows.iter().any(|w| w.open_since(at).is_some()) {
        let names: Vec<&str> = allows.iter().map(|w| w.label.as_str()).collect();
        return Some(format!("no allow window is open ({})", names.join("; ")));
    }
    None
}

/// The first time from `at` on when a sync may run (`at` itself when it
/// may now); `None` when none comes within a year.
pub fn next_open(windows: &[Window], at: Timestamp) -> Option<Timestamp> {
    let limit = at + jiff::SignedDuration::from_hours(24 * 366);
    let mut t = at;
    for _ in 0..10_000 {
        if blocked(windows, t).is_none() {
            return Some(t);
        }
        // The next moment anything changes: an open deny window closes,
        // or an allow window opens.
        let mut next: Option<Timestamp> = None;
        for w in windows {
            let candidate = match w.kind {
                Kind::Deny => w.open_since(t).map(|s| w.end_of(s)),
                Kind::Allow => w.next_start(t),
            };
            if let Some(c) = candidate.filter(|c| *c > t) {
                next = Some(next.map_or(c, |n| n.min(c)));
            }
        }
        t = next?;
        if t > limit {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(text: &str) -> Window {
        let w: Spanned<WindowConfig> = serde_saphyr::from_str(text).unwrap();
        Window::compile(&w).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_deny_window_blocks_while_open_in_its_time_zone() {
        // 22:00 in Berlin (UTC+1 in December) is 21:00 UTC.
        let deny =
            window("{kind: deny, schedule: '0 22 * * *', duration: 10h, timeZone: Europe/Berlin}");
        let w = [deny];
        assert!(blocked(&w, ts("2026-12-03T20:59:00Z")).is_none());
        let why = blocked(&w, ts("2026-12-03T21:00:00Z")).unwrap();
        assert!(why.contains("deny \"0 22 * * *\" for 10h"), "{why}");
        assert!(blocked(&w, ts("2026-12-04T06:59:00Z")).is_some());
        assert_eq!(
            next_open(&w, ts("2026-12-04T02:00:00Z")),
            Some(ts("2026-12-04T07:00:00Z"))
        );
    }

    #[test]
    fn allow_windows_block_outside_themselves_and_deny_wins() {
        let allow = window("{kind: allow, schedule: '0 9 * * 1-5', duration: 8h}");
        let w = [allow.clone()];
        // Friday 2026-12-04, 08:00 UTC: closed until 09:00.
        assert!(blocked(&w, ts("2026-12-04T08:00:00Z")).is_some());
        assert!(blocked(&w, ts("2026-12-04T09:30:00Z")).is_none());
        // Saturday: the next opening is Monday 09:00.
        assert_eq!(
            next_open(&w, ts("2026-12-05T12:00:00Z")),
            Some(ts("2026-12-07T09:00:00Z"))
        );
        let deny = window("{kind: deny, schedule: '0 12 * * *', duration: 1h}");
        let both = [allow, deny];
        assert!(blocked(&both, ts("2026-12-04T12:30:00Z")).is_some());
        assert_eq!(
            next_open(&both, ts("2026-12-04T12:30:00Z")),
            Some(ts("2026-12-04T13:00:00Z"))
        );
    }

    #[test]
    fn bad_windows_say_what_is_wrong() {
        for (text, wanted) in [
            (
                "{kind: deny, schedule: 'soon', duration: 1h}",
                "not a cron schedule",
            ),
            (
                "{kind: deny, schedule: '* * * * *', duration: x}",
                "duration",
            ),
            (
                "{kind: deny, schedule: '* * * * *', duration: 1h, timeZone: Mars/Base}",
                "not known",
            ),
        ] {
            let w: Spanned<WindowConfig> = serde_saphyr::from_str(text).unwrap();
            let err = Window::compile(&w).unwrap_err();
            assert!(err.contains(wanted), "{text}: {err}");
        }
    }
}
