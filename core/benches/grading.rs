//! Times grading a 200-question attempt against sealed keys, as the device does on submit.
//! Run with `cargo bench -p specialist-core --bench grading` (release profile, no harness).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use specialist_core::exam::assembly::{BlueprintRule, Scope, assemble};
use specialist_core::exam::grading::{AnswerKey, Response};
use specialist_core::exam::published::{
    EXAM_FORMAT, ExamOption, PublishedExam, PublishedQuestion, QuestionKind, ReviewPolicy,
};
use specialist_core::exam::seal::seal;

const QUESTIONS: usize = 200;

/// A bank of 200 questions cycling through every type, each with its right response.
fn bank() -> (PublishedExam, BTreeMap<String, Response>) {
    let mut questions = Vec::new();
    let mut responses = BTreeMap::new();
    for number in 0..QUESTIONS {
        let id = format!("question-{number}");
        let (kind, key, response) = match number % 6 {
            0 => (
                QuestionKind::SingleChoice,
                AnswerKey::SingleChoice { correct: 2 },
                Response::Choices { chosen: vec![2] },
            ),
            1 => (
                QuestionKind::MultipleResponse,
                AnswerKey::MultipleResponse {
                    correct: vec![0, 3],
                },
                Response::Choices { chosen: vec![3, 0] },
            ),
            2 => (
                QuestionKind::TrueFalse,
                AnswerKey::TrueFalse { correct: true },
                Response::Boolean { value: true },
            ),
            3 => (
                QuestionKind::Ordering,
                AnswerKey::Ordering {
                    order: vec![3, 1, 0, 2],
                },
                Response::Order {
                    order: vec![3, 1, 0, 2],
                },
            ),
            4 => (
                QuestionKind::Matching,
                AnswerKey::Matching {
                    pairs: vec![2, 0, 1, 3],
                },
                Response::Pairs {
                    pairs: vec![2, 0, 1, 3],
                },
            ),
            _ => (
                QuestionKind::Numeric,
                AnswerKey::Numeric {
                    value: 12_500,
                    tolerance: 250,
                },
                Response::Number { value: 12_400 },
            ),
        };
        let salt: Vec<u8> = (0..16).map(|byte| (byte * 7 + number) as u8).collect();
        questions.push(PublishedQuestion {
            id: id.clone(),
            objective: format!("objective-{}", number % 10),
            module: format!("module-{}", number % 4),
            kind,
            stem_html: String::new(),
            options: (0..4)
                .map(|_| ExamOption {
                    html: String::new(),
                    fixed: false,
                })
                .collect(),
            prompts: Vec::new(),
            unit: String::new(),
            grid: key.grid(),
            difficulty: None,
            seal: seal(&key, &salt),
        });
        // Every seventh answer is wrong, so both outcomes are graded.
        let response = if number % 7 == 0 {
            Response::Boolean { value: false }
        } else {
            response
        };
        responses.insert(id, response);
    }
    let exam = PublishedExam {
        format: EXAM_FORMAT,
        id: "benchmark".into(),
        title: "Benchmark".into(),
        instructions_html: String::new(),
        prerequisites: Vec::new(),
        time_limit_minutes: 180,
        pass_mark_percent: 70,
        attempts_allowed: 1,
        retry_wait_minutes: 0,
        blueprint: (0..10)
            .map(|objective| BlueprintRule {
                scope: Scope::Objective(format!("objective-{objective}")),
                count: QUESTIONS / 10,
            })
            .collect(),
        review: ReviewPolicy {
            score: true,
            objectives: true,
            wrong_answers: true,
            correct_answers: false,
            correct_answers_when_passed: false,
            explanations: false,
        },
        questions,
        review_file: None,
        review_cipher: None,
    };
    (exam, responses)
}

fn main() {
    let (exam, responses) = bank();
    let asked = assemble(&exam.bank(), &exam.blueprint, 42).expect("the blueprint fits the bank");
    assert_eq!(asked.len(), QUESTIONS);
    let result = exam.grade(&asked, &responses, 1_000);
    assert_eq!(result.overall.total as usize, QUESTIONS);
    assert_eq!(
        result.overall.correct as usize,
        QUESTIONS - QUESTIONS.div_ceil(7)
    );

    let mut samples: Vec<Duration> = (0..200)
        .map(|_| {
            let started = Instant::now();
            black_box(exam.grade(black_box(&asked), black_box(&responses), 1_000));
            started.elapsed()
        })
        .collect();
    samples.sort_unstable();
    let assembly = {
        let started = Instant::now();
        for seed in 0..100 {
            black_box(assemble(&exam.bank(), &exam.blueprint, seed).unwrap());
        }
        started.elapsed() / 100
    };
    println!(
        "grade a {QUESTIONS}-question attempt (sealed keys): median {:?}, p95 {:?}, min {:?} over {} runs; assemble: {assembly:?}",
        samples[samples.len() / 2],
        samples[samples.len() * 95 / 100],
        samples[0],
        samples.len()
    );
}
