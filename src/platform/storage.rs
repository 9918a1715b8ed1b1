//! Saving and loading the learner's progress in the browser's local storage.
//!
//! Progress is small and every change must be durable before the UI says so, so it is
//! written synchronously to localStorage as JSON, under a key per course. Data that cannot
//! be read (damaged, from another schema) is moved aside, never deleted, so the learner
//! can download it.

use serde::Serialize;
use serde::de::DeserializeOwned;
use specialist_core::decode::Decode;
use specialist_core::encode::progress_json;
use specialist_core::exam::attempt::{Attempt, ExamRecord, ExamStanding, record_mismatch};
use specialist_core::progress::{PROGRESS_SCHEMA, Progress};
use wasm_bindgen::JsValue;
use web_sys::js_sys::JSON;

use crate::platform::fetch::{self, Parsed};

fn storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .and_then(|window| window.local_storage().ok().flatten())
        .ok_or_else(|| "this browser does not allow the course to store progress (private mode or storage disabled)".to_string())
}

fn progress_key(course: &str) -> String {
    format!("specialist.{course}.progress")
}

fn unreadable_key(course: &str) -> String {
    format!("specialist.{course}.unreadable")
}

/// What loading found.
pub struct Loaded {
    /// The progress to continue with (fresh when nothing readable was stored).
    pub progress: Progress,
    /// Stored data that could not be read, kept for download, with the reason.
    pub unreadable: Option<Unreadable>,
}

/// Stored progress that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    /// Why it could not be read.
    pub reason: String,
    /// The data exactly as it was stored.
    pub raw: String,
}

fn parse_json<T: DeserializeOwned>(raw: &str) -> Result<T, String> {
    parse_with(raw, serde_wasm_bindgen::from_value)
}

/// [`parse_json`] for the documents every build reads (progress, exam standings), through
/// specialist-core's decoders rather than serde (see `fetch::Parsed`).
fn parse_decoded<T: Decode<Parsed>>(raw: &str) -> Result<T, String> {
    parse_with(raw, fetch::decode)
}

/// Parses `raw` as JSON and reads it with `read`, saying which of the two failed.
fn parse_with<T, E: std::fmt::Display>(
    raw: &str,
    read: impl FnOnce(JsValue) -> Result<T, E>,
) -> Result<T, String> {
    let value = JSON::parse(raw).map_err(|_| "the saved data is not valid JSON".to_string())?;
    read(value).map_err(|error| format!("the saved data has an unexpected shape ({error})"))
}

fn to_json<T: Serialize>(value: &T) -> Result<String, String> {
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| format!("the data could not be encoded: {error}"))?;
    Ok(JSON::stringify(&value)
        .map_err(|_| "the data could not be encoded".to_string())?
        .into())
}

/// Reads `key` through `parse`. Data that `parse` refuses is moved to `aside_key` (so the
/// next save cannot overwrite it) and returned as unreadable; nothing stored is `Ok(None)`.
fn read_or_set_aside<T>(
    storage: &web_sys::Storage,
    key: &str,
    aside_key: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, Unreadable> {
    let Some(raw) = storage.get_item(key).ok().flatten() else {
        return Ok(None);
    };
    match parse(&raw) {
        Ok(value) => Ok(Some(value)),
        Err(reason) => {
            let _ = storage.set_item(aside_key, &raw);
            let _ = storage.remove_item(key);
            Err(Unreadable { reason, raw })
        }
    }
}

/// Writes `value` as JSON under `key`; `refused` says what could not be stored.
fn write<T: Serialize>(key: &str, value: &T, refused: &str) -> Result<(), String> {
    write_text(key, &to_json(value)?, refused)
}

/// Writes JSON `text` under `key`; `refused` says what could not be stored.
fn write_text(key: &str, text: &str, refused: &str) -> Result<(), String> {
    storage()?
        .set_item(key, text)
        .map_err(|_| format!("the browser refused to store {refused} (storage full or disabled)"))
}

fn parse(course: &str, raw: &str) -> Result<Progress, String> {
    let progress: Progress = parse_decoded(raw)?;
    if progress.schema != PROGRESS_SCHEMA {
        return Err(format!(
            "the saved data uses schema {}, this version reads schema {PROGRESS_SCHEMA}",
            progress.schema
        ));
    }
    if progress.course != course {
        return Err(format!(
            "the saved data belongs to course {:?}",
            progress.course
        ));
    }
    Ok(progress)
}

/// Loads progress for `course`. Unreadable data is moved to a separate key (so the next
/// save cannot overwrite it) and reported; the learner starts fresh.
pub fn load(course: &str) -> Loaded {
    let fresh = || Progress::new(course);
    let Ok(storage) = storage() else {
        return Loaded {
            progress: fresh(),
            unreadable: None,
        };
    };
    let kept_aside = storage
        .get_item(&unreadable_key(course))
        .ok()
        .flatten()
        .map(|raw| Unreadable {
            reason: "earlier saved data could not be read".into(),
            raw,
        });
    match read_or_set_aside(
        &storage,
        &progress_key(course),
        &unreadable_key(course),
        |raw| parse(course, raw),
    ) {
        Ok(progress) => Loaded {
            progress: progress.unwrap_or_else(fresh),
            unreadable: kept_aside,
        },
        Err(unreadable) => Loaded {
            progress: fresh(),
            unreadable: Some(unreadable),
        },
    }
}

/// Saves progress; an error says why it could not be saved (quota, storage disabled).
pub fn save(progress: &Progress) -> Result<(), String> {
    // Written without serde, as serde would write it (core/src/encode.rs).
    write_text(
        &progress_key(&progress.course),
        &progress_json(progress),
        "progress",
    )
}

/// Forgets the unreadable data once the learner has dismissed it.
pub fn discard_unreadable(course: &str) {
    if let Ok(storage) = storage() {
        let _ = storage.remove_item(&unreadable_key(course));
    }
}

fn exam_key(course: &str, exam: &str) -> String {
    format!("specialist.{course}.exam.{exam}")
}

/// What loading an exam's record found.
pub struct LoadedRecord {
    /// The record to continue with (empty when nothing readable was stored).
    pub record: ExamRecord,
    /// Stored data that could not be read; it is kept under a separate key.
    pub unreadable: Option<Unreadable>,
}

/// Loads the saved attempts at `exam`. Unreadable data is moved aside, as for progress.
pub fn load_exam_record(course: &str, exam: &str) -> LoadedRecord {
    let key = exam_key(course, exam);
    let parse = |raw: &str| {
        let record: ExamRecord = parse_json(raw)?;
        match record_mismatch(record.schema, &record.course, &record.exam, course, exam) {
            Some(reason) => Err(reason),
            None => Ok(record),
        }
    };
    let read = storage().map_or(Ok(None), |storage| {
        read_or_set_aside(&storage, &key, &format!("{key}.unreadable"), parse)
    });
    match read {
        Ok(record) => LoadedRecord {
            record: record.unwrap_or_else(|| ExamRecord::new(course, exam)),
            unreadable: None,
        },
        Err(unreadable) => LoadedRecord {
            record: ExamRecord::new(course, exam),
            unreadable: Some(unreadable),
        },
    }
}

/// Saves an exam's record; an error says why it could not be saved.
pub fn save_exam_record(record: &ExamRecord) -> Result<(), String> {
    write(
        &exam_key(&record.course, &record.exam),
        record,
        "your answers",
    )
}

fn practice_key(course: &str, exam: &str) -> String {
    format!("specialist.{course}.practice.{exam}")
}

/// The saved practice set at `exam`; unreadable practice is simply started afresh (it never counts).
pub fn load_practice(course: &str, exam: &str) -> Option<Attempt> {
    storage()
        .ok()?
        .get_item(&practice_key(course, exam))
        .ok()
        .flatten()
        .and_then(|raw| parse_json(&raw).ok())
}

/// Saves the practice set at `exam`.
pub fn save_practice(course: &str, attempt: &Attempt) -> Result<(), String> {
    write(
        &practice_key(course, &attempt.exam),
        attempt,
        "your practice answers",
    )
}

const PROFILE_KEY: &str = "specialist.profile";

/// The learner's saved profile (name, email, organisation, and the device-drawn id), if
/// any. A damaged profile is set aside like progress is, and the form starts empty.
pub fn load_profile() -> Option<specialist_core::certificate::Learner> {
    let storage = storage().ok()?;
    read_or_set_aside(
        &storage,
        PROFILE_KEY,
        "specialist.profile.unreadable",
        parse_json,
    )
    .ok()
    .flatten()
}

/// Saves the learner's profile.
pub fn save_profile(profile: &specialist_core::certificate::Learner) -> Result<(), String> {
    write(PROFILE_KEY, profile, "your profile")
}

/// The saved records of `exams`, read without side effects (unreadable ones are skipped
/// and left for the exam page to report).
pub fn exam_records(course: &str, exams: &[String]) -> Vec<ExamRecord> {
    let Ok(storage) = storage() else {
        return Vec::new();
    };
    exams
        .iter()
        .filter_map(|exam| {
            storage
                .get_item(&exam_key(course, exam))
                .ok()
                .flatten()
                .and_then(|raw| parse_json::<ExamRecord>(&raw).ok())
        })
        .collect()
}

/// Whether an exam of `course` was passed and whether an attempt is in flight, read without
/// parsing its attempts whole (`ExamStanding`); nothing saved, or unreadable, reads as neither
/// (the exam page reports an unreadable record and sets it aside).
pub fn exam_standing(course: &str, exam: &str) -> ExamStanding {
    storage()
        .ok()
        .and_then(|storage| storage.get_item(&exam_key(course, exam)).ok().flatten())
        .and_then(|raw| parse_decoded::<ExamStanding>(&raw).ok())
        .filter(|standing| standing.is_record_of(course, exam))
        .unwrap_or_default()
}

/// Whether any exam of `course` (of those in `exams`) has an attempt in flight at
/// `now_wall`: open and before its deadline (one left past it is submitted, on whichever
/// version opens it, with the answers it already holds).
pub fn attempt_in_flight(course: &str, exams: &[String], now_wall: i64) -> bool {
    exams
        .iter()
        .any(|exam| exam_standing(course, exam).in_flight(now_wall))
}

/// Everything saved for `course` in local storage, for an export: progress, each exam's
/// record and practice set (of those in `exams`), and the profile.
pub fn saved_state(
    course: &str,
    exams: &[String],
) -> (
    Progress,
    Vec<ExamRecord>,
    Vec<Attempt>,
    Option<specialist_core::certificate::Learner>,
) {
    let progress = load(course).progress;
    let records = exams
        .iter()
        .map(|exam| load_exam_record(course, exam).record)
        .filter(|record| !record.attempts.is_empty())
        .collect();
    let practice = exams
        .iter()
        .filter_map(|exam| load_practice(course, exam))
        .collect();
    (progress, records, practice, load_profile())
}

/// What local storage held under some keys before a change, to put back.
pub struct SavedKeys(Vec<(String, Option<String>)>);

fn put_keys(
    storage: &web_sys::Storage,
    values: &[(String, Option<String>)],
) -> Result<(), JsValue> {
    values.iter().try_for_each(|(key, value)| match value {
        Some(value) => storage.set_item(key, value),
        None => storage.remove_item(key),
    })
}

/// Replaces what is saved for `course` with an imported export's progress, attempts,
/// practice and profile. Every value is encoded before anything is written, and should the
/// browser refuse a write, every key is put back as it was: an import is all or nothing.
/// Returns the previous values, so a later step that fails can put them back too.
pub fn replace_saved_state(
    export: &specialist_core::backup::ProgressExport,
    exams: &[String],
) -> Result<SavedKeys, String> {
    let course = export.course.as_str();
    let mut writes: Vec<(String, Option<String>)> =
        vec![(progress_key(course), Some(progress_json(&export.progress)))];
    for exam in exams {
        let record = export.exams.iter().find(|record| &record.exam == exam);
        writes.push((exam_key(course, exam), record.map(to_json).transpose()?));
        let practice = export.practice.iter().find(|attempt| &attempt.exam == exam);
        writes.push((
            practice_key(course, exam),
            practice.map(to_json).transpose()?,
        ));
    }
    if let Some(profile) = &export.profile {
        writes.push((PROFILE_KEY.to_string(), Some(to_json(profile)?)));
    }
    let storage = storage()?;
    let before: Vec<(String, Option<String>)> = writes
        .iter()
        .map(|(key, _)| (key.clone(), storage.get_item(key).ok().flatten()))
        .collect();
    if put_keys(&storage, &writes).is_err() {
        let _ = put_keys(&storage, &before);
        return Err(
            "the browser refused to store the imported progress (storage full?); nothing was changed"
                .into(),
        );
    }
    Ok(SavedKeys(before))
}

/// Puts keys back as they were before [`replace_saved_state`].
pub fn restore_saved_keys(saved: SavedKeys) {
    if let Ok(storage) = storage() {
        let _ = put_keys(&storage, &saved.0);
    }
}

/// An export as the JSON text of its file.
pub fn export_text(export: &specialist_core::backup::ProgressExport) -> Result<String, String> {
    to_json(export)
}

/// Reads an export file's text, naming what is wrong when it is not one.
pub fn parse_export(text: &str) -> Result<specialist_core::backup::ProgressExport, String> {
    let value = JSON::parse(text)
        .map_err(|_| "the file is not JSON (it may be damaged or cut short)".to_string())?;
    serde_wasm_bindgen::from_value(value).map_err(|error| {
        format!("the file is not a progress export that this version can read ({error})")
    })
}

/// A small value saved as JSON under `key` (cmi5's sent flags), if readable.
pub fn load_value<T: DeserializeOwned>(key: &str) -> Option<T> {
    storage()
        .ok()?
        .get_item(key)
        .ok()
        .flatten()
        .and_then(|raw| parse_json(&raw).ok())
}

/// Saves a small value as JSON under `key`.
pub fn save_value<T: Serialize>(key: &str, value: &T) -> Result<(), String> {
    write(key, value, key)
}
