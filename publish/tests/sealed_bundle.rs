//! The acceptance test of sealed exams: it loads the published exam files from the built
//! bundle and finds no correct response, explanation, or key field in plaintext, while
//! grading of a known attempt still gives the right score.
//!
//! The bundle's course folder is `$SPECIALIST_BUNDLE/course` when that variable is set (a
//! relative path counts from the repository root, e.g. `target/bundle`); otherwise the
//! repository's course/ is published into a temporary folder with a random build salt.
//! The right responses are rebuilt independently, from the exam sources in course/exams,
//! by matching their texts to the published option HTML.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use specialist_core::exam::assembly::assemble;
use specialist_core::exam::grading::{Response, parse_decimal};
use specialist_core::exam::published::{
    PublishedExam, PublishedQuestion, QuestionKind, QuestionReview, SealedReview,
};
use specialist_core::exam::seal::open_text;
use specialist_core::manifest::CourseManifest;

/// Object keys that would name an answer; none may appear anywhere in a published exam or review file.
const FORBIDDEN_KEYS: [&str; 7] = [
    "correct",
    "answer",
    "answers",
    "explanation",
    "key",
    "keys",
    "solution",
];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The course the shipped bundle is built from.
const REPOSITORY_COURSE: &str = "course";
/// The course the e2e player and exam suites run on.
const STARTER_COURSE: &str = "tests/fixtures/starter-course";

/// The published folder of `course` (relative to the repository), and the temporary folder
/// that holds it when this test published it. The repository course is read from the built
/// bundle when `SPECIALIST_BUNDLE` names one.
fn published_course(course: &str) -> (PathBuf, Option<tempfile::TempDir>) {
    if let Some(bundle) =
        std::env::var_os("SPECIALIST_BUNDLE").filter(|_| course == REPOSITORY_COURSE)
    {
        let bundle = PathBuf::from(bundle);
        let bundle = if bundle.is_absolute() {
            bundle
        } else {
            repository().join(bundle)
        };
        return (bundle.join("course"), None);
    }
    let output = tempfile::tempdir().unwrap();
    specialist_publish::publish(&repository().join(course), output.path())
        .unwrap_or_else(|errors| panic!("{course} does not publish: {errors:#?}"));
    (output.path().to_path_buf(), Some(output))
}

/// One published exam with what the test needs beside it.
struct Loaded {
    exam: PublishedExam,
    /// The exam file and the review file (when there is one), as JSON values.
    files: Vec<(String, Value)>,
    /// The review file's sealed content.
    sealed_review: Option<SealedReview>,
    /// The exam's source, parsed independently of the publisher.
    source: toml::Value,
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn load_exams(course_source: &str) -> Vec<Loaded> {
    let (course, _keep) = published_course(course_source);
    let manifest: CourseManifest =
        serde_json::from_value(read_json(&course.join("manifest.json"))).unwrap();
    assert!(
        !manifest.exams.is_empty(),
        "the course publishes no exams; nothing would be checked"
    );
    manifest
        .exams
        .iter()
        // A planned exam has no bank yet, so nothing of it is published.
        .filter(|summary| !summary.planned)
        .map(|summary| {
            let exam_json = read_json(&course.join(&summary.file));
            let exam: PublishedExam = serde_json::from_value(exam_json.clone()).unwrap();
            assert_eq!(exam.id, summary.id);
            assert_eq!(
                usize::try_from(summary.question_count).unwrap(),
                exam.question_count()
            );
            let mut files = vec![(summary.file.clone(), exam_json)];
            let sealed_review = exam.review_file.as_ref().map(|review_file| {
                let review_json = read_json(&course.join(review_file));
                files.push((review_file.clone(), review_json.clone()));
                serde_json::from_value(review_json).unwrap()
            });
            let source_path = repository()
                .join(course_source)
                .join("exams")
                .join(format!("{}.toml", exam.id));
            let source: toml::Value =
                toml::from_str(&std::fs::read_to_string(&source_path).unwrap()).unwrap();
            Loaded {
                exam,
                files,
                sealed_review,
                source,
            }
        })
        .collect()
}

/// Every object key in `value`, recursively.
fn keys(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                found.push(key.clone());
                keys(inner, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, found)),
        _ => {}
    }
}

/// Every string and number in `value`, recursively, as text.
fn scalars(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => object.values().for_each(|inner| scalars(inner, found)),
        Value::Array(items) => items.iter().for_each(|item| scalars(item, found)),
        Value::String(text) => found.push(text.clone()),
        Value::Number(number) => found.push(number.to_string()),
        _ => {}
    }
}

/// The text a learner reads in an HTML fragment (as the app shows it in menus), with
/// whitespace collapsed.
fn plain_text(html: &str) -> String {
    specialist_core::exam::display::plain_text(html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Source text or published HTML reduced to what both share once Markdown is rendered:
/// the words, without emphasis marks, with straight quotes.
fn comparable(text: &str) -> String {
    plain_text(text)
        .replace(['‘', '’'], "'")
        .replace(['“', '”'], "\"")
        .replace(['*', '_', '`'], "")
}

/// The longest run of letters, digits and spaces in a Markdown explanation: a plain
/// substring that must survive rendering unchanged, so its absence means the text is absent.
fn distinctive_run(markdown: &str) -> String {
    let flattened = markdown.split_whitespace().collect::<Vec<_>>().join(" ");
    flattened
        .split(|character: char| !(character.is_alphanumeric() || character == ' '))
        .map(str::trim)
        .max_by_key(|run| run.len())
        .unwrap_or_default()
        .to_string()
}

fn source_questions(source: &toml::Value) -> &Vec<toml::Value> {
    source["questions"].as_array().expect("questions")
}

fn text_of(value: &toml::Value, field: &str) -> String {
    value[field].as_str().expect(field).to_string()
}

/// The bank index of the published option whose text is `source_text`.
fn bank_index(question: &PublishedQuestion, source_text: &str) -> u8 {
    let wanted = comparable(source_text);
    let positions: Vec<usize> = question
        .options
        .iter()
        .enumerate()
        .filter(|(_, option)| comparable(&option.html) == wanted)
        .map(|(position, _)| position)
        .collect();
    assert_eq!(
        positions.len(),
        1,
        "{}: the source text {source_text:?} must match exactly one published option",
        question.id
    );
    u8::try_from(positions[0]).unwrap()
}

/// The source's numeric answer as the decimal text the author wrote.
fn numeric_text(answer: &toml::Value) -> String {
    match answer {
        toml::Value::String(text) => text.clone(),
        toml::Value::Integer(number) => number.to_string(),
        toml::Value::Float(number) => number.to_string(),
        other => panic!("a numeric answer is a number or a string, not {other:?}"),
    }
}

/// The right response to `question`, built from its source alone.
fn right_response(question: &PublishedQuestion, source: &toml::Value) -> Response {
    let correct_texts = || -> Vec<String> {
        source["options"]
            .as_array()
            .expect("options")
            .iter()
            .filter(|option| {
                option
                    .get("correct")
                    .and_then(toml::Value::as_bool)
                    .unwrap_or(false)
            })
            .map(|option| text_of(option, "text"))
            .collect()
    };
    match question.kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleResponse => {
            let mut chosen: Vec<u8> = correct_texts()
                .iter()
                .map(|text| bank_index(question, text))
                .collect();
            chosen.sort_unstable();
            Response::Choices { chosen }
        }
        QuestionKind::TrueFalse => Response::Boolean {
            value: source["answer"].as_bool().expect("a true_false answer"),
        },
        QuestionKind::Ordering => Response::Order {
            order: source["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|item| bank_index(question, item.as_str().expect("item text")))
                .collect(),
        },
        QuestionKind::Matching => {
            let pairs = source["pairs"].as_array().expect("pairs");
            Response::Pairs {
                pairs: question
                    .prompts
                    .iter()
                    .map(|prompt| {
                        let pair = pairs
                            .iter()
                            .find(|pair| comparable(&text_of(pair, "prompt")) == comparable(prompt))
                            .unwrap_or_else(|| {
                                panic!("{}: no source prompt {prompt:?}", question.id)
                            });
                        bank_index(question, &text_of(pair, "match"))
                    })
                    .collect(),
            }
        }
        QuestionKind::Numeric => Response::Number {
            value: parse_decimal(&numeric_text(&source["answer"])).expect("a decimal answer"),
        },
    }
}

/// A plausible wrong response: close to the right one, but wrong.
fn wrong_response(question: &PublishedQuestion, right: &Response) -> Response {
    let option_count = u8::try_from(question.options.len()).unwrap();
    match right {
        Response::Choices { chosen } if question.kind == QuestionKind::SingleChoice => {
            Response::Choices {
                chosen: vec![(chosen[0] + 1) % option_count],
            }
        }
        Response::Choices { chosen } => {
            let mut chosen = chosen.clone();
            match chosen.iter().position(|&index| index == 0) {
                Some(position) => {
                    chosen.remove(position);
                }
                None => chosen.push(0),
            }
            Response::Choices { chosen }
        }
        Response::Boolean { value } => Response::Boolean { value: !value },
        Response::Order { order } => {
            let mut order = order.clone();
            order.swap(0, 1);
            Response::Order { order }
        }
        Response::Pairs { pairs } => {
            let mut pairs = pairs.clone();
            pairs[0] = (pairs[0] + 1) % option_count;
            Response::Pairs { pairs }
        }
        Response::Number { value } => Response::Number {
            value: value + question.grid.expect("a numeric grid").step,
        },
    }
}

/// The right response to every bank question, by id, checked against the seals.
fn right_responses(loaded: &Loaded) -> BTreeMap<String, Response> {
    let sources = source_questions(&loaded.source);
    assert_eq!(sources.len(), loaded.exam.questions.len());
    loaded
        .exam
        .questions
        .iter()
        .map(|question| {
            let source = sources
                .iter()
                .find(|source| source["id"].as_str() == Some(question.id.as_str()))
                .unwrap_or_else(|| panic!("no source for {}", question.id));
            let right = right_response(question, source);
            // Items in their correct order, or matches beside their prompts, would be a
            // plaintext answer too.
            if let Response::Order { order: positions } | Response::Pairs { pairs: positions } =
                &right
            {
                let in_place: Vec<u8> = (0..u8::try_from(positions.len()).unwrap()).collect();
                assert_ne!(
                    positions, &in_place,
                    "{}/{}: the published order gives the answer away",
                    loaded.exam.id, question.id
                );
            }
            assert!(
                question.is_correct(Some(&right)),
                "{}/{}: the response built from the source is not what the seal accepts",
                loaded.exam.id,
                question.id
            );
            let wrong = wrong_response(question, &right);
            assert!(
                !question.is_correct(Some(&wrong)),
                "{}/{}: a wrong response passes",
                loaded.exam.id,
                question.id
            );
            (question.id.clone(), right)
        })
        .collect()
}

#[test]
fn published_exams_carry_no_plaintext_answers_and_still_grade_right() {
    for loaded in load_exams(REPOSITORY_COURSE)
        .into_iter()
        .chain(load_exams(STARTER_COURSE))
    {
        let exam = &loaded.exam;
        let mut file_texts = Vec::new();
        for (name, json) in &loaded.files {
            let mut found = Vec::new();
            keys(json, &mut found);
            for key in &found {
                assert!(
                    !FORBIDDEN_KEYS.contains(&key.to_lowercase().as_str()),
                    "{name} has a field named {key:?}"
                );
            }
            let mut values = Vec::new();
            scalars(json, &mut values);
            file_texts.push((name, json.to_string(), values));
        }

        for source in source_questions(&loaded.source) {
            let id = text_of(source, "id");
            let explanation = text_of(source, "explanation");
            let run = distinctive_run(&explanation);
            assert!(
                run.len() >= 20,
                "{}/{id}: no plain run of 20 characters in the explanation to look for ({run:?})",
                exam.id
            );
            for (name, raw, values) in &file_texts {
                let readable = values
                    .iter()
                    .map(|value| plain_text(value))
                    .collect::<Vec<_>>()
                    .join(" ");
                assert!(
                    !raw.contains(&run) && !readable.contains(&run),
                    "{name} contains the explanation of {id}: {run:?}"
                );
            }
            if source["type"].as_str() == Some("numeric") {
                // The answer must not stand as a value of its own published question (a
                // blueprint count or time limit elsewhere may well be the same number).
                let text = numeric_text(&source["answer"]);
                let thousandths = parse_decimal(&text).unwrap().to_string();
                for (name, json) in &loaded.files {
                    let Some(published) = json["questions"].as_array().and_then(|questions| {
                        questions.iter().find(|question| question["id"] == *id)
                    }) else {
                        continue;
                    };
                    let mut values = Vec::new();
                    scalars(published, &mut values);
                    for value in values {
                        assert!(
                            value.trim() != text && value != thousandths,
                            "{name} carries the answer of {id} ({text}) as a value"
                        );
                    }
                }
            }
        }

        let right = right_responses(&loaded);
        let count = exam.question_count();
        assert!(count > 2, "{}: too few questions to drop two", exam.id);
        for seed in [1, 2, 0x5eed, u64::MAX] {
            let attempt = assemble(&exam.bank(), &exam.blueprint, seed)
                .unwrap_or_else(|shortfall| panic!("{}: {shortfall}", exam.id));
            assert_eq!(attempt.len(), count);
            let all_right: BTreeMap<String, Response> = attempt
                .iter()
                .map(|asked| (asked.id.clone(), right[&asked.id].clone()))
                .collect();
            let result = exam.grade(&attempt, &all_right, 0);
            assert_eq!(
                (result.score_basis_points, result.passed),
                (10_000, true),
                "{}",
                exam.id
            );
            let mut two_wrong = all_right.clone();
            for asked in &attempt[..2] {
                let question = exam.question(&asked.id).unwrap();
                two_wrong.insert(
                    asked.id.clone(),
                    wrong_response(question, &right[&asked.id]),
                );
            }
            let result = exam.grade(&attempt, &two_wrong, 0);
            let expected = u32::try_from((count - 2) * 10_000 / count).unwrap();
            assert_eq!(result.score_basis_points, expected, "{}", exam.id);
            assert_eq!(
                result.passed,
                expected >= exam.pass_mark_percent * 100,
                "{}",
                exam.id
            );
            assert_eq!(result.wrong, [attempt[0].id.clone(), attempt[1].id.clone()]);
        }

        match (&loaded.sealed_review, &exam.review_cipher) {
            (Some(sealed), Some(cipher)) => {
                assert!(exam.review.opens_review());
                let opened = open_text(cipher, &sealed.sealed).expect("the review opens");
                let reviews: Vec<QuestionReview> = serde_json::from_str(&opened).unwrap();
                assert_eq!(reviews.len(), exam.questions.len());
                for review in &reviews {
                    // The right response is in the review only when the policy shows it
                    // (at all, or after a pass).
                    let expected = if exam.review.carries_correct_answers() {
                        right[&review.id].encode()
                    } else {
                        String::new()
                    };
                    assert_eq!(review.response, expected, "{}/{}", exam.id, review.id);
                    assert_eq!(
                        review.explanation_html.is_empty(),
                        !exam.review.explanations,
                        "{}/{}",
                        exam.id,
                        review.id
                    );
                }
            }
            (None, None) => assert!(!exam.review.opens_review(), "{}", exam.id),
            _ => panic!(
                "{}: a review file needs its cipher and the reverse",
                exam.id
            ),
        }
    }
}

/// The e2e suite answers exams from tests/e2e/fixtures/exam-answers.json in the words
/// learners see; every answer there must be right and name the rendered text exactly.
#[test]
fn the_e2e_answer_fixture_names_the_right_answers_as_rendered() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(repository().join("tests/e2e/fixtures/exam-answers.json"))
            .unwrap(),
    )
    .unwrap();
    let exact_index = |question: &PublishedQuestion, text: &Value| -> u8 {
        let text = text.as_str().expect("answer text");
        let position = question
            .options
            .iter()
            .position(|option| plain_text(&option.html) == text)
            .unwrap_or_else(|| panic!("{}: no option reads exactly {text:?}", question.id));
        u8::try_from(position).unwrap()
    };
    for loaded in load_exams(STARTER_COURSE) {
        let exam = &loaded.exam;
        let answers = fixture[&exam.id]
            .as_object()
            .unwrap_or_else(|| panic!("the fixture has no exam {}", exam.id));
        assert_eq!(answers.len(), exam.questions.len(), "{}", exam.id);
        for question in &exam.questions {
            let answer = &answers
                .get(&question.id)
                .unwrap_or_else(|| panic!("the fixture lacks {}/{}", exam.id, question.id));
            let response = match answer["type"].as_str().expect("type") {
                "single_choice" => Response::Choices {
                    chosen: vec![exact_index(question, &answer["option"])],
                },
                "multiple_response" => Response::Choices {
                    chosen: answer["options"]
                        .as_array()
                        .expect("options")
                        .iter()
                        .map(|text| exact_index(question, text))
                        .collect(),
                },
                "true_false" => Response::Boolean {
                    value: answer["answer"].as_bool().expect("true or false"),
                },
                "ordering" => Response::Order {
                    order: answer["items"]
                        .as_array()
                        .expect("items")
                        .iter()
                        .map(|text| exact_index(question, text))
                        .collect(),
                },
                "matching" => {
                    let pairs = answer["pairs"].as_object().expect("pairs");
                    assert_eq!(pairs.len(), question.prompts.len(), "{}", question.id);
                    Response::Pairs {
                        pairs: question
                            .prompts
                            .iter()
                            .map(|prompt| {
                                let matched = pairs.get(&plain_text(prompt)).unwrap_or_else(|| {
                                    panic!("{}: no fixture pair for prompt {prompt:?}", question.id)
                                });
                                exact_index(question, matched)
                            })
                            .collect(),
                    }
                }
                "numeric" => Response::Number {
                    value: parse_decimal(answer["answer"].as_str().expect("answer text"))
                        .expect("a decimal"),
                },
                other => panic!("unknown type {other}"),
            };
            assert_eq!(
                answer["type"].as_str(),
                Some(
                    serde_json::to_value(question.kind)
                        .unwrap()
                        .as_str()
                        .unwrap()
                ),
                "{}/{}",
                exam.id,
                question.id
            );
            assert!(
                question.is_correct(Some(&response)),
                "the fixture's answer to {}/{} is wrong",
                exam.id,
                question.id
            );
        }
    }
}
