//! The exam pages: the exam's own page, the attempt, the results and practice, with the
//! loader and question view they share. Rules live in `specialist_core::exam`.

mod attempt_page;
mod exam_page;
mod practice_page;
mod question_view;
mod results_page;

use std::sync::Arc;

use leptos::prelude::*;
use specialist_core::exam::published::{EXAM_FORMAT, PublishedExam};
use specialist_core::manifest::COURSE_FOLDER;

pub use attempt_page::AttemptPage;
pub use exam_page::ExamPage;
pub use practice_page::PracticePage;
pub use results_page::ResultsPage;

use crate::app::LoadError;
use crate::pages::NotFound;
use crate::platform::fetch;
use crate::state::Course;

async fn load_exam(file: String) -> Result<Arc<PublishedExam>, LoadError> {
    let exam: PublishedExam = fetch::fetch_json(&format!("{COURSE_FOLDER}{file}"))
        .await
        .map_err(|error| LoadError(error.to_string()))?;
    if exam.format != EXAM_FORMAT {
        return Err(LoadError(format!(
            "{file} uses exam format {}, this version reads format {EXAM_FORMAT}; reload to get the matching version",
            exam.format
        )));
    }
    Ok(Arc::new(exam))
}

/// Fetches exam `id` and renders `render` with it; a missing exam is a not-found page,
/// a failed fetch an alert that says what failed.
#[component]
fn ExamLoader<Render, View>(
    /// The exam identifier from the route.
    id: String,
    /// Renders the page once the exam is loaded.
    render: Render,
) -> impl IntoView
where
    Render: Fn(Arc<PublishedExam>) -> View + Clone + Send + Sync + 'static,
    View: IntoView + 'static,
{
    let course = Course::use_context();
    let Some(summary) = course
        .0
        .with_value(|manifest| manifest.exams.iter().find(|exam| exam.id == id).cloned())
    else {
        return view! { <NotFound what=format!("exam “{id}”")/> }.into_any();
    };
    if summary.planned {
        return view! {
            <nav aria-label="Breadcrumb" class="breadcrumb"><a href=crate::route::Route::Home.href()>"← Course home"</a></nav>
            <h1>{summary.title}</h1>
            <p class="notice">"This exam is not available yet: its questions are still being written. It opens in a later version of the course."</p>
        }
        .into_any();
    }
    let file = summary.file;
    let exam = LocalResource::new(move || load_exam(file.clone()));
    view! {
        <Transition fallback=|| view! { <p class="status" role="status">"Loading the exam…"</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <section class="error-panel" role="alert">
                    <h1>"The exam could not be loaded"</h1>
                    <ul>{move || errors.get().into_iter().map(|(_, error)| view! { <li>{error.to_string()}</li> }).collect_view()}</ul>
                    <p>"Your saved answers are kept on this device. Check your connection and reload the page."</p>
                </section>
            }>
                {move || {
                    let render = render.clone();
                    Suspend::new(async move {
                        let exam = exam.await?;
                        Ok::<_, LoadError>(render(exam))
                    })
                }}
            </ErrorBoundary>
        </Transition>
    }
    .into_any()
}
