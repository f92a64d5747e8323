//! `gitsync status`: per target, what its cluster runs and how it is.
//! JSON is always an array of objects (see README for the schema).

use std::io::{self, Write};

use crate::status::{HealthSummary, Synced, TargetStatus};

pub fn write_status(
    out: &mut dyn Write,
    statuses: &[TargetStatus],
    format: crate::settings::OutputFormat,
) -> io::Result<()> {
    use crate::settings::OutputFormat;
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, statuses)?;
            writeln!(out)
        }
        OutputFormat::Text => grouped(out, statuses),
        OutputFormat::Markdown => markdown(out, statuses),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

fn name(s: &TargetStatus) -> &str {
    s.target.as_deref().unwrap_or("-")
}

fn synced_line(s: &Synced) -> String {
    let mut line = s.revision.as_deref().map(short).unwrap_or("-").to_string();
    if let Some(subject) = &s.subject {
        line.push_str(&format!(" {subject:?}"));
    }
    if let Some(author) = &s.author {
        line.push_str(&format!(" by {author}"));
    }
    if let Some(t) = &s.commit_time {
        line.push_str(&format!(", committed {t}"));
    }
    if let Some(t) = &s.synced_at {
        line.push_str(&format!(", synced {t}"));
    }
    line
}

fn health_line(h: &HealthSummary) -> String {
    let mut line = format!("{} healthy", h.healthy);
    for (n, what) in [
        (h.progressing, "progressing"),
        (h.failed, "failed"),
        (h.terminating, "terminating"),
    ] {
        if n > 0 {
            line.push_str(&format!(", {n} {what}"));
        }
    }
    line
}

fn git_line(s: &TargetStatus) -> String {
    let now = s.current.as_deref().map(short).unwrap_or("?");
    match s.git_ahead {
        Some(true) => format!("ahead: {now} is not synced yet"),
        Some(false) => "up to date".to_string(),
        None => "unknown (cannot read the repository)".to_string(),
    }
}

/// Targets of `apps:` under their app, the others first; then, when
/// there are apps, a line per cluster.
fn grouped(out: &mut dyn Write, statuses: &[TargetStatus]) -> io::Result<()> {
    let mut apps: Vec<&str> = statuses.iter().filter_map(|s| s.app.as_deref()).collect();
    apps.dedup();
    for s in statuses.iter().filter(|s| s.app.is_none()) {
        text(out, s)?;
    }
    let mut seen = std::collections::BTreeSet::new();
    for app in apps {
        if !seen.insert(app) {
            continue;
        }
        writeln!(out, "## app {app}")?;
        for s in statuses.iter().filter(|s| s.app.as_deref() == Some(app)) {
            text(out, s)?;
        }
    }
    let mut clusters: std::collections::BTreeMap<&str, (usize, usize, usize)> = Default::default();
    for s in statuses {
        let Some(c) = s.cluster.as_deref() else {
            continue;
        };
        let e = clusters.entry(c).or_default();
        e.0 += 1;
        match s.synced.as_ref().and_then(|x| x.health.as_deref()) {
            Some("Healthy") => e.1 += 1,
            Some(_) => e.2 += 1,
            None => {}
        }
    }
    if !clusters.is_empty() {
        writeln!(out, "## clusters")?;
        for (c, (n, healthy, unhealthy)) in clusters {
            writeln!(
                out,
                "  {c}: {n} target{}, {healthy} healthy, {unhealthy} not healthy",
                if n == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(())
}

fn text(out: &mut dyn Write, s: &TargetStatus) -> io::Result<()> {
    let context = s.context.as_deref().unwrap_or("(current)");
    writeln!(
        out,
        "# target {} (context {context}, {})",
        name(s),
        s.server
    )?;
    writeln!(out, "  applyset: {}", s.applyset)?;
    writeln!(out, "  pinned:   {}", s.pinned.as_deref().unwrap_or("-"))?;
    if let Some(step) = &s.rollout_step {
        writeln!(out, "  rollout:  {step}")?;
    }
    for w in &s.waits_on {
        writeln!(out, "  waits on: {} ({})", w.target, w.why)?;
    }
    if let Some(w) = &s.window {
        match (&w.reason, &w.next_open) {
            (None, _) => writeln!(out, "  window:   open")?,
            (Some(why), Some(next)) => writeln!(out, "  window:   closed: {why}; opens {next}")?,
            (Some(why), None) => {
                writeln!(out, "  window:   closed: {why}; not open within a year")?
            }
        }
    }
    let Some(synced) = &s.synced else {
        writeln!(out, "  synced:   never")?;
        return writeln!(out, "  git:      {}", git_line(s));
    };
    writeln!(out, "  synced:   {}", synced_line(synced))?;
    if let Some(signer) = &synced.signed_by {
        writeln!(out, "  signed:   {signer}")?;
    }
    if let Some(why) = &synced.window_override {
        writeln!(out, "  override: synced inside a closed window ({why})")?;
    }
    if let Some(h) = &s.health {
        writeln!(out, "  health:   {}", health_line(h))?;
        for u in &h.unhealthy {
            writeln!(out, "            {u}")?;
        }
    }
    if let Some(d) = s.drift {
        writeln!(
            out,
            "  drift:    {d} object{}",
            if d == 1 { "" } else { "s" }
        )?;
    }
    writeln!(out, "  git:      {}", git_line(s))
}

fn markdown(out: &mut dyn Write, statuses: &[TargetStatus]) -> io::Result<()> {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    writeln!(out, "### gitsync status\n")?;
    writeln!(
        out,
        "| target | context | pinned | synced | author | synced at | health | drift | git | waits on |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|")?;
    for s in statuses {
        let synced = s.synced.clone().unwrap_or_default();
        let code = |v: Option<&str>| v.map_or("-".to_string(), |v| format!("`{}`", cell(v)));
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(name(s)),
            code(s.context.as_deref()),
            code(s.pinned.as_deref()),
            match &s.synced {
                None => "never".to_string(),
                Some(_) => code(synced.revision.as_deref().map(short)),
            },
            cell(synced.author.as_deref().unwrap_or("-")),
            synced.synced_at.as_deref().unwrap_or("-"),
            s.health.as_ref().map_or("-".to_string(), health_line),
            s.drift.map_or("-".to_string(), |d| d.to_string()),
            cell(&git_line(s)),
            match s.waits_on.is_empty() {
                true => "-".to_string(),
                false => cell(
                    &s.waits_on
                        .iter()
                        .map(|w| format!("{} ({})", w.target, w.why))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            },
        )?;
    }
    Ok(())
}
