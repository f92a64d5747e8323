//! External renderers: kustomize (or `kubectl kustomize`) and helm.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Document, RenderError, RenderRequest, yaml};

pub const KUSTOMIZE: &str = "kustomize";
pub const KUBECTL: &str = "kubectl";
pub const HELM: &str = "helm";

const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Kustomize,
    Helm,
}

/// Which renderer a directory needs, if any.
pub(super) fn kind_of(dir: &Path) -> Option<Kind> {
    if KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file()) {
        Some(Kind::Kustomize)
    } else if dir.join("Chart.yaml").is_file() {
        Some(Kind::Helm)
    } else {
        None
    }
}

pub(super) fn render(
    kind: Kind,
    req: &RenderRequest,
    root: &Path,
    dir: &Path,
    shown: &str,
) -> Result<Vec<Document>, RenderError> {
    let (program, args) = match kind {
        Kind::Kustomize => kustomize_command(dir, shown)?,
        Kind::Helm => helm_command(req, root, dir, shown)?,
    };
    let command_line = format!(
        "{} {}",
        program.file_name().unwrap_or_default().to_string_lossy(),
        args.iter()
            .map(|a| a.strip_prefix(&format!("{}/", root.display())).unwrap_or(a))
            .collect::<Vec<_>>()
            .join(" ")
    );
    tracing::debug!(dir = shown, command = %command_line, "rendering");
    let output = Command::new(&program)
        .args(&args)
        .current_dir(root)
        .output()
        .map_err(|source| RenderError::Spawn {
            dir: shown.to_string(),
            command: command_line.clone(),
            source,
        })?;
    if !output.status.success() {
        return Err(RenderError::RendererFailed {
            dir: shown.to_string(),
            command: command_line,
            status: output
                .status
                .code()
                .map_or_else(|| "killed".to_string(), |c| c.to_string()),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let label = match kind {
        Kind::Kustomize => format!("{shown} (kustomize build)"),
        Kind::Helm => format!("{shown} (helm template)"),
    };
    yaml::parse_documents(&label, &text).map_err(|p| super::Problems(vec![p]).into())
}

fn kustomize_command(dir: &Path, shown: &str) -> Result<(PathBuf, Vec<String>), RenderError> {
    let dir = dir.display().to_string();
    if let Some(p) = find_program(KUSTOMIZE) {
        Ok((p, vec!["build".into(), dir]))
    } else if let Some(p) = find_program(KUBECTL) {
        Ok((p, vec!["kustomize".into(), dir]))
    } else {
        Err(RenderError::MissingRenderer {
            dir: shown.to_string(),
            what: "kustomize",
            program: KUSTOMIZE,
            hint: "install kustomize (or kubectl, which has `kubectl kustomize`)",
        })
    }
}

fn helm_command(
    req: &RenderRequest,
    root: &Path,
    dir: &Path,
    shown: &str,
) -> Result<(PathBuf, Vec<String>), RenderError> {
    let program = find_program(HELM).ok_or_else(|| RenderError::MissingRenderer {
        dir: shown.to_string(),
        what: "helm chart",
        program: HELM,
        hint: "install helm 3",
    })?;
    let release = req.release_name.clone().unwrap_or_else(|| {
        dir.file_name().map_or_else(
            || "release".to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    });
    // CRDs are part of what Git says should run; Argo CD includes them too.
    let mut args = vec![
        "template".to_string(),
        release,
        dir.display().to_string(),
        "--include-crds".to_string(),
    ];
    if let Some(ns) = &req.namespace {
        args.extend(["--namespace".to_string(), ns.clone()]);
    }
    if let Some(caps) = &req.capabilities {
        if let Some(version) = &caps.kube_version {
            args.extend(["--kube-version".to_string(), version.clone()]);
        }
        if !caps.api_versions.is_empty() {
            args.extend(["--api-versions".to_string(), caps.api_versions.join(",")]);
        }
    }
    for values in &req.values {
        let path = root.join(values);
        if !path.is_file() {
            return Err(super::Problems(vec![super::Problem {
                origin: super::Origin::file(super::display_rel(values)),
                message: format!("helm values file for {shown} not found in the repository"),
            }])
            .into());
        }
        args.extend(["--values".to_string(), path.display().to_string()]);
    }
    Ok((program, args))
}

/// The first executable called `name` on PATH.
fn find_program(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}
