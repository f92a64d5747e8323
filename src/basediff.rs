//! `diff --base`: two revisions of Git compared with each other, with no
//! cluster at all (a fork's pull request gets no credentials). The result
//! is a [`Plan`] like a live diff's, the base's rendering standing where
//! the live object would, so that the same printers and the same masking
//! show it.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::Context;

use crate::config::{ConfigFile, Target, resolve_targets};
use crate::desired::{DesiredObject, DesiredSet};
use crate::id::ObjectId;
use crate::load::Sources;
use crate::plan::{Action, Change, Plan};
use crate::render::Encrypted;
use crate::settings::{RenderSettings, Settings, TargetSelection};
use crate::source::{self, CommitInfo};

/// One target at both revisions: `None` where the revision does not
/// declare it (added or removed by the change).
pub struct Pair {
    pub name: Option<String>,
    pub base: Option<DesiredSet>,
    pub head: Option<DesiredSet>,
    pub base_commit: Option<CommitInfo>,
    pub head_commit: Option<CommitInfo>,
}

/// Renders every selected target at the revision read (`--revision`, or
/// the work tree) and at `base`, offline. With `--all-targets`, targets
/// only the base declares are compared too (everything in them goes).
pub fn load(settings: &Settings, render: &RenderSettings, base: &str) -> anyhow::Result<Vec<Pair>> {
    let (snapshot, head_targets) = crate::load::resolve(settings, render)?;
    let head_sources = Sources::load(settings, snapshot, &head_targets)?;

    let mut base_settings = settings.clone();
    base_settings.source.revision = Some(base.to_string());
    let base_snapshot = source::load(&base_settings.source, &source::default_cache_dir())
        .with_context(|| {
            format!(
                "loading the base revision {base} of repository {}",
                source::redact_url(&settings.source.repo)
            )
        })?;
    let config =
        ConfigFile::load(&base_snapshot.root).context("reading the base's gitsync.yaml")?;
    // Every target the base declares: a selected one may be new.
    let selection = match config.as_ref() {
        Some(c) if c.targets.len() > 1 && settings.source.path.is_none() => TargetSelection::All,
        _ => TargetSelection::Default,
    };
    let mut base_targets = resolve_targets(
        config.as_ref(),
        &selection,
        &base_settings.source,
        &settings.cluster,
        render,
    )
    .context("reading the base's gitsync.yaml")?;
    let keep_removed = matches!(settings.targets, TargetSelection::All);
    base_targets.retain(|b| {
        head_targets.iter().any(|h| h.name == b.name) || (keep_removed && b.name.is_some())
    });
    let base_sources = Sources::load(&base_settings, base_snapshot, &base_targets)?;

    let render_one = |sources: &Sources, target: &Target| {
        let snapshot = sources.of(target);
        crate::load::render_target(snapshot, target, render, render.capabilities(None))
            .map(|set| (set, snapshot.commit.clone()))
    };
    let mut pairs = Vec::new();
    for head in &head_targets {
        let (head_set, head_commit) = render_one(&head_sources, head)?;
        let base = match base_targets.iter().find(|b| b.name == head.name) {
            Some(b) => Some(render_one(&base_sources, b).context("rendering the base")?),
            None => None,
        };
        let (base, base_commit) = match base {
            Some((set, commit)) => (Some(set), commit),
            None => (None, base_sources.main.commit.clone()),
        };
        pairs.push(Pair {
            name: head.name.clone(),
            base,
            head: Some(head_set),
            base_commit,
            head_commit,
        });
    }
    for removed in base_targets
        .iter()
        .filter(|b| !head_targets.iter().any(|h| h.name == b.name))
    {
        let (set, base_commit) =
            render_one(&base_sources, removed).context("rendering the base")?;
        pairs.push(Pair {
            name: removed.name.clone(),
            base: Some(set),
            head: None,
            base_commit,
            head_commit: head_sources.main.commit.clone(),
        });
    }
    Ok(pairs)
}

/// What moving from `base` to `head` changes, in the head's apply order,
/// then what the base had and the head no longer does. Hooks are compared
/// as objects (once each, whatever their phases): they never count as a
/// live difference, but a change to one is part of a pull request.
pub fn compare(base: Option<&DesiredSet>, head: Option<&DesiredSet>) -> Plan {
    let base: Vec<&DesiredObject> = base.map(objects).unwrap_or_default();
    let head: Vec<&DesiredObject> = head.map(objects).unwrap_or_default();
    let by_id: HashMap<&ObjectId, &DesiredObject> = base.iter().map(|o| (&o.id, *o)).collect();
    let in_head: HashSet<&ObjectId> = head.iter().map(|o| &o.id).collect();

    let mut changes = Vec::new();
    for new in &head {
        let old = by_id.get(&new.id);
        let action = match old {
            None => Action::Create,
            Some(old) if old.object == new.object => Action::Unchanged,
            Some(_) => Action::Update,
        };
        let mut origin = new.origin.clone();
        // Values a SOPS file encrypted on either side stay masked.
        if let Some(old) = old {
            let mut fields: Vec<String> = new.origin.encrypted.fields().to_vec();
            fields.extend(old.origin.encrypted.fields().iter().cloned());
            fields.sort();
            fields.dedup();
            origin.encrypted = Encrypted::from(fields);
        }
        changes.push(Change {
            id: new.id.clone(),
            api_version: new.api_version.clone(),
            action,
            live: old.map(|o| o.object.clone()),
            desired: Some(new.object.clone()),
            origin: Some(origin),
            conflicts: Vec::new(),
            preconditions: None,
            replace: false,
            manifest: None,
            wave: new.wave,
            managed_fields: None,
        });
    }
    for gone in base.iter().rev().filter(|o| !in_head.contains(&o.id)) {
        let mut change = Change::delete(
            gone.id.clone(),
            gone.api_version.clone(),
            gone.object.clone(),
            None,
            None,
        );
        // Kept for its masking (SOPS fields) and to say where it was.
        change.origin = Some(gone.origin.clone());
        changes.push(change);
    }
    Plan {
        changes: changes.into_iter().map(Change::compact).collect(),
        ..Plan::default()
    }
}

/// Members, then hooks not already seen, each once.
fn objects(set: &DesiredSet) -> Vec<&DesiredObject> {
    let mut seen = BTreeMap::new();
    let all = set
        .objects
        .iter()
        .chain(set.hooks.iter().map(|h| &h.object));
    for (i, o) in all.enumerate() {
        seen.entry(&o.id).or_insert((i, o));
    }
    let mut out: Vec<(usize, &DesiredObject)> = seen.into_values().collect();
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, o)| o).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Origin;
    use serde_json::json;

    fn obj(kind: &str, name: &str, data: &str) -> DesiredObject {
        DesiredObject {
            id: ObjectId {
                group: String::new(),
                kind: kind.into(),
                namespace: Some("shop".into()),
                name: name.into(),
            },
            api_version: "v1".into(),
            wave: 0,
            origin: Origin::file("app.yaml"),
            object: json!({"apiVersion": "v1", "kind": kind,
                "metadata": {"name": name, "namespace": "shop"}, "data": {"k": data}}),
        }
    }

    fn set(objects: Vec<DesiredObject>) -> DesiredSet {
        DesiredSet {
            objects,
            ..DesiredSet::default()
        }
    }

    #[test]
    fn added_removed_changed_and_unchanged_objects() {
        let base = set(vec![
            obj("ConfigMap", "same", "1"),
            obj("ConfigMap", "edited", "1"),
            obj("ConfigMap", "gone", "1"),
        ]);
        let head = set(vec![
            obj("ConfigMap", "new", "1"),
            obj("ConfigMap", "same", "1"),
            obj("ConfigMap", "edited", "2"),
        ]);
        let plan = compare(Some(&base), Some(&head));
        let got: Vec<(&str, Action)> = plan
            .changes
            .iter()
            .map(|c| (c.id.name.as_str(), c.action))
            .collect();
        assert_eq!(
            got,
            [
                ("new", Action::Create),
                ("same", Action::Unchanged),
                ("edited", Action::Update),
                ("gone", Action::Delete),
            ]
        );
        let s = plan.summary();
        assert_eq!((s.create, s.update, s.delete, s.unchanged), (1, 1, 1, 1));
    }

    #[test]
    fn a_target_on_one_side_only_is_all_creates_or_all_deletes() {
        let one = set(vec![obj("ConfigMap", "a", "1"), obj("Secret", "b", "x")]);
        let added = compare(None, Some(&one));
        assert!(added.changes.iter().all(|c| c.action == Action::Create));
        let removed = compare(Some(&one), None);
        assert!(removed.changes.iter().all(|c| c.action == Action::Delete));
        assert_eq!(removed.changes.len(), 2);
    }

    #[test]
    fn encrypted_fields_of_either_side_stay_masked() {
        let mut old = obj("ConfigMap", "c", "secret-old");
        old.origin.encrypted = Encrypted::from(vec!["data".to_string()]);
        let new = obj("ConfigMap", "c", "secret-new");
        let plan = compare(Some(&set(vec![old])), Some(&set(vec![new])));
        let change = &plan.changes[0];
        assert_eq!(change.action, Action::Update);
        assert_eq!(
            change.origin.as_ref().unwrap().encrypted.fields(),
            ["data".to_string()]
        );
    }
}
