//! Image updates: gitsync.yaml's `images:` policies, the registries they
//! ask (`registry.rs`), and the markers in the repository's YAML files
//! (`marker.rs`) that say which scalar follows which policy. `plan` finds
//! every marker, asks each policy's registry once, and returns the edits
//! that bring Git to the newest allowed images; `image update` commits
//! them as one commit (`promote::Local`), `image list` shows them.

pub mod marker;
pub mod policy;
pub mod registry;

use std::collections::BTreeMap;
use std::path::Path;

use marker::{Field, Marker};
use policy::{Choice, Policy};
use registry::{Client, RegistryError, Repository};

/// The largest file searched for markers.
const MOST_BYTES: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{file} (line {line}): {message}")]
    Marker {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Policy(String),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// One marked scalar to change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Update {
    pub file: String,
    pub line: usize,
    pub policy: String,
    pub old: String,
    pub new: String,
}

/// What a policy chose, and what Git holds for it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    pub policy: String,
    pub image: String,
    /// The marked values, as Git has them.
    pub current: Vec<String>,
    pub latest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// (tag, why), at most a few.
    pub passed_over: Vec<(String, String)>,
    pub passed_over_count: usize,
}

/// The edits that bring every marker to its policy's choice.
#[derive(Debug, Default)]
pub struct Plan {
    pub updates: Vec<Update>,
    /// (file, new text) for every file with an update.
    pub files: Vec<(String, String)>,
    /// (file, text before) for the same files.
    pub originals: Vec<(String, String)>,
    pub statuses: Vec<Status>,
}

/// Every `.yaml`/`.yml` file under `root` (hidden directories and links
/// skipped), relative and `/`-separated, with its text.
fn yaml_files(root: &Path) -> Result<Vec<(String, String)>, ImageError> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let io = |source| ImageError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().to_string();
            let Ok(kind) = e.file_type() else { continue };
            if name.starts_with('.') || kind.is_symlink() {
                continue;
            }
            if kind.is_dir() {
                dirs.push(e.path());
            } else if (name.ends_with(".yaml") || name.ends_with(".yml"))
                && e.metadata().is_ok_and(|m| m.len() <= MOST_BYTES)
            {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(&e.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                let Ok(text) = std::fs::read_to_string(e.path()) else {
                    continue; // not UTF-8: no markers of ours
                };
                out.push((rel, text));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Finds the markers under `root`, asks the registries and returns the
/// edits (none when Git holds the newest allowed images already).
pub async fn plan(root: &Path, policies: &[Policy], client: &Client) -> Result<Plan, ImageError> {
    plan_files(yaml_files(root)?, policies, client).await
}

/// [`plan`] over `files` (path relative to the root, text): the work tree,
/// or a branch's tip read from Git.
pub async fn plan_files(
    files: Vec<(String, String)>,
    policies: &[Policy],
    client: &Client,
) -> Result<Plan, ImageError> {
    let mut found: Vec<(usize, Marker, usize)> = Vec::new(); // (file, marker, policy)
    for (i, (file, text)) in files.iter().enumerate() {
        if file == crate::config::CONFIG_FILE {
            continue;
        }
        let markers = marker::find(text).map_err(|(line, message)| ImageError::Marker {
            file: file.clone(),
            line,
            message,
        })?;
        for m in markers {
            let p = policies
                .iter()
                .position(|p| {
                    p.config.name == m.policy
                        && match (&p.config.namespace, &m.namespace) {
                            (Some(a), Some(b)) => a == b,
                            _ => true,
                        }
                })
                .ok_or_else(|| ImageError::Marker {
                    file: file.clone(),
                    line: m.line,
                    message: format!("no image policy {:?} in gitsync.yaml `images:`", m.policy),
                })?;
            let paths = &policies[p].config.paths;
            if !paths.is_empty()
                && !paths
                    .iter()
                    .any(|pre| file.starts_with(pre.trim_start_matches("./")))
            {
                return Err(ImageError::Marker {
                    file: file.clone(),
                    line: m.line,
                    message: format!(
                        "image policy {:?} may only edit {}",
                        m.policy,
                        paths.join(", ")
                    ),
                });
            }
            found.push((i, m, p));
        }
    }
    // One registry look per policy that is used (or every one, for list).
    let mut chosen: BTreeMap<usize, (Choice, Option<String>)> = BTreeMap::new();
    for (p, policy) in policies.iter().enumerate() {
        let repo = Repository::parse(&policy.config.image);
        let tags = client.tags(&repo).await?;
        let choice = policy.choose(&tags).map_err(ImageError::Policy)?;
        let wants_digest = policy.digest_of().is_some()
            || found
                .iter()
                .any(|(_, m, q)| *q == p && m.field == Field::Digest);
        let digest = match wants_digest {
            true => Some(client.digest(&repo, &choice.tag).await?),
            false => None,
        };
        chosen.insert(p, (choice, digest));
    }
    let mut plan = Plan::default();
    let mut edits: BTreeMap<usize, Vec<(&Marker, String)>> = BTreeMap::new();
    for (f, m, p) in &found {
        let policy = &policies[*p];
        let (choice, digest) = &chosen[p];
        let image = &policy.config.image;
        let new = match (m.field, digest, policy.digest_of()) {
            (Field::Image, Some(d), Some(_)) => format!("{image}@{d}"),
            (Field::Image, _, _) => format!("{image}:{}", choice.tag),
            (Field::Tag, _, _) => choice.tag.clone(),
            (Field::Name, _, _) => image.clone(),
            (Field::Digest, d, _) => d.clone().unwrap_or_default(),
        };
        if new != m.value {
            plan.updates.push(Update {
                file: files[*f].0.clone(),
                line: m.line,
                policy: m.policy.clone(),
                old: m.value.clone(),
                new: new.clone(),
            });
            edits.entry(*f).or_default().push((m, new));
        }
    }
    for (f, e) in edits {
        plan.files
            .push((files[f].0.clone(), marker::apply(&files[f].1, &e)));
        plan.originals.push(files[f].clone());
    }
    for (p, (choice, digest)) in chosen {
        let policy = &policies[p];
        let current = found
            .iter()
            .filter(|(_, _, q)| *q == p)
            .map(|(_, m, _)| m.value.clone())
            .collect();
        plan.statuses.push(Status {
            policy: policy.config.name.clone(),
            image: policy.config.image.clone(),
            current,
            latest: choice.tag.clone(),
            digest,
            passed_over_count: choice.passed_over.len(),
            passed_over: choice.passed_over.into_iter().take(5).collect(),
        });
    }
    Ok(plan)
}

/// The commit message of an update: one line per change.
pub fn message(updates: &[Update]) -> String {
    let mut m = format!(
        "Update image{} ({} change{})\n\n",
        if updates.len() == 1 { "" } else { "s" },
        updates.len(),
        if updates.len() == 1 { "" } else { "s" }
    );
    for u in updates {
        m.push_str(&format!(
            "- {}: {} → {} ({}:{})\n",
            u.policy, u.old, u.new, u.file, u.line
        ));
    }
    m
}

/// The registry hosts policies mark `insecure: true`.
pub fn insecure_hosts(policies: &[policy::Policy]) -> Vec<String> {
    policies
        .iter()
        .filter(|p| p.config.insecure)
        .map(|p| {
            registry::Repository::parse(&p.config.image)
                .host()
                .to_string()
        })
        .collect()
}
