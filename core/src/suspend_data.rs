//! The LMS's copy of a learner's state (SCORM `suspend_data`): a snapshot of progress and
//! exam attempts, encoded compactly, versioned, checksummed and compressed into plain
//! ASCII that fits the standard's limit (4,096 characters in SCORM 1.2, 64,000 in 2004).
//!
//! The snapshot is positional: lessons, knowledge checks and exams are numbered in the
//! manifest's order, and a hash of that structure (course, lesson, check and exam ids, not
//! the text) says which outline the numbers belong to: a republished course with the same
//! outline (a typo fixed) keeps the learner's state, a reshaped one is never misread.
//! What does not fit is dropped deliberately, least essential first (worksheet texts cut
//! short, then only as many fields as fit in course order; then reading positions, time per
//! lesson, flags), and every drop is reported for the log;
//! lesson completion, checks and exam attempts are never dropped: if they do not fit, the
//! encoder says so instead of truncating.
//!
//! Text format: `S1.` + base64url(deflate(payload ‖ first 4 bytes of SHA-256(payload))).

use sha2::{Digest, Sha256};

use crate::exam::attempt::{Attempt, ExamRecord};
use crate::exam::grading::Response;
use crate::exam::transcript::SubmitReason;
use crate::manifest::CourseManifest;
use crate::progress::{LessonProgress, Progress};

/// The prefix of this codec version's text.
const PREFIX: &str = "S1.";

/// SCORM 1.2's limit on `cmi.suspend_data`, in characters.
pub const SCORM_12_LIMIT: usize = 4_096;

/// SCORM 2004's limit on `cmi.suspend_data`, in characters.
pub const SCORM_2004_LIMIT: usize = 64_000;

/// A decoded payload larger than this is refused (a bomb, not a snapshot).
const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// Everything the LMS keeps of one learner in one course.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// The first four bytes of the course outline's [`structure_hash`].
    pub structure: [u8; 4],
    /// The lesson to resume, by manifest position.
    pub last_lesson: Option<u32>,
    /// Seconds of counted time on task across the course.
    pub seconds_on_task: u64,
    /// Every lesson, in manifest order.
    pub lessons: Vec<LessonSnapshot>,
    /// Every exam, in manifest order.
    pub exams: Vec<ExamSnapshot>,
    /// What the learner wrote in worksheets, the first thing dropped when space runs out.
    pub worksheets: Vec<WorksheetEntry>,
}

/// One lesson.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LessonSnapshot {
    /// Read to the end at least once.
    pub reached_end: bool,
    /// The reading position in thousandths (kept to 4 ‰).
    pub scroll_permille: u16,
    /// Seconds on task in the lesson.
    pub seconds: u64,
    /// Knowledge checks answered: (check position in the lesson, options chosen).
    pub checks: Vec<(u32, Vec<u8>)>,
}

/// One exam's attempts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExamSnapshot {
    /// Every counted attempt, oldest first.
    pub attempts: Vec<AttemptSnapshot>,
}

/// One attempt: enough to resume it (the seed rebuilds its questions) or to count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptSnapshot {
    /// The 1-based attempt number.
    pub number: u32,
    /// The assembly seed.
    pub seed: u64,
    /// The time-limit multiplier in percent.
    pub accommodation_percent: u32,
    /// Wall-clock start, milliseconds.
    pub started_wall_milliseconds: i64,
    /// The limit, milliseconds.
    pub limit_milliseconds: u64,
    /// Time used so far, milliseconds.
    pub elapsed_milliseconds: u64,
    /// The question on screen, by position.
    pub current: u32,
    /// Flagged questions, by position.
    pub flagged: Vec<u32>,
    /// Answers held, by question position (kept for an attempt in flight only).
    pub responses: Vec<(u32, Response)>,
    /// How it ended, once submitted.
    pub outcome: Option<Outcome>,
}

/// A submitted attempt's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Why it was submitted.
    pub reason: SubmitReason,
    /// When, wall-clock milliseconds.
    pub wall_milliseconds: i64,
    /// The score in basis points.
    pub score_basis_points: u32,
    /// The pass mark in basis points.
    pub pass_mark_basis_points: u32,
    /// Whether it passed.
    pub passed: bool,
    /// Questions right.
    pub correct: u32,
    /// Questions asked.
    pub total: u32,
}

/// A worksheet field's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorksheetEntry {
    /// The lesson, by manifest position.
    pub lesson: u32,
    /// The activity id.
    pub activity: String,
    /// The field id.
    pub field: String,
    /// What the learner wrote.
    pub text: String,
}

/// What the encoder produced, and what it left out to fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The suspend_data text.
    pub text: String,
    /// Each deliberate drop, in words, for the log.
    pub dropped: Vec<String>,
}

/// Why a snapshot could not be encoded or a text decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspendDataError(pub String);

impl std::fmt::Display for SuspendDataError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for SuspendDataError {}

/// The first four bytes of SHA-256 over the course's outline: its id, every lesson id with
/// its check ids, and every exam id, in order. Positions in a snapshot mean the same thing
/// exactly when this agrees.
pub fn structure_hash(manifest: &CourseManifest) -> [u8; 4] {
    let mut hasher = Sha256::new();
    let mut add = |text: &str| {
        hasher.update(text.as_bytes());
        hasher.update([0]);
    };
    add(&manifest.id);
    for lesson in manifest.lessons() {
        add(&lesson.id);
        for check in &lesson.checks {
            add(check);
        }
        add("");
    }
    for exam in &manifest.exams {
        add(&exam.id);
    }
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn position(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

impl Snapshot {
    /// What the LMS should keep of `progress` and the exam `records` in this course build.
    /// Practice sets are not kept (they never count); submitted attempts keep their result,
    /// an attempt in flight its answers and flags too.
    pub fn capture(manifest: &CourseManifest, progress: &Progress, records: &[ExamRecord]) -> Self {
        let lessons: Vec<_> = manifest.lessons().collect();
        let mut worksheets = Vec::new();
        let lesson_snapshots = lessons
            .iter()
            .enumerate()
            .map(|(lesson_position, lesson)| {
                let Some(saved) = progress.lessons.get(&lesson.id) else {
                    return LessonSnapshot::default();
                };
                for (activity, fields) in &saved.worksheets {
                    for (field, text) in fields.iter().filter(|(_, text)| !text.is_empty()) {
                        worksheets.push(WorksheetEntry {
                            lesson: position(lesson_position),
                            activity: activity.clone(),
                            field: field.clone(),
                            text: text.clone(),
                        });
                    }
                }
                LessonSnapshot {
                    reached_end: saved.reached_end,
                    scroll_permille: saved.scroll_permille,
                    seconds: saved.seconds_on_task,
                    checks: lesson
                        .checks
                        .iter()
                        .enumerate()
                        .filter_map(|(check_position, check)| {
                            saved
                                .checks
                                .get(check)
                                .map(|chosen| (position(check_position), chosen.clone()))
                        })
                        .collect(),
                }
            })
            .collect();
        let exams = manifest
            .exams
            .iter()
            .map(|exam| ExamSnapshot {
                attempts: records
                    .iter()
                    .find(|record| record.exam == exam.id)
                    .map(|record| {
                        record
                            .attempts
                            .iter()
                            .filter(|attempt| !attempt.practice)
                            .map(AttemptSnapshot::capture)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        Self {
            structure: structure_hash(manifest),
            last_lesson: progress.last_lesson.as_ref().and_then(|last| {
                lessons
                    .iter()
                    .position(|lesson| &lesson.id == last)
                    .map(position)
            }),
            seconds_on_task: progress.seconds_on_task,
            lessons: lesson_snapshots,
            exams,
            worksheets,
        }
    }
}

impl Snapshot {
    /// The progress to continue with when the LMS hands this snapshot back: the LMS wins for
    /// everything it kept; what the codec may have dropped to fit (worksheet fields, reading
    /// positions, time per lesson) is taken from the device where the device has it, so a
    /// relaunch never loses what this device still holds.
    pub fn restore_progress(&self, manifest: &CourseManifest, device: &Progress) -> Progress {
        let mut progress = Progress::new(&manifest.id);
        for (position_in_course, (lesson, kept)) in
            manifest.lessons().zip(&self.lessons).enumerate()
        {
            let on_device = device.lessons.get(&lesson.id);
            let mut restored = LessonProgress {
                reached_end: kept.reached_end,
                checks: kept
                    .checks
                    .iter()
                    .filter_map(|(check, chosen)| {
                        let id = lesson.checks.get(usize::try_from(*check).ok()?)?;
                        Some((id.clone(), chosen.clone()))
                    })
                    .collect(),
                scroll_permille: match kept.scroll_permille {
                    0 => on_device.map_or(0, |device| device.scroll_permille),
                    kept => kept,
                },
                worksheets: on_device
                    .map(|device| device.worksheets.clone())
                    .unwrap_or_default(),
                seconds_on_task: kept
                    .seconds
                    .max(on_device.map_or(0, |device| device.seconds_on_task)),
            };
            for entry in self
                .worksheets
                .iter()
                .filter(|entry| entry.lesson == position(position_in_course))
            {
                let field = restored
                    .worksheets
                    .entry(entry.activity.clone())
                    .or_default()
                    .entry(entry.field.clone())
                    .or_default();
                // A cut-short text from the LMS never replaces the device's longer one.
                if !field.starts_with(&entry.text) {
                    *field = entry.text.clone();
                }
            }
            if restored != LessonProgress::default() {
                progress.lessons.insert(lesson.id.clone(), restored);
            }
        }
        progress.last_lesson = self.last_lesson.and_then(|last| {
            manifest
                .lessons()
                .nth(usize::try_from(last).ok()?)
                .map(|lesson| lesson.id.clone())
        });
        progress.seconds_on_task = self.seconds_on_task.max(device.seconds_on_task);
        progress
    }
}

impl Snapshot {
    /// Keeps the LMS's record of attempts this device does not have (taken on another
    /// device), so they still count for status, score and attempt limits and are not
    /// erased by the next save.
    pub fn keep_attempts_from(&mut self, lms: &Snapshot) {
        for (exam, kept) in self.exams.iter_mut().zip(&lms.exams) {
            for attempt in &kept.attempts {
                if !exam.attempts.iter().any(|own| own.number == attempt.number) {
                    exam.attempts.push(attempt.clone());
                }
            }
            exam.attempts.sort_by_key(|attempt| attempt.number);
        }
    }

    /// The submitted attempts' outcomes by exam id, for [`crate::lms::report`].
    pub fn outcomes(&self, manifest: &CourseManifest) -> crate::lms::Outcomes {
        manifest
            .exams
            .iter()
            .zip(&self.exams)
            .map(|(summary, exam)| {
                let outcomes = exam
                    .attempts
                    .iter()
                    .filter_map(|attempt| attempt.outcome.as_ref())
                    .map(|outcome| (outcome.score_basis_points, outcome.passed))
                    .collect();
                (summary.id.clone(), outcomes)
            })
            .collect()
    }
}

impl AttemptSnapshot {
    fn capture(attempt: &Attempt) -> Self {
        let position_of = |id: &String| {
            attempt
                .questions
                .iter()
                .position(|question| &question.id == id)
                .map(position)
        };
        let in_flight = attempt.submission.is_none();
        Self {
            number: attempt.number,
            seed: attempt.seed,
            accommodation_percent: attempt.accommodation_percent,
            started_wall_milliseconds: attempt.clock.started_wall_milliseconds(),
            limit_milliseconds: attempt.clock.limit_milliseconds(),
            elapsed_milliseconds: attempt.clock.elapsed_milliseconds(),
            current: position(attempt.current),
            flagged: if in_flight {
                attempt.flagged.iter().filter_map(position_of).collect()
            } else {
                Vec::new()
            },
            responses: if in_flight {
                attempt
                    .responses
                    .iter()
                    .filter_map(|(id, response)| Some((position_of(id)?, response.clone())))
                    .collect()
            } else {
                Vec::new()
            },
            outcome: attempt.submission.as_ref().map(|submission| Outcome {
                reason: submission.reason,
                wall_milliseconds: submission.wall,
                score_basis_points: submission.result.score_basis_points,
                pass_mark_basis_points: submission.result.pass_mark_basis_points,
                passed: submission.result.passed,
                correct: submission.result.overall.correct,
                total: submission.result.overall.total,
            }),
        }
    }
}

/// Encodes `snapshot` within `limit` characters, dropping the least essential parts only
/// as far as needed, each drop reported.
pub fn encode(snapshot: &Snapshot, limit: usize) -> Result<Encoded, SuspendDataError> {
    let mut working = snapshot.clone();
    let mut dropped = Vec::new();
    let mut text = to_text(&working);
    // Worksheet texts go first: cut short, then only as many fields as fit (in course
    // order), then none.
    for characters in [400, 80] {
        if text.len() > limit && shorten_worksheets(&mut working, characters) {
            dropped.push(format!("worksheet texts cut to {characters} characters"));
            text = to_text(&working);
        }
    }
    if text.len() > limit && !working.worksheets.is_empty() {
        let all = std::mem::take(&mut working.worksheets);
        let (mut fits, mut too_many) = (0, all.len());
        while fits + 1 < too_many {
            let middle = (fits + too_many) / 2;
            working.worksheets = all[..middle].to_vec();
            if to_text(&working).len() <= limit {
                fits = middle;
            } else {
                too_many = middle;
            }
        }
        working.worksheets = all[..fits].to_vec();
        dropped.push(format!(
            "worksheet texts of {} of {} fields",
            all.len() - fits,
            all.len()
        ));
        text = to_text(&working);
    }
    // Then details that only make resuming a little less exact.
    let steps: [(&str, DropStep); 3] = [
        ("reading positions", |state| {
            let mut changed = false;
            for lesson in &mut state.lessons {
                changed |= std::mem::take(&mut lesson.scroll_permille) != 0;
            }
            changed
        }),
        (
            "time on task per lesson (the course total is kept)",
            |state| {
                let mut changed = false;
                for lesson in &mut state.lessons {
                    changed |= std::mem::take(&mut lesson.seconds) != 0;
                }
                changed
            },
        ),
        ("flags in attempts in flight", |state| {
            let mut changed = false;
            for attempt in state.exams.iter_mut().flat_map(|exam| &mut exam.attempts) {
                changed |= !std::mem::take(&mut attempt.flagged).is_empty();
            }
            changed
        }),
    ];
    for (what, step) in steps {
        if text.len() <= limit {
            break;
        }
        if step(&mut working) {
            dropped.push(what.to_string());
            text = to_text(&working);
        }
    }
    if text.len() > limit {
        return Err(SuspendDataError(format!(
            "the essential state needs {} characters, more than the {limit} allowed",
            text.len()
        )));
    }
    Ok(Encoded { text, dropped })
}

/// Removes one kind of detail from a snapshot; whether anything was there to remove.
type DropStep = fn(&mut Snapshot) -> bool;

fn shorten_worksheets(state: &mut Snapshot, characters: usize) -> bool {
    let mut changed = false;
    for entry in &mut state.worksheets {
        if let Some((cut, _)) = entry.text.char_indices().nth(characters) {
            entry.text.truncate(cut);
            changed = true;
        }
    }
    changed
}

fn to_text(snapshot: &Snapshot) -> String {
    let mut payload = write_payload(snapshot);
    let check = Sha256::digest(&payload);
    payload.extend_from_slice(&check[..4]);
    let compressed = miniz_oxide::deflate::compress_to_vec(&payload, 10);
    format!("{PREFIX}{}", base64url(&compressed))
}

/// Decodes a suspend_data text; `structure` is the running course's [`structure_hash`], and
/// a snapshot of another outline is refused.
pub fn decode(text: &str, structure: [u8; 4]) -> Result<Snapshot, SuspendDataError> {
    let fail = |reason: &str| Err(SuspendDataError(reason.to_string()));
    let Some(body) = text.strip_prefix(PREFIX) else {
        return fail("it is not suspend data written by this codec (no S1. prefix)");
    };
    let Some(compressed) = from_base64url(body) else {
        return fail("it is not valid base64url");
    };
    let Ok(mut payload) =
        miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_PAYLOAD_BYTES)
    else {
        return fail("it does not decompress (damaged or cut short)");
    };
    if payload.len() < 4 {
        return fail("it is too short to hold a checksum");
    }
    let check = payload.split_off(payload.len() - 4);
    if Sha256::digest(&payload)[..4] != check[..] {
        return fail("its checksum does not match (damaged)");
    }
    let snapshot = Reader::new(&payload)
        .snapshot()
        .ok_or_else(|| SuspendDataError("its contents are malformed".into()))?;
    if snapshot.structure != structure {
        return fail("it belongs to another outline of the course (lessons or exams changed)");
    }
    Ok(snapshot)
}

const VERSION: u8 = 1;

fn write_payload(snapshot: &Snapshot) -> Vec<u8> {
    let mut out = Writer::default();
    out.byte(VERSION);
    out.bytes.extend_from_slice(&snapshot.structure);
    out.number(
        snapshot
            .last_lesson
            .map_or(0, |lesson| u64::from(lesson) + 1),
    );
    out.number(snapshot.seconds_on_task);
    out.count(snapshot.lessons.len());
    for lesson in &snapshot.lessons {
        out.byte(u8::from(lesson.reached_end));
        out.byte(u8::try_from(lesson.scroll_permille.min(1000) / 4).expect("at most 250"));
        out.number(lesson.seconds);
        out.count(lesson.checks.len());
        for (check, chosen) in &lesson.checks {
            out.number(u64::from(*check));
            out.list(chosen);
        }
    }
    out.count(snapshot.exams.len());
    for exam in &snapshot.exams {
        out.count(exam.attempts.len());
        for attempt in &exam.attempts {
            write_attempt(&mut out, attempt);
        }
    }
    out.count(snapshot.worksheets.len());
    for entry in &snapshot.worksheets {
        out.number(u64::from(entry.lesson));
        out.text(&entry.activity);
        out.text(&entry.field);
        out.text(&entry.text);
    }
    out.bytes
}

fn write_attempt(out: &mut Writer, attempt: &AttemptSnapshot) {
    out.number(u64::from(attempt.number));
    out.number(attempt.seed);
    out.number(u64::from(attempt.accommodation_percent));
    out.signed(attempt.started_wall_milliseconds);
    out.number(attempt.limit_milliseconds);
    out.number(attempt.elapsed_milliseconds);
    out.number(u64::from(attempt.current));
    out.count(attempt.flagged.len());
    for position in &attempt.flagged {
        out.number(u64::from(*position));
    }
    out.count(attempt.responses.len());
    for (position, response) in &attempt.responses {
        out.number(u64::from(*position));
        match response {
            Response::Choices { chosen } => {
                out.byte(0);
                out.list(chosen);
            }
            Response::Boolean { value } => out.byte(1 + u8::from(*value)),
            Response::Order { order } => {
                out.byte(3);
                out.list(order);
            }
            Response::Pairs { pairs } => {
                out.byte(4);
                out.list(pairs);
            }
            Response::Number { value } => {
                out.byte(5);
                out.signed(*value);
            }
        }
    }
    match &attempt.outcome {
        None => out.byte(0),
        Some(outcome) => {
            out.byte(match outcome.reason {
                SubmitReason::Manual => 1,
                SubmitReason::Deadline => 2,
                SubmitReason::OnLoadAfterDeadline => 3,
            });
            out.signed(outcome.wall_milliseconds);
            out.number(u64::from(outcome.score_basis_points));
            out.number(u64::from(outcome.pass_mark_basis_points));
            out.byte(u8::from(outcome.passed));
            out.number(u64::from(outcome.correct));
            out.number(u64::from(outcome.total));
        }
    }
}

/// Little-endian base-128 varints, zigzag for signed numbers.
#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn byte(&mut self, byte: u8) {
        self.bytes.push(byte);
    }

    fn number(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.bytes.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }

    fn signed(&mut self, value: i64) {
        self.number(((value << 1) ^ (value >> 63)) as u64);
    }

    fn count(&mut self, count: usize) {
        self.number(count as u64);
    }

    fn list(&mut self, items: &[u8]) {
        self.count(items.len());
        self.bytes.extend_from_slice(items);
    }

    fn text(&mut self, text: &str) {
        self.list(text.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(*first)
    }

    fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        if count > self.bytes.len() {
            return None;
        }
        let (taken, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        Some(taken)
    }

    fn number(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }

    fn small(&mut self) -> Option<u32> {
        u32::try_from(self.number()?).ok()
    }

    fn signed(&mut self) -> Option<i64> {
        let raw = self.number()?;
        Some(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    /// A count, never more than the bytes left could hold (so a damaged count cannot make
    /// the decoder reserve memory for a billion items).
    fn count(&mut self) -> Option<usize> {
        let count = usize::try_from(self.number()?).ok()?;
        (count <= self.bytes.len()).then_some(count)
    }

    fn list(&mut self) -> Option<Vec<u8>> {
        let count = self.count()?;
        Some(self.take(count)?.to_vec())
    }

    fn text(&mut self) -> Option<String> {
        String::from_utf8(self.list()?).ok()
    }

    fn snapshot(mut self) -> Option<Snapshot> {
        if self.byte()? != VERSION {
            return None;
        }
        let structure = self.take(4)?.try_into().ok()?;
        let last_lesson = match self.small()? {
            0 => None,
            position => Some(position - 1),
        };
        let seconds_on_task = self.number()?;
        let mut lessons = Vec::new();
        for _ in 0..self.count()? {
            let reached_end = self.byte()? == 1;
            let scroll_permille = u16::from(self.byte()?) * 4;
            let seconds = self.number()?;
            let mut checks = Vec::new();
            for _ in 0..self.count()? {
                checks.push((self.small()?, self.list()?));
            }
            lessons.push(LessonSnapshot {
                reached_end,
                scroll_permille,
                seconds,
                checks,
            });
        }
        let mut exams = Vec::new();
        for _ in 0..self.count()? {
            let mut attempts = Vec::new();
            for _ in 0..self.count()? {
                attempts.push(self.attempt()?);
            }
            exams.push(ExamSnapshot { attempts });
        }
        let mut worksheets = Vec::new();
        for _ in 0..self.count()? {
            worksheets.push(WorksheetEntry {
                lesson: self.small()?,
                activity: self.text()?,
                field: self.text()?,
                text: self.text()?,
            });
        }
        self.bytes.is_empty().then_some(Snapshot {
            structure,
            last_lesson,
            seconds_on_task,
            lessons,
            exams,
            worksheets,
        })
    }

    fn attempt(&mut self) -> Option<AttemptSnapshot> {
        let number = self.small()?;
        let seed = self.number()?;
        let accommodation_percent = self.small()?;
        let started_wall_milliseconds = self.signed()?;
        let limit_milliseconds = self.number()?;
        let elapsed_milliseconds = self.number()?;
        let current = self.small()?;
        let mut flagged = Vec::new();
        for _ in 0..self.count()? {
            flagged.push(self.small()?);
        }
        let mut responses = Vec::new();
        for _ in 0..self.count()? {
            let position = self.small()?;
            let response = match self.byte()? {
                0 => Response::Choices {
                    chosen: self.list()?,
                },
                1 => Response::Boolean { value: false },
                2 => Response::Boolean { value: true },
                3 => Response::Order {
                    order: self.list()?,
                },
                4 => Response::Pairs {
                    pairs: self.list()?,
                },
                5 => Response::Number {
                    value: self.signed()?,
                },
                _ => return None,
            };
            responses.push((position, response));
        }
        let outcome = match self.byte()? {
            0 => None,
            reason => Some(Outcome {
                reason: match reason {
                    1 => SubmitReason::Manual,
                    2 => SubmitReason::Deadline,
                    3 => SubmitReason::OnLoadAfterDeadline,
                    _ => return None,
                },
                wall_milliseconds: self.signed()?,
                score_basis_points: self.small()?,
                pass_mark_basis_points: self.small()?,
                passed: self.byte()? == 1,
                correct: self.small()?,
                total: self.small()?,
            }),
        };
        Some(AttemptSnapshot {
            number,
            seed,
            accommodation_percent,
            started_wall_milliseconds,
            limit_milliseconds,
            elapsed_milliseconds,
            current,
            flagged,
            responses,
            outcome,
        })
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding: ASCII every LMS stores unchanged.
fn base64url(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |group, (index, byte)| {
            group | u32::from(*byte) << (16 - 8 * index)
        });
        for index in 0..=chunk.len() {
            text.push(char::from(
                ALPHABET[(group >> (18 - 6 * index) & 63) as usize],
            ));
        }
    }
    text
}

fn from_base64url(text: &str) -> Option<Vec<u8>> {
    let values: Vec<u32> = text
        .bytes()
        .map(|byte| {
            ALPHABET
                .iter()
                .position(|candidate| *candidate == byte)
                .map(|position| position as u32)
        })
        .collect::<Option<_>>()?;
    if values.len() % 4 == 1 {
        return None;
    }
    let mut bytes = Vec::with_capacity(values.len() * 3 / 4);
    for chunk in values.chunks(4) {
        let group = chunk
            .iter()
            .enumerate()
            .fold(0u32, |group, (index, value)| {
                group | value << (18 - 6 * index)
            });
        for index in 0..chunk.len() - 1 {
            bytes.push((group >> (16 - 8 * index)) as u8);
        }
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Snapshot {
        Snapshot {
            structure: [1, 2, 3, 4],
            last_lesson: Some(2),
            seconds_on_task: 3_600,
            lessons: vec![
                LessonSnapshot {
                    reached_end: true,
                    scroll_permille: 1000,
                    seconds: 1_200,
                    checks: vec![(0, vec![2]), (1, vec![0, 3])],
                },
                LessonSnapshot::default(),
            ],
            exams: vec![ExamSnapshot {
                attempts: vec![
                    AttemptSnapshot {
                        number: 1,
                        seed: (1 << 53) - 1,
                        accommodation_percent: 150,
                        started_wall_milliseconds: 1_800_000_000_000,
                        limit_milliseconds: 4_500_000,
                        elapsed_milliseconds: 4_499_999,
                        current: 39,
                        flagged: Vec::new(),
                        responses: Vec::new(),
                        outcome: Some(Outcome {
                            reason: SubmitReason::Deadline,
                            wall_milliseconds: 1_800_004_500_000,
                            score_basis_points: 6_500,
                            pass_mark_basis_points: 7_000,
                            passed: false,
                            correct: 26,
                            total: 40,
                        }),
                    },
                    AttemptSnapshot {
                        number: 2,
                        seed: 42,
                        accommodation_percent: 100,
                        started_wall_milliseconds: 1_800_090_000_000,
                        limit_milliseconds: 4_500_000,
                        elapsed_milliseconds: 60_000,
                        current: 3,
                        flagged: vec![1, 3],
                        responses: vec![
                            (0, Response::Choices { chosen: vec![1] }),
                            (1, Response::Boolean { value: true }),
                            (
                                2,
                                Response::Order {
                                    order: vec![3, 1, 0, 2],
                                },
                            ),
                            (
                                3,
                                Response::Pairs {
                                    pairs: vec![2, 0, 1],
                                },
                            ),
                            (4, Response::Number { value: -12_500 }),
                        ],
                        outcome: None,
                    },
                ],
            }],
            worksheets: vec![WorksheetEntry {
                lesson: 0,
                activity: "plan".into(),
                field: "goal".into(),
                text: "Cut travel by half — 50 % fewer flights.".into(),
            }],
        }
    }

    #[test]
    fn a_snapshot_round_trips_through_ascii_text() {
        let snapshot = sample();
        let encoded = encode(&snapshot, SCORM_12_LIMIT).unwrap();
        assert!(encoded.dropped.is_empty());
        assert!(encoded.text.starts_with("S1."));
        assert!(encoded.text.bytes().all(|byte| byte.is_ascii_graphic()));
        assert_eq!(decode(&encoded.text, [1, 2, 3, 4]).unwrap(), snapshot);
    }

    #[test]
    fn damage_another_outline_or_foreign_text_is_refused_by_name() {
        let text = encode(&sample(), SCORM_12_LIMIT).unwrap().text;
        assert!(
            decode(&text, [9, 9, 9, 9])
                .unwrap_err()
                .0
                .contains("another outline")
        );
        let cut = &text[..text.len() - 6];
        assert!(decode(cut, [1, 2, 3, 4]).is_err());
        let mut flipped = text.clone().into_bytes();
        let middle = flipped.len() / 2;
        flipped[middle] = if flipped[middle] == b'A' { b'B' } else { b'A' };
        assert!(decode(std::str::from_utf8(&flipped).unwrap(), [1, 2, 3, 4]).is_err());
        assert!(
            decode("{\"lessons\":[]}", [1, 2, 3, 4])
                .unwrap_err()
                .0
                .contains("prefix")
        );
        assert!(
            decode("S1.!!!", [1, 2, 3, 4])
                .unwrap_err()
                .0
                .contains("base64url")
        );
    }

    #[test]
    fn worksheets_go_first_and_every_drop_is_reported() {
        let mut snapshot = sample();
        // Incompressible text, so compression cannot make room by itself.
        let mut state = 7u64;
        let noise: String = (0..6_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                char::from(b'a' + (state >> 59) as u8 % 26)
            })
            .collect();
        snapshot.worksheets[0].text = noise;
        let encoded = encode(&snapshot, SCORM_12_LIMIT).unwrap();
        assert!(encoded.text.len() <= SCORM_12_LIMIT);
        assert_eq!(encoded.dropped, ["worksheet texts cut to 400 characters"]);
        let decoded = decode(&encoded.text, [1, 2, 3, 4]).unwrap();
        assert_eq!(decoded.worksheets[0].text.chars().count(), 400);
        assert_eq!(decoded.exams, snapshot.exams, "attempts are never dropped");
    }

    #[test]
    fn essential_state_that_cannot_fit_is_an_error_not_a_truncation() {
        let error = encode(&sample(), 40).unwrap_err();
        assert!(error.0.contains("more than the 40 allowed"), "{error}");
    }

    #[test]
    fn progress_comes_back_from_the_lms_with_what_it_dropped_taken_from_the_device() {
        let manifest = crate::manifest::tests::sample();
        let lessons: Vec<String> = manifest.lessons().map(|lesson| lesson.id.clone()).collect();
        let mut device = Progress::new(&manifest.id);
        device.apply(crate::progress::ProgressEvent::ReachedEnd {
            lesson: lessons[0].clone(),
        });
        device
            .lessons
            .get_mut(&lessons[0])
            .unwrap()
            .worksheets
            .entry("plan".into())
            .or_default()
            .insert(
                "goal".into(),
                "A long answer the LMS could only keep the start of".into(),
            );
        device.last_lesson = Some(lessons[0].clone());
        let mut snapshot = Snapshot::capture(&manifest, &device, &[]);
        snapshot.worksheets[0].text.truncate(6);
        // The LMS has moved on: another device read the second lesson to its end.
        snapshot.lessons[1].reached_end = true;
        snapshot.last_lesson = Some(1);
        let text = encode(&snapshot, SCORM_12_LIMIT).unwrap().text;
        let restored = decode(&text, structure_hash(&manifest))
            .unwrap()
            .restore_progress(&manifest, &device);
        assert!(restored.lessons[&lessons[0]].reached_end);
        assert!(restored.lessons[&lessons[1]].reached_end, "the LMS wins");
        assert_eq!(restored.last_lesson.as_deref(), Some(lessons[1].as_str()));
        assert_eq!(
            restored.lessons[&lessons[0]].worksheets["plan"]["goal"],
            "A long answer the LMS could only keep the start of",
            "a text the LMS kept only in part stays whole"
        );
    }

    #[test]
    fn attempts_taken_elsewhere_are_kept_and_counted() {
        let mut manifest = crate::manifest::tests::sample();
        manifest.exams = vec![crate::manifest::ExamSummary {
            id: "final".into(),
            title: "Final".into(),
            file: "exams/final.json".into(),
            question_count: 40,
            time_limit_minutes: 75,
            pass_mark_percent: 70,
            attempts_allowed: 3,
            planned: false,
        }];
        let here = Snapshot::capture(&manifest, &Progress::new(&manifest.id), &[]);
        let mut elsewhere = here.clone();
        elsewhere.exams = sample().exams;
        let mut merged = here;
        merged.keep_attempts_from(&elsewhere);
        assert_eq!(merged.exams[0].attempts.len(), 2);
        assert_eq!(
            merged.outcomes(&manifest)["final"],
            [(6_500, false)],
            "the submitted attempt counts; the one in flight does not"
        );
        let mut republished = manifest.clone();
        republished.content_hash = "another build, same outline".into();
        assert_eq!(structure_hash(&republished), structure_hash(&manifest));
        republished.exams[0].id = "exam-2".into();
        assert_ne!(structure_hash(&republished), structure_hash(&manifest));
    }

    #[test]
    fn base64url_round_trips_every_length() {
        for length in 0..40u8 {
            let bytes: Vec<u8> = (0..length).map(|byte| byte.wrapping_mul(37)).collect();
            assert_eq!(from_base64url(&base64url(&bytes)).unwrap(), bytes);
        }
    }
}
