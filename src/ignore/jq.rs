//! The part of jq that `jqPathExpressions` are written in: paths
//! (`.a.b`, `."k"`, `.["k"]`, `.[0]`, `.[]`, `?`), pipes, commas and
//! `select(...)` with comparisons, `and`/`or`/`not` and a few string
//! tests. Argo CD runs each expression as `del(EXPR)`; here it yields the
//! paths it names, so that a rule can both hide and report them.
//!
//! Not a jq interpreter on purpose: gitsync.yaml is whatever the last push
//! says, and full jq (and jaq, its Rust clone) has recursion, `env` and
//! `input` with no bound on run time. Everything here walks the object
//! once per step, so an expression always ends, and reads nothing else.

use serde_json::Value;

/// One step of a concrete path into a document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

pub type Path = Vec<Step>;

/// Why an expression is refused: where (1-based column) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct JqError {
    pub column: usize,
    pub message: String,
}

/// What gitsync understands, said in every refusal.
const SUPPORTED: &str = "supported: paths (.a.b, .\"k\", .[\"k\"], .[0], .[], ?), |, ',', \
     select(...) with ==, !=, <, <=, >, >=, and, or, not, has, startswith, endswith, contains, \
     test, length, ascii_downcase, ascii_upcase";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    StartsWith,
    EndsWith,
    Contains,
    Test,
    Has,
    Length,
    Downcase,
    Upcase,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Identity,
    Key(Box<Expr>, String),
    Index(Box<Expr>, i64),
    Iterate(Box<Expr>),
    Try(Box<Expr>),
    Pipe(Box<Expr>, Box<Expr>),
    Comma(Box<Expr>, Box<Expr>),
    Select(Box<Expr>),
    Literal(Value),
    Compare(Box<Expr>, Cmp, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not,
    Call(Func, Option<Box<Expr>>),
}

/// A compiled path expression.
#[derive(Debug, Clone, PartialEq)]
pub struct PathExpr(Expr);

impl PathExpr {
    pub fn parse(text: &str) -> Result<PathExpr, JqError> {
        let tokens = lex(text)?;
        let mut p = Parser { tokens, at: 0 };
        let expr = p.pipe()?;
        if let Some((col, tok)) = p.tokens.get(p.at) {
            return Err(JqError {
                column: *col,
                message: format!("unexpected {tok:?}; {SUPPORTED}"),
            });
        }
        if !is_path(&expr) {
            return Err(JqError {
                column: 1,
                message: format!(
                    "not a path expression (it computes values; it must name fields, as in .spec.replicas); {SUPPORTED}"
                ),
            });
        }
        Ok(PathExpr(expr))
    }

    /// The paths the expression names in `doc` that exist there. An
    /// expression that fails on this document (iterating over null
    /// without `?`) names nothing, as Argo CD skips it.
    pub fn paths(&self, doc: &Value) -> Vec<Path> {
        match paths(&self.0, doc, Vec::new()) {
            Ok(found) => found
                .into_iter()
                .filter(|(v, p)| v.is_some() && !p.is_empty())
                .map(|(_, p)| p)
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

fn is_path(e: &Expr) -> bool {
    match e {
        Expr::Identity | Expr::Select(_) => true,
        Expr::Key(e, _) | Expr::Index(e, _) | Expr::Iterate(e) | Expr::Try(e) => is_path(e),
        Expr::Pipe(a, b) | Expr::Comma(a, b) => is_path(a) && is_path(b),
        _ => false,
    }
}

// ---- lexing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Dot,
    Ident(String),
    Str(String),
    Num(f64),
    Open(char),
    Close(char),
    Pipe,
    Comma,
    Question,
    Cmp(Cmp),
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, JqError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |i: usize, message: String| JqError {
        column: i + 1,
        message,
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let next = chars.get(i + 1).copied();
        let tok = match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '.' if next == Some('.') => {
                return Err(err(
                    i,
                    format!("recursive descent (..) is not supported; {SUPPORTED}"),
                ));
            }
            '.' => {
                i += 1;
                Tok::Dot
            }
            '[' | '(' => {
                i += 1;
                Tok::Open(c)
            }
            ']' | ')' => {
                i += 1;
                Tok::Close(c)
            }
            '|' if next == Some('=') => {
                return Err(err(
                    i,
                    format!("updates (|=) are not supported; {SUPPORTED}"),
                ));
            }
            '|' => {
                i += 1;
                Tok::Pipe
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '?' => {
                i += 1;
                Tok::Question
            }
            '=' if next == Some('=') => {
                i += 2;
                Tok::Cmp(Cmp::Eq)
            }
            '!' if next == Some('=') => {
                i += 2;
                Tok::Cmp(Cmp::Ne)
            }
            '<' | '>' => {
                let eq = next == Some('=');
                i += if eq { 2 } else { 1 };
                Tok::Cmp(match (c, eq) {
                    ('<', false) => Cmp::Lt,
                    ('<', true) => Cmp::Le,
                    ('>', false) => Cmp::Gt,
                    _ => Cmp::Ge,
                })
            }
            '"' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(err(start, "unterminated string".into())),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            let e = chars.get(i + 1).copied();
                            i += 2;
                            match e {
                                Some('"') => s.push('"'),
                                Some('\\') => s.push('\\'),
                                Some('/') => s.push('/'),
                                Some('n') => s.push('\n'),
                                Some('t') => s.push('\t'),
                                Some('r') => s.push('\r'),
                                Some('u') => {
                                    let hex: String = chars.iter().skip(i).take(4).collect();
                                    let ch = u32::from_str_radix(&hex, 16)
                                        .ok()
                                        .and_then(char::from_u32)
                                        .ok_or_else(|| err(i - 2, "bad \\u escape".into()))?;
                                    s.push(ch);
                                    i += 4;
                                }
                                Some('(') => {
                                    return Err(err(
                                        i - 2,
                                        format!(
                                            "string interpolation is not supported; {SUPPORTED}"
                                        ),
                                    ));
                                }
                                _ => return Err(err(i - 2, "bad escape in string".into())),
                            }
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                Tok::Str(s)
            }
            c if c.is_ascii_digit() || (c == '-' && next.is_some_and(|n| n.is_ascii_digit())) => {
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.' || *c == 'e' || *c == 'E')
                {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                Tok::Num(
                    s.parse()
                        .map_err(|_| err(start, format!("bad number {s:?}")))?,
                )
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    i += 1;
                }
                Tok::Ident(chars[start..i].iter().collect())
            }
            c => {
                return Err(err(i, format!("unsupported {c:?}; {SUPPORTED}")));
            }
        };
        out.push((start + 1, tok));
    }
    Ok(out)
}

// ---- parsing (jq's precedence: | < , < or < and < comparison < postfix)

struct Parser {
    tokens: Vec<(usize, Tok)>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.at)
            .map_or_else(|| self.tokens.last().map_or(1, |(c, _)| c + 1), |(c, _)| *c)
    }

    fn fail<T>(&self, what: &str) -> Result<T, JqError> {
        Err(JqError {
            column: self.column(),
            message: format!("{what}; {SUPPORTED}"),
        })
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: Tok) -> Result<(), JqError> {
        if self.eat(&tok) {
            Ok(())
        } else {
            self.fail(&format!("expected {tok:?}, found {:?}", self.peek()))
        }
    }

    fn ident_is(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w == word)
    }

    fn pipe(&mut self) -> Result<Expr, JqError> {
        let left = self.comma()?;
        if self.eat(&Tok::Pipe) {
            return Ok(Expr::Pipe(Box::new(left), Box::new(self.pipe()?)));
        }
        Ok(left)
    }

    fn comma(&mut self) -> Result<Expr, JqError> {
        let mut left = self.or()?;
        while self.eat(&Tok::Comma) {
            left = Expr::Comma(Box::new(left), Box::new(self.or()?));
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Expr, JqError> {
        let mut left = self.and()?;
        while self.ident_is("or") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, JqError> {
        let mut left = self.compare()?;
        while self.ident_is("and") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.compare()?));
        }
        Ok(left)
    }

    fn compare(&mut self) -> Result<Expr, JqError> {
        let left = self.postfix()?;
        if let Some(Tok::Cmp(op)) = self.peek() {
            let op = *op;
            self.at += 1;
            let right = self.postfix()?;
            return Ok(Expr::Compare(Box::new(left), op, Box::new(right)));
        }
        Ok(left)
    }

    fn postfix(&mut self) -> Result<Expr, JqError> {
        let mut e = self.primary()?;
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.at += 1;
                    e = match self.peek().cloned() {
                        Some(Tok::Ident(name)) | Some(Tok::Str(name)) => {
                            self.at += 1;
                            Expr::Key(Box::new(e), name)
                        }
                        Some(Tok::Open('[')) => {
                            self.at += 1;
                            self.bracket(e)?
                        }
                        _ => return self.fail("expected a field name after '.'"),
                    };
                }
                Some(Tok::Open('[')) => {
                    self.at += 1;
                    e = self.bracket(e)?;
                }
                Some(Tok::Question) => {
                    self.at += 1;
                    e = Expr::Try(Box::new(e));
                }
                _ => return Ok(e),
            }
        }
    }

    /// After `[`: `]`, `"key"]` or `N]`.
    fn bracket(&mut self, on: Expr) -> Result<Expr, JqError> {
        let e = match self.peek().cloned() {
            Some(Tok::Close(']')) => {
                self.at += 1;
                return Ok(Expr::Iterate(Box::new(on)));
            }
            Some(Tok::Str(key)) => Expr::Key(Box::new(on), key),
            Some(Tok::Num(n)) if n.fract() == 0.0 && n.abs() < 1e15 => {
                Expr::Index(Box::new(on), n as i64)
            }
            _ => {
                return self.fail("inside [...] only a string, an integer or nothing is supported");
            }
        };
        self.at += 1;
        self.expect(Tok::Close(']'))?;
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, JqError> {
        let Some(tok) = self.peek().cloned() else {
            return self.fail("the expression ends too early");
        };
        self.at += 1;
        match tok {
            Tok::Dot => match self.peek().cloned() {
                Some(Tok::Ident(name)) | Some(Tok::Str(name)) => {
                    self.at += 1;
                    Ok(Expr::Key(Box::new(Expr::Identity), name))
                }
                Some(Tok::Open('[')) => {
                    self.at += 1;
                    self.bracket(Expr::Identity)
                }
                _ => Ok(Expr::Identity),
            },
            Tok::Str(s) => Ok(Expr::Literal(Value::String(s))),
            Tok::Num(n) => Ok(Expr::Literal(
                serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            )),
            Tok::Open('(') => {
                let e = self.pipe()?;
                self.expect(Tok::Close(')'))?;
                Ok(e)
            }
            Tok::Ident(word) => {
                let func = match word.as_str() {
                    "true" => return Ok(Expr::Literal(Value::Bool(true))),
                    "false" => return Ok(Expr::Literal(Value::Bool(false))),
                    "null" => return Ok(Expr::Literal(Value::Null)),
                    "not" => return Ok(Expr::Not),
                    "select" => None,
                    "startswith" => Some(Func::StartsWith),
                    "endswith" => Some(Func::EndsWith),
                    "contains" => Some(Func::Contains),
                    "test" => Some(Func::Test),
                    "has" => Some(Func::Has),
                    "length" => return Ok(Expr::Call(Func::Length, None)),
                    "ascii_downcase" => return Ok(Expr::Call(Func::Downcase, None)),
                    "ascii_upcase" => return Ok(Expr::Call(Func::Upcase, None)),
                    _ => {
                        self.at -= 1;
                        return self.fail(&format!("unsupported function or keyword {word:?}"));
                    }
                };
                self.expect(Tok::Open('('))?;
                let arg = self.pipe()?;
                self.expect(Tok::Close(')'))?;
                if let Some(Func::Test) = func
                    && let Expr::Literal(Value::String(re)) = &arg
                    && let Err(e) = regex::Regex::new(re)
                {
                    self.at -= 2;
                    return self.fail(&format!("test({re:?}): {e}"));
                }
                Ok(match func {
                    None => Expr::Select(Box::new(arg)),
                    Some(f) => Expr::Call(f, Some(Box::new(arg))),
                })
            }
            other => {
                self.at -= 1;
                self.fail(&format!("unexpected {other:?}"))
            }
        }
    }
}

// ---- evaluation

type Eval<T> = Result<Vec<T>, String>;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Paths with the value at each (`None`: not in the document).
fn paths<'a>(e: &Expr, doc: &'a Value, at: Path) -> Eval<(Option<&'a Value>, Path)> {
    let here = resolve(doc, &at);
    paths_from(e, here, at)
}

fn resolve<'a>(doc: &'a Value, path: &[Step]) -> Option<&'a Value> {
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

fn paths_from<'a>(e: &Expr, here: Option<&'a Value>, at: Path) -> Eval<(Option<&'a Value>, Path)> {
    let null = &Value::Null;
    Ok(match e {
        Expr::Identity => vec![(here, at)],
        Expr::Key(inner, key) => {
            let mut out = Vec::new();
            for (v, mut p) in paths_from(inner, here, at)? {
                match v.unwrap_or(null) {
                    Value::Object(m) => {
                        p.push(Step::Key(key.clone()));
                        out.push((m.get(key), p));
                    }
                    Value::Null => {
                        p.push(Step::Key(key.clone()));
                        out.push((None, p));
                    }
                    other => return Err(format!("cannot index {} with {key:?}", type_name(other))),
                }
            }
            out
        }
        Expr::Index(inner, n) => {
            let mut out = Vec::new();
            for (v, mut p) in paths_from(inner, here, at)? {
                match v.unwrap_or(null) {
                    Value::Array(a) => {
                        let i = if *n < 0 { a.len() as i64 + n } else { *n };
                        if i >= 0 {
                            let i = i as usize;
                            p.push(Step::Index(i));
                            out.push((a.get(i), p));
                        }
                    }
                    Value::Null => {}
                    other => {
                        return Err(format!("cannot index {} with a number", type_name(other)));
                    }
                }
            }
            out
        }
        Expr::Iterate(inner) => {
            let mut out = Vec::new();
            for (v, p) in paths_from(inner, here, at)? {
                match v.unwrap_or(null) {
                    Value::Array(a) => {
                        for (i, item) in a.iter().enumerate() {
                            let mut p = p.clone();
                            p.push(Step::Index(i));
                            out.push((Some(item), p));
                        }
                    }
                    Value::Object(m) => {
                        for (k, item) in m {
                            let mut p = p.clone();
                            p.push(Step::Key(k.clone()));
                            out.push((Some(item), p));
                        }
                    }
                    other => return Err(format!("cannot iterate over {}", type_name(other))),
                }
            }
            out
        }
        Expr::Try(inner) => paths_from(inner, here, at).unwrap_or_default(),
        Expr::Pipe(a, b) => {
            let mut out = Vec::new();
            for (v, p) in paths_from(a, here, at)? {
                out.extend(paths_from(b, v, p)?);
            }
            out
        }
        Expr::Comma(a, b) => {
            let mut out = paths_from(a, here, at.clone())?;
            out.extend(paths_from(b, here, at)?);
            out
        }
        Expr::Select(cond) => {
            let input = here.unwrap_or(null);
            values(cond, input)?
                .iter()
                .filter(|v| truthy(v))
                .map(|_| (here, at.clone()))
                .collect()
        }
        _ => return Err("invalid path expression".into()),
    })
}

fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

fn values(e: &Expr, input: &Value) -> Eval<Value> {
    Ok(match e {
        Expr::Identity
        | Expr::Key(..)
        | Expr::Index(..)
        | Expr::Iterate(_)
        | Expr::Try(_)
        | Expr::Select(_)
            if is_path(e) =>
        {
            paths(e, input, Vec::new())?
                .into_iter()
                .map(|(v, _)| v.cloned().unwrap_or(Value::Null))
                .collect()
        }
        Expr::Pipe(a, b) => {
            let mut out = Vec::new();
            for v in values(a, input)? {
                out.extend(values(b, &v)?);
            }
            out
        }
        Expr::Comma(a, b) => {
            let mut out = values(a, input)?;
            out.extend(values(b, input)?);
            out
        }
        Expr::Try(inner) => values(inner, input).unwrap_or_default(),
        Expr::Literal(v) => vec![v.clone()],
        Expr::Not => vec![Value::Bool(!truthy(input))],
        Expr::Compare(a, op, b) => {
            let mut out = Vec::new();
            for bv in values(b, input)? {
                for av in values(a, input)? {
                    out.push(Value::Bool(compare(&av, *op, &bv)));
                }
            }
            out
        }
        Expr::And(a, b) | Expr::Or(a, b) => {
            let is_and = matches!(e, Expr::And(..));
            let mut out = Vec::new();
            for av in values(a, input)? {
                if truthy(&av) != is_and {
                    out.push(Value::Bool(!is_and));
                    continue;
                }
                for bv in values(b, input)? {
                    out.push(Value::Bool(truthy(&bv)));
                }
            }
            out
        }
        Expr::Call(f, arg) => match arg {
            None => vec![call(*f, input, &Value::Null)?],
            Some(arg) => values(arg, input)?
                .iter()
                .map(|a| call(*f, input, a))
                .collect::<Result<_, _>>()?,
        },
        // Paths with something in them that is not (a select of values).
        other => {
            let mut out = Vec::new();
            for (v, _) in paths(other, input, Vec::new())? {
                out.push(v.cloned().unwrap_or(Value::Null));
            }
            out
        }
    })
}

fn call(f: Func, input: &Value, arg: &Value) -> Result<Value, String> {
    let both_strings = || match (input, arg) {
        (Value::String(a), Value::String(b)) => Ok((a.as_str(), b.as_str())),
        _ => Err(format!(
            "{f:?} needs strings, not {} and {}",
            type_name(input),
            type_name(arg)
        )),
    };
    Ok(match f {
        Func::StartsWith => {
            let (a, b) = both_strings()?;
            Value::Bool(a.starts_with(b))
        }
        Func::EndsWith => {
            let (a, b) = both_strings()?;
            Value::Bool(a.ends_with(b))
        }
        Func::Contains => Value::Bool(contains(input, arg)),
        Func::Test => {
            let (a, b) = both_strings()?;
            let re = regex::Regex::new(b).map_err(|e| e.to_string())?;
            Value::Bool(re.is_match(a))
        }
        Func::Has => match (input, arg) {
            (Value::Object(m), Value::String(k)) => Value::Bool(m.contains_key(k)),
            (Value::Array(a), Value::Number(n)) => Value::Bool(
                n.as_f64()
                    .is_some_and(|n| n >= 0.0 && (n as usize) < a.len()),
            ),
            _ => {
                return Err(format!(
                    "cannot check whether {} has a key",
                    type_name(input)
                ));
            }
        },
        Func::Length => match input {
            Value::Null => Value::from(0),
            Value::String(s) => Value::from(s.chars().count()),
            Value::Array(a) => Value::from(a.len()),
            Value::Object(m) => Value::from(m.len()),
            Value::Number(n) => Value::from(n.as_f64().unwrap_or(0.0).abs()),
            Value::Bool(_) => return Err("boolean has no length".into()),
        },
        Func::Downcase | Func::Upcase => match input {
            Value::String(s) if f == Func::Downcase => Value::String(s.to_ascii_lowercase()),
            Value::String(s) => Value::String(s.to_ascii_uppercase()),
            other => return Err(format!("{f:?} needs a string, not {}", type_name(other))),
        },
    })
}

/// jq's `contains`: substrings, sub-objects, and arrays whose every item
/// is contained in some item.
fn contains(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.contains(b.as_str()),
        (Value::Object(a), Value::Object(b)) => b
            .iter()
            .all(|(k, bv)| a.get(k).is_some_and(|av| contains(av, bv))),
        (Value::Array(a), Value::Array(b)) => {
            b.iter().all(|bv| a.iter().any(|av| contains(av, bv)))
        }
        _ => equal(a, b),
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// jq's order: null < false < true < numbers < strings < arrays < objects.
fn rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(false) => 1,
        Value::Bool(true) => 2,
        Value::Number(_) => 3,
        Value::String(_) => 4,
        Value::Array(_) => 5,
        Value::Object(_) => 6,
    }
}

fn order(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (xv, yv) in x.iter().zip(y) {
                let o = order(xv, yv);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ if rank(a) != rank(b) => rank(a).cmp(&rank(b)),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

fn compare(a: &Value, op: Cmp, b: &Value) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Cmp::Eq => equal(a, b),
        Cmp::Ne => !equal(a, b),
        Cmp::Lt => order(a, b) == Less,
        Cmp::Le => order(a, b) != Greater,
        Cmp::Gt => order(a, b) == Greater,
        Cmp::Ge => order(a, b) != Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(steps: &[&str]) -> Path {
        steps
            .iter()
            .map(|s| match s.parse::<usize>() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Key(s.to_string()),
            })
            .collect()
    }

    fn run(expr: &str, doc: &Value) -> Vec<Path> {
        PathExpr::parse(expr)
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
            .paths(doc)
    }

    fn deployment() -> Value {
        json!({
            "metadata": {"annotations": {"foo.io/bar": "x", "keep": "y"}},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "web", "image": "nginx:1"},
                {"name": "istio-proxy", "image": "proxy:1"}
            ]}}}
        })
    }

    #[test]
    fn the_expressions_argo_cd_users_write() {
        let d = deployment();
        assert_eq!(
            run(
                r#".spec.template.spec.containers[] | select(.name == "istio-proxy") | .image"#,
                &d
            ),
            [p(&["spec", "template", "spec", "containers", "1", "image"])]
        );
        assert_eq!(
            run(r#".metadata.annotations."foo.io/bar""#, &d),
            [p(&["metadata", "annotations", "foo.io/bar"])]
        );
        assert_eq!(
            run(r#".metadata.annotations["foo.io/bar"]"#, &d),
            [p(&["metadata", "annotations", "foo.io/bar"])]
        );
        assert_eq!(run(".spec.replicas", &d), [p(&["spec", "replicas"])]);
        assert_eq!(
            run(".spec.template.spec.containers[0]", &d),
            [p(&["spec", "template", "spec", "containers", "0"])]
        );
        assert_eq!(
            run(".spec.template.spec.containers[-1].name", &d),
            [p(&["spec", "template", "spec", "containers", "1", "name"])]
        );
        let hooks = json!({"webhooks": [
            {"name": "a", "clientConfig": {"caBundle": "Q0E="}},
            {"name": "b", "clientConfig": {"service": {}}}
        ]});
        assert_eq!(
            run(".webhooks[]?.clientConfig.caBundle", &hooks),
            [p(&["webhooks", "0", "clientConfig", "caBundle"])]
        );
        // Nothing there: nothing named, no error.
        assert!(run(".webhooks[]?.clientConfig.caBundle", &json!({})).is_empty());
        assert!(run(".spec.rules[]?", &json!({"spec": {}})).is_empty());
        // Without `?`, iterating over null fails: Argo CD skips the rule.
        assert!(run(".spec.rules[]", &json!({"spec": {}})).is_empty());
        assert_eq!(
            run(".spec.rules[]?", &json!({"spec": {"rules": [1, 2]}})),
            [p(&["spec", "rules", "0"]), p(&["spec", "rules", "1"])]
        );
    }

    #[test]
    fn select_conditions() {
        let d = deployment();
        let containers = ".spec.template.spec.containers[]";
        for (cond, want) in [
            (r#".name | startswith("istio")"#, Some(1)),
            (r#".name != "web""#, Some(1)),
            (r#".image | test("^nginx")"#, Some(0)),
            (r#".name == "web" and .image == "nginx:1""#, Some(0)),
            (r#"(.name == "web") | not"#, Some(1)),
            (r#"has("nope")"#, None),
            (r#".name | contains("proxy")"#, Some(1)),
            (r#".name == "x" or .name == "web""#, Some(0)),
        ] {
            let expr = format!("{containers} | select({cond}) | .image");
            let want: Vec<Path> = want
                .into_iter()
                .map(|i| {
                    p(&[
                        "spec",
                        "template",
                        "spec",
                        "containers",
                        &i.to_string(),
                        "image",
                    ])
                })
                .collect();
            assert_eq!(run(&expr, &d), want, "{expr}");
        }
    }

    #[test]
    fn unsupported_syntax_is_refused_with_its_column() {
        for (expr, column, words) in [
            ("..", 1, "recursive descent"),
            (".a |= 1", 4, "updates"),
            (".spec | env", 9, "unsupported function"),
            (".a[1:2]", 5, "unsupported ':'"),
            (".a[.b]", 4, "inside [...]"),
            ("1 + 2", 3, "unsupported '+'"),
            (".a == 1", 1, "not a path expression"),
            (r#".a | select(.b | test("("))"#, 23, "test("),
            (".a.", 4, "field name"),
            (r#"."unterminated"#, 2, "unterminated"),
            ("$ENV", 1, "unsupported '$'"),
        ] {
            let err = PathExpr::parse(expr).unwrap_err();
            assert_eq!(err.column, column, "{expr}: {err}");
            assert!(err.message.contains(words), "{expr}: {err}");
            if !words.contains("unterminated") {
                assert!(err.message.contains("supported: paths"), "{expr}: {err}");
            }
        }
    }
}
