//! Health rules users declare in `gitsync.yaml` (`healthCheckExprs`), in
//! Flux's format (kustomize-controller `spec.healthCheckExprs`, RFC 0009):
//! per `apiVersion` and `kind`, CEL expressions `current` (required),
//! `inProgress` and `failed` over the live object.
//!
//! Evaluation follows Flux (fluxcd/pkg `runtime/cel` `StatusEvaluator`):
//!
//! 1. `status.observedGeneration` present and different from
//!    `metadata.generation` → InProgress, without evaluating anything.
//! 2. `inProgress`, then `failed`, then `current`: the first that is true
//!    decides.
//! 3. None true → InProgress.
//!
//! An expression that cannot be evaluated (a field the object does not
//! have yet, a result that is not a boolean) decides nothing: the object
//! stays InProgress with the error as its message, so a sync waits until
//! its timeout and then names the expression, as Flux does.
//!
//! The object's top-level fields are variables (`status`, `metadata`,
//! `spec`: expressions from Flux's library work as they are), and the
//! whole object is also `self`.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::{Health, Status, in_progress, make};

/// One expression, compiled, with its text for messages.
pub struct Expr {
    pub text: String,
    program: cel::Program,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A CEL syntax error: the column within the expression, the parser's
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The environment every expression is compiled and run in: CEL's
/// standard library with its macros (`has`, `all`, `exists`, `filter`,
/// `map`), optional values (`a.?b.orValue(c)`) and the strings extension,
/// as Flux enables them.
fn env() -> Arc<cel::Env> {
    static ENV: std::sync::OnceLock<Arc<cel::Env>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = cel::Env::stdlib();
        // The extension is part of the crate; declaring it twice is the
        // only way this fails, and this runs once.
        let _ = env.add_extension(cel::extensions::strings);
        Arc::new(env)
    })
    .clone()
}

/// How deeply comprehensions (`all`, `exists`, `filter`, `map`) may nest.
/// Evaluation cannot be interrupted, and each level multiplies the work by
/// a list's length: gitsync.yaml comes from the repository and must not be
/// able to stall every sync. Flux's library needs two.
pub const MAX_NESTING: usize = 3;

/// Longest expression accepted, for the same reason.
pub const MAX_LENGTH: usize = 4096;

/// Compiles one expression, or says where its syntax is wrong (or that it
/// is too large to evaluate in bounded time).
pub fn compile(text: &str) -> Result<Expr, SyntaxError> {
    if text.len() > MAX_LENGTH {
        return Err(SyntaxError {
            line: 1,
            column: 1,
            message: format!("longer than {MAX_LENGTH} characters"),
        });
    }
    match env().compile(text) {
        Ok(program) if nesting(program.expression()) > MAX_NESTING => Err(SyntaxError {
            line: 1,
            column: 1,
            message: format!(
                "comprehensions (all, exists, filter, map) nest more than {MAX_NESTING} deep"
            ),
        }),
        Ok(program) => Ok(Expr {
            text: text.to_string(),
            program,
        }),
        Err(errors) => {
            let first = errors.errors.first();
            Err(SyntaxError {
                line: first.map_or(1, |e| usize::try_from(e.pos.0).unwrap_or(1).max(1)),
                column: first.map_or(1, |e| usize::try_from(e.pos.1 + 1).unwrap_or(1).max(1)),
                message: first.map_or_else(|| errors.to_string(), |e| e.msg.clone()),
            })
        }
    }
}

/// The deepest nesting of comprehensions in an expression.
fn nesting(e: &cel::IdedExpr) -> usize {
    use cel::common::ast::{EntryExpr, Expr as E};
    let max =
        |items: &mut dyn Iterator<Item = &cel::IdedExpr>| items.map(nesting).max().unwrap_or(0);
    match &e.expr {
        E::Comprehension(c) => {
            let inner = [&c.accu_init, &c.loop_cond, &c.loop_step, &c.result];
            nesting(&c.iter_range).max(1 + max(&mut inner.into_iter()))
        }
        E::Call(call) => max(&mut call.target.as_deref().into_iter().chain(&call.args)),
        E::List(list) => max(&mut list.elements.iter()),
        E::Select(select) => nesting(&select.operand),
        E::Map(m) => max(&mut m.entries.iter().flat_map(|entry| match &entry.expr {
            EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
            EntryExpr::StructField(f) => vec![&f.value],
        })),
        E::Struct(st) => max(&mut st.entries.iter().flat_map(|entry| match &entry.expr {
            EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
            EntryExpr::StructField(f) => vec![&f.value],
        })),
        E::Unspecified | E::Ident(_) | E::Literal(_) => 0,
    }
}

/// One `healthCheckExprs` entry, compiled.
#[derive(Debug)]
pub struct Rule {
    pub api_version: String,
    pub kind: String,
    pub current: Expr,
    pub in_progress: Option<Expr>,
    pub failed: Option<Expr>,
    /// Where it was declared, for `health explain`: `gitsync.yaml line 7`.
    pub declared: String,
}

impl Rule {
    pub fn matches(&self, obj: &Value) -> bool {
        obj.get("apiVersion").and_then(Value::as_str) == Some(self.api_version.as_str())
            && obj.get("kind").and_then(Value::as_str) == Some(self.kind.as_str())
    }

    /// The object's health by this rule, with which expression decided.
    pub fn evaluate(&self, obj: &Value) -> (Health, String) {
        let kind = &self.kind;
        if let Some(h) = super::generation_not_observed(obj, kind) {
            return (h, "status.observedGeneration".into());
        }
        let ctx = context(obj);
        let order = [
            ("inProgress", self.in_progress.as_ref(), Status::InProgress),
            ("failed", self.failed.as_ref(), Status::Failed),
            ("current", Some(&self.current), Status::Current),
        ];
        for (name, expr, status) in order {
            let Some(expr) = expr else { continue };
            match run(expr, &ctx) {
                Ok(true) => {
                    return (
                        make(status, format!("{kind}: {name} is true ({})", expr.text)),
                        name.into(),
                    );
                }
                Ok(false) => {}
                Err(e) => {
                    return (
                        in_progress(format!(
                            "{kind}: {name} expression ({}) could not be evaluated: {e}",
                            expr.text
                        )),
                        name.into(),
                    );
                }
            }
        }
        (
            in_progress(format!(
                "{kind}: none of the expressions is true yet (current: {})",
                self.current.text
            )),
            "none".into(),
        )
    }
}

fn context(obj: &Value) -> cel::Context<'static, 'static> {
    let mut ctx = cel::Context::with_env(env());
    if let Value::Object(map) = obj {
        for (k, v) in map {
            ctx.add_variable_from_value(k.clone(), to_cel(v));
        }
    }
    ctx.add_variable_from_value("self", to_cel(obj));
    ctx
}

/// Evaluates `expr` with `vars` as its variables (not an object's
/// fields): for expressions over something else than one object, such as
/// a dependency's `readyWhen` over its objects.
pub fn evaluate_with(expr: &Expr, vars: &[(&str, &Value)]) -> Result<bool, String> {
    let mut ctx = cel::Context::with_env(env());
    for (name, value) in vars {
        ctx.add_variable_from_value(*name, to_cel(value));
    }
    run(expr, &ctx)
}

fn run(expr: &Expr, ctx: &cel::Context<'_, '_>) -> Result<bool, String> {
    match expr.program.execute(ctx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!(
            "the result is {:?}, not a boolean",
            other.type_of()
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// JSON to CEL: integers become `int` (not `uint`), so that
/// `status.replicas == 3` compares like with like.
fn to_cel(v: &Value) -> cel::Value {
    match v {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => cel::Value::Int(i),
            (None, Some(u)) => cel::Value::UInt(u),
            _ => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => cel::Value::String(Arc::new(s.clone())),
        Value::Array(a) => cel::Value::List(Arc::new(a.iter().map(to_cel).collect())),
        Value::Object(m) => {
            let map: HashMap<cel::objects::Key, cel::Value> = m
                .iter()
                .map(|(k, v)| (cel::objects::Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            cel::Value::Map(cel::objects::Map { map: Arc::new(map) })
        }
    }
}
