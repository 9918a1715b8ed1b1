//! The real course at its largest possible learner state still fits SCORM 1.2's
//! suspend_data: every lesson finished with every check answered and every worksheet field
//! filled, and for each exam every attempt used, the last in flight with every question
//! answered with its largest response and flagged.

use std::collections::BTreeMap;
use std::path::Path;

use specialist_core::exam::attempt::{Attempt, ExamRecord};
use specialist_core::exam::clock::ClockReading;
use specialist_core::exam::grading::Response;
use specialist_core::exam::published::{PublishedExam, QuestionKind};
use specialist_core::exam::transcript::SubmitReason;
use specialist_core::progress::{LessonProgress, Progress};
use specialist_core::suspend_data::{SCORM_12_LIMIT, Snapshot, decode, encode, structure_hash};
use specialist_publish::{Published, compile};

fn course() -> Published {
    compile(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../course"))
        .unwrap_or_else(|errors| panic!("course/ has {} problems", errors.len()))
}

/// Words in no repeating pattern, as a learner's notes are: compression gets little from them.
fn notes(seed: u64, characters: usize) -> String {
    const WORDS: [&str; 16] = [
        "refresh", "carbon", "switch", "payback", "lease", "customer", "tonnes", "kWh", "audit",
        "budget", "vendor", "warranty", "grid", "scope", "return", "plan",
    ];
    let mut state = seed;
    let mut text = String::new();
    while text.len() < characters {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        text.push_str(WORDS[(state >> 60) as usize]);
        text.push_str(&format!(" {} ", (state >> 40) % 1000));
    }
    text.truncate(characters);
    text
}

/// Every `name="…"` of a worksheet form, by activity, in a lesson's published HTML.
fn worksheet_fields(html: &str) -> BTreeMap<String, Vec<String>> {
    let mut fields = BTreeMap::new();
    for form in html.split("data-activity=\"").skip(1) {
        let activity = form.split('"').next().unwrap().to_string();
        let body = form.split("</form>").next().unwrap();
        let names: Vec<String> = body
            .split(" name=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_string())
            .collect();
        fields.insert(activity, names);
    }
    fields
}

/// The largest response a question takes.
fn largest_response(exam: &PublishedExam, id: &str) -> Response {
    let question = exam
        .questions
        .iter()
        .find(|question| question.id == id)
        .unwrap();
    let all = |count: usize| (0..u8::try_from(count).unwrap()).collect::<Vec<_>>();
    match question.kind {
        QuestionKind::SingleChoice => Response::Choices {
            chosen: vec![u8::try_from(question.options.len() - 1).unwrap()],
        },
        QuestionKind::MultipleResponse => Response::Choices {
            chosen: all(question.options.len()),
        },
        QuestionKind::TrueFalse => Response::Boolean { value: true },
        QuestionKind::Ordering => Response::Order {
            order: all(question.options.len()).into_iter().rev().collect(),
        },
        QuestionKind::Matching => Response::Pairs {
            pairs: vec![u8::try_from(question.options.len() - 1).unwrap(); question.prompts.len()],
        },
        QuestionKind::Numeric => Response::Number {
            value: -987_654_321_123,
        },
    }
}

fn reading(wall_milliseconds: i64) -> ClockReading {
    ClockReading {
        wall_milliseconds,
        monotonic_milliseconds: 0,
    }
}

/// Every attempt the exam allows, at the largest accommodation: all but the last
/// submitted, the last in flight with every question answered and flagged.
fn attempts_at_their_largest(exam: &PublishedExam, start: i64) -> ExamRecord {
    let mut record = ExamRecord::new("sustainability-specialization", &exam.id);
    for number in 1..=exam.attempts_allowed {
        let begin = start + i64::from(number) * 2 * 86_400_000;
        let seed = (1 << 53) - u64::from(number);
        let mut attempt = Attempt::start(exam, number, false, seed, 400, reading(begin)).unwrap();
        let ids: Vec<String> = attempt
            .questions
            .iter()
            .map(|question| question.id.clone())
            .collect();
        for (offset, id) in (1..).zip(&ids) {
            let response = largest_response(exam, id);
            attempt
                .answer(exam, id, Some(response), reading(begin + offset * 1_000))
                .unwrap();
            attempt
                .set_flag(exam, id, true, reading(begin + offset * 1_000 + 500))
                .unwrap();
        }
        if number < exam.attempts_allowed {
            attempt.submit(exam, SubmitReason::Manual, reading(begin + 3_600_000));
        }
        record.attempts.push(attempt);
    }
    record
}

#[test]
fn the_whole_course_at_its_largest_state_fits_scorm_1_2_suspend_data() {
    let published = course();
    let manifest = &published.manifest;
    let mut progress = Progress::new(&manifest.id);
    let mut fields = 0;
    for (index, lesson) in manifest.lessons().enumerate() {
        let html = String::from_utf8(published.files[&lesson.file].clone()).unwrap();
        let worksheets: BTreeMap<String, BTreeMap<String, String>> = worksheet_fields(&html)
            .into_iter()
            .map(|(activity, names)| {
                let filled = names
                    .into_iter()
                    .map(|name| {
                        fields += 1;
                        (name, notes(fields, 1_500))
                    })
                    .collect();
                (activity, filled)
            })
            .collect();
        progress.lessons.insert(
            lesson.id.clone(),
            LessonProgress {
                reached_end: true,
                checks: lesson
                    .checks
                    .iter()
                    .map(|check| (check.clone(), vec![0, 1, 2, 3, 4, 5]))
                    .collect(),
                scroll_permille: 1000 - u16::try_from(index).unwrap(),
                worksheets,
                seconds_on_task: 36_000 + u64::try_from(index).unwrap(),
            },
        );
    }
    progress.last_lesson = manifest.lessons().last().map(|lesson| lesson.id.clone());
    progress.seconds_on_task = 54_000 * 10;
    let records: Vec<ExamRecord> = published
        .exams
        .iter()
        .map(|authority| attempts_at_their_largest(&authority.exam, 1_800_000_000_000))
        .collect();
    let checks: usize = manifest.lessons().map(|lesson| lesson.checks.len()).sum();
    assert!(fields >= 30, "{fields} worksheet fields found");

    let snapshot = Snapshot::capture(manifest, &progress, &records);
    let encoded = encode(&snapshot, SCORM_12_LIMIT).unwrap();
    println!(
        "suspend_data at the largest state of {} lessons ({checks} checks, {fields} worksheet fields of 1,500 characters) and {} exams ({} attempts): {} characters of {SCORM_12_LIMIT}; dropped to fit: {}",
        snapshot.lessons.len(),
        snapshot.exams.len(),
        records
            .iter()
            .map(|record| record.attempts.len())
            .sum::<usize>(),
        encoded.text.len(),
        if encoded.dropped.is_empty() {
            "nothing".to_string()
        } else {
            encoded.dropped.join(", ")
        }
    );
    assert!(encoded.text.len() <= SCORM_12_LIMIT);

    // What the LMS gives back holds everything essential: completion, checks, every
    // attempt with its result, and the attempt in flight with all its answers.
    let restored = decode(&encoded.text, structure_hash(manifest)).unwrap();
    assert_eq!(restored.lessons.len(), manifest.lessons().count());
    for (kept, captured) in restored.lessons.iter().zip(&snapshot.lessons) {
        assert!(kept.reached_end);
        assert_eq!(kept.checks, captured.checks);
    }
    assert_eq!(
        restored.exams,
        snapshot
            .exams
            .iter()
            .map(|exam| {
                let mut exam = exam.clone();
                // Flags are the last thing the codec may drop.
                if encoded.dropped.iter().any(|drop| drop.starts_with("flags")) {
                    exam.attempts
                        .iter_mut()
                        .for_each(|attempt| attempt.flagged.clear());
                }
                exam
            })
            .collect::<Vec<_>>()
    );
    let in_flight = restored.exams[1].attempts.last().unwrap();
    assert!(in_flight.outcome.is_none());
    assert_eq!(
        in_flight.responses.len(),
        40,
        "every answer of the attempt in flight"
    );
    assert_eq!(
        restored.last_lesson,
        Some(u32::try_from(manifest.lessons().count() - 1).unwrap())
    );
}
