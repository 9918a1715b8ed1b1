//! xtask: Specialist's build tool. `cargo xtask setup | serve | test`.
//!
//! It is the one place that knows how the parts fit together: which tools at which
//! versions, how the bundle is built, and how the suites run against a real server.

mod bench;
mod bench_server;
mod budget;
mod builds;
mod bundle;
mod command;
mod dist;
mod server;
mod service_worker;
mod setup;
mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>
  setup                            install what this machine lacks (idempotent)
  course check [DIR]               check a course source folder (default: course) and list every problem
  course publish SOURCE TARGET     publish a course source folder into TARGET (a bundle's course/)
  serve [--port N] [--db PATH]     build the release bundle and run the server on 127.0.0.1
  dist                             build the bundle and write web.zip, scorm12.zip, scorm2004.zip and cmi5.zip to target/dist
  builds DIR                       name the app's three builds by hash in DIR/index.html (Trunk's post-build hook)
  bench [--no-build] [--runs N]    build the release bundle and measure it (sizes, browser, Lighthouse, server); writes target/bench/report.json
  bench-server                     only the server's certificate throughput and latency
  service-worker DIR               minify DIR's CSS, JS and loader, `builds DIR`, then write DIR/sw.js (Trunk's post-build hook for release builds)
  test                             fmt, clippy, cargo tests, bundle build, Playwright; ends with `N passed, M failed`";

/// The workspace root (the parent of xtask/), whatever directory cargo was run from.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    if let Err(error) = std::env::set_current_dir(&root) {
        eprintln!("xtask: cannot enter {}: {error}", root.display());
        return ExitCode::FAILURE;
    }
    let result = match arguments.first().map(String::as_str) {
        Some("setup") => setup::run(&root),
        Some("dist") => dist::run(&root),
        Some("bench") => bench::run(&root, &arguments[1..]),
        Some("bench-server") => bench_server::run_standalone(&root),
        Some("serve") => serve(&root, &arguments[1..]),
        Some("test") => return test::run(&root),
        Some("service-worker") => {
            return match arguments.get(1).map(|directory| {
                builds::stamp(Path::new(directory), Some(&root))
                    .and_then(|()| service_worker::generate(Path::new(directory)))
            }) {
                Some(Ok(version)) => {
                    println!("service worker: version {version}");
                    ExitCode::SUCCESS
                }
                Some(Err(error)) => {
                    eprintln!("service worker: {error}");
                    ExitCode::FAILURE
                }
                None => {
                    eprintln!("{USAGE}");
                    ExitCode::from(2)
                }
            };
        }
        Some("builds") => {
            let Some(directory) = arguments.get(1) else {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            };
            return match builds::stamp(Path::new(directory), None) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("builds: {error}");
                    ExitCode::FAILURE
                }
            };
        }
        Some("course") if arguments.get(1).map(String::as_str) == Some("publish") => {
            let (Some(source), Some(target)) = (arguments.get(2), arguments.get(3)) else {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            };
            return match specialist_publish::publish(Path::new(source), Path::new(target)) {
                Ok(published) => {
                    println!("published {} files into {target}", published.files.len());
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    errors.iter().for_each(|error| eprintln!("error: {error}"));
                    ExitCode::FAILURE
                }
            };
        }
        Some("course") if arguments.get(1).map(String::as_str) == Some("check") => {
            return course_check(
                arguments
                    .get(2)
                    .map_or_else(|| root.join("course"), PathBuf::from),
            );
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("\n{failure}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask course check [DIR]`: every problem at once, as `path:line:column: message`.
fn course_check(directory: PathBuf) -> ExitCode {
    match specialist_publish::compile(&directory) {
        Ok(published) => {
            let manifest = &published.manifest;
            println!(
                "{}: ok. {} modules, {} lessons, {} of {} target minutes, {} files to publish",
                directory.display(),
                manifest.modules.len(),
                manifest.lessons().count(),
                manifest.total_minutes,
                manifest.target_minutes,
                published.files.len()
            );
            println!(
                "  {:<32} {:>7} {:>8} {:>7} {:>10} {:>7}",
                "module", "planned", "computed", "reading", "activities", "off"
            );
            for module in &manifest.modules {
                if module.planned {
                    println!(
                        "  {:<32} {:>7} {:>8}",
                        module.id, module.planned_minutes, "planned"
                    );
                    continue;
                }
                let reading: u32 = module
                    .lessons
                    .iter()
                    .map(|lesson| lesson.reading_minutes)
                    .sum();
                let activities: u32 = module
                    .lessons
                    .iter()
                    .map(|lesson| lesson.activity_minutes)
                    .sum();
                let off = if module.planned_minutes == 0 {
                    "-".to_string()
                } else {
                    let difference = i64::from(module.minutes) - i64::from(module.planned_minutes);
                    format!(
                        "{:+.1} %",
                        difference as f64 * 100.0 / f64::from(module.planned_minutes)
                    )
                };
                println!(
                    "  {:<32} {:>7} {:>8} {:>7} {:>10} {:>7}",
                    module.id, module.planned_minutes, module.minutes, reading, activities, off
                );
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for error in &errors {
                println!("{error}");
            }
            eprintln!("{}: {} problem(s)", directory.display(), errors.len());
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask serve`: setup, release bundle, release server, then wait until Ctrl-C.
fn serve(root: &Path, arguments: &[String]) -> Result<(), command::Failure> {
    let mut port = "8080".to_string();
    let mut database = root.join("data/specialist.db");
    let mut rest = arguments.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| command::Failure::usage(format!("{flag} needs a value\n{USAGE}")))?;
        match flag.as_str() {
            "--port" => port.clone_from(value),
            "--db" => database = PathBuf::from(value),
            _ => {
                return Err(command::Failure::usage(format!(
                    "unknown flag {flag}\n{USAGE}"
                )));
            }
        }
    }
    setup::run(root)?;
    let bundle = bundle::build_release(root)?;
    bundle::print_sizes(&bundle);
    let binary = server::build(root, server::Profile::Release)?;
    let running = server::RunningServer::start(
        &binary,
        &bundle,
        &root.join("course"),
        &database,
        &port,
        "/",
    )?;
    println!(
        "\nSpecialist is running at {}  (database: {})",
        running.url,
        database.display()
    );
    println!("Press Ctrl-C to stop.");
    running.wait_for_interrupt()
}
