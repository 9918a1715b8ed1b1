//! The repository's course against its plan: minutes and reading share per module, the
//! course and exam totals, the blocks every module and lesson needs, and both exams' banks
//! counted per module, per objective and per type.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use specialist_core::exam::published::QuestionKind;
use specialist_publish::{MINUTES_TOLERANCE_PERCENT, Published, compile};

fn course() -> Published {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("../course");
    compile(&directory).unwrap_or_else(|errors| {
        panic!(
            "course/ has problems:\n{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Exam 1 examines modules 1–4, exam 2 modules 5–8.
const EXAM_1_MODULES: [&str; 4] = [
    "sustainability-in-tech",
    "measuring-carbon",
    "circular-economy",
    "take-back-and-reuse",
];
const EXAM_2_MODULES: [&str; 4] = [
    "refurbished-equipment",
    "energy-efficiency",
    "sustainability-solutions",
    "sustainability-practice",
];

#[test]
fn the_course_totals_750_minutes_in_eight_modules_as_planned() {
    let published = course();
    let manifest = &published.manifest;
    let plan: Vec<(&str, u32)> = manifest
        .modules
        .iter()
        .map(|module| (module.id.as_str(), module.planned_minutes))
        .collect();
    assert_eq!(
        plan,
        [
            ("sustainability-in-tech", 75),
            ("measuring-carbon", 105),
            ("circular-economy", 105),
            ("take-back-and-reuse", 105),
            ("refurbished-equipment", 90),
            ("energy-efficiency", 105),
            ("sustainability-solutions", 90),
            ("sustainability-practice", 75),
        ]
    );
    assert_eq!(manifest.target_minutes, 750);
    for module in &manifest.modules {
        assert!(!module.planned, "{} is still only planned", module.id);
        let off = module.minutes.abs_diff(module.planned_minutes) * 100;
        assert!(
            off <= module.planned_minutes * MINUTES_TOLERANCE_PERCENT,
            "{}: {} minutes against {} planned",
            module.id,
            module.minutes,
            module.planned_minutes
        );
        assert!(
            (3..=5).contains(&module.lessons.len()),
            "{} has {} lessons",
            module.id,
            module.lessons.len()
        );
    }
    // The material is 750 ± 15 minutes, and with both exams' time limits 900 ± 15.
    let material: u32 = manifest.modules.iter().map(|module| module.minutes).sum();
    assert!(
        material.abs_diff(750) <= 15,
        "{material} minutes of material"
    );
    let exams: u32 = published
        .exams
        .iter()
        .map(|authority| authority.exam.time_limit_minutes)
        .sum();
    assert!(
        (material + exams).abs_diff(900) <= 15,
        "{material} minutes of material and {exams} of exams"
    );
}

#[test]
fn every_module_is_at_least_40_percent_reading_with_checks_scenarios_and_worksheets() {
    let published = course();
    for module in &published.manifest.modules {
        let reading: u32 = module
            .lessons
            .iter()
            .map(|lesson| lesson.reading_minutes)
            .sum();
        assert!(
            reading * 100 >= module.minutes * 40,
            "{}: {reading} of {} minutes are reading",
            module.id,
            module.minutes
        );
        let html: Vec<String> = module
            .lessons
            .iter()
            .map(|lesson| String::from_utf8(published.files[&lesson.file].clone()).unwrap())
            .collect();
        for (lesson, html) in module.lessons.iter().zip(&html) {
            assert!(
                !lesson.checks.is_empty(),
                "{} has no knowledge check",
                lesson.id
            );
            assert!(
                !lesson.objectives.is_empty(),
                "{} teaches no objective",
                lesson.id
            );
            assert!(html.contains("<h2"), "{} has no sections", lesson.id);
        }
        assert!(
            html.iter().any(|html| html.contains(r#"class="scenario""#)),
            "{} has no branching scenario",
            module.id
        );
        assert!(
            html.iter()
                .any(|html| html.contains(r#"class="worksheet""#)),
            "{} has no worksheet activity",
            module.id
        );
        let last = html.last().unwrap();
        assert!(
            last.contains(">References</h2>"),
            "{}: its last lesson has no References section",
            module.id
        );
    }
}

/// An exam's settings and its bank counted per module, per objective and per type.
fn check_bank(published: &Published, exam_id: &str, modules: [&str; 4]) {
    let manifest = &published.manifest;
    let authority = published
        .exams
        .iter()
        .find(|authority| authority.exam.id == exam_id)
        .unwrap_or_else(|| panic!("{exam_id} is published"));
    let exam = &authority.exam;
    assert_eq!(
        (
            exam.time_limit_minutes,
            exam.pass_mark_percent,
            exam.attempts_allowed,
            exam.retry_wait_minutes,
            exam.question_count()
        ),
        (75, 70, 3, 24 * 60, 40),
        "{exam_id}"
    );
    assert!(exam.review.objectives && exam.review.explanations);
    assert!(!exam.review.correct_answers && exam.review.correct_answers_when_passed);
    assert!(
        exam.questions.len() >= 80,
        "{exam_id}: {} questions",
        exam.questions.len()
    );

    let mut per_module: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_objective: BTreeMap<&str, usize> = BTreeMap::new();
    let mut kinds: BTreeSet<String> = BTreeSet::new();
    for question in &exam.questions {
        assert!(
            modules.contains(&question.module.as_str()),
            "{exam_id}: {} is on module {}",
            question.id,
            question.module
        );
        *per_module.entry(question.module.as_str()).or_default() += 1;
        *per_objective
            .entry(question.objective.as_str())
            .or_default() += 1;
        kinds.insert(format!("{:?}", question.kind));
        assert!(
            authority.answer_keys.contains_key(&question.id),
            "{} has no key",
            question.id
        );
    }
    for module in modules {
        let count = per_module.get(module).copied().unwrap_or(0);
        assert!(count >= 20, "{exam_id}, {module}: {count} questions");
    }
    for objective in manifest
        .objectives
        .iter()
        .filter(|objective| modules.contains(&objective.module.as_str()))
    {
        let count = per_objective
            .get(objective.id.as_str())
            .copied()
            .unwrap_or(0);
        assert!(count >= 3, "{exam_id}, {}: {count} questions", objective.id);
    }
    let all_kinds: BTreeSet<String> = [
        QuestionKind::SingleChoice,
        QuestionKind::MultipleResponse,
        QuestionKind::TrueFalse,
        QuestionKind::Ordering,
        QuestionKind::Matching,
        QuestionKind::Numeric,
    ]
    .iter()
    .map(|kind| format!("{kind:?}"))
    .collect();
    assert_eq!(kinds, all_kinds, "{exam_id}");
}

#[test]
fn exam_1_bank_covers_modules_1_to_4_per_module_objective_and_type() {
    check_bank(&course(), "exam-1", EXAM_1_MODULES);
}

#[test]
fn exam_2_bank_covers_modules_5_to_8_per_module_objective_and_type() {
    check_bank(&course(), "exam-2", EXAM_2_MODULES);
}
