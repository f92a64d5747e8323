//! `gitsync sync`: apply the plan in order, prune what Git removed, wait
//! until healthy.

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Serialize;
use serde_json::json;

use super::target::{PlanRequest, Planned, footprint, plan_target};
use crate::cluster::apply;
use crate::cluster::applyset::{self, Parent};
use crate::desired::{DesiredSet, kind_rank};
use crate::exit::ExitStatus;
use crate::health::{Health, Status};
use crate::plan::{Action, Change};
use crate::report::Report;
use crate::settings::{OutputFormat, RenderSettings, Settings, SyncSettings};
use crate::source::CommitInfo;

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    sync: &SyncSettings,
) -> anyhow::Result<ExitStatus> {
    let loaded = super::load::load(settings, render)?;
    let runtime = super::runtime()?;
    let progress = Progress::new(settings);
    let commit = loaded.snapshot.commit.as_ref();
    let mut outcomes = Vec::new();
    let mut dry_plans = Vec::new();
    for (target, set) in &loaded.targets {
        let planned = runtime.block_on(plan_target(&PlanRequest {
            repo: &settings.source.repo,
            target,
            set,
            name: sync.diff.name.as_deref(),
            prune: target.prune && sync.prune,
            concurrency: sync.diff.concurrency,
            force_replace: sync.force_replace,
        }))?;
        let label = target.name.as_deref();
        if !planned.plan.errors.is_empty() || sync.dry_run {
            dry_plans.push((label, planned));
            continue;
        }
        refuse_empty(set, &planned, sync)?;
        let outcome = runtime.block_on(execute(
            planned,
            sync,
            &|m: &str| progress.line(m),
            Record {
                commit,
                repository: crate::source::identity(&settings.source.repo),
                path: crate::render::display_rel(&target.path),
            },
        ))?;
        outcomes.push((label, outcome));
    }
    drop(progress); // clear a live progress line before results and errors

    if !dry_plans.is_empty() {
        // Plan errors (nothing was applied for those targets) or --dry-run:
        // print the plan exactly as diff does.
        let reports: Vec<Report> = dry_plans
            .iter()
            .map(|(label, p)| Report {
                revision: commit,
                target: *label,
                plan: &p.plan,
            })
            .collect();
        super::write_plans(settings, sync.diff.unified, &reports)?;
        let failed: usize = dry_plans.iter().map(|(_, p)| p.plan.errors.len()).sum();
        if failed > 0 {
            bail!(
                "{failed} object{} could not be planned (listed above); nothing was applied",
                if failed == 1 { "" } else { "s" }
            );
        }
        if outcomes.is_empty() {
            return Ok(if dry_plans.iter().any(|(_, p)| p.plan.has_changes()) {
                ExitStatus::Changes
            } else {
                ExitStatus::Success
            });
        }
    }

    let mut out = io::BufWriter::new(io::stdout().lock());
    match settings.output {
        OutputFormat::Json => {
            let docs: Vec<serde_json::Value> = outcomes
                .iter()
                .map(|(label, o)| o.to_json(commit, *label))
                .collect();
            if docs.len() == 1 {
                serde_json::to_writer_pretty(&mut out, &docs[0])?;
            } else {
                serde_json::to_writer_pretty(&mut out, &docs)?;
            }
            writeln!(out)?;
        }
        OutputFormat::Text | OutputFormat::Markdown => {
            for (label, o) in &outcomes {
                if outcomes.len() > 1 {
                    writeln!(out, "# target {}", label.unwrap_or("-"))?;
                }
                o.write_table(&mut out, settings.output == OutputFormat::Markdown)?;
            }
        }
    }
    out.flush()?;

    if let Some(msg) = outcomes.iter().find_map(|(_, o)| o.error.clone()) {
        bail!("{msg}");
    }
    let unhealthy: Vec<String> = outcomes
        .iter()
        .flat_map(|(_, o)| o.rows.iter())
        .filter(|r| {
            r.health
                .as_ref()
                .is_some_and(|h| h.status != Status::Current)
        })
        .map(|r| {
            let h = r.health.as_ref().expect("filtered");
            format!("{} is {:?}: {}", r.object, h.status, h.message)
        })
        .collect();
    if !unhealthy.is_empty() {
        let mut err = io::stderr().lock();
        writeln!(
            err,
            "error: applied, but not healthy within {}:",
            humanize(sync.timeout)
        )?;
        for u in &unhealthy {
            writeln!(err, "  {u}")?;
        }
        return Ok(ExitStatus::Unhealthy);
    }
    Ok(ExitStatus::Success)
}

/// An empty desired set would prune every member: almost always a wrong
/// path or a broken render, so it needs saying so explicitly.
pub(super) fn refuse_empty(
    set: &DesiredSet,
    planned: &Planned,
    sync: &SyncSettings,
) -> anyhow::Result<()> {
    let deletes = planned
        .plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .count();
    if set.objects.is_empty() && deletes > 0 && !sync.allow_empty {
        bail!(
            "the desired set is empty but ApplySet {} has {deletes} member{}: refusing to delete them all (pass --allow-empty if that is really what Git says)",
            planned.applyset.name,
            if deletes == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// What the parent records about the last sync.
pub(super) struct Record<'a> {
    pub commit: Option<&'a CommitInfo>,
    pub repository: String,
    pub path: String,
}

impl Record<'_> {
    fn data(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        if let Some(c) = self.commit {
            m.insert("revision".into(), json!(c.sha));
            m.insert(
                "author".into(),
                json!(format!("{} <{}>", c.author, c.author_email)),
            );
            m.insert("commitTime".into(), json!(c.time));
            m.insert("subject".into(), json!(c.subject));
        }
        m.insert("repository".into(), json!(self.repository));
        m.insert("path".into(), json!(self.path));
        m.insert(
            "syncedAt".into(),
            json!(
                k8s_openapi::jiff::Timestamp::now()
                    .round(k8s_openapi::jiff::Unit::Second)
                    .map(|t| t.to_string())
                    .unwrap_or_default()
            ),
        );
        m.insert("gitsyncVersion".into(), json!(env!("CARGO_PKG_VERSION")));
        m
    }
}

/// One row of the final table.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Row {
    #[serde(skip)]
    object: String,
    action: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    namespace: Option<String>,
    name: String,
    /// applied, deleted, unchanged, kept, failed, skipped
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip)]
    health: Option<Health>,
}

pub(super) struct Outcome {
    applyset: crate::cluster::applyset::ApplySet,
    pub(super) rows: Vec<Row>,
    /// Set when a step failed: what was applied is in `rows`, the rest is
    /// `skipped`.
    pub(super) error: Option<String>,
}

fn action_name(c: &Change) -> &'static str {
    match c.action {
        Action::Create => "create",
        Action::Update if c.replace => "replace",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::Unchanged if c.adopt => "adopt",
        Action::Unchanged => "unchanged",
    }
}

fn needs_write(c: &Change) -> bool {
    matches!(c.action, Action::Create | Action::Update)
        || (c.action == Action::Unchanged && c.adopt)
}

pub(super) async fn execute(
    planned: Planned,
    sync: &SyncSettings,
    progress: &dyn Fn(&str),
    record: Record<'_>,
) -> anyhow::Result<Outcome> {
    let Planned {
        mut cluster,
        applyset: aset,
        parent,
        plan,
    } = planned;
    let deadline = Instant::now() + sync.timeout;
    let mut rows: Vec<Row> = plan
        .changes
        .iter()
        .map(|c| Row {
            object: crate::report::object_label(&c.api_version, &c.id),
            action: action_name(c),
            api_version: c.api_version.clone(),
            kind: c.id.kind.clone(),
            namespace: c.id.namespace.clone(),
            name: c.id.name.clone(),
            result: if needs_write(c) || c.action == Action::Delete {
                "skipped"
            } else {
                "unchanged"
            },
            message: None,
            health: None,
        })
        .collect();

    // Record the union of old and new kinds and namespaces before writing
    // members, so that an interrupted sync leaves nothing undiscoverable.
    let old = parent.clone().unwrap_or_default();
    let (new_gks, new_ns) = footprint(plan.changes.iter().map(|c| &c.id));
    let mut union = Parent {
        group_kinds: old.group_kinds.union(&new_gks).cloned().collect(),
        namespaces: old.namespaces.union(&new_ns).cloned().collect(),
        record: old.record.clone(),
    };
    union.namespaces.insert(aset.namespace.clone());
    if parent.as_ref() != Some(&union) {
        applyset::write_parent(&cluster, &aset, &union)
            .await
            .context("recording the ApplySet before applying")?;
    }

    // Steps: per wave, Namespaces, then CRDs, then everything else in kind
    // order; each step applied concurrently.
    let writes: Vec<usize> = (0..plan.changes.len())
        .filter(|&i| needs_write(&plan.changes[i]))
        .collect();
    let mut waves: Vec<i64> = writes.iter().map(|&i| plan.changes[i].wave).collect();
    waves.dedup();
    let total = writes.len();
    let mut done = 0;
    for (wave_index, wave) in waves.iter().enumerate() {
        let in_wave: Vec<usize> = writes
            .iter()
            .copied()
            .filter(|&i| plan.changes[i].wave == *wave)
            .collect();
        let mut steps: Vec<Vec<usize>> = Vec::new();
        let mut last_rank = None;
        for i in in_wave.iter().copied() {
            let c = &plan.changes[i];
            let rank = step_rank(c);
            if last_rank != Some(rank) {
                steps.push(Vec::new());
                last_rank = Some(rank);
            }
            steps.last_mut().expect("pushed").push(i);
        }
        for step in steps {
            let changes: Vec<&Change> = step.iter().map(|&i| &plan.changes[i]).collect();
            let results = apply::apply_all(
                &cluster,
                &changes,
                sync.force_conflicts,
                sync.diff.concurrency,
            )
            .await;
            let mut failed = Vec::new();
            for (&i, r) in step.iter().zip(results) {
                match r {
                    Ok(()) => rows[i].result = "applied",
                    Err(msg) => {
                        rows[i].result = "failed";
                        failed.push(format!("{}: {msg}", rows[i].object));
                        rows[i].message = Some(msg);
                    }
                }
            }
            done += step.len();
            progress(&format!("applied {done} of {total}"));
            if !failed.is_empty() {
                return Ok(Outcome {
                    applyset: aset,
                    rows,
                    error: Some(format!(
                        "applying failed; objects marked skipped were not applied, rerunning converges:\n{}",
                        failed.join("\n")
                    )),
                });
            }
            let crds: Vec<&Change> = changes
                .iter()
                .copied()
                .filter(|c| {
                    c.id.group == "apiextensions.k8s.io" && c.id.kind == "CustomResourceDefinition"
                })
                .collect();
            if !crds.is_empty() {
                progress(&format!(
                    "waiting for {} CRD(s) to be Established",
                    crds.len()
                ));
                apply::wait_established(&cluster, &crds, Duration::from_secs(60))
                    .await
                    .map_err(anyhow::Error::msg)?;
                apply::refresh_discovery(&mut cluster).await?;
            }
        }
        // A later wave starts once this one is healthy.
        if sync.wait && wave_index + 1 < waves.len() {
            let health = wait(&cluster, &plan.changes, &in_wave, deadline, progress).await;
            let unhealthy = in_wave
                .iter()
                .zip(&health)
                .any(|(_, h)| h.status != Status::Current);
            for (&i, h) in in_wave.iter().zip(health) {
                rows[i].health = Some(h);
            }
            if unhealthy {
                return Ok(Outcome {
                    applyset: aset,
                    rows,
                    error: None,
                });
            }
        }
    }

    // Prune, after every apply succeeded, in reverse order.
    let deletes: Vec<usize> = (0..plan.changes.len())
        .filter(|&i| plan.changes[i].action == Action::Delete)
        .collect();
    if !deletes.is_empty() {
        progress(&format!("pruning {} object(s)", deletes.len()));
    }
    for &i in &deletes {
        match apply::delete(&cluster, &plan.changes[i]).await {
            Ok(()) => rows[i].result = "deleted",
            Err(msg) => {
                rows[i].result = "failed";
                rows[i].message = Some(msg.clone());
                return Ok(Outcome {
                    error: Some(format!("pruning {} failed: {msg}", rows[i].object)),
                    applyset: aset,
                    rows,
                });
            }
        }
    }

    // The parent now records exactly what remains.
    let (gks, mut namespaces) = footprint(
        plan.changes
            .iter()
            .filter(|c| c.action != Action::Delete)
            .map(|c| &c.id),
    );
    namespaces.insert(aset.namespace.clone());
    let last = Parent {
        group_kinds: gks,
        namespaces,
        record: record.data(),
    };
    // A sync that changes nothing writes nothing, not even the parent.
    if !same_apart_from_time(parent.as_ref(), &last) {
        applyset::write_parent(&cluster, &aset, &last)
            .await
            .context("recording the sync in the ApplySet parent")?;
    }

    if sync.wait && !writes.is_empty() {
        let health = wait(&cluster, &plan.changes, &writes, deadline, progress).await;
        for (&i, h) in writes.iter().zip(health) {
            rows[i].health = Some(h);
        }
    }
    Ok(Outcome {
        applyset: aset,
        rows,
        error: None,
    })
}

fn same_apart_from_time(old: Option<&Parent>, new: &Parent) -> bool {
    let strip = |p: &Parent| {
        let mut record = p.record.clone();
        record.remove("syncedAt");
        (p.group_kinds.clone(), p.namespaces.clone(), record)
    };
    old.is_some_and(|old| strip(old) == strip(new))
}

/// Namespaces first, then CRDs, then the kind order.
fn step_rank(c: &Change) -> usize {
    kind_rank(&c.id.group, &c.id.kind)
}

async fn wait(
    cluster: &crate::cluster::Cluster,
    changes: &[Change],
    indices: &[usize],
    deadline: Instant,
    progress: &dyn Fn(&str),
) -> Vec<Health> {
    let ids: Vec<_> = indices
        .iter()
        .map(|&i| (changes[i].id.clone(), changes[i].api_version.clone()))
        .collect();
    progress(&format!(
        "waiting for {} object(s) to become healthy",
        ids.len()
    ));
    let mut last = usize::MAX;
    apply::wait_healthy(cluster, &ids, deadline, |ready, all| {
        if ready != last {
            progress(&format!("{ready} of {all} healthy"));
            last = ready;
        }
    })
    .await
}

impl Outcome {
    fn counts(&self) -> serde_json::Value {
        let count = |f: &dyn Fn(&Row) -> bool| self.rows.iter().filter(|r| f(r)).count();
        json!({
            "applied": count(&|r| r.result == "applied"),
            "deleted": count(&|r| r.result == "deleted"),
            "unchanged": count(&|r| r.result == "unchanged"),
            "failed": count(&|r| r.result == "failed"),
            "skipped": count(&|r| r.result == "skipped"),
            "unhealthy": count(&|r| r.health.as_ref().is_some_and(|h| h.status != Status::Current)),
        })
    }

    fn to_json(&self, commit: Option<&CommitInfo>, target: Option<&str>) -> serde_json::Value {
        let objects: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                if let Some(h) = &r.health {
                    v["health"] = json!({"status": h.status, "message": h.message});
                }
                v
            })
            .collect();
        json!({
            "revision": commit,
            "target": target,
            "applyset": {"name": self.applyset.name, "namespace": self.applyset.namespace, "id": self.applyset.id},
            "summary": self.counts(),
            "objects": objects,
            "error": self.error,
        })
    }

    /// The final table: every object that was not simply unchanged, then a
    /// summary line.
    fn write_table(&self, out: &mut dyn Write, markdown: bool) -> io::Result<()> {
        let shown: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.result != "unchanged" || r.health.is_some())
            .collect();
        let health_text = |r: &Row| match &r.health {
            None => "-".to_string(),
            Some(h) if h.status == Status::Current => "healthy".to_string(),
            Some(h) => format!("{:?}: {}", h.status, h.message),
        };
        if markdown {
            writeln!(out, "| object | action | result | health |")?;
            writeln!(out, "|---|---|---|---|")?;
            for r in &shown {
                writeln!(
                    out,
                    "| `{}` | {} | {} | {} |",
                    r.object,
                    r.action,
                    r.result,
                    health_text(r)
                )?;
            }
        } else if !shown.is_empty() {
            let width = shown
                .iter()
                .map(|r| r.object.len())
                .max()
                .unwrap_or(6)
                .max(6);
            writeln!(
                out,
                "{:width$}  {:9}  {:9}  HEALTH",
                "OBJECT", "ACTION", "RESULT"
            )?;
            for r in &shown {
                writeln!(
                    out,
                    "{:width$}  {:9}  {:9}  {}",
                    r.object,
                    r.action,
                    r.result,
                    health_text(r)
                )?;
                if let Some(m) = &r.message {
                    writeln!(out, "    {m}")?;
                }
            }
        }
        let c = self.counts();
        writeln!(
            out,
            "{} applied, {} deleted, {} unchanged, {} failed, {} skipped, {} unhealthy (ApplySet {}/{})",
            c["applied"],
            c["deleted"],
            c["unchanged"],
            c["failed"],
            c["skipped"],
            c["unhealthy"],
            self.applyset.namespace,
            self.applyset.name
        )
    }
}

/// Progress on stderr: a live indicatif line on a terminal, plain log
/// lines otherwise (CI logs want lines, not redraws); nothing with -q or
/// --no-progress.
struct Progress {
    enabled: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(settings: &Settings) -> Progress {
        let enabled = !settings.quiet && settings.progress;
        let bar = (enabled && io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { enabled, bar }
    }

    fn line(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(msg.to_string()),
            None if self.enabled => {
                let _ = writeln!(io::stderr().lock(), "gitsync: {msg}");
            }
            None => {}
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}
