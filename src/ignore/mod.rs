//! `ignoreDifferences`: fields of an object that are someone else's (an
//! HPA's `spec.replicas`, an injected `caBundle`), written exactly as in
//! an Argo CD Application so that a block can be copied over unchanged.
//!
//! A rule matches objects by `group` and `kind` (globs, as Argo CD's),
//! and by `name` and `namespace` when given; it names fields with
//! `jsonPointers`, `jqPathExpressions` (a subset of jq, see [`jq`]) or
//! `managedFieldsManagers` (every field those managers own in the live
//! object). A hidden field is removed from both sides before the plan
//! compares them, and left out of what sync applies to an existing object
//! (see [`Applicable::unsent`]); a create sends everything.

mod fields;
pub mod jq;

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

pub use jq::{Path, Step};

/// One entry of `ignoreDifferences`, with Argo CD's field names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleConfig {
    /// API group; "" for the core group. Globs (`*`) as in Argo CD.
    #[serde(default)]
    pub group: String,
    /// Required.
    #[serde(default)]
    pub kind: Option<String>,
    /// Empty: every name.
    #[serde(default)]
    pub name: String,
    /// Empty: every namespace.
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub json_pointers: Vec<Spanned<String>>,
    #[serde(default)]
    pub jq_path_expressions: Vec<Spanned<String>>,
    #[serde(default)]
    pub managed_fields_managers: Vec<String>,
}

/// A rule that cannot be used; the line is gitsync.yaml's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleError {
    pub line: Option<usize>,
    pub message: String,
}

/// Where a rule was written, for errors and for `-v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// `ignoreDifferences[0]` or `targets[web].ignoreDifferences[1]`.
    pub key: String,
    pub line: Option<usize>,
}

#[derive(Debug, Clone)]
struct Rule {
    place: Place,
    group: String,
    kind: String,
    name: String,
    namespace: String,
    pointers: Vec<(String, Vec<String>)>,
    jq: Vec<(String, jq::PathExpr)>,
    managers: Vec<String>,
}

/// The rules one target applies: gitsync.yaml's file-level ones, then the
/// target's own. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules(Arc<Vec<Rule>>);

/// Rules are equal when written the same at the same place.
impl PartialEq for IgnoreRules {
    fn eq(&self, other: &Self) -> bool {
        let key = |r: &Rule| {
            (
                r.place.clone(),
                [&r.group, &r.kind, &r.name, &r.namespace].map(|s| s.to_string()),
                r.pointers.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
                r.jq.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
                r.managers.clone(),
            )
        };
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(other.0.iter())
                .all(|(a, b)| key(a) == key(b))
    }
}

impl Eq for IgnoreRules {}

fn line_of<T>(s: &Spanned<T>) -> Option<usize> {
    let line = s.referenced.line();
    (line > 0).then_some(line as usize)
}

impl IgnoreRules {
    /// Checks and compiles rules as gitsync.yaml writes them; `prefix`
    /// names where the list is (`ignoreDifferences` or
    /// `targets[web].ignoreDifferences`).
    pub fn compile(lists: &[(String, &[Spanned<RuleConfig>])]) -> Result<IgnoreRules, RuleError> {
        let mut rules = Vec::new();
        for (prefix, list) in lists {
            for (i, spanned) in list.iter().enumerate() {
                rules.push(compile_one(prefix, i, spanned)?);
            }
        }
        Ok(IgnoreRules(Arc::new(rules)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The rules that apply to one object, as Argo CD matches them: group
    /// and kind by glob, name and namespace when the rule gives them.
    pub fn for_object(
        &self,
        group: &str,
        kind: &str,
        name: &str,
        namespace: Option<&str>,
    ) -> Applicable<'_> {
        Applicable(
            self.0
                .iter()
                .filter(|r| {
                    glob(&r.group, group)
                        && glob(&r.kind, kind)
                        && (r.name.is_empty() || r.name == name)
                        && (r.namespace.is_empty() || Some(r.namespace.as_str()) == namespace)
                })
                .collect(),
        )
    }
}

fn compile_one(
    prefix: &str,
    index: usize,
    spanned: &Spanned<RuleConfig>,
) -> Result<Rule, RuleError> {
    let c = &spanned.value;
    let place = Place {
        key: format!("{prefix}[{index}]"),
        line: line_of(spanned),
    };
    let fail = |line: Option<usize>, what: String| RuleError {
        line: line.or(place.line),
        message: format!("{}: {what}", place.key),
    };
    let kind = match c.kind.as_deref().map(str::trim) {
        Some(k) if !k.is_empty() => k.to_string(),
        _ => {
            return Err(fail(
                None,
                "kind is required (as in Argo CD; \"*\" for every kind)".into(),
            ));
        }
    };
    if c.json_pointers.is_empty()
        && c.jq_path_expressions.is_empty()
        && c.managed_fields_managers.is_empty()
    {
        return Err(fail(
            None,
            "names no fields: give jsonPointers, jqPathExpressions or managedFieldsManagers".into(),
        ));
    }
    let mut pointers = Vec::new();
    for p in &c.json_pointers {
        let tokens = parse_pointer(&p.value)
            .map_err(|e| fail(line_of(p), format!("jsonPointers: {:?}: {e}", p.value)))?;
        pointers.push((p.value.clone(), tokens));
    }
    let mut exprs = Vec::new();
    for e in &c.jq_path_expressions {
        let parsed = jq::PathExpr::parse(&e.value).map_err(|err| {
            fail(
                line_of(e),
                format!("jqPathExpressions: {:?}: {err}", e.value),
            )
        })?;
        exprs.push((e.value.clone(), parsed));
    }
    if let Some(m) = c
        .managed_fields_managers
        .iter()
        .find(|m| m.trim().is_empty())
    {
        return Err(fail(
            None,
            format!("managedFieldsManagers: empty manager name {m:?}"),
        ));
    }
    Ok(Rule {
        place,
        group: c.group.clone(),
        kind,
        name: c.name.clone(),
        namespace: c.namespace.clone(),
        pointers,
        jq: exprs,
        managers: c.managed_fields_managers.clone(),
    })
}

/// RFC 6901: `/a/b~1c` → ["a", "b/c"].
fn parse_pointer(p: &str) -> Result<Vec<String>, String> {
    let Some(rest) = p.strip_prefix('/') else {
        return Err(if p.is_empty() {
            "the empty pointer would hide the whole object".into()
        } else {
            "a JSON pointer starts with '/'".into()
        });
    };
    rest.split('/')
        .map(|t| {
            let mut out = String::new();
            let mut chars = t.chars();
            while let Some(c) = chars.next() {
                match (c, c == '~') {
                    (_, false) => out.push(c),
                    (_, true) => match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => {
                            return Err(
                                "'~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')".to_string()
                            );
                        }
                    },
                }
            }
            Ok(out)
        })
        .collect()
}

/// Where a pointer's tokens lead in `doc`, if it holds that field.
fn pointer_path(tokens: &[String], doc: &Value) -> Option<Path> {
    let mut v = doc;
    let mut path = Vec::new();
    for t in tokens {
        match v {
            Value::Object(m) => {
                v = m.get(t)?;
                path.push(Step::Key(t.clone()));
            }
            Value::Array(a) => {
                if t.is_empty() || (t.len() > 1 && t.starts_with('0')) {
                    return None;
                }
                let i: usize = t.parse().ok()?;
                v = a.get(i)?;
                path.push(Step::Index(i));
            }
            _ => return None,
        }
    }
    Some(path)
}

/// `*` and `?` globs, as Argo CD matches group and kind.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    go(&p, &t)
}

/// One hidden field: where, and which rule hid it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    pub path: Path,
    /// `gitsync.yaml line 7: targets[web].ignoreDifferences[0]
    /// (managedFieldsManagers: hpa-controller)`.
    pub rule: String,
}

/// The rules that match one object.
pub struct Applicable<'a>(Vec<&'a Rule>);

impl Applicable<'_> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields of `doc` the rules name; `managed` is the live object's
    /// managedFields (whose entries `managedFieldsManagers` reads).
    pub fn hidden(&self, doc: &Value, managed: Option<&Value>) -> Vec<Hidden> {
        let mut out: Vec<Hidden> = Vec::new();
        let mut add = |path: Path, rule: &Rule, how: String| {
            if !out.iter().any(|h| h.path == path) {
                let at = rule
                    .place
                    .line
                    .map_or_else(String::new, |l| format!(" line {l}"));
                out.push(Hidden {
                    path,
                    rule: format!(
                        "{}{at}: {} ({how})",
                        crate::config::CONFIG_FILE,
                        rule.place.key
                    ),
                });
            }
        };
        for rule in &self.0 {
            for (text, tokens) in &rule.pointers {
                if let Some(p) = pointer_path(tokens, doc) {
                    add(p, rule, format!("jsonPointers: {text}"));
                }
            }
            for (text, expr) in &rule.jq {
                for p in expr.paths(doc) {
                    add(p, rule, format!("jqPathExpressions: {text}"));
                }
            }
            for manager in &rule.managers {
                for trie in fields::tries_of(managed, manager) {
                    for p in fields::owned_paths(trie, doc) {
                        add(p, rule, format!("managedFieldsManagers: {manager}"));
                    }
                }
            }
        }
        out
    }

    /// `doc` without the hidden fields, for comparing: maps and lists
    /// left empty by a removal go too (as Argo CD's normaliser does).
    pub fn strip(&self, mut doc: Value, managed: Option<&Value>) -> (Value, Vec<Hidden>) {
        if self.is_empty() {
            return (doc, Vec::new());
        }
        let hidden = self.hidden(&doc, managed);
        let mut paths: Vec<&Path> = hidden.iter().map(|h| &h.path).collect();
        paths.sort();
        for p in paths.into_iter().rev() {
            remove(&mut doc, p, true);
        }
        (doc, hidden)
    }

    /// Leaves the hidden fields out of `manifest`, what sync applies to
    /// the existing object `live`, so that sync neither changes nor
    /// claims them. A field `own_manager` (gitsync) still owns in `live`
    /// is sent with the live value instead: leaving out a field one owns
    /// makes server-side apply delete it. Returns what was left out, with
    /// the value Git gave it.
    pub fn unsent(
        &self,
        manifest: &mut Value,
        live: &Value,
        own_manager: &str,
    ) -> Vec<(Hidden, Option<Value>)> {
        if self.is_empty() {
            return Vec::new();
        }
        let managed = live.pointer("/metadata/managedFields");
        let mut hidden = self.hidden(manifest, managed);
        hidden.sort_by(|a, b| a.path.cmp(&b.path));
        let own = fields::apply_trie(managed, own_manager);
        let mut left_out = Vec::new();
        for h in hidden.into_iter().rev() {
            if identifies(&h.path) {
                // The apply names its object by these: never left out.
                continue;
            }
            let owned = own.map_or(fields::Owned::No, |t| {
                fields::owned(t, manifest, live, &h.path)
            });
            match owned {
                fields::Owned::No | fields::Owned::Yes(None) => {
                    let git = get(manifest, &h.path).cloned();
                    remove(manifest, &h.path, false);
                    left_out.push((h, git));
                }
                fields::Owned::Yes(Some(v)) => {
                    let v = v.clone();
                    if let Some(slot) = at_mut(manifest, &h.path) {
                        *slot = v;
                    }
                }
                fields::Owned::Whole => {}
            }
        }
        left_out.reverse();
        left_out
    }
}

/// apiVersion, kind, metadata, its name and namespace.
fn identifies(path: &[Step]) -> bool {
    let key = |s: &Step, k: &str| matches!(s, Step::Key(x) if x == k);
    match path {
        [one] => key(one, "apiVersion") || key(one, "kind") || key(one, "metadata"),
        [meta, field] => key(meta, "metadata") && (key(field, "name") || key(field, "namespace")),
        _ => false,
    }
}

fn at_mut<'a>(doc: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut v = doc;
    for s in path {
        v = match (s, v) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Removes the field at `path`; with `prune`, also the maps and lists it
/// leaves empty on the way up.
fn remove(doc: &mut Value, path: &[Step], prune: bool) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let Some(container) = at_mut(doc, parent) else {
        return;
    };
    let removed = match (last, container) {
        (Step::Key(k), Value::Object(m)) => m.shift_remove(k).is_some(),
        (Step::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    };
    if removed
        && prune
        && !parent.is_empty()
        && at_mut(doc, parent).is_some_and(|c| match c {
            Value::Object(m) => m.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        })
    {
        remove(doc, parent, true);
    }
}

/// A path as jq writes it: `.spec.replicas`, `.webhooks[0].clientConfig`,
/// `.metadata.annotations["foo.io/bar"]`.
pub fn display(path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Key(k)
                if !k.is_empty()
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !k.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                s.push('.');
                s.push_str(k);
            }
            Step::Key(k) => s.push_str(&format!("[{}]", Value::String(k.clone()))),
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() { ".".into() } else { s }
}

/// The value at `path` in `doc`, if any.
pub fn get<'a>(doc: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut v = doc;
    for s in path {
        v = match (s, v) {
            (Step::Key(k), Value::Object(m)) => m.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

#[cfg(test)]
mod tests;
