//! One module's page. Lessons arrive with the course player; today it shows the module's summary.

use leptos::prelude::*;
use specialist_core::manifest::ModuleSummary;

use crate::platform::location::set_document_title;
use crate::route::Route;

/// A module page.
#[component]
pub fn ModulePage(
    /// The module to show.
    module: ModuleSummary,
    /// The course title, for the document title.
    course_title: String,
) -> impl IntoView {
    set_document_title(&format!("{} · {course_title}", module.title));
    view! {
        <nav><a href=Route::Home.href()>"← All modules"</a></nav>
        <h1>{module.title}</h1>
        <p class="lead">{module.description}</p>
    }
}
