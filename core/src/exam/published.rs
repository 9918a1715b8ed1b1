//! The published exam file: everything the app needs to run, grade and review an exam,
//! with every right response sealed (see [`super::seal`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::assembly::{AssembledQuestion, BankEntry, BlueprintRule};
use super::grading::{AttemptResult, Mark, Response, tally_attempt};
use super::seal::{NumericGrid, Seal, sealed_is_correct};

/// The exam file format this build writes and reads.
pub const EXAM_FORMAT: u32 = 1;

/// What the learner sees after submitting; each part on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPolicy {
    /// The score and pass/fail.
    pub score: bool,
    /// The per-objective and per-module breakdown.
    pub objectives: bool,
    /// Which questions were answered wrong.
    pub wrong_answers: bool,
    /// The right answers of those questions.
    pub correct_answers: bool,
    /// The right answers, but only on an attempt that passed (so failing learners cannot
    /// collect them for the next attempt).
    #[serde(default)]
    pub correct_answers_when_passed: bool,
    /// The explanations.
    pub explanations: bool,
}

impl ReviewPolicy {
    /// Whether anything in the sealed review file may be shown.
    pub fn opens_review(&self) -> bool {
        self.correct_answers || self.correct_answers_when_passed || self.explanations
    }

    /// Whether the review file carries right answers at all.
    pub fn carries_correct_answers(&self) -> bool {
        self.correct_answers || self.correct_answers_when_passed
    }

    /// Whether the right answers are shown after an attempt that `passed` or not.
    pub fn shows_correct_answers(&self, passed: bool) -> bool {
        self.correct_answers || (self.correct_answers_when_passed && passed)
    }
}

/// The question types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// One option is right.
    SingleChoice,
    /// Every right option and no other (all-or-nothing).
    MultipleResponse,
    /// A statement, true or false.
    TrueFalse,
    /// Put the items in order.
    Ordering,
    /// Match each prompt to an option.
    Matching,
    /// A number, within a tolerance.
    Numeric,
}

/// An option of a choice question, an item to order, or a right-hand item to match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamOption {
    /// Sanitized HTML.
    pub html: String,
    /// Keeps its place when options shuffle.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fixed: bool,
}

/// A bank question as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedQuestion {
    /// Identifier unique within the exam.
    pub id: String,
    /// The objective it tests.
    pub objective: String,
    /// The module owning that objective.
    pub module: String,
    /// The type.
    pub kind: QuestionKind,
    /// The question as sanitized HTML.
    pub stem_html: String,
    /// Options, items to order, or right-hand items to match (bank order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ExamOption>,
    /// Left-hand prompts of a matching question, as HTML.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompts: Vec<String>,
    /// The unit a numeric answer is in, e.g. `tCO2e`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// The bucket grid of a numeric question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<NumericGrid>,
    /// Authored difficulty, 1 (easy) to 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<u8>,
    /// The sealed right response.
    pub seal: Seal,
}

impl PublishedQuestion {
    /// Whether `response` is right.
    pub fn is_correct(&self, response: Option<&Response>) -> bool {
        sealed_is_correct(&self.seal, self.grid.as_ref(), response)
    }
}

/// A published exam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedExam {
    /// [`EXAM_FORMAT`] when written.
    pub format: u32,
    /// Identifier unique within the course.
    pub id: String,
    /// Title shown to learners.
    pub title: String,
    /// Instructions shown before starting, sanitized HTML.
    pub instructions_html: String,
    /// Module or lesson ids that must be complete before the exam opens.
    pub prerequisites: Vec<String>,
    /// The time limit before any accommodation.
    pub time_limit_minutes: u32,
    /// The pass mark in percent.
    pub pass_mark_percent: u32,
    /// How many graded attempts a learner has.
    pub attempts_allowed: u32,
    /// Minutes to wait after a failed attempt before the next opens.
    pub retry_wait_minutes: u32,
    /// How many questions to draw, and from where.
    pub blueprint: Vec<BlueprintRule>,
    /// What the learner sees after submitting.
    pub review: ReviewPolicy,
    /// The bank.
    pub questions: Vec<PublishedQuestion>,
    /// The sealed review file, relative to the course folder, when the policy shows any of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_file: Option<String>,
    /// The hex cipher for the review file (see [`super::seal::open_text`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_cipher: Option<String>,
}

/// What the sealed review file holds for one question once opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionReview {
    /// The question id.
    pub id: String,
    /// The right response in [`Response::encode`] form (numbers as thousandths).
    pub response: String,
    /// The accepted difference of a numeric answer, in thousandths.
    #[serde(default)]
    pub tolerance: i64,
    /// Why, as sanitized HTML.
    pub explanation_html: String,
}

/// The sealed review file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedReview {
    /// Hex of the encrypted JSON list of [`QuestionReview`]s.
    pub sealed: String,
}

impl PublishedExam {
    /// What assembly needs of the bank.
    pub fn bank(&self) -> Vec<BankEntry> {
        self.questions
            .iter()
            .map(|question| BankEntry {
                id: question.id.clone(),
                objective: question.objective.clone(),
                module: question.module.clone(),
                fixed_options: question.options.iter().map(|option| option.fixed).collect(),
            })
            .collect()
    }

    /// The number of questions an attempt has.
    pub fn question_count(&self) -> usize {
        self.blueprint.iter().map(|rule| rule.count).sum()
    }

    /// A bank question by id.
    pub fn question(&self, id: &str) -> Option<&PublishedQuestion> {
        self.questions.iter().find(|question| question.id == id)
    }

    /// Grades the assembled `questions` against the sealed keys.
    pub fn grade(
        &self,
        questions: &[AssembledQuestion],
        responses: &BTreeMap<String, Response>,
        elapsed_milliseconds: u64,
    ) -> AttemptResult {
        let by_id: BTreeMap<&str, &PublishedQuestion> = self
            .questions
            .iter()
            .map(|question| (question.id.as_str(), question))
            .collect();
        let marks: Vec<Mark<'_>> = questions
            .iter()
            .filter_map(|asked| by_id.get(asked.id.as_str()))
            .map(|question| Mark {
                id: &question.id,
                objective: &question.objective,
                module: &question.module,
                correct: question.is_correct(responses.get(&question.id)),
            })
            .collect();
        tally_attempt(&marks, self.pass_mark_percent, elapsed_milliseconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(correct_answers: bool, correct_answers_when_passed: bool) -> ReviewPolicy {
        ReviewPolicy {
            score: true,
            objectives: true,
            wrong_answers: true,
            correct_answers,
            correct_answers_when_passed,
            explanations: false,
        }
    }

    #[test]
    fn answers_after_a_pass_are_shown_only_on_a_passed_attempt_but_shipped_sealed() {
        let after_pass = policy(false, true);
        assert!(!after_pass.shows_correct_answers(false));
        assert!(after_pass.shows_correct_answers(true));
        assert!(after_pass.carries_correct_answers() && after_pass.opens_review());
        let always = policy(true, false);
        assert!(always.shows_correct_answers(false) && always.shows_correct_answers(true));
        let never = policy(false, false);
        assert!(!never.shows_correct_answers(true));
        assert!(!never.carries_correct_answers() && !never.opens_review());
    }

    #[test]
    fn a_policy_written_before_answers_after_a_pass_existed_reads_as_off() {
        let old: ReviewPolicy = serde_json::from_str(
            r#"{"score":true,"objectives":true,"wrong_answers":true,"correct_answers":false,"explanations":true}"#,
        )
        .unwrap();
        assert!(!old.correct_answers_when_passed);
    }
}
