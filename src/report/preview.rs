//! Previews, as `preview list`, `up` and `down` print them: one row per
//! preview (its ref, commit, namespace, health, URL and state). JSON is an
//! array of objects (see README for the schema).

use std::io::{self, Write};

use crate::preview::run::Listed;
use crate::settings::OutputFormat;

pub fn write_previews(
    out: &mut dyn Write,
    rows: &[Listed],
    format: OutputFormat,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)
        }
        OutputFormat::Text => text(out, rows),
        OutputFormat::Markdown => markdown(out, rows),
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// The commit the preview runs, else the ref's.
fn commit(row: &Listed) -> &str {
    row.synced
        .as_ref()
        .map(|s| short(&s.sha))
        .or(row.head.as_deref().map(short))
        .unwrap_or("-")
}

fn health(row: &Listed) -> &str {
    row.synced.as_ref().map_or("-", |s| s.health.as_str())
}

fn url(row: &Listed) -> &str {
    row.url.as_deref().unwrap_or("-")
}

fn text(out: &mut dyn Write, rows: &[Listed]) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "no previews");
    }
    let head = [
        "PREVIEW",
        "REF",
        "COMMIT",
        "NAMESPACE",
        "HEALTH",
        "STATE",
        "URL",
    ];
    let cells: Vec<[&str; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.entry.as_str(),
                r.reference.as_str(),
                commit(r),
                r.namespace.as_str(),
                health(r),
                r.state,
                url(r),
            ]
        })
        .collect();
    let mut widths = head.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    for row in std::iter::once(&head).chain(&cells) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

fn markdown(out: &mut dyn Write, rows: &[Listed]) -> io::Result<()> {
    writeln!(out, "### gitsync previews")?;
    writeln!(out)?;
    if rows.is_empty() {
        return writeln!(out, "No previews.");
    }
    writeln!(
        out,
        "| Preview | Ref | Commit | Namespace | Health | State | URL |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for r in rows {
        let link = match url(r) {
            "-" => "-".to_string(),
            u => format!("[{u}]({u})"),
        };
        writeln!(
            out,
            "| {} | `{}` | `{}` | `{}` | {} | {} | {link} |",
            r.entry,
            r.reference,
            commit(r),
            r.namespace,
            health(r),
            r.state
        )?;
    }
    Ok(())
}
