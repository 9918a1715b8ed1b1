//! Exams: a question bank in `exams/<id>.toml`, checked against the course and compiled
//! into a published exam file whose right responses are sealed, plus an encrypted review
//! file when the review policy shows right answers or explanations.
//!
//! Nothing that gives an answer away reaches the exam file in plaintext: each question
//! carries a salted digest of its right response, ordering items and matching right-hand
//! items are published in a scrambled order, and explanations travel only in the sealed
//! review file (see `specialist_core::exam::seal`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::RangeInclusive;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use specialist_core::certificate::ExamAuthority;
use specialist_core::exam::assembly::{BlueprintRule, Scope};
use specialist_core::exam::grading::{AnswerKey, NUMERIC_SCALE, parse_decimal};
use specialist_core::exam::published::{
    EXAM_FORMAT, ExamOption, PublishedExam, PublishedQuestion, QuestionKind, QuestionReview,
    ReviewPolicy, SealedReview,
};
use specialist_core::exam::random::SeededRandom;
use specialist_core::exam::seal::{seal, seal_text, to_hex};
use specialist_core::manifest::ExamSummary;
use toml::Spanned;

use crate::blocks::unwrap_paragraph;
use crate::diagnostics::{Diagnostics, SourceFile};
use crate::lesson::{self, Renderer};
use crate::source::IdentifierRegistry;

/// The folder of exam banks inside a course directory.
pub const EXAMS_FOLDER: &str = "exams";

/// The most options, items or right-hand items a question may have: responses name them by a byte.
const MOST_OPTIONS: usize = 255;

/// `exams/<id>.toml` as an author writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExamSource {
    instructions: Option<Spanned<String>>,
    #[serde(default)]
    prerequisites: Vec<Spanned<String>>,
    time_limit_minutes: Spanned<i64>,
    pass_mark_percent: Spanned<i64>,
    attempts_allowed: Spanned<i64>,
    retry_wait_minutes: Spanned<i64>,
    review: ReviewSource,
    #[serde(default)]
    blueprint: Vec<Spanned<RuleSource>>,
    #[serde(default)]
    questions: Vec<Spanned<QuestionSource>>,
}

/// The `[review]` table; a part left out is not shown.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewSource {
    #[serde(default)]
    score: bool,
    #[serde(default)]
    objectives: bool,
    #[serde(default)]
    wrong_answers: bool,
    #[serde(default)]
    correct_answers: bool,
    #[serde(default)]
    correct_answers_when_passed: bool,
    #[serde(default)]
    explanations: bool,
}

/// One `[[blueprint]]` rule.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSource {
    objective: Option<Spanned<String>>,
    module: Option<Spanned<String>>,
    count: Spanned<i64>,
}

/// One `[[questions]]` table. The fields of every type are optional here so that a field
/// missing for its type is reported with the others, not as the one error that stops parsing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionSource {
    id: Spanned<String>,
    objective: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    difficulty: Option<Spanned<i64>>,
    stem: Option<Spanned<String>>,
    explanation: Option<Spanned<String>>,
    options: Option<Spanned<Vec<Spanned<OptionSource>>>>,
    answer: Option<Spanned<toml::Value>>,
    items: Option<Spanned<Vec<Spanned<String>>>>,
    pairs: Option<Spanned<Vec<Spanned<PairSource>>>>,
    distractors: Option<Spanned<Vec<Spanned<String>>>>,
    tolerance: Option<Spanned<toml::Value>>,
    unit: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionSource {
    text: Spanned<String>,
    #[serde(default)]
    correct: bool,
    #[serde(default)]
    fixed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PairSource {
    prompt: Spanned<String>,
    #[serde(rename = "match")]
    matched: Spanned<String>,
}

/// What the rest of the course offers an exam.
pub struct Context<'a> {
    /// Lessons, glossary and media, for rendering Markdown and checking its links.
    pub content: &'a lesson::Context<'a>,
    /// Objective id → the module that owns it.
    pub objective_modules: &'a HashMap<String, String>,
    /// Every module id.
    pub modules: &'a HashSet<String>,
}

/// A compiled exam: its line in the manifest and its files (the exam, and the review when the policy opens one).
pub struct CompiledExam {
    /// The manifest's summary of the exam.
    pub summary: ExamSummary,
    /// Published path (relative to the course folder) → bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// The published exam with its plaintext keys, for the server's re-grade. Never published.
    pub authority: ExamAuthority,
}

/// The type names authors write, with their published kind.
const TYPES: [(&str, QuestionKind); 6] = [
    ("single_choice", QuestionKind::SingleChoice),
    ("multiple_response", QuestionKind::MultipleResponse),
    ("true_false", QuestionKind::TrueFalse),
    ("ordering", QuestionKind::Ordering),
    ("matching", QuestionKind::Matching),
    ("numeric", QuestionKind::Numeric),
];

fn type_name(kind: QuestionKind) -> &'static str {
    TYPES
        .iter()
        .find(|(_, candidate)| *candidate == kind)
        .map_or("unknown", |(name, _)| name)
}

/// What a question of `kind` is written with, for messages that say how to fix it.
fn type_fields(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::SingleChoice => {
            "options = [{ text = \"…\" }, …] with exactly one marked correct = true"
        }
        QuestionKind::MultipleResponse => {
            "options = [{ text = \"…\" }, …] with at least one marked correct = true"
        }
        QuestionKind::TrueFalse => "answer = true or answer = false",
        QuestionKind::Ordering => "items = [\"first\", \"second\", …] in the correct order",
        QuestionKind::Matching => {
            "pairs = [{ prompt = \"…\", match = \"…\" }, …] and optionally distractors = [\"…\"]"
        }
        QuestionKind::Numeric => "answer = 12.5, optionally tolerance = 0.5 and unit = \"…\"",
    }
}

/// The offset of the key whose value starts at `value_offset` (`key = value`), so that a
/// problem with a whole field points at its name; the value's own offset when no key
/// precedes it (a `[[table]]` header).
fn key_offset(file: &SourceFile, value_offset: usize) -> usize {
    let Some(before) = file.text.get(..value_offset) else {
        return value_offset;
    };
    let Some(before) = before.trim_end_matches([' ', '\t']).strip_suffix('=') else {
        return value_offset;
    };
    let before = before.trim_end_matches([' ', '\t']);
    let key_length = before
        .bytes()
        .rev()
        .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'"'))
        .count();
    if key_length == 0 {
        value_offset
    } else {
        before.len() - key_length
    }
}

/// A bank question once checked, before its key is sealed.
struct BankQuestion {
    id: String,
    objective: String,
    module: String,
    kind: QuestionKind,
    stem_html: String,
    /// Published only in the sealed review, and only when the policy shows explanations.
    explanation_html: String,
    difficulty: Option<u8>,
    unit: String,
    body: Body,
}

/// The type-specific part of a checked question, in authored order.
enum Body {
    /// Options in authored order (they keep it) and the bank indexes of the right ones.
    Choices {
        options: Vec<ExamOption>,
        correct: Vec<u8>,
    },
    TrueFalse(bool),
    /// Items as HTML, in the correct order.
    Ordering(Vec<String>),
    /// Prompts as HTML, right-hand items as HTML (matches, then distractors), and for
    /// each prompt the index of its match among the right-hand items.
    Matching {
        prompts: Vec<String>,
        right: Vec<String>,
        pairs: Vec<usize>,
    },
    /// Thousandths.
    Numeric {
        value: i64,
        tolerance: i64,
    },
}

/// Checks and compiles one exam file. `exam_id` and `title` come from course.toml's `[[exams]]`.
pub fn compile(
    file: &SourceFile,
    exam_id: &str,
    title: &str,
    context: &Context<'_>,
    build_salt: &[u8; 32],
    diagnostics: &mut Diagnostics,
) -> Option<CompiledExam> {
    let source: ExamSource = match toml::from_str(&file.text) {
        Ok(source) => source,
        Err(error) => {
            let offset = error.span().map_or(0, |span| span.start);
            diagnostics.at(file, offset, format!("bad exam file: {}", error.message()));
            return None;
        }
    };
    let problems_before = diagnostics.len();
    let mut checker = Checker {
        file,
        context,
        renderer: Renderer::new(file, context.content, &[]),
        diagnostics,
    };

    let time_limit_minutes = checker.whole(
        &source.time_limit_minutes,
        1..=i64::from(u32::MAX),
        "time_limit_minutes must be at least 1",
    );
    let pass_mark_percent = checker.whole(
        &source.pass_mark_percent,
        1..=100,
        "pass_mark_percent must be between 1 and 100",
    );
    let attempts_allowed = checker.whole(
        &source.attempts_allowed,
        1..=i64::from(u32::MAX),
        "attempts_allowed must be at least 1",
    );
    let retry_wait_minutes = checker.whole(
        &source.retry_wait_minutes,
        0..=i64::from(u32::MAX),
        "retry_wait_minutes must be 0 or more",
    );
    for prerequisite in &source.prerequisites {
        let id = prerequisite.get_ref();
        if !context.modules.contains(id) && !context.content.lessons.contains(id) {
            checker.diagnostics.at(
                file,
                prerequisite.span().start,
                format!("unknown prerequisite {id:?}: name a module or lesson id from course.toml"),
            );
        }
    }
    let instructions_html = source
        .instructions
        .as_ref()
        .map(|instructions| checker.markdown(instructions))
        .unwrap_or_default();

    let mut question_ids = IdentifierRegistry::default();
    // Every question whose objective is known, for the blueprint check, even when the
    // question has other problems: that keeps the blueprint's errors independent of them.
    let mut scoped: Vec<(String, String)> = Vec::new();
    let mut bank = Vec::new();
    for question in &source.questions {
        question_ids.register_spanned(
            file,
            "question",
            &question.get_ref().id,
            0,
            checker.diagnostics,
        );
        if let Some(compiled) = checker.question(question, &mut scoped) {
            bank.push(compiled);
        }
    }
    if source.questions.is_empty() {
        checker.diagnostics.at(
            file,
            file.text.len(),
            "the exam has no questions; add [[questions]] tables",
        );
    }
    let blueprint = checker.blueprint(&source.blueprint, &scoped);

    if checker.diagnostics.len() > problems_before {
        return None;
    }
    let review = ReviewPolicy {
        score: source.review.score,
        objectives: source.review.objectives,
        wrong_answers: source.review.wrong_answers,
        correct_answers: source.review.correct_answers,
        correct_answers_when_passed: source.review.correct_answers_when_passed,
        explanations: source.review.explanations,
    };
    let mut questions = Vec::with_capacity(bank.len());
    let mut answer_keys = BTreeMap::new();
    let mut reviews = Vec::with_capacity(bank.len());
    for mut question in bank {
        let explanation_html = std::mem::take(&mut question.explanation_html);
        let (published, key) = seal_question(exam_id, question, build_salt);
        reviews.push(QuestionReview {
            id: published.id.clone(),
            // The right response ships only when the policy shows it, so that a review
            // of explanations alone never carries the answers.
            response: if review.carries_correct_answers() {
                key.right_response().encode()
            } else {
                String::new()
            },
            tolerance: match key {
                AnswerKey::Numeric { tolerance, .. } if review.carries_correct_answers() => {
                    tolerance
                }
                _ => 0,
            },
            explanation_html: if review.explanations {
                explanation_html
            } else {
                String::new()
            },
        });
        answer_keys.insert(published.id.clone(), key);
        questions.push(published);
    }

    let mut files = Vec::new();
    let (review_file, review_cipher) = if review.opens_review() {
        let cipher = digest(&[b"review", build_salt, exam_id.as_bytes()]);
        let text = serde_json::to_string(&reviews).expect("reviews serialize");
        let bytes = serde_json::to_vec(&SealedReview {
            sealed: seal_text(&cipher, &text),
        })
        .expect("the sealed review serializes");
        let path = crate::hashed_name(&format!("{EXAMS_FOLDER}/{exam_id}-review.json"), &bytes);
        files.push((path.clone(), bytes));
        (Some(path), Some(to_hex(&cipher)))
    } else {
        (None, None)
    };
    let exam = PublishedExam {
        format: EXAM_FORMAT,
        id: exam_id.to_string(),
        title: title.to_string(),
        instructions_html,
        prerequisites: source
            .prerequisites
            .iter()
            .map(|prerequisite| prerequisite.get_ref().clone())
            .collect(),
        time_limit_minutes,
        pass_mark_percent,
        attempts_allowed,
        retry_wait_minutes,
        blueprint,
        review,
        questions,
        review_file,
        review_cipher,
    };
    let bytes = serde_json::to_vec(&exam).expect("the exam serializes");
    let path = crate::hashed_name(&format!("{EXAMS_FOLDER}/{exam_id}.json"), &bytes);
    files.push((path.clone(), bytes));
    Some(CompiledExam {
        summary: ExamSummary {
            id: exam_id.to_string(),
            title: title.to_string(),
            file: path,
            question_count: u32::try_from(exam.question_count()).unwrap_or(u32::MAX),
            time_limit_minutes,
            pass_mark_percent,
            attempts_allowed: exam.attempts_allowed,
            planned: false,
        },
        files,
        authority: ExamAuthority { exam, answer_keys },
    })
}

/// SHA-256 over the parts, one after the other.
fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// A permutation of `0..count` (bank position → authored index) drawn from `seed` for
/// which `reveals` is false, so that the published order never gives the answer away.
/// `reveals` must be false for the authored order rotated by one place.
fn scrambled_order(count: usize, seed: u64, reveals: impl Fn(&[usize]) -> bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    if count < 2 {
        return order;
    }
    let mut random = SeededRandom::new(seed);
    for _ in 0..16 {
        random.shuffle(&mut order);
        if !reveals(&order) {
            return order;
        }
    }
    // Sixteen revealing draws in a row are all but impossible; the rotation keeps even
    // that case safe and the result a function of the seed alone.
    let mut order: Vec<usize> = (0..count).collect();
    order.rotate_left(1);
    order
}

/// Whether items published in `order` would stand in their correct (authored) order.
fn keeps_authored_order(order: &[usize]) -> bool {
    order
        .iter()
        .enumerate()
        .all(|(position, &authored)| position == authored)
}

/// Whether, with right-hand items published in `order`, every prompt's match would stand
/// beside it (prompt `i` matched by the item at bank position `i`). Rotating the authored
/// order moves every item one place, so it never lines them up.
fn lines_up_matches(order: &[usize], pairs: &[usize]) -> bool {
    let positions = bank_positions(order);
    pairs
        .iter()
        .enumerate()
        .all(|(prompt, &authored)| usize::from(positions[authored]) == prompt)
}

/// A bank index: the checks keep every list within [`MOST_OPTIONS`].
fn index(position: usize) -> u8 {
    u8::try_from(position).expect("lists are checked to hold at most 255 entries")
}

/// For a scrambled order (bank position → authored index), where each authored index went.
fn bank_positions(order: &[usize]) -> Vec<u8> {
    let mut positions = vec![0; order.len()];
    for (bank_position, &authored) in order.iter().enumerate() {
        positions[authored] = index(bank_position);
    }
    positions
}

/// Publishes one checked question: scrambles what must not keep the authored order,
/// builds its key from bank indexes and seals it. Returns the question and its key.
fn seal_question(
    exam_id: &str,
    question: BankQuestion,
    build_salt: &[u8; 32],
) -> (PublishedQuestion, AnswerKey) {
    let id = question.id.as_bytes();
    let exam = exam_id.as_bytes();
    let order_digest = digest(&[build_salt, b"order", exam, id]);
    let order_seed = u64::from_be_bytes(order_digest[..8].try_into().expect("eight bytes"));
    let (options, prompts, key) = match question.body {
        Body::Choices { options, correct } => {
            let key = if question.kind == QuestionKind::SingleChoice {
                AnswerKey::SingleChoice {
                    correct: correct[0],
                }
            } else {
                AnswerKey::MultipleResponse { correct }
            };
            (options, Vec::new(), key)
        }
        Body::TrueFalse(correct) => (Vec::new(), Vec::new(), AnswerKey::TrueFalse { correct }),
        Body::Ordering(items) => {
            let order = scrambled_order(items.len(), order_seed, keeps_authored_order);
            let options = order
                .iter()
                .map(|&authored| ExamOption {
                    html: items[authored].clone(),
                    fixed: false,
                })
                .collect();
            let key = AnswerKey::Ordering {
                order: bank_positions(&order),
            };
            (options, Vec::new(), key)
        }
        Body::Matching {
            prompts,
            right,
            pairs,
        } => {
            let order = scrambled_order(right.len(), order_seed, |order| {
                lines_up_matches(order, &pairs)
            });
            let positions = bank_positions(&order);
            let options = order
                .iter()
                .map(|&authored| ExamOption {
                    html: right[authored].clone(),
                    fixed: false,
                })
                .collect();
            let key = AnswerKey::Matching {
                pairs: pairs.iter().map(|&authored| positions[authored]).collect(),
            };
            (options, prompts, key)
        }
        Body::Numeric { value, tolerance } => (
            Vec::new(),
            Vec::new(),
            AnswerKey::Numeric { value, tolerance },
        ),
    };
    let salt = digest(&[build_salt, exam, &[0], id]);
    let published = PublishedQuestion {
        id: question.id,
        objective: question.objective,
        module: question.module,
        kind: question.kind,
        stem_html: question.stem_html,
        options,
        prompts,
        unit: question.unit,
        grid: key.grid(),
        difficulty: question.difficulty,
        seal: seal(&key, &salt[..16]),
    };
    (published, key)
}

/// Checks the parts of one exam file, rendering its Markdown as it goes.
struct Checker<'a, 'b> {
    file: &'a SourceFile,
    context: &'a Context<'a>,
    renderer: Renderer<'a>,
    diagnostics: &'b mut Diagnostics,
}

impl Checker<'_, '_> {
    /// A whole number setting within `range`, else `problem` is reported at it (and 0 returned).
    fn whole(&mut self, value: &Spanned<i64>, range: RangeInclusive<i64>, problem: &str) -> u32 {
        let number = *value.get_ref();
        if range.contains(&number) {
            return u32::try_from(number).unwrap_or(u32::MAX);
        }
        self.diagnostics.at(
            self.file,
            value.span().start,
            format!("{problem} (it is {number})"),
        );
        0
    }

    /// Block Markdown (stem, explanation, instructions) as sanitized HTML.
    fn markdown(&mut self, field: &Spanned<String>) -> String {
        self.renderer
            .render_field(field, 0, self.diagnostics)
            .trim()
            .to_string()
    }

    /// Inline Markdown (an option, item, prompt or match) as sanitized HTML without its
    /// paragraph; empty text is reported as `what` being empty.
    fn inline(&mut self, field: &Spanned<String>, what: &str) -> String {
        if field.get_ref().trim().is_empty() {
            self.diagnostics.at(
                self.file,
                field.span().start,
                format!("{what} is empty; write the text learners see"),
            );
        }
        let html = self.renderer.render_field(field, 0, self.diagnostics);
        unwrap_paragraph(&html).to_string()
    }

    /// Reports `text` when an earlier entry of the same list read the same.
    fn unique<'t>(
        &mut self,
        seen: &mut HashSet<&'t str>,
        text: &'t Spanned<String>,
        problem: &str,
    ) {
        if !seen.insert(text.get_ref().trim()) {
            self.diagnostics.at(
                self.file,
                text.span().start,
                format!("{problem} {:?} appears twice", text.get_ref().trim()),
            );
        }
    }

    /// Reports a list that is too short or too long for bank indexes.
    fn list_length(&mut self, length: usize, at: usize, least: usize, what: &str) -> bool {
        if length < least {
            self.diagnostics.at(
                self.file,
                at,
                format!("{what} needs at least {least}, it has {length}"),
            );
            return false;
        }
        if length > MOST_OPTIONS {
            self.diagnostics.at(
                self.file,
                at,
                format!("{what} may have at most {MOST_OPTIONS}, it has {length}"),
            );
            return false;
        }
        true
    }

    /// Checks one question; returns it when it has no problem.
    fn question(
        &mut self,
        question: &Spanned<QuestionSource>,
        scoped: &mut Vec<(String, String)>,
    ) -> Option<BankQuestion> {
        let source = question.get_ref();
        let id = source.id.get_ref();
        let id_at = source.id.span().start;
        let problems_before = self.diagnostics.len();

        let objective = source.objective.get_ref();
        let module = self.context.objective_modules.get(objective).cloned();
        match &module {
            Some(module) => scoped.push((objective.clone(), module.clone())),
            None => {
                let mut known: Vec<&str> = self
                    .context
                    .objective_modules
                    .keys()
                    .map(String::as_str)
                    .collect();
                known.sort_unstable();
                self.diagnostics.at(
                    self.file,
                    source.objective.span().start,
                    format!(
                        "question {id:?} tests unknown objective {objective:?}; use one of course.toml's objectives: {}",
                        known.join(", ")
                    ),
                );
            }
        }
        let Some(kind) = TYPES
            .iter()
            .find(|(name, _)| *name == source.kind.get_ref().as_str())
            .map(|(_, kind)| *kind)
        else {
            let names: Vec<&str> = TYPES.iter().map(|(name, _)| *name).collect();
            self.diagnostics.at(
                self.file,
                source.kind.span().start,
                format!(
                    "question {id:?} has unknown type {:?}; use one of {}",
                    source.kind.get_ref(),
                    names.join(", ")
                ),
            );
            return None;
        };
        let name = type_name(kind);

        let difficulty = source.difficulty.as_ref().and_then(|difficulty| {
            let value = *difficulty.get_ref();
            let valid = u8::try_from(value)
                .ok()
                .filter(|value| (1..=5).contains(value));
            if valid.is_none() {
                self.diagnostics.at(
                    self.file,
                    difficulty.span().start,
                    format!("difficulty must be 1 (easy) to 5 (hard), it is {value}"),
                );
            }
            valid
        });
        let stem_html = match &source.stem {
            Some(stem) if !stem.get_ref().trim().is_empty() => self.markdown(stem),
            Some(stem) => {
                self.diagnostics.at(
                    self.file,
                    stem.span().start,
                    format!("question {id:?} has an empty stem; write the question"),
                );
                String::new()
            }
            None => {
                self.diagnostics.at(
                    self.file,
                    id_at,
                    format!("question {id:?} has no stem; add stem = \"…\" with the question"),
                );
                String::new()
            }
        };
        let explanation_html = match &source.explanation {
            Some(explanation) if !explanation.get_ref().trim().is_empty() => {
                self.markdown(explanation)
            }
            Some(explanation) => {
                self.diagnostics.at(
                    self.file,
                    explanation.span().start,
                    format!("question {id:?} has an empty explanation; say why the right answer is right"),
                );
                String::new()
            }
            None => {
                self.diagnostics.at(
                    self.file,
                    id_at,
                    format!("question {id:?} has no explanation; add explanation = \"…\" saying why the right answer is right"),
                );
                String::new()
            }
        };

        // Fields another type uses are refused, so that a mistaken type is not silently published.
        let fields: [(&str, Option<usize>, &[QuestionKind]); 7] = [
            (
                "options",
                source.options.as_ref().map(|field| field.span().start),
                &[QuestionKind::SingleChoice, QuestionKind::MultipleResponse],
            ),
            (
                "answer",
                source.answer.as_ref().map(|field| field.span().start),
                &[QuestionKind::TrueFalse, QuestionKind::Numeric],
            ),
            (
                "items",
                source.items.as_ref().map(|field| field.span().start),
                &[QuestionKind::Ordering],
            ),
            (
                "pairs",
                source.pairs.as_ref().map(|field| field.span().start),
                &[QuestionKind::Matching],
            ),
            (
                "distractors",
                source.distractors.as_ref().map(|field| field.span().start),
                &[QuestionKind::Matching],
            ),
            (
                "tolerance",
                source.tolerance.as_ref().map(|field| field.span().start),
                &[QuestionKind::Numeric],
            ),
            (
                "unit",
                source.unit.as_ref().map(|field| field.span().start),
                &[QuestionKind::Numeric],
            ),
        ];
        for (field, at, kinds) in fields {
            if let Some(at) = at
                && !kinds.contains(&kind)
            {
                self.diagnostics.at(
                    self.file,
                    key_offset(self.file, at),
                    format!(
                        "`{field}` does not belong to a {name} question ({id:?}); a {name} question uses {}",
                        type_fields(kind)
                    ),
                );
            }
        }
        let missing = |what: &str| {
            format!(
                "{name} question {id:?} has no {what}; a {name} question uses {}",
                type_fields(kind)
            )
        };

        let body = match kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleResponse => {
                let Some(options) = &source.options else {
                    self.diagnostics.at(self.file, id_at, missing("options"));
                    return None;
                };
                self.choices(id, kind, options)
            }
            QuestionKind::TrueFalse => {
                let Some(answer) = &source.answer else {
                    self.diagnostics.at(self.file, id_at, missing("answer"));
                    return None;
                };
                match answer.get_ref() {
                    toml::Value::Boolean(value) => Some(Body::TrueFalse(*value)),
                    _ => {
                        self.diagnostics.at(
                            self.file,
                            answer.span().start,
                            format!("the answer of true_false question {id:?} must be true or false, without quotes"),
                        );
                        None
                    }
                }
            }
            QuestionKind::Ordering => {
                let Some(items) = &source.items else {
                    self.diagnostics.at(self.file, id_at, missing("items"));
                    return None;
                };
                let at = key_offset(self.file, items.span().start);
                self.list_length(
                    items.get_ref().len(),
                    at,
                    2,
                    &format!("ordering question {id:?}: the list of items"),
                );
                let mut seen = HashSet::new();
                let mut html = Vec::new();
                for item in items.get_ref() {
                    self.unique(&mut seen, item, "the item");
                    html.push(self.inline(item, "an item"));
                }
                Some(Body::Ordering(html))
            }
            QuestionKind::Matching => {
                let Some(pairs) = &source.pairs else {
                    self.diagnostics.at(self.file, id_at, missing("pairs"));
                    return None;
                };
                self.matching(id, pairs, source.distractors.as_ref())
            }
            QuestionKind::Numeric => {
                let Some(answer) = &source.answer else {
                    self.diagnostics.at(self.file, id_at, missing("answer"));
                    return None;
                };
                let value = self.decimal(answer, "answer");
                let tolerance = match &source.tolerance {
                    Some(tolerance) => self.decimal(tolerance, "tolerance").and_then(|value| {
                        if value < 0 {
                            self.diagnostics.at(
                                self.file,
                                tolerance.span().start,
                                "the tolerance is how far an answer may be off; it must be 0 or more",
                            );
                            return None;
                        }
                        Some(value)
                    }),
                    None => Some(0),
                };
                match (value, tolerance) {
                    (Some(value), Some(tolerance)) => Some(Body::Numeric { value, tolerance }),
                    _ => None,
                }
            }
        };
        let unit = source
            .unit
            .as_ref()
            .map(|unit| unit.get_ref().trim().to_string())
            .unwrap_or_default();
        let (Some(body), Some(module)) = (body, module) else {
            return None;
        };
        if self.diagnostics.len() > problems_before {
            return None;
        }
        Some(BankQuestion {
            id: id.clone(),
            objective: objective.clone(),
            module,
            kind,
            stem_html,
            explanation_html,
            difficulty,
            unit,
            body,
        })
    }

    /// The options of a single choice or multiple response question.
    fn choices(
        &mut self,
        id: &str,
        kind: QuestionKind,
        options: &Spanned<Vec<Spanned<OptionSource>>>,
    ) -> Option<Body> {
        let name = type_name(kind);
        let at = key_offset(self.file, options.span().start);
        let fits = self.list_length(
            options.get_ref().len(),
            at,
            2,
            &format!("{name} question {id:?}: the list of options"),
        );
        let mut seen = HashSet::new();
        let mut published = Vec::new();
        let mut correct = Vec::new();
        for (position, option) in options.get_ref().iter().enumerate() {
            let option = option.get_ref();
            self.unique(&mut seen, &option.text, "the option");
            published.push(ExamOption {
                html: self.inline(&option.text, "an option"),
                fixed: option.fixed,
            });
            if option.correct && fits {
                correct.push(index(position));
            }
        }
        if !fits {
            return None;
        }
        match (kind, correct.len()) {
            (_, 0) => {
                let fix = if kind == QuestionKind::SingleChoice {
                    "mark the right one with correct = true"
                } else {
                    "mark every right one with correct = true"
                };
                self.diagnostics.at(
                    self.file,
                    at,
                    format!("{name} question {id:?} has no correct option; {fix}"),
                );
                None
            }
            (QuestionKind::SingleChoice, several) if several > 1 => {
                self.diagnostics.at(
                    self.file,
                    at,
                    format!("single_choice question {id:?} has {several} correct options; mark exactly one, or use type = \"multiple_response\""),
                );
                None
            }
            _ => Some(Body::Choices {
                options: published,
                correct,
            }),
        }
    }

    /// The pairs and distractors of a matching question. Prompts that share a match share
    /// its right-hand item, which is listed once.
    fn matching(
        &mut self,
        id: &str,
        pairs: &Spanned<Vec<Spanned<PairSource>>>,
        distractors: Option<&Spanned<Vec<Spanned<String>>>>,
    ) -> Option<Body> {
        let at = key_offset(self.file, pairs.span().start);
        let mut fits = self.list_length(
            pairs.get_ref().len(),
            at,
            2,
            &format!("matching question {id:?}: the list of pairs"),
        );
        let mut prompts_seen = HashSet::new();
        let mut prompts = Vec::new();
        let mut right_texts: Vec<&str> = Vec::new();
        let mut right = Vec::new();
        let mut matches = Vec::new();
        for pair in pairs.get_ref() {
            let pair = pair.get_ref();
            self.unique(&mut prompts_seen, &pair.prompt, "the prompt");
            prompts.push(self.inline(&pair.prompt, "a prompt"));
            let text = pair.matched.get_ref().trim();
            let html = self.inline(&pair.matched, "a match");
            let position = right_texts
                .iter()
                .position(|known| *known == text)
                .unwrap_or_else(|| {
                    right_texts.push(text);
                    right.push(html);
                    right_texts.len() - 1
                });
            matches.push(position);
        }
        let match_count = right_texts.len();
        if let Some(distractors) = distractors {
            for distractor in distractors.get_ref() {
                let text = distractor.get_ref().trim();
                if right_texts[..match_count].contains(&text) {
                    self.diagnostics.at(
                        self.file,
                        distractor.span().start,
                        format!(
                            "distractor {text:?} is also a match; a distractor must match no prompt"
                        ),
                    );
                } else if right_texts.contains(&text) {
                    self.diagnostics.at(
                        self.file,
                        distractor.span().start,
                        format!("the distractor {text:?} appears twice"),
                    );
                }
                right_texts.push(text);
                right.push(self.inline(distractor, "a distractor"));
            }
        }
        if fits {
            fits = self.list_length(
                right.len(),
                at,
                2,
                &format!(
                    "matching question {id:?}: the right-hand items (distinct matches and distractors)"
                ),
            );
        }
        fits.then_some(Body::Matching {
            prompts,
            right,
            pairs: matches,
        })
    }

    /// A decimal written as a TOML number or string, read from its source text so that
    /// 0.1 stays exactly 0.1; in thousandths.
    fn decimal(&mut self, value: &Spanned<toml::Value>, field: &str) -> Option<i64> {
        let at = value.span().start;
        let text = match value.get_ref() {
            toml::Value::String(text) => text.clone(),
            toml::Value::Integer(_) | toml::Value::Float(_) => {
                self.file.text[value.span()].to_string()
            }
            _ => {
                self.diagnostics.at(
                    self.file,
                    at,
                    format!("the {field} of a numeric question is a number such as 12.5 or a string such as \"12.5\""),
                );
                return None;
            }
        };
        // Learners may type a decimal comma; an author's comma would be ambiguous ("1,000").
        let parsed = if text.contains(',') {
            None
        } else {
            parse_decimal(&text)
        };
        if parsed.is_none() {
            self.diagnostics.at(
                self.file,
                at,
                format!(
                    "the {field} {text:?} is not a decimal number with at most {} decimals; write it like 12.5, with a point and no thousands separator",
                    NUMERIC_SCALE.ilog10()
                ),
            );
        }
        parsed
    }

    /// Checks the blueprint and returns its rules. Each rule draws from what the earlier
    /// rules may have left, whatever the seed, so every attempt can be assembled.
    fn blueprint(
        &mut self,
        rules: &[Spanned<RuleSource>],
        scoped: &[(String, String)],
    ) -> Vec<BlueprintRule> {
        if rules.is_empty() {
            self.diagnostics.at(
                self.file,
                self.file.text.len(),
                "the exam has no [[blueprint]] rules; add one per group of questions to draw, with objective or module and count",
            );
        }
        let mut blueprint = Vec::new();
        // Valid rules with the bank questions in their scope, for the shortfall check.
        let mut drawn: Vec<(usize, &Spanned<i64>, Scope, Vec<usize>)> = Vec::new();
        for (position, rule) in rules.iter().enumerate() {
            let number = position + 1;
            let source = rule.get_ref();
            let scope = match (&source.objective, &source.module) {
                (Some(objective), None) => {
                    if self
                        .context
                        .objective_modules
                        .contains_key(objective.get_ref())
                    {
                        Some(Scope::Objective(objective.get_ref().clone()))
                    } else {
                        self.diagnostics.at(
                            self.file,
                            objective.span().start,
                            format!("blueprint rule {number} names unknown objective {:?}; use one of course.toml's objectives", objective.get_ref()),
                        );
                        None
                    }
                }
                (None, Some(module)) => {
                    if self.context.modules.contains(module.get_ref()) {
                        Some(Scope::Module(module.get_ref().clone()))
                    } else {
                        self.diagnostics.at(
                            self.file,
                            module.span().start,
                            format!("blueprint rule {number} names unknown module {:?}; use one of course.toml's modules", module.get_ref()),
                        );
                        None
                    }
                }
                (Some(_), Some(module)) => {
                    self.diagnostics.at(
                        self.file,
                        key_offset(self.file, module.span().start),
                        format!("blueprint rule {number} names both an objective and a module; a rule draws from one, so keep one of them"),
                    );
                    None
                }
                (None, None) => {
                    self.diagnostics.at(
                        self.file,
                        rule.span().start,
                        format!("blueprint rule {number} names neither an objective nor a module; add objective = \"…\" or module = \"…\""),
                    );
                    None
                }
            };
            let count = *source.count.get_ref();
            let count = match usize::try_from(count) {
                Ok(count) if count >= 1 => Some(count),
                _ => {
                    self.diagnostics.at(
                        self.file,
                        source.count.span().start,
                        format!("blueprint rule {number} must draw at least 1 question (count is {count})"),
                    );
                    None
                }
            };
            if let (Some(scope), Some(count)) = (scope, count) {
                let members: Vec<usize> = scoped
                    .iter()
                    .enumerate()
                    .filter(|(_, (objective, module))| match &scope {
                        Scope::Objective(wanted) => objective == wanted,
                        Scope::Module(wanted) => module == wanted,
                    })
                    .map(|(question, _)| question)
                    .collect();
                drawn.push((number, &source.count, scope.clone(), members));
                blueprint.push(BlueprintRule { scope, count });
            }
        }
        self.shortfalls(&drawn);
        blueprint
    }

    /// Objective and module scopes are nested or disjoint, so the most that earlier rules
    /// can take from a rule's scope is the sum of the counts of the earlier rules whose
    /// scope shares a question with it. A rule that wants more than what is then left
    /// would fail for some seeds, so it is an error.
    fn shortfalls(&mut self, drawn: &[(usize, &Spanned<i64>, Scope, Vec<usize>)]) {
        for (later, (number, count, scope, members)) in drawn.iter().enumerate() {
            let wanted = usize::try_from(*count.get_ref()).unwrap_or(0);
            let overlapping: Vec<(usize, usize)> = drawn[..later]
                .iter()
                .filter(|(_, _, _, earlier)| {
                    earlier.iter().any(|question| members.contains(question))
                })
                .map(|(earlier_number, earlier_count, _, _)| {
                    (
                        *earlier_number,
                        usize::try_from(*earlier_count.get_ref()).unwrap_or(0),
                    )
                })
                .collect();
            let taken: usize = overlapping.iter().map(|(_, count)| count).sum();
            let left = members.len().saturating_sub(taken);
            if wanted <= left {
                continue;
            }
            let scope = match scope {
                Scope::Objective(objective) => format!("objective {objective:?}"),
                Scope::Module(module) => format!("module {module:?}"),
            };
            let asks = format!(
                "blueprint rule {number} asks for {wanted} question{} of {scope}",
                if wanted == 1 { "" } else { "s" }
            );
            let message = if overlapping.is_empty() {
                format!(
                    "{asks} but the bank has only {}; add questions or lower the count",
                    members.len()
                )
            } else {
                let earlier: Vec<String> = overlapping
                    .iter()
                    .map(|(earlier_number, _)| earlier_number.to_string())
                    .collect();
                format!(
                    "{asks} but only {left} {} sure to be left: the bank has {} and earlier rule{} {} may draw {} of them; add questions, lower the count, or put narrower rules first",
                    if left == 1 { "is" } else { "are" },
                    members.len(),
                    if earlier.len() == 1 { "" } else { "s" },
                    earlier.join(", "),
                    taken.min(members.len())
                )
            };
            self.diagnostics.at(self.file, count.span().start, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use specialist_core::exam::assembly::{BankEntry, assemble};

    #[test]
    fn scrambled_orders_never_keep_the_authored_order_and_follow_the_seed() {
        for count in 2..7 {
            for seed in 0..200 {
                let order = scrambled_order(count, seed, keeps_authored_order);
                assert_ne!(
                    order,
                    (0..count).collect::<Vec<_>>(),
                    "{count} items, seed {seed}"
                );
                assert_eq!(order, scrambled_order(count, seed, keeps_authored_order));
                let mut sorted = order.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..count).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn matches_never_line_up_with_their_prompts_even_when_only_distractors_move() {
        // Two matches then two distractors: swapping only the distractors is not the
        // authored order, but it would still show each match beside its prompt.
        let pairs = [0, 1];
        assert!(lines_up_matches(&[0, 1, 3, 2], &pairs));
        for seed in 0..500 {
            let order = scrambled_order(4, seed, |order| lines_up_matches(order, &pairs));
            assert!(!lines_up_matches(&order, &pairs), "seed {seed}: {order:?}");
        }
        for count in 2..6 {
            let mut rotated: Vec<usize> = (0..count).collect();
            rotated.rotate_left(1);
            let pairs: Vec<usize> = (0..count).collect();
            assert!(!lines_up_matches(&rotated, &pairs));
            assert!(!keeps_authored_order(&rotated));
        }
    }

    #[test]
    fn bank_positions_invert_the_order() {
        let order = [2, 0, 1];
        // Authored item 0 sits at bank position 1, item 1 at 2, item 2 at 0.
        assert_eq!(bank_positions(&order), [1, 2, 0]);
    }

    #[test]
    fn a_field_problem_points_at_the_key() {
        let file = SourceFile {
            path: "exam.toml".into(),
            text: "answer = 1\noptions=[1]\n[[x]]\n".into(),
        };
        assert_eq!(key_offset(&file, file.text.find('1').unwrap()), 0);
        assert_eq!(
            key_offset(&file, file.text.find('[').unwrap()),
            file.text.find("options").unwrap()
        );
        let header = file.text.find("[[x]]").unwrap();
        assert_eq!(key_offset(&file, header), header);
    }

    fn shortfall_messages(rules: &str, objectives: &[&str]) -> Vec<String> {
        let questions: String = objectives
            .iter()
            .enumerate()
            .map(|(number, objective)| {
                format!("[[questions]]\nid = \"q{number}\"\nobjective = \"{objective}\"\ntype = \"true_false\"\nstem = \"S\"\nexplanation = \"E\"\nanswer = true\n\n")
            })
            .collect();
        let text = format!(
            "time_limit_minutes = 5\npass_mark_percent = 50\nattempts_allowed = 1\nretry_wait_minutes = 0\n[review]\n{rules}{questions}"
        );
        let file = SourceFile {
            path: "exam.toml".into(),
            text,
        };
        let empty = HashSet::new();
        let media = HashMap::new();
        let content = lesson::Context {
            lessons: &empty,
            glossary: &empty,
            objectives: &empty,
            media: &media,
        };
        let objective_modules = HashMap::from([
            ("a".to_string(), "m".to_string()),
            ("b".to_string(), "m".to_string()),
            ("c".to_string(), "n".to_string()),
        ]);
        let modules = HashSet::from(["m".to_string(), "n".to_string()]);
        let context = Context {
            content: &content,
            objective_modules: &objective_modules,
            modules: &modules,
        };
        let mut diagnostics = Diagnostics::default();
        let compiled = compile(&file, "e", "E", &context, &[1; 32], &mut diagnostics);
        let messages: Vec<String> = diagnostics
            .into_sorted()
            .iter()
            .map(|error| error.message.clone())
            .collect();
        assert_eq!(compiled.is_some(), messages.is_empty());
        if let Some(compiled) = compiled {
            // Whatever the seed, core assembly meets a blueprint the publisher accepts.
            let exam: PublishedExam = serde_json::from_slice(&compiled.files[0].1).unwrap();
            let bank: Vec<BankEntry> = exam.bank();
            for seed in 0..300 {
                assert!(
                    assemble(&bank, &exam.blueprint, seed).is_ok(),
                    "seed {seed}"
                );
            }
        }
        messages
    }

    #[test]
    fn a_broad_rule_before_a_narrow_one_is_refused_when_it_could_starve_it() {
        // Module m holds a, a, b; the module rule may take both a questions first.
        let starving = shortfall_messages(
            "[[blueprint]]\nmodule = \"m\"\ncount = 2\n[[blueprint]]\nobjective = \"a\"\ncount = 1\n",
            &["a", "a", "b", "c"],
        );
        assert_eq!(
            starving,
            [
                "blueprint rule 2 asks for 1 question of objective \"a\" but only 0 are sure to be left: the bank has 2 and earlier rule 1 may draw 2 of them; add questions, lower the count, or put narrower rules first"
            ]
        );
        // The narrow rule first always works.
        assert!(
            shortfall_messages(
                "[[blueprint]]\nobjective = \"a\"\ncount = 1\n[[blueprint]]\nmodule = \"m\"\ncount = 2\n[[blueprint]]\nobjective = \"c\"\ncount = 1\n",
                &["a", "a", "b", "c"],
            )
            .is_empty()
        );
        let short =
            shortfall_messages("[[blueprint]]\nobjective = \"c\"\ncount = 2\n", &["a", "c"]);
        assert_eq!(
            short,
            [
                "blueprint rule 1 asks for 2 questions of objective \"c\" but the bank has only 1; add questions or lower the count"
            ]
        );
    }
}
