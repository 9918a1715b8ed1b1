//! The progress export: everything a learner has on a device for one course (progress,
//! exam attempts, practice, profile, the outbox with its certificates) in one checked file,
//! to carry to another device or to restore after the browser cleared its storage.
//!
//! The file is JSON with a SHA-256 checksum over its RFC 8785 canonical form, so a file
//! damaged in transit or edited by hand is refused as a whole before anything is written.
//! The device key is not in it: it cannot leave the browser (it is non-extractable), and
//! certificates already signed carry their proof with them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::canonical::to_canonical;
use crate::certificate::Learner;
use crate::exam::attempt::{Attempt, EXAM_RECORD_SCHEMA, ExamRecord};
use crate::exam::seal::sha256_hex;
use crate::outbox::OutboxEntry;
use crate::progress::{PROGRESS_SCHEMA, Progress};

/// The `format` every export carries, so a foreign JSON file is told apart at once.
pub const EXPORT_FORMAT: &str = "specialist-progress-export";

/// The export layout this build writes and reads.
pub const EXPORT_SCHEMA: u32 = 1;

/// One course's saved state on a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressExport {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// Always [`EXPORT_SCHEMA`] when written by this build.
    pub schema: u32,
    /// The course id.
    pub course: String,
    /// When the file was made (RFC 3339 UTC).
    pub exported_at: String,
    /// Lessons, positions, checks, worksheets and time on task.
    pub progress: Progress,
    /// Every exam's attempts, including one in flight.
    pub exams: Vec<ExamRecord>,
    /// Practice sets in progress.
    pub practice: Vec<Attempt>,
    /// The learner's profile, once entered.
    pub profile: Option<Learner>,
    /// Certificates (and anything else) queued or delivered, with their state.
    pub outbox: Vec<OutboxEntry>,
    /// SHA-256 (hex) of the canonical form of this document with `checksum` empty.
    pub checksum: String,
}

/// What an export holds, for the learner to confirm before it replaces anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    /// Lessons finished.
    pub lessons_completed: usize,
    /// Exam attempts, submitted or in flight.
    pub attempts: usize,
    /// Certificates in the outbox (queued, delivered or refused).
    pub certificates: usize,
}

/// Why a file cannot be imported, in words that name the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError(pub String);

impl std::fmt::Display for ImportError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for ImportError {}

impl ProgressExport {
    /// Gathers a course's state into an export and seals it with its checksum.
    pub fn new(
        course: &str,
        exported_at: String,
        progress: Progress,
        exams: Vec<ExamRecord>,
        practice: Vec<Attempt>,
        profile: Option<Learner>,
        outbox: Vec<OutboxEntry>,
    ) -> Result<Self, String> {
        let mut export = Self {
            format: EXPORT_FORMAT.into(),
            schema: EXPORT_SCHEMA,
            course: course.into(),
            exported_at,
            progress,
            exams,
            practice,
            profile,
            outbox,
            checksum: String::new(),
        };
        export.checksum = export.digest()?;
        Ok(export)
    }

    fn digest(&self) -> Result<String, String> {
        let mut unsealed = self.clone();
        unsealed.checksum.clear();
        let canonical = to_canonical(&unsealed)
            .map_err(|error| format!("the export could not be encoded: {error}"))?;
        Ok(sha256_hex(&canonical.to_bytes()))
    }

    /// Checks a parsed file before anything is written: its format and schema, that it is
    /// for `course`, that its checksum matches (nothing was damaged or edited), and that
    /// every record inside belongs to this course.
    pub fn check(self, course: &str) -> Result<Self, ImportError> {
        let refuse = |reason: String| Err(ImportError(reason));
        if self.format != EXPORT_FORMAT {
            return refuse(format!(
                "this is not a Specialist progress export (its format is {:?})",
                self.format
            ));
        }
        if self.schema != EXPORT_SCHEMA {
            return refuse(format!(
                "the file uses export schema {}; this version reads schema {EXPORT_SCHEMA}",
                self.schema
            ));
        }
        if self.course != course {
            return refuse(format!(
                "the file holds progress for course {:?}, not for this course ({course:?})",
                self.course
            ));
        }
        let digest = self.digest().map_err(ImportError)?;
        if digest != self.checksum {
            return refuse(
                "the file is damaged or was edited: its checksum does not match its contents"
                    .into(),
            );
        }
        if self.progress.schema != PROGRESS_SCHEMA || self.progress.course != course {
            return refuse(format!(
                "its progress is schema {} of course {:?}",
                self.progress.schema, self.progress.course
            ));
        }
        let mut exams = BTreeSet::new();
        for record in &self.exams {
            if record.schema != EXAM_RECORD_SCHEMA || record.course != course {
                return refuse(format!(
                    "its attempts at exam {:?} are schema {} of course {:?}",
                    record.exam, record.schema, record.course
                ));
            }
            if !exams.insert(record.exam.as_str()) {
                return refuse(format!("it holds exam {:?} twice", record.exam));
            }
            if record
                .attempts
                .iter()
                .any(|attempt| attempt.exam != record.exam)
            {
                return refuse(format!(
                    "its record of exam {:?} holds an attempt at another exam",
                    record.exam
                ));
            }
        }
        if let Some(entry) = self
            .outbox
            .iter()
            .find(|entry| entry.kind != crate::outbox::CERTIFICATE)
        {
            return refuse(format!(
                "its outbox holds {:?}, which is not a certificate",
                entry.id
            ));
        }
        let mut entries = BTreeSet::new();
        if let Some(entry) = self
            .outbox
            .iter()
            .find(|entry| !entries.insert(entry.id.as_str()))
        {
            return refuse(format!("its outbox holds {:?} twice", entry.id));
        }
        Ok(self)
    }

    /// What the export holds.
    pub fn summary(&self) -> ExportSummary {
        ExportSummary {
            lessons_completed: self
                .progress
                .lessons
                .values()
                .filter(|lesson| lesson.reached_end)
                .count(),
            attempts: self.exams.iter().map(|record| record.attempts.len()).sum(),
            certificates: self
                .outbox
                .iter()
                .filter(|entry| entry.kind == crate::outbox::CERTIFICATE)
                .count(),
        }
    }

    /// The file name to save it under: course and date, e.g.
    /// `sustainability-progress-2026-11-28.json`.
    pub fn file_name(&self) -> String {
        let date = self.exported_at.get(..10).unwrap_or("undated");
        format!("{}-progress-{date}.json", self.course)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exam::attempt::tests::{at, true_false_exam};
    use crate::outbox::DeliveryState;
    use crate::progress::ProgressEvent;

    fn export() -> ProgressExport {
        let mut progress = Progress::new("course");
        progress.apply(ProgressEvent::ReachedEnd {
            lesson: "intro".into(),
        });
        let exam = true_false_exam(6, "m");
        let mut record = ExamRecord::new("course", "final");
        record
            .attempts
            .push(Attempt::start(&exam, 1, false, 9_007_199_254_740_991, 100, at(0)).unwrap());
        let entry = OutboxEntry {
            id: "urn:uuid:1".into(),
            kind: "certificate".into(),
            url: "https://example.com/api/v1/certificates".into(),
            body: "{\"signed\":true}".into(),
            method: "POST".into(),
            headers: Vec::new(),
            state: DeliveryState::Queued,
            attempts: 2,
            next_attempt_wall: 1_800_000_000_000,
            last_error: Some("the network is down".into()),
            response: None,
            created_wall: 1_799_000_000_000,
        };
        ProgressExport::new(
            "course",
            "2026-11-28T10:00:00Z".into(),
            progress,
            vec![record],
            Vec::new(),
            Some(Learner {
                id: "urn:uuid:learner".into(),
                name: "Ada".into(),
                email: "ada@example.com".into(),
                organisation: "Acme".into(),
            }),
            vec![entry],
        )
        .unwrap()
    }

    fn round_trip(export: &ProgressExport) -> ProgressExport {
        serde_json::from_str(&serde_json::to_string(export).unwrap()).unwrap()
    }

    #[test]
    fn an_export_survives_the_round_trip_through_json_with_everything_in_it() {
        let export = export();
        let read = round_trip(&export).check("course").unwrap();
        // Compared as saved: the clock's in-memory reading of this page load is never saved.
        assert_eq!(
            serde_json::to_value(&read).unwrap(),
            serde_json::to_value(&export).unwrap()
        );
        assert_eq!(
            read.summary(),
            ExportSummary {
                lessons_completed: 1,
                attempts: 1,
                certificates: 1
            }
        );
        assert!(
            read.exams[0].attempts[0].is_open(),
            "an attempt in flight is kept"
        );
        assert_eq!(read.file_name(), "course-progress-2026-11-28.json");
    }

    #[test]
    fn any_edit_breaks_the_checksum() {
        let mut edited = round_trip(&export());
        edited.progress.seconds_on_task += 1;
        let error = edited.check("course").unwrap_err();
        assert!(error.0.contains("damaged or was edited"), "{error}");

        let mut edited = round_trip(&export());
        edited.outbox[0].state = DeliveryState::Verified;
        assert!(edited.check("course").is_err());
    }

    #[test]
    fn a_foreign_or_newer_file_or_another_course_is_refused_by_name() {
        let mut foreign = export();
        foreign.format = "something-else".into();
        assert!(
            foreign
                .check("course")
                .unwrap_err()
                .0
                .contains("not a Specialist progress export")
        );
        let mut newer = export();
        newer.schema = 2;
        assert!(newer.check("course").unwrap_err().0.contains("schema 2"));
        let other = export().check("another-course").unwrap_err();
        assert!(other.0.contains("course \"course\""), "{other}");
    }

    #[test]
    fn records_of_another_course_inside_a_sealed_file_are_refused() {
        let mut export = export();
        export.exams[0].course = "elsewhere".into();
        export.checksum = export.digest().unwrap();
        assert!(export.check("course").unwrap_err().0.contains("elsewhere"));
    }
}
