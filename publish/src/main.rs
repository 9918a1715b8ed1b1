//! The `specialist-publish` command: `specialist-publish <course-dir> [<output-dir>]`.
//!
//! Without an output directory it writes into `$TRUNK_STAGING_DIR/course`, which is how
//! Trunk's pre-build hook calls it, so `trunk serve` republishes on every change.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut arguments = std::env::args_os().skip(1);
    let Some(course_directory) = arguments.next().map(PathBuf::from) else {
        eprintln!("usage: specialist-publish <course-dir> [<output-dir>]");
        return ExitCode::from(2);
    };
    let output_directory = match arguments.next().map(PathBuf::from) {
        Some(directory) => directory,
        None => match std::env::var_os("TRUNK_STAGING_DIR") {
            Some(staging) => PathBuf::from(staging).join("course"),
            None => {
                eprintln!(
                    "specialist-publish: give an output directory, or run from a Trunk hook (TRUNK_STAGING_DIR)"
                );
                return ExitCode::from(2);
            }
        },
    };
    match specialist_publish::publish(&course_directory, &output_directory) {
        Ok(published) => {
            let manifest = &published.manifest;
            println!(
                "published {} {}: {} modules, {} lessons, {} minutes, {} exams, {} files into {}",
                manifest.id,
                manifest.version,
                manifest.modules.len(),
                manifest.lessons().count(),
                manifest.total_minutes,
                manifest.exams.len(),
                published.files.len(),
                output_directory.display()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for error in &errors {
                eprintln!("error: {error}");
            }
            eprintln!(
                "{} problem(s) in the course; nothing was published",
                errors.len()
            );
            ExitCode::FAILURE
        }
    }
}
