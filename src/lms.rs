//! The LMS session's shell: at start it finds the LMS, restores what the LMS kept (the LMS
//! wins over this device's older state) and the learner's name; afterwards it reports
//! status, score, location and the saved state as core's commit policy says — at once on
//! a status or score change, at most every 30 seconds otherwise, when the page is hidden —
//! writes each submitted attempt's answers as interactions, and finishes the session
//! (exit, session time, commit, terminate, once) when the page goes away. Standalone, it
//! does nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use leptos::prelude::*;
use specialist_core::certificate::Learner as Profile;
use specialist_core::exam::attempt::{ExamRecord, HeldAttempt};
use specialist_core::exam::published::PublishedExam;
use specialist_core::lms::{
    Action, CommitPolicy, LmsReport, Trigger, display_name, interactions, report,
};
use specialist_core::manifest::{COURSE_FOLDER, CourseManifest};
use specialist_core::suspend_data::{Snapshot, decode, encode, structure_hash};

use crate::outbox::Outbox;
use crate::platform::lms::{Launch, Lms, LmsState};
use crate::platform::{fetch, storage, time, vault};
use crate::route::Route;
use crate::state::{Course, Learner};

struct Session {
    lms: Rc<dyn Lms>,
    outbox: Outbox,
    policy: CommitPolicy,
    started_monotonic: u64,
    started_wall: i64,
    last_report: Option<LmsReport>,
    /// Attempts whose answers were written as interactions in this session.
    reported_attempts: BTreeSet<(String, u32)>,
    /// The published exams by id, fetched when the session starts (and again when a fetch
    /// failed and answers wait), so that the answers of an attempt submitted just before
    /// the page goes away are still written on pagehide, where nothing can wait for a fetch.
    exams: BTreeMap<String, Rc<PublishedExam>>,
    /// The exams whose file is being fetched or has arrived.
    exams_requested: BTreeSet<String>,
    /// Each exam's published file, relative to index.html.
    exam_files: BTreeMap<String, String>,
    /// What the LMS held at launch: its attempts keep counting even when this device
    /// never saw them.
    lms_snapshot: Option<Snapshot>,
    /// The LMS's saved state could not be read: it is never overwritten in this session.
    keep_lms_state: bool,
    /// The course's exam ids in manifest order (the snapshot's exam positions).
    exam_ids: Vec<String>,
}

/// The LMS session, when the app was launched by one.
#[derive(Clone, Copy)]
pub struct LmsSession {
    session: StoredValue<Option<Session>, LocalStorage>,
    /// Launched in browse or review mode: nothing is recorded.
    pub read_only: bool,
    /// The LMS session ended already (a cmi5 page reloaded after terminating).
    pub ended: bool,
}

impl LmsSession {
    /// Takes the LMS connection and what it said at launch (if any); restores what the LMS kept into this device's
    /// storage before the learner's state is loaded, and takes the learner's name for the
    /// certificate profile.
    pub fn start(
        manifest: &CourseManifest,
        connection: Option<(Rc<dyn Lms>, Launch)>,
        outbox: Outbox,
    ) -> Self {
        let Some((lms, launch)) = connection else {
            return Self {
                session: StoredValue::new_local(None),
                read_only: false,
                ended: false,
            };
        };
        let mut lms_snapshot = None;
        let mut keep_lms_state = false;
        if !launch.suspend_data.is_empty() {
            match decode(&launch.suspend_data, structure_hash(manifest)) {
                Ok(snapshot) => {
                    let device = storage::load(&manifest.id).progress;
                    let restored = snapshot.restore_progress(manifest, &device);
                    if let Err(error) = storage::save(&restored) {
                        web_sys::console::warn_1(
                            &format!(
                                "Specialist: the LMS's progress could not be saved here: {error}"
                            )
                            .into(),
                        );
                    }
                    lms_snapshot = Some(snapshot);
                }
                Err(error) => {
                    keep_lms_state = true;
                    web_sys::console::warn_1(
                        &format!(
                            "Specialist: the LMS's saved state could not be read ({error}); continuing with this device's, and leaving the LMS's as it is"
                        )
                        .into(),
                    );
                }
            }
        }
        if storage::load_profile().is_none() && !launch.learner_name.trim().is_empty() {
            let profile = Profile {
                id: launch.learner_id.clone(),
                name: display_name(&launch.learner_name),
                email: String::new(),
                organisation: String::new(),
            };
            let _ = storage::save_profile(&profile);
        }
        let session = Self {
            session: StoredValue::new_local(Some(Session {
                lms,
                outbox,
                policy: CommitPolicy::default(),
                started_monotonic: time::monotonic_milliseconds(),
                started_wall: time::wall_milliseconds(),
                last_report: None,
                reported_attempts: BTreeSet::new(),
                exams: BTreeMap::new(),
                exams_requested: BTreeSet::new(),
                exam_files: manifest
                    .exams
                    .iter()
                    .map(|exam| (exam.id.clone(), format!("{COURSE_FOLDER}{}", exam.file)))
                    .collect(),
                lms_snapshot,
                keep_lms_state,
                exam_ids: manifest.exams.iter().map(|exam| exam.id.clone()).collect(),
            })),
            read_only: launch.read_only,
            ended: launch.ended,
        };
        session.send_records(false);
        session
    }

    /// The session from context.
    pub fn use_context() -> Self {
        expect_context::<Self>()
    }

    /// The submitted attempts at `exam` the LMS held at launch (some perhaps taken on another
    /// device), for the exam's availability.
    pub fn held_attempts(&self, exam: &str) -> Vec<HeldAttempt> {
        self.session.with_value(|session| {
            let Some(session) = session else {
                return Vec::new();
            };
            let Some(snapshot) = &session.lms_snapshot else {
                return Vec::new();
            };
            session
                .exam_ids
                .iter()
                .zip(&snapshot.exams)
                .filter(|(id, _)| id.as_str() == exam)
                .flat_map(|(_, exam)| &exam.attempts)
                .filter_map(|attempt| {
                    attempt.outcome.map(|outcome| HeldAttempt {
                        number: attempt.number,
                        submitted_wall: outcome.wall_milliseconds,
                        passed: outcome.passed,
                    })
                })
                .collect()
        })
    }

    /// Where the LMS wants the learner to go on exit, when it says (cmi5's returnURL).
    pub fn return_url(&self) -> Option<String> {
        self.session.with_value(|session| {
            session
                .as_ref()
                .and_then(|session| session.lms.return_url())
        })
    }

    /// Hands the adapter's new records (cmi5 statements) to the outbox, in order. As the page
    /// goes away there is no time to save first: they are also sent at once with keepalive.
    fn send_records(self, leaving: bool) {
        let Some((records, outbox)) = self.session.with_value(|session| {
            session
                .as_ref()
                .map(|session| (session.lms.take_records(), session.outbox))
        }) else {
            return;
        };
        if records.is_empty() {
            return;
        }
        if leaving {
            // One ordered batch: what is still queued, then these (an LRS takes an array).
            let mut batch: Vec<_> = outbox.entries.with_untracked(|entries| {
                entries
                    .iter()
                    .filter(|entry| {
                        entry.kind == specialist_core::outbox::XAPI_STATEMENT
                            && entry.state == specialist_core::outbox::DeliveryState::Queued
                    })
                    .cloned()
                    .collect()
            });
            batch.extend(records.iter().cloned());
            vault::send_statements_on_exit(&batch);
        }
        leptos::task::spawn_local(async move {
            for record in records {
                if let Err(error) = outbox.queue(record).await {
                    web_sys::console::warn_1(
                        &format!("Specialist: an LMS record could not be queued: {error}").into(),
                    );
                }
            }
        });
    }

    /// Ends the session properly and goes to the LMS's return address: the final records
    /// are queued and sent (awaited), then the page leaves.
    pub async fn exit_to_lms(self, course: Course, learner: Learner, route: ReadSignal<Route>) {
        let Some(url) = self.return_url() else {
            return;
        };
        let records = course.0.with_value(exam_records);
        // New answers go first, before the finish that ends the session.
        self.report_new_attempts(&records, true);
        let (mut state, snapshot) = self.state(course, learner, route, &records);
        state.suspend_data = self.suspend_data(&snapshot);
        let now = time::monotonic_milliseconds();
        let outbox = self
            .session
            .with_value(|session| session.as_ref().map(|session| session.outbox));
        let records = self
            .session
            .try_update_value(|session| {
                let session = session.as_mut()?;
                if session.policy.on(Trigger::Exit, now) == Action::Finish {
                    session
                        .lms
                        .finish(&state, now.saturating_sub(session.started_monotonic));
                }
                Some(session.lms.take_records())
            })
            .flatten()
            .unwrap_or_default();
        if let Some(outbox) = outbox {
            for record in records {
                let _ = outbox.queue(record).await;
            }
            outbox.flush().await;
        }
        crate::platform::location::go_to(&url);
    }

    /// Reports as the learner goes: on every progress change and route change (an exam
    /// submission moves to its results), on a timer, when hidden, and finishes on pagehide.
    pub fn watch(self, course: Course, learner: Learner, route: ReadSignal<Route>) {
        if self.session.with_value(Option::is_none) || self.read_only {
            // A browse or review launch reports nothing but still ends the session properly.
            if self.read_only {
                self.finish_on_pagehide(course, learner, route);
            }
            return;
        }
        // The exams' files come now, so that answers can be written the moment they exist.
        let exams = self.session.with_value(|session| {
            session
                .as_ref()
                .map(|session| session.exam_files.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        });
        for exam in exams {
            self.fetch_exam(exam);
        }
        Effect::new(move |_| {
            learner.progress.track();
            route.track();
            self.on(Trigger::Activity, course, learner, route);
        });
        let tick = set_interval_with_handle(
            move || self.on(Trigger::Tick, course, learner, route),
            std::time::Duration::from_secs(5),
        )
        .ok();
        let hidden = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if !time::page_visible() {
                self.on(Trigger::Hidden, course, learner, route);
            }
        });
        self.finish_on_pagehide(course, learner, route);
        on_cleanup(move || {
            if let Some(tick) = tick {
                tick.clear();
            }
            hidden.remove();
        });
    }

    fn finish_on_pagehide(self, course: Course, learner: Learner, route: ReadSignal<Route>) {
        // pagehide, not unload: it fires where a Permissions-Policy blocks unload, and on
        // mobile browsers that never fire unload.
        let handle = window_event_listener(leptos::ev::pagehide, move |_| {
            self.on(Trigger::Exit, course, learner, route);
        });
        // The listener lives as long as the page.
        std::mem::forget(handle);
    }

    fn on(self, trigger: Trigger, course: Course, learner: Learner, route: ReadSignal<Route>) {
        // The saved exam records are read once per trigger, for the report and the answers.
        let records = course.0.with_value(exam_records);
        // New answers go first: on the way out, before the finish that ends the session.
        self.report_new_attempts(&records, trigger == Trigger::Exit);
        let (mut state, snapshot) = self.state(course, learner, route, &records);
        let now = time::monotonic_milliseconds();
        let action = self
            .session
            .try_update_value(|session| {
                let session = session.as_mut()?;
                let trigger = match (trigger, session.last_report) {
                    (Trigger::Activity | Trigger::Tick, last) if last != Some(state.report) => {
                        Trigger::StatusOrScore
                    }
                    (trigger, _) => trigger,
                };
                Some(session.policy.on(trigger, now))
            })
            .flatten()
            .unwrap_or(Action::Wait);
        if action != Action::Wait {
            state.suspend_data = self.suspend_data(&snapshot);
        }
        self.session.update_value(|session| {
            let Some(session) = session else { return };
            match action {
                Action::Wait => {}
                Action::Commit => {
                    let written = session.lms.write(&state);
                    let committed = session.lms.commit();
                    session.policy.committed(now, written && committed);
                    if committed {
                        session.last_report = Some(state.report);
                    }
                }
                Action::Finish => {
                    let elapsed = now.saturating_sub(session.started_monotonic);
                    session.lms.finish(&state, elapsed);
                }
            }
        });
        self.send_records(trigger == Trigger::Exit);
    }

    /// The status, score and location to report now, and the snapshot behind them; the
    /// snapshot is encoded only when a commit is due ([`Self::suspend_data`]), not on
    /// every change and tick.
    fn state(
        &self,
        course: Course,
        learner: Learner,
        route: ReadSignal<Route>,
        records: &[ExamRecord],
    ) -> (LmsState, Snapshot) {
        course.0.with_value(|manifest| {
            let progress = learner.progress.get_untracked();
            let mut snapshot = Snapshot::capture(manifest, &progress, records);
            self.session.with_value(|session| {
                if let Some(kept) = session
                    .as_ref()
                    .and_then(|session| session.lms_snapshot.as_ref())
                {
                    snapshot.keep_attempts_from(kept);
                }
            });
            let location = match route.get_untracked() {
                Route::Lesson { id, .. } => id,
                _ => progress.last_lesson.clone().unwrap_or_default(),
            };
            let state = LmsState {
                report: report(manifest, &progress, &snapshot.outcomes(manifest)),
                location,
                suspend_data: None,
            };
            (state, snapshot)
        })
    }

    /// The snapshot encoded for the LMS; `None` where the LMS keeps none, where its copy
    /// could not be read (left as it is), or where encoding failed (its last good copy
    /// stays rather than an empty one).
    fn suspend_data(&self, snapshot: &Snapshot) -> Option<String> {
        let limit = self.session.with_value(|session| {
            session
                .as_ref()
                .filter(|session| !session.keep_lms_state)
                .and_then(|session| session.lms.suspend_data_limit())
        })?;
        match encode(snapshot, limit) {
            Ok(encoded) => {
                if !encoded.dropped.is_empty() {
                    web_sys::console::info_1(
                        &format!(
                            "Specialist: to fit the LMS's {limit} characters, left out: {}",
                            encoded.dropped.join("; ")
                        )
                        .into(),
                    );
                }
                Some(encoded.text)
            }
            Err(error) => {
                web_sys::console::warn_1(&format!("Specialist: {error}").into());
                None
            }
        }
    }

    /// Fetches an exam's published file into the session, once, when the LMS takes answers;
    /// a failed fetch is tried again when answers to that exam wait.
    fn fetch_exam(self, exam: String) {
        let file = self
            .session
            .try_update_value(|session| {
                let session = session.as_mut()?;
                session.lms.interaction_edition()?;
                let file = session.exam_files.get(&exam)?.clone();
                session.exams_requested.insert(exam.clone()).then_some(file)
            })
            .flatten();
        let Some(file) = file else {
            return;
        };
        let session = self.session;
        leptos::task::spawn_local(async move {
            let fetched = fetch::fetch_json::<PublishedExam>(&file).await;
            session.update_value(|session| {
                let Some(session) = session else {
                    return;
                };
                match fetched {
                    Ok(published) => {
                        session.exams.insert(exam, Rc::new(published));
                    }
                    Err(error) => {
                        session.exams_requested.remove(&exam);
                        web_sys::console::warn_1(
                            &format!(
                                "Specialist: answers to {exam} cannot be sent to the LMS yet: {error}"
                            )
                            .into(),
                        );
                    }
                }
            });
        });
    }

    /// Writes the answers of attempts submitted in this session as interactions, once each,
    /// and commits them unless the page is `leaving` (the finish commits then).
    fn report_new_attempts(self, records: &[ExamRecord], leaving: bool) {
        let Some(started_wall) = self
            .session
            .with_value(|session| session.as_ref().map(|session| session.started_wall))
        else {
            return;
        };
        for record in records {
            for attempt in record.attempts.iter().filter(|attempt| {
                !attempt.practice
                    && attempt
                        .submission
                        .as_ref()
                        .is_some_and(|submission| submission.wall >= started_wall)
            }) {
                let mut missing = None;
                self.session.update_value(|session| {
                    let Some(session) = session
                        .as_mut()
                        .filter(|session| !session.policy.finished())
                    else {
                        return;
                    };
                    let (Some(edition), Some(exam)) = (
                        session.lms.interaction_edition(),
                        session.exams.get(&record.exam).cloned(),
                    ) else {
                        // Written at a later report, once the exam's file has arrived.
                        missing = Some(record.exam.clone());
                        return;
                    };
                    if session
                        .reported_attempts
                        .insert((record.exam.clone(), attempt.number))
                    {
                        session
                            .lms
                            .write_interactions(&interactions(attempt, &exam, edition));
                        if !leaving {
                            session.lms.commit();
                        }
                    }
                });
                if let Some(exam) = missing.filter(|_| !leaving) {
                    self.fetch_exam(exam);
                }
            }
        }
    }
}

/// Every exam's saved record, read without side effects.
fn exam_records(manifest: &CourseManifest) -> Vec<ExamRecord> {
    let exams: Vec<String> = manifest.exams.iter().map(|exam| exam.id.clone()).collect();
    storage::exam_records(&manifest.id, &exams)
}

/// The LMS's status lines: the session already ended, or the way back to the platform.
#[component]
pub fn LmsStatus(
    /// The current route, whose page the LMS is told about on the way out.
    route: ReadSignal<Route>,
) -> impl IntoView {
    let lms = LmsSession::use_context();
    let course = Course::use_context();
    let learner = Learner::use_context();
    let leaving = RwSignal::new(false);
    let exit = move |_| {
        leaving.set(true);
        leptos::task::spawn_local(lms.exit_to_lms(course, learner, route));
    };
    view! {
        {lms.ended.then(|| view! {
            <p class="status-line status-warning" role="status" data-testid="lms-ended">
                "This visit to your learning platform has ended, so nothing more is recorded. Open the course from the platform again to continue."
            </p>
        })}
        {lms.return_url().filter(|_| !lms.ended).map(|_| view! {
            <p class="status-line" data-testid="lms-exit">
                "You opened this course from your learning platform. "
                <button type="button" on:click=exit disabled=move || leaving.get()>
                    {move || if leaving.get() { "Saving and returning…" } else { "Return to the learning platform" }}
                </button>
            </p>
        })}
    }
}
