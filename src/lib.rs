//! The Specialist app (Leptos, client-side rendered) as a library with three entry points:
//! the reader build, which opens lessons fast, the study build, which adds the course
//! home, modules, search and the glossary, and the full build, which adds exams, the
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

/// Starts the reader build: the course's lessons.
pub fn start_reader() {
    start(capabilities::READER);
}

/// Starts the study build: the course, its lessons, search and the glossary.
pub fn start_study() {
    start(capabilities::STUDY);
}

/// Starts the full build: everything the study build does, plus exams, the certificate,
/// This device, the outbox and LMS embedding.
pub fn start_full() {
    start(capabilities::FULL);
}

/// Mounts the app with what this build can do. Release builds abort on a panic without a
/// message (xtask/src/bundle.rs), so the console hook serves development builds.
fn start(capabilities: capabilities::Capabilities) {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(move || app::App(app::AppProps { capabilities }));
}
