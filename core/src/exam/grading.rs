//! Grading responses against answer keys, all-or-nothing per question, with integer
//! arithmetic only (results are signed later, and signed payloads carry no floats).
//!
//! The server re-grades from transcripts with plaintext keys through these same
//! functions; how the bundle seals its keys is the exam engine's next step.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Numbers in responses and keys are fixed-point thousandths (12.5 is 12_500).
pub const NUMERIC_SCALE: i64 = 1_000;

/// The correct response of a question, by type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum AnswerKey {
    /// Exactly one option is right.
    SingleChoice {
        /// The bank index of the correct option.
        correct: u8,
    },
    /// Every right option and no other must be chosen (all-or-nothing).
    MultipleResponse {
        /// The bank indexes of the correct options.
        correct: Vec<u8>,
    },
    /// A statement that is true or false.
    TrueFalse {
        /// Whether the statement is true.
        correct: bool,
    },
    /// Items to put in order.
    Ordering {
        /// Bank item indexes in the correct order.
        order: Vec<u8>,
    },
    /// Left items each matched to a right item.
    Matching {
        /// For each left item, the bank index of its right item.
        pairs: Vec<u8>,
    },
    /// A number, accepted within a tolerance.
    Numeric {
        /// The expected value in thousandths.
        value: i64,
        /// The largest accepted difference in thousandths (inclusive).
        tolerance: i64,
    },
}

/// What the learner answered, by type (indexes are bank indexes, not display positions).
/// Externally tagged (`{"choices":{…}}`): an internally tagged enum costs the app several
/// KB of wasm to deserialize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Chosen options (single choice, multiple response).
    Choices {
        /// The chosen bank indexes.
        chosen: Vec<u8>,
    },
    /// True or false.
    Boolean {
        /// The learner's answer.
        value: bool,
    },
    /// Items in the learner's order.
    Order {
        /// Bank item indexes.
        order: Vec<u8>,
    },
    /// For each left item, the right item the learner chose.
    Pairs {
        /// Right bank indexes by left item.
        pairs: Vec<u8>,
    },
    /// A number in thousandths.
    Number {
        /// The value.
        value: i64,
    },
}

/// Parses a decimal the learner typed ("12.5", "-0,25", "1 000") into thousandths.
/// More than three decimals, or anything that is not a number, is `None`.
pub fn parse_decimal(text: &str) -> Option<i64> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|character| !character.is_whitespace() && *character != '_')
        .collect();
    let cleaned = cleaned.replace(',', ".");
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if (whole.is_empty() && fraction.is_empty())
        || fraction.len() > 3
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|digit| digit.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i64 = format!("{fraction:0<3}").parse().ok()?;
    let value = whole.checked_mul(NUMERIC_SCALE)?.checked_add(fraction)?;
    Some(if negative { -value } else { value })
}

/// Whether `response` is right for `key`. A missing response or one of another type is wrong.
pub fn is_correct(key: &AnswerKey, response: Option<&Response>) -> bool {
    let Some(response) = response else {
        return false;
    };
    match (key, response) {
        // Chosen options are a set: choosing the same option twice is choosing it once.
        (AnswerKey::SingleChoice { correct }, Response::Choices { chosen }) => {
            !chosen.is_empty() && chosen.iter().all(|option| option == correct)
        }
        (AnswerKey::MultipleResponse { correct }, Response::Choices { chosen }) => {
            let mut expected = correct.clone();
            let mut given = chosen.clone();
            expected.sort_unstable();
            expected.dedup();
            given.sort_unstable();
            given.dedup();
            !given.is_empty() && given == expected
        }
        (AnswerKey::TrueFalse { correct }, Response::Boolean { value }) => correct == value,
        (AnswerKey::Ordering { order }, Response::Order { order: given }) => order == given,
        (AnswerKey::Matching { pairs }, Response::Pairs { pairs: given }) => pairs == given,
        (AnswerKey::Numeric { value, tolerance }, Response::Number { value: given }) => value
            .checked_sub(*given)
            .is_some_and(|difference| difference.abs() <= *tolerance),
        _ => false,
    }
}

/// A question as grading needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradedQuestion<'a> {
    /// The question id.
    pub id: &'a str,
    /// The objective it tests.
    pub objective: &'a str,
    /// The module owning that objective.
    pub module: &'a str,
    /// The key.
    pub key: &'a AnswerKey,
}

/// Right answers out of questions asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Questions answered right.
    pub correct: u32,
    /// Questions asked.
    pub total: u32,
}

impl Tally {
    /// The share right in basis points (10 000 = 100 %), rounded down; 0 when nothing was asked.
    pub fn basis_points(self) -> u32 {
        (self.correct * 10_000).checked_div(self.total).unwrap_or(0)
    }
}

/// The graded attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptResult {
    /// The whole attempt.
    pub overall: Tally,
    /// The score in basis points.
    pub score_basis_points: u32,
    /// The pass mark in basis points, as it was when graded.
    pub pass_mark_basis_points: u32,
    /// Whether the score reaches the pass mark.
    pub passed: bool,
    /// Per objective id.
    pub objectives: BTreeMap<String, Tally>,
    /// Per module id.
    pub modules: BTreeMap<String, Tally>,
    /// Ids of the questions answered wrong (or not at all), in attempt order.
    pub wrong: Vec<String>,
    /// Milliseconds of the time limit used.
    pub elapsed_milliseconds: u64,
}

/// One question's verdict, as [`tally_attempt`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark<'a> {
    /// The question id.
    pub id: &'a str,
    /// The objective it tests.
    pub objective: &'a str,
    /// The module owning that objective.
    pub module: &'a str,
    /// Whether the response was right.
    pub correct: bool,
}

/// Adds up verdicts: the score in basis points, pass when the score reaches
/// `pass_mark_percent`, and the breakdown by objective and module.
pub fn tally_attempt(
    marks: &[Mark<'_>],
    pass_mark_percent: u32,
    elapsed_milliseconds: u64,
) -> AttemptResult {
    let mut result = AttemptResult {
        overall: Tally::default(),
        score_basis_points: 0,
        pass_mark_basis_points: pass_mark_percent * 100,
        passed: false,
        objectives: BTreeMap::new(),
        modules: BTreeMap::new(),
        wrong: Vec::new(),
        elapsed_milliseconds,
    };
    for mark in marks {
        for tally in [
            &mut result.overall,
            result
                .objectives
                .entry(mark.objective.to_string())
                .or_default(),
            result.modules.entry(mark.module.to_string()).or_default(),
        ] {
            tally.total += 1;
            tally.correct += u32::from(mark.correct);
        }
        if !mark.correct {
            result.wrong.push(mark.id.to_string());
        }
    }
    result.score_basis_points = result.overall.basis_points();
    result.passed =
        result.overall.total > 0 && result.score_basis_points >= result.pass_mark_basis_points;
    result
}

/// Grades an attempt against plaintext keys (the server's re-grade and the tests);
/// the app grades against sealed keys through [`super::published::grade`].
pub fn grade_attempt(
    questions: &[GradedQuestion<'_>],
    responses: &BTreeMap<String, Response>,
    pass_mark_percent: u32,
) -> AttemptResult {
    let marks: Vec<Mark<'_>> = questions
        .iter()
        .map(|question| Mark {
            id: question.id,
            objective: question.objective,
            module: question.module,
            correct: is_correct(question.key, responses.get(question.id)),
        })
        .collect();
    tally_attempt(&marks, pass_mark_percent, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(chosen: &[u8]) -> Response {
        Response::Choices {
            chosen: chosen.to_vec(),
        }
    }

    #[test]
    fn single_choice_needs_exactly_the_one_option() {
        let key = AnswerKey::SingleChoice { correct: 2 };
        assert!(is_correct(&key, Some(&choices(&[2]))));
        assert!(!is_correct(&key, Some(&choices(&[1]))));
        assert!(
            !is_correct(&key, Some(&choices(&[2, 1]))),
            "two answers to a single choice"
        );
        assert!(!is_correct(&key, Some(&choices(&[]))), "empty");
        assert!(
            is_correct(&key, Some(&choices(&[2, 2]))),
            "the same option twice is one choice"
        );
        assert!(!is_correct(&key, None), "unanswered");
        assert!(
            !is_correct(&key, Some(&Response::Boolean { value: true })),
            "another type"
        );
    }

    #[test]
    fn multiple_response_is_all_or_nothing_in_any_order() {
        let key = AnswerKey::MultipleResponse {
            correct: vec![0, 3],
        };
        assert!(is_correct(&key, Some(&choices(&[3, 0]))));
        assert!(!is_correct(&key, Some(&choices(&[0]))), "partial");
        assert!(
            !is_correct(&key, Some(&choices(&[0, 3, 1]))),
            "one too many"
        );
        assert!(!is_correct(&key, Some(&choices(&[]))), "empty");
        assert!(
            is_correct(&key, Some(&choices(&[0, 3, 3]))),
            "a repeated index is the same choice"
        );
    }

    #[test]
    fn true_false_ordering_and_matching_compare_exactly() {
        assert!(is_correct(
            &AnswerKey::TrueFalse { correct: false },
            Some(&Response::Boolean { value: false })
        ));
        assert!(!is_correct(
            &AnswerKey::TrueFalse { correct: false },
            Some(&Response::Boolean { value: true })
        ));
        let ordering = AnswerKey::Ordering {
            order: vec![2, 0, 1],
        };
        assert!(is_correct(
            &ordering,
            Some(&Response::Order {
                order: vec![2, 0, 1]
            })
        ));
        assert!(!is_correct(
            &ordering,
            Some(&Response::Order {
                order: vec![2, 1, 0]
            })
        ));
        assert!(
            !is_correct(&ordering, Some(&Response::Order { order: vec![2, 0] })),
            "incomplete"
        );
        let matching = AnswerKey::Matching {
            pairs: vec![1, 0, 2],
        };
        assert!(is_correct(
            &matching,
            Some(&Response::Pairs {
                pairs: vec![1, 0, 2]
            })
        ));
        assert!(
            !is_correct(
                &matching,
                Some(&Response::Pairs {
                    pairs: vec![1, 2, 0]
                })
            ),
            "partial matching is wrong"
        );
    }

    #[test]
    fn numeric_answers_count_within_the_tolerance_inclusive() {
        let key = AnswerKey::Numeric {
            value: 12_500,
            tolerance: 100,
        };
        for (typed, right) in [
            ("12.5", true),
            ("12.6", true),
            ("12.4", true),
            ("12.601", false),
            ("12,45", true),
            ("1 2.5", true),
            ("-12.5", false),
        ] {
            let value = parse_decimal(typed).unwrap();
            assert_eq!(
                is_correct(&key, Some(&Response::Number { value })),
                right,
                "{typed}"
            );
        }
        assert!(
            !is_correct(
                &AnswerKey::Numeric {
                    value: i64::MIN,
                    tolerance: 0
                },
                Some(&Response::Number { value: 1 })
            ),
            "no overflow"
        );
    }

    #[test]
    fn decimals_parse_to_thousandths_and_refuse_what_is_not_a_number() {
        assert_eq!(parse_decimal("12.5"), Some(12_500));
        assert_eq!(parse_decimal("-0,25"), Some(-250));
        assert_eq!(parse_decimal(".5"), Some(500));
        assert_eq!(parse_decimal("+7"), Some(7_000));
        assert_eq!(parse_decimal("1_000"), Some(1_000_000));
        for bad in [
            "",
            "-",
            ".",
            "1.2345",
            "12a",
            "1.2.3",
            "e5",
            "99999999999999999999",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_attempt_scores_in_basis_points_with_breakdowns() {
        let single = AnswerKey::SingleChoice { correct: 0 };
        let truth = AnswerKey::TrueFalse { correct: true };
        let number = AnswerKey::Numeric {
            value: 3_000,
            tolerance: 0,
        };
        let questions = [
            GradedQuestion {
                id: "q1",
                objective: "o1",
                module: "m1",
                key: &single,
            },
            GradedQuestion {
                id: "q2",
                objective: "o1",
                module: "m1",
                key: &truth,
            },
            GradedQuestion {
                id: "q3",
                objective: "o2",
                module: "m2",
                key: &number,
            },
        ];
        let responses = BTreeMap::from([
            ("q1".to_string(), choices(&[0])),
            ("q2".to_string(), Response::Boolean { value: true }),
            ("q3".to_string(), Response::Number { value: 2_999 }),
        ]);
        let result = grade_attempt(&questions, &responses, 66);
        assert_eq!(
            result.overall,
            Tally {
                correct: 2,
                total: 3
            }
        );
        assert_eq!(result.score_basis_points, 6_666, "rounded down, never up");
        assert!(result.passed, "66.66 % reaches a 66 % pass mark");
        assert!(!grade_attempt(&questions, &responses, 67).passed);
        assert_eq!(
            result.objectives["o1"],
            Tally {
                correct: 2,
                total: 2
            }
        );
        assert_eq!(
            result.modules["m2"],
            Tally {
                correct: 0,
                total: 1
            }
        );
        assert_eq!(result.wrong, ["q3"]);
        let empty = grade_attempt(&questions, &BTreeMap::new(), 0);
        assert_eq!((empty.score_basis_points, empty.wrong.len()), (0, 3));
        assert!(
            !grade_attempt(&[], &BTreeMap::new(), 0).passed,
            "an empty attempt never passes"
        );
    }
}
