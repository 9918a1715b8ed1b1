//! The Specialist app (Leptos, client-side rendered) as a library with two entry points:
//! the study build, which opens lessons fast, and the full build, which adds exams, the
//! certificate, This device and LMS embedding (see `capabilities.rs` for why it is split).

mod app;
mod capabilities;
mod components;
mod lms;
mod outbox;
mod pages;
mod platform;
mod route;
mod state;

/// Starts the study build: the course, its lessons, search and the glossary.
pub fn start_study() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| {
        app::App(app::AppProps {
            capabilities: capabilities::STUDY,
        })
    });
}

/// Starts the full build: everything the study build does, plus exams, the certificate,
/// This device, the outbox and LMS embedding.
pub fn start_full() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| {
        app::App(app::AppProps {
            capabilities: capabilities::FULL,
        })
    });
}
