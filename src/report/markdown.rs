//! Output for a pull-request comment: a heading, a summary table, one
//! collapsed diff per changed object, and the errors.

use std::io::{self, Write};

use super::{Masker, Report, Style, diff, object_label, short_sha};

pub fn write_markdown(
    out: &mut dyn Write,
    reports: &[Report],
    style: &Style,
    masker: &Masker,
) -> io::Result<()> {
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_report(out, report, style, masker)?;
    }
    Ok(())
}

fn write_report(
    out: &mut dyn Write,
    report: &Report,
    style: &Style,
    masker: &Masker,
) -> io::Result<()> {
    let plan = report.plan;
    let mut heading = String::from("### gitsync diff");
    if let Some(target) = report.target {
        heading.push_str(&format!(": {}", code_span(target)));
    }
    if let Some(commit) = report.revision {
        heading.push_str(&format!(" at {}", code_span(short_sha(commit))));
    }
    writeln!(out, "{heading}\n")?;

    let s = plan.summary();
    // The adopt and failed columns only when there is something in them.
    let mut columns = vec![("create", s.create)];
    if s.adopt > 0 {
        columns.push(("adopt", s.adopt));
    }
    columns.extend([
        ("update", s.update),
        ("delete", s.delete),
        ("unchanged", s.unchanged),
    ]);
    if plan.problem_count() > 0 {
        columns.push(("failed", plan.problem_count()));
    }
    let row = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    writeln!(
        out,
        "{}",
        row(columns.iter().map(|c| c.0.to_string()).collect())
    )?;
    writeln!(out, "|{}", "---:|".repeat(columns.len()))?;
    writeln!(
        out,
        "{}",
        row(columns.iter().map(|c| c.1.to_string()).collect())
    )?;
    writeln!(out)?;

    if !plan.hooks.is_empty() {
        writeln!(out, "**{}**\n", escape_markdown(super::hooks_heading(plan)))?;
        for line in super::hook_lines(plan) {
            writeln!(out, "- {}", code_span(line.trim_end()))?;
        }
        writeln!(out)?;
    }
    if !plan.has_changes() && plan.problem_count() == 0 {
        return writeln!(out, "No changes.");
    }
    for change in plan.changed() {
        let label = super::header(change);
        // The blank line after <summary> lets the fence below be Markdown
        // again rather than raw HTML.
        writeln!(
            out,
            "<details><summary><code>{}</code></summary>\n",
            escape_html(&label)
        )?;
        for note in super::notes(change) {
            writeln!(out, "- {}", escape_markdown(&note))?;
        }
        if !super::notes(change).is_empty() {
            writeln!(out)?;
        }
        let body = diff::hunks(change, masker, style.unified);
        let fence = fence_for(&body);
        writeln!(out, "{fence}diff")?;
        out.write_all(body.as_bytes())?;
        writeln!(out, "{fence}\n")?;
        writeln!(out, "</details>\n")?;
    }
    if plan.problem_count() > 0 {
        writeln!(out, "**Errors**\n")?;
        for error in plan.problems() {
            let label = code_span(&object_label(&error.api_version, &error.id));
            let message = escape_markdown(&error.message).replace('\n', "\n  ");
            write!(out, "- {label}: {message}")?;
            if let Some(origin) = &error.origin {
                write!(out, " ({})", code_span(&origin.to_string()))?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// A backtick fence longer than any backtick run in `body`: a diff line
/// such as ` ```` (context of a Markdown file in a ConfigMap) must not
/// close it.
fn fence_for(body: &str) -> String {
    "`".repeat(longest_backtick_run(body).max(2) + 1)
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// `s` as inline code, delimited by more backticks than it holds; padded
/// where it starts or ends with one (CommonMark strips one space each side).
fn code_span(s: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(s) + 1);
    let s = s.replace('\n', " ");
    if s.starts_with('`') || s.ends_with('`') {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Free text (a server's message) shown as itself: CommonMark lets any
/// ASCII punctuation be backslash-escaped, so escaping all that can start
/// syntax (links, emphasis, HTML, tables, math, mentions) leaves none. The
/// few that never do stay bare to keep the comment's source readable.
fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_punctuation() && !"\"',/:;?%".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, ObjectError, Plan};
    use crate::report::tests::{
        change, commit, config_map, deployment, id, mixed_plan, render, render_plan,
    };

    #[test]
    fn markdown_heading_table_details_and_errors() {
        let plan = mixed_plan();
        let c = commit();
        let md = render(
            write_markdown,
            &[Report {
                revision: Some(&c),
                target: Some("prod"),
                plan: &plan,
            }],
            &Style {
                color: true,
                unified: 0,
            },
        );
        assert!(
            md.starts_with(
                "### gitsync diff: `prod` at `1a2b3c4`\n\n\
             | create | update | delete | unchanged | failed |\n\
             |---:|---:|---:|---:|---:|\n\
             | 1 | 1 | 1 | 1 | 1 |\n\n"
            ),
            "{md}"
        );
        assert!(
            md.contains(
                "<details><summary><code>~ apps/v1 Deployment shop/web</code></summary>\n\n\
             ```diff\n@@ -7 +7 @@\n-  replicas: 2\n+  replicas: 3\n```\n\n</details>\n"
            ),
            "{md}"
        );
        assert!(md.contains("<summary><code>+ v1 ConfigMap shop/new</code></summary>"));
        assert!(md.contains("<summary><code>- v1 ConfigMap shop/old</code></summary>"));
        assert!(!md.contains("shop/same"), "unchanged objects are not shown");
        assert!(!md.contains("--- live"));
        assert!(!md.contains('\x1b'), "no colour in Markdown");
        assert!(md.ends_with(
            "**Errors**\n\n- `apps/v1 Deployment shop/api`: admission webhook \"x\" denied the request \
             (`app/api.yaml: document 1 (line 1)`)\n"
        ), "{md}");
        assert!(!md.contains("No changes."));
    }

    #[test]
    fn markdown_no_changes() {
        let same = config_map("same", "s");
        let plan = Plan {
            changes: vec![change(Action::Unchanged, Some(same.clone()), Some(same))],
            errors: vec![],
            ..Default::default()
        };
        let md = render_plan(write_markdown, &plan, &Style::default());
        assert_eq!(
            md,
            "### gitsync diff\n\n| create | update | delete | unchanged |\n|---:|---:|---:|---:|\n\
             | 0 | 0 | 0 | 1 |\n\nNo changes.\n"
        );
    }

    #[test]
    fn markdown_fence_outlasts_backticks_in_the_diff() {
        let before = config_map("readme", "intro\n```\ncode\n```\n");
        let after = config_map("readme", "intro\n````\ncode\n````\n");
        let plan = Plan {
            changes: vec![change(Action::Update, Some(before), Some(after))],
            errors: vec![],
            ..Default::default()
        };
        let md = render_plan(write_markdown, &plan, &Style::default());
        assert!(md.contains("\n`````diff\n"), "{md}");
        assert!(md.contains("\n`````\n\n</details>\n"), "{md}");
    }

    #[test]
    fn markdown_escapes_html_and_markdown_in_text() {
        let mut weird = deployment(1);
        weird["metadata"]["name"] = "a<b>&c".into();
        let plan = Plan {
            changes: vec![change(Action::Create, None, Some(weird))],
            errors: vec![ObjectError {
                id: id("", "ConfigMap", Some("shop"), "x`y"),
                api_version: "v1".into(),
                origin: None,
                message: "bad <script> *value* [link](http://x) | @team\nsecond line".into(),
                conflicts: Vec::new(),
            }],
            ..Default::default()
        };
        let md = render(
            write_markdown,
            &[Report {
                revision: None,
                target: Some("p`r"),
                plan: &plan,
            }],
            &Style::default(),
        );
        assert!(md.starts_with("### gitsync diff: ``p`r``\n"), "{md}");
        assert!(
            md.contains("<code>+ apps/v1 Deployment shop/a&lt;b&gt;&amp;c</code>"),
            "{md}"
        );
        assert!(md.contains(
            "- ``v1 ConfigMap shop/x`y``: bad \\<script\\> \\*value\\* \\[link\\]\\(http://x\\) \\| \\@team\n  second line\n"
        ), "{md}");
    }

    #[test]
    fn code_span_pads_edge_backticks() {
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("`a"), "`` `a ``");
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for(" ```` x"), "`````");
    }
}
