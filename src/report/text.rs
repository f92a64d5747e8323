//! Human output: per changed object a header and its diff hunks, then the
//! objects that could not be planned, then one summary line.

use std::io::{self, Write};

use owo_colors::OwoColorize;

use super::{Masker, Report, Style, diff, object_label, short_sha, summary_line};

/// Diff bodies are indented under their header so that a header's sign
/// cannot be mistaken for a diff line's.
const INDENT: &str = "    ";

pub fn write_text(
    out: &mut dyn Write,
    reports: &[Report],
    style: &Style,
    masker: &Masker,
) -> io::Result<()> {
    write_titled(out, reports, reports.len() > 1, style, masker)
}

/// [`write_text`], with a title over each report when `several` targets
/// were selected.
pub(super) fn write_titled(
    out: &mut dyn Write,
    reports: &[Report],
    several: bool,
    style: &Style,
    masker: &Masker,
) -> io::Result<()> {
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        // With one target the reader knows which one it is.
        if several {
            let title = target_title(report);
            if style.color {
                writeln!(out, "{}", title.bold())?;
            } else {
                writeln!(out, "{title}")?;
            }
        }
        write_report(out, report, style, masker)?;
    }
    Ok(())
}

fn target_title(report: &Report) -> String {
    let mut title = format!("# target {}", report.target.unwrap_or("-"));
    match (report.base, report.revision) {
        (Some(base), Some(commit)) => {
            title.push_str(&format!(" ({} → {})", short_sha(base), short_sha(commit)));
        }
        (Some(base), None) => title.push_str(&format!(" ({} → work tree)", short_sha(base))),
        (None, Some(commit)) => title.push_str(&format!(" ({})", short_sha(commit))),
        (None, None) => {}
    }
    title
}

fn write_report(
    out: &mut dyn Write,
    report: &Report,
    style: &Style,
    masker: &Masker,
) -> io::Result<()> {
    let plan = report.plan;
    for change in plan.changed() {
        let header = super::header(change);
        if style.color {
            writeln!(out, "{}", header.bold())?;
        } else {
            writeln!(out, "{header}")?;
        }
        for note in super::notes(change) {
            writeln!(out, "{INDENT}# {note}")?;
        }
        for line in diff::hunks(change, masker, style.unified).lines() {
            write_diff_line(out, line, style.color)?;
        }
        writeln!(out)?;
    }
    for error in plan.problems() {
        let line = format!("! {}: ", object_label(&error.api_version, &error.id));
        let mut message = error.message.lines();
        let first = format!("{line}{}", message.next().unwrap_or(""));
        let first = first.trim_end();
        if style.color {
            writeln!(out, "{}", first.red())?;
        } else {
            writeln!(out, "{first}")?;
        }
        for rest in message {
            writeln!(out, "{INDENT}{rest}")?;
        }
        if let Some(origin) = &error.origin {
            writeln!(out, "{INDENT}from {origin}")?;
        }
    }
    for kept in &plan.kept {
        if let crate::plan::KeepReason::NotOurs(why) = &kept.reason {
            let label = object_label(&kept.api_version, &kept.id);
            writeln!(out, "= {label}: labelled but not ours, left alone: {why}")?;
        }
    }
    if plan.problem_count() > 0 {
        writeln!(out)?;
    }
    if !plan.hooks.is_empty() {
        writeln!(out, "{}", super::hooks_heading(plan))?;
        for line in super::hook_lines(plan) {
            writeln!(out, "{INDENT}{line}")?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "{}{}",
        summary_line(&plan.summary(), plan.problem_count()),
        super::hooks_summary(plan)
    )
}

fn write_diff_line(out: &mut dyn Write, line: &str, color: bool) -> io::Result<()> {
    if !color {
        return writeln!(out, "{INDENT}{line}");
    }
    match line.as_bytes().first() {
        Some(b'+') => writeln!(out, "{INDENT}{}", line.green()),
        Some(b'-') => writeln!(out, "{INDENT}{}", line.red()),
        Some(b'@') => writeln!(out, "{INDENT}{}", line.cyan()),
        _ => writeln!(out, "{INDENT}{line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, Plan};
    use crate::report::tests::{
        change, commit, config_map, deployment, mixed_plan, render, render_plan,
    };

    const PLAIN: Style = Style {
        color: false,
        unified: 3,
    };

    #[test]
    fn text_lists_changes_errors_and_summary() {
        let plan = mixed_plan();
        let text = render_plan(write_text, &plan, &PLAIN);
        assert_eq!(
            text,
            "\
+ v1 ConfigMap shop/new
    @@ -0,0 +1,7 @@
    +apiVersion: v1
    +kind: ConfigMap
    +metadata:
    +  name: new
    +  namespace: shop
    +data:
    +  key: a

~ apps/v1 Deployment shop/web
    @@ -4,7 +4,7 @@
       name: web
       namespace: shop
     spec:
    -  replicas: 2
    +  replicas: 3
       selector:
         matchLabels:
           app: web

- v1 ConfigMap shop/old
    @@ -1,7 +0,0 @@
    -apiVersion: v1
    -kind: ConfigMap
    -metadata:
    -  name: old
    -  namespace: shop
    -data:
    -  key: o

! apps/v1 Deployment shop/api: admission webhook \"x\" denied the request
    from app/api.yaml: document 1 (line 1)

1 to create, 1 to update, 1 to delete, 1 unchanged, 1 failed
"
        );
    }

    #[test]
    fn text_without_changes_is_the_summary_line_alone() {
        let same = config_map("same", "s");
        let plan = Plan {
            changes: vec![change(Action::Unchanged, Some(same.clone()), Some(same))],
            errors: vec![],
            ..Default::default()
        };
        let text = render_plan(write_text, &plan, &PLAIN);
        assert_eq!(text, "0 to create, 0 to update, 0 to delete, 1 unchanged\n");
    }

    #[test]
    fn text_cluster_scoped_header_and_context() {
        let ns = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"a": "1"}}});
        let mut ns2 = ns.clone();
        ns2["metadata"]["labels"]["a"] = "2".into();
        let plan = Plan {
            changes: vec![change(Action::Update, Some(ns), Some(ns2))],
            errors: vec![],
            ..Default::default()
        };
        let style = Style {
            color: false,
            unified: 0,
        };
        let text = render_plan(write_text, &plan, &style);
        assert_eq!(
            text,
            "~ v1 Namespace shop\n    @@ -6 +6 @@\n    -    a: \"1\"\n    +    a: \"2\"\n\n\
             0 to create, 1 to update, 0 to delete, 0 unchanged\n"
        );
    }

    #[test]
    fn text_several_targets_are_titled() {
        let c = commit();
        let empty = Plan::default();
        let changed = Plan {
            changes: vec![change(
                Action::Update,
                Some(deployment(2)),
                Some(deployment(3)),
            )],
            errors: vec![],
            ..Default::default()
        };
        let style = Style {
            color: false,
            unified: 0,
        };
        let text = render(
            write_text,
            &[
                Report {
                    revision: Some(&c),
                    base: None,
                    target: Some("staging"),
                    plan: &empty,
                },
                Report {
                    revision: Some(&c),
                    base: None,
                    target: Some("prod"),
                    plan: &changed,
                },
            ],
            &style,
        );
        assert_eq!(
            text,
            "\
# target staging (1a2b3c4)
0 to create, 0 to update, 0 to delete, 0 unchanged

# target prod (1a2b3c4)
~ apps/v1 Deployment shop/web
    @@ -7 +7 @@
    -  replicas: 2
    +  replicas: 3

0 to create, 1 to update, 0 to delete, 0 unchanged
"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let plan = mixed_plan();
        let reports = [Report {
            revision: None,
            base: None,
            target: None,
            plan: &plan,
        }];
        let plain = render(write_text, &reports, &PLAIN);
        assert!(!plain.contains('\x1b'));

        let coloured = render(
            write_text,
            &reports,
            &Style {
                color: true,
                unified: 3,
            },
        );
        assert!(coloured.contains(&format!("{}", "~ apps/v1 Deployment shop/web".bold())));
        assert!(coloured.contains(&format!("{}", "+  replicas: 3".green())));
        assert!(coloured.contains(&format!("{}", "-  replicas: 2".red())));
        assert!(coloured.contains(&format!("{}", "@@ -4,7 +4,7 @@".cyan())));
        assert!(coloured.contains("\x1b[31m! apps/v1 Deployment shop/api"));
        // Context lines and the summary stay plain.
        assert!(coloured.contains("\n     spec:\n"));
        assert!(
            coloured.ends_with("\n1 to create, 1 to update, 1 to delete, 1 unchanged, 1 failed\n")
        );
    }
}
