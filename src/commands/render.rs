//! `gitsync render`: the desired objects on stdout, in apply order.

use std::io::{self, Write};

use crate::config::Target;
use crate::desired::DesiredSet;
use crate::exit::{ExitStatus, StdoutClosed};
use crate::load::Sources;
use crate::settings::{OutputFormat, RenderSettings, Settings};

pub fn run(settings: &Settings, render: &RenderSettings) -> anyhow::Result<ExitStatus> {
    let (sources, targets) = crate::load::load_pinned(settings, render)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    match write(&sources, &targets, settings.output, &mut out) {
        // Only writes fail with an io::Error here; YAML conversion does not.
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            Err(StdoutClosed.into())
        }
        Err(e) => Err(e),
        Ok(()) => Ok(ExitStatus::Success),
    }
}

fn write(
    sources: &Sources,
    targets: &[(Target, DesiredSet)],
    output: OutputFormat,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => {
            let objects: Vec<&serde_json::Value> = targets
                .iter()
                .flat_map(|(_, set)| {
                    let hooks = set.hooks.iter().map(|h| &h.object.object);
                    set.objects.iter().map(|o| &o.object).chain(hooks)
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &objects).map_err(io::Error::from)?;
            writeln!(out)?;
        }
        OutputFormat::Text | OutputFormat::Markdown => {
            let snap = &sources.main;
            if let Some(commit) = &snap.commit {
                let what = if snap.work_tree { "work tree at " } else { "" };
                writeln!(
                    out,
                    "# Rendered from {} ({what}{})",
                    snap.origin, commit.sha
                )?;
            }
            let several = targets.len() > 1;
            for (target, set) in targets {
                // A pinned target says which commit it was rendered from.
                if let (Some(rev), Some(commit)) = (&target.revision, &sources.of(target).commit) {
                    let name = target.name.as_deref().unwrap_or_default();
                    writeln!(out, "# Target {name} is pinned to {rev} ({})", commit.sha)?;
                }
                for obj in &set.objects {
                    writeln!(out, "---")?;
                    if several && let Some(name) = &target.name {
                        writeln!(out, "# Target: {name}")?;
                    }
                    writeln!(out, "# Source: {}", obj.origin)?;
                    out.write_all(crate::render::yaml::to_yaml(&obj.object)?.as_bytes())?;
                }
                // Hooks after the objects, in the order sync runs them.
                for hook in &set.hooks {
                    writeln!(out, "---")?;
                    if several && let Some(name) = &target.name {
                        writeln!(out, "# Target: {name}")?;
                    }
                    writeln!(out, "# Source: {}", hook.object.origin)?;
                    writeln!(
                        out,
                        "# Hook: {} (wave {})",
                        hook.phase.as_str(),
                        hook.object.wave
                    )?;
                    out.write_all(crate::render::yaml::to_yaml(&hook.object.object)?.as_bytes())?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}
