//! Practice: untimed, unlimited sets drawn from the exam's bank, with a verdict after each
//! answer. Practice is saved apart from graded attempts and never counts. It shows right
//! or wrong but not the right answer, because the same bank serves the graded exam.

use std::sync::Arc;

use leptos::prelude::*;
use specialist_core::exam::attempt::Attempt;
use specialist_core::exam::grading::Response;
use specialist_core::exam::published::PublishedExam;

use super::ExamLoader;
use super::question_view::QuestionView;
use crate::platform::location::{focus_element, set_document_title};
use crate::platform::{storage, time};
use crate::route::Route;
use crate::state::Course;

/// The practice page of exam `id`.
#[component]
pub fn PracticePage(
    /// The exam identifier.
    id: String,
) -> impl IntoView {
    view! { <ExamLoader id render=|exam| view! { <Practice exam/> }/> }
}

/// A practice set, started afresh when there is none.
#[component]
fn Practice(
    /// The loaded exam.
    exam: Arc<PublishedExam>,
) -> impl IntoView {
    let course = Course::use_context();
    let course_id = StoredValue::new(course.0.with_value(|manifest| manifest.id.clone()));
    set_document_title(&format!("{} — practice", exam.title));
    let exam = StoredValue::new(exam);
    let new_set = move || {
        exam.with_value(|exam| {
            Attempt::start(
                exam,
                0,
                true,
                time::random_seed(),
                100,
                time::clock_reading(),
            )
            .ok()
        })
    };
    let practice = RwSignal::new(
        storage::load_practice(
            &course_id.get_value(),
            &exam.with_value(|exam| exam.id.clone()),
        )
        .filter(|attempt| {
            attempt
                .questions
                .iter()
                .all(|asked| exam.with_value(|exam| exam.question(&asked.id).is_some()))
        })
        .or_else(new_set),
    );
    let save_error = RwSignal::new(None::<String>);
    let checked = RwSignal::new(None::<bool>);
    let change = move |apply: &dyn Fn(&mut Attempt, &PublishedExam)| {
        let Some(mut next) = practice.get_untracked() else {
            return;
        };
        exam.with_value(|exam| apply(&mut next, exam));
        match storage::save_practice(&course_id.get_value(), &next) {
            Ok(()) => save_error.set(None),
            Err(error) => save_error.set(Some(error)),
        }
        practice.set(Some(next));
    };
    let go_to = move |position: usize| {
        checked.set(None);
        change(&|attempt, exam| {
            let _ = attempt.go_to(exam, position, time::clock_reading());
        });
        request_animation_frame(|| focus_element("question-heading"));
    };
    let restart = move |_| {
        checked.set(None);
        practice.set(new_set());
        change(&|_, _| {});
    };
    let exam_id = exam.with_value(|exam| exam.id.clone());
    let title = exam.with_value(|exam| exam.title.clone());
    // The screen is rebuilt when the set or the question changes, not on every answer
    // (which would take the keyboard focus away from the option just chosen).
    let shown = Memo::new(move |_| {
        practice.with(|attempt| {
            attempt
                .as_ref()
                .map(|attempt| (attempt.seed, attempt.current))
        })
    });
    let screen = move || {
        // `get`, not `track`: tracking a memo that was never read leaves it without
        // sources, so it would never tell this screen that the question changed.
        let _ = shown.get();
        let attempt = practice.get_untracked()?;
        let total = attempt.questions.len();
        let position = attempt.current.min(total.saturating_sub(1));
        let asked = attempt.questions.get(position)?.clone();
        let question = exam.with_value(|exam| exam.question(&asked.id).cloned())?;
        let question_id = asked.id.clone();
        let response = Memo::new({
            let question_id = question_id.clone();
            move |_| {
                practice.with(|attempt| {
                    attempt
                        .as_ref()
                        .and_then(|attempt| attempt.responses.get(&question_id).cloned())
                })
            }
        });
        let on_answer = Callback::new({
            move |response: Option<Response>| {
                checked.set(None);
                change(&|attempt, exam| {
                    let _ =
                        attempt.answer(exam, &question_id, response.clone(), time::clock_reading());
                });
            }
        });
        let check = {
            let question = question.clone();
            move |_| checked.set(Some(question.is_correct(response.get_untracked().as_ref())))
        };
        Some(view! {
            <h2 id="question-heading" tabindex="-1">{format!("Practice question {} of {total}", position + 1)}</h2>
            <QuestionView question asked response on_answer disabled=false/>
            <p class="question-actions">
                <button type="button" on:click=check disabled=move || response.with(Option::is_none)>"Check answer"</button>
                <span class="spacer"></span>
                <button type="button" class="secondary" disabled={position == 0} on:click=move |_| go_to(position.saturating_sub(1))>"Previous"</button>
                <button type="button" class="secondary" disabled={position + 1 >= total} on:click=move |_| go_to(position + 1)>"Next"</button>
            </p>
            <p class="practice-feedback" role="status" class:right=move || checked.get() == Some(true)>
                {move || match checked.get() {
                    Some(true) => "Right.",
                    Some(false) => "Not quite. Look at the lesson on this objective again, then try once more.",
                    None => "",
                }}
            </p>
        })
    };
    view! {
        <article class="practice-page">
            <h1>{format!("{title}: practice")}</h1>
            <p>"Untimed and never counted. You see whether each answer is right; the right answers themselves stay hidden because the exam draws from the same questions."</p>
            <p class="field-error" role="alert">{move || save_error.get()}</p>
            {screen}
            <p class="question-actions">
                <button type="button" class="secondary" on:click=restart>"Start a new practice set"</button>
                <a href=Route::Exam { id: exam_id }.href()>"Back to the exam"</a>
            </p>
        </article>
    }
}
