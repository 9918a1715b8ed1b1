//! Reading the documents the reader and study builds need (the course manifest,
//! config.json, saved progress, exam standings, the glossary, the search index) from parsed
//! JSON without serde.
//!
//! In the app's wasm, serde's derived decoders are generic code inlined wherever a
//! document is read: these decoders (with `encode.rs`) took serde out of the reader and
//! study builds and 16 KB gzip off the critical path (bench/budget.toml). They are plain
//! functions over a [`Source`] (the app's wraps a `JsValue` from `Response.json` or
//! `JSON.parse`; the tests' is a [`Canonical`] that serde read).
//! Architecture invariant: each accepts exactly what the serde derive of the same type
//! accepts (missing `#[serde(default)]` fields default, `deny_unknown_fields` refuses
//! strangers, other unknown fields are ignored), which the tests check on the same
//! documents, and a refusal names the path of the first thing wrong
//! (`modules[1].lessons[0].minutes: expected a whole number from 0 to 4294967295`). Serde
//! stays the format's definition: the server, the publisher and the exports use it.

use std::collections::BTreeMap;
use std::fmt;

use crate::canonical::{Canonical, MAX_SAFE_INTEGER};
use crate::config::{CoBrand, Config};
use crate::exam::attempt::{
    AttemptStanding, ClockStanding, ExamStanding, ResultStanding, SubmissionStanding,
};
use crate::manifest::{
    ActivitySummary, CompletionRules, CourseManifest, ExamSummary, GlossaryEntry, LessonSummary,
    ModuleSummary, Objective,
};
use crate::progress::{LessonProgress, Progress};
use crate::search::SearchIndex;

/// A parsed JSON value the decoders can read.
pub trait Source: Sized {
    /// The member `key` of an object; `None` when absent (or when this is not an object).
    fn member(&self, key: &str) -> Option<Self>;
    /// The names of an object's members, in document order.
    fn member_names(&self) -> Vec<String>;
    /// A list's items; `None` when this is not a list.
    fn items(&self) -> Option<Vec<Self>>;
    /// Whether this is an object (not a list, not null).
    fn is_object(&self) -> bool;
    /// Whether this is null (or, in JavaScript, undefined).
    fn is_null(&self) -> bool;
    /// The text of a string.
    fn text(&self) -> Option<String>;
    /// The value of a number.
    fn number(&self) -> Option<f64>;
    /// The value of a boolean.
    fn boolean(&self) -> Option<bool>;
}

/// Why a document could not be read: where, and what was wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The path from the document's root, outermost first, as `[3]` or `.name` steps.
    path: Vec<String>,
    /// What was wrong there.
    problem: String,
}

impl DecodeError {
    fn new(problem: impl Into<String>) -> Self {
        Self {
            path: Vec::new(),
            problem: problem.into(),
        }
    }

    /// The same error, one step further from the root (the path grows as it unwinds).
    fn inside(mut self, step: String) -> Self {
        self.path.insert(0, step);
        self
    }

    // The generic decoders call these rather than format! themselves: one copy of each in
    // the wasm instead of one per decoded type.

    /// The same error, inside the object member `key`.
    fn in_member(self, key: &str) -> Self {
        self.inside(format!(".{key}"))
    }

    /// The same error, inside the list item `index`.
    fn in_item(self, index: usize) -> Self {
        self.inside(format!("[{index}]"))
    }

    /// The same error, inside the map entry `key`.
    fn in_entry(self, key: &str) -> Self {
        self.inside(format!("[“{key}”]"))
    }

    fn missing(key: &str) -> Self {
        Self::new(format!("missing field “{key}”"))
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.concat();
        match path.strip_prefix('.') {
            Some(path) => write!(formatter, "{path}: {}", self.problem),
            None if path.is_empty() => formatter.write_str(&self.problem),
            None => write!(formatter, "{path}: {}", self.problem),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A type the decoders can read from a [`Source`].
pub trait Decode<S: Source>: Sized {
    /// Reads a value of this type from `source`.
    fn decode(source: &S) -> Result<Self, DecodeError>;
}

/// Reads a whole document.
pub fn decode<T: Decode<S>, S: Source>(source: &S) -> Result<T, DecodeError> {
    T::decode(source)
}

/// An object being read member by member (also for the app's own small documents).
pub struct Object<'a, S> {
    source: &'a S,
}

impl<'a, S: Source> Object<'a, S> {
    /// Starts reading `source`, which must be an object.
    pub fn of(source: &'a S) -> Result<Self, DecodeError> {
        if source.is_object() {
            Ok(Self { source })
        } else {
            Err(DecodeError::new("expected an object"))
        }
    }

    /// A member that must be there (serde: a field without a default).
    pub fn required<T: Decode<S>>(&self, key: &str) -> Result<T, DecodeError> {
        match self.source.member(key) {
            Some(value) => T::decode(&value).map_err(|error| error.in_member(key)),
            None => Err(DecodeError::missing(key)),
        }
    }

    /// A member that defaults when absent (serde: `#[serde(default)]`).
    pub fn or_default<T: Decode<S> + Default>(&self, key: &str) -> Result<T, DecodeError> {
        match self.source.member(key) {
            Some(value) => T::decode(&value).map_err(|error| error.in_member(key)),
            None => Ok(T::default()),
        }
    }

    /// A member of `Option` type: absent or null is `None` (serde's rule for `Option`).
    pub fn optional<T: Decode<S>>(&self, key: &str) -> Result<Option<T>, DecodeError> {
        match self.source.member(key) {
            Some(value) if !value.is_null() => T::decode(&value)
                .map(Some)
                .map_err(|error| error.in_member(key)),
            _ => Ok(None),
        }
    }

    /// Refuses a member not in `known` (serde: `deny_unknown_fields`).
    pub fn only(&self, known: &[&str]) -> Result<(), DecodeError> {
        match self
            .source
            .member_names()
            .into_iter()
            .find(|name| !known.contains(&name.as_str()))
        {
            Some(name) => Err(DecodeError::new(format!(
                "unknown field “{name}”, expected one of {}",
                known.join(", ")
            ))),
            None => Ok(()),
        }
    }
}

impl<S: Source> Decode<S> for String {
    fn decode(source: &S) -> Result<Self, DecodeError> {
        source
            .text()
            .ok_or_else(|| DecodeError::new("expected a string"))
    }
}

impl<S: Source> Decode<S> for bool {
    fn decode(source: &S) -> Result<Self, DecodeError> {
        source
            .boolean()
            .ok_or_else(|| DecodeError::new("expected true or false"))
    }
}

impl<S: Source> Decode<S> for f64 {
    fn decode(source: &S) -> Result<Self, DecodeError> {
        source
            .number()
            .ok_or_else(|| DecodeError::new("expected a number"))
    }
}

/// A whole number from `minimum` to `maximum` (both exactly representable in f64).
fn whole_number<S: Source>(source: &S, minimum: i64, maximum: i64) -> Result<i64, DecodeError> {
    match source.number() {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "the value is whole and within ±2^53, so the cast is exact"
        )]
        Some(number)
            if number.fract() == 0.0 && number >= minimum as f64 && number <= maximum as f64 =>
        {
            Ok(number as i64)
        }
        _ => Err(DecodeError::new(format!(
            "expected a whole number from {minimum} to {maximum}"
        ))),
    }
}

/// Implements [`Decode`] for integer types through [`whole_number`]; 64-bit ones stop at
/// JavaScript's largest safe integer, beyond which a parsed number is not exact.
macro_rules! decode_integer {
    ($($integer:ty => $minimum:expr, $maximum:expr;)*) => {$(
        impl<S: Source> Decode<S> for $integer {
            fn decode(source: &S) -> Result<Self, DecodeError> {
                let value = whole_number(source, $minimum, $maximum)?;
                Ok(<$integer>::try_from(value).expect("within the bounds checked"))
            }
        }
    )*};
}

decode_integer!(
    u8 => 0, i64::from(u8::MAX);
    u16 => 0, i64::from(u16::MAX);
    u32 => 0, i64::from(u32::MAX);
    u64 => 0, MAX_SAFE_INTEGER;
    i64 => -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER;
);

// Plain loops rather than collecting into a Result: the iterator adapters and (for maps)
// the sort before a bulk build would be compiled once per item type.

impl<S: Source, T: Decode<S>> Decode<S> for Vec<T> {
    fn decode(source: &S) -> Result<Self, DecodeError> {
        let items = source
            .items()
            .ok_or_else(|| DecodeError::new("expected a list"))?;
        let mut decoded = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            decoded.push(T::decode(item).map_err(|error| error.in_item(index))?);
        }
        Ok(decoded)
    }
}

/// A list of exactly three items, as serde reads a tuple of three.
impl<S: Source, A: Decode<S>, B: Decode<S>, C: Decode<S>> Decode<S> for (A, B, C) {
    fn decode(source: &S) -> Result<Self, DecodeError> {
        match source.items().as_deref() {
            Some([first, second, third]) => Ok((
                A::decode(first).map_err(|error| error.in_item(0))?,
                B::decode(second).map_err(|error| error.in_item(1))?,
                C::decode(third).map_err(|error| error.in_item(2))?,
            )),
            _ => Err(DecodeError::new("expected a list of three")),
        }
    }
}

impl<S: Source, T: Decode<S>> Decode<S> for BTreeMap<String, T> {
    fn decode(source: &S) -> Result<Self, DecodeError> {
        Object::of(source)?;
        let mut decoded = BTreeMap::new();
        for name in source.member_names() {
            let value = source.member(&name).expect("a listed member");
            let value = T::decode(&value).map_err(|error| error.in_entry(&name))?;
            decoded.insert(name, value);
        }
        Ok(decoded)
    }
}

/// Implements [`Decode`] for a struct read member by member: each field names how
/// [`Object`] reads it (`required`, `or_default` or `optional`, after serde's rules), and
/// `only` refuses members other than the fields, as `deny_unknown_fields` does.
macro_rules! decode_object {
    (only $type:ident { $($field:ident: $how:ident),* $(,)? }) => {
        decode_object!(@impl $type [$(stringify!($field)),*] { $($field: $how),* });
    };
    ($type:ident { $($field:ident: $how:ident),* $(,)? }) => {
        decode_object!(@impl $type [] { $($field: $how),* });
    };
    (@impl $type:ident [$($known:expr),*] { $($field:ident: $how:ident),* }) => {
        impl<S: Source> Decode<S> for $type {
            fn decode(source: &S) -> Result<Self, DecodeError> {
                let object = Object::of(source)?;
                let known: &[&str] = &[$($known),*];
                if !known.is_empty() {
                    object.only(known)?;
                }
                Ok(Self { $($field: object.$how(stringify!($field))?),* })
            }
        }
    };
}

decode_object!(CourseManifest {
    format: required,
    id: required,
    version: required,
    content_hash: required,
    title: required,
    description: required,
    audience: required,
    language: required,
    target_minutes: required,
    total_minutes: required,
    objectives: required,
    modules: required,
    exams: required,
    completion: required,
    glossary_file: required,
    search_file: required,
});

decode_object!(Objective {
    id: required,
    module: required,
    text: required,
});

decode_object!(ModuleSummary {
    id: required,
    title: required,
    description: required,
    minutes: required,
    planned_minutes: or_default,
    planned: or_default,
    lessons: required,
});

decode_object!(LessonSummary {
    id: required,
    title: required,
    file: required,
    reading_minutes: required,
    activity_minutes: required,
    minutes: required,
    objectives: required,
    required: required,
    checks: required,
    activities: required,
});

decode_object!(ActivitySummary {
    id: required,
    title: required,
    minutes: required,
});

decode_object!(ExamSummary {
    id: required,
    title: required,
    file: required,
    question_count: required,
    time_limit_minutes: required,
    pass_mark_percent: required,
    attempts_allowed: or_default,
    planned: or_default,
});

decode_object!(CompletionRules {
    all_required_lessons: required,
    exams_passed: required,
});

decode_object!(GlossaryEntry {
    id: required,
    term: required,
    definition_html: required,
});

decode_object!(only Config {
    backend_url: or_default,
    co_brand: optional,
    locale: or_default,
    accommodation_percent: optional,
});

decode_object!(only CoBrand {
    name: or_default,
    logo_url: or_default,
    accent_colour: or_default,
});

decode_object!(SearchIndex {
    sections: required,
    terms: required,
});

decode_object!(Progress {
    schema: required,
    course: required,
    lessons: required,
    last_lesson: optional,
    seconds_on_task: required,
});

decode_object!(LessonProgress {
    reached_end: required,
    checks: required,
    scroll_permille: required,
    worksheets: required,
    seconds_on_task: required,
});

decode_object!(ExamStanding {
    schema: required,
    course: required,
    exam: required,
    attempts: required,
});

decode_object!(AttemptStanding {
    clock: required,
    submission: optional,
});

decode_object!(ClockStanding {
    started_wall_milliseconds: required,
    limit_milliseconds: required,
});

decode_object!(SubmissionStanding { result: required });

decode_object!(ResultStanding { passed: required });

/// A [`Canonical`] value reads like parsed JSON, so the tests (and any Rust caller) can run
/// the decoders on a document serde has read.
impl Source for Canonical {
    fn member(&self, key: &str) -> Option<Self> {
        self.get(key).cloned()
    }

    fn member_names(&self) -> Vec<String> {
        self.as_object()
            .map(|members| members.iter().map(|(name, _)| name.clone()).collect())
            .unwrap_or_default()
    }

    fn items(&self) -> Option<Vec<Self>> {
        self.as_list().map(<[Canonical]>::to_vec)
    }

    fn is_object(&self) -> bool {
        self.as_object().is_some()
    }

    fn is_null(&self) -> bool {
        *self == Canonical::Null
    }

    fn text(&self) -> Option<String> {
        self.as_text().map(str::to_string)
    }

    fn number(&self) -> Option<f64> {
        #[expect(
            clippy::cast_precision_loss,
            reason = "canonical integers are within ±2^53, exact in f64"
        )]
        self.as_integer().map(|number| number as f64)
    }

    fn boolean(&self) -> Option<bool> {
        match self {
            Canonical::Boolean(value) => Some(*value),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::json;

    use super::*;

    /// Decodes `json` both ways, asserts that the two agree, and returns the decoders' result.
    fn both<T>(json: serde_json::Value) -> Result<T, DecodeError>
    where
        T: Decode<Canonical> + DeserializeOwned + PartialEq + fmt::Debug,
    {
        let by_serde = serde_json::from_value::<T>(json.clone());
        let canonical: Canonical = serde_json::from_value(json).expect("integer-only JSON");
        let by_hand = decode::<T, _>(&canonical);
        match (&by_serde, &by_hand) {
            (Ok(serde), Ok(hand)) => assert_eq!(serde, hand),
            (Err(_), Err(_)) => {}
            _ => panic!("serde says {by_serde:?}, the decoder says {by_hand:?}"),
        }
        by_hand
    }

    fn manifest() -> serde_json::Value {
        json!({
            "format": 1, "id": "course", "version": "1.2.0", "content_hash": "ab",
            "title": "Course", "description": "About", "audience": "Everyone",
            "language": "en", "target_minutes": 60, "total_minutes": 58,
            "objectives": [{"id": "o1", "module": "m1", "text": "Explain"}],
            "modules": [
                {"id": "m1", "title": "One", "description": "", "minutes": 30,
                 "planned_minutes": 32, "lessons": [
                    {"id": "l1", "title": "First", "file": "lessons/l1-00.html",
                     "reading_minutes": 10, "activity_minutes": 6, "minutes": 16,
                     "objectives": ["o1"], "required": true, "checks": ["c1", "c2"],
                     "activities": [{"id": "a1", "title": "Triage", "minutes": 6}]}
                ]},
                {"id": "m2", "title": "Two", "description": "Later", "minutes": 0,
                 "planned": true, "lessons": [], "something_newer": [1, 2]}
            ],
            "exams": [{"id": "e1", "title": "Exam", "file": "exams/e1.json",
                       "question_count": 20, "time_limit_minutes": 30,
                       "pass_mark_percent": 70}],
            "completion": {"all_required_lessons": true, "exams_passed": ["e1"]},
            "glossary_file": "glossary.json", "search_file": "search.json"
        })
    }

    #[test]
    fn a_manifest_reads_as_serde_reads_it_defaults_and_unknown_fields_included() {
        let manifest = both::<CourseManifest>(manifest()).unwrap();
        assert_eq!(manifest.modules[0].lessons[0].activities[0].minutes, 6);
        assert!(manifest.modules[1].planned);
        assert_eq!(manifest.exams[0].attempts_allowed, 0);
    }

    #[test]
    fn a_refusal_names_the_path_of_what_is_wrong() {
        let mut bad = manifest();
        bad["modules"][0]["lessons"][0]["minutes"] = json!("ten");
        assert_eq!(
            both::<CourseManifest>(bad).unwrap_err().to_string(),
            "modules[0].lessons[0].minutes: expected a whole number from 0 to 4294967295"
        );
        let mut missing = manifest();
        missing["completion"]
            .as_object_mut()
            .unwrap()
            .remove("exams_passed");
        assert_eq!(
            both::<CourseManifest>(missing).unwrap_err().to_string(),
            "completion: missing field “exams_passed”"
        );
        assert_eq!(
            both::<CourseManifest>(json!([])).unwrap_err().to_string(),
            "expected an object"
        );
        let glossary = json!([
            {"id": "a", "term": "A", "definition_html": "<p>a</p>"},
            {"id": "b", "term": 2, "definition_html": ""}
        ]);
        assert_eq!(
            both::<Vec<GlossaryEntry>>(glossary)
                .unwrap_err()
                .to_string(),
            "[1].term: expected a string"
        );
    }

    #[test]
    fn numbers_out_of_range_or_not_whole_are_refused_as_serde_refuses_them() {
        for minutes in [
            json!(-1),
            json!(4_294_967_296_u64),
            json!(true),
            json!(null),
        ] {
            let mut bad = manifest();
            bad["total_minutes"] = minutes;
            assert!(both::<CourseManifest>(bad).is_err());
        }
        let mut bad = manifest();
        bad["modules"][0]["lessons"][0]["minutes"] = json!(16);
        assert!(both::<CourseManifest>(bad).is_ok());
    }

    #[test]
    fn progress_reads_as_serde_reads_it() {
        let progress = json!({
            "schema": 1, "course": "course", "seconds_on_task": 125,
            "last_lesson": "l1",
            "lessons": {
                "l1": {"reached_end": true, "checks": {"c1": [0, 2], "c2": []},
                       "scroll_permille": 1000,
                       "worksheets": {"a1": {"risk": "High", "why": ""}},
                       "seconds_on_task": 125}
            }
        });
        let read = both::<Progress>(progress.clone()).unwrap();
        assert_eq!(read.lessons["l1"].checks["c1"], vec![0, 2]);
        let mut no_last = progress.clone();
        no_last["last_lesson"] = json!(null);
        assert_eq!(both::<Progress>(no_last).unwrap().last_lesson, None);
        let mut absent = progress.clone();
        absent.as_object_mut().unwrap().remove("last_lesson");
        assert_eq!(both::<Progress>(absent).unwrap().last_lesson, None);
        let mut bad_option = progress.clone();
        bad_option["lessons"]["l1"]["checks"]["c1"] = json!([256]);
        assert_eq!(
            both::<Progress>(bad_option).unwrap_err().to_string(),
            "lessons[“l1”].checks[“c1”][0]: expected a whole number from 0 to 255"
        );
        let mut bad_scroll = progress;
        bad_scroll["lessons"]["l1"]["scroll_permille"] = json!(65_536);
        assert!(both::<Progress>(bad_scroll).is_err());
    }

    #[test]
    fn a_search_index_reads_its_triples_as_serde_reads_them() {
        let index = json!({
            "sections": [["l1", "Scope 3", "Purchased goods"], ["l2", "", "Refrigerants"]],
            "terms": [["t1", "LCA", "Life-cycle assessment"]]
        });
        assert_eq!(
            both::<SearchIndex>(index).unwrap().sections[1].2,
            "Refrigerants"
        );
        for bad in [
            json!([["l1", "Scope 3"]]),
            json!([["l1", "a", "b", "c"]]),
            json!([["l1", 3, "b"]]),
        ] {
            let index = json!({"sections": bad, "terms": []});
            assert!(both::<SearchIndex>(index).is_err());
        }
        assert_eq!(
            both::<SearchIndex>(json!({"sections": [["l1", 3, "b"]], "terms": []}))
                .unwrap_err()
                .to_string(),
            "sections[0][1]: expected a string"
        );
    }

    #[test]
    fn config_defaults_every_field_and_refuses_unknown_ones_as_serde_does() {
        assert_eq!(both::<Config>(json!({})).unwrap(), Config::default());
        let config = both::<Config>(json!({
            "backend_url": "https://example.org/",
            "co_brand": {"name": "Partner"},
            "accommodation_percent": 150
        }))
        .unwrap();
        assert_eq!(config.co_brand.unwrap().name, "Partner");
        assert_eq!(
            both::<Config>(json!({"co_brand": null})).unwrap(),
            Config::default()
        );
        assert_eq!(
            both::<Config>(json!({"backend": "x"}))
                .unwrap_err()
                .to_string(),
            "unknown field “backend”, expected one of backend_url, co_brand, locale, accommodation_percent"
        );
        assert!(both::<Config>(json!({"co_brand": {"colour": "#000000"}})).is_err());
    }

    #[test]
    fn an_exam_standing_reads_the_parts_of_a_record_it_needs() {
        let record = json!({
            "schema": 1, "course": "course", "exam": "e1", "content": "ignored",
            "attempts": [
                {"number": 1, "clock": {"started_wall_milliseconds": 1_700_000_000_000_i64,
                                        "limit_milliseconds": 1_800_000, "extra": 1},
                 "submission": {"result": {"passed": false, "score": 3}}},
                {"number": 2, "clock": {"started_wall_milliseconds": 1_700_000_900_000_i64,
                                        "limit_milliseconds": 1_800_000},
                 "submission": null}
            ]
        });
        let standing = both::<ExamStanding>(record).unwrap();
        assert!(!standing.passed());
        assert!(standing.in_flight(1_700_000_900_001));
    }
}
