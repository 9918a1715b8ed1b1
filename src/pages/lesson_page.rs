//! A lesson: its content fetched on demand, the interactive blocks working in place,
//! reading progress, completion, and previous/next.

use leptos::prelude::*;
use specialist_core::manifest::COURSE_FOLDER;
use specialist_core::progress::{LessonStatus, ProgressEvent, check_is_correct};
use web_sys::Element;

use crate::components::{lesson_status_of, status_label, status_token};
use crate::platform::{download, fetch, lesson_dom, location};
use crate::route::Route;
use crate::state::{Course, Glossary, Learner};

const VERDICT_RIGHT: &str = "Correct. Read the feedback for why.";
const VERDICT_WRONG: &str = "Not quite. Read the feedback, then try again if you like.";

fn verdict(form: &Element, chosen: &[u8]) -> &'static str {
    if check_is_correct(&lesson_dom::correct_options(form), chosen) {
        VERDICT_RIGHT
    } else {
        VERDICT_WRONG
    }
}

/// A lesson page.
#[component]
pub fn LessonPage(
    /// The lesson id (known to exist in the manifest).
    id: String,
    /// Text to find and highlight when the content arrives, from a search result.
    find: Option<String>,
) -> impl IntoView {
    let course = Course::use_context();
    let learner = Learner::use_context();
    let glossary = Glossary::use_context();
    let (module, lesson, previous, next, course_title) = course.0.with_value(|manifest| {
        let (module, lesson) = manifest
            .lesson(&id)
            .expect("the router only opens lessons of the manifest");
        let (previous, next) = manifest.neighbours(&id);
        (
            module.clone(),
            lesson.clone(),
            previous.cloned(),
            next.cloned(),
            manifest.title.clone(),
        )
    });
    location::set_document_title(&format!("{} · {course_title}", lesson.title));
    learner.record(ProgressEvent::Opened { lesson: id.clone() });

    let lesson_id = StoredValue::new(id);
    let status = lesson_status_of(lesson.clone(), learner);
    let url = format!("{COURSE_FOLDER}{}", lesson.file);
    let content = RwSignal::new(None);
    fetch::fetch_text_into(url.clone(), content);
    let url = StoredValue::new(url);
    let article = NodeRef::<leptos::html::Article>::new();
    let end_marker = NodeRef::<leptos::html::Div>::new();
    let reading = RwSignal::new(0u16);

    // The end marker sits right under the title until the content arrives, so the end
    // only counts once the content is in the page.
    let content_shown = StoredValue::new(false);
    let check_end = move || {
        if content_shown.try_get_value() == Some(true)
            && let Some(marker) = end_marker.get_untracked()
            && lesson_dom::is_in_view(&marker)
            && let Some(lesson) = lesson_id.try_get_value()
        {
            learner.record(ProgressEvent::ReachedEnd { lesson });
        }
    };

    // When the content arrives: put it in the page in place of the loader's early paint,
    // restore answers and worksheets, then go to the searched text, to where the learner had
    // already scrolled, or to the saved position.
    let find = StoredValue::new(find);
    Effect::new(move |_| {
        let (html, element) = match (content.get(), article.get()) {
            (Some(Ok(html)), Some(element)) => (html, element),
            (Some(Err(_)), _) => {
                location::remove_early_paint();
                return;
            }
            _ => return,
        };
        // The page may still be waiting in its transition, detached from the document,
        // where nothing can be measured or scrolled; wait until it is attached.
        lesson_dom::when_attached(element.into(), move |element| {
            let Some(lesson) = lesson_id.try_get_value() else {
                return;
            };
            let read_into = location::remove_early_paint();
            element.set_inner_html(&html);
            content_shown.set_value(true);
            let saved = learner
                .progress
                .with_untracked(|progress| progress.lesson(&lesson).cloned())
                .unwrap_or_default();
            for form in lesson_dom::check_forms(&element) {
                let (check, _) = lesson_dom::chosen_options(&form);
                if let Some(chosen) = saved.checks.get(&check) {
                    lesson_dom::show_check_answer(&form, chosen, verdict(&form, chosen));
                }
            }
            for (activity, values) in &saved.worksheets {
                lesson_dom::fill_worksheet(&element, activity, values);
            }
            let found = find.with_value(|find| {
                find.as_deref()
                    .is_some_and(|text| lesson_dom::highlight_first(&element, text))
            });
            if !found {
                match read_into {
                    Some(offset) => location::scroll_to(lesson_dom::page_top(&element) + offset),
                    None => lesson_dom::scroll_to_permille(saved.scroll_permille),
                }
            }
            reading.set(lesson_dom::scroll_permille());
            check_end();
        });
    });

    // Scroll position is saved a moment after scrolling stops, and the end is checked as the learner reads.
    let pending_scroll = StoredValue::new(false);
    let on_scroll = window_event_listener(leptos::ev::scroll, move |_| {
        reading.set(lesson_dom::scroll_permille());
        check_end();
        if !pending_scroll.get_value() {
            pending_scroll.set_value(true);
            set_timeout(
                move || {
                    // The learner may have left the lesson meanwhile; then there is nothing to save.
                    if pending_scroll.try_set_value(false).is_none()
                        && let Some(lesson) = lesson_id.try_get_value()
                    {
                        let permille = lesson_dom::scroll_permille();
                        learner.record(ProgressEvent::Scrolled { lesson, permille });
                    }
                },
                std::time::Duration::from_millis(250),
            );
        }
    });
    let timer = StoredValue::new(None::<IntervalHandle>);
    on_cleanup(move || {
        on_scroll.remove();
        if let Some(handle) = timer.try_get_value().flatten() {
            handle.clear();
        }
    });

    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(form) = lesson_dom::closest(&event, "form.knowledge-check") else {
            return;
        };
        let (check, chosen) = lesson_dom::chosen_options(&form);
        if chosen.is_empty() {
            lesson_dom::show_check_answer(&form, &[], "Choose an answer first.");
            return;
        }
        learner.record(ProgressEvent::Answered {
            lesson: lesson_id.get_value(),
            check,
            choices: chosen.clone(),
        });
        lesson_dom::show_check_answer(&form, &chosen, verdict(&form, &chosen));
        check_end();
    };
    let on_input = move |event: leptos::ev::Event| {
        let Some((activity, field, value)) = lesson_dom::worksheet_edit(&event) else {
            return;
        };
        learner.record(ProgressEvent::WorksheetEdited {
            lesson: lesson_id.get_value(),
            activity,
            field,
            value,
        });
        if let Some(section) = lesson_dom::closest(&event, ".activity") {
            let saved = if learner.save_error.get_untracked().is_some() {
                "Not saved: see the message at the top"
            } else {
                "Saved"
            };
            lesson_dom::set_activity_status(&section, saved);
        }
    };
    let on_click = move |event: leptos::ev::MouseEvent| {
        if let Some(choice) = lesson_dom::closest(&event, ".scenario-choice") {
            lesson_dom::choose_in_scenario(&choice);
        } else if let Some(scenario) = lesson_dom::closest(&event, ".scenario-restart")
            .and_then(|button| button.closest(".scenario").ok().flatten())
        {
            lesson_dom::restart_scenario(&scenario);
        } else if let Some(link) = lesson_dom::closest(&event, "a.glossary-term") {
            event.prevent_default();
            if let Some(term) = link.get_attribute("data-term") {
                glossary.show(term);
            }
        } else if let Some(section) = lesson_dom::closest(&event, "[data-action=download]")
            .and_then(|button| button.closest(".activity").ok().flatten())
        {
            let (activity, text) = lesson_dom::worksheet_text(&section);
            let name = format!("{}-{activity}.txt", lesson_id.get_value());
            if let Err(error) = download::download_text(&name, "text/plain;charset=utf-8", &text) {
                lesson_dom::set_activity_status(&section, &error);
            }
        } else if let Some(section) = lesson_dom::closest(&event, "[data-action=timer]")
            .and_then(|button| button.closest(".activity").ok().flatten())
        {
            start_timer(&section, timer);
        }
    };

    let previous_link = previous.map(|lesson| view! { <a rel="prev" href=Route::lesson(&lesson.id).href()>"← " {lesson.title}</a> });
    let next_link = next.map(|lesson| view! { <a rel="next" href=Route::lesson(&lesson.id).href()>{lesson.title} " →"</a> });
    let objectives = course.0.with_value(|manifest| {
        manifest
            .objectives
            .iter()
            .filter(|objective| lesson.objectives.contains(&objective.id))
            .map(|objective| objective.text.clone())
            .collect::<Vec<_>>()
    });
    let retry = move |_| {
        content.set(None);
        fetch::fetch_text_into(url.get_value(), content);
    };

    view! {
        <div class="reading-progress" aria-hidden="true" style:width=move || { let permille = reading.get(); format!("{}.{}%", permille / 10, permille % 10) }></div>
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <a href=Route::Home.href()>"Course"</a> " › " <a href=Route::Module { id: module.id }.href()>{module.title}</a>
        </nav>
        <h1 id="lesson-title">{lesson.title.clone()}</h1>
        <p class="lesson-meta">
            {lesson.minutes} " min · "
            <span class="lesson-status" data-status=move || status_token(status())>{move || status_label(status())}</span>
        </p>
        <details class="objectives">
            <summary>"In this lesson you will"</summary>
            <ul>{objectives.into_iter().map(|text| view! { <li>{text}</li> }).collect_view()}</ul>
        </details>
        // The loading line keeps its height after the content arrives, so nothing below it moves.
        <p class="status lesson-loading" role="status">
            {move || content.with(Option::is_none).then_some("Loading the lesson…")}
        </p>
        {move || {
            content.get().and_then(Result::err).map(|error| {
                view! {
                    <section class="error-panel" role="alert">
                        <h2>"This lesson could not be loaded"</h2>
                        <p>{error.to_string()}</p>
                        <button type="button" on:click=retry>"Try again"</button>
                    </section>
                }
            })
        }}
        <article class="lesson-body" node_ref=article aria-labelledby="lesson-title" on:submit=on_submit on:input=on_input on:click=on_click></article>
        <div class="lesson-end" node_ref=end_marker></div>
        <footer class="lesson-footer">
            <p class="lesson-completion" role="status">
                {move || match status() {
                    LessonStatus::Complete => "Lesson complete.",
                    _ => "Read to the end and answer the knowledge checks to complete this lesson.",
                }}
            </p>
            <nav aria-label="Lessons" class="lesson-nav">{previous_link} {next_link}</nav>
        </footer>
    }
}

/// Starts (or restarts) the activity's countdown, shown in its status line.
fn start_timer(section: &Element, timer: StoredValue<Option<IntervalHandle>>) {
    if let Some(handle) = timer.get_value() {
        handle.clear();
    }
    let minutes: u64 = section
        .get_attribute("data-minutes")
        .and_then(|minutes| minutes.parse().ok())
        .unwrap_or(5);
    let deadline = crate::platform::time::monotonic_milliseconds() + minutes * 60_000;
    let section = section.clone();
    lesson_dom::set_activity_timer(&section, &format!("{minutes}:00 left"));
    let handle = set_interval_with_handle(
        move || {
            let now = crate::platform::time::monotonic_milliseconds();
            let left = deadline.saturating_sub(now) / 1000;
            if left == 0 {
                lesson_dom::set_activity_timer(&section, "0:00");
                lesson_dom::set_activity_status(
                    &section,
                    "Time is up. Finish your thoughts and download the worksheet.",
                );
                if let Some(handle) = timer.get_value() {
                    handle.clear();
                }
            } else {
                lesson_dom::set_activity_timer(
                    &section,
                    &format!("{}:{:02} left", left / 60, left % 60),
                );
            }
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    timer.set_value(handle);
}
