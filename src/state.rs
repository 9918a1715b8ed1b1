//! App-wide state handed to components through context newtypes: the course, the learner's
//! progress (saved before it is shown), and the glossary loaded on first use.

use leptos::prelude::*;
use specialist_core::manifest::{COURSE_FOLDER, CourseManifest, GlossaryEntry};
use specialist_core::progress::{Progress, ProgressEvent};

use crate::platform::{fetch, service_worker, storage};

/// The loaded course manifest.
#[derive(Clone, Copy)]
pub struct Course(pub StoredValue<CourseManifest>);

impl Course {
    /// The course from context; the player provides it before any page renders.
    pub fn use_context() -> Self {
        expect_context::<Self>()
    }
}

/// The learner's progress, the problems storage reported, and how to record an event.
#[derive(Clone, Copy)]
pub struct Learner {
    /// The progress as saved.
    pub progress: RwSignal<Progress>,
    /// Stored data that could not be read (kept for download), until the learner dismisses it.
    pub unreadable: RwSignal<Option<storage::Unreadable>>,
    /// The last save error, cleared by the next successful save.
    pub save_error: RwSignal<Option<String>>,
    /// An LMS launched the course to browse or review: nothing is recorded.
    pub read_only: bool,
}

impl Learner {
    /// Loads the saved progress for `course`; `read_only` when nothing may be recorded.
    pub fn load(course: &str, read_only: bool) -> Self {
        let loaded = storage::load(course);
        Self {
            progress: RwSignal::new(loaded.progress),
            unreadable: RwSignal::new(loaded.unreadable),
            save_error: RwSignal::new(None),
            read_only,
        }
    }

    /// The learner from context.
    pub fn use_context() -> Self {
        expect_context::<Self>()
    }

    /// Applies an event, saves the result, and only then updates what the UI shows.
    pub fn record(&self, event: ProgressEvent) {
        if self.read_only {
            return;
        }
        let mut next = self.progress.get_untracked();
        if !next.apply(event) {
            return;
        }
        match storage::save(&next) {
            Ok(()) => {
                if self.save_error.get_untracked().is_some() {
                    self.save_error.set(None);
                }
            }
            Err(error) => self.save_error.set(Some(error)),
        }
        self.progress.set(next);
    }
}

/// The glossary, fetched the first time a page needs it.
#[derive(Clone, Copy)]
pub struct Glossary {
    file: StoredValue<String>,
    /// The term shown in the popover, if any.
    pub open: RwSignal<Option<String>>,
    /// The terms: `None` while not wanted or loading.
    pub terms: RwSignal<Option<Result<Vec<GlossaryEntry>, fetch::FetchError>>>,
    wanted: StoredValue<bool>,
}

impl Glossary {
    /// A glossary that fetches `file` (relative to the course folder) when first wanted.
    pub fn new(file: String) -> Self {
        Self {
            file: StoredValue::new(file),
            open: RwSignal::new(None),
            terms: RwSignal::new(None),
            wanted: StoredValue::new(false),
        }
    }

    /// The glossary from context.
    pub fn use_context() -> Self {
        expect_context::<Self>()
    }

    /// Starts the fetch (once).
    pub fn want(&self) {
        if !self.wanted.get_value() {
            self.wanted.set_value(true);
            fetch::fetch_decoded_into(
                format!("{COURSE_FOLDER}{}", self.file.get_value()),
                self.terms,
            );
        }
    }

    /// Shows a term in the popover (fetching the glossary if needed).
    pub fn show(&self, id: String) {
        self.want();
        self.open.set(Some(id));
    }

    /// A term by id, when loaded.
    pub fn term(&self, id: &str) -> Option<GlossaryEntry> {
        self.terms.with(|terms| {
            terms
                .as_ref()?
                .as_ref()
                .ok()?
                .iter()
                .find(|term| term.id == id)
                .cloned()
        })
    }
}

/// The deployment's config.json (defaults when there is none).
#[derive(Clone, Copy)]
pub struct Settings(pub StoredValue<specialist_core::config::Config>);

impl Settings {
    /// The settings from context; the app provides them before any page renders.
    pub fn use_context() -> Self {
        expect_context::<Self>()
    }
}

/// The offline copy: this page's version, and whether another version is ready to take over.
#[derive(Clone, Copy)]
pub struct Installation {
    /// The version this page runs (`None` without a service worker, as in debug builds).
    pub version: RwSignal<Option<String>>,
    /// Another version has been downloaded and waits for the learner to update.
    pub update_ready: RwSignal<bool>,
}

impl Installation {
    /// Registers the service worker. A learner who has made progress is also asked to let
    /// the browser keep the data (not on a first visit, where a prompt would only annoy).
    pub fn start(learner: Learner) -> Self {
        let installation = Self {
            version: RwSignal::new(None),
            update_ready: RwSignal::new(false),
        };
        leptos::task::spawn_local(async move {
            let version =
                service_worker::register(move || installation.update_ready.set(true)).await;
            installation.version.set(version);
            if learner
                .progress
                .with_untracked(|progress| !progress.lessons.is_empty())
            {
                service_worker::persist_storage().await;
            }
        });
        installation
    }

    /// The installation from context.
    pub fn use_context() -> Self {
        expect_context::<Self>()
    }
}
