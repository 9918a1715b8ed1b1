//! What an LMS is told and when: completion, success and score from the learner's state,
//! in each standard's vocabulary and number formats (SCORM 1.2 CMITimespan, ISO 8601
//! durations, scaled scores), and the commit policy. Pure functions; the LMS adapters call
//! them and do the talking.

use std::collections::BTreeMap;

use crate::exam::attempt::{Attempt, ExamRecord};
use crate::exam::grading::Response;
use crate::exam::published::{PublishedExam, QuestionKind};
use crate::manifest::CourseManifest;
use crate::progress::{LessonStatus, Progress, lesson_status};

/// Whether the learner has passed the course's exams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Success {
    /// Not yet decided: an exam is still to pass and attempts remain.
    Unknown,
    /// Every required exam is passed.
    Passed,
    /// A required exam has used every attempt without a pass.
    Failed,
}

/// The learner's standing as an LMS records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LmsReport {
    /// Every required lesson is complete.
    pub completed: bool,
    /// The exams' verdict (with no exam required, passed once the lessons are complete).
    pub success: Success,
    /// The score, once every required exam has a submitted attempt: the lowest of their best
    /// scores, each scaled so its pass mark sits on the highest pass mark (the mastery mark
    /// the packages declare), so it reaches the mastery mark exactly when every exam is
    /// passed.
    pub score_basis_points: Option<u32>,
    /// Required lessons complete, in thousandths (cmi5's progress, SCORM 2004's
    /// progress_measure).
    pub progress_permille: u32,
}

/// Each exam's submitted attempts as (score in basis points, passed), by exam id.
pub type Outcomes = BTreeMap<String, Vec<(u32, bool)>>;

/// The submitted, counted attempts of `records`, as [`report`] takes them.
pub fn outcomes_of(records: &[ExamRecord]) -> Outcomes {
    let mut outcomes = Outcomes::new();
    for record in records {
        outcomes.entry(record.exam.clone()).or_default().extend(
            record
                .attempts
                .iter()
                .filter(|attempt| !attempt.practice)
                .filter_map(|attempt| attempt.submission.as_ref())
                .map(|submission| {
                    (
                        submission.result.score_basis_points,
                        submission.result.passed,
                    )
                }),
        );
    }
    outcomes
}

/// The report for a learner's progress and exam outcomes.
pub fn report(manifest: &CourseManifest, progress: &Progress, outcomes: &Outcomes) -> LmsReport {
    let required: Vec<_> = manifest
        .lessons()
        .filter(|lesson| lesson.required)
        .collect();
    let complete = required
        .iter()
        .filter(|lesson| lesson_status(lesson, progress) == LessonStatus::Complete)
        .count();
    let progress_permille = u32::try_from(complete * 1000)
        .unwrap_or(u32::MAX)
        .checked_div(u32::try_from(required.len()).unwrap_or(u32::MAX))
        .unwrap_or(1000);
    let completed = !manifest.completion.all_required_lessons || complete == required.len();

    // Each exam's best score is scaled so its own pass mark lands on the highest pass mark
    // (the mastery mark the packages declare): the lowest of them then reaches the mastery
    // mark exactly when every required exam is passed, whatever their pass marks.
    let required_exams: Vec<_> = manifest
        .exams
        .iter()
        .filter(|exam| manifest.completion.exams_passed.contains(&exam.id))
        .collect();
    let mastery = required_exams
        .iter()
        .map(|exam| exam.pass_mark_percent * 100)
        .max()
        .unwrap_or(0);
    let mut scaled_scores = Vec::new();
    let mut success = if manifest.completion.exams_passed.is_empty() && !completed {
        Success::Unknown
    } else {
        Success::Passed
    };
    for exam in &manifest.completion.exams_passed {
        let summary = required_exams.iter().find(|summary| &summary.id == exam);
        let outcomes = outcomes.get(exam.as_str()).map_or(&[][..], Vec::as_slice);
        let best = outcomes.iter().map(|outcome| outcome.0).max();
        let pass_mark = summary.map_or(mastery, |summary| summary.pass_mark_percent * 100);
        scaled_scores.push(best.map(|best| {
            if pass_mark == 0 {
                best
            } else {
                (u64::from(best) * u64::from(mastery) / u64::from(pass_mark)).min(10_000) as u32
            }
        }));
        if outcomes.iter().any(|outcome| outcome.1) {
            continue;
        }
        let allowed = summary.map_or(u32::MAX, |summary| summary.attempts_allowed);
        if u32::try_from(outcomes.len()).unwrap_or(u32::MAX) >= allowed {
            success = Success::Failed;
        } else if success == Success::Passed {
            success = Success::Unknown;
        }
    }
    let score_basis_points = scaled_scores
        .into_iter()
        .collect::<Option<Vec<u32>>>()
        .and_then(|scores| scores.into_iter().min());
    LmsReport {
        completed,
        success,
        score_basis_points,
        progress_permille,
    }
}

impl LmsReport {
    /// SCORM 1.2 `cmi.core.lesson_status`.
    pub fn scorm12_lesson_status(&self) -> &'static str {
        match (self.success, self.completed) {
            (Success::Passed, _) => "passed",
            (Success::Failed, _) => "failed",
            (Success::Unknown, true) => "completed",
            (Success::Unknown, false) => "incomplete",
        }
    }

    /// SCORM 2004 `cmi.completion_status`.
    pub fn completion_status(&self) -> &'static str {
        if self.completed {
            "completed"
        } else {
            "incomplete"
        }
    }

    /// SCORM 2004 `cmi.success_status`.
    pub fn success_status(&self) -> &'static str {
        match self.success {
            Success::Unknown => "unknown",
            Success::Passed => "passed",
            Success::Failed => "failed",
        }
    }
}

/// Basis points as a raw score out of 100 (`8550` → `85.5`).
pub fn raw_score(basis_points: u32) -> String {
    trimmed_decimal(basis_points, 100)
}

/// Basis points as a scaled score between 0 and 1 (`8550` → `0.855`).
pub fn scaled_score(basis_points: u32) -> String {
    trimmed_decimal(basis_points, 10_000)
}

fn trimmed_decimal(value: u32, unit: u32) -> String {
    let whole = value / unit;
    let fraction = value % unit;
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = unit.ilog10() as usize;
    let text = format!("{whole}.{fraction:0digits$}");
    text.trim_end_matches('0').to_string()
}

/// SCORM 1.2 CMITimespan `HHHH:MM:SS.SS` (hours at least two digits, at most 9999).
pub fn cmi_timespan(milliseconds: u64) -> String {
    let centiseconds = (milliseconds / 10).min(9_999 * 360_000 + 359_999);
    let hours = centiseconds / 360_000;
    let minutes = centiseconds / 6_000 % 60;
    let seconds = centiseconds / 100 % 60;
    let hundredths = centiseconds % 100;
    format!("{hours:02}:{minutes:02}:{seconds:02}.{hundredths:02}")
}

/// An ISO 8601 duration as SCORM 2004 and xAPI write it: `PT1H2M3.45S`, `PT0S`.
pub fn iso8601_duration(milliseconds: u64) -> String {
    let centiseconds = milliseconds / 10;
    let hours = centiseconds / 360_000;
    let minutes = centiseconds / 6_000 % 60;
    let seconds = centiseconds % 6_000;
    let mut text = String::from("PT");
    if hours > 0 {
        text.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        text.push_str(&format!("{minutes}M"));
    }
    if seconds > 0 || text.len() == 2 {
        text.push_str(&trimmed_decimal(u32::try_from(seconds).unwrap_or(0), 100));
        text.push('S');
    }
    text
}

/// A name as a person writes it: SCORM LMSs hold "Last, First" ("Lovelace, Ada" →
/// "Ada Lovelace"); anything else is kept as it is.
pub fn display_name(lms_name: &str) -> String {
    match lms_name.split_once(',') {
        Some((last, first)) if !first.trim().is_empty() && !last.trim().is_empty() => {
            format!("{} {}", first.trim(), last.trim())
        }
        _ => lms_name.trim().to_string(),
    }
}

/// The SCORM edition whose vocabulary a value is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// SCORM 1.2.
    Scorm12,
    /// SCORM 2004 4th Edition.
    Scorm2004,
}

/// One exam answer as an LMS interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interaction {
    /// `<exam>.<attempt>.<question id>`.
    pub id: String,
    /// The interaction type.
    pub kind: &'static str,
    /// The learner's response in the edition's format (options as letters a, b, c…).
    pub response: String,
    /// `correct`, or `wrong` (1.2) / `incorrect` (2004).
    pub result: &'static str,
    /// The question's objective.
    pub objective: String,
}

fn letter(index: u8) -> char {
    char::from(b'a' + index.min(25))
}

/// Every question of a submitted attempt as an interaction (unanswered ones with an empty
/// response). Practice and attempts in flight give none.
pub fn interactions(attempt: &Attempt, exam: &PublishedExam, edition: Edition) -> Vec<Interaction> {
    let Some(submission) = attempt.submission.as_ref().filter(|_| !attempt.practice) else {
        return Vec::new();
    };
    let (list, pair) = match edition {
        Edition::Scorm12 => (",", "."),
        Edition::Scorm2004 => ("[,]", "[.]"),
    };
    let letters = |indexes: &[u8]| {
        indexes
            .iter()
            .map(|index| letter(*index).to_string())
            .collect::<Vec<_>>()
            .join(list)
    };
    attempt
        .questions
        .iter()
        .filter_map(|assembled| {
            let question = exam.question(&assembled.id)?;
            let response = attempt.responses.get(&assembled.id);
            let kind = match question.kind {
                QuestionKind::SingleChoice | QuestionKind::MultipleResponse => "choice",
                QuestionKind::TrueFalse => "true-false",
                QuestionKind::Ordering => "sequencing",
                QuestionKind::Matching => "matching",
                QuestionKind::Numeric => "numeric",
            };
            let response = match response {
                None => String::new(),
                Some(Response::Choices { chosen }) => letters(chosen),
                Some(Response::Boolean { value }) => match (edition, value) {
                    (Edition::Scorm12, true) => "t".into(),
                    (Edition::Scorm12, false) => "f".into(),
                    (Edition::Scorm2004, value) => value.to_string(),
                },
                Some(Response::Order { order }) => letters(order),
                Some(Response::Pairs { pairs }) => pairs
                    .iter()
                    .enumerate()
                    .map(|(left, right)| {
                        format!(
                            "{}{pair}{}",
                            letter(u8::try_from(left).unwrap_or(25)),
                            letter(*right)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(list),
                Some(Response::Number { value }) => thousandths(*value),
            };
            let correct = !submission.result.wrong.contains(&assembled.id);
            Some(Interaction {
                id: format!("{}.{}.{}", exam.id, attempt.number, assembled.id),
                kind,
                response,
                result: match (correct, edition) {
                    (true, _) => "correct",
                    (false, Edition::Scorm12) => "wrong",
                    (false, Edition::Scorm2004) => "incorrect",
                },
                objective: question.objective.clone(),
            })
        })
        .collect()
}

/// Thousandths as a decimal (`-12500` → `-12.5`).
fn thousandths(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let magnitude = value.unsigned_abs();
    let whole = magnitude / 1000;
    let fraction = magnitude % 1000;
    if fraction == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction:03}")
            .trim_end_matches('0')
            .to_string()
    }
}

/// Why the app might talk to the LMS now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Completion, success or score changed: commit at once.
    StatusOrScore,
    /// Something else changed (a position, an answer, time on task).
    Activity,
    /// A timer tick.
    Tick,
    /// The page was hidden (it may never be shown again).
    Hidden,
    /// The page is going away.
    Exit,
}

/// What to do with the LMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing now.
    Wait,
    /// Set the values and commit.
    Commit,
    /// Set the values, the exit value and the session time, commit, terminate: once.
    Finish,
}

/// When to commit: at once on a status or score change; after other activity at most
/// every 30 seconds; whenever the page is hidden with changes pending; a failed commit
/// stays pending and is retried at the first tick 30 seconds after the last good one, or
/// at once on the next status or score trigger (the app raises one at each tick while the
/// LMS has not acknowledged the current status); after the session is finished, never again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitPolicy {
    last_commit: Option<u64>,
    pending: bool,
    finished: bool,
}

impl CommitPolicy {
    /// The longest a change waits for a commit.
    pub const INTERVAL_MILLISECONDS: u64 = 30_000;

    /// What to do after `trigger` at monotonic time `now`.
    pub fn on(&mut self, trigger: Trigger, now: u64) -> Action {
        if self.finished {
            return Action::Wait;
        }
        let due = self
            .last_commit
            .is_none_or(|last| now.saturating_sub(last) >= Self::INTERVAL_MILLISECONDS);
        match trigger {
            Trigger::Exit => {
                self.finished = true;
                Action::Finish
            }
            Trigger::StatusOrScore => {
                self.pending = true;
                Action::Commit
            }
            Trigger::Activity => {
                self.pending = true;
                if due { Action::Commit } else { Action::Wait }
            }
            Trigger::Tick if self.pending && due => Action::Commit,
            Trigger::Hidden if self.pending => Action::Commit,
            Trigger::Tick | Trigger::Hidden => Action::Wait,
        }
    }

    /// Records a commit's outcome: a failed one stays pending and is retried.
    pub fn committed(&mut self, now: u64, succeeded: bool) {
        if succeeded {
            self.pending = false;
            self.last_commit = Some(now);
        }
    }

    /// Whether the session has been finished (no call may follow).
    pub fn finished(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exam::attempt::Attempt;
    use crate::exam::attempt::tests::{MINUTE, at, true_false_exam, true_false_key};
    use crate::exam::grading::Response;
    use crate::exam::transcript::SubmitReason;
    use crate::manifest::tests::sample;
    use crate::progress::ProgressEvent;

    #[test]
    fn lms_names_read_first_name_first() {
        assert_eq!(display_name("Lovelace, Ada"), "Ada Lovelace");
        assert_eq!(display_name("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(display_name(" Lovelace ,  "), "Lovelace ,");
    }

    #[test]
    fn timespans_in_both_formats() {
        assert_eq!(cmi_timespan(0), "00:00:00.00");
        assert_eq!(cmi_timespan(3_723_450), "01:02:03.45");
        assert_eq!(cmi_timespan(100 * 3_600_000 + 5), "100:00:00.00");
        assert_eq!(cmi_timespan(u64::MAX), "9999:59:59.99");
        assert_eq!(iso8601_duration(0), "PT0S");
        assert_eq!(iso8601_duration(3_723_450), "PT1H2M3.45S");
        assert_eq!(iso8601_duration(7_200_000), "PT2H");
        assert_eq!(iso8601_duration(90_500), "PT1M30.5S");
    }

    #[test]
    fn scores_as_the_standards_write_them() {
        assert_eq!(raw_score(8_550), "85.5");
        assert_eq!(raw_score(7_000), "70");
        assert_eq!(raw_score(10_000), "100");
        assert_eq!(raw_score(6_667), "66.67");
        assert_eq!(scaled_score(8_550), "0.855");
        assert_eq!(scaled_score(10_000), "1");
        assert_eq!(scaled_score(0), "0");
    }

    fn attempt_scoring(right: usize, number: u32) -> Attempt {
        let exam = true_false_exam(4, "m");
        let mut attempt = Attempt::start(&exam, number, false, 7, 100, at(0)).unwrap();
        let ids: Vec<String> = attempt
            .questions
            .iter()
            .map(|question| question.id.clone())
            .collect();
        for (index, id) in ids.iter().enumerate() {
            let number: u8 = id.trim_start_matches('q').parse().unwrap();
            let correct = matches!(
                true_false_key(number),
                crate::exam::grading::AnswerKey::TrueFalse { correct: true }
            );
            let value = if index < right { correct } else { !correct };
            attempt
                .answer(&exam, id, Some(Response::Boolean { value }), at(MINUTE))
                .unwrap();
        }
        attempt.submit(&exam, SubmitReason::Manual, at(2 * MINUTE));
        attempt
    }

    #[test]
    fn status_and_score_follow_lessons_and_the_weakest_required_exam() {
        let mut manifest = sample();
        manifest.completion.exams_passed = vec!["final".into()];
        manifest.exams = vec![crate::manifest::ExamSummary {
            id: "final".into(),
            title: "Final".into(),
            file: "exams/final.json".into(),
            question_count: 4,
            time_limit_minutes: 10,
            pass_mark_percent: 75,
            attempts_allowed: 2,
            planned: false,
        }];
        let mut progress = Progress::new(&manifest.id);
        let nothing = report(&manifest, &progress, &Outcomes::new());
        assert_eq!(
            (
                nothing.scorm12_lesson_status(),
                nothing.success_status(),
                nothing.score_basis_points
            ),
            ("incomplete", "unknown", None)
        );
        for lesson in manifest
            .lessons()
            .map(|lesson| lesson.id.clone())
            .collect::<Vec<_>>()
        {
            progress.apply(ProgressEvent::ReachedEnd { lesson });
        }
        let mut record = ExamRecord::new(&manifest.id, "final");
        record.attempts.push(attempt_scoring(2, 1));
        let failed_once = report(
            &manifest,
            &progress,
            &outcomes_of(std::slice::from_ref(&record)),
        );
        assert_eq!(failed_once.progress_permille, 1000);
        assert_eq!(
            failed_once.scorm12_lesson_status(),
            "completed",
            "an attempt remains"
        );
        assert_eq!(failed_once.score_basis_points, Some(5_000));
        record.attempts.push(attempt_scoring(1, 2));
        let exhausted = report(
            &manifest,
            &progress,
            &outcomes_of(std::slice::from_ref(&record)),
        );
        assert_eq!(exhausted.scorm12_lesson_status(), "failed");
        assert_eq!(
            exhausted.score_basis_points,
            Some(5_000),
            "the best attempt counts"
        );
        record.attempts[1] = attempt_scoring(4, 2);
        let passed = report(
            &manifest,
            &progress,
            &outcomes_of(std::slice::from_ref(&record)),
        );
        assert_eq!(
            (
                passed.scorm12_lesson_status(),
                passed.completion_status(),
                passed.success_status()
            ),
            ("passed", "completed", "passed")
        );
        assert_eq!(passed.score_basis_points, Some(10_000));
    }

    #[test]
    fn exams_with_different_pass_marks_reach_the_mastery_mark_only_when_both_pass() {
        let mut manifest = sample();
        manifest.completion.exams_passed = vec!["one".into(), "two".into()];
        let exam = |id: &str, pass_mark_percent| crate::manifest::ExamSummary {
            id: id.into(),
            title: id.into(),
            file: format!("exams/{id}.json"),
            question_count: 4,
            time_limit_minutes: 10,
            pass_mark_percent,
            attempts_allowed: 3,
            planned: false,
        };
        manifest.exams = vec![exam("one", 70), exam("two", 80)];
        let progress = Progress::new(&manifest.id);
        let outcomes = |one: (u32, bool), two: (u32, bool)| {
            Outcomes::from([
                ("one".to_string(), vec![one]),
                ("two".to_string(), vec![two]),
            ])
        };
        // 90 on the 70 % exam, 75 on the 80 % exam: not passed, and the score says so.
        let failing = report(
            &manifest,
            &progress,
            &outcomes((9_000, true), (7_500, false)),
        );
        assert!(failing.score_basis_points.unwrap() < 8_000);
        assert_eq!(failing.success, Success::Unknown);
        let passing = report(
            &manifest,
            &progress,
            &outcomes((7_000, true), (8_000, true)),
        );
        assert!(passing.score_basis_points.unwrap() >= 8_000);
        assert_eq!(passing.success, Success::Passed);
        manifest.completion.exams_passed.clear();
        let no_exams = report(&manifest, &progress, &Outcomes::new());
        assert_eq!(
            no_exams.success,
            Success::Unknown,
            "not passed before the lessons are done"
        );
    }

    #[test]
    fn a_submitted_attempt_becomes_interactions_in_each_edition() {
        let exam = true_false_exam(4, "m");
        let attempt = attempt_scoring(3, 1);
        let scorm12 = interactions(&attempt, &exam, Edition::Scorm12);
        assert_eq!(scorm12.len(), 4);
        assert_eq!(
            scorm12
                .iter()
                .filter(|interaction| interaction.result == "correct")
                .count(),
            3
        );
        assert_eq!(
            scorm12
                .iter()
                .filter(|interaction| interaction.result == "wrong")
                .count(),
            1
        );
        assert!(
            scorm12
                .iter()
                .all(|interaction| interaction.kind == "true-false"
                    && ["t", "f"].contains(&interaction.response.as_str())
                    && interaction.id.starts_with("final.1.q"))
        );
        let scorm2004 = interactions(&attempt, &exam, Edition::Scorm2004);
        assert!(
            scorm2004
                .iter()
                .any(|interaction| interaction.result == "incorrect")
        );
        assert!(
            scorm2004
                .iter()
                .all(|interaction| ["true", "false"].contains(&interaction.response.as_str()))
        );
        assert_eq!(thousandths(-12_500), "-12.5");
        assert_eq!(thousandths(1_380_000), "1380");
        assert_eq!(thousandths(5), "0.005");
        let open = Attempt::start(&exam, 2, false, 7, 100, at(0)).unwrap();
        assert!(
            interactions(&open, &exam, Edition::Scorm12).is_empty(),
            "not before submission"
        );
    }

    #[test]
    fn commits_at_once_on_status_at_most_every_30_seconds_otherwise_and_never_after_finish() {
        let mut policy = CommitPolicy::default();
        assert_eq!(
            policy.on(Trigger::Activity, 0),
            Action::Commit,
            "the first change"
        );
        policy.committed(0, true);
        assert_eq!(policy.on(Trigger::Activity, 1_000), Action::Wait);
        assert_eq!(policy.on(Trigger::Tick, 20_000), Action::Wait);
        assert_eq!(policy.on(Trigger::StatusOrScore, 21_000), Action::Commit);
        policy.committed(21_000, false);
        assert_eq!(
            policy.on(Trigger::Tick, 25_000),
            Action::Wait,
            "within 30 s of the last good commit…"
        );
        assert_eq!(
            policy.on(Trigger::Tick, 31_000),
            Action::Commit,
            "…then the failed one is retried"
        );
        policy.committed(31_000, true);
        assert_eq!(
            policy.on(Trigger::Tick, 90_000),
            Action::Wait,
            "nothing pending"
        );
        assert_eq!(policy.on(Trigger::Hidden, 90_500), Action::Wait);
        assert_eq!(policy.on(Trigger::Activity, 91_000), Action::Commit);
        policy.committed(91_000, true);
        assert_eq!(policy.on(Trigger::Activity, 92_000), Action::Wait);
        assert_eq!(
            policy.on(Trigger::Hidden, 93_000),
            Action::Commit,
            "hidden with changes pending"
        );
        assert_eq!(policy.on(Trigger::Exit, 94_000), Action::Finish);
        assert!(policy.finished());
        for trigger in [
            Trigger::Exit,
            Trigger::StatusOrScore,
            Trigger::Hidden,
            Trigger::Tick,
        ] {
            assert_eq!(
                policy.on(trigger, 200_000),
                Action::Wait,
                "nothing after finishing"
            );
        }
    }
}
