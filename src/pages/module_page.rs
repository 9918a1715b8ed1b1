//! One module's page: its description, objectives and lessons.

use leptos::prelude::*;
use specialist_core::manifest::ModuleSummary;

use crate::components::LessonList;
use crate::platform::location::set_document_title;
use crate::route::Route;
use crate::state::Course;

/// A module page.
#[component]
pub fn ModulePage(
    /// The module to show.
    module: ModuleSummary,
) -> impl IntoView {
    let course = Course::use_context();
    let (course_title, objectives) = course.0.with_value(|manifest| {
        let objectives: Vec<String> = manifest
            .objectives
            .iter()
            .filter(|objective| objective.module == module.id)
            .map(|objective| objective.text.clone())
            .collect();
        (manifest.title.clone(), objectives)
    });
    set_document_title(&format!("{} · {course_title}", module.title));
    view! {
        <nav aria-label="Breadcrumb" class="breadcrumb"><a href=Route::Home.href()>"← All modules"</a></nav>
        <h1>{module.title.clone()}</h1>
        <p class="lead">{module.description.clone()}</p>
        <h2>"What you will be able to do"</h2>
        <ul class="objective-list">{objectives.into_iter().map(|text| view! { <li>{text}</li> }).collect_view()}</ul>
        {if module.planned {
            view! {
                <p class="notice">{format!("This module is planned: about {} minutes of lessons arrive in a later version of the course.", module.planned_minutes)}</p>
            }.into_any()
        } else {
            view! { <h2>"Lessons"</h2> <LessonList module/> }.into_any()
        }}
    }
}
