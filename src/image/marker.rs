//! Flux's image policy markers in YAML files, found and edited in place:
//! `value # {"$imagepolicy": "NAMESPACE:NAME"}` (the whole image), with
//! `:tag`, `:name` or `:digest` for one part of it (kustomize `newTag:`,
//! helm values' `repository:` and `tag:`), or gitsync's `"NAME"` alone.
//! An edit replaces the marked scalar (inside its quotes, if any) and
//! nothing else: every other byte of the file stays.

/// Which part of the image a marker's scalar holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// `registry/path:tag` (or `registry/path@sha256:…`).
    Image,
    Tag,
    Name,
    Digest,
}

/// One marker in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// 1-based.
    pub line: usize,
    pub namespace: Option<String>,
    pub policy: String,
    pub field: Field,
    /// The scalar as written (without its quotes).
    pub value: String,
    /// Byte range of the scalar (inside its quotes) in the file.
    span: (usize, usize),
}

/// Every marker of `text`; a marker whose line holds no scalar to edit is
/// an error naming its line.
pub fn find(text: &str) -> Result<Vec<Marker>, (usize, String)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(at) = line.find("\"$imagepolicy\"") else {
            continue;
        };
        let Some(hash) = line[..at].rfind('#') else {
            continue;
        };
        let body = line[hash + 1..].trim();
        let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(body)
        else {
            return Err((i + 1, format!("marker {body:?} is not a JSON object")));
        };
        let Some(reference) = obj.get("$imagepolicy").and_then(|v| v.as_str()) else {
            return Err((i + 1, "$imagepolicy must name a policy (a string)".into()));
        };
        let (namespace, policy, field) = parse_reference(reference);
        let (from, to) = scalar(&line[..hash]).ok_or_else(|| {
            (
                i + 1,
                "the marker's line has no `key: value` or `- value` to set".to_string(),
            )
        })?;
        out.push(Marker {
            line: i + 1,
            namespace,
            policy,
            field,
            value: line[from..to].to_string(),
            span: (start + from, start + to),
        });
    }
    Ok(out)
}

/// `ns:name:tag`, `ns:name`, `name:tag`, `name`.
fn parse_reference(r: &str) -> (Option<String>, String, Field) {
    let field_of = |s: &str| match s {
        "tag" => Some(Field::Tag),
        "name" => Some(Field::Name),
        "digest" => Some(Field::Digest),
        _ => None,
    };
    let parts: Vec<&str> = r.split(':').collect();
    match parts.as_slice() {
        [ns, name, field] if field_of(field).is_some() => (
            Some(ns.to_string()),
            name.to_string(),
            field_of(field).unwrap_or(Field::Image),
        ),
        [name, field] if field_of(field).is_some() => (
            None,
            name.to_string(),
            field_of(field).unwrap_or(Field::Image),
        ),
        [ns, name] => (Some(ns.to_string()), name.to_string(), Field::Image),
        _ => (None, r.to_string(), Field::Image),
    }
}

/// The byte range of the scalar before a comment (`key: value`, `- value`),
/// inside its quotes.
fn scalar(before: &str) -> Option<(usize, usize)> {
    let end = before.trim_end().len();
    let mut from = match before.find(": ") {
        Some(colon) => colon + 2,
        None => {
            let t = before.trim_start();
            let dash = before.len() - t.len();
            if !t.starts_with("- ") {
                return None;
            }
            dash + 2
        }
    };
    while before[from..].starts_with(' ') {
        from += 1;
    }
    if from >= end {
        return None;
    }
    let value = &before[from..end];
    let quoted = value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')));
    Some(match quoted {
        true => (from + 1, end - 1),
        false => (from, end),
    })
}

/// `text` with each (marker, new value) set.
pub fn apply(text: &str, edits: &[(&Marker, String)]) -> String {
    let mut edits: Vec<&(&Marker, String)> = edits.iter().collect();
    edits.sort_by_key(|(m, _)| m.span.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (m, value) in edits {
        out.push_str(&text[at..m.span.0]);
        out.push_str(value);
        at = m.span.1;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# a deployment\napiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: \"ghcr.io/org/web:1.0.0\"   # {\"$imagepolicy\": \"flux-system:web\"}\n          args:\n            - 'ghcr.io/org/web:1.0.0' # {\"$imagepolicy\": \"web\"}\n\n";

    #[test]
    fn markers_are_found_in_every_form() {
        let m = find(FILE).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].line, m[0].value.as_str()),
            (9, "ghcr.io/org/web:1.0.0")
        );
        assert_eq!(m[0].namespace.as_deref(), Some("flux-system"));
        assert_eq!((m[1].line, m[1].field), (11, Field::Image));
        let kustomize = "images:\n- name: web\n  newName: ghcr.io/org/web # {\"$imagepolicy\": \"flux-system:web:name\"}\n  newTag: 1.0.0 # {\"$imagepolicy\": \"flux-system:web:tag\"}\n";
        let k = find(kustomize).unwrap();
        assert_eq!((k[0].field, k[1].field), (Field::Name, Field::Tag));
        assert_eq!(k[1].value, "1.0.0");
        assert_eq!(
            parse_reference("web:digest"),
            (None, "web".into(), Field::Digest)
        );
    }

    #[test]
    fn an_edit_changes_the_scalar_and_nothing_else() {
        let m = find(FILE).unwrap();
        let new = apply(
            FILE,
            &[
                (&m[0], "ghcr.io/org/web:1.2.0".into()),
                (&m[1], "ghcr.io/org/web:1.2.0".into()),
            ],
        );
        assert_eq!(new, FILE.replace("web:1.0.0", "web:1.2.0"));
    }

    #[test]
    fn a_marker_without_a_value_is_an_error() {
        let err = find("x:\n  # {\"$imagepolicy\": \"web\"}\n").unwrap_err();
        assert_eq!(err.0, 2);
        assert!(find("image: x # {\"$imagepolicy\": 3}\n").is_err());
    }
}
