//! Talking to an LMS: the `Lms` trait the app uses, the SCORM 1.2 and SCORM 2004 adapter
//! over lms.js, and the cmi5 adapter over cmi5.js. Which standard is active is decided
//! once, at start, by [`connect`]; nothing outside this module and `crate::lms` knows which.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use specialist_core::cmi5::{LaunchMode, Sent, Verb, mastery_basis_points, statements_for};
use specialist_core::lms::{
    Edition, Interaction, LmsReport, iso8601_duration, raw_score, scaled_score,
};
use specialist_core::outbox::{OutboxEntry, XAPI_STATEMENT};
use specialist_core::suspend_data::{SCORM_12_LIMIT, SCORM_2004_LIMIT};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::platform::{storage, time};

#[wasm_bindgen(module = "/src/platform/cmi5.js")]
extern "C" {
    #[wasm_bindgen(js_name = launched)]
    fn cmi5_launched() -> bool;
    #[wasm_bindgen(js_name = launch)]
    fn cmi5_launch() -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = statement)]
    fn cmi5_statement(
        verb: &str,
        display: &str,
        categories: Vec<String>,
        result_members: &str,
        mastery_score: &str,
    ) -> JsValue;
    #[wasm_bindgen(js_name = markSession)]
    fn cmi5_mark_session(name: &str);
}

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
    /// Settings the LMS passes, `name=value&…` (SCORM `cmi.launch_data`, cmi5
    /// `launchParameters`): they override config.json and the URL.
    pub launch_data: String,
    /// The LMS session this page belongs to already ended (a cmi5 page reloaded after its
    /// terminated statement): nothing more can be recorded until the LMS launches it again.
    pub ended: bool,
}

/// What the app reports: status and score, where the learner is, and the saved state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LmsState {
    /// Completion, success and score.
    pub report: LmsReport,
    /// The lesson the learner is on (`cmi.core.lesson_location` / `cmi.location`).
    pub location: String,
    /// The encoded snapshot; `None` leaves the LMS's copy as it is.
    pub suspend_data: Option<String>,
}

/// An LMS session: one per launch.
pub trait Lms {
    /// The SCORM vocabulary for interactions; `None` where the standard keeps none.
    fn interaction_edition(&self) -> Option<Edition>;
    /// The most characters `suspend_data` may hold; `None` where there is none.
    fn suspend_data_limit(&self) -> Option<usize>;
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
    /// Records to send through the outbox, made since the last call (cmi5 statements).
    fn take_records(&self) -> Vec<OutboxEntry> {
        Vec::new()
    }
    /// Where the LMS wants the learner to go on exit, when it says.
    fn return_url(&self) -> Option<String> {
        None
    }
}

/// The SCORM adapter for one edition; its element names differ, the calls do not.
pub struct Scorm {
    edition: Edition,
    /// Launched to browse or review: on finishing, only the session time is set.
    read_only: Cell<bool>,
}

/// Connects to the LMS that launched the app: cmi5 when the launch parameters say so, else
/// a SCORM API in the windows around the app; `None` standalone, or when the LMS refuses
/// the connection (logged).
pub async fn connect() -> Option<Rc<dyn Lms>> {
    if cmi5_launched() {
        return match Cmi5::launch().await {
            Ok(cmi5) => Some(Rc::new(cmi5)),
            Err(error) => {
                web_sys::console::error_1(
                    &format!(
                        "Specialist: the cmi5 launch failed ({error}); nothing will be recorded"
                    )
                    .into(),
                );
                None
            }
        };
    }
    detect().map(|scorm| Rc::new(scorm) as Rc<dyn Lms>)
}

/// Finds a SCORM API in the windows around the app and initializes it.
fn detect() -> Option<Scorm> {
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
    Some(Scorm {
        edition,
        read_only: Cell::new(false),
    })
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
        if let Some(suspend_data) = &state.suspend_data {
            values.push(("cmi.suspend_data", suspend_data.clone()));
        }
        values
    }
}

impl Lms for Scorm {
    fn interaction_edition(&self) -> Option<Edition> {
        Some(self.edition)
    }

    fn suspend_data_limit(&self) -> Option<usize> {
        Some(match self.edition {
            Edition::Scorm12 => SCORM_12_LIMIT,
            Edition::Scorm2004 => SCORM_2004_LIMIT,
        })
    }

    fn launch(&self) -> Launch {
        let mode = get_value(self.name("cmi.core.lesson_mode", "cmi.mode"));
        self.read_only.set(mode == "browse" || mode == "review");
        Launch {
            learner_id: get_value(self.name("cmi.core.student_id", "cmi.learner_id")),
            learner_name: get_value(self.name("cmi.core.student_name", "cmi.learner_name")),
            suspend_data: get_value("cmi.suspend_data"),
            read_only: mode == "browse" || mode == "review",
            launch_data: get_value("cmi.launch_data"),
            ended: false,
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
            let mut values = vec![
                (element("id"), interaction.id.clone()),
                (element("type"), interaction.kind.to_string()),
                (element("objectives.0.id"), interaction.objective.clone()),
            ];
            // An unanswered question has no response to record (SCORM refuses an empty one).
            if !interaction.response.is_empty() {
                values.push((
                    element(self.name("student_response", "learner_response")),
                    interaction.response.clone(),
                ));
            }
            values.push((element("result"), interaction.result.to_string()));
            let values: Vec<(&str, String)> = values
                .iter()
                .map(|(name, value)| (name.as_str(), value.clone()))
                .collect();
            all &= self.set_all(&values);
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
            Edition::Scorm2004 => iso8601_duration(session_milliseconds),
        };
        // A browse or review launch changes nothing but the time spent.
        let mut values = if self.read_only.get() {
            Vec::new()
        } else {
            let mut values = self.values(state);
            values.push((self.name("cmi.core.exit", "cmi.exit"), exit.to_string()));
            values
        };
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

/// What a cmi5 launch told us.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cmi5Launch {
    endpoint: String,
    token: String,
    registration: String,
    learner_id: String,
    learner_name: String,
    launch_mode: String,
    mastery_score: String,
    return_url: String,
    launch_parameters: String,
    session_id: String,
    /// This launch already sent initialized (the page was reloaded).
    initialized: bool,
    /// This launch already sent terminated: nothing more may be sent.
    terminated: bool,
}

/// The cmi5 adapter: statements decided by core, built on the LMS's context template, and
/// handed to the outbox, which PUTs them to the LRS by id (so a resend is harmless).
pub struct Cmi5 {
    launch: Cmi5Launch,
    mode: LaunchMode,
    mastery_basis_points: Option<u32>,
    sent: RefCell<Sent>,
    started_monotonic: u64,
    /// Creation times strictly increase, so the outbox sends in the order made.
    last_created: Cell<i64>,
    records: RefCell<Vec<OutboxEntry>>,
}

impl Cmi5 {
    async fn launch() -> Result<Self, String> {
        let value = JsFuture::from(cmi5_launch()).await.map_err(|error| {
            error
                .dyn_ref::<web_sys::js_sys::Error>()
                .map(|error| String::from(error.message()))
                .unwrap_or_else(|| "unknown error".into())
        })?;
        let launch: Cmi5Launch =
            serde_wasm_bindgen::from_value(value).map_err(|error| error.to_string())?;
        let mode = LaunchMode::parse(&launch.launch_mode);
        let mastery = mastery_basis_points(&launch.mastery_score);
        let sent = storage::load_value(&sent_key(&launch.registration)).unwrap_or_default();
        let cmi5 = Self {
            mode,
            mastery_basis_points: mastery,
            sent: RefCell::new(sent),
            started_monotonic: time::monotonic_milliseconds(),
            last_created: Cell::new(0),
            records: RefCell::new(Vec::new()),
            launch,
        };
        cmi5.abandon_other_sessions().await;
        if !cmi5.launch.initialized && !cmi5.launch.terminated {
            cmi5.record(Verb::Initialized);
            cmi5_mark_session("initialized");
        }
        Ok(cmi5)
    }

    /// Statements still queued from an earlier session can no longer be sent: its token is
    /// gone and the LMS has closed that session. They are set aside with the reason, and
    /// a completion or verdict among them is sent again in this session.
    async fn abandon_other_sessions(&self) {
        let Ok(entries) = crate::platform::vault::outbox_entries().await else {
            return;
        };
        for mut entry in entries.into_iter().filter(|entry| {
            entry.kind == XAPI_STATEMENT
                && entry.state == specialist_core::outbox::DeliveryState::Queued
                && entry.url.starts_with(&self.launch.endpoint)
                && (self.launch.session_id.is_empty()
                    || !entry.body.contains(&self.launch.session_id))
        }) {
            {
                let mut sent = self.sent.borrow_mut();
                if entry.body.contains(Verb::Completed.iri()) {
                    sent.completed = false;
                }
                if entry.body.contains("/verbs/passed") || entry.body.contains("/verbs/failed") {
                    sent.judged = false;
                }
            }
            entry.state = specialist_core::outbox::DeliveryState::Rejected;
            entry.last_error =
                Some("its LMS session ended before it could be sent; sent again if needed".into());
            let _ = crate::platform::vault::save_entry(&entry).await;
        }
    }

    fn record(&self, verb: Verb) {
        let duration =
            iso8601_duration(time::monotonic_milliseconds().saturating_sub(self.started_monotonic));
        let categories = verb.categories().into_iter().map(str::to_string).collect();
        let mastery = if verb.carries_mastery_score() {
            self.launch.mastery_score.as_str()
        } else {
            ""
        };
        let made = cmi5_statement(
            verb.iri(),
            verb.display(),
            categories,
            &verb.result_members(&duration),
            mastery,
        );
        let field = |name: &str| {
            web_sys::js_sys::Reflect::get(&made, &name.into())
                .ok()
                .and_then(|value| value.as_string())
                .unwrap_or_default()
        };
        let id = field("id");
        let created = time::wall_milliseconds().max(self.last_created.get() + 1);
        self.last_created.set(created);
        let mut entry = OutboxEntry::queued(
            id.clone(),
            XAPI_STATEMENT,
            format!("{}statements?statementId={id}", self.launch.endpoint),
            field("body"),
            created,
        );
        entry.method = "PUT".into();
        entry.headers = vec![
            (
                "Authorization".into(),
                format!("Basic {}", self.launch.token),
            ),
            ("X-Experience-API-Version".into(), "1.0.3".into()),
        ];
        self.records.borrow_mut().push(entry);
    }
}

fn sent_key(registration: &str) -> String {
    format!("specialist.cmi5.sent.{registration}")
}

impl Lms for Cmi5 {
    fn interaction_edition(&self) -> Option<Edition> {
        None
    }

    fn suspend_data_limit(&self) -> Option<usize> {
        None
    }

    fn launch(&self) -> Launch {
        Launch {
            learner_id: self.launch.learner_id.clone(),
            learner_name: self.launch.learner_name.clone(),
            suspend_data: String::new(),
            // A launch that already terminated (its page reloaded) records nothing more.
            read_only: self.mode != LaunchMode::Normal || self.launch.terminated,
            launch_data: self.launch.launch_parameters.clone(),
            ended: self.launch.terminated,
        }
    }

    fn write(&self, state: &LmsState) -> bool {
        if self.launch.terminated {
            return true;
        }
        let verbs = statements_for(
            &state.report,
            self.mode,
            self.mastery_basis_points,
            &mut self.sent.borrow_mut(),
        );
        if !verbs.is_empty() {
            for verb in verbs {
                self.record(verb);
            }
            let _ = storage::save_value(&sent_key(&self.launch.registration), &*self.sent.borrow());
        }
        true
    }

    fn write_interactions(&self, _interactions: &[Interaction]) -> bool {
        true
    }

    fn commit(&self) -> bool {
        true
    }

    fn finish(&self, state: &LmsState, _session_milliseconds: u64) -> bool {
        if self.launch.terminated {
            return true;
        }
        self.write(state);
        self.record(Verb::Terminated);
        cmi5_mark_session("terminated");
        true
    }

    fn take_records(&self) -> Vec<OutboxEntry> {
        std::mem::take(&mut *self.records.borrow_mut())
    }

    fn return_url(&self) -> Option<String> {
        (!self.launch.return_url.is_empty()).then(|| self.launch.return_url.clone())
    }
}
