//! Data-driven compiler tests: each folder under tests/cases holds a course `source/` and
//! the `expected/` published files (lesson fragments, glossary, search index, exams,
//! manifest) with content hashes written as `HASH`. Run with `UPDATE_EXPECTED=1` to rewrite
//! the expected files after a deliberate change, then review the diff.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use specialist_core::exam::grading::Response;
use specialist_core::exam::published::{
    PublishedExam, PublishedQuestion, QuestionKind, QuestionReview, SealedReview,
};
use specialist_core::exam::seal::{open_text, to_hex};
use specialist_publish::{PublishOptions, Published, compile_with};

/// A fixed build salt, so that seals, scrambled orders and the review cipher are the same on every run.
const BUILD_SALT: [u8; 32] = [7; 32];

fn compiled(case: &Path, build_salt: [u8; 32]) -> Published {
    compile_with(&case.join("source"), &PublishOptions { build_salt }).unwrap_or_else(|errors| {
        panic!("{} does not compile: {errors:#?}", case.display());
    })
}

fn cases_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// Replaces every 16-hex-digit content hash in names, and the 64-hex content hash, by `HASH`.
fn without_hashes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut output = String::with_capacity(text.len());
    let mut index = 0;
    while index < bytes.len() {
        let run = bytes[index..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(byte))
            .count();
        let starts_word = index == 0 || !bytes[index - 1].is_ascii_alphanumeric();
        let ends_word = bytes
            .get(index + run)
            .is_none_or(|byte| !byte.is_ascii_alphanumeric());
        if (run == 16 || run == 64) && starts_word && ends_word {
            output.push_str("HASH");
            index += run;
        } else {
            let character = text[index..].chars().next().expect("in bounds");
            output.push(character);
            index += character.len_utf8();
        }
    }
    output
}

/// The published files of a case with hashes removed from names and contents; JSON is pretty-printed.
fn published(case: &Path) -> Vec<(String, String)> {
    compiled(case, BUILD_SALT)
        .files
        .iter()
        .filter(|(name, _)| !name.starts_with("media/"))
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes.clone()).expect("published text is UTF-8");
            let text = if name.ends_with(".json") {
                let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                serde_json::to_string_pretty(&value).unwrap() + "\n"
            } else {
                text.replace("><", ">\n<") + "\n"
            };
            (without_hashes(name), without_hashes(&text))
        })
        .collect()
}

fn check_case(name: &str) -> Vec<(String, String)> {
    let case = cases_folder().join(name);
    let expected_folder = case.join("expected");
    let files = published(&case);
    let update = std::env::var_os("UPDATE_EXPECTED").is_some();
    for (file_name, text) in &files {
        let expected_path = expected_folder.join(file_name.replace('/', "__"));
        if update {
            std::fs::write(&expected_path, text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
            panic!(
                "{} is missing; run with UPDATE_EXPECTED=1 and review it",
                expected_path.display()
            )
        });
        assert_eq!(
            text,
            &expected,
            "{name}: {file_name} differs from {}",
            expected_path.display()
        );
    }
    let expected_count = std::fs::read_dir(&expected_folder).unwrap().count();
    assert_eq!(
        expected_count,
        files.len(),
        "{name}: expected/ has files the compiler no longer writes"
    );
    files
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    &files
        .iter()
        .find(|(file_name, _)| file_name == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

#[test]
fn every_block_compiles_to_the_expected_html_and_manifest() {
    let files = check_case("blocks");
    let html = file(&files, "lessons/every-block-HASH.html");
    // Facts the snapshot must keep, whatever it is regenerated to.
    for needle in [
        r#"<aside class="callout callout-note" role="note">"#,
        r#"<aside class="callout callout-tip" role="note">"#,
        r#"<aside class="callout callout-warning" role="note">"#,
        r#"data-check="single" data-multiple="false""#,
        r#"data-check="several" data-multiple="true""#,
        r#"<details class="reveal-card">"#,
        r#"data-scenario="path" data-start="first""#,
        r#"data-activity="worksheet" data-minutes="5""#,
        r#"alt="A black square" width="10" height="10""#,
        r##"<a class="glossary-term" data-term="term" href="#/glossary/term""##,
        r##"href="#/lessons/second""##,
        r#"href="https://example.org/page" rel="noopener noreferrer""#,
        // Option text is Markdown: inline HTML passes the sanitizer, text is escaped.
        "Wrong <b>&amp;</b>",
    ] {
        assert!(html.contains(needle), "the fragment lacks {needle}");
    }
    let manifest = file(&files, "manifest.json");
    assert!(manifest.contains(
        r#""checks": [
            "single",
            "several"
          ]"#
    ));
}

#[test]
fn hostile_markdown_and_html_are_neutralised() {
    let files = check_case("sanitizer");
    let html = file(&files, "lessons/hostile-HASH.html").to_lowercase();
    for forbidden in [
        "<script",
        "onerror",
        "onclick",
        "onmouseover",
        "javascript:",
        "data:text",
        "<svg",
        "<set",
        "<animate",
        "<iframe",
        "<form",
        "<input",
        "style=",
    ] {
        assert!(
            !html.contains(forbidden),
            "the fragment still contains {forbidden}:\n{html}"
        );
    }
    assert!(
        html.contains(r#"<a href="https://example.org/" rel="noopener noreferrer">external</a>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="mailto:team@example.org" rel="noopener noreferrer">mail</a>"#),
        "{html}"
    );
    assert!(
        html.contains("raw html block"),
        "the text of a cleaned element is kept"
    );
}

fn exam_file(published: &Published, id: &str) -> PublishedExam {
    let summary = published
        .manifest
        .exams
        .iter()
        .find(|exam| exam.id == id)
        .unwrap_or_else(|| panic!("no exam {id} in the manifest"));
    serde_json::from_slice(&published.files[&summary.file]).unwrap()
}

fn question<'a>(exam: &'a PublishedExam, id: &str) -> &'a PublishedQuestion {
    exam.question(id)
        .unwrap_or_else(|| panic!("no question {id}"))
}

/// The bank index of the option whose HTML is `html`.
fn position(question: &PublishedQuestion, html: &str) -> u8 {
    let found = question
        .options
        .iter()
        .position(|option| option.html == html)
        .unwrap_or_else(|| panic!("{}: no option {html:?}", question.id));
    u8::try_from(found).unwrap()
}

#[test]
fn exams_compile_with_every_question_type_sealed() {
    check_case("exam");
    let case = cases_folder().join("exam");
    let published = compiled(&case, BUILD_SALT);
    let quiz = exam_file(&published, "quiz");
    let summary = &published.manifest.exams[0];
    assert_eq!(
        (
            summary.id.as_str(),
            summary.question_count,
            summary.time_limit_minutes,
            summary.pass_mark_percent
        ),
        ("quiz", 5, 15, 75)
    );
    assert!(summary.file.starts_with("exams/quiz-") && summary.file.ends_with(".json"));
    let kinds: BTreeSet<String> = quiz
        .questions
        .iter()
        .map(|question| format!("{:?}", question.kind))
        .collect();
    assert_eq!(kinds.len(), 6, "every type is in the bank: {kinds:?}");
    assert_eq!(quiz.prerequisites, ["only", "first"]);
    assert!(
        quiz.instructions_html
            .contains("<strong>carefully</strong>")
            && quiz
                .instructions_html
                .contains(r##"href="#/lessons/first""##),
        "{}",
        quiz.instructions_html
    );

    // Choice options keep the authored order and are inline HTML, sanitized.
    let single = question(&quiz, "single");
    let htmls: Vec<&str> = single
        .options
        .iter()
        .map(|option| option.html.as_str())
        .collect();
    assert_eq!(htmls, ["First", "Second ", "None of these"]);
    assert_eq!(
        single
            .options
            .iter()
            .map(|option| option.fixed)
            .collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(
        single.stem_html,
        "<p>Pick the <strong>second</strong> option.</p>"
    );
    assert!(single.is_correct(Some(&Response::Choices { chosen: vec![1] })));
    assert!(!single.is_correct(Some(&Response::Choices { chosen: vec![0] })));
    let several = question(&quiz, "several");
    let three = position(several, "<em>Three</em>");
    assert!(several.is_correct(Some(&Response::Choices {
        chosen: vec![three, 0]
    })));
    assert!(!several.is_correct(Some(&Response::Choices { chosen: vec![0] })));
    assert!(question(&quiz, "statement").is_correct(Some(&Response::Boolean { value: false })));

    // Ordering items are published out of their (correct) authored order; the key follows.
    let steps = question(&quiz, "steps");
    let authored = ["One", "Two", "Three", "Four"];
    let published_order: Vec<&str> = steps
        .options
        .iter()
        .map(|option| option.html.as_str())
        .collect();
    assert_ne!(
        published_order, authored,
        "the bank order must not give the answer away"
    );
    assert!(steps.options.iter().all(|option| !option.fixed));
    let order: Vec<u8> = authored.iter().map(|item| position(steps, item)).collect();
    assert!(steps.is_correct(Some(&Response::Order { order })));
    assert!(!steps.is_correct(Some(&Response::Order {
        order: vec![0, 1, 2, 3]
    })));

    // Matching: prompts keep their order; a shared match is listed once, with the distractor.
    let pairs = question(&quiz, "pairs");
    assert_eq!(pairs.prompts, ["1", "2", "3"]);
    let right: BTreeSet<&str> = pairs
        .options
        .iter()
        .map(|option| option.html.as_str())
        .collect();
    assert_eq!(right, BTreeSet::from(["Even", "Odd", "Prime"]));
    let (odd, even) = (position(pairs, "Odd"), position(pairs, "Even"));
    assert!(pairs.is_correct(Some(&Response::Pairs {
        pairs: vec![odd, even, odd]
    })));
    assert!(!pairs.is_correct(Some(&Response::Pairs {
        pairs: vec![even, odd, odd]
    })));

    // Numeric: a grid as wide as the tolerance, and the unit.
    let number = question(&quiz, "number");
    assert_eq!(number.unit, "units");
    assert_eq!(number.grid.map(|grid| grid.step), Some(501));
    for (value, right) in [
        (12_500, true),
        (12_250, true),
        (12_750, true),
        (12_751, false),
        (12_249, false),
    ] {
        assert_eq!(
            number.is_correct(Some(&Response::Number { value })),
            right,
            "{value}"
        );
    }

    // Nothing in the exam file names or gives the answer.
    let quiz_text = String::from_utf8(published.files[&summary.file].clone()).unwrap();
    for forbidden in [
        "\"correct\"",
        "\"answer\"",
        "\"explanation\"",
        "\"key\"",
        "scatters blue light",
        "12.5",
        "12500",
    ] {
        assert!(
            !quiz_text.contains(forbidden),
            "the exam file contains {forbidden}"
        );
    }

    // The review opens with the cipher derived from the build salt and holds the
    // explanations (on) but not the right responses (off).
    let mut cipher = Sha256::new();
    cipher.update(b"review");
    cipher.update(BUILD_SALT);
    cipher.update(b"quiz");
    let cipher = to_hex(&cipher.finalize());
    assert_eq!(quiz.review_cipher.as_deref(), Some(cipher.as_str()));
    let review_file = quiz
        .review_file
        .as_ref()
        .expect("the quiz has a review file");
    assert!(
        review_file.starts_with("exams/quiz-review-"),
        "{review_file}"
    );
    let sealed: SealedReview = serde_json::from_slice(&published.files[review_file]).unwrap();
    assert!(!sealed.sealed.contains("blue"));
    let reviews: Vec<QuestionReview> =
        serde_json::from_str(&open_text(&cipher, &sealed.sealed).unwrap()).unwrap();
    assert_eq!(reviews.len(), quiz.questions.len());
    // The quiz's policy hides the right answers, so its review carries explanations only.
    for review in &reviews {
        assert_eq!(
            (review.response.as_str(), review.tolerance),
            ("", 0),
            "{}",
            review.id
        );
    }
    assert!(
        reviews
            .iter()
            .find(|review| review.id == "statement")
            .unwrap()
            .explanation_html
            .contains("scatters blue light")
    );

    // An exam whose review shows only the score ships no review file.
    let practice = exam_file(&published, "practice");
    assert_eq!(
        (&practice.review_file, &practice.review_cipher),
        (&None, &None)
    );
    assert!(
        !published
            .files
            .keys()
            .any(|name| name.starts_with("exams/practice-review"))
    );
    assert_eq!(practice.questions[0].kind, QuestionKind::Numeric);
}

#[test]
fn the_build_salt_changes_seals_and_exam_names_but_not_lessons() {
    let case = cases_folder().join("exam");
    let first = compiled(&case, BUILD_SALT);
    let again = compiled(&case, BUILD_SALT);
    assert_eq!(
        first.files, again.files,
        "the same salt publishes the same bytes"
    );
    let other = compiled(&case, [8; 32]);
    let lessons = |published: &Published| -> Vec<String> {
        published
            .files
            .keys()
            .filter(|name| name.starts_with("lessons/"))
            .cloned()
            .collect()
    };
    assert_eq!(lessons(&first), lessons(&other));
    assert_ne!(first.manifest.exams[0].file, other.manifest.exams[0].file);
    let (seal, other_seal) = (
        &exam_file(&first, "quiz").questions[0].seal,
        &exam_file(&other, "quiz").questions[0].seal,
    );
    assert_ne!(seal.salt, other_seal.salt);
    assert_ne!(seal.digest, other_seal.digest);
}
