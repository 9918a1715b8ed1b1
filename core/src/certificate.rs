//! The completion certificate: the document the device builds and signs when the course's
//! rules hold, and the server's check of it — every attempt re-graded from its transcript
//! with plaintext keys, the transcript's chain, times and duration checked.
//!
//! Trust model: the device signature only proves that the document left that device
//! intact. The server decides; [`check`] is that decision, minus the signature itself
//! (see [`crate::proof`]) and storage.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::canonical::{Canonical, CanonicalError, to_canonical};
use crate::exam::assembly::assemble;
use crate::exam::attempt::{ACCOMMODATION_RANGE_PERCENT, ExamRecord};
use crate::exam::clock::{ClockReading, ExamClock, accommodated_limit_milliseconds};
use crate::exam::grading::{AnswerKey, GradedQuestion, Response, grade_attempt};
use crate::exam::published::PublishedExam;
use crate::exam::transcript::{EventKind, SubmitReason, Transcript, TranscriptEvent};
use crate::manifest::CourseManifest;
use crate::progress::{LessonStatus, Progress, lesson_status};
use crate::timestamp::parse_utc_timestamp;

/// The `type` of every certificate.
pub const CERTIFICATE_TYPE: &str = "SpecialistCompletionCertificate";
/// The certificate format this code writes and reads; bump when a field changes meaning.
pub const CERTIFICATE_FORMAT: u32 = 1;
/// How much longer than its limit an attempt may have run: the last save of an attempt
/// submitted at the deadline, a slow device, timer jitter.
pub const GRACE_MILLISECONDS: u64 = 60_000;

/// The signed completion certificate. Integers and text only: no floats anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Always [`CERTIFICATE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// [`CERTIFICATE_FORMAT`] when written.
    pub format: u32,
    /// `urn:uuid:…`, drawn on the device; the outbox's idempotency key.
    pub id: String,
    /// The course, exactly as published.
    pub course: CourseReference,
    /// Who completed it.
    pub learner: Learner,
    /// When the certificate was made, `YYYY-MM-DDTHH:MM:SSZ`.
    pub issued_at: String,
    /// The required lessons the device saw completed.
    pub lessons_completed: Vec<String>,
    /// One passed attempt per exam the completion rules name.
    pub exams: Vec<ExamEvidence>,
    /// The key that signed this document.
    pub device_key: DeviceKey,
    /// The device's Data Integrity proof (eddsa-jcs-2022); absent while unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<DataIntegrityProof>,
}

/// Which course, which version, which published content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseReference {
    /// The course id.
    pub id: String,
    /// The course version.
    pub version: String,
    /// The manifest's content hash (SHA-256 hex of everything published).
    pub content_hash: String,
    /// The title, for people reading the certificate.
    pub title: String,
}

/// The learner, from the LMS or the profile the learner confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Learner {
    /// The LMS learner id, or a device-drawn `urn:uuid:…`.
    pub id: String,
    /// The name printed on the certificate.
    pub name: String,
    /// Email address (may be empty inside an LMS that does not share it).
    pub email: String,
    /// The learner's organisation (the partner company).
    pub organisation: String,
}

/// One exam's passed attempt, with everything needed to re-grade it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamEvidence {
    /// The exam id.
    pub exam: String,
    /// The exam title, for people reading the certificate.
    pub title: String,
    /// The 1-based attempt number.
    pub attempt: u32,
    /// The assembly seed (below 2^53).
    pub seed: u64,
    /// The accommodation multiplier in percent (100 = none).
    pub accommodation_percent: u32,
    /// Questions answered right.
    pub correct: u32,
    /// Questions asked.
    pub total: u32,
    /// The score, basis points (10 000 = 100 %).
    pub score_basis_points: u32,
    /// The pass mark, basis points.
    pub pass_mark_basis_points: u32,
    /// Whether the attempt passed.
    pub passed: bool,
    /// Milliseconds of the time limit used.
    pub elapsed_milliseconds: u64,
    /// When it was submitted, `YYYY-MM-DDTHH:MM:SSZ`.
    pub submitted_at: String,
    /// SHA-256 (hex) of the transcript's last event.
    pub transcript_head: String,
    /// The whole hash-chained transcript.
    pub transcript: Vec<TranscriptEvent>,
}

/// How the device's private key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyProtection {
    /// A WebCrypto Ed25519 key created non-extractable and kept in IndexedDB: page
    /// script can use it but never read it.
    WebcryptoNonExtractable,
    /// A key held in page memory and storage, where WebCrypto Ed25519 or IndexedDB key
    /// storage was unavailable: weaker, and said so.
    Software,
}

impl KeyProtection {
    /// A sentence for people.
    pub fn describe(self) -> &'static str {
        match self {
            Self::WebcryptoNonExtractable => {
                "a non-extractable WebCrypto key kept in the browser's IndexedDB"
            }
            Self::Software => "a software key (this browser lacked WebCrypto Ed25519 storage)",
        }
    }
}

/// The device key's public half and protection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceKey {
    /// Multikey form: `z6Mk…` (base58btc of 0xed01 ‖ the 32-byte key).
    pub public_key_multibase: String,
    /// How the private key is kept.
    pub protection: KeyProtection,
}

/// A W3C Data Integrity proof, as eddsa-jcs-2022 writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DataIntegrityProof {
    /// `DataIntegrityProof`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `eddsa-jcs-2022`.
    pub cryptosuite: String,
    /// When signed.
    pub created: String,
    /// `did:key:z6Mk…#z6Mk…`.
    pub verification_method: String,
    /// `assertionMethod`.
    pub proof_purpose: String,
    /// The signature, base58btc multibase.
    pub proof_value: String,
}

/// A version 4 UUID as a URN (`urn:uuid:…`) from 16 random bytes.
pub fn uuid_urn(mut random: [u8; 16]) -> String {
    random[6] = (random[6] & 0x0f) | 0x40;
    random[8] = (random[8] & 0x3f) | 0x80;
    let hex = crate::exam::seal::to_hex(&random);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// What the device knows when the course is complete.
pub struct CertificateInput<'a> {
    /// A fresh `urn:uuid:…`.
    pub id: String,
    /// The course as published.
    pub manifest: &'a CourseManifest,
    /// The learner.
    pub learner: Learner,
    /// Now, `YYYY-MM-DDTHH:MM:SSZ`.
    pub issued_at: String,
    /// Lesson progress.
    pub progress: &'a Progress,
    /// Saved exam records by exam id.
    pub records: &'a BTreeMap<String, ExamRecord>,
    /// The device key's public half.
    pub device_key: DeviceKey,
}

/// Why no certificate can be built yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotYetComplete {
    /// Required lessons not complete.
    LessonsMissing(Vec<String>),
    /// An exam the rules name has no passed attempt.
    ExamNotPassed(String),
}

impl fmt::Display for NotYetComplete {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LessonsMissing(lessons) => write!(
                formatter,
                "{} required lesson(s) are not complete yet",
                lessons.len()
            ),
            Self::ExamNotPassed(exam) => write!(formatter, "exam {exam:?} is not passed yet"),
        }
    }
}

impl Certificate {
    /// Builds the unsigned certificate from what the device saved, or says what is missing.
    pub fn build(input: CertificateInput<'_>) -> Result<Self, NotYetComplete> {
        let manifest = input.manifest;
        let required: Vec<&str> = manifest
            .lessons()
            .filter(|lesson| lesson.required)
            .map(|lesson| lesson.id.as_str())
            .collect();
        let completed: Vec<String> = manifest
            .lessons()
            .filter(|lesson| {
                lesson.required && lesson_status(lesson, input.progress) == LessonStatus::Complete
            })
            .map(|lesson| lesson.id.clone())
            .collect();
        if manifest.completion.all_required_lessons && completed.len() < required.len() {
            let missing = required
                .iter()
                .filter(|id| !completed.iter().any(|done| done == *id))
                .map(|id| (*id).to_string())
                .collect();
            return Err(NotYetComplete::LessonsMissing(missing));
        }
        let mut exams = Vec::new();
        for exam_id in &manifest.completion.exams_passed {
            let passed = input
                .records
                .get(exam_id)
                .and_then(|record| record.attempts.iter().find(|attempt| attempt.passed()))
                .ok_or_else(|| NotYetComplete::ExamNotPassed(exam_id.clone()))?;
            let submission = passed
                .submission
                .as_ref()
                .ok_or_else(|| NotYetComplete::ExamNotPassed(exam_id.clone()))?;
            let title = manifest
                .exams
                .iter()
                .find(|exam| &exam.id == exam_id)
                .map_or_else(|| exam_id.clone(), |exam| exam.title.clone());
            exams.push(ExamEvidence {
                exam: exam_id.clone(),
                title,
                attempt: passed.number,
                seed: passed.seed,
                accommodation_percent: passed.accommodation_percent,
                correct: submission.result.overall.correct,
                total: submission.result.overall.total,
                score_basis_points: submission.result.score_basis_points,
                pass_mark_basis_points: submission.result.pass_mark_basis_points,
                passed: submission.result.passed,
                elapsed_milliseconds: submission.result.elapsed_milliseconds,
                submitted_at: crate::timestamp::utc_timestamp(submission.wall),
                transcript_head: passed.transcript.head(),
                transcript: passed.transcript.events.clone(),
            });
        }
        Ok(Self {
            kind: CERTIFICATE_TYPE.to_string(),
            format: CERTIFICATE_FORMAT,
            id: input.id,
            course: CourseReference {
                id: manifest.id.clone(),
                version: manifest.version.clone(),
                content_hash: manifest.content_hash.clone(),
                title: manifest.title.clone(),
            },
            learner: input.learner,
            issued_at: input.issued_at,
            lessons_completed: completed,
            exams,
            device_key: input.device_key,
            proof: None,
        })
    }

    /// The document the proof covers: this certificate without its proof, as a JSON value.
    pub fn unsigned_document(&self) -> Result<Canonical, CanonicalError> {
        let mut document = to_canonical(self)?;
        document.remove("proof");
        Ok(document)
    }
}

/// An exam as the server holds it: published, and with the plaintext key of every question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamAuthority {
    /// The exam exactly as the bundle publishes it.
    pub exam: PublishedExam,
    /// Question id → its key, in the published option order.
    pub answer_keys: BTreeMap<String, AnswerKey>,
}

/// The course as the server holds it.
#[derive(Debug, Clone)]
pub struct CourseAuthority {
    /// The published manifest.
    pub manifest: CourseManifest,
    /// Every exam with its keys.
    pub exams: Vec<ExamAuthority>,
}

/// Why the server refuses a certificate. Each has a stable [`Rejection::code`] for the
/// problem type and a sentence naming what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The document is not a certificate of a format the server reads.
    Structure(String),
    /// The course id, version or content hash is not the one the server holds.
    UnknownCourseVersion(String),
    /// A required lesson is missing from the lessons completed.
    LessonsMissing(Vec<String>),
    /// An exam the completion rules name is missing or appears twice.
    ExamMissing(String),
    /// The transcript's hash chain is broken or its head differs.
    BrokenTranscript {
        /// The exam.
        exam: String,
        /// What is wrong.
        detail: String,
    },
    /// The transcript's events or times do not hold together.
    InconsistentTranscript {
        /// The exam.
        exam: String,
        /// What is wrong.
        detail: String,
    },
    /// The attempt ran longer than its limit allows.
    TooLong {
        /// The exam.
        exam: String,
        /// Milliseconds used, by the transcript's clocks.
        elapsed_milliseconds: u64,
        /// Milliseconds allowed, grace included.
        allowed_milliseconds: u64,
    },
    /// The re-graded result is not what the certificate claims.
    ScoreMismatch {
        /// The exam.
        exam: String,
        /// What is wrong.
        detail: String,
    },
    /// The re-graded attempt did not pass.
    NotPassed {
        /// The exam.
        exam: String,
        /// The re-graded score.
        score_basis_points: u32,
    },
}

impl Rejection {
    /// A stable kebab-case code, used in the problem type URI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Structure(_) => "malformed-certificate",
            Self::UnknownCourseVersion(_) => "unknown-course-version",
            Self::LessonsMissing(_) => "lessons-missing",
            Self::ExamMissing(_) => "exam-missing",
            Self::BrokenTranscript { .. } => "broken-transcript",
            Self::InconsistentTranscript { .. } => "inconsistent-transcript",
            Self::TooLong { .. } => "attempt-too-long",
            Self::ScoreMismatch { .. } => "score-mismatch",
            Self::NotPassed { .. } => "exam-not-passed",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Structure(detail) | Self::UnknownCourseVersion(detail) => {
                formatter.write_str(detail)
            }
            Self::LessonsMissing(lessons) => write!(
                formatter,
                "required lessons are missing from lessons_completed: {}",
                lessons.join(", ")
            ),
            Self::ExamMissing(detail) => formatter.write_str(detail),
            Self::BrokenTranscript { exam, detail }
            | Self::InconsistentTranscript { exam, detail }
            | Self::ScoreMismatch { exam, detail } => write!(formatter, "exam {exam:?}: {detail}"),
            Self::TooLong {
                exam,
                elapsed_milliseconds,
                allowed_milliseconds,
            } => write!(
                formatter,
                "exam {exam:?}: the attempt ran {} s, longer than the {} s allowed (limit plus {} s grace)",
                elapsed_milliseconds / 1000,
                allowed_milliseconds / 1000,
                GRACE_MILLISECONDS / 1000
            ),
            Self::NotPassed {
                exam,
                score_basis_points,
            } => write!(
                formatter,
                "exam {exam:?}: the re-graded score {} does not reach the pass mark",
                crate::exam::display::percent_text(*score_basis_points)
            ),
        }
    }
}

/// One exam as the server re-graded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegradedExam {
    /// The exam id.
    pub exam: String,
    /// The re-graded score, basis points.
    pub score_basis_points: u32,
    /// The pass mark, basis points.
    pub pass_mark_basis_points: u32,
    /// Milliseconds used, by the transcript's clocks.
    pub elapsed_milliseconds: u64,
    /// Why it was submitted.
    pub reason: SubmitReason,
}

/// Checks everything but the signature: format, course version, completion rules, and
/// every required exam re-graded from its transcript. Stops at the first problem.
pub fn check(
    certificate: &Certificate,
    authority: &CourseAuthority,
) -> Result<Vec<RegradedExam>, Rejection> {
    if certificate.kind != CERTIFICATE_TYPE || certificate.format != CERTIFICATE_FORMAT {
        return Err(Rejection::Structure(format!(
            "type {:?} format {} is not a {CERTIFICATE_TYPE} of format {CERTIFICATE_FORMAT}",
            certificate.kind, certificate.format
        )));
    }
    if parse_utc_timestamp(&certificate.issued_at).is_none() {
        return Err(Rejection::Structure(format!(
            "issued_at {:?} is not a UTC timestamp like 2026-01-31T12:00:00Z",
            certificate.issued_at
        )));
    }
    if certificate.learner.name.trim().is_empty() || certificate.learner.id.trim().is_empty() {
        return Err(Rejection::Structure(
            "the learner has no id or no name".into(),
        ));
    }
    let manifest = &authority.manifest;
    let course = &certificate.course;
    if course.id != manifest.id
        || course.version != manifest.version
        || course.content_hash != manifest.content_hash
    {
        return Err(Rejection::UnknownCourseVersion(format!(
            "course {:?} version {:?} (content {}) is not the course this server holds ({:?} version {:?}, content {})",
            course.id,
            course.version,
            short(&course.content_hash),
            manifest.id,
            manifest.version,
            short(&manifest.content_hash)
        )));
    }
    if manifest.completion.all_required_lessons {
        let done: BTreeSet<&str> = certificate
            .lessons_completed
            .iter()
            .map(String::as_str)
            .collect();
        let missing: Vec<String> = manifest
            .lessons()
            .filter(|lesson| lesson.required && !done.contains(lesson.id.as_str()))
            .map(|lesson| lesson.id.clone())
            .collect();
        if !missing.is_empty() {
            return Err(Rejection::LessonsMissing(missing));
        }
    }
    let mut regraded = Vec::new();
    for exam_id in &manifest.completion.exams_passed {
        let mut matching = certificate
            .exams
            .iter()
            .filter(|evidence| &evidence.exam == exam_id);
        let evidence = matching.next().ok_or_else(|| {
            Rejection::ExamMissing(format!(
                "exam {exam_id:?} is required but not in the certificate"
            ))
        })?;
        if matching.next().is_some() {
            return Err(Rejection::ExamMissing(format!(
                "exam {exam_id:?} appears more than once"
            )));
        }
        let exam = authority
            .exams
            .iter()
            .find(|candidate| &candidate.exam.id == exam_id)
            .ok_or_else(|| {
                Rejection::UnknownCourseVersion(format!(
                    "the server's course has no exam {exam_id:?}"
                ))
            })?;
        regraded.push(check_attempt(evidence, exam)?);
    }
    if let Some(extra) = certificate
        .exams
        .iter()
        .find(|evidence| !manifest.completion.exams_passed.contains(&evidence.exam))
    {
        return Err(Rejection::ExamMissing(format!(
            "exam {:?} is not one the completion rules name",
            extra.exam
        )));
    }
    Ok(regraded)
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// Re-grades one attempt from its transcript with plaintext keys and checks the transcript:
/// chain intact and ending at the claimed head, one start and one submission, the start
/// matching the seed, accommodation and limit, the questions those rebuild, times in order,
/// the duration within the limit plus [`GRACE_MILLISECONDS`], the submission reason
/// consistent with the clock, and the claimed result equal to the re-graded one.
pub fn check_attempt(
    evidence: &ExamEvidence,
    authority: &ExamAuthority,
) -> Result<RegradedExam, Rejection> {
    let exam = &authority.exam;
    let exam_id = evidence.exam.clone();
    let broken = |detail: String| Rejection::BrokenTranscript {
        exam: exam_id.clone(),
        detail,
    };
    let inconsistent = |detail: String| Rejection::InconsistentTranscript {
        exam: exam_id.clone(),
        detail,
    };
    let transcript = Transcript {
        events: evidence.transcript.clone(),
    };
    transcript
        .verify()
        .map_err(|chain| broken(format!("the hash chain breaks at event {}", chain.sequence)))?;
    if transcript.head() != evidence.transcript_head {
        return Err(broken(
            "transcript_head is not the hash of the last event".into(),
        ));
    }
    let events = &transcript.events;
    let Some(first) = events.first() else {
        return Err(broken("the transcript is empty".into()));
    };
    let EventKind::Started {
        seed,
        deadline,
        limit_milliseconds,
        accommodation_percent,
        questions,
    } = &first.event
    else {
        return Err(inconsistent("the first event is not started".into()));
    };
    if *seed != evidence.seed || *accommodation_percent != evidence.accommodation_percent {
        return Err(inconsistent(
            "the started event's seed or accommodation differs from the certificate's".into(),
        ));
    }
    if !ACCOMMODATION_RANGE_PERCENT.contains(accommodation_percent) {
        return Err(inconsistent(format!(
            "accommodation {accommodation_percent} % is outside {}–{} %",
            ACCOMMODATION_RANGE_PERCENT.start(),
            ACCOMMODATION_RANGE_PERCENT.end()
        )));
    }
    let limit = accommodated_limit_milliseconds(exam.time_limit_minutes, *accommodation_percent);
    if *limit_milliseconds != limit
        || *deadline
            != first
                .wall
                .saturating_add(i64::try_from(limit).unwrap_or(i64::MAX))
    {
        return Err(inconsistent(format!(
            "the started event's limit or deadline is not the exam's {} minutes at {accommodation_percent} %",
            exam.time_limit_minutes
        )));
    }
    let assembled = assemble(&exam.bank(), &exam.blueprint, *seed)
        .map_err(|shortfall| inconsistent(format!("the seed does not assemble: {shortfall}")))?;
    if assembled
        .iter()
        .map(|question| &question.id)
        .ne(questions.iter())
    {
        return Err(inconsistent(
            "the questions are not the ones the seed draws".into(),
        ));
    }

    // Replay: responses, submission, and the clock over every logged reading.
    let mut clock = ExamClock::start(
        ClockReading {
            wall_milliseconds: first.wall,
            monotonic_milliseconds: first.monotonic,
        },
        limit,
    );
    let allowed = limit + GRACE_MILLISECONDS;
    let mut responses: BTreeMap<String, Response> = BTreeMap::new();
    let mut reason = None;
    for (index, pair) in events.windows(2).enumerate() {
        let (before, event) = (&pair[0], &pair[1]);
        let position = index + 1;
        if reason.is_some() {
            return Err(inconsistent(format!(
                "event {position} comes after the submission"
            )));
        }
        // The wall clock may only go back where the transcript logs a backward jump, and
        // then by no more than the jump.
        let went_back = u64::try_from(before.wall.saturating_sub(event.wall)).unwrap_or(0);
        if went_back > crate::exam::clock::JUMP_TOLERANCE_MILLISECONDS {
            let explained = matches!(&event.event, EventKind::ClockJump { direction, milliseconds }
                if direction == "backward"
                    && went_back <= milliseconds + crate::exam::clock::JUMP_TOLERANCE_MILLISECONDS);
            if !explained {
                return Err(inconsistent(format!(
                    "event {position} is {went_back} ms earlier than the one before, with no clock jump logged"
                )));
            }
        }
        let elapsed = clock
            .observe(ClockReading {
                wall_milliseconds: event.wall,
                monotonic_milliseconds: event.monotonic,
            })
            .elapsed_milliseconds;
        // Answers, and a submission by the learner, count only within the limit plus
        // grace. A deadline submission may come later (a hidden tab submits on its
        // return) because nothing could change after the deadline anyway.
        let changes_answers = matches!(
            &event.event,
            EventKind::Answered { .. }
                | EventKind::Changed { .. }
                | EventKind::Cleared { .. }
                | EventKind::Submitted {
                    reason: SubmitReason::Manual
                }
        );
        if changes_answers && elapsed > allowed {
            return Err(Rejection::TooLong {
                exam: exam_id.clone(),
                elapsed_milliseconds: elapsed,
                allowed_milliseconds: allowed,
            });
        }
        match &event.event {
            EventKind::Started { .. } => {
                return Err(inconsistent(format!("event {position} starts again")));
            }
            EventKind::Answered { question, response }
            | EventKind::Changed { question, response } => {
                if !questions.contains(question) {
                    return Err(inconsistent(format!(
                        "event {position} answers {question:?}, which the attempt does not ask"
                    )));
                }
                let decoded = Response::decode(response).ok_or_else(|| {
                    inconsistent(format!(
                        "event {position} holds an unreadable response {response:?}"
                    ))
                })?;
                responses.insert(question.clone(), decoded);
            }
            EventKind::Cleared { question } => {
                responses.remove(question);
            }
            EventKind::Submitted { reason: submitted } => reason = Some(*submitted),
            EventKind::Flagged { .. }
            | EventKind::Navigated { .. }
            | EventKind::Hidden
            | EventKind::Visible
            | EventKind::ClockJump { .. } => {}
        }
    }
    let Some(reason) = reason else {
        return Err(inconsistent("the attempt was never submitted".into()));
    };
    let last = events.last().unwrap_or(first);
    // What the issuer will sign beside the score must come from the course or the
    // transcript, not from the device's say-so.
    if evidence.title != exam.title {
        return Err(inconsistent(format!(
            "the exam title {:?} is not the course's {:?}",
            evidence.title, exam.title
        )));
    }
    if evidence.submitted_at != crate::timestamp::utc_timestamp(last.wall) {
        return Err(inconsistent(format!(
            "submitted_at {:?} is not the time of the transcript's submission",
            evidence.submitted_at
        )));
    }
    if evidence.attempt == 0 {
        return Err(inconsistent("attempt 0 is practice, never graded".into()));
    }
    let elapsed = clock.elapsed_milliseconds();
    let wall_span = u64::try_from(last.wall.saturating_sub(first.wall)).unwrap_or(0);
    if reason != SubmitReason::Manual && elapsed.max(wall_span) + GRACE_MILLISECONDS < limit {
        return Err(inconsistent(format!(
            "submitted for {} after {} s of a {} s limit",
            reason.name(),
            elapsed.max(wall_span) / 1000,
            limit / 1000
        )));
    }

    let mut graded_questions = Vec::with_capacity(questions.len());
    for id in questions {
        let (Some(question), Some(key)) = (exam.question(id), authority.answer_keys.get(id)) else {
            return Err(inconsistent(format!("question {id:?} is not in the bank")));
        };
        graded_questions.push(GradedQuestion {
            id: &question.id,
            objective: &question.objective,
            module: &question.module,
            key,
        });
    }
    let result = grade_attempt(&graded_questions, &responses, exam.pass_mark_percent);
    let claimed = (
        evidence.correct,
        evidence.total,
        evidence.score_basis_points,
        evidence.pass_mark_basis_points,
        evidence.passed,
    );
    let regraded = (
        result.overall.correct,
        result.overall.total,
        result.score_basis_points,
        result.pass_mark_basis_points,
        result.passed,
    );
    if claimed != regraded {
        return Err(Rejection::ScoreMismatch {
            exam: exam_id,
            detail: format!(
                "the certificate claims {}/{} ({} bp, pass mark {} bp, passed {}) but the transcript re-grades to {}/{} ({} bp, pass mark {} bp, passed {})",
                claimed.0,
                claimed.1,
                claimed.2,
                claimed.3,
                claimed.4,
                regraded.0,
                regraded.1,
                regraded.2,
                regraded.3,
                regraded.4
            ),
        });
    }
    if !result.passed {
        return Err(Rejection::NotPassed {
            exam: exam_id,
            score_basis_points: result.score_basis_points,
        });
    }
    Ok(RegradedExam {
        exam: exam_id,
        score_basis_points: result.score_basis_points,
        pass_mark_basis_points: result.pass_mark_basis_points,
        elapsed_milliseconds: elapsed.min(limit),
        reason,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::exam::attempt::Attempt;
    use crate::exam::attempt::tests::{MINUTE, at, true_false_exam, true_false_key};
    use crate::manifest::tests::sample;
    use crate::progress::ProgressEvent;

    /// Six true/false questions in module `one`, four asked, 10 minutes, pass at 75 %;
    /// the right answer of `q<n>` is `n` even.
    fn authority() -> ExamAuthority {
        ExamAuthority {
            exam: true_false_exam(6, "one"),
            answer_keys: (0..6u8)
                .map(|number| (format!("q{number}"), true_false_key(number)))
                .collect(),
        }
    }

    fn course() -> CourseAuthority {
        let mut manifest = sample();
        manifest.completion.exams_passed = vec!["final".into()];
        manifest.exams = vec![crate::manifest::ExamSummary {
            id: "final".into(),
            title: "Final".into(),
            file: "exams/final-0123456789abcdef.json".into(),
            question_count: 4,
            time_limit_minutes: 10,
            pass_mark_percent: 75,
            attempts_allowed: 2,
            planned: false,
        }];
        CourseAuthority {
            manifest,
            exams: vec![authority()],
        }
    }

    fn right(id: &str) -> Response {
        Response::Boolean {
            value: id.trim_start_matches('q').parse::<u8>().unwrap() % 2 == 0,
        }
    }

    /// A passed attempt: three right, one wrong, submitted by the learner after 4 minutes.
    fn passed_attempt() -> Attempt {
        let exam = authority().exam;
        let mut attempt = Attempt::start(&exam, 1, false, 42, 100, at(0)).unwrap();
        let ids: Vec<String> = attempt.questions.iter().map(|q| q.id.clone()).collect();
        for (index, id) in ids.iter().enumerate() {
            let response = if index == 3 {
                Response::Boolean {
                    value: !matches!(right(id), Response::Boolean { value: true }),
                }
            } else {
                right(id)
            };
            attempt
                .answer(&exam, id, Some(response), at(MINUTE * (index as u64 + 1)))
                .unwrap();
        }
        attempt.submit(&exam, SubmitReason::Manual, at(4 * MINUTE + 1000));
        assert!(attempt.passed());
        attempt
    }

    /// A complete, unsigned certificate for [`course`].
    pub(crate) fn certificate() -> Certificate {
        let course = course();
        let mut progress = Progress::new("sample");
        for lesson in ["a", "b", "c"] {
            progress.apply(ProgressEvent::ReachedEnd {
                lesson: lesson.into(),
            });
        }
        let mut record = ExamRecord::new("sample", "final");
        record.attempts.push(passed_attempt());
        let records = BTreeMap::from([("final".to_string(), record)]);
        Certificate::build(CertificateInput {
            id: "urn:uuid:00000000-0000-4000-8000-000000000001".into(),
            manifest: &course.manifest,
            learner: Learner {
                id: "learner-1".into(),
                name: "Ada Lovelace".into(),
                email: "ada@example.com".into(),
                organisation: "Analytical Partners".into(),
            },
            issued_at: "2027-01-15T09:00:00Z".into(),
            progress: &progress,
            records: &records,
            device_key: DeviceKey {
                public_key_multibase: "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2".into(),
                protection: KeyProtection::WebcryptoNonExtractable,
            },
        })
        .unwrap()
    }

    /// Rebuilds the chain after an edit, as a forger holding the device key would.
    fn rechain(evidence: &mut ExamEvidence) {
        let mut transcript = Transcript::default();
        for event in &evidence.transcript {
            transcript.append(
                event.event.clone(),
                ClockReading {
                    wall_milliseconds: event.wall,
                    monotonic_milliseconds: event.monotonic,
                },
            );
        }
        evidence.transcript_head = transcript.head();
        evidence.transcript = transcript.events;
    }

    #[test]
    fn a_complete_course_builds_a_certificate_that_the_server_check_accepts() {
        let certificate = certificate();
        assert_eq!(certificate.exams.len(), 1);
        let evidence = &certificate.exams[0];
        assert_eq!(
            (
                evidence.correct,
                evidence.total,
                evidence.score_basis_points
            ),
            (3, 4, 7_500)
        );
        assert_eq!(certificate.lessons_completed, ["a", "b", "c"]);
        let regraded = check(&certificate, &course()).unwrap();
        assert_eq!(regraded[0].score_basis_points, 7_500);
        assert_eq!(regraded[0].reason, SubmitReason::Manual);
        // The unsigned document is integer-only JSON with the proof left out.
        let document = certificate.unsigned_document().unwrap();
        assert!(document.get("proof").is_none());
        assert_eq!(
            document.get("id").and_then(Canonical::as_text),
            Some(certificate.id.as_str())
        );
    }

    #[test]
    fn uuids_carry_version_four_and_the_rfc_variant() {
        assert_eq!(
            uuid_urn([0xff; 16]),
            "urn:uuid:ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            uuid_urn([0; 16]),
            "urn:uuid:00000000-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn an_unfinished_course_says_what_is_missing() {
        let course = course();
        let progress = Progress::new("sample");
        let records = BTreeMap::new();
        fn input<'a>(
            manifest: &'a CourseManifest,
            progress: &'a Progress,
            records: &'a BTreeMap<String, ExamRecord>,
        ) -> CertificateInput<'a> {
            CertificateInput {
                id: "urn:uuid:x".into(),
                manifest,
                learner: Learner::default(),
                issued_at: "2027-01-15T09:00:00Z".into(),
                progress,
                records,
                device_key: DeviceKey {
                    public_key_multibase: String::new(),
                    protection: KeyProtection::Software,
                },
            }
        }
        assert_eq!(
            Certificate::build(input(&course.manifest, &progress, &records)).unwrap_err(),
            NotYetComplete::LessonsMissing(vec!["a".into(), "b".into(), "c".into()])
        );
        let mut done = Progress::new("sample");
        for lesson in ["a", "b", "c"] {
            done.apply(ProgressEvent::ReachedEnd {
                lesson: lesson.into(),
            });
        }
        assert_eq!(
            Certificate::build(input(&course.manifest, &done, &records)).unwrap_err(),
            NotYetComplete::ExamNotPassed("final".into())
        );
    }

    #[test]
    fn an_edited_score_is_a_score_mismatch() {
        let mut forged = certificate();
        forged.exams[0].score_basis_points = 10_000;
        forged.exams[0].correct = 4;
        let rejection = check(&forged, &course()).unwrap_err();
        assert_eq!(rejection.code(), "score-mismatch");
        assert!(
            rejection.to_string().contains("re-grades to 3/4"),
            "{rejection}"
        );
    }

    #[test]
    fn an_edited_answer_breaks_the_chain_and_a_rechained_one_regrades_lower() {
        let mut forged = certificate();
        let wrong_index = forged.exams[0]
            .transcript
            .iter()
            .position(|event| matches!(&event.event, EventKind::Answered { .. }))
            .unwrap();
        if let EventKind::Answered { response, .. } =
            &mut forged.exams[0].transcript[wrong_index].event
        {
            *response = if response == "boolean:true" {
                "boolean:false".into()
            } else {
                "boolean:true".into()
            };
        }
        let rejection = check(&forged, &course()).unwrap_err();
        assert_eq!(rejection.code(), "broken-transcript", "{rejection}");
        assert!(
            rejection
                .to_string()
                .contains(&format!("event {}", wrong_index + 1))
        );

        rechain(&mut forged.exams[0]);
        let rejection = check(&forged, &course()).unwrap_err();
        assert_eq!(rejection.code(), "score-mismatch", "{rejection}");
    }

    #[test]
    fn a_wrong_head_or_a_missing_event_is_a_broken_transcript() {
        let mut forged = certificate();
        forged.exams[0].transcript_head = "ab".repeat(32);
        assert_eq!(
            check(&forged, &course()).unwrap_err().code(),
            "broken-transcript"
        );
        let mut forged = certificate();
        forged.exams[0].transcript.remove(2);
        assert_eq!(
            check(&forged, &course()).unwrap_err().code(),
            "broken-transcript"
        );
    }

    #[test]
    fn answers_after_the_limit_plus_grace_are_too_long_but_a_late_deadline_submission_is_not() {
        let mut forged = certificate();
        // Move the last answer and the submission 20 minutes later on both clocks.
        let count = forged.exams[0].transcript.len();
        for event in &mut forged.exams[0].transcript[count - 2..] {
            event.wall += 20 * 60_000;
            event.monotonic += 20 * MINUTE;
        }
        rechain(&mut forged.exams[0]);
        let rejection = check(&forged, &course()).unwrap_err();
        assert_eq!(rejection.code(), "attempt-too-long", "{rejection}");
        assert!(
            rejection.to_string().contains("660 s allowed"),
            "{rejection}"
        );

        // A hidden tab submitted on its return, 11 minutes late: the answers were all given in time.
        let exam = authority().exam;
        let mut attempt = Attempt::start(&exam, 1, false, 42, 100, at(0)).unwrap();
        for id in attempt
            .questions
            .clone()
            .iter()
            .map(|question| question.id.clone())
        {
            attempt
                .answer(&exam, &id, Some(right(&id)), at(MINUTE))
                .unwrap();
        }
        attempt.visibility_changed(&exam, false, at(2 * MINUTE));
        attempt.visibility_changed(&exam, true, at(21 * MINUTE));
        assert_eq!(
            attempt.submission.as_ref().unwrap().reason,
            SubmitReason::Deadline
        );
        let mut record = ExamRecord::new("sample", "final");
        record.attempts.push(attempt);
        let mut certificate = certificate();
        let mut late = Certificate::build(CertificateInput {
            id: certificate.id.clone(),
            manifest: &course().manifest,
            learner: certificate.learner.clone(),
            issued_at: certificate.issued_at.clone(),
            progress: &{
                let mut progress = Progress::new("sample");
                for lesson in ["a", "b", "c"] {
                    progress.apply(ProgressEvent::ReachedEnd {
                        lesson: lesson.into(),
                    });
                }
                progress
            },
            records: &BTreeMap::from([("final".to_string(), record)]),
            device_key: certificate.device_key.clone(),
        })
        .unwrap();
        let regraded = check(&late, &course()).unwrap();
        assert_eq!(regraded[0].reason, SubmitReason::Deadline);
        assert_eq!(regraded[0].score_basis_points, 10_000);

        // Claiming a deadline submission after 4 minutes is inconsistent.
        certificate.exams[0].transcript.last_mut().unwrap().event = EventKind::Submitted {
            reason: SubmitReason::Deadline,
        };
        rechain(&mut certificate.exams[0]);
        assert_eq!(
            check(&certificate, &course()).unwrap_err().code(),
            "inconsistent-transcript"
        );
        late.exams[0].transcript.last_mut().unwrap().wall -= 30 * 60_000;
        rechain(&mut late.exams[0]);
        let rejection = check(&late, &course()).unwrap_err();
        assert_eq!(rejection.code(), "inconsistent-transcript", "{rejection}");
        assert!(
            rejection.to_string().contains("no clock jump logged"),
            "{rejection}"
        );
    }

    #[test]
    fn a_title_or_submission_time_the_course_and_transcript_do_not_give_is_refused() {
        let mut forged = certificate();
        forged.exams[0].title = "Final — with distinction".into();
        let rejection = check(&forged, &course()).unwrap_err();
        assert!(rejection.to_string().contains("exam title"), "{rejection}");
        let mut forged = certificate();
        forged.exams[0].submitted_at = "2030-01-01T00:00:00Z".into();
        let rejection = check(&forged, &course()).unwrap_err();
        assert!(
            rejection.to_string().contains("submitted_at"),
            "{rejection}"
        );
    }

    #[test]
    fn another_seed_accommodation_or_question_set_is_inconsistent() {
        let mut forged = certificate();
        forged.exams[0].seed += 1;
        assert_eq!(
            check(&forged, &course()).unwrap_err().code(),
            "inconsistent-transcript"
        );
        let mut forged = certificate();
        if let EventKind::Started { questions, .. } = &mut forged.exams[0].transcript[0].event {
            questions.reverse();
        }
        rechain(&mut forged.exams[0]);
        let rejection = check(&forged, &course()).unwrap_err();
        assert!(
            rejection
                .to_string()
                .contains("not the ones the seed draws"),
            "{rejection}"
        );
        let mut forged = certificate();
        forged.exams[0].accommodation_percent = 200;
        if let EventKind::Started {
            accommodation_percent,
            ..
        } = &mut forged.exams[0].transcript[0].event
        {
            *accommodation_percent = 200;
        }
        rechain(&mut forged.exams[0]);
        let rejection = check(&forged, &course()).unwrap_err();
        assert!(
            rejection.to_string().contains("limit or deadline"),
            "{rejection}"
        );
    }

    #[test]
    fn another_course_version_missing_lessons_or_a_missing_exam_are_refused() {
        let mut forged = certificate();
        forged.course.version = "0.9.0".into();
        assert_eq!(
            check(&forged, &course()).unwrap_err().code(),
            "unknown-course-version"
        );
        let mut forged = certificate();
        forged.lessons_completed.pop();
        assert_eq!(
            check(&forged, &course()).unwrap_err(),
            Rejection::LessonsMissing(vec!["c".into()])
        );
        let mut forged = certificate();
        forged.exams.clear();
        assert_eq!(
            check(&forged, &course()).unwrap_err().code(),
            "exam-missing"
        );
        let mut forged = certificate();
        forged.issued_at = "yesterday".into();
        assert_eq!(
            check(&forged, &course()).unwrap_err().code(),
            "malformed-certificate"
        );
    }
}
