//! Parsing YAML/JSON text (a file, or a renderer's output) into documents
//! that remember where they came from.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Document, Origin, Problem};

/// Parses every document of `text`. Empty documents are skipped, as kubectl
/// does. A `kind: List` is expanded into its items. On a syntax error the
/// whole file is one problem, with the parser's position.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<Document>, Problem> {
    let docs: Vec<Spanned<Value>> = serde_saphyr::from_multiple_with_options(text, parse_options())
        .map_err(|err| {
            let (line, column) = err
                .location()
                .map(|l| (l.line() as usize, l.column() as usize))
                .unwrap_or((0, 0));
            Problem {
                origin: Origin {
                    file: file.to_string(),
                    doc: (line > 0).then(|| document_index_at(text, line)),
                    line: (line > 0).then_some(line),
                    column: (column > 0).then_some(column),
                    item: None,
                },
                message: format!("invalid YAML: {}", parser_message(&err)),
            }
        })?;
    let mut out = Vec::with_capacity(docs.len());
    for spanned in docs {
        let line = spanned.referenced.line() as usize;
        let origin = Origin {
            file: file.to_string(),
            doc: Some(document_index_at(text, line)),
            line: Some(line),
            column: None,
            item: None,
        };
        expand(origin, spanned.value, &mut out);
    }
    Ok(out)
}

/// Serialises one object as a YAML document (no leading `---`), ending in
/// a newline.
pub fn to_yaml(value: &Value) -> Result<String, serde_saphyr::SerializeError> {
    let mut s = serde_saphyr::to_string(value)?;
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}

/// Parser options: the default budget and alias limits stop alias bombs in
/// bounded time and memory; snippets are off because the offending line may
/// hold a Secret's value, and secrets never reach output.
pub fn parse_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.alias_limits.max_total_replayed_events = 100_000;
    if let Some(budget) = options.budget.as_mut() {
        // Large generated files (thousands of documents) are legitimate.
        budget.max_documents = budget.max_documents.max(1_000_000);
    }
    options
}

/// The parser's own message, without position or snippet (we print those
/// in our own format).
fn parser_message(err: &serde_saphyr::Error) -> String {
    let msg = err.without_snippet().to_string();
    // The message may end with " at line X column Y": we report position
    // separately, so drop it to avoid saying it twice.
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// 1-based index of the document that holds `line`, counting `---` markers
/// before it (a file that starts with `---` has its first document after
/// that marker).
fn document_index_at(text: &str, line: usize) -> usize {
    let mut index = 1;
    let mut seen_content = false;
    for (i, l) in text.lines().enumerate() {
        if i + 1 >= line {
            break;
        }
        if l == "---" || l.starts_with("--- ") || l.starts_with("---\t") {
            if seen_content {
                index += 1;
            }
            seen_content = true; // a leading marker opens document 1
        } else if !l.trim().is_empty() && !l.trim_start().starts_with('#') && !l.starts_with('%') {
            seen_content = true;
        }
    }
    index
}

/// Expands `kind: List` (and typed lists such as `ConfigMapList`) into their
/// items, as kubectl does; anything else is one document.
fn expand(origin: Origin, value: Value, out: &mut Vec<Document>) {
    if is_list(&value) {
        let Value::Object(mut map) = value else {
            unreachable!()
        };
        if let Some(Value::Array(items)) = map.remove("items") {
            for (i, item) in items.into_iter().enumerate() {
                let origin = Origin {
                    item: Some(i + 1),
                    ..origin.clone()
                };
                out.push(Document {
                    origin,
                    object: item,
                });
            }
        }
        return;
    }
    if value.is_null() {
        return;
    }
    out.push(Document {
        origin,
        object: value,
    });
}

fn is_list(value: &Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    kind.ends_with("List") && map.get("items").is_some_and(Value::is_array)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(docs: &[Document]) -> Vec<String> {
        docs.iter()
            .map(|d| {
                d.object["metadata"]["name"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn multi_document_with_lines_and_indices() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
        let docs = parse_documents("x.yaml", text).unwrap();
        assert_eq!(names(&docs), ["a", "b"]);
        assert_eq!(docs[0].origin.line, Some(1));
        assert_eq!(docs[0].origin.doc, Some(1));
        assert_eq!(docs[1].origin.line, Some(9));
        assert_eq!(docs[1].origin.doc, Some(4));
    }

    #[test]
    fn leading_marker_starts_document_one() {
        let text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
        let docs = parse_documents("x.yaml", text).unwrap();
        assert_eq!(docs[0].origin.doc, Some(1));
        assert_eq!(docs[1].origin.doc, Some(2));
        assert_eq!(docs[1].origin.line, Some(7));
    }

    #[test]
    fn json_is_yaml() {
        let docs = parse_documents(
            "x.json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}"#,
        )
        .unwrap();
        assert_eq!(names(&docs), ["j"]);
    }

    #[test]
    fn list_is_expanded_with_item_numbers() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n";
        let docs = parse_documents("l.yaml", text).unwrap();
        assert_eq!(names(&docs), ["a", "b"]);
        assert_eq!(docs[1].origin.item, Some(2));
    }

    #[test]
    fn syntax_error_names_line() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: [unclosed\n";
        let p = parse_documents("bad.yaml", text).unwrap_err();
        assert_eq!(p.origin.file, "bad.yaml");
        assert!(p.origin.line.unwrap() >= 7, "{p}");
        assert_eq!(p.origin.doc, Some(2), "{p}");
        assert!(p.to_string().contains("invalid YAML"), "{p}");
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let text = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
        let start = std::time::Instant::now();
        let p = parse_documents("bomb.yaml", text).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        assert!(p.to_string().contains("bomb.yaml"), "{p}");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let p = parse_documents("d.yaml", "kind: A\nkind: B\n").unwrap_err();
        assert!(p.to_string().contains("d.yaml"), "{p}");
        assert!(p.to_string().to_lowercase().contains("duplicate"), "{p}");
    }

    #[test]
    fn secret_values_not_in_syntax_errors() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-very-secret\n  bad: [\n";
        let p = parse_documents("s.yaml", text).unwrap_err();
        assert!(!p.to_string().contains("hunter2"), "{p}");
    }
}
