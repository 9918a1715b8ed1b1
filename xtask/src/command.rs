//! Running external commands with failures that name the tool, the command and the fix.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A step that failed: which tool, which command, and what a person can run by hand.
#[derive(Debug)]
pub struct Failure {
    /// The tool or step, e.g. `trunk`.
    pub tool: String,
    /// The command line that failed, when there was one.
    pub command: Option<String>,
    /// What went wrong.
    pub detail: String,
    /// What to run or do by hand.
    pub hint: Option<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "error: {}", self.tool)?;
        if let Some(command) = &self.command {
            write!(formatter, ": `{command}`")?;
        }
        write!(formatter, " {}", self.detail)?;
        if let Some(hint) = &self.hint {
            write!(formatter, "\n  to fix it by hand: {hint}")?;
        }
        Ok(())
    }
}

impl Failure {
    /// A failure with a hint and no command.
    pub fn new(tool: &str, detail: impl Into<String>, hint: Option<String>) -> Self {
        Self {
            tool: tool.into(),
            command: None,
            detail: detail.into(),
            hint,
        }
    }

    /// Wrong arguments to xtask itself.
    pub fn usage(detail: String) -> Self {
        Self::new("xtask", detail, None)
    }
}

/// The command line as a person would type it.
pub fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `command` with inherited output; a non-zero exit becomes a [`Failure`] naming `tool`.
pub fn run(tool: &str, command: &mut Command, hint: Option<String>) -> Result<(), Failure> {
    let line = describe(command);
    let status = command.status().map_err(|error| Failure {
        tool: tool.into(),
        command: Some(line.clone()),
        detail: format!("could not start: {error}"),
        hint: hint.clone(),
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure {
            tool: tool.into(),
            command: Some(line),
            detail: format!("failed ({status})"),
            hint,
        })
    }
}

/// The trimmed standard output of a command that succeeded, or `None` (missing tool, error exit).
pub fn output_of(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The folder where npm puts the pinned tool binaries (wasm-opt from binaryen).
pub fn npm_tools_bin(root: &Path) -> PathBuf {
    root.join("tools/node_modules/.bin")
}

/// PATH with the npm tool binaries and cargo's install folder in front, so that
/// Trunk finds exactly the pinned wasm-opt and wasm-bindgen without downloading.
pub fn tool_path(root: &Path) -> OsString {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|cargo_home| cargo_home.join("bin"));
    let existing = std::env::var_os("PATH").unwrap_or_default();
    let paths = [Some(npm_tools_bin(root)), cargo_bin]
        .into_iter()
        .flatten()
        .chain(std::env::split_paths(&existing));
    std::env::join_paths(paths).expect("PATH entries contain no separator")
}

/// A command for a program found on [`tool_path`].
pub fn tool(root: &Path, program: &str) -> Command {
    let mut command = Command::new(program);
    command.env("PATH", tool_path(root));
    command
}
