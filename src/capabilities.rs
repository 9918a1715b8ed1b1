//! What each build of the app can do beyond studying, as function pointers the root
//! component calls.
//!
//! What a first visit downloads is held to a size budget (bench/budget.toml), and exams, the
//! certificate, This device, the outbox and LMS embedding are most of the code. Trunk
//! cannot split one wasm, so this library is built three times, each build a superset of
//! the one before:
//! - the reader build, lessons only, which index.html's loader starts on a lesson address,
//!   the first visit's usual landing place;
//! - the study build, which adds the course home, modules, search and the glossary page,
//!   and starts on any other address;
//! - the full build.
//!
//! Architecture invariant: the code shared by all three renders a lesson itself and
//! reaches every other page, and the exam, certificate, device and LMS code, only through
//! a `Capabilities` value, so each smaller build's linker drops what it does not offer.
//! A page a build lacks hands over: it asks index.html's loader for the larger build (for
//! the rest of the tab's session) and reloads at the same address.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use specialist_core::manifest::CourseManifest;

use crate::lms::{LmsSession, LmsStatus};
use crate::outbox::Outbox;
use crate::pages::{
    AttemptPage, CertificatePage, CourseHome, ExamPage, GlossaryPage, ModulePage, NotFound,
    PracticePage, ResultsPage, SearchPage, SettingsPage, VerifierPage,
};
use crate::platform::lms::{self, Launch, Lms};
use crate::platform::location::{self, Build};
use crate::platform::{service_worker, vault};
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
    /// Renders a page other than a lesson (the player renders those itself).
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

/// The reader build: lessons only, no LMS, no outbox; every other page hands over to the
/// smallest build that has it (exams, the certificate and This device straight to the
/// full build, without passing through the study build).
pub const READER: Capabilities = Capabilities {
    page: |route| {
        let study = matches!(
            route,
            Route::Home | Route::Module { .. } | Route::Search { .. } | Route::Glossary { .. }
        );
        hand_over_page(if study { Build::Study } else { Build::Full })
    },
    ..STUDY
};

/// The study build: no LMS, no outbox; exams, the certificate and This device hand over
/// to the full build.
pub const STUDY: Capabilities = Capabilities {
    connect_lms: || Box::pin(async { None }),
    start_services: start_study_services,
    page: |route| study_page(route).unwrap_or_else(|_| hand_over_page(Build::Full)),
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
    page: |route| study_page(route).unwrap_or_else(full_page),
    status: |route| view! { <LmsStatus route/> }.into_any(),
};

fn start_study_services(_: &CourseManifest, _: Connection) -> Services {
    // Certificates waiting to be sent are the full build's to send, so it takes over when
    // any wait (rare: after a completion that found the backend down or the device offline).
    // Offline, the full build could not send them either.
    leptos::task::spawn_local(async {
        if service_worker::online() && vault::certificates_waiting().await.unwrap_or(0) > 0 {
            let _ = location::hand_over_to(Build::Full);
        }
    });
    Services {
        read_only: false,
        after_load: Box::new(|_, _, _| {}),
    }
}

fn hand_over_page(build: Build) -> AnyView {
    match location::hand_over_to(build) {
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

/// The study build's pages other than lessons, or the route back when it is not one.
fn study_page(route: Route) -> Result<AnyView, Route> {
    Ok(match route {
        Route::Home => view! { <CourseHome/> }.into_any(),
        Route::Module { id } => {
            let module = expect_context::<Course>()
                .0
                .with_value(|manifest| manifest.module(&id).cloned());
            match module {
                Some(module) => view! { <ModulePage module/> }.into_any(),
                None => view! { <NotFound what=format!("module “{id}”")/> }.into_any(),
            }
        }
        Route::Search { query } => view! { <SearchPage initial_query=query/> }.into_any(),
        Route::Glossary { id } => view! { <GlossaryPage id/> }.into_any(),
        other => return Err(other),
    })
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
        // The player renders lessons and unknown addresses itself, and the study pages
        // come from `study_page`; neither reaches here.
        Route::Home
        | Route::Module { .. }
        | Route::Lesson { .. }
        | Route::Search { .. }
        | Route::Glossary { .. }
        | Route::NotFound { .. } => ().into_any(),
    }
}
