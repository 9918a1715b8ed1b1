//! Talking to an LMS: the `Lms` trait the app uses, and the SCORM 1.2 and SCORM 2004
//! adapters over lms.js. Which standard is active is decided once, at start, by
//! [`detect`]; nothing outside this module and `crate::lms` knows which it is.

use specialist_core::lms::{Edition, Interaction, LmsReport, raw_score, scaled_score};
use specialist_core::suspend_data::{SCORM_12_LIMIT, SCORM_2004_LIMIT};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/platform/lms.js")]
extern "C" {
    #[wasm_bindgen(js_name = detect)]
    fn detect_edition() -> String;
    #[wasm_bindgen(js_name = lastError)]
    fn last_error() -> String;
    #[wasm_bindgen(js_name = initialize)]
    fn initialize_api() -> bool;
    #[wasm_bindgen(js_name = getValue)]
    fn get_value(element: &str) -> String;
    #[wasm_bindgen(js_name = setValue)]
    fn set_value(element: &str, value: &str) -> bool;
    #[wasm_bindgen(js_name = commit)]
    fn commit_api() -> bool;
    #[wasm_bindgen(js_name = terminate)]
    fn terminate_api() -> bool;
}

/// What the LMS says at launch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Launch {
    /// The LMS's learner id.
    pub learner_id: String,
    /// The learner's name as the LMS holds it (SCORM writes "Last, First").
    pub learner_name: String,
    /// The saved state (`cmi.suspend_data`), empty on a first launch.
    pub suspend_data: String,
    /// Browse or review: the learner looks, nothing is recorded.
    pub read_only: bool,
}

/// What the app reports: status and score, where the learner is, and the saved state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LmsState {
    /// Completion, success and score.
    pub report: LmsReport,
    /// The lesson the learner is on (`cmi.core.lesson_location` / `cmi.location`).
    pub location: String,
    /// The encoded snapshot.
    pub suspend_data: String,
}

/// An LMS session: one per launch.
pub trait Lms {
    /// The standard's vocabulary.
    fn edition(&self) -> Edition;
    /// The most characters `suspend_data` may hold.
    fn suspend_data_limit(&self) -> usize;
    /// Learner, saved state and mode, read once after initializing.
    fn launch(&self) -> Launch;
    /// Sets every value of `state` (no commit); false when the LMS refused one.
    fn write(&self, state: &LmsState) -> bool;
    /// Appends exam answers as interactions; false when the LMS refused one.
    fn write_interactions(&self, interactions: &[Interaction]) -> bool;
    /// Commits what was set.
    fn commit(&self) -> bool;
    /// Sets the state, the exit value and the session time, commits, and terminates.
    fn finish(&self, state: &LmsState, session_milliseconds: u64) -> bool;
}

/// The SCORM adapter for one edition; its element names differ, the calls do not.
pub struct Scorm {
    edition: Edition,
}

/// Finds an LMS in the windows around the app and initializes it: `None` standalone (or
/// when the LMS refuses to initialize, which is logged).
pub fn detect() -> Option<Box<dyn Lms>> {
    let edition = match detect_edition().as_str() {
        "scorm2004" => Edition::Scorm2004,
        "scorm12" => Edition::Scorm12,
        _ => return None,
    };
    if !initialize_api() {
        web_sys::console::warn_1(
            &format!(
                "Specialist: the LMS refused to initialize ({}); running without it",
                last_error()
            )
            .into(),
        );
        return None;
    }
    Some(Box::new(Scorm { edition }))
}

impl Scorm {
    fn name(&self, scorm12: &'static str, scorm2004: &'static str) -> &'static str {
        match self.edition {
            Edition::Scorm12 => scorm12,
            Edition::Scorm2004 => scorm2004,
        }
    }

    fn set_all(&self, values: &[(&str, String)]) -> bool {
        let mut all = true;
        for (element, value) in values {
            if !set_value(element, value) {
                web_sys::console::warn_1(
                    &format!(
                        "Specialist: the LMS refused {element} = {value:?} ({})",
                        last_error()
                    )
                    .into(),
                );
                all = false;
            }
        }
        all
    }

    fn values(&self, state: &LmsState) -> Vec<(&'static str, String)> {
        let report = &state.report;
        let mut values = match self.edition {
            Edition::Scorm12 => vec![(
                "cmi.core.lesson_status",
                report.scorm12_lesson_status().to_string(),
            )],
            Edition::Scorm2004 => vec![
                (
                    "cmi.completion_status",
                    report.completion_status().to_string(),
                ),
                ("cmi.success_status", report.success_status().to_string()),
                (
                    "cmi.progress_measure",
                    scaled_score(report.progress_permille * 10),
                ),
            ],
        };
        if let Some(score) = report.score_basis_points {
            values.push((self.name("cmi.core.score.min", "cmi.score.min"), "0".into()));
            values.push((
                self.name("cmi.core.score.max", "cmi.score.max"),
                "100".into(),
            ));
            values.push((
                self.name("cmi.core.score.raw", "cmi.score.raw"),
                raw_score(score),
            ));
            if self.edition == Edition::Scorm2004 {
                values.push(("cmi.score.scaled", scaled_score(score)));
            }
        }
        if !state.location.is_empty() {
            values.push((
                self.name("cmi.core.lesson_location", "cmi.location"),
                state.location.clone(),
            ));
        }
        values.push(("cmi.suspend_data", state.suspend_data.clone()));
        values
    }
}

impl Lms for Scorm {
    fn edition(&self) -> Edition {
        self.edition
    }

    fn suspend_data_limit(&self) -> usize {
        match self.edition {
            Edition::Scorm12 => SCORM_12_LIMIT,
            Edition::Scorm2004 => SCORM_2004_LIMIT,
        }
    }

    fn launch(&self) -> Launch {
        let mode = get_value(self.name("cmi.core.lesson_mode", "cmi.mode"));
        Launch {
            learner_id: get_value(self.name("cmi.core.student_id", "cmi.learner_id")),
            learner_name: get_value(self.name("cmi.core.student_name", "cmi.learner_name")),
            suspend_data: get_value("cmi.suspend_data"),
            read_only: mode == "browse" || mode == "review",
        }
    }

    fn write(&self, state: &LmsState) -> bool {
        self.set_all(&self.values(state))
    }

    fn write_interactions(&self, interactions: &[Interaction]) -> bool {
        let first: usize = get_value("cmi.interactions._count").parse().unwrap_or(0);
        let mut all = true;
        for (offset, interaction) in interactions.iter().enumerate() {
            let prefix = format!("cmi.interactions.{}", first + offset);
            let element = |name: &str| format!("{prefix}.{name}");
            all &= self.set_all(&[
                (&element("id"), interaction.id.clone()),
                (&element("type"), interaction.kind.to_string()),
                (&element("objectives.0.id"), interaction.objective.clone()),
                (
                    &element(self.name("student_response", "learner_response")),
                    interaction.response.clone(),
                ),
                (&element("result"), interaction.result.to_string()),
            ]);
        }
        all
    }

    fn commit(&self) -> bool {
        let committed = commit_api();
        if !committed {
            web_sys::console::warn_1(
                &format!("Specialist: the LMS commit failed ({})", last_error()).into(),
            );
        }
        committed
    }

    fn finish(&self, state: &LmsState, session_milliseconds: u64) -> bool {
        let done =
            state.report.completed && state.report.success == specialist_core::lms::Success::Passed;
        // Suspend keeps the attempt open for a relaunch until the course is done.
        let exit = match (self.edition, done) {
            (_, false) => "suspend",
            (Edition::Scorm12, true) => "",
            (Edition::Scorm2004, true) => "normal",
        };
        let session_time = match self.edition {
            Edition::Scorm12 => specialist_core::lms::cmi_timespan(session_milliseconds),
            Edition::Scorm2004 => specialist_core::lms::iso8601_duration(session_milliseconds),
        };
        let mut values = self.values(state);
        values.push((self.name("cmi.core.exit", "cmi.exit"), exit.to_string()));
        values.push((
            self.name("cmi.core.session_time", "cmi.session_time"),
            session_time,
        ));
        let written = self.set_all(&values);
        let committed = self.commit();
        let terminated = terminate_api();
        written && committed && terminated
    }
}
