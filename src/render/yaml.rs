//! Parsing YAML/JSON text (a file, or a renderer's output) into documents
//! that remember where they came from.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Document, Origin, Problem};

/// Largest stream of documents parsed at once. Files are already capped
/// lower (`MAX_FILE_BYTES`); this bounds a renderer's output, whose parsed
/// form takes several times its size in memory.
pub const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;

/// Most documents in one stream: a storm of `---` lines costs memory per
/// document without costing the parser anything.
pub const MAX_DOCUMENTS: usize = 1_000_000;

/// Parses every document of `text`. Empty documents are skipped, as kubectl
/// does. A `kind: List` is expanded into its items. On a syntax error the
/// file is one problem, naming the document and the parser's position.
///
/// The stream is split into documents once, by its `---`/`...` marker
/// lines, and each document is parsed on its own: time stays linear in the
/// input, and the parser's budgets (nodes, depth, alias expansion) bound
/// each document rather than the whole stream, so a long generated bundle
/// is not mistaken for an attack.
pub fn parse_documents(file: &str, text: &str) -> Result<Vec<Document>, Problem> {
    if text.len() > MAX_STREAM_BYTES {
        // Name where the limit is crossed; only the part up to it is read.
        let mut cut = MAX_STREAM_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let (doc, line) = position_at_end(&text[..cut]);
        return Err(Problem {
            origin: origin(file, doc, line, None),
            message: format!(
                "the input is {} MiB, over the {} MiB limit for one stream of documents",
                text.len().div_ceil(1024 * 1024),
                MAX_STREAM_BYTES / (1024 * 1024)
            ),
        });
    }
    let pieces = split_documents(text).map_err(|(doc, line)| Problem {
        origin: origin(file, doc, line, None),
        message: format!("more than {MAX_DOCUMENTS} documents in one stream"),
    })?;
    let todo: Vec<&Piece> = pieces.iter().filter(|p| p.parse).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || todo.len() < PARALLEL_MIN_DOCUMENTS {
        return parse_pieces(file, &todo);
    }
    // A single large stream (one generated bundle) gets all cores, as many
    // small files do. Each part stops at its first error; the earliest
    // part's error is the one reported, as if parsed in order.
    let chunk = todo.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| s.spawn(move || parse_pieces(file, part)))
            .collect();
        let mut out = Vec::with_capacity(todo.len());
        for h in handles {
            out.append(&mut h.join().expect("parser thread panicked")?);
        }
        Ok(out)
    })
}

/// Streams with fewer documents to parse are parsed on one thread: the
/// threads would cost more than they save.
const PARALLEL_MIN_DOCUMENTS: usize = 256;

/// Parses documents in order; stops at the first that is not valid YAML.
fn parse_pieces(file: &str, pieces: &[&Piece]) -> Result<Vec<Document>, Problem> {
    let options = parse_options();
    let mut out = Vec::with_capacity(pieces.len());
    for piece in pieces {
        // Each document is parsed alone, so the budgets apply to it alone.
        let values: Vec<Spanned<Value>> =
            serde_saphyr::from_multiple_with_options(piece.text, options.clone()).map_err(
                |err| {
                    let (line, column) = err
                        .location()
                        .map(|l| (l.line() as usize, l.column() as usize))
                        .unwrap_or((0, 0));
                    Problem {
                        // The parser counts lines from the document's start.
                        origin: origin(
                            file,
                            piece.doc,
                            piece.line + line.saturating_sub(1),
                            (column > 0).then_some(column),
                        ),
                        message: format!("invalid YAML: {}", parser_message(&err, piece.line)),
                    }
                },
            )?;
        for spanned in values {
            let line = piece.line + (spanned.referenced.line() as usize).saturating_sub(1);
            expand(origin(file, piece.doc, line, None), spanned.value, &mut out);
        }
    }
    Ok(out)
}

fn origin(file: &str, doc: usize, line: usize, column: Option<usize>) -> Origin {
    Origin {
        file: file.to_string(),
        doc: Some(doc),
        line: Some(line),
        column,
        item: None,
        encrypted: Default::default(),
    }
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

/// Parser options for one document: the default budget (250,000 nodes,
/// depth 64, 50,000 aliases) and a replay limit stop alias bombs and deep
/// nesting in bounded time and memory; snippets are off because the
/// offending line may hold a Secret's value, and secrets never reach output.
///
/// Integers are read as Kubernetes reads them: its YAML parser (go-yaml v2,
/// through sigs.k8s.io/yaml) is YAML 1.1 and resolves a plain scalar with
/// Go's `strconv.ParseInt(s, 0, 64)`, so a leading zero is octal (`0644`
/// is 420, the `defaultMode` people mean) and so is `0o644`. YAML 1.2
/// would read `0644` as 644, which would silently apply another file mode
/// than `kubectl apply` does. Base 60 (`1:30`) go-yaml leaves a string, and
/// so does this parser.
pub fn parse_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.alias_limits.max_total_replayed_events = 100_000;
    options.legacy_octal_numbers = true;
    options
}

/// Parses a `.json` file as strict JSON, as kubectl does for JSON: a
/// trailing comma or a comment is an error naming the line, not YAML that
/// happens to be accepted. One or more objects one after the other (a JSON
/// stream), each a document; a `kind: List` is expanded into its items.
pub fn parse_json(file: &str, text: &str) -> Result<Vec<Document>, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut doc = 0;
    loop {
        let start = stream.byte_offset();
        let Some(next) = stream.next() else { break };
        doc += 1;
        match next {
            Ok(value) => {
                let skipped = text[start..].len() - text[start..].trim_start().len();
                let line = 1 + text[..start + skipped].matches('\n').count();
                expand(origin(file, doc, line, None), value, &mut out);
            }
            Err(e) => {
                return Err(Problem {
                    origin: origin(file, doc, e.line(), (e.column() > 0).then_some(e.column())),
                    message: format!("invalid JSON: {}", json_message(&e)),
                });
            }
        }
    }
    Ok(out)
}

/// serde_json's message without its own " at line X column Y" (the origin
/// says where).
fn json_message(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// The parser's own message, without snippet, its positions counted from
/// the start of the stream (the parser saw one document, starting at
/// `first_line`).
fn parser_message(err: &serde_saphyr::Error, first_line: usize) -> String {
    let options = serde_saphyr::render_options! {
        line_offset: first_line.saturating_sub(1) as u64,
        snippets: serde_saphyr::SnippetMode::Off,
    };
    let msg = err.without_snippet().render_with_options(options);
    // The message may end with " at line X, column Y": we report position
    // separately, so drop it to avoid saying it twice. Other positions
    // (where an alias was defined and used) stay.
    if let Some(i) = msg.rfind(" at line ")
        && let Some((line, column)) = msg[i + " at line ".len()..].split_once(", column ")
        && !line.is_empty()
        && !column.is_empty()
        && line
            .bytes()
            .chain(column.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return msg[..i].to_string();
    }
    msg
}

/// One document's text within a stream.
#[derive(Debug, PartialEq, Eq)]
struct Piece<'a> {
    /// From the first line of the document (its directives or `---`, or
    /// its first content line) to just before the next document's.
    text: &'a str,
    /// 1-based index of the document in the stream.
    doc: usize,
    /// 1-based line of the stream where `text` starts.
    line: usize,
    /// False for a document that holds nothing but markers and comments:
    /// it is empty, so there is nothing to parse.
    parse: bool,
}

/// Splits a stream into its documents in one pass, numbering them as the
/// YAML parser does (an empty document between two `---` counts).
///
/// YAML forbids a line starting with `---` or `...` followed by a space,
/// tab or line break inside any document's content, block scalars and
/// quoted strings included: such a line always ends the document. So lines
/// are enough; no YAML state needs to be tracked. Lines end at LF, CRLF or
/// a lone CR, as in YAML. Errs with the (document, line) past
/// [`MAX_DOCUMENTS`].
fn split_documents(text: &str) -> Result<Vec<Piece<'_>>, (usize, usize)> {
    let mut pieces: Vec<Piece<'_>> = Vec::new();
    // The document being gathered: where its text starts; whether it has
    // begun (its `---` or a first content line), holds directives, holds
    // content to parse.
    let mut start = 0;
    let mut start_line = 1;
    let mut opened = false;
    let mut directives = false;
    let mut content = false;
    let mut push = |end: usize, start: usize, start_line: usize, parse: bool| {
        if pieces.len() == MAX_DOCUMENTS {
            return Err((pieces.len() + 1, start_line));
        }
        pieces.push(Piece {
            text: &text[start..end],
            doc: pieces.len() + 1,
            line: start_line,
            parse,
        });
        Ok(())
    };
    let mut line_no = 1;
    let mut pos = 0;
    while pos < text.len() {
        let (line, next) = next_line(text, pos);
        // A BOM may open the stream (and, in YAML, any document).
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        if let Some(rest) = marker_rest(line, "---") {
            if opened {
                push(pos, start, start_line, content)?;
                start = pos;
                start_line = line_no;
            }
            // Comments and directives before the first `---` stay with it.
            opened = true;
            directives = false;
            // `--- |` and `--- {a: 1}` put content on the marker line.
            content = !is_blank_or_comment(rest);
        } else if marker_rest(line, "...").is_some() {
            if opened || directives {
                // Directives with no document are the parser's to refuse.
                push(next, start, start_line, content || directives)?;
            }
            start = next;
            start_line = line_no + 1;
            opened = false;
            directives = false;
            content = false;
        } else if !opened && line.starts_with('%') {
            directives = true;
        } else if !is_blank_or_comment(line) {
            // Without a `---`, the first content line begins a document.
            opened = true;
            content = true;
        }
        pos = next;
        line_no += 1;
    }
    if opened || directives {
        push(text.len(), start, start_line, content || directives)?;
    }
    Ok(pieces)
}

/// The line starting at byte `pos` (without its line break) and where the
/// next line starts.
fn next_line(text: &str, pos: usize) -> (&str, usize) {
    let rest = &text.as_bytes()[pos..];
    match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
        None => (&text[pos..], text.len()),
        Some(i) => {
            let crlf = rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n');
            (&text[pos..pos + i], pos + i + if crlf { 2 } else { 1 })
        }
    }
}

/// If `line` is the document marker `marker` (`---` or `...` at the start
/// of the line, then a space, a tab or the end of the line), what follows it.
fn marker_rest<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(marker)?;
    (rest.is_empty() || rest.starts_with([' ', '\t'])).then_some(rest)
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t']);
    t.is_empty() || t.starts_with('#')
}

/// The (document, line) at the end of `text`, a prefix of a stream: used to
/// say where an over-long stream crosses the limit.
fn position_at_end(text: &str) -> (usize, usize) {
    let mut line = 1;
    let mut pos = 0;
    while pos < text.len() {
        let (_, next) = next_line(text, pos);
        if next < text.len() || text.ends_with(['\n', '\r']) {
            line += 1;
        }
        pos = next;
    }
    let doc = split_documents(text).map_or(MAX_DOCUMENTS + 1, |p| p.len().max(1));
    (doc, line)
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
    fn alias_bomb_is_refused_by_the_replay_limit() {
        let p = parse_documents("bomb.yaml", BOMB).unwrap_err();
        assert!(p.to_string().contains("bomb.yaml"), "{p}");
        // The limit, not the machine's speed, is what stops it.
        assert!(p.message.contains("alias replay limit exceeded"), "{p}");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let p = parse_documents("d.yaml", "kind: A\nkind: B\n").unwrap_err();
        assert!(p.to_string().contains("d.yaml"), "{p}");
        assert!(p.to_string().to_lowercase().contains("duplicate"), "{p}");
    }

    /// A stream of `n` ConfigMaps, each 5 lines with a `---` first, so
    /// document `i` (1-based) starts on line `5 * (i - 1) + 1` and names
    /// `cm-i`. Each holds 13 nodes: past 19,231 documents the stream holds
    /// more than the parser's node budget of 250,000.
    fn configmaps(n: usize) -> String {
        let mut s = String::new();
        for i in 1..=n {
            s.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i}}}\ndata: {{key: value-{i}}}\n"
            ));
        }
        s
    }

    #[test]
    fn long_stream_numbers_documents_and_lines() {
        let text = configmaps(20_000);
        let docs = parse_documents("big.yaml", &text).unwrap();
        assert_eq!(docs.len(), 20_000);
        for i in [1, 10_000, 20_000] {
            let d = &docs[i - 1];
            assert_eq!(d.object["metadata"]["name"], format!("cm-{i}"));
            assert_eq!(d.origin.doc, Some(i));
            // The object starts on the line after its `---`.
            assert_eq!(d.origin.line, Some(5 * (i - 1) + 2));
            assert_eq!(d.origin.file, "big.yaml");
        }
    }

    #[test]
    fn alias_bomb_deep_in_a_long_stream_names_its_document() {
        let mut text = configmaps(4_999);
        let bomb_line = text.lines().count() + 1;
        text.push_str("---\n");
        text.push_str(BOMB);
        text.push_str(&configmaps(100));
        // (That the replay limit stops a bomb is alias_bomb_is_refused_by_the_replay_limit's job.)
        let p = parse_documents("big.yaml", &text).unwrap_err();
        assert_eq!(p.origin.doc, Some(5_000), "{p}");
        let line = p.origin.line.unwrap();
        assert!(
            (bomb_line..bomb_line + 10).contains(&line),
            "line {line}, bomb at {bomb_line}: {p}"
        );
        assert!(
            p.to_string().starts_with("big.yaml: document 5000 (line "),
            "{p}"
        );
        assert!(p.message.starts_with("invalid YAML"), "{p}");
        // Positions inside the parser's message (where the alias was
        // defined and used) count from the start of the stream too.
        let inner: Vec<usize> = p
            .message
            .split("line ")
            .skip(1)
            .map(|rest| rest.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert!(!inner.is_empty(), "{p}");
        for line in inner {
            assert!((bomb_line..bomb_line + 10).contains(&line), "{p}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_quickly_naming_its_document() {
        let text = format!("{CM_A}---\n{}x{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let start = std::time::Instant::now();
        let p = parse_documents("deep.yaml", &text).unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(p.origin.doc, Some(2), "{p}");
        assert_eq!(p.origin.line, Some(6), "{p}");
        assert!(p.message.starts_with("invalid YAML"), "{p}");
    }

    #[test]
    fn one_document_over_the_node_budget_is_refused() {
        // 260,000 scalars in one document: a stream may be long, a single
        // document may not.
        let mut text = String::from(CM_A);
        text.push_str("---\nitems:\n");
        for _ in 0..260_000 {
            text.push_str("- 1\n");
        }
        let p = parse_documents("wide.yaml", &text).unwrap_err();
        assert_eq!(p.origin.doc, Some(2), "{p}");
        assert!(p.message.contains("budget"), "{p}");
    }

    #[test]
    fn stream_over_the_byte_limit_is_refused_naming_where() {
        let mut text = configmaps(1);
        let pad = format!("# {}\n", "x".repeat(1021)); // 1 KiB a line
        while text.len() <= MAX_STREAM_BYTES {
            text.push_str(&pad);
        }
        let p = parse_documents("huge (helm template)", &text).unwrap_err();
        assert_eq!(p.origin.file, "huge (helm template)");
        assert_eq!(p.origin.doc, Some(1), "{p}");
        // The limit falls inside padding line (limit - first document) / 1 KiB.
        let line = 6 + (MAX_STREAM_BYTES - configmaps(1).len()) / 1024;
        assert_eq!(p.origin.line, Some(line), "{p}");
        assert!(p.message.contains("over the 64 MiB limit"), "{p}");
    }

    #[test]
    fn too_many_documents_are_refused_naming_where() {
        let text = "---\n".repeat(MAX_DOCUMENTS + 5);
        let p = parse_documents("storm.yaml", &text).unwrap_err();
        assert_eq!(p.origin.doc, Some(MAX_DOCUMENTS + 1), "{p}");
        assert_eq!(p.origin.line, Some(MAX_DOCUMENTS + 1), "{p}");
        assert!(p.message.contains("documents in one stream"), "{p}");
    }

    const CM_A: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";

    const BOMB: &str = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

    /// Streams whose document boundaries are easy to get wrong.
    const EDGE_CASES: &[&str] = &[
        // `---` and `...` inside a block scalar and a quoted string are
        // content, being indented.
        "a: |\n  ---\n  ...\n  text\n---\nb: 1\n",
        "a: \"x\n  --- y\"\n---\nb: 1\n",
        "a: 'x\n  ... y'\n---\nb: 1\n",
        // Block scalars as the whole document.
        "--- |\n  lit\n--- >\n  folded\n",
        "--- |\nlit at column 0\n---\nb: 1\n",
        // Directives belong to the next document.
        "%YAML 1.2\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n",
        "%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\n!e!x a\n...\n",
        "# lead\n%YAML 1.2\n# between\n---\na: 1\n",
        // `...` ends a document; a bare one may follow.
        "a: 1\n...\nb: 2\n...\n",
        "...\na: 1\n",
        "a: 1\n...\n# trailing comment\n",
        "a: 1\n... # end\n---\nb: 2\n",
        // Empty and comment-only documents count.
        "---\n---\n# only a comment\n---\na: 1\n",
        "# nothing but comments\n\n# here\n",
        "",
        "---\n",
        "--- # comment\na: 1\n---\t\nb: 2\n",
        // Not markers.
        "---x\n",
        "----\n",
        "a:\n- 1\n---- : 2\n",
        "a: [1,\n  ---, 2]\n",
        // Flow documents on the marker line.
        "--- {a: 1}\n--- [1, 2]\n--- plain\n",
        // JSON, which is YAML.
        "{\n\"a\": \"---\",\n\"b\": [\n1]\n}\n",
        // Line endings and a BOM.
        "a: 1\r\n---\r\nb: 2\r\n...\r\nc: 3\r\n",
        "a: 1\r---\rb: 2\r",
        "\u{feff}---\na: 1\n---\nb: 2\n",
        "\u{feff}a: 1\n---\nb: 2\n",
    ];

    /// The splitter agrees with the parser's own document events: same
    /// number of documents, and every node falls in the document the
    /// parser puts it in.
    #[test]
    fn split_agrees_with_the_parser_on_edge_cases() {
        use serde_saphyr::granit_parser::{Event, Parser};
        for text in EDGE_CASES {
            let pieces = split_documents(text).unwrap();
            let mut doc = 0;
            for item in Parser::new_from_str(text) {
                let (event, span) = item.unwrap_or_else(|e| panic!("{text:?}: {e}"));
                match event {
                    Event::DocumentStart(..) => doc += 1,
                    Event::Scalar(..) | Event::MappingStart(..) | Event::SequenceStart(..) => {
                        // An empty document holds one null scalar, `~`.
                        let empty = matches!(&event, Event::Scalar(v, ..) if v == "~");
                        let line = span.start.line();
                        let piece = pieces
                            .iter()
                            .rev()
                            .find(|p| p.line <= line)
                            .unwrap_or_else(|| panic!("{text:?}: line {line} in no document"));
                        assert_eq!(piece.doc, doc, "{text:?}: node at line {line}");
                        assert!(piece.parse || empty, "{text:?}: node at line {line}");
                    }
                    _ => {}
                }
            }
            assert_eq!(pieces.len(), doc, "{text:?}: {pieces:?}");
            // Pieces cover the documents in order, without overlap.
            for w in pieces.windows(2) {
                assert!(w[0].line < w[1].line, "{text:?}: {pieces:?}");
                assert_eq!(w[0].doc + 1, w[1].doc);
            }
        }
    }

    /// Parsing document by document gives what parsing the whole stream
    /// at once gives.
    #[test]
    fn split_parse_matches_whole_stream_parse() {
        for text in EDGE_CASES {
            let whole: Vec<Value> = serde_saphyr::from_multiple_with_options(text, parse_options())
                .unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let docs = parse_documents("x.yaml", text).unwrap_or_else(|p| panic!("{text:?}: {p}"));
            let ours: Vec<Value> = docs.into_iter().map(|d| d.object).collect();
            assert_eq!(ours, whole, "{text:?}");
        }
    }

    #[test]
    fn edge_case_documents_and_lines() {
        let cases: &[(&str, &[(usize, usize)])] = &[
            (
                "%YAML 1.2\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n",
                &[(1, 3), (2, 7)],
            ),
            ("a: 1\n...\nb: 2\n", &[(1, 1), (2, 3)]),
            ("a: |\n  ---\n  text\n---\nb: 1\n", &[(1, 1), (2, 5)]),
            (
                "a: 1\r\n---\r\nb: 2\r\n...\r\nc: 3\r\n",
                &[(1, 1), (2, 3), (3, 5)],
            ),
            ("\u{feff}---\na: 1\n---\nb: 2\n", &[(1, 2), (2, 4)]),
            ("---\n---\n# c\n---\na: 1\n", &[(3, 5)]),
        ];
        for (text, want) in cases {
            let docs = parse_documents("x.yaml", text).unwrap();
            let got: Vec<(usize, usize)> = docs
                .iter()
                .map(|d| (d.origin.doc.unwrap(), d.origin.line.unwrap()))
                .collect();
            assert_eq!(&got, want, "{text:?}");
        }
    }

    #[test]
    fn syntax_error_in_a_later_document_names_it_and_its_line() {
        let text = format!("{CM_A}---\n{CM_A}---\napiVersion: v1\nkind: [unclosed\n");
        let p = parse_documents("bad.yaml", &text).unwrap_err();
        assert_eq!(p.origin.doc, Some(3), "{p}");
        assert!(p.origin.line.unwrap() >= 12, "{p}");
    }

    #[test]
    fn secret_values_not_in_syntax_errors() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: hunter2-very-secret\n  bad: [\n";
        let p = parse_documents("s.yaml", text).unwrap_err();
        assert!(!p.to_string().contains("hunter2"), "{p}");
    }
}
