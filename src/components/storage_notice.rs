//! The notice shown when saved progress could not be read or cannot be saved.

use leptos::prelude::*;

use crate::platform::{download, storage};
use crate::state::{Course, Learner};

/// Explains a storage problem in plain words; unreadable data can be downloaded before it is dismissed.
#[component]
pub fn StorageNotice() -> impl IntoView {
    let learner = Learner::use_context();
    let course = Course::use_context();
    let course_id = course.0.with_value(|manifest| manifest.id.clone());
    let download_file = {
        let course_id = course_id.clone();
        move |_| {
            if let Some(unreadable) = learner.unreadable.get_untracked() {
                let name = format!("{course_id}-unreadable-progress.txt");
                if let Err(error) = download::download_text(&name, "text/plain", &unreadable.raw) {
                    learner.save_error.set(Some(error));
                }
            }
        }
    };
    let dismiss = move |_| {
        storage::discard_unreadable(&course_id);
        learner.unreadable.set(None);
    };
    // Closures rather than `<Show>`, as in AppStatus: cheaper in the study build's wasm.
    view! {
        {move || learner.unreadable.with(Option::is_some).then(|| view! {
            <section class="notice notice-warning" role="alert" aria-labelledby="unreadable-title">
                <h2 id="unreadable-title">"Your saved progress could not be read"</h2>
                <p>
                    {move || learner.unreadable.with(|unreadable| unreadable.as_ref().map(|unreadable| unreadable.reason.clone()))}
                    ". You are starting fresh; the course works as usual. The unreadable data is kept so you or your administrator can look at it."
                </p>
                <p class="notice-actions">
                    <button type="button" on:click=download_file.clone()>"Download the unreadable data"</button>
                    <button type="button" class="secondary" on:click=dismiss.clone()>"Dismiss"</button>
                </p>
            </section>
        })}
        {move || learner.save_error.with(Option::is_some).then(|| view! {
            <section class="notice notice-error" role="alert">
                <h2>"Progress is not being saved"</h2>
                <p>{move || learner.save_error.get()} ". Keep this tab open; progress is kept in memory until saving works again."</p>
            </section>
        })}
    }
}
