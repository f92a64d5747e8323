//! Targets that failed while the others went on: after the others'
//! results, in the same format. In JSON the results become an array (as
//! for several targets) that ends with `{"target", "error"}` per failure.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::Failed;
use crate::settings::OutputFormat;

/// Writes what `results` writes, then the failed targets.
pub(super) fn write_with(
    out: &mut dyn Write,
    format: OutputFormat,
    failed: &[Failed],
    results: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            // The results' own writer decides their shape; they are read
            // back to join the failures in one document.
            let mut buf = Vec::new();
            results(&mut buf)?;
            let mut docs = match serde_json::from_slice::<Value>(&buf) {
                Ok(Value::Array(docs)) => docs,
                Ok(doc) => vec![doc],
                Err(_) => Vec::new(), // nothing written: no target worked
            };
            docs.extend(
                failed
                    .iter()
                    .map(|f| json!({"target": f.target, "error": f.error})),
            );
            serde_json::to_writer_pretty(&mut *out, &Value::Array(docs))?;
            writeln!(out)
        }
        OutputFormat::Text => {
            results(out)?;
            for f in failed {
                writeln!(out)?;
                writeln!(out, "# target {}", f.target)?;
                writeln!(out, "FAILED: {}", f.error)?;
            }
            Ok(())
        }
        OutputFormat::Markdown => {
            results(out)?;
            for f in failed {
                writeln!(out)?;
                writeln!(out, "### gitsync: `{}` failed", f.target.replace('`', "'"))?;
                writeln!(out)?;
                writeln!(out, "```text\n{}\n```", f.error.replace("```", "'''"))?;
            }
            Ok(())
        }
    }
}
