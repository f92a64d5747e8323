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

/// `render --explain-vars`: per target, each variable's value, where it
/// was set, and the documents that use it.
pub fn explain_vars(settings: &Settings, render: &RenderSettings) -> anyhow::Result<ExitStatus> {
    let (snapshot, targets) = crate::load::resolve(settings, render)?;
    let sources = Sources::load(settings, snapshot, &targets)?;
    let mut reports = Vec::new();
    for target in &targets {
        let caps = render.capabilities(None);
        let req = crate::load::request(&sources.of(target).root, target, render, caps);
        let (_, uses) = crate::load::render_substituted(&req, target)?;
        let vars: Vec<Value> = target
            .vars
            .0
            .iter()
            .map(|(name, var)| {
                let used: Vec<String> = uses
                    .iter()
                    .filter(|u| &u.name == name)
                    .map(|u| u.origin.to_string())
                    .collect();
                serde_json::json!({"name": name, "value": var.value, "from": var.from, "usedIn": used})
            })
            .collect();
        reports.push(serde_json::json!({"target": target.name, "vars": vars}));
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = match settings.output {
        OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &reports)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out)),
        OutputFormat::Text | OutputFormat::Markdown => write_vars(&mut out, &reports),
    };
    crate::exit::stdout(written.and_then(|()| out.flush()))?;
    Ok(ExitStatus::Success)
}

fn write_vars(out: &mut impl Write, reports: &[Value]) -> io::Result<()> {
    for report in reports {
        writeln!(out, "# target {}", report["target"].as_str().unwrap_or("-"))?;
        let vars = report["vars"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if vars.is_empty() {
            writeln!(out, "  (no variables: nothing is substituted)")?;
        }
        for var in vars {
            writeln!(
                out,
                "  {} = {}    from {}",
                var["name"].as_str().unwrap_or_default(),
                var["value"],
                var["from"].as_str().unwrap_or_default()
            )?;
            match var["usedIn"].as_array().map(Vec::as_slice) {
                Some([]) | None => writeln!(out, "    not used")?,
                Some(used) => {
                    for u in used {
                        writeln!(out, "    used in {}", u.as_str().unwrap_or_default())?;
                    }
                }
            }
        }
    }
    Ok(())
}
