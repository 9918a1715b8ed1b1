//! A module's lessons with their status and minutes, as the outline shows them.

use leptos::prelude::*;
use specialist_core::manifest::{LessonSummary, ModuleSummary};
use specialist_core::progress::{LessonStatus, lesson_status};

use crate::route::Route;
use crate::state::Learner;

/// The token for a lesson status in `data-status` (styles and tests select on it).
pub fn status_token(status: LessonStatus) -> &'static str {
    match status {
        LessonStatus::NotStarted => "not-started",
        LessonStatus::InProgress => "in-progress",
        LessonStatus::Complete => "complete",
    }
}

/// The words for a lesson status.
pub fn status_label(status: LessonStatus) -> &'static str {
    match status {
        LessonStatus::NotStarted => "Not started",
        LessonStatus::InProgress => "In progress",
        LessonStatus::Complete => "Complete",
    }
}

/// The lesson's status as the learner's progress changes, read reactively. A plain closure
/// rather than a memo: the status is cheap to work out, and a memo of its own type costs
/// the study build's wasm more (bench/budget.toml).
pub fn lesson_status_of(
    lesson: LessonSummary,
    learner: Learner,
) -> impl Fn() -> LessonStatus + Copy {
    let lesson = StoredValue::new(lesson);
    move || {
        lesson.with_value(|lesson| {
            learner
                .progress
                .with(|progress| lesson_status(lesson, progress))
        })
    }
}

/// The ordered list of a module's lessons with status and minutes.
#[component]
pub fn LessonList(
    /// The module whose lessons to list.
    module: ModuleSummary,
) -> impl IntoView {
    let learner = Learner::use_context();
    let items = module
        .lessons
        .into_iter()
        .map(|lesson| {
            let href = Route::lesson(&lesson.id).href();
            let minutes = lesson.minutes;
            let optional = !lesson.required;
            let title = lesson.title.clone();
            let status = lesson_status_of(lesson, learner);
            view! {
                <li class="lesson-item" data-status=move || status_token(status())>
                    <a href=href>{title}</a>
                    <span class="lesson-meta">
                        <span class="lesson-status">{move || status_label(status())}</span>
                        " · " {minutes} " min"
                        {optional.then_some(" · optional")}
                    </span>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="lesson-list">{items}</ol> }
}
