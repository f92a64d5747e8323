//! Output for a pull-request comment: a heading, a summary table, one
//! collapsed diff per changed object, and the errors; cut to fit in one
//! comment (see [`COMMENT_LIMIT`]).

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Masker, Report, Style, diff, object_label, short_sha};

/// GitHub refuses a comment body longer than 65,536 characters. The report
/// is measured in bytes, which are never fewer than characters (nor UTF-16
/// units), so it fits however the limit is counted.
pub const COMMENT_LIMIT: usize = 65_536;

/// Room left under the limit for what a CI job adds around the report (a
/// marker to find its comment again, a line of its own).
const LEFT_FOR_THE_CALLER: usize = 1_536;

/// At most what a "diff cut" note takes, with its blank line.
const CUT_NOTE_ROOM: usize = 200;

pub fn write_markdown(
    out: &mut dyn Write,
    reports: &[Report],
    style: &Style,
    masker: &Masker,
) -> io::Result<()> {
    let text = markdown(reports, style, masker, COMMENT_LIMIT - LEFT_FOR_THE_CALLER);
    out.write_all(text.as_bytes())
}

/// One report taken apart, so that each part can be measured before it is
/// kept, cut or left out.
struct Section {
    /// Heading and summary table (and "No changes."): always whole.
    head: String,
    objects: Vec<Object>,
    /// One list item per error.
    errors: Vec<String>,
}

struct Object {
    /// `<details>`, the summary line and the notes.
    open: String,
    fence: String,
    body: String,
}

const CLOSE: &str = "</details>\n\n";
const ERRORS_HEADING: &str = "**Errors**\n\n";

impl Object {
    /// What the diff takes, fenced, when shown whole.
    fn full_body(&self) -> usize {
        self.fence_cost() + self.body.len()
    }

    fn fence_cost(&self) -> usize {
        2 * self.fence.len() + "diff\n".len() + "\n\n".len()
    }

    /// Always shown: the summary line and notes, and the diff whole when it
    /// is short, else room for the note that says it was cut.
    fn least(&self) -> usize {
        self.open.len() + CLOSE.len() + self.full_body().min(CUT_NOTE_ROOM)
    }

    /// Writes the object with at most `room` bytes for its diff (fences and
    /// cut note included).
    fn write(&self, out: &mut String, room: usize) {
        out.push_str(&self.open);
        if self.full_body() <= room {
            write_fenced(out, &self.fence, &self.body);
        } else {
            let lines_room = room.saturating_sub(self.fence_cost() + CUT_NOTE_ROOM);
            let mut kept = 0;
            for line in self.body.split_inclusive('\n') {
                if kept + line.len() > lines_room {
                    break;
                }
                kept += line.len();
            }
            if kept > 0 {
                write_fenced(out, &self.fence, &self.body[..kept]);
            }
            let shown = self.body[..kept].lines().count();
            let total = self.body.lines().count();
            let _ = write!(
                out,
                "*Diff cut after {shown} of {total} lines to fit the comment; \
                 `gitsync diff` shows all of it.*\n\n"
            );
        }
        out.push_str(CLOSE);
    }
}

fn write_fenced(out: &mut String, fence: &str, body: &str) {
    let _ = write!(out, "{fence}diff\n{body}{fence}\n\n");
}

/// The reports as one Markdown text of at most `limit` bytes, unless their
/// headings and summary tables alone are longer. What gives way, last
/// first: long diffs are cut (each keeps an equal share of what is left,
/// short ones stay whole), then objects past the room are left out (a line
/// says how many), then errors past half the room (likewise).
fn markdown(reports: &[Report], style: &Style, masker: &Masker, limit: usize) -> String {
    let sections: Vec<Section> = reports.iter().map(|r| section(r, style, masker)).collect();

    // Headings, tables and the separators between reports, and a line for
    // what is left out, per report: never cut.
    let mut used = 0;
    for (i, s) in sections.iter().enumerate() {
        used += s.head.len() + usize::from(i > 0);
        if !s.errors.is_empty() {
            used += ERRORS_HEADING.len();
        }
        if !s.errors.is_empty() || !s.objects.is_empty() {
            used += 2 * LEFT_OUT_ROOM;
        }
    }
    let mut room = limit.saturating_sub(used);
    // Errors say why the exit code is 2, so they come first, but may not
    // crowd out every diff: they get at most half the room if there are any.
    let any_objects = sections.iter().any(|s| !s.objects.is_empty());
    let mut errors_room = if any_objects { room / 2 } else { room };
    let errors_shown: Vec<usize> = sections
        .iter()
        .map(|s| {
            s.errors
                .iter()
                .take_while(|e| {
                    let fits = e.len() <= errors_room;
                    if fits {
                        errors_room -= e.len();
                        room -= e.len();
                    }
                    fits
                })
                .count()
        })
        .collect();
    let mut take = |cost: usize| {
        let fits = cost <= room;
        if fits {
            room -= cost;
        }
        fits
    };
    let objects_shown: Vec<usize> = sections
        .iter()
        .map(|s| s.objects.iter().take_while(|o| take(o.least())).count())
        .collect();

    // Water-filling: the room left is shared equally by the diffs that want
    // more than their least; those that need less than a share are whole.
    let mut wants: Vec<(usize, usize, usize)> = Vec::new(); // (extra wanted, section, object)
    for (si, s) in sections.iter().enumerate() {
        for (oi, o) in s.objects[..objects_shown[si]].iter().enumerate() {
            let extra = o.full_body() - o.full_body().min(CUT_NOTE_ROOM);
            wants.push((extra, si, oi));
        }
    }
    wants.sort_unstable();
    let mut rooms: Vec<Vec<usize>> = sections.iter().map(|s| vec![0; s.objects.len()]).collect();
    let mut left = wants.len();
    for (extra, si, oi) in wants {
        let share = room / left;
        let given = extra.min(share);
        room -= given;
        left -= 1;
        let least = sections[si].objects[oi].full_body().min(CUT_NOTE_ROOM);
        rooms[si][oi] = least + given;
    }

    let mut out = String::new();
    for (si, s) in sections.iter().enumerate() {
        if si > 0 {
            out.push('\n');
        }
        out.push_str(&s.head);
        for (oi, o) in s.objects[..objects_shown[si]].iter().enumerate() {
            o.write(&mut out, rooms[si][oi]);
        }
        let hidden = s.objects.len() - objects_shown[si];
        if hidden > 0 {
            let _ = write!(
                out,
                "*{hidden} more changed object(s) not shown, to fit the comment; \
                 `gitsync diff` shows them all.*\n\n"
            );
        }
        if !s.errors.is_empty() {
            out.push_str(ERRORS_HEADING);
            for e in &s.errors[..errors_shown[si]] {
                out.push_str(e);
            }
            let hidden = s.errors.len() - errors_shown[si];
            if hidden > 0 {
                let _ = writeln!(
                    out,
                    "- *{hidden} more error(s) not shown, to fit the comment; \
                     `gitsync diff` shows them all.*"
                );
            }
        }
    }
    out
}

/// At most what a "not shown" line takes.
const LEFT_OUT_ROOM: usize = 120;

fn section(report: &Report, style: &Style, masker: &Masker) -> Section {
    let plan = report.plan;
    let mut head = String::from("### gitsync diff");
    if let Some(target) = report.target {
        let _ = write!(head, ": {}", code_span(target));
    }
    if let Some(base) = report.base {
        let _ = write!(head, " from {}", code_span(short_sha(base)));
        match report.revision {
            Some(commit) => {
                let _ = write!(head, " to {}", code_span(short_sha(commit)));
            }
            None => head.push_str(" to the work tree"),
        }
    } else if let Some(commit) = report.revision {
        let _ = write!(head, " at {}", code_span(short_sha(commit)));
    }
    head.push_str("\n\n");

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
    let _ = writeln!(
        head,
        "{}",
        row(columns.iter().map(|c| c.0.to_string()).collect())
    );
    let _ = writeln!(head, "|{}", "---:|".repeat(columns.len()));
    let _ = writeln!(
        head,
        "{}\n",
        row(columns.iter().map(|c| c.1.to_string()).collect())
    );

    if !plan.hooks.is_empty() {
        let _ = writeln!(
            head,
            "**{}**\n",
            escape_markdown(super::hooks_heading(plan))
        );
        for line in super::hook_lines(plan) {
            let _ = writeln!(head, "- {}", code_span(line.trim_end()));
        }
        head.push('\n');
    }
    if !plan.has_changes() && plan.problem_count() == 0 {
        head.push_str("No changes.\n");
        return Section {
            head,
            objects: Vec::new(),
            errors: Vec::new(),
        };
    }
    let objects = plan
        .changed()
        .map(|change| {
            let label = super::header(change);
            // The blank line after <summary> lets the fence below be
            // Markdown again rather than raw HTML.
            let mut open = format!(
                "<details><summary><code>{}</code></summary>\n\n",
                escape_html(&label)
            );
            let notes = super::notes(change);
            for note in &notes {
                let _ = writeln!(open, "- {}", escape_markdown(note));
            }
            if !notes.is_empty() {
                open.push('\n');
            }
            let body = diff::hunks(change, masker, style.unified);
            Object {
                open,
                fence: fence_for(&body),
                body,
            }
        })
        .collect();
    let errors = plan
        .problems()
        .map(|error| {
            let label = code_span(&object_label(&error.api_version, &error.id));
            let message = escape_markdown(&error.message).replace('\n', "\n  ");
            let mut line = format!("- {label}: {message}");
            if let Some(origin) = &error.origin {
                let _ = write!(line, " ({})", code_span(&origin.to_string()));
            }
            line.push('\n');
            line
        })
        .collect();
    Section {
        head,
        objects,
        errors,
    }
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
                base: None,
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
                base: None,
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

    /// A ConfigMap whose every one of `lines` lines changes.
    fn big_change(name: &str, lines: usize) -> crate::plan::Change {
        let text = |v: &str| {
            (0..lines)
                .map(|i| format!("line {i} {v}\n"))
                .collect::<String>()
        };
        change(
            Action::Update,
            Some(config_map(name, &text("old"))),
            Some(config_map(name, &text("new"))),
        )
    }

    fn within_the_comment_limit(md: &str) {
        assert!(
            md.len() <= COMMENT_LIMIT - LEFT_FOR_THE_CALLER,
            "{} bytes",
            md.len()
        );
    }

    #[test]
    fn large_diffs_are_cut_per_object_and_short_ones_stay_whole() {
        let mut changes: Vec<_> = (0..30)
            .map(|i| big_change(&format!("big-{i}"), 2_000))
            .collect();
        changes.push(change(
            Action::Update,
            Some(deployment(2)),
            Some(deployment(3)),
        ));
        let plan = Plan {
            changes,
            ..Plan::default()
        };
        let md = render_plan(write_markdown, &plan, &Style::default());
        within_the_comment_limit(&md);
        assert!(
            md.starts_with(
                "### gitsync diff\n\n| create | update | delete | unchanged |\n\
                 |---:|---:|---:|---:|\n| 0 | 31 | 0 | 0 |\n\n"
            ),
            "the summary is whole: {}",
            &md[..200]
        );
        for i in 0..30 {
            assert!(md.contains(&format!("<code>~ v1 ConfigMap shop/big-{i}</code>")));
        }
        assert_eq!(
            md.matches("*Diff cut after ").count(),
            30,
            "one note per cut diff"
        );
        assert!(
            md.contains(" of 4004 lines to fit the comment"),
            "{}",
            &md[..2000]
        );
        // Each cut diff keeps a fair share, not nothing.
        assert!(!md.contains("Diff cut after 0 of"), "{md}");
        assert_eq!(md.matches("-    line 0 old\n").count(), 31 - 1);
        assert!(
            md.contains("-  replicas: 2\n+  replicas: 3\n"),
            "the short diff is whole"
        );
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count()
        );
        assert_eq!(
            md.matches("```diff\n").count() * 2,
            md.matches("```").count()
        );
    }

    #[test]
    fn objects_past_the_limit_are_counted_not_shown() {
        let changes = (0..3_000)
            .map(|i| {
                change(
                    Action::Create,
                    None,
                    Some(config_map(&format!("cm-{i}"), "v")),
                )
            })
            .collect();
        let errors = (0..2_000)
            .map(|i| ObjectError {
                id: id("", "ConfigMap", Some("shop"), &format!("bad-{i}")),
                api_version: "v1".into(),
                origin: None,
                message: "denied".into(),
                conflicts: Vec::new(),
            })
            .collect();
        let plan = Plan {
            changes,
            errors,
            ..Plan::default()
        };
        let md = render_plan(write_markdown, &plan, &Style::default());
        within_the_comment_limit(&md);
        assert!(
            md.contains("| 3000 | 0 | 0 | 0 | 2000 |\n"),
            "{}",
            &md[..300]
        );
        let shown = md.matches("<details>").count();
        assert!(shown > 0 && shown < 3_000, "{shown}");
        assert!(
            md.contains(&format!(
                "*{} more changed object(s) not shown, to fit the comment;",
                3_000 - shown
            )),
            "names how many were left out"
        );
        // Errors get up to half the room, and say how many are left out.
        let errors = md.matches("\n- `v1 ConfigMap shop/bad-").count();
        assert!(errors > 500 && errors < 2_000, "{errors}");
        assert!(md.contains(&format!(
            "- *{} more error(s) not shown, to fit the comment;",
            2_000 - errors
        )));
    }

    #[test]
    fn several_reports_share_the_limit() {
        let plan = Plan {
            changes: (0..10)
                .map(|i| big_change(&format!("big-{i}"), 2_000))
                .collect(),
            ..Plan::default()
        };
        let reports: Vec<Report> = ["a", "b", "c"]
            .iter()
            .map(|t| Report {
                revision: None,
                base: None,
                target: Some(t),
                plan: &plan,
            })
            .collect();
        let md = render(write_markdown, &reports, &Style::default());
        within_the_comment_limit(&md);
        for t in ["a", "b", "c"] {
            assert!(md.contains(&format!("### gitsync diff: `{t}`\n\n")));
        }
        assert_eq!(md.matches("*Diff cut after ").count(), 30);
    }

    #[test]
    fn code_span_pads_edge_backticks() {
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("`a"), "`` `a ``");
        assert_eq!(fence_for("no ticks"), "```");
        assert_eq!(fence_for(" ```` x"), "`````");
    }
}
