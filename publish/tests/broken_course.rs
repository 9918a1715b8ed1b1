//! The planted-error fixture: every problem is reported in one run, each at its exact place.

use std::path::Path;

use specialist_publish::compile;

#[test]
fn every_planted_error_is_reported_with_its_path_line_and_column() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/broken-course");
    let errors = compile(&fixture).expect_err("the broken course must not compile");
    let prefix = format!("{}/", fixture.display());
    let shown: Vec<String> = errors
        .iter()
        .map(|error| {
            error
                .to_string()
                .strip_prefix(&prefix)
                .expect("every error names a file of the fixture")
                .to_string()
        })
        .collect();
    let expected: Vec<String> = std::fs::read_to_string(fixture.join("expected-errors.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(shown, expected);
    let kinds = [
        "used twice",
        "missing lesson file",
        "unknown objective",
        "taught by no lesson",
        "broken internal link",
        "bad front matter",
        "missing alt text",
        "% off the target",
        // The exam checks.
        "missing exam file",
        "is not declared in course.toml",
        "bad exam file",
        "unknown prerequisite",
        "tests unknown objective",
        "but the bank has only",
        "are sure to be left",
        "names both an objective and a module",
        "names neither an objective nor a module",
        "names unknown objective",
        "names unknown module",
        "question id \"no-correct\" is used twice",
        "has no correct option; mark the right one",
        "has 2 correct options",
        "does not belong to a true_false question",
        "has no answer",
        "has no pairs",
        "has no explanation",
        "is not a decimal number",
        "must be 0 or more",
        "has unknown type",
    ];
    for kind in kinds {
        assert!(
            shown.iter().any(|line| line.contains(kind)),
            "no {kind:?} error among {shown:#?}"
        );
    }
}

#[test]
fn the_repository_course_compiles_without_problems() {
    let course = Path::new(env!("CARGO_MANIFEST_DIR")).join("../course");
    let published =
        compile(&course).unwrap_or_else(|errors| panic!("course/ has problems: {errors:#?}"));
    let manifest = &published.manifest;
    assert!(manifest.modules.len() >= 2);
    assert!(
        manifest
            .lessons()
            .all(|lesson| lesson.minutes >= 1 && published.files.contains_key(&lesson.file))
    );
    assert!(published.files.contains_key(&manifest.search_file));
    assert!(published.files.contains_key(&manifest.glossary_file));
    let exams: Vec<&str> = manifest.exams.iter().map(|exam| exam.id.as_str()).collect();
    assert_eq!(exams, ["exam-1", "exam-2"]);
    assert_eq!(manifest.completion.exams_passed, exams);
    assert!(
        manifest
            .exams
            .iter()
            .filter(|exam| !exam.planned)
            .all(|exam| exam.question_count >= 1 && published.files.contains_key(&exam.file))
    );
}
