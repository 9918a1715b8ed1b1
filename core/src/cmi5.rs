//! cmi5's rules for the statements an assignable unit sends: which verb when, in which
//! order, with which result and categories, in each launch mode. Pure decisions; the app
//! turns each [`Verb`] into an xAPI statement (merging the LMS's context template) and
//! queues it in the durable outbox.

use serde::{Deserialize, Serialize};

use crate::lms::{LmsReport, Success, scaled_score};

/// The cmi5 category every cmi5-defined statement carries.
pub const CMI5_CATEGORY: &str = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
/// The category of statements that count towards moveOn.
pub const MOVE_ON_CATEGORY: &str = "https://w3id.org/xapi/cmi5/context/categories/moveon";
/// The result extension carrying progress in percent.
pub const PROGRESS_EXTENSION: &str = "https://w3id.org/xapi/cmi5/result/extensions/progress";

/// How the LMS launched the AU (LMS.LaunchData `launchMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LaunchMode {
    /// Tracked study.
    Normal,
    /// Looking around: only initialized and terminated are sent.
    Browse,
    /// Looking back: only initialized and terminated are sent.
    Review,
}

impl LaunchMode {
    /// From the launch data's text; anything unknown is treated as Browse (nothing
    /// recorded) rather than guessed as Normal.
    pub fn parse(text: &str) -> Self {
        match text {
            "Normal" => Self::Normal,
            "Review" => Self::Review,
            _ => Self::Browse,
        }
    }
}

/// A statement to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// The session started (always first).
    Initialized,
    /// Progress through the material, in percent (a cmi5-allowed statement).
    Progressed {
        /// 0–100.
        percent: u32,
    },
    /// Every required lesson is complete.
    Completed,
    /// The exams are passed; score in basis points.
    Passed {
        /// The score.
        score_basis_points: u32,
    },
    /// The exams are failed; score in basis points.
    Failed {
        /// The score.
        score_basis_points: u32,
    },
    /// The session ended (always last).
    Terminated,
}

impl Verb {
    /// The verb's IRI.
    pub fn iri(&self) -> &'static str {
        match self {
            Self::Initialized => "http://adlnet.gov/expapi/verbs/initialized",
            Self::Progressed { .. } => "http://adlnet.gov/expapi/verbs/progressed",
            Self::Completed => "http://adlnet.gov/expapi/verbs/completed",
            Self::Passed { .. } => "http://adlnet.gov/expapi/verbs/passed",
            Self::Failed { .. } => "http://adlnet.gov/expapi/verbs/failed",
            Self::Terminated => "http://adlnet.gov/expapi/verbs/terminated",
        }
    }

    /// The verb's display name (en-US).
    pub fn display(&self) -> &'static str {
        match self {
            Self::Initialized => "initialized",
            Self::Progressed { .. } => "progressed",
            Self::Completed => "completed",
            Self::Passed { .. } => "passed",
            Self::Failed { .. } => "failed",
            Self::Terminated => "terminated",
        }
    }

    /// The context categories it carries: cmi5-defined verbs the cmi5 category, and those
    /// that decide moveOn the moveOn category too.
    pub fn categories(&self) -> Vec<&'static str> {
        match self {
            Self::Progressed { .. } => Vec::new(),
            Self::Initialized | Self::Terminated => vec![CMI5_CATEGORY],
            Self::Completed | Self::Passed { .. } | Self::Failed { .. } => {
                vec![CMI5_CATEGORY, MOVE_ON_CATEGORY]
            }
        }
    }

    /// Whether the statement carries the LMS's masteryScore in its context (cmi5 requires
    /// it on passed and failed when the LMS set one).
    pub fn carries_mastery_score(&self) -> bool {
        matches!(self, Self::Passed { .. } | Self::Failed { .. })
    }

    /// The statement's result as JSON members (without braces), given the session's
    /// duration so far (ISO 8601); empty for initialized.
    pub fn result_members(&self, duration: &str) -> String {
        let duration = format!("\"duration\":\"{duration}\"");
        match self {
            Self::Initialized => String::new(),
            Self::Progressed { percent } => {
                format!("\"extensions\":{{\"{PROGRESS_EXTENSION}\":{percent}}}")
            }
            Self::Completed => format!(
                "\"completion\":true,{duration},\"extensions\":{{\"{PROGRESS_EXTENSION}\":100}}"
            ),
            Self::Passed { score_basis_points } | Self::Failed { score_basis_points } => format!(
                "\"success\":{},\"score\":{{\"scaled\":{}}},{duration}",
                matches!(self, Self::Passed { .. }),
                scaled_score(*score_basis_points)
            ),
            Self::Terminated => duration,
        }
    }
}

/// What has been sent for a registration, kept across sessions so a relaunch never sends
/// completed, passed or failed twice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// The last progress sent, in percent.
    pub progress_percent: u32,
    /// Completed was sent.
    pub completed: bool,
    /// Passed or failed was sent.
    pub judged: bool,
}

/// The statements `report` calls for after what was `sent` (updated), in cmi5's order:
/// progress before completion, completion before the verdict. In Browse and Review mode
/// nothing. `mastery_basis_points` is the LMS's masteryScore, which decides passed/failed
/// when given (cmi5 requires the AU to apply it).
pub fn statements_for(
    report: &LmsReport,
    mode: LaunchMode,
    mastery_basis_points: Option<u32>,
    sent: &mut Sent,
) -> Vec<Verb> {
    if mode != LaunchMode::Normal {
        return Vec::new();
    }
    let mut verbs = Vec::new();
    let percent = report.progress_permille / 10;
    if !sent.completed && percent > sent.progress_percent && percent < 100 {
        verbs.push(Verb::Progressed { percent });
        sent.progress_percent = percent;
    }
    if report.completed && !sent.completed {
        verbs.push(Verb::Completed);
        sent.completed = true;
        sent.progress_percent = 100;
    }
    if let (false, Some(score)) = (sent.judged, report.score_basis_points) {
        let reaches_mastery = mastery_basis_points.is_none_or(|mastery| score >= mastery);
        let verdict = match report.success {
            Success::Passed if reaches_mastery => Some(Verb::Passed {
                score_basis_points: score,
            }),
            Success::Passed | Success::Failed => Some(Verb::Failed {
                score_basis_points: score,
            }),
            Success::Unknown => None,
        };
        if let Some(verdict) = verdict {
            verbs.push(verdict);
            sent.judged = true;
        }
    }
    verbs
}

/// A masteryScore (a decimal 0–1 with up to 4 places) in basis points.
pub fn mastery_basis_points(text: &str) -> Option<u32> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 4 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = format!("{fraction:0<4}").parse().ok()?;
    let value = whole.checked_mul(10_000)?.checked_add(fraction)?;
    (value <= 10_000).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(completed: bool, success: Success, score: Option<u32>, permille: u32) -> LmsReport {
        LmsReport {
            completed,
            success,
            score_basis_points: score,
            progress_permille: permille,
        }
    }

    #[test]
    fn progress_then_completion_then_one_verdict_and_nothing_twice() {
        let mut sent = Sent::default();
        let mode = LaunchMode::Normal;
        assert_eq!(
            statements_for(
                &report(false, Success::Unknown, None, 250),
                mode,
                Some(7_000),
                &mut sent
            ),
            [Verb::Progressed { percent: 25 }]
        );
        assert!(
            statements_for(
                &report(false, Success::Unknown, None, 250),
                mode,
                Some(7_000),
                &mut sent
            )
            .is_empty()
        );
        assert_eq!(
            statements_for(
                &report(true, Success::Unknown, Some(6_000), 1000),
                mode,
                Some(7_000),
                &mut sent
            ),
            [Verb::Completed],
            "completion; no verdict while an attempt remains"
        );
        assert_eq!(
            statements_for(
                &report(true, Success::Passed, Some(8_500), 1000),
                mode,
                Some(7_000),
                &mut sent
            ),
            [Verb::Passed {
                score_basis_points: 8_500
            }]
        );
        assert!(
            statements_for(
                &report(true, Success::Passed, Some(9_000), 1000),
                mode,
                Some(7_000),
                &mut sent
            )
            .is_empty()
        );
    }

    #[test]
    fn the_lms_mastery_score_decides_and_browse_sends_nothing() {
        let mut sent = Sent::default();
        assert_eq!(
            statements_for(
                &report(true, Success::Passed, Some(7_500), 1000),
                LaunchMode::Normal,
                Some(8_000),
                &mut sent
            ),
            [
                Verb::Completed,
                Verb::Failed {
                    score_basis_points: 7_500
                }
            ]
        );
        let mut fresh = Sent::default();
        for mode in [LaunchMode::Browse, LaunchMode::Review] {
            assert!(
                statements_for(
                    &report(true, Success::Passed, Some(10_000), 1000),
                    mode,
                    None,
                    &mut fresh
                )
                .is_empty()
            );
        }
        assert_eq!(LaunchMode::parse("Normal"), LaunchMode::Normal);
        assert_eq!(LaunchMode::parse("something"), LaunchMode::Browse);
    }

    #[test]
    fn results_and_categories_follow_the_spec() {
        assert_eq!(Verb::Initialized.categories(), [CMI5_CATEGORY]);
        assert_eq!(
            Verb::Completed.categories(),
            [CMI5_CATEGORY, MOVE_ON_CATEGORY]
        );
        assert!(Verb::Progressed { percent: 40 }.categories().is_empty());
        assert_eq!(
            Verb::Passed {
                score_basis_points: 8_550
            }
            .result_members("PT1M"),
            "\"success\":true,\"score\":{\"scaled\":0.855},\"duration\":\"PT1M\""
        );
        assert!(
            Verb::Completed
                .result_members("PT2S")
                .contains("\"completion\":true")
        );
        assert_eq!(Verb::Initialized.result_members("PT0S"), "");
        assert_eq!(mastery_basis_points("0.7"), Some(7_000));
        assert_eq!(mastery_basis_points("0.8125"), Some(8_125));
        assert_eq!(mastery_basis_points("1"), Some(10_000));
        assert_eq!(mastery_basis_points("1.2"), None);
        assert_eq!(mastery_basis_points("0.12345"), None);
    }
}
