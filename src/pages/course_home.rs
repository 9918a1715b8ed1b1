//! The course home: the course card with progress and Continue, then the outline.

use leptos::prelude::*;
use specialist_core::progress::course_standing;

use crate::app::continue_route;
use crate::components::{LessonList, ProgressMeter};
use crate::platform::location::set_document_title;
use crate::platform::storage;
use crate::route::Route;
use crate::state::{Course, Learner};

/// The course home page.
#[component]
pub fn CourseHome() -> impl IntoView {
    let course = Course::use_context();
    let learner = Learner::use_context();
    let manifest = course.0.get_value();
    set_document_title(&manifest.title);
    // A plain closure rather than a memo, as `lesson_status_of` is: cheap to work out.
    let standing = move || {
        course.0.with_value(|manifest| {
            learner
                .progress
                .with(|progress| course_standing(manifest, progress))
        })
    };
    let started = move || {
        learner
            .progress
            .with(|progress| !progress.lessons.is_empty())
    };
    let continue_href = move || {
        continue_route(course, learner)
            .map(|route| route.href())
            .unwrap_or_else(|| Route::Home.href())
    };
    let modules = manifest
        .modules
        .iter()
        .map(|module| {
            let objectives = manifest
                .objectives
                .iter()
                .filter(|objective| objective.module == module.id)
                .map(|objective| view! { <li>{objective.text.clone()}</li> })
                .collect_view();
            view! {
                <li class="module-item">
                    <h3><a href=Route::Module { id: module.id.clone() }.href()>{module.title.clone()}</a></h3>
                    <p class="module-meta">
                        {if module.planned {
                            format!("Planned · about {} min · coming in a later version", module.planned_minutes)
                        } else {
                            format!("{} lessons · {} min", module.lessons.len(), module.minutes)
                        }}
                    </p>
                    <p>{module.description.clone()}</p>
                    <details class="objectives">
                        <summary>"What you will be able to do"</summary>
                        <ul>{objectives}</ul>
                    </details>
                    {(!module.planned).then(|| view! { <LessonList module=module.clone()/> })}
                </li>
            }
        })
        .collect_view();
    let exams = manifest
        .exams
        .iter()
        .map(|exam| {
            let passed = storage::exam_standing(&manifest.id, &exam.id).passed();
            view! {
                <li>
                    <h3><a href=Route::Exam { id: exam.id.clone() }.href()>{exam.title.clone()}</a></h3>
                    <p class="module-meta">
                        {if exam.planned {
                            "Not available yet: its questions are still being written".to_string()
                        } else {
                            format!("{} questions · {} min · pass mark {} %", exam.question_count, exam.time_limit_minutes, exam.pass_mark_percent)
                        }}
                        {passed.then_some(" · Passed")}
                    </p>
                </li>
            }
        })
        .collect_view();
    let has_exams = !manifest.exams.is_empty();
    view! {
        <section class="course-card" aria-labelledby="course-title">
            <h1 id="course-title">{manifest.title.clone()}</h1>
            <p class="lead">{manifest.description.clone()}</p>
            <p class="audience">"Audience: " {manifest.audience.clone()} " · " {manifest.total_minutes} " minutes of material"</p>
            <ProgressMeter percent=move || standing().percent label="Course progress"/>
            <p class="standing" aria-live="polite">
                {move || {
                    let standing = standing();
                    format!(
                        "{} % complete · {} min studied · {} min remaining",
                        standing.percent, standing.minutes_done, standing.minutes_remaining
                    )
                }}
            </p>
            <a class="button" href=continue_href>{move || if started() { "Continue" } else { "Start the course" }}</a>
        </section>
        <section aria-labelledby="outline-title">
            <h2 id="outline-title">"Modules"</h2>
            <ol class="module-list">{modules}</ol>
        </section>
        {has_exams.then(|| view! {
            <section aria-labelledby="exams-title">
                <h2 id="exams-title">"Exams"</h2>
                <ul class="exam-list">{exams}</ul>
            </section>
        })}
        <section aria-labelledby="certificate-title">
            <h2 id="certificate-title">"Certificate"</h2>
            <p>
                "When every required lesson is complete and the exams are passed, your certificate is signed on this device and sent for verification. "
                <a href=Route::Certificate.href()>"Your certificate"</a>
            </p>
        </section>
    }
}
