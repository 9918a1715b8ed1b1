//! The attempt: one question per screen, a navigator, flags, a review screen and a
//! confirmation, a timer that never gives time back, and a save before every "Saved".
//! Only the tab holding the attempt's lock can change it; others show it read-only.

use std::sync::Arc;

use leptos::prelude::*;
use specialist_core::exam::attempt::{Attempt, ExamRecord};
use specialist_core::exam::clock::ClockReading;
use specialist_core::exam::display::{clock_text, duration_words};
use specialist_core::exam::grading::Response;
use specialist_core::exam::published::PublishedExam;
use specialist_core::exam::transcript::SubmitReason;

use super::ExamLoader;
use super::question_view::QuestionView;
use crate::platform::attempt_lock::{self, Holding};
use crate::platform::location::{focus_element, navigate, set_document_title};
use crate::platform::{storage, time};
use crate::route::Route;
use crate::state::Course;

/// Remaining times (milliseconds) at which a polite announcement is made.
const ANNOUNCE_AT: [u64; 4] = [600_000, 300_000, 60_000, 30_000];

/// The attempt page for exam `id`.
#[component]
pub fn AttemptPage(
    /// The exam identifier.
    id: String,
) -> impl IntoView {
    view! { <ExamLoader id render=|exam| view! { <AttemptRunner exam/> }/> }
}

/// Runs the open attempt at `exam`, if there is one.
#[component]
fn AttemptRunner(
    /// The loaded exam.
    exam: Arc<PublishedExam>,
) -> impl IntoView {
    let course = Course::use_context();
    let course_id = course.0.with_value(|manifest| manifest.id.clone());
    set_document_title(&format!("{} — attempt", exam.title));
    let exam_id = exam.id.clone();
    let exam = StoredValue::new(exam);
    let record = RwSignal::new(storage::load_exam_record(&course_id, &exam_id).record);
    let holding = attempt_lock::claim(&format!("specialist.{course_id}.exam.{exam_id}"));
    let save_error = RwSignal::new(None::<String>);
    let remaining = RwSignal::new(None::<u64>);
    let announcement = RwSignal::new(String::new());
    let announced = StoredValue::new(None::<u64>);
    let confirming = RwSignal::new(false);
    // Set when this page submitted the attempt, while the results page is on its way.
    let ended_here = RwSignal::new(false);

    let attempt = Memo::new(move |_| record.with(|record| record.attempts.last().cloned()));
    let open =
        Memo::new(move |_| attempt.with(|attempt| attempt.as_ref().is_some_and(Attempt::is_open)));

    // Applies `change` to the open attempt, saves, and only then shows the result.
    let commit = move |change: &dyn Fn(&mut Attempt, &PublishedExam, ClockReading)| {
        // A timer or event may still fire after the page was left; it then does nothing.
        if holding.try_get_untracked() != Some(Holding::Mine) {
            return;
        }
        let mut next = record.get_untracked();
        let Some(attempt) = next.open_attempt() else {
            return;
        };
        exam.with_value(|exam| change(attempt, exam, time::clock_reading()));
        let left = attempt.clock.remaining_milliseconds();
        match storage::save_exam_record(&next) {
            Ok(()) => save_error.set(None),
            Err(error) => save_error.set(Some(error)),
        }
        remaining.set(Some(left));
        let results = results_route(&next);
        if results.is_some() {
            ended_here.set(true);
        }
        record.set(next);
        // When the attempt ends, the results page takes over.
        if let Some(results) = results {
            navigate(&results);
        }
    };

    // The timer: every second the clock is read (and the attempt saved, so the largest
    // elapsed time survives a crash). A tab that does not hold the attempt only displays.
    let tick = move || {
        let Some(holding_now) = holding.try_get_untracked() else {
            return;
        };
        let reading = time::clock_reading();
        let visible = time::page_visible();
        if holding_now == Holding::Mine {
            commit(&|attempt, exam, reading| {
                attempt.tick(exam, reading, visible);
            });
        } else if let Some(mut copy) = attempt.get_untracked().filter(Attempt::is_open) {
            exam.with_value(|exam| copy.tick(exam, reading, false));
            remaining.set(Some(copy.clock.remaining_milliseconds()));
        }
        let Some(left) = remaining.get_untracked() else {
            return;
        };
        if let Some(&threshold) = ANNOUNCE_AT
            .iter()
            .rev()
            .find(|&&threshold| left <= threshold)
            && left > 0
            && announced.get_value() != Some(threshold)
        {
            announced.set_value(Some(threshold));
            announcement.set(format!("{} left.", duration_words(threshold)));
        }
    };

    // On taking the attempt (at load, or when another tab lets go): reread what is saved,
    // and submit at once if the deadline passed while nobody had it open.
    Effect::new(move |previous: Option<Holding>| {
        let now = holding.get();
        if now == Holding::Mine && previous != Some(Holding::Mine) {
            let fresh = course.0.with_value(|manifest| {
                exam.with_value(|exam| storage::load_exam_record(&manifest.id, &exam.id).record)
            });
            record.set(fresh);
            commit(&|attempt, exam, reading| {
                attempt.resume(exam, reading);
            });
        }
        now
    });
    let interval = set_interval_with_handle(tick, std::time::Duration::from_secs(1)).ok();
    let visibility = window_event_listener(leptos::ev::visibilitychange, move |_| {
        let visible = time::page_visible();
        commit(&|attempt, exam, reading| attempt.visibility_changed(exam, visible, reading));
    });
    on_cleanup(move || {
        if let Some(interval) = interval {
            interval.clear();
        }
        visibility.remove();
    });
    tick();

    let read_only = Signal::derive(move || holding.get() != Holding::Mine);
    let current = Memo::new(move |_| {
        attempt.with(|attempt| attempt.as_ref().map_or(0, |attempt| attempt.current))
    });
    let total = Memo::new(move |_| {
        attempt.with(|attempt| {
            attempt
                .as_ref()
                .map_or(0, |attempt| attempt.questions.len())
        })
    });
    // Each new screen starts at its heading, so keyboard and screen-reader users land on it.
    Effect::new(move |previous: Option<usize>| {
        let position = current.get();
        if previous.is_some_and(|previous| previous != position) {
            request_animation_frame(|| focus_element("question-heading"));
        }
        position
    });
    let go_to = move |position: usize| {
        confirming.set(false);
        commit(&|attempt, exam, reading| {
            let _ = attempt.go_to(exam, position, reading);
        });
    };

    let warning = move || {
        let limit = attempt.with(|attempt| {
            attempt
                .as_ref()
                .map_or(0, |attempt| attempt.clock.limit_milliseconds())
        });
        remaining
            .get()
            .is_some_and(|left| left <= (limit / 10).max(60_000))
    };
    let title = exam.with_value(|exam| exam.title.clone());
    let number =
        move || attempt.with(|attempt| attempt.as_ref().map_or(0, |attempt| attempt.number));

    let body = move || {
        if ended_here.get() {
            return view! { <p class="status" role="status">"Your attempt has been submitted. Opening your results…"</p> }.into_any();
        }
        if !open.get() {
            let exam_id = exam.with_value(|exam| exam.id.clone());
            return view! {
                <section class="notice" role="status">
                    <h1>"No attempt in progress"</h1>
                    <p>"This exam has no attempt under way on this device."</p>
                    <p><a class="button" href=Route::Exam { id: exam_id }.href()>"Go to the exam page"</a></p>
                </section>
            }
            .into_any();
        }
        let screen = move || {
            let position = current.get();
            if position >= total.get() {
                return view! { <ReviewScreen attempt confirming go_to commit read_only/> }
                    .into_any();
            }
            // Read without tracking: the screen is rebuilt when the position changes, not
            // on every tick of the clock (which would take the keyboard focus away).
            let Some(asked) = attempt.with_untracked(|attempt| {
                attempt
                    .as_ref()
                    .and_then(|attempt| attempt.questions.get(position).cloned())
            }) else {
                return ().into_any();
            };
            let Some(question) = exam.with_value(|exam| exam.question(&asked.id).cloned()) else {
                return view! { <p role="alert">"This question is missing from the exam file; move on to the next."</p> }.into_any();
            };
            let question_id = asked.id.clone();
            let response = Memo::new({
                let question_id = question_id.clone();
                move |_| {
                    attempt.with(|attempt| {
                        attempt
                            .as_ref()
                            .and_then(|attempt| attempt.responses.get(&question_id).cloned())
                    })
                }
            });
            let on_answer = Callback::new({
                let question_id = question_id.clone();
                move |response: Option<Response>| {
                    commit(&|attempt, exam, reading| {
                        let _ = attempt.answer(exam, &question_id, response.clone(), reading);
                    });
                }
            });
            let flagged = Memo::new({
                let question_id = question_id.clone();
                move |_| {
                    attempt.with(|attempt| {
                        attempt
                            .as_ref()
                            .is_some_and(|attempt| attempt.flagged.contains(&question_id))
                    })
                }
            });
            let toggle_flag = {
                move |_| {
                    let set = !flagged.get_untracked();
                    commit(&|attempt, exam, reading| {
                        let _ = attempt.set_flag(exam, &question_id, set, reading);
                    });
                }
            };
            let count = total.get();
            view! {
                <h2 id="question-heading" tabindex="-1">{format!("Question {} of {count}", position + 1)}</h2>
                <QuestionView question asked response on_answer disabled=read_only/>
                <div class="question-actions">
                    <button type="button" class="secondary flag-button" aria-pressed=move || flagged.get().to_string()
                        disabled=move || read_only.get() on:click=toggle_flag>
                        {move || if flagged.get() { "Flagged for review" } else { "Flag for review" }}
                    </button>
                    <span class="spacer"></span>
                    <button type="button" class="secondary" disabled=move || read_only.get() || position == 0
                        on:click=move |_| go_to(position.saturating_sub(1))>"Previous"</button>
                    <button type="button" disabled=move || read_only.get() on:click=move |_| go_to(position + 1)>
                        {if position + 1 == count { "Review answers" } else { "Next" }}
                    </button>
                </div>
            }
            .into_any()
        };
        view! {
            <div class="attempt-layout">
                <Navigator attempt go_to read_only/>
                <section class="question-area" aria-labelledby="question-heading">{screen}</section>
            </div>
        }
        .into_any()
    };

    view! {
        <article class="attempt">
            <Show when=move || open.get() && !ended_here.get()>
            <header class="attempt-bar">
                <h1>{title.clone()} <span class="attempt-number">{move || format!(" · attempt {}", number())}</span></h1>
                <div class="timer-box" class:timer-warning=warning>
                    <span class="timer-label" id="timer-label">"Time left"</span>
                    <span class="timer" role="timer" aria-live="off" aria-labelledby="timer-label">
                        {move || remaining.get().map(clock_text).unwrap_or_else(|| "--:--".into())}
                    </span>
                </div>
                <p class="save-state" role="status">
                    {move || match (holding.get(), save_error.get()) {
                        (Holding::Elsewhere, _) => String::new(),
                        (_, Some(error)) => format!("Not saved: {error}. Keep this tab open; your answers are held here."),
                        (Holding::Mine, None) => "All answers saved on this device.".to_string(),
                        (Holding::Unknown, None) => String::new(),
                    }}
                </p>
            </header>
            </Show>
            <Show when=move || holding.get() == Holding::Elsewhere && open.get()>
                <p class="notice notice-warning read-only-notice" role="status">
                    "This attempt is open in another tab or window, so it is shown here read-only. Close the other one to continue here."
                </p>
            </Show>
            <div class="visually-hidden" aria-live="polite" aria-atomic="true">{move || announcement.get()}</div>
            {body}
        </article>
    }
}

/// The results page of the last attempt in `record`, once it is submitted.
fn results_route(record: &ExamRecord) -> Option<Route> {
    let attempt = record.attempts.last()?;
    let submission = attempt.submission.as_ref()?;
    Some(Route::Results {
        id: attempt.exam.clone(),
        number: attempt.number,
        timed_out: submission.reason != SubmitReason::Manual,
    })
}

/// The grid of question buttons: answered, unanswered, flagged, current.
#[component]
fn Navigator(
    /// The attempt shown.
    attempt: Memo<Option<Attempt>>,
    /// Moves to a position.
    go_to: impl Fn(usize) + Copy + Send + Sync + 'static,
    /// Whether this tab may change the attempt.
    read_only: Signal<bool>,
) -> impl IntoView {
    // Each cell's state, so the grid is rebuilt only when a state changes (not on every tick).
    let cells = Memo::new(move |_| {
        attempt.with(|attempt| {
            attempt.as_ref().map_or_else(Vec::new, |attempt| {
                attempt
                    .questions
                    .iter()
                    .enumerate()
                    .map(|(position, question)| {
                        (
                            attempt.responses.contains_key(&question.id),
                            attempt.flagged.contains(&question.id),
                            attempt.current == position,
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    let buttons = move || {
        cells.with(|cells| {
            cells
                .iter()
                .enumerate()
                .map(|(position, &(answered, flagged, current))| {
                    let label = format!(
                        "Question {}, {}{}",
                        position + 1,
                        if answered { "answered" } else { "unanswered" },
                        if flagged { ", flagged" } else { "" }
                    );
                    view! {
                        <li>
                            <button type="button" class="nav-cell" class:answered=answered class:flagged=flagged
                                aria-label=label aria-current=current.then_some("step")
                                disabled=move || read_only.get() on:click=move |_| go_to(position)>
                                {position + 1}
                            </button>
                        </li>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let review_position = move || {
        attempt.with(|attempt| {
            attempt
                .as_ref()
                .map_or(0, |attempt| attempt.questions.len())
        })
    };
    view! {
        <nav class="navigator" aria-label="Questions">
            <ol class="nav-grid">{buttons}</ol>
            <p class="nav-legend"><span class="key key-answered"></span>" answered "<span class="key key-flagged"></span>" flagged"</p>
            <button type="button" class="secondary" disabled=move || read_only.get() on:click=move |_| go_to(review_position())>"Review and submit"</button>
        </nav>
    }
}

/// Lists unanswered and flagged questions, then asks for confirmation before submitting.
#[component]
fn ReviewScreen(
    /// The attempt shown.
    attempt: Memo<Option<Attempt>>,
    /// Whether the confirmation is showing.
    confirming: RwSignal<bool>,
    /// Moves to a position.
    go_to: impl Fn(usize) + Copy + Send + Sync + 'static,
    /// Applies a change to the attempt and saves it.
    commit: impl Fn(&dyn Fn(&mut Attempt, &PublishedExam, ClockReading))
    + Copy
    + Send
    + Sync
    + 'static,
    /// Whether this tab may change the attempt.
    read_only: Signal<bool>,
) -> impl IntoView {
    let lists = Memo::new(move |_| {
        attempt.with(|attempt| {
            let Some(attempt) = attempt else {
                return (Vec::new(), Vec::new(), 0);
            };
            let mut unanswered = Vec::new();
            let mut flagged = Vec::new();
            for (position, question) in attempt.questions.iter().enumerate() {
                if !attempt.responses.contains_key(&question.id) {
                    unanswered.push(position);
                }
                if attempt.flagged.contains(&question.id) {
                    flagged.push(position);
                }
            }
            (unanswered, flagged, attempt.questions.len())
        })
    });
    let links = move |positions: Vec<usize>| {
        positions
            .into_iter()
            .map(|position| {
                view! { <li><button type="button" class="link-button" on:click=move |_| go_to(position)>{format!("Question {}", position + 1)}</button></li> }
            })
            .collect_view()
    };
    let submit = move |_| {
        commit(&|attempt, exam, reading| attempt.submit(exam, SubmitReason::Manual, reading));
    };
    Effect::new(move |_| {
        if confirming.get() {
            request_animation_frame(|| focus_element("confirm-submit"));
        }
    });
    view! {
        <h2 id="question-heading" tabindex="-1">"Review before submitting"</h2>
        {move || {
            let (unanswered, flagged, total) = lists.get();
            let answered = total - unanswered.len();
            view! {
                <p>{format!("You have answered {answered} of {total} questions.")}</p>
                {(!unanswered.is_empty()).then(|| view! {
                    <h3>"Unanswered"</h3>
                    <ul class="review-list">{links(unanswered.clone())}</ul>
                })}
                {(!flagged.is_empty()).then(|| view! {
                    <h3>"Flagged for review"</h3>
                    <ul class="review-list">{links(flagged.clone())}</ul>
                })}
            }
        }}
        <p class="question-actions">
            <button type="button" class="secondary" on:click=move |_| go_to(0)>"Back to question 1"</button>
            <button type="button" disabled=move || read_only.get() on:click=move |_| confirming.set(true)>"Submit attempt"</button>
        </p>
        <Show when=move || confirming.get()>
            <div class="confirm" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-text">
                <h3 id="confirm-title">"Submit your answers?"</h3>
                <p id="confirm-text">
                    {move || {
                        let (unanswered, _, _) = lists.get();
                        if unanswered.is_empty() {
                            "You cannot change your answers after submitting.".to_string()
                        } else {
                            format!("{} questions are unanswered and will be marked wrong. You cannot change your answers after submitting.", unanswered.len())
                        }
                    }}
                </p>
                <button type="button" id="confirm-submit" on:click=submit>"Submit now"</button>
                <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep working"</button>
            </div>
        </Show>
    }
}
