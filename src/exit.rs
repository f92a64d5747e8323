//! Exit codes of the command-line contract, and how errors are printed.

use std::io::{self, Write};
use std::process::ExitCode;

/// What a command ended with. Errors are `Err(anyhow::Error)`, exit 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, nothing to report.
    Success,
    /// 1: `diff`/`drift` found changes.
    Changes,
    /// 3: `sync` applied, but not everything became healthy in time.
    Unhealthy,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Changes => 1,
            ExitStatus::Unhealthy => 3,
        }
    }
}

/// Exit code for any error.
pub const ERROR_CODE: u8 = 2;

/// Maps a command's result to the process exit code, printing an error as
/// `error: …` with its causes on stderr. A closed stdout (`gitsync render |
/// head`) is not an error: the reader got what it wanted.
pub fn finish(result: anyhow::Result<ExitStatus>) -> ExitCode {
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = write_error(&mut io::stderr().lock(), &err);
            ExitCode::from(ERROR_CODE)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `error: <top>` then one `  caused by: <cause>` line per cause. Multi-line
/// messages (a list of validation problems) keep their lines, indented.
pub fn write_error(out: &mut dyn Write, err: &anyhow::Error) -> io::Result<()> {
    let mut chain = err.chain();
    if let Some(top) = chain.next() {
        writeln!(out, "error: {}", indent_continuation(&top.to_string()))?;
    }
    for cause in chain {
        writeln!(
            out,
            "  caused by: {}",
            indent_continuation(&cause.to_string())
        )?;
    }
    Ok(())
}

fn indent_continuation(msg: &str) -> String {
    msg.trim_end().replace('\n', "\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn error_lists_causes() {
        let err = Err::<(), _>(io::Error::other("connection refused"))
            .context("reading the live state")
            .unwrap_err();
        let mut out = Vec::new();
        write_error(&mut out, &err).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "error: reading the live state\n  caused by: connection refused\n"
        );
    }

    #[test]
    fn broken_pipe_is_success() {
        let err =
            anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert!(is_broken_pipe(&err));
        assert_eq!(finish(Err(err)), ExitCode::SUCCESS);
    }
}
