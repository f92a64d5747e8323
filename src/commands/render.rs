//! `gitsync render`: the desired objects on stdout, in apply order.

use std::borrow::Cow;
use std::io::{self, Write};

use serde_json::Value;

use crate::config::Target;
use crate::desired::{DesiredObject, DesiredSet};
use crate::exit::{ExitStatus, StdoutClosed};
use crate::load::Sources;
use crate::report::Masker;
use crate::settings::{OutputFormat, RenderSettings, Settings};

pub fn run(
    settings: &Settings,
    render: &RenderSettings,
    reveal_secrets: bool,
) -> anyhow::Result<ExitStatus> {
    let (sources, targets) = crate::load::load_pinned(settings, render, None)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let masker = (!reveal_secrets).then(Masker::new);
    match write(
        &sources,
        &targets,
        settings.output,
        masker.as_ref(),
        &mut out,
    ) {
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

/// An object as printed: SOPS-decrypted values masked unless revealed
/// (no masker).
fn shown<'a>(masker: Option<&Masker>, obj: &'a DesiredObject) -> Cow<'a, Value> {
    match masker {
        Some(m) if !obj.origin.encrypted.is_empty() => {
            Cow::Owned(m.mask_decrypted(&obj.id, obj.origin.encrypted.fields(), &obj.object))
        }
        _ => Cow::Borrowed(&obj.object),
    }
}

fn write(
    sources: &Sources,
    targets: &[(Target, DesiredSet)],
    output: OutputFormat,
    masker: Option<&Masker>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match output {
        OutputFormat::Json => {
            let objects: Vec<Cow<'_, Value>> = targets
                .iter()
                .flat_map(|(_, set)| {
                    let hooks = set.hooks.iter().map(|h| &h.object);
                    set.objects.iter().chain(hooks).map(|o| shown(masker, o))
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
                    out.write_all(crate::render::yaml::to_yaml(&shown(masker, obj))?.as_bytes())?;
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
                    out.write_all(
                        crate::render::yaml::to_yaml(&shown(masker, &hook.object))?.as_bytes(),
                    )?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}
