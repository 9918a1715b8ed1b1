//! Building and running specialist-server as a child process, and always stopping it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::command::{self, Failure, describe};

/// Which cargo profile to build the server with.
#[derive(Clone, Copy)]
pub enum Profile {
    /// Shares artifacts with `cargo test`, so the test run compiles nothing twice.
    Debug,
    /// For `cargo xtask serve`.
    Release,
}

/// Builds specialist-server and returns the path of its binary.
pub fn build(root: &Path, profile: Profile) -> Result<PathBuf, Failure> {
    let mut cargo = Command::new("cargo");
    cargo.args(["build", "--locked", "--package", "specialist-server"]);
    if let Profile::Release = profile {
        cargo.arg("--release");
    }
    let hint = Some(describe(&cargo));
    command::run("specialist-server", &mut cargo, hint)?;
    let folder = match profile {
        Profile::Debug => "debug",
        Profile::Release => "release",
    };
    Ok(root.join("target").join(folder).join("specialist-server"))
}

/// A running server, stopped (SIGTERM, then SIGKILL) when dropped, whatever happened meanwhile.
pub struct RunningServer {
    child: Child,
    /// The base URL the server printed, e.g. `http://127.0.0.1:41234/lms/pkg/123/`.
    pub url: String,
}

/// What a start may add to the flags every server gets.
#[derive(Default)]
pub struct Extras<'a> {
    /// Flags appended after the common ones, e.g. `["--rate-limit", "0"]`.
    pub arguments: &'a [&'a str],
    /// A file to receive the server's log (its stderr) instead of the terminal, for runs
    /// that would otherwise print a line per request.
    pub log_file: Option<&'a Path>,
}

impl RunningServer {
    /// Starts the server and waits until it prints the URL it listens on.
    pub fn start(
        binary: &Path,
        bundle: &Path,
        course: &Path,
        database: &Path,
        port: &str,
        base_path: &str,
    ) -> Result<Self, Failure> {
        Self::start_with(
            binary,
            bundle,
            course,
            database,
            port,
            base_path,
            &Extras::default(),
        )
    }

    /// [`RunningServer::start`] with extra flags and, optionally, the log in a file.
    pub fn start_with(
        binary: &Path,
        bundle: &Path,
        course: &Path,
        database: &Path,
        port: &str,
        base_path: &str,
        extras: &Extras<'_>,
    ) -> Result<Self, Failure> {
        let mut server = Command::new(binary);
        server
            .args(["--bundle".as_ref(), bundle.as_os_str()])
            .args(["--course".as_ref(), course.as_os_str()])
            .args(["--db".as_ref(), database.as_os_str()])
            .args(["--port", port, "--base-path", base_path])
            .args(extras.arguments)
            .stdout(Stdio::piped());
        let mut messages = "see its messages above".to_string();
        if let Some(log_file) = extras.log_file {
            let log = std::fs::File::create(log_file).map_err(|error| {
                Failure::new(
                    "specialist-server",
                    format!("cannot create the log file {}: {error}", log_file.display()),
                    None,
                )
            })?;
            server.stderr(log);
            messages = format!("see its log in {}", log_file.display());
        }
        let line = describe(&server);
        let mut child = server.spawn().map_err(|error| Failure {
            tool: "specialist-server".into(),
            command: Some(line.clone()),
            detail: format!("could not start: {error}"),
            hint: None,
        })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for output in BufReader::new(stdout).lines().map_while(Result::ok) {
                match output.split_once("listening on ") {
                    Some((_, url)) => {
                        let _ = sender.send(url.trim().to_string());
                    }
                    None => println!("{output}"),
                }
            }
        });
        match receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => Ok(Self { child, url }),
            Err(_) => {
                let _ = child.kill();
                let status = child
                    .wait()
                    .map(|status| status.to_string())
                    .unwrap_or_default();
                Err(Failure {
                    tool: "specialist-server".into(),
                    command: Some(line),
                    detail: format!("did not start listening within 30 s ({status}); {messages}"),
                    hint: None,
                })
            }
        }
    }

    /// Waits until the server exits. Ctrl-C reaches the server too (same process group);
    /// xtask forwards SIGTERM as well, so `kill` of xtask alone also stops the server.
    pub fn wait_for_interrupt(mut self) -> Result<(), Failure> {
        let pid = self.child.id();
        let _ = ctrlc::set_handler(move || terminate(pid));
        let status = self
            .child
            .wait()
            .map_err(|error| Failure::new("specialist-server", error.to_string(), None))?;
        if status.success() {
            println!("Stopped.");
            Ok(())
        } else {
            Err(Failure::new(
                "specialist-server",
                format!("exited with {status}"),
                None,
            ))
        }
    }
}

/// Asks a process to stop gracefully.
fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        terminate(self.child.id());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
