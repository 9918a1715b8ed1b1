//! `cargo xtask test`: every check and suite, against a real server and a real browser,
//! ending with one line `N passed, M failed` that CI reads.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use crate::command::{self, Failure, describe};
use crate::server::{self, RunningServer};
use crate::{bundle, setup};

/// The sub-path the end-to-end suite also serves the bundle under, as an LMS would.
const LMS_SUB_PATH: &str = "/lms/pkg/123/";

/// Counts of passed and failed tests, per suite and in total.
#[derive(Default)]
struct Tally {
    rows: Vec<(String, u64, u64, String)>,
}

impl Tally {
    fn add(&mut self, suite: &str, passed: u64, failed: u64, note: impl Into<String>) {
        self.rows
            .push((suite.to_string(), passed, failed, note.into()));
    }

    /// A check that is not a test runner (fmt, clippy, a build) counts only when it fails.
    fn check(&mut self, suite: &str, result: Result<(), Failure>) -> bool {
        match result {
            Ok(()) => {
                self.add(suite, 0, 0, "ok");
                true
            }
            Err(failure) => {
                eprintln!("\n{failure}\n");
                self.add(suite, 0, 1, "failed");
                false
            }
        }
    }

    fn totals(&self) -> (u64, u64) {
        self.rows.iter().fold((0, 0), |(passed, failed), row| {
            (passed + row.1, failed + row.2)
        })
    }
}

/// Runs everything; the server is stopped on every path because `RunningServer` stops on drop.
pub fn run(root: &Path) -> ExitCode {
    let started = Instant::now();
    let mut tally = Tally::default();
    if tally.check("setup", setup::run(root)) {
        run_suites(root, &mut tally);
    }
    println!("\nSummary ({:.0} s):", started.elapsed().as_secs_f64());
    for (suite, passed, failed, note) in &tally.rows {
        println!("  {suite:<28} {passed:>5} passed {failed:>4} failed   {note}");
    }
    let (passed, failed) = tally.totals();
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run_suites(root: &Path, tally: &mut Tally) {
    let cargo = |arguments: &[&str]| {
        let mut command = Command::new("cargo");
        command.args(arguments);
        command
    };
    tally.check(
        "cargo fmt --check",
        command::run(
            "rustfmt",
            &mut cargo(&["fmt", "--all", "--", "--check"]),
            Some("cargo fmt --all".into()),
        ),
    );
    let mut clippy = cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    let hint = Some(describe(&clippy));
    tally.check("cargo clippy", command::run("clippy", &mut clippy, hint));

    // The bundle is built before the cargo tests, so that the tests which inspect what
    // ships (sealed exam files) read the real bundle rather than a fresh publish.
    let bundle = match bundle::build_release(root) {
        Ok(bundle) => bundle,
        Err(failure) => {
            tally.check("release bundle", Err(failure));
            cargo_tests(tally, None);
            tally.add("playwright", 0, 1, "not run: no bundle");
            return;
        }
    };
    tally.check("release bundle", Ok(()));
    bundle::print_sizes(&bundle);
    // What a first visit downloads before the first lesson shows may not grow past
    // bench/budget.toml's ceiling; a failure lists every file's size.
    tally.check("size budget", crate::budget::enforce(root, &bundle));
    // The LMS packages of this very bundle, their manifests validated against the XSDs.
    tally.check(
        "lms packages",
        crate::dist::package(root, &bundle).map(|packages| {
            println!(
                "lms packages: {} written to {}",
                packages.len(),
                crate::dist::DIST_DIRECTORY
            );
        }),
    );
    cargo_tests(tally, Some(&bundle));

    // The player and exam suites run on the starter course (their fixtures name its
    // lessons and answers); the certificate suite on the tiny course; the content smoke
    // test on the real course, as built.
    let starter = course_bundle(root, &bundle, STARTER_COURSE, "starter-course-bundle", None);
    let tiny = course_bundle(
        root,
        &bundle,
        TINY_COURSE,
        "tiny-course-bundle",
        Some(TINY_COURSE_DEPLOYMENT),
    );
    let servers = starter.and_then(|starter| {
        let binary = server::build(root, server::Profile::Debug)?;
        let data = std::env::temp_dir().join(format!("specialist-e2e-{}", std::process::id()));
        let starter_course = root.join(STARTER_COURSE);
        let at_root = RunningServer::start(
            &binary,
            &starter,
            &starter_course,
            &data.join("root.db"),
            "0",
            "/",
        )?;
        let at_sub_path = RunningServer::start(
            &binary,
            &starter,
            &starter_course,
            &data.join("sub-path.db"),
            "0",
            LMS_SUB_PATH,
        )?;
        let real_course = RunningServer::start(
            &binary,
            &bundle,
            &root.join("course"),
            &data.join("course.db"),
            "0",
            "/",
        )?;
        Ok((at_root, at_sub_path, real_course, data, binary))
    });
    match (servers, tiny) {
        (Ok((at_root, at_sub_path, real_course, data, binary)), Ok(tiny)) => {
            let suites = Suites {
                root_url: at_root.url.clone(),
                sub_path_url: at_sub_path.url.clone(),
                course_url: real_course.url.clone(),
                server_binary: binary,
                tiny_bundle: tiny,
                tiny_course: root.join(TINY_COURSE),
            };
            playwright(root, &suites, tally);
            drop((at_root, at_sub_path, real_course));
            let _ = std::fs::remove_dir_all(data);
        }
        (Err(failure), _) | (_, Err(failure)) => {
            tally.check("server", Err(failure));
            tally.add("playwright", 0, 1, "not run: no server");
        }
    }
}

/// The small course the player and exam suites run on.
const STARTER_COURSE: &str = "tests/fixtures/starter-course";
/// The one-lesson course the certificate tests complete end to end.
const TINY_COURSE: &str = "tests/fixtures/tiny-course";
/// config.json and the partner logo of the tiny course's deployment.
const TINY_COURSE_DEPLOYMENT: &str = "tests/fixtures/test-course-deployment";

/// Where each Playwright suite finds its app, and what the certificate suite needs to run
/// servers of its own, which it stops and restarts.
struct Suites {
    root_url: String,
    sub_path_url: String,
    course_url: String,
    server_binary: PathBuf,
    tiny_bundle: PathBuf,
    tiny_course: PathBuf,
}

/// A copy of the release bundle with the course in `course` published in place of the real
/// one (and the files of `deployment`, e.g. a co-branded config.json, copied over), so the
/// app under test is exactly the shipped app.
fn course_bundle(
    root: &Path,
    bundle: &Path,
    course: &str,
    name: &str,
    deployment: Option<&str>,
) -> Result<PathBuf, Failure> {
    let failed = |detail: String| Failure::new(name, detail, None);
    let target = root.join("target/e2e").join(name);
    let _ = std::fs::remove_dir_all(&target);
    bundle::copy_folder(bundle, &target)
        .map_err(|error| failed(format!("copying the bundle: {error}")))?;
    let course_folder = target.join("course");
    std::fs::remove_dir_all(&course_folder)
        .map_err(|error| failed(format!("removing the bundled course: {error}")))?;
    specialist_publish::publish(&root.join(course), &course_folder).map_err(|errors| {
        failed(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    if let Some(deployment) = deployment {
        bundle::copy_folder(&root.join(deployment), &target)
            .map_err(|error| failed(format!("copying {deployment}: {error}")))?;
    }
    // The copied service worker lists the real course's files: list these instead.
    crate::builds::stamp(&target, None).map_err(failed)?;
    crate::service_worker::generate(&target).map_err(failed)?;
    bundle::precompress(&target).map_err(|error| failed(format!("precompressing: {error}")))?;
    Ok(target)
}

/// Sums `N passed; M failed; K ignored` over every `test result:` line cargo prints.
fn parse_cargo_test_results(output: &str) -> (u64, u64, u64) {
    let mut totals = (0, 0, 0);
    for line in output
        .lines()
        .filter_map(|line| line.trim().strip_prefix("test result:"))
    {
        for part in line.split([';', '.']) {
            let mut words = part.split_whitespace();
            if let (Some(number), Some(word)) = (words.next(), words.next()) {
                let Ok(number) = number.parse::<u64>() else {
                    continue;
                };
                match word {
                    "passed" => totals.0 += number,
                    "failed" => totals.1 += number,
                    "ignored" => totals.2 += number,
                    _ => {}
                }
            }
        }
    }
    totals
}

/// Runs every cargo test; `bundle` (when built) is handed to the tests that inspect it.
fn cargo_tests(tally: &mut Tally, bundle: Option<&Path>) {
    let mut cargo = Command::new("cargo");
    cargo
        // Every crate's tests run even when one fails, so the count covers them all.
        .args(["test", "--workspace", "--locked", "--no-fail-fast"])
        .stdout(Stdio::piped());
    if let Some(bundle) = bundle {
        cargo.env("SPECIALIST_BUNDLE", bundle);
    }
    let Ok(mut child) = cargo.spawn() else {
        tally.add("cargo test", 0, 1, "could not start cargo");
        return;
    };
    let mut output = String::new();
    for line in BufReader::new(child.stdout.take().expect("stdout is piped"))
        .lines()
        .map_while(Result::ok)
    {
        println!("{line}");
        output.push_str(&line);
        output.push('\n');
    }
    let success = child.wait().is_ok_and(|status| status.success());
    let (passed, mut failed, ignored) = parse_cargo_test_results(&output);
    let mut note = String::new();
    if ignored > 0 {
        // An ignored test is a test that cannot fail: it counts as a failure here.
        failed += ignored;
        note = format!("{ignored} ignored, counted as failed");
    }
    if !success && failed == 0 {
        failed = 1;
        note = "cargo test failed before reporting (compile error?)".into();
    }
    tally.add("cargo test", passed, failed, note);
}

fn playwright(root: &Path, suites: &Suites, tally: &mut Tally) {
    let suite = root.join("tests/e2e");
    let report = root.join("target/e2e/report.json");
    let _ = std::fs::remove_file(&report);
    let mut runner = Command::new(suite.join("node_modules/.bin/playwright"));
    runner
        .arg("test")
        .current_dir(&suite)
        .env("SPECIALIST_URL", &suites.root_url)
        .env("SPECIALIST_SUB_PATH_URL", &suites.sub_path_url)
        .env("SPECIALIST_COURSE_URL", &suites.course_url)
        .env("SPECIALIST_SERVER_BINARY", &suites.server_binary)
        .env("SPECIALIST_TEST_COURSE_BUNDLE", &suites.tiny_bundle)
        .env("SPECIALIST_TEST_COURSE", &suites.tiny_course)
        // The offline suite makes a second version of a bundle with `xtask service-worker`.
        .env(
            "SPECIALIST_XTASK",
            std::env::current_exe().unwrap_or_else(|_| "xtask".into()),
        )
        .env("PLAYWRIGHT_JSON_OUTPUT_FILE", &report);
    println!(
        "\nplaywright: {} (at {}, {} and {})",
        describe(&runner),
        suites.root_url,
        suites.sub_path_url,
        suites.course_url
    );
    let success = runner.status().is_ok_and(|status| status.success());
    let stats = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .map(|json| json["stats"].clone());
    let Some(stats) = stats else {
        tally.add("playwright", 0, 1, "no report: the suite did not run");
        return;
    };
    let count = |key: &str| stats[key].as_u64().unwrap_or(0);
    let (passed, skipped) = (count("expected"), count("skipped"));
    // Flaky tests passed only on a retry, and skipped tests cannot fail: both count as failed.
    let mut failed = count("unexpected") + count("flaky") + skipped;
    if !success && failed == 0 {
        failed = 1;
    }
    let note = if skipped > 0 {
        format!("{skipped} skipped, counted as failed")
    } else {
        String::new()
    };
    tally.add("playwright", passed, failed, note);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_test_lines_are_summed_across_binaries_and_doc_tests() {
        let output = "\
running 3 tests
test a ... ok
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

test result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.20s
   Doc-tests specialist_core
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(parse_cargo_test_results(output), (8, 2, 1));
        assert_eq!(
            parse_cargo_test_results("error[E0425]: cannot find value"),
            (0, 0, 0)
        );
    }

    #[test]
    fn checks_count_only_when_they_fail_and_totals_add_up() {
        let mut tally = Tally::default();
        assert!(tally.check("fmt", Ok(())));
        assert!(!tally.check("clippy", Err(Failure::new("clippy", "failed", None))));
        tally.add("cargo test", 10, 1, "");
        tally.add("playwright", 4, 0, "");
        assert_eq!(tally.totals(), (14, 2));
    }
}
