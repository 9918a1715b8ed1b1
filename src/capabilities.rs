//! What each build of the app can do beyond studying, as function pointers the root
//! component calls.
//!
//! What a first visit downloads is held to a size budget (bench/budget.toml), and exams, the
//! certificate, This device, the outbox and LMS embedding are most of the code. Trunk
//! cannot split one wasm, so this library is built twice: the study build (course, lessons,
//! search, glossary) that a learner's visit loads first, and the full build. Architecture
//! invariant: the code shared by both reaches exam, certificate, device and LMS code only
//! through a `Capabilities` value, so the study build's linker drops all of it. A study
//! page that needs the rest hands over: it asks index.html's loader for the full build
//! (for the rest of the tab's session) and reloads.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use specialist_core::manifest::CourseManifest;

use crate::lms::{LmsSession, LmsStatus};
use crate::outbox::Outbox;
use crate::pages::{
    AttemptPage, CertificatePage, ExamPage, PracticePage, ResultsPage, SettingsPage, VerifierPage,
};
use crate::platform::lms::{self, Launch, Lms};
use crate::platform::{location, service_worker, vault};
use crate::route::Route;
use crate::state::{Course, Learner};

/// The LMS connection and what it said at launch.
pub type Connection = Option<(Rc<dyn Lms>, Launch)>;

/// What a build does beyond the study pages.
#[derive(Clone, Copy)]
pub struct Capabilities {
    /// Connects to the LMS that launched the app, if any.
    pub connect_lms: fn() -> Pin<Box<dyn Future<Output = Connection>>>,
    /// Starts the background services (outbox, LMS session) and provides their contexts,
    /// before the learner's saved state is loaded.
    pub start_services: fn(&CourseManifest, Connection) -> Services,
    /// Renders a page that is not a study page: exams, the certificate, This device.
    pub page: fn(Route) -> AnyView,
    /// Status lines beyond the app's own (the LMS's), given the current route.
    pub status: fn(ReadSignal<Route>) -> AnyView,
}

/// What the started services tell the player.
pub struct Services {
    /// Nothing may be recorded (an LMS launched the course to browse or review).
    pub read_only: bool,
    /// Runs once the course and the learner are in context.
    pub after_load: Box<dyn FnOnce(Course, Learner, ReadSignal<Route>)>,
}

/// The study build: no LMS, no outbox, and every other page hands over to the full build.
pub const STUDY: Capabilities = Capabilities {
    connect_lms: || Box::pin(async { None }),
    start_services: start_study_services,
    page: hand_over_page,
    status: |_| ().into_any(),
};

/// The full build: everything.
pub const FULL: Capabilities = Capabilities {
    connect_lms: || {
        Box::pin(async {
            lms::connect().await.map(|lms| {
                let launch = lms.launch();
                (lms, launch)
            })
        })
    },
    start_services: start_all_services,
    page: full_page,
    status: |route| view! { <LmsStatus route/> }.into_any(),
};

fn start_study_services(_: &CourseManifest, _: Connection) -> Services {
    // Certificates waiting to be sent are the full build's to send, so it takes over when
    // any wait (rare: after a completion that found the backend down or the device offline).
    // Offline, the full build could not send them either.
    leptos::task::spawn_local(async {
        if service_worker::online() && vault::certificates_waiting().await.unwrap_or(0) > 0 {
            let _ = location::hand_over_to_full_build();
        }
    });
    Services {
        read_only: false,
        after_load: Box::new(|_, _, _| {}),
    }
}

fn hand_over_page(_: Route) -> AnyView {
    match location::hand_over_to_full_build() {
        Ok(()) => view! { <p class="status" role="status">"Opening…"</p> }.into_any(),
        Err(reason) => {
            view! { <section class="error-panel" role="alert"><p>{reason}</p></section> }.into_any()
        }
    }
}

fn start_all_services(manifest: &CourseManifest, connection: Connection) -> Services {
    // An LMS's saved state is restored into this device's storage before it is loaded.
    let outbox = Outbox::start();
    let lms = LmsSession::start(manifest, connection, outbox);
    provide_context(outbox);
    provide_context(lms);
    Services {
        read_only: lms.read_only,
        after_load: Box::new(move |course, learner, route| lms.watch(course, learner, route)),
    }
}

fn full_page(route: Route) -> AnyView {
    match route {
        Route::Exam { id } => view! { <ExamPage id/> }.into_any(),
        Route::Attempt { id } => view! { <AttemptPage id/> }.into_any(),
        Route::Results {
            id,
            number,
            timed_out,
        } => view! { <ResultsPage id number timed_out/> }.into_any(),
        Route::Practice { id } => view! { <PracticePage id/> }.into_any(),
        Route::Certificate => view! { <CertificatePage/> }.into_any(),
        Route::Verify => view! { <VerifierPage/> }.into_any(),
        Route::Settings => view! { <SettingsPage/> }.into_any(),
        // The player renders the study pages itself and never passes them here.
        Route::Home
        | Route::Module { .. }
        | Route::Lesson { .. }
        | Route::Search { .. }
        | Route::Glossary { .. }
        | Route::NotFound { .. } => ().into_any(),
    }
}
