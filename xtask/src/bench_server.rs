//! The server bench: certificates verified, re-graded and stored per second, and latency
//! at a fixed rate, measured with the autocannon load generator (bench/load.mjs) against
//! the release server on loopback with the real course, bounded in count and time.
//!
//! Every request posts a different valid certificate: a repeated one would be answered
//! from storage, which skips the signature check, the re-grade and the insert this bench
//! is about. The certificates are built and signed here in Rust, as a device would, against
//! the exams the server compiles from the same course source (same build salt, same keys).
//!
//! target/bench/server keeps the last run: the certificates (one a line), the database, the
//! server's log and load.json, so bench/load.mjs can be rerun by hand against a fresh server.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use ed25519_dalek::SigningKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use specialist_core::certificate::{
    Certificate, CertificateInput, CourseAuthority, DeviceKey, ExamAuthority, KeyProtection,
    Learner,
};
use specialist_core::exam::attempt::{Attempt, ExamRecord};
use specialist_core::exam::clock::ClockReading;
use specialist_core::exam::transcript::SubmitReason;
use specialist_core::progress::{Progress, ProgressEvent};
use specialist_core::proof::{self, ProofOptions};
use specialist_core::timestamp::utc_timestamp;

use crate::command::{self, Failure, describe};
use crate::server::{self, Extras, Profile, RunningServer};

/// Where each run's database, issuer keys, log, certificates and results go; emptied first.
const RUN_DIRECTORY: &str = "target/bench/server";
/// The most certificates the throughput phase posts.
const THROUGHPUT_AMOUNT: usize = 3_000;
/// The longest the throughput phase may run, whatever it has posted by then.
const THROUGHPUT_MAX_SECONDS: u32 = 20;
/// Enough concurrent connections to keep both cores of the server busy.
const THROUGHPUT_CONNECTIONS: usize = 8;
/// The fixed rate never exceeds this, so runs on fast machines stay comparable.
const FIXED_RATE_CAP_PER_SECOND: usize = 100;
/// How long the fixed-rate phase runs.
const FIXED_RATE_SECONDS: u32 = 10;
/// Connections sharing the fixed rate. autocannon meters a rate per second: each second's
/// quota goes out at once, one post after another on each connection, so this is how many
/// posts overlap. Two keep the overlap near what scattered learners cause at this load.
const FIXED_RATE_CONNECTIONS: usize = 2;
/// Certificates beyond the posted ones: a connection that drops rebuilds its post with a
/// new certificate, because a used one is never posted again.
const SPARE_CERTIFICATES: usize = 4 * (THROUGHPUT_CONNECTIONS + FIXED_RATE_CONNECTIONS);
/// Every certificate the run may need.
const CERTIFICATES: usize = THROUGHPUT_AMOUNT
    + FIXED_RATE_CAP_PER_SECOND * FIXED_RATE_SECONDS as usize
    + SPARE_CERTIFICATES;

/// 2026-03-01T10:00:00Z, when the first exam attempt of every certificate starts.
const START_WALL_MILLISECONDS: i64 = 1_772_359_200_000;
/// The page's monotonic clock at that moment.
const START_MONOTONIC_MILLISECONDS: u64 = 5_000;
/// How long the bench learner takes per question: the course's 40 questions an exam take
/// 20 minutes of each exam's 75.
const MILLISECONDS_PER_ANSWER: u64 = 30_000;
/// The next exam starts this long after the previous one.
const MILLISECONDS_BETWEEN_EXAMS: u64 = 2 * 60 * 60 * 1_000;
/// Attempt seeds start here; each certificate's exams take the next ones, so no attempt is
/// certified twice (the server refuses a second learner for one attempt).
const FIRST_SEED: u64 = 1_000_000;

fn failure(detail: impl Into<String>) -> Failure {
    Failure::new("bench-server", detail, None)
}

/// `cargo xtask bench-server`: the measure alone, as a small table.
pub fn run_standalone(root: &Path) -> Result<(), Failure> {
    let started = Instant::now();
    let figures = measure(root)?;
    let throughput = &figures["throughput"];
    let fixed_rate = &figures["fixed_rate"];
    println!("\nServer: certificates verified, re-graded and stored (loopback, autocannon)");
    println!(
        "  throughput      {} certificates/s  ({} accepted, {} failed, {} connections, {} s)",
        throughput["certificates_per_second"],
        throughput["accepted"],
        throughput["failed"],
        throughput["connections"],
        throughput["seconds"],
    );
    println!(
        "  at {} /s         p50 {} ms  p90 {} ms  p99 {} ms  max {} ms  ({} accepted, {} failed)",
        fixed_rate["rate_per_second"],
        fixed_rate["p50_ms"],
        fixed_rate["p90_ms"],
        fixed_rate["p99_ms"],
        fixed_rate["max_ms"],
        fixed_rate["accepted"],
        fixed_rate["failed"],
    );
    println!(
        "  certificates    {} generated, {} bytes each on average, {} stored",
        figures["certificates_generated"], figures["certificate_bytes"], figures["stored"],
    );
    println!(
        "bench-server: done in {} s",
        started.elapsed().as_secs_f64().round()
    );
    Ok(())
}

/// Builds the release server, starts it on loopback with the real course and no rate
/// limit, posts fresh certificates with autocannon, and checks that every accepted one
/// was stored. Returns the figures for target/bench/report.json.
pub fn measure(root: &Path) -> Result<Value, Failure> {
    let binary = server::build(root, Profile::Release)?;
    let directory = root.join(RUN_DIRECTORY);
    let _ = std::fs::remove_dir_all(&directory);
    let bundle = directory.join("bundle");
    std::fs::create_dir_all(&bundle)
        .and_then(|()| {
            // The server refuses to start without an index.html; the API is all this bench
            // touches, so a placeholder page is the whole bundle.
            std::fs::write(
                bundle.join("index.html"),
                "<!doctype html><title>Specialist server bench</title>",
            )
        })
        .map_err(|error| failure(format!("cannot prepare {}: {error}", bundle.display())))?;

    let course_directory = root.join("course");
    let course = specialist_server::load_course(&course_directory).map_err(|errors| {
        failure(format!(
            "the course in {} does not compile ({} problems, first: {})",
            course_directory.display(),
            errors.len(),
            errors.first().map(ToString::to_string).unwrap_or_default()
        ))
    })?;
    let generating = Instant::now();
    let bodies = signed_certificates(&course, CERTIFICATES).map_err(failure)?;
    let generated = bodies.len();
    let certificate_bytes = bodies.iter().map(Vec::len).sum::<usize>() / generated.max(1);
    println!(
        "bench-server: {generated} signed certificates for {} ({certificate_bytes} bytes each on average) in {:.1} s",
        course.manifest.id,
        generating.elapsed().as_secs_f64()
    );
    // One certificate per line: the certificates' JSON is compact, so none holds a newline.
    let bodies_file = directory.join("certificates.jsonl");
    std::fs::write(&bodies_file, bodies.join(&b'\n'))
        .map_err(|error| failure(format!("cannot write {}: {error}", bodies_file.display())))?;
    // The load generator holds its own copy; this one would only take memory from the run.
    drop(bodies);

    let database = directory.join("specialist.db");
    let log_file = directory.join("server.log");
    let running = RunningServer::start_with(
        &binary,
        &bundle,
        &course_directory,
        &database,
        "0",
        "/",
        &Extras {
            // Every post comes from 127.0.0.1, which the per-IP limit would stop at 30 a minute.
            arguments: &["--rate-limit", "0"],
            log_file: Some(&log_file),
        },
    )?;
    let target = format!("{}api/v1/certificates", with_slash(&running.url));
    let loaded = run_load(root, &target, &bodies_file, &directory.join("load.json"));
    // Stopping the server first lets SQLite close cleanly before the rows are counted.
    drop(running);
    let loaded = loaded?;

    // A refused certificate means the bench built it wrong or the server is broken; either way
    // the figures would not measure what they claim to.
    if let Some(problem) = loaded["sample_problems"].get(0) {
        return Err(failure(format!(
            "the server refused bench certificates (throughput phase {}, fixed-rate phase {}); the first answer: {} {}",
            loaded["throughput"]["refused"],
            loaded["fixed_rate"]["refused"],
            problem["status"],
            problem["body"].as_str().unwrap_or_default()
        )));
    }
    // Every 201 must be a stored row. A post still in flight when a phase's time bound
    // stopped it may have been stored without its answer arriving, so those may add rows.
    let stored = count_stored(&database)?;
    let phases = [&loaded["throughput"], &loaded["fixed_rate"]];
    let accepted: u64 = phases.iter().map(|phase| whole(&phase["accepted"])).sum();
    let unanswered: u64 = phases.iter().map(|phase| whole(&phase["unanswered"])).sum();
    if stored < accepted || stored > accepted + unanswered {
        return Err(failure(format!(
            "the server answered 201 Created {accepted} times ({unanswered} posts unanswered) but stored {stored} certificates in {}; see {}",
            database.display(),
            log_file.display()
        )));
    }
    Ok(json!({
        "throughput": loaded["throughput"].clone(),
        "fixed_rate": loaded["fixed_rate"].clone(),
        "certificates_generated": generated,
        "certificate_bytes": certificate_bytes,
        "stored": stored,
        "load_generator": loaded["load_generator"].clone(),
    }))
}

/// The URL with a trailing slash, so paths can be appended to it.
fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}

/// A JSON count as a number, zero when missing.
fn whole(value: &Value) -> u64 {
    value.as_u64().unwrap_or(0)
}

/// Runs bench/load.mjs against `target` and returns the JSON it wrote to `output`.
fn run_load(
    root: &Path,
    target: &str,
    bodies_file: &Path,
    output: &Path,
) -> Result<Value, Failure> {
    let mut node = Command::new("node");
    node.arg("load.mjs")
        .current_dir(root.join("bench"))
        .env("BENCH_TARGET", target)
        .env("BENCH_BODIES", bodies_file)
        .env("BENCH_OUT", output)
        .env("BENCH_THROUGHPUT_AMOUNT", THROUGHPUT_AMOUNT.to_string())
        .env(
            "BENCH_THROUGHPUT_MAX_SECONDS",
            THROUGHPUT_MAX_SECONDS.to_string(),
        )
        .env(
            "BENCH_THROUGHPUT_CONNECTIONS",
            THROUGHPUT_CONNECTIONS.to_string(),
        )
        .env(
            "BENCH_FIXED_RATE_CAP",
            FIXED_RATE_CAP_PER_SECOND.to_string(),
        )
        .env("BENCH_FIXED_RATE_SECONDS", FIXED_RATE_SECONDS.to_string())
        .env(
            "BENCH_FIXED_RATE_CONNECTIONS",
            FIXED_RATE_CONNECTIONS.to_string(),
        );
    println!("bench-server: {}", describe(&node));
    command::run(
        "load.mjs",
        &mut node,
        Some("cargo xtask setup installs autocannon in bench/node_modules".into()),
    )?;
    let text = std::fs::read_to_string(output)
        .map_err(|error| failure(format!("cannot read {}: {error}", output.display())))?;
    serde_json::from_str(&text)
        .map_err(|error| failure(format!("{} is not JSON: {error}", output.display())))
}

/// How many certificates the database holds, read without changing it.
fn count_stored(database: &Path) -> Result<u64, Failure> {
    let cannot = |error: rusqlite::Error| {
        failure(format!(
            "cannot count the certificates in {}: {error}",
            database.display()
        ))
    };
    let connection =
        rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(cannot)?;
    connection
        .query_row("SELECT count(*) FROM certificates", [], |row| row.get(0))
        .map_err(cannot)
}

/// `count` valid, signed certificate bodies for `course`, each from its own learner and
/// device with its own attempts, built on every core at once. The same count gives the same
/// bodies on every run.
fn signed_certificates(course: &CourseAuthority, count: usize) -> Result<Vec<Vec<u8>>, String> {
    let progress = every_lesson_complete(course);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per_thread = count.div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..count)
            .step_by(per_thread.max(1))
            .map(|first| {
                let progress = &progress;
                let last = (first + per_thread).min(count);
                scope.spawn(move || {
                    (first..last)
                        .map(|index| signed_certificate(course, progress, index))
                        .collect::<Result<Vec<_>, String>>()
                })
            })
            .collect();
        let mut bodies = Vec::with_capacity(count);
        for worker in workers {
            bodies.extend(
                worker
                    .join()
                    .map_err(|_| "a certificate worker panicked".to_string())??,
            );
        }
        Ok(bodies)
    })
}

/// Progress with every lesson read to its end and every knowledge check answered.
fn every_lesson_complete(course: &CourseAuthority) -> Progress {
    let mut progress = Progress::new(&course.manifest.id);
    for lesson in course.manifest.lessons() {
        progress.apply(ProgressEvent::ReachedEnd {
            lesson: lesson.id.clone(),
        });
        for check in &lesson.checks {
            progress.apply(ProgressEvent::Answered {
                lesson: lesson.id.clone(),
                check: check.clone(),
                choices: vec![0],
            });
        }
    }
    progress
}

/// 32 bytes that depend only on `purpose` and `index`, so every run builds the same bench.
fn derived_bytes(purpose: &str, index: usize) -> [u8; 32] {
    Sha256::digest(format!("specialist bench {purpose} {index}")).into()
}

/// The clock `offset` milliseconds after the first attempt starts.
fn clock_at(offset: u64) -> ClockReading {
    ClockReading {
        wall_milliseconds: START_WALL_MILLISECONDS + i64::try_from(offset).unwrap_or(i64::MAX),
        monotonic_milliseconds: START_MONOTONIC_MILLISECONDS + offset,
    }
}

/// A first attempt that answers every question right, starting `start` milliseconds in.
fn passed_attempt(authority: &ExamAuthority, seed: u64, start: u64) -> Result<Attempt, String> {
    let exam = &authority.exam;
    let mut attempt = Attempt::start(exam, 1, false, seed, 100, clock_at(start))
        .map_err(|shortfall| format!("exam {}: {shortfall}", exam.id))?;
    let questions: Vec<String> = attempt
        .questions
        .iter()
        .map(|question| question.id.clone())
        .collect();
    let mut now = start;
    for question in &questions {
        now += MILLISECONDS_PER_ANSWER;
        let key = authority
            .answer_keys
            .get(question)
            .ok_or_else(|| format!("exam {}: question {question} has no key", exam.id))?;
        attempt
            .answer(exam, question, Some(key.right_response()), clock_at(now))
            .map_err(|closed| format!("exam {}: {closed:?}", exam.id))?;
    }
    attempt.submit(
        exam,
        SubmitReason::Manual,
        clock_at(now + MILLISECONDS_PER_ANSWER),
    );
    if attempt.passed() {
        Ok(attempt)
    } else {
        Err(format!(
            "exam {}: answering every question with its key did not pass",
            exam.id
        ))
    }
}

/// Certificate number `index`, signed by its device, as the JSON body the app posts.
fn signed_certificate(
    course: &CourseAuthority,
    progress: &Progress,
    index: usize,
) -> Result<Vec<u8>, String> {
    let mut records = BTreeMap::new();
    let mut start = 0;
    for (position, authority) in course.exams.iter().enumerate() {
        let seed = FIRST_SEED + (index * course.exams.len() + position) as u64;
        let mut record = ExamRecord::new(&course.manifest.id, &authority.exam.id);
        record
            .attempts
            .push(passed_attempt(authority, seed, start)?);
        records.insert(authority.exam.id.clone(), record);
        start += MILLISECONDS_BETWEEN_EXAMS;
    }
    let device = SigningKey::from_bytes(&derived_bytes("device", index));
    let public_key = device.verifying_key().to_bytes();
    let mut id_bytes = [0; 16];
    id_bytes.copy_from_slice(&derived_bytes("certificate", index)[..16]);
    let certificate = Certificate::build(CertificateInput {
        id: specialist_core::certificate::uuid_urn(id_bytes),
        manifest: &course.manifest,
        learner: Learner {
            id: format!("bench-learner-{index}"),
            name: format!("Bench Learner {index}"),
            email: format!("learner-{index}@bench.example"),
            organisation: "Specialist bench".into(),
        },
        issued_at: utc_timestamp(clock_at(start).wall_milliseconds),
        progress,
        records: &records,
        device_key: DeviceKey {
            public_key_multibase: proof::public_key_multibase(&public_key),
            protection: KeyProtection::WebcryptoNonExtractable,
        },
    })
    .map_err(|missing| format!("certificate {index}: {missing}"))?;
    let document = certificate
        .unsigned_document()
        .map_err(|error| format!("certificate {index}: {error}"))?;
    let signed = proof::sign(
        &document,
        &device,
        &ProofOptions {
            created: certificate.issued_at,
            verification_method: proof::did_key_verification_method(&public_key),
        },
    );
    serde_json::to_vec(&signed).map_err(|error| format!("certificate {index}: {error}"))
}
