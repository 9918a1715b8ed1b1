//! The status lines under the header (the LMS's come first, from `crate::lms::LmsStatus`):
//! offline (and what waits to be sent), a new version ready (never offered while an exam
//! attempt runs), and storage nearly full.

use leptos::prelude::*;

use crate::outbox::Outbox;
use crate::platform::{service_worker, storage};
use crate::route::Route;
use crate::state::{Course, Installation};

/// Shows what the learner should know about the connection, updates and storage.
#[component]
pub fn AppStatus(
    /// The current route; an attempt's start and submission change it, so the check for a
    /// running attempt follows it.
    route: ReadSignal<Route>,
) -> impl IntoView {
    let installation = Installation::use_context();
    // Only the full build has an outbox; the smaller builds hand over when anything waits.
    let outbox = use_context::<Outbox>();
    let course = Course::use_context();
    let (course_id, exams) = course.0.with_value(|manifest| {
        (
            manifest.id.clone(),
            manifest
                .exams
                .iter()
                .map(|exam| exam.id.clone())
                .collect::<Vec<_>>(),
        )
    });
    let online = RwSignal::new(service_worker::online());
    let handles = [
        window_event_listener(leptos::ev::online, move |_| online.set(true)),
        window_event_listener(leptos::ev::offline, move |_| online.set(false)),
    ];
    on_cleanup(move || handles.into_iter().for_each(|handle| handle.remove()));

    // An attempt pins this page's version in the service worker until it is submitted.
    let attempt_running = RwSignal::new(false);
    Effect::new(move || {
        route.track();
        let running = storage::attempt_in_flight(
            &course_id,
            &exams,
            crate::platform::time::wall_milliseconds(),
        );
        attempt_running.set(running);
        service_worker::attempt_running(running);
    });

    let storage_low = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        if let Some(estimate) = service_worker::storage_estimate().await {
            storage_low.set(estimate.nearly_full());
        }
    });

    // Closures rather than `<Show>`: these lines change rarely, and each `<Show>` costs the
    // study build's wasm more than re-rendering a line does (bench/budget.toml).
    view! {
        {move || (!online.get()).then(|| view! {
            <p class="status-line status-offline" role="status" data-testid="offline-status">
                <strong>"You are offline."</strong>
                " Lessons and exams work as usual and everything is saved on this device. "
                {move || match outbox.map_or(0, |outbox| outbox.waiting(specialist_core::outbox::CERTIFICATE)) {
                    0 => String::new(),
                    1 => "1 certificate is waiting to be sent when the network returns.".into(),
                    count => format!("{count} certificates are waiting to be sent when the network returns."),
                }}
            </p>
        })}
        {move || (installation.update_ready.get() && !attempt_running.get()).then(|| view! {
            <p class="status-line status-update" role="status" data-testid="update-ready">
                "A new version of the course is ready. "
                <button type="button" on:click=|_| service_worker::apply_update()>"Update now"</button>
            </p>
        })}
        {move || storage_low.get().then(|| view! {
            <p class="status-line status-warning" role="alert">
                "This device's storage for the course is nearly full. "
                <a href=Route::Settings.href()>"Export your progress"</a>
                " to keep a copy."
            </p>
        })}
    }
}
