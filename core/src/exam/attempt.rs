//! One attempt as a state machine: start, answer, flag, move, hide and show, submit. Every
//! step first reads the clock, so nothing is accepted after the deadline, and writes its
//! event to the transcript. The app saves the whole attempt after each step.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::assembly::{AssembledQuestion, BlueprintShortfall, assemble};
use super::clock::{ClockReading, ExamClock, accommodated_limit_milliseconds};
use super::grading::{AttemptResult, Response};
use super::published::PublishedExam;
use super::transcript::{EventKind, SubmitReason, Transcript};
use crate::manifest::CourseManifest;
use crate::progress::{LessonStatus, Progress, lesson_status};

/// The accommodation multipliers an admin may set, in percent of the time limit.
pub const ACCOMMODATION_RANGE_PERCENT: std::ops::RangeInclusive<u32> = 100..=400;

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// Why it was submitted.
    pub reason: SubmitReason,
    /// When, wall-clock milliseconds.
    pub wall: i64,
    /// The grade.
    pub result: AttemptResult,
}

/// The schema of a saved [`ExamRecord`]; bump when a field changes meaning.
pub const EXAM_RECORD_SCHEMA: u32 = 1;

/// Everything saved on the device for one exam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamRecord {
    /// [`EXAM_RECORD_SCHEMA`] when written.
    pub schema: u32,
    /// The course id.
    pub course: String,
    /// The exam id.
    pub exam: String,
    /// Graded attempts, oldest first; the last may be in progress. (Practice sets are
    /// saved apart, so a practice tab can never overwrite a graded attempt.)
    pub attempts: Vec<Attempt>,
}

impl ExamRecord {
    /// An empty record.
    pub fn new(course: &str, exam: &str) -> Self {
        Self {
            schema: EXAM_RECORD_SCHEMA,
            course: course.to_string(),
            exam: exam.to_string(),
            attempts: Vec::new(),
        }
    }

    /// The attempt in progress, if any.
    pub fn open_attempt(&mut self) -> Option<&mut Attempt> {
        self.attempts.last_mut().filter(|attempt| attempt.is_open())
    }

    /// Whether a graded attempt passed.
    pub fn passed(&self) -> bool {
        self.attempts.iter().any(Attempt::passed)
    }
}

/// Why a saved record (its `schema`, `course` and `exam` fields) is not this version's record
/// of `exam` of `course`, or `None` when it is.
pub fn record_mismatch(
    schema: u32,
    saved_course: &str,
    saved_exam: &str,
    course: &str,
    exam: &str,
) -> Option<String> {
    if schema != EXAM_RECORD_SCHEMA {
        Some(format!(
            "the saved attempts use schema {schema}, this version reads schema {EXAM_RECORD_SCHEMA}"
        ))
    } else if saved_course != course || saved_exam != exam {
        Some(format!(
            "the saved attempts belong to exam {saved_exam:?} of course {saved_course:?}"
        ))
    } else {
        None
    }
}

/// What the course home and the update offer need from a saved [`ExamRecord`]: whether an
/// attempt passed and whether one is still in flight. Read from the same JSON, it skips the
/// questions, responses and transcript, so the study build (src/capabilities.rs) carries no
/// parser for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ExamStanding {
    pub(crate) schema: u32,
    pub(crate) course: String,
    pub(crate) exam: String,
    pub(crate) attempts: Vec<AttemptStanding>,
}

// These mirror the fields of `ExamRecord`, `Attempt`, `Clock`, `Submission` and `Grade`
// that a standing needs; crate::decode reads them too.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct AttemptStanding {
    pub(crate) clock: ClockStanding,
    pub(crate) submission: Option<SubmissionStanding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct ClockStanding {
    pub(crate) started_wall_milliseconds: i64,
    pub(crate) limit_milliseconds: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct SubmissionStanding {
    pub(crate) result: ResultStanding,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct ResultStanding {
    pub(crate) passed: bool,
}

impl ExamStanding {
    /// Whether this is a record of `exam` of `course` in the schema this version reads; the
    /// exam page refuses (and sets aside) any other, so nothing else may count either.
    pub fn is_record_of(&self, course: &str, exam: &str) -> bool {
        record_mismatch(self.schema, &self.course, &self.exam, course, exam).is_none()
    }

    /// Whether any attempt was submitted with a passing score ([`ExamRecord::passed`]).
    pub fn passed(&self) -> bool {
        self.attempts.iter().any(|attempt| {
            attempt
                .submission
                .as_ref()
                .is_some_and(|submission| submission.result.passed)
        })
    }

    /// Whether an attempt is open and before its deadline at `now_wall`.
    pub fn in_flight(&self, now_wall: i64) -> bool {
        self.attempts.iter().any(|attempt| {
            attempt.submission.is_none()
                && crate::exam::clock::deadline_wall_milliseconds(
                    attempt.clock.started_wall_milliseconds,
                    attempt.clock.limit_milliseconds,
                ) > now_wall
        })
    }
}

/// How long a practice set stays open: practice is untimed, so this only bounds the numbers.
pub const PRACTICE_LIMIT_MILLISECONDS: u64 = 10 * 365 * 24 * 60 * 60 * 1000;

/// Why a step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptClosed {
    /// The attempt was already submitted.
    Submitted,
    /// The deadline passed; the attempt has now been submitted with the answers it held.
    DeadlinePassed,
}

/// One attempt at an exam, as saved on the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The exam id.
    pub exam: String,
    /// 1-based attempt number; practice attempts are numbered 0 and never counted.
    pub number: u32,
    /// Untimed practice with immediate feedback.
    pub practice: bool,
    /// The assembly seed.
    pub seed: u64,
    /// The accommodation multiplier in percent.
    pub accommodation_percent: u32,
    /// The deadline clock.
    pub clock: ExamClock,
    /// The questions in attempt order, with their option order.
    pub questions: Vec<AssembledQuestion>,
    /// Responses by question id.
    pub responses: BTreeMap<String, Response>,
    /// Flagged question ids.
    pub flagged: BTreeSet<String>,
    /// The position shown.
    pub current: usize,
    /// The event log.
    pub transcript: Transcript,
    /// Set once submitted.
    pub submission: Option<Submission>,
}

impl Attempt {
    /// Assembles and starts an attempt at `reading`. Practice attempts have no deadline.
    pub fn start(
        exam: &PublishedExam,
        number: u32,
        practice: bool,
        seed: u64,
        accommodation_percent: u32,
        reading: ClockReading,
    ) -> Result<Self, BlueprintShortfall> {
        let questions = assemble(&exam.bank(), &exam.blueprint, seed)?;
        let limit = if practice {
            PRACTICE_LIMIT_MILLISECONDS
        } else {
            accommodated_limit_milliseconds(exam.time_limit_minutes, accommodation_percent)
        };
        let clock = ExamClock::start(reading, limit);
        let mut transcript = Transcript::default();
        transcript.append(
            EventKind::Started {
                seed,
                deadline: clock.deadline_wall_milliseconds(),
                limit_milliseconds: limit,
                accommodation_percent,
                questions: questions
                    .iter()
                    .map(|question| question.id.clone())
                    .collect(),
            },
            reading,
        );
        Ok(Self {
            exam: exam.id.clone(),
            number,
            practice,
            seed,
            accommodation_percent,
            clock,
            questions,
            responses: BTreeMap::new(),
            flagged: BTreeSet::new(),
            current: 0,
            transcript,
            submission: None,
        })
    }

    /// Whether the attempt is still open.
    pub fn is_open(&self) -> bool {
        self.submission.is_none()
    }

    /// Whether the attempt was submitted with a passing score.
    pub fn passed(&self) -> bool {
        self.submission
            .as_ref()
            .is_some_and(|submission| submission.result.passed)
    }

    /// The id of the question shown.
    pub fn current_id(&self) -> Option<&str> {
        self.questions
            .get(self.current)
            .map(|question| question.id.as_str())
    }

    /// Reads the clock, logging any jump; returns the milliseconds left.
    fn observe(&mut self, reading: ClockReading) -> u64 {
        let observation = self.clock.observe(reading);
        if let Some(jump) = observation.jump {
            self.transcript.append(EventKind::clock_jump(jump), reading);
        }
        observation.remaining_milliseconds
    }

    /// Reads the clock and submits if time is up. `visible` is whether the page can be
    /// seen: a hidden tab submits on its return, so the learner sees it happen.
    /// Returns the milliseconds left.
    pub fn tick(&mut self, exam: &PublishedExam, reading: ClockReading, visible: bool) -> u64 {
        if !self.is_open() {
            return 0;
        }
        let remaining = self.observe(reading);
        if remaining == 0 && visible {
            self.submit(exam, SubmitReason::Deadline, reading);
        }
        remaining
    }

    /// Called when a saved attempt is opened in a new page: if the deadline passed while
    /// the page was closed, submits with the answers held and returns true.
    pub fn resume(&mut self, exam: &PublishedExam, reading: ClockReading) -> bool {
        if !self.is_open() {
            return false;
        }
        if self.observe(reading) == 0 {
            self.submit(exam, SubmitReason::OnLoadAfterDeadline, reading);
            return true;
        }
        false
    }

    /// Checks the attempt can take a change at `reading`, submitting it if time is up.
    fn admit(&mut self, exam: &PublishedExam, reading: ClockReading) -> Result<(), AttemptClosed> {
        if !self.is_open() {
            return Err(AttemptClosed::Submitted);
        }
        if self.observe(reading) == 0 {
            self.submit(exam, SubmitReason::Deadline, reading);
            return Err(AttemptClosed::DeadlinePassed);
        }
        Ok(())
    }

    /// Sets (or with `None` clears) the response to question `id`.
    pub fn answer(
        &mut self,
        exam: &PublishedExam,
        id: &str,
        response: Option<Response>,
        reading: ClockReading,
    ) -> Result<(), AttemptClosed> {
        self.admit(exam, reading)?;
        if !self.questions.iter().any(|question| question.id == id) {
            return Ok(());
        }
        let question = id.to_string();
        let event = match (&response, self.responses.contains_key(id)) {
            (Some(response), false) => EventKind::Answered {
                question,
                response: response.encode(),
            },
            (Some(response), true) => EventKind::Changed {
                question,
                response: response.encode(),
            },
            (None, true) => EventKind::Cleared { question },
            (None, false) => return Ok(()),
        };
        match response {
            Some(response) => self.responses.insert(id.to_string(), response),
            None => self.responses.remove(id),
        };
        self.transcript.append(event, reading);
        Ok(())
    }

    /// Flags or unflags question `id` for review.
    pub fn set_flag(
        &mut self,
        exam: &PublishedExam,
        id: &str,
        flagged: bool,
        reading: ClockReading,
    ) -> Result<(), AttemptClosed> {
        self.admit(exam, reading)?;
        let changed = if flagged {
            self.flagged.insert(id.to_string())
        } else {
            self.flagged.remove(id)
        };
        if changed {
            self.transcript.append(
                EventKind::Flagged {
                    question: id.to_string(),
                    flagged,
                },
                reading,
            );
        }
        Ok(())
    }

    /// Shows the question at `position` (0-based; one past the last is the review screen).
    pub fn go_to(
        &mut self,
        exam: &PublishedExam,
        position: usize,
        reading: ClockReading,
    ) -> Result<(), AttemptClosed> {
        self.admit(exam, reading)?;
        let position = position.min(self.questions.len());
        if position != self.current {
            self.current = position;
            self.transcript.append(
                EventKind::Navigated {
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                },
                reading,
            );
        }
        Ok(())
    }

    /// Logs the page being hidden or shown; on return, submits if time ran out meanwhile.
    pub fn visibility_changed(
        &mut self,
        exam: &PublishedExam,
        visible: bool,
        reading: ClockReading,
    ) {
        if !self.is_open() {
            return;
        }
        self.transcript.append(
            if visible {
                EventKind::Visible
            } else {
                EventKind::Hidden
            },
            reading,
        );
        self.tick(exam, reading, visible);
    }

    /// Grades and closes the attempt; later answers are refused.
    pub fn submit(&mut self, exam: &PublishedExam, reason: SubmitReason, reading: ClockReading) {
        if !self.is_open() {
            return;
        }
        self.observe(reading);
        self.transcript
            .append(EventKind::Submitted { reason }, reading);
        let elapsed = self
            .clock
            .elapsed_milliseconds()
            .min(self.clock.limit_milliseconds());
        self.submission = Some(Submission {
            reason,
            wall: reading.wall_milliseconds,
            result: exam.grade(&self.questions, &self.responses, elapsed),
        });
    }
}

/// Whether the learner may start an attempt now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Prerequisites are not complete: the ids of those missing.
    Locked {
        /// Module or lesson ids not yet complete.
        missing: Vec<String>,
    },
    /// An attempt is under way.
    InProgress,
    /// Attempt `number` may start.
    Open {
        /// Its number.
        number: u32,
    },
    /// The last attempt failed; the next opens at `until` (wall-clock milliseconds).
    Waiting {
        /// When.
        until: i64,
    },
    /// The exam is passed; no further attempts.
    Passed,
    /// Every allowed attempt was used without passing.
    Exhausted,
}

/// The prerequisites (module or lesson ids) not yet complete.
pub fn missing_prerequisites(
    exam: &PublishedExam,
    manifest: &CourseManifest,
    progress: &Progress,
) -> Vec<String> {
    let complete = |lesson| lesson_status(lesson, progress) == LessonStatus::Complete;
    exam.prerequisites
        .iter()
        .filter(|id| {
            if let Some(module) = manifest.modules.iter().find(|module| &module.id == *id) {
                return !module.lessons.iter().all(complete);
            }
            !manifest
                .lessons()
                .any(|lesson| &lesson.id == *id && complete(lesson))
        })
        .cloned()
        .collect()
}

/// Decides what the exam page offers, from the graded attempts (oldest first).
pub fn availability(
    exam: &PublishedExam,
    attempts: &[Attempt],
    missing: Vec<String>,
    now_wall: i64,
) -> Availability {
    availability_with_held(exam, attempts, &[], missing, now_wall)
}

/// A submitted attempt this device knows only from the LMS (taken on another device):
/// enough to count it against the exam's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldAttempt {
    /// Its attempt number.
    pub number: u32,
    /// When it was submitted, wall-clock milliseconds.
    pub submitted_wall: i64,
    /// Whether it passed.
    pub passed: bool,
}

/// [`availability`], also counting attempts the LMS holds that this device never saw: a
/// pass elsewhere is a pass, attempts used elsewhere are used, the wait after a failure
/// elsewhere applies, and the next attempt takes the next unused number.
pub fn availability_with_held(
    exam: &PublishedExam,
    attempts: &[Attempt],
    held: &[HeldAttempt],
    missing: Vec<String>,
    now_wall: i64,
) -> Availability {
    if attempts.iter().any(Attempt::is_open) {
        return Availability::InProgress;
    }
    let mut submitted: Vec<HeldAttempt> = attempts
        .iter()
        .filter_map(|attempt| {
            attempt.submission.as_ref().map(|submission| HeldAttempt {
                number: attempt.number,
                submitted_wall: submission.wall,
                passed: submission.result.passed,
            })
        })
        .collect();
    for other in held {
        if !submitted.iter().any(|own| own.number == other.number)
            && !attempts.iter().any(|own| own.number == other.number)
        {
            submitted.push(*other);
        }
    }
    if submitted.iter().any(|attempt| attempt.passed) {
        return Availability::Passed;
    }
    if !missing.is_empty() {
        return Availability::Locked { missing };
    }
    let used = u32::try_from(submitted.len()).unwrap_or(u32::MAX);
    if used >= exam.attempts_allowed {
        return Availability::Exhausted;
    }
    if let Some(last) = submitted.iter().map(|attempt| attempt.submitted_wall).max() {
        let until = last.saturating_add(i64::from(exam.retry_wait_minutes) * 60_000);
        if now_wall < until {
            return Availability::Waiting { until };
        }
    }
    let highest = submitted
        .iter()
        .map(|attempt| attempt.number)
        .chain(attempts.iter().map(|attempt| attempt.number))
        .max()
        .unwrap_or(0);
    Availability::Open {
        number: highest.saturating_add(1).max(used + 1),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::exam::assembly::{BlueprintRule, Scope};
    use crate::exam::grading::AnswerKey;
    use crate::exam::published::{
        EXAM_FORMAT, ExamOption, PublishedQuestion, QuestionKind, ReviewPolicy,
    };
    use crate::exam::seal::seal;

    pub(crate) const START: i64 = 1_800_000_000_000;
    pub(crate) const MINUTE: u64 = 60_000;

    /// Both clocks `offset_milliseconds` after [`START`] (one page load).
    pub(crate) fn at(offset_milliseconds: u64) -> ClockReading {
        ClockReading {
            wall_milliseconds: START + i64::try_from(offset_milliseconds).unwrap(),
            monotonic_milliseconds: offset_milliseconds,
        }
    }

    /// Four true/false questions; the right answer of `q<n>` is `n` even.
    fn exam() -> PublishedExam {
        true_false_exam(4, "m")
    }

    /// The key of `q<number>` in [`true_false_exam`]: true when `number` is even.
    pub(crate) fn true_false_key(number: u8) -> AnswerKey {
        AnswerKey::TrueFalse {
            correct: number.is_multiple_of(2),
        }
    }

    /// Exam `final`: `count` true/false questions `q0…` in `module`, four asked, 10 minutes,
    /// pass at 75 %; objectives alternate `o0`, `o1`.
    pub(crate) fn true_false_exam(count: u8, module: &str) -> PublishedExam {
        PublishedExam {
            format: EXAM_FORMAT,
            id: "final".into(),
            title: "Final".into(),
            instructions_html: String::new(),
            prerequisites: Vec::new(),
            time_limit_minutes: 10,
            pass_mark_percent: 75,
            attempts_allowed: 2,
            retry_wait_minutes: 30,
            blueprint: vec![BlueprintRule {
                scope: Scope::Module(module.into()),
                count: 4,
            }],
            review: ReviewPolicy {
                score: true,
                objectives: true,
                wrong_answers: true,
                correct_answers: false,
                correct_answers_when_passed: false,
                explanations: false,
            },
            questions: (0..count)
                .map(|number| PublishedQuestion {
                    id: format!("q{number}"),
                    objective: format!("o{}", number % 2),
                    module: module.into(),
                    kind: QuestionKind::TrueFalse,
                    stem_html: "<p>?</p>".into(),
                    options: vec![ExamOption {
                        html: "True".into(),
                        fixed: true,
                    }],
                    prompts: Vec::new(),
                    unit: String::new(),
                    grid: None,
                    difficulty: None,
                    seal: seal(&true_false_key(number), &[number; 16]),
                })
                .collect(),
            review_file: None,
            review_cipher: None,
        }
    }

    fn right(id: &str) -> Response {
        Response::Boolean {
            value: id.trim_start_matches('q').parse::<u8>().unwrap() % 2 == 0,
        }
    }

    #[test]
    fn answers_count_until_the_deadline_and_none_after() {
        let exam = exam();
        let mut attempt = Attempt::start(&exam, 1, false, 7, 100, at(0)).unwrap();
        assert_eq!(
            attempt.clock.deadline_wall_milliseconds(),
            START + 10 * 60_000
        );
        let ids: Vec<String> = attempt
            .questions
            .iter()
            .map(|question| question.id.clone())
            .collect();
        for id in &ids[..3] {
            attempt
                .answer(&exam, id, Some(right(id)), at(MINUTE))
                .unwrap();
        }
        assert_eq!(
            attempt.answer(&exam, &ids[3], Some(right(&ids[3])), at(10 * MINUTE)),
            Err(AttemptClosed::DeadlinePassed)
        );
        let submission = attempt.submission.as_ref().unwrap();
        assert_eq!(submission.reason, SubmitReason::Deadline);
        assert_eq!(
            submission.result.overall.correct, 3,
            "the held answers were graded"
        );
        assert_eq!(submission.result.score_basis_points, 7_500);
        assert!(submission.result.passed);
        assert_eq!(submission.result.elapsed_milliseconds, 10 * MINUTE);
        assert_eq!(
            attempt.answer(&exam, &ids[3], None, at(11 * MINUTE)),
            Err(AttemptClosed::Submitted)
        );
        assert_eq!(attempt.transcript.verify(), Ok(()));
    }

    #[test]
    fn a_hidden_tab_submits_on_return_and_a_late_load_on_open() {
        let exam = exam();
        let mut attempt = Attempt::start(&exam, 1, false, 7, 100, at(0)).unwrap();
        attempt.visibility_changed(&exam, false, at(MINUTE));
        assert_eq!(attempt.tick(&exam, at(20 * MINUTE), false), 0);
        assert!(attempt.is_open(), "hidden: waits for the learner's return");
        attempt.visibility_changed(&exam, true, at(21 * MINUTE));
        assert_eq!(
            attempt.submission.as_ref().unwrap().reason,
            SubmitReason::Deadline
        );

        let mut saved = Attempt::start(&exam, 1, false, 7, 100, at(0)).unwrap();
        saved = serde_json::from_str(&serde_json::to_string(&saved).unwrap()).unwrap();
        let mut later = at(30 * MINUTE);
        later.monotonic_milliseconds = 5; // A new page load.
        assert!(saved.resume(&exam, later));
        assert_eq!(
            saved.submission.as_ref().unwrap().reason,
            SubmitReason::OnLoadAfterDeadline
        );
    }

    #[test]
    fn the_transcript_records_every_step_in_order() {
        let exam = exam();
        let mut attempt = Attempt::start(&exam, 1, false, 7, 150, at(0)).unwrap();
        assert_eq!(
            attempt.clock.limit_milliseconds(),
            15 * MINUTE,
            "accommodation 150 %"
        );
        let first = attempt.questions[0].id.clone();
        attempt
            .answer(
                &exam,
                &first,
                Some(Response::Boolean { value: true }),
                at(1_000),
            )
            .unwrap();
        attempt
            .answer(
                &exam,
                &first,
                Some(Response::Boolean { value: false }),
                at(2_000),
            )
            .unwrap();
        attempt.answer(&exam, &first, None, at(3_000)).unwrap();
        attempt.set_flag(&exam, &first, true, at(4_000)).unwrap();
        attempt.set_flag(&exam, &first, true, at(4_500)).unwrap();
        attempt.go_to(&exam, 2, at(5_000)).unwrap();
        // The wall clock is moved back an hour: time still passes, the jump is logged.
        let mut moved_back = at(6_000);
        moved_back.wall_milliseconds -= 3_600_000;
        attempt.tick(&exam, moved_back, true);
        attempt.submit(&exam, SubmitReason::Manual, at(7_000));
        let kinds: Vec<&str> = attempt
            .transcript
            .events
            .iter()
            .map(|event| match &event.event {
                EventKind::Started { .. } => "started",
                EventKind::Answered { .. } => "answered",
                EventKind::Changed { .. } => "changed",
                EventKind::Cleared { .. } => "cleared",
                EventKind::Flagged { .. } => "flagged",
                EventKind::Navigated { .. } => "navigated",
                EventKind::Hidden => "hidden",
                EventKind::Visible => "visible",
                EventKind::ClockJump { .. } => "clock_jump",
                EventKind::Submitted { .. } => "submitted",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "started",
                "answered",
                "changed",
                "cleared",
                "flagged",
                "navigated",
                "clock_jump",
                "clock_jump",
                "submitted"
            ]
        );
        assert_eq!(attempt.transcript.verify(), Ok(()));
        assert_eq!(attempt.clock.elapsed_milliseconds(), 7_000);
    }

    /// Attempt `number` (drawn with `seed`), every question answered right and submitted.
    fn passed_attempt(exam: &PublishedExam, number: u32, seed: u64) -> Attempt {
        let mut passed = Attempt::start(exam, number, false, seed, 100, at(0)).unwrap();
        for question in passed.questions.clone() {
            passed
                .answer(exam, &question.id, Some(right(&question.id)), at(1_000))
                .unwrap();
        }
        passed.submit(exam, SubmitReason::Manual, at(2_000));
        passed
    }

    #[test]
    fn the_standing_read_from_a_saved_record_agrees_with_the_record() {
        let exam = exam();
        let standing_of = |record: &ExamRecord| -> ExamStanding {
            serde_json::from_str(&serde_json::to_string(record).unwrap()).unwrap()
        };
        let mut record = ExamRecord::new("course", &exam.id);
        assert!(!standing_of(&record).passed());
        assert!(!standing_of(&record).in_flight(START));

        let mut failed = Attempt::start(&exam, 1, false, 7, 100, at(0)).unwrap();
        record.attempts.push(failed.clone());
        let deadline = failed.clock.deadline_wall_milliseconds();
        assert!(standing_of(&record).in_flight(deadline - 1));
        assert!(
            !standing_of(&record).in_flight(deadline),
            "past its deadline it is not in flight"
        );
        failed.submit(&exam, SubmitReason::Manual, at(MINUTE));
        record.attempts = vec![failed];
        assert!(!standing_of(&record).in_flight(START));
        assert_eq!(standing_of(&record).passed(), record.passed());
        assert!(!record.passed());

        record.attempts.push(passed_attempt(&exam, 2, 8));
        assert!(record.passed());
        assert!(standing_of(&record).passed());
        assert!(standing_of(&record).is_record_of("course", &exam.id));
        assert!(!standing_of(&record).is_record_of("other-course", &exam.id));
        record.schema = EXAM_RECORD_SCHEMA + 1;
        assert!(
            !standing_of(&record).is_record_of("course", &exam.id),
            "a record in another schema is refused, as the exam page refuses it"
        );
    }

    #[test]
    fn availability_follows_attempts_passes_and_waits() {
        let exam = exam();
        assert_eq!(
            availability(&exam, &[], vec!["m".into()], START),
            Availability::Locked {
                missing: vec!["m".into()]
            }
        );
        assert_eq!(
            availability(&exam, &[], Vec::new(), START),
            Availability::Open { number: 1 }
        );
        let mut failed = Attempt::start(&exam, 1, false, 7, 100, at(0)).unwrap();
        assert_eq!(
            availability(&exam, &[failed.clone()], Vec::new(), START),
            Availability::InProgress
        );
        failed.submit(&exam, SubmitReason::Manual, at(MINUTE));
        let until = START + i64::try_from(MINUTE + 30 * MINUTE).unwrap();
        assert_eq!(
            availability(&exam, &[failed.clone()], Vec::new(), START + 1),
            Availability::Waiting { until }
        );
        assert_eq!(
            availability(&exam, &[failed.clone()], Vec::new(), until),
            Availability::Open { number: 2 }
        );
        assert_eq!(
            availability(&exam, &[failed.clone(), failed.clone()], Vec::new(), until),
            Availability::Exhausted
        );
        let passed = passed_attempt(&exam, 2, 8);
        assert_eq!(
            passed
                .submission
                .as_ref()
                .unwrap()
                .result
                .score_basis_points,
            10_000
        );
        assert_eq!(
            availability(&exam, &[failed.clone(), passed], Vec::new(), until),
            Availability::Passed
        );
    }

    #[test]
    fn attempts_held_by_the_lms_count_on_a_device_that_never_saw_them() {
        let exam = exam();
        let elsewhere = |number, passed| HeldAttempt {
            number,
            submitted_wall: START,
            passed,
        };
        let later = START + i64::try_from(31 * MINUTE).unwrap();
        assert_eq!(
            availability_with_held(&exam, &[], &[elsewhere(1, false)], Vec::new(), START + 1),
            Availability::Waiting {
                until: START + i64::try_from(30 * MINUTE).unwrap()
            },
            "the wait after a failure elsewhere applies here"
        );
        assert_eq!(
            availability_with_held(&exam, &[], &[elsewhere(1, false)], Vec::new(), later),
            Availability::Open { number: 2 },
            "the next attempt takes the next number"
        );
        assert_eq!(
            availability_with_held(
                &exam,
                &[],
                &[elsewhere(1, false), elsewhere(2, false)],
                Vec::new(),
                later
            ),
            Availability::Exhausted
        );
        assert_eq!(
            availability_with_held(&exam, &[], &[elsewhere(1, true)], Vec::new(), later),
            Availability::Passed
        );
        // An attempt the device has itself is not counted twice.
        let mut own = Attempt::start(&exam, 1, false, 7, 100, at(0)).unwrap();
        own.submit(&exam, SubmitReason::Manual, at(MINUTE));
        assert_eq!(
            availability_with_held(&exam, &[own], &[elsewhere(1, false)], Vec::new(), later),
            Availability::Open { number: 2 }
        );
    }

    #[test]
    fn practice_has_no_deadline() {
        let exam = exam();
        let mut practice = Attempt::start(&exam, 0, true, 9, 100, at(0)).unwrap();
        let first = practice.questions[0].id.clone();
        let days = 3 * 24 * 60 * MINUTE;
        assert!(practice.tick(&exam, at(days), true) > 0);
        assert_eq!(
            practice.answer(&exam, &first, Some(right(&first)), at(days)),
            Ok(())
        );
    }
}
