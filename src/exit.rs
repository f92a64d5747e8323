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
    /// 4: `sync` was interrupted (SIGINT/SIGTERM): the writes in flight
    /// finished, nothing new was started; running it again converges.
    Interrupted,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Changes => 1,
            ExitStatus::Unhealthy => 3,
            ExitStatus::Interrupted => 4,
        }
    }
}

/// Exit code for any error.
pub const ERROR_CODE: u8 = 2;

/// Writing results to stdout failed because its reader went away
/// (`gitsync render | head`): the reader got what it wanted, so this is
/// the one broken pipe that is not an error.
#[derive(Debug, thiserror::Error)]
#[error("stdout was closed")]
pub struct StdoutClosed;

/// For the result of writing to stdout: a closed stdout becomes
/// [`StdoutClosed`]; any other failure says it was stdout.
pub fn stdout<T>(written: io::Result<T>) -> anyhow::Result<T> {
    match written {
        Ok(v) => Ok(v),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("writing the results to stdout")),
    }
}

/// Maps a command's result to the process exit code, printing an error as
/// `error: …` with its causes on stderr. Only [`StdoutClosed`] counts as
/// success; a broken pipe anywhere else (a connection to the API server)
/// is an error like any other.
pub fn finish(result: anyhow::Result<ExitStatus>) -> ExitCode {
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) if err.downcast_ref::<StdoutClosed>().is_some() => ExitCode::SUCCESS,
        Err(err) => {
            let _ = write_error(&mut io::stderr().lock(), &err);
            ExitCode::from(ERROR_CODE)
        }
    }
}

/// `error: <top>` then one `  caused by: <cause>` line per cause. Multi-line
/// messages (a list of validation problems) keep their lines, indented.
pub fn write_error(out: &mut dyn Write, err: &anyhow::Error) -> io::Result<()> {
    let mut chain = err.chain();
    let mut last = String::new();
    if let Some(top) = chain.next() {
        last = top.to_string();
        writeln!(out, "error: {}", indent_continuation(&last))?;
    }
    for cause in chain {
        let text = cause.to_string();
        // Some errors quote their source (kube's `ServiceError: <source>`):
        // the same words again add nothing.
        if !last.ends_with(&text) {
            writeln!(out, "  caused by: {}", indent_continuation(&text))?;
        }
        last = text;
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
    fn a_cause_quoted_by_the_error_above_is_not_repeated() {
        let mut out = Vec::new();
        let chained = anyhow::Error::new(Quoting(io::Error::other("no answer within 3s")))
            .context("discovering at https://k");
        write_error(&mut out, &chained).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "error: discovering at https://k\n  caused by: ServiceError: no answer within 3s\n"
        );
    }

    #[derive(Debug, thiserror::Error)]
    #[error("ServiceError: {0}")]
    struct Quoting(#[source] io::Error);

    #[test]
    fn a_closed_stdout_is_success() {
        let err = stdout::<()>(Err(io::Error::from(io::ErrorKind::BrokenPipe))).unwrap_err();
        assert_eq!(finish(Err(err)), ExitCode::SUCCESS);
    }

    #[test]
    fn a_broken_pipe_elsewhere_is_an_error() {
        // A connection to the API server that broke: the command failed.
        let err = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("applying v1 ConfigMap shop/web");
        assert_eq!(finish(Err(err)), ExitCode::from(ERROR_CODE));
    }

    #[test]
    fn other_stdout_failures_are_errors() {
        let err = stdout::<()>(Err(io::Error::from(io::ErrorKind::StorageFull))).unwrap_err();
        assert_eq!(err.to_string(), "writing the results to stdout");
        assert_eq!(finish(Err(err)), ExitCode::from(ERROR_CODE));
    }
}
