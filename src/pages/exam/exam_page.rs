//! The exam's page: what the exam is, whether an attempt may start now (and if not, why
//! and until when), the learner's attempts so far, and the way into practice.

use std::sync::Arc;

use leptos::prelude::*;
use specialist_core::exam::attempt::{
    Attempt, Availability, availability_with_held, missing_prerequisites,
};
use specialist_core::exam::clock::accommodated_limit_milliseconds;
use specialist_core::exam::display::{clock_text, percent_text};
use specialist_core::exam::published::PublishedExam;

use super::ExamLoader;
use crate::platform::location::{local_date_time, navigate, set_document_title};
use crate::platform::{storage, time};
use crate::route::Route;
use crate::state::{Course, Learner};

/// The exam page for exam `id`.
#[component]
pub fn ExamPage(
    /// The exam identifier.
    id: String,
) -> impl IntoView {
    view! { <ExamLoader id render=|exam| view! { <ExamOverview exam/> }/> }
}

/// The exam's rules, availability and history.
#[component]
fn ExamOverview(
    /// The loaded exam.
    exam: Arc<PublishedExam>,
) -> impl IntoView {
    let course = Course::use_context();
    let learner = Learner::use_context();
    let course_id = course.0.with_value(|manifest| manifest.id.clone());
    set_document_title(&exam.title);
    let loaded = storage::load_exam_record(&course_id, &exam.id);
    let unreadable = loaded.unreadable.map(|unreadable| unreadable.reason);
    let record = RwSignal::new(loaded.record);
    let now = RwSignal::new(time::wall_milliseconds());
    let ticker = set_interval_with_handle(
        move || {
            now.try_set(time::wall_milliseconds());
        },
        std::time::Duration::from_secs(1),
    )
    .ok();
    on_cleanup(move || {
        if let Some(ticker) = ticker {
            ticker.clear();
        }
    });
    let accommodation = crate::state::Settings::use_context()
        .0
        .with_value(|config| config.accommodation_percent.unwrap_or(100));
    let limit = accommodated_limit_milliseconds(exam.time_limit_minutes, accommodation);
    let exam = StoredValue::new(exam);
    let start_error = RwSignal::new(None::<String>);

    // Attempts taken on another device, as the LMS holds them, count here too.
    let held = StoredValue::new(
        exam.with_value(|exam| crate::lms::LmsSession::use_context().held_attempts(&exam.id)),
    );
    let state = Memo::new(move |_| {
        let missing = course.0.with_value(|manifest| {
            exam.with_value(|exam| {
                learner
                    .progress
                    .with(|progress| missing_prerequisites(exam, manifest, progress))
            })
        });
        exam.with_value(|exam| {
            record.with(|record| {
                held.with_value(|held| {
                    availability_with_held(exam, &record.attempts, held, missing, now.get())
                })
            })
        })
    });

    let start = move |_| {
        if learner.read_only {
            start_error.set(Some(
                "Your LMS opened this course for review: exam attempts cannot be started here."
                    .into(),
            ));
            return;
        }
        // Reread what is saved, so a second tab cannot start a second attempt.
        let mut fresh = course.0.with_value(|manifest| {
            exam.with_value(|exam| storage::load_exam_record(&manifest.id, &exam.id).record)
        });
        let missing = course.0.with_value(|manifest| {
            exam.with_value(|exam| {
                learner
                    .progress
                    .with_untracked(|progress| missing_prerequisites(exam, manifest, progress))
            })
        });
        let Availability::Open { number } = exam.with_value(|exam| {
            held.with_value(|held| {
                availability_with_held(
                    exam,
                    &fresh.attempts,
                    held,
                    missing,
                    time::wall_milliseconds(),
                )
            })
        }) else {
            record.set(fresh);
            return;
        };
        let started = exam.with_value(|exam| {
            Attempt::start(
                exam,
                number,
                false,
                time::random_seed(),
                accommodation,
                time::clock_reading(),
            )
        });
        match started {
            Ok(attempt) => {
                fresh.attempts.push(attempt);
                match storage::save_exam_record(&fresh) {
                    Ok(()) => navigate(&Route::Attempt {
                        id: fresh.exam.clone(),
                    }),
                    Err(error) => {
                        start_error.set(Some(format!("The attempt could not be started: {error}.")))
                    }
                }
            }
            Err(shortfall) => start_error.set(Some(format!(
                "This exam cannot be assembled: {shortfall}. Tell your training administrator."
            ))),
        }
    };

    let (id, title, instructions, questions, minutes, pass_mark, allowed, wait) =
        exam.with_value(|exam| {
            (
                exam.id.clone(),
                exam.title.clone(),
                exam.instructions_html.clone(),
                exam.question_count(),
                exam.time_limit_minutes,
                exam.pass_mark_percent,
                exam.attempts_allowed,
                exam.retry_wait_minutes,
            )
        });
    let lesson_or_module_title = move |id: &str| {
        course.0.with_value(|manifest| {
            manifest
                .module(id)
                .map(|module| (module.title.clone(), Route::Module { id: id.to_string() }))
                .or_else(|| {
                    manifest
                        .lesson(id)
                        .map(|(_, lesson)| (lesson.title.clone(), Route::lesson(id)))
                })
                .unwrap_or_else(|| (id.to_string(), Route::Home))
        })
    };
    let used = move || {
        record.with(|record| {
            record
                .attempts
                .iter()
                .filter(|attempt| attempt.submission.is_some())
                .count()
        })
    };
    let exam_id = id.clone();
    let action = move || {
        match state.get() {
        Availability::Locked { missing } => view! {
            <div class="notice">
                <p><strong>"Not open yet."</strong>" Complete these first:"</p>
                <ul>{missing.iter().map(|id| {
                    let (title, route) = lesson_or_module_title(id);
                    view! { <li><a href=route.href()>{title}</a></li> }
                }).collect_view()}</ul>
            </div>
        }.into_any(),
        Availability::InProgress => view! {
            <p><a class="button" href=Route::Attempt { id: exam_id.clone() }.href()>"Resume your attempt"</a></p>
        }.into_any(),
        Availability::Open { number } => view! {
            <p>
                <button type="button" on:click=start>{format!("Start attempt {number} of {allowed}")}</button>
                " The timer starts when you press the button and keeps running if you leave the page."
            </p>
        }.into_any(),
        Availability::Waiting { until } => view! {
            <p class="notice" role="status">
                {move || format!("Your next attempt opens in {} (at {}).", clock_text(u64::try_from(until - now.get()).unwrap_or(0)), local_date_time(until))}
            </p>
        }.into_any(),
        Availability::Passed => view! { <p class="notice notice-success">"You passed this exam."</p> }.into_any(),
        Availability::Exhausted => view! {
            <p class="notice notice-warning">"You have used every attempt at this exam. Contact your training administrator if you need another."</p>
        }.into_any(),
    }
    };
    let history = move || {
        record.with(|record| {
            record
                .attempts
                .iter()
                .filter_map(|attempt| {
                    let submission = attempt.submission.as_ref()?;
                    let number = attempt.number;
                    Some(view! {
                        <tr>
                            <th scope="row">{number}</th>
                            <td>{local_date_time(submission.wall)}</td>
                            <td>{percent_text(submission.result.score_basis_points)}</td>
                            <td>{if submission.result.passed { "Passed" } else { "Not passed" }}</td>
                            <td><a href=Route::Results { id: attempt.exam.clone(), number, timed_out: false }.href()>{format!("Results of attempt {number}")}</a></td>
                        </tr>
                    })
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <article class="exam-page">
            <h1>{title}</h1>
            {unreadable.map(|reason| view! {
                <p class="notice notice-warning" role="alert">{format!("Your saved attempts at this exam could not be read ({reason}). They are kept aside on this device; tell your training administrator.")}</p>
            })}
            <div class="prose" inner_html=instructions></div>
            <dl class="exam-facts">
                <dt>"Questions"</dt><dd>{questions}</dd>
                <dt>"Time limit"</dt>
                <dd>
                    {clock_text(limit)}
                    {(accommodation != 100).then(|| format!(" — {minutes} minutes with your extra-time arrangement of {accommodation} %"))}
                </dd>
                <dt>"Pass mark"</dt><dd>{format!("{pass_mark} %")}</dd>
                <dt>"Attempts"</dt><dd>{move || format!("{} of {allowed} used", used())}</dd>
                <dt>"After a failed attempt"</dt><dd>{format!("wait {wait} minutes before the next")}</dd>
            </dl>
            {action}
            <p class="field-error" role="alert">{move || start_error.get()}</p>
            <h2>"Practice"</h2>
            <p>"Untimed questions from the same bank, with feedback after each answer. Practice never counts."</p>
            <p><a class="button secondary" href=Route::Practice { id }.href()>"Practise"</a></p>
            <h2>"Your attempts"</h2>
            <Show when=move || { used() != 0 } fallback=|| view! { <p>"No attempts yet."</p> }>
                <table class="attempt-history">
                    <thead><tr><th scope="col">"Attempt"</th><th scope="col">"Submitted"</th><th scope="col">"Score"</th><th scope="col">"Result"</th><th scope="col">"Details"</th></tr></thead>
                    <tbody>{history}</tbody>
                </table>
            </Show>
        </article>
    }
}
