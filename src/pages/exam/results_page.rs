//! The results of one graded attempt, showing only what the exam's review policy allows;
//! right answers and explanations are fetched and unsealed only here, after submission.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use specialist_core::exam::attempt::Attempt;
use specialist_core::exam::display::{clock_text, decimal_text, percent_text, plain_text};
use specialist_core::exam::grading::{Response, Tally};
use specialist_core::exam::published::{
    PublishedExam, PublishedQuestion, QuestionKind, QuestionReview, SealedReview,
};
use specialist_core::exam::seal::open_text;
use specialist_core::exam::transcript::SubmitReason;
use specialist_core::manifest::COURSE_FOLDER;
use web_sys::js_sys::JSON;

use super::ExamLoader;
use crate::platform::location::set_document_title;
use crate::platform::{fetch, storage};
use crate::route::Route;
use crate::state::Course;

/// The results page of attempt `number` at exam `id`.
#[component]
pub fn ResultsPage(
    /// The exam identifier.
    id: String,
    /// The 1-based attempt number.
    number: u32,
    /// Announce that time ran out.
    timed_out: bool,
) -> impl IntoView {
    view! { <ExamLoader id render=move |exam| view! { <Results exam number timed_out/> }/> }
}

/// Fetches and opens the sealed review file, when the policy shows any of it.
async fn open_review(exam: Arc<PublishedExam>) -> Result<BTreeMap<String, QuestionReview>, String> {
    let (Some(file), Some(cipher), true) = (
        &exam.review_file,
        &exam.review_cipher,
        exam.review.opens_review(),
    ) else {
        return Ok(BTreeMap::new());
    };
    let sealed: SealedReview = fetch::fetch_json(&format!("{COURSE_FOLDER}{file}"))
        .await
        .map_err(|error| error.to_string())?;
    let text = open_text(cipher, &sealed.sealed)
        .ok_or_else(|| format!("{file} does not open with this exam's cipher"))?;
    let value = JSON::parse(&text).map_err(|_| format!("{file} holds no review list"))?;
    let reviews: Vec<QuestionReview> =
        serde_wasm_bindgen::from_value(value).map_err(|error| format!("{file}: {error}"))?;
    Ok(reviews
        .into_iter()
        .map(|review| (review.id.clone(), review))
        .collect())
}

/// A response in words, from the question's own option texts.
fn response_text(question: &PublishedQuestion, response: Option<&Response>) -> String {
    let option = |index: &u8| {
        question
            .options
            .get(usize::from(*index))
            .map_or_else(|| "?".to_string(), |option| plain_text(&option.html))
    };
    match response {
        None => "no answer".to_string(),
        Some(Response::Choices { chosen }) => {
            chosen.iter().map(option).collect::<Vec<_>>().join("; ")
        }
        Some(Response::Boolean { value }) => if *value { "True" } else { "False" }.to_string(),
        Some(Response::Order { order }) => order.iter().map(option).collect::<Vec<_>>().join(" → "),
        Some(Response::Pairs { pairs }) => question
            .prompts
            .iter()
            .zip(pairs)
            .map(|(prompt, pair)| {
                format!(
                    "{} → {}",
                    plain_text(prompt),
                    if *pair == u8::MAX {
                        "no match".to_string()
                    } else {
                        option(pair)
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(Response::Number { value }) => {
            let unit = if question.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", question.unit)
            };
            format!("{}{unit}", decimal_text(*value))
        }
    }
}

/// One labelled bar of a breakdown.
fn bar(label: String, tally: Tally) -> impl IntoView {
    let percent = tally.basis_points() / 100;
    view! {
        <li class="result-bar">
            <span class="result-bar-label">{label}</span>
            <span class="result-bar-track" aria-hidden="true"><span class="result-bar-fill" style=format!("width: {percent}%")></span></span>
            <span class="result-bar-value">{format!("{} of {} ({})", tally.correct, tally.total, percent_text(tally.basis_points()))}</span>
        </li>
    }
}

/// The results of one attempt.
#[component]
fn Results(
    /// The loaded exam.
    exam: Arc<PublishedExam>,
    /// The attempt number.
    number: u32,
    /// Announce that time ran out.
    timed_out: bool,
) -> impl IntoView {
    let course = Course::use_context();
    let course_id = course.0.with_value(|manifest| manifest.id.clone());
    set_document_title(&format!("{} — results of attempt {number}", exam.title));
    let record = storage::load_exam_record(&course_id, &exam.id).record;
    let exam_route = Route::Exam {
        id: exam.id.clone(),
    };
    let Some((attempt, submission)) = record
        .attempts
        .iter()
        .find(|attempt| attempt.number == number)
        .and_then(|attempt| {
            attempt
                .submission
                .clone()
                .map(|submission| (attempt.clone(), submission))
        })
    else {
        return view! {
            <section class="notice" role="status">
                <h1>{format!("No results for attempt {number}")}</h1>
                <p>"That attempt has not been submitted on this device."</p>
                <p><a href=exam_route.href()>"Back to the exam"</a></p>
            </section>
        }
        .into_any();
    };
    let policy = exam.review;
    let attempt_limit = attempt.clock.limit_milliseconds();
    let result = submission.result.clone();
    let reviews = LocalResource::new({
        let exam = exam.clone();
        move || {
            let exam = exam.clone();
            async move { open_review(exam).await }
        }
    });
    let how = match submission.reason {
        SubmitReason::Manual => "You submitted it.",
        SubmitReason::Deadline => "It was submitted automatically when time ran out.",
        SubmitReason::OnLoadAfterDeadline => {
            "It was submitted when the exam was reopened after its deadline."
        }
    };
    let names = course.0.with_value(|manifest| {
        let objectives: BTreeMap<String, String> = manifest
            .objectives
            .iter()
            .map(|objective| (objective.id.clone(), objective.text.clone()))
            .collect();
        let modules: BTreeMap<String, String> = manifest
            .modules
            .iter()
            .map(|module| (module.id.clone(), module.title.clone()))
            .collect();
        (objectives, modules)
    });
    let verdict = if result.passed {
        "Passed"
    } else {
        "Not passed"
    };
    let breakdown = policy.objectives.then(|| {
        let objectives = result
            .objectives
            .iter()
            .map(|(id, tally)| {
                bar(
                    names.0.get(id).cloned().unwrap_or_else(|| id.clone()),
                    *tally,
                )
            })
            .collect_view();
        let modules = result
            .modules
            .iter()
            .map(|(id, tally)| {
                bar(
                    names.1.get(id).cloned().unwrap_or_else(|| id.clone()),
                    *tally,
                )
            })
            .collect_view();
        view! {
            <h2>"By objective"</h2>
            <ul class="result-bars">{objectives}</ul>
            <h2>"By module"</h2>
            <ul class="result-bars">{modules}</ul>
        }
    });
    let review = policy.wrong_answers.then(|| {
        let attempt = StoredValue::new(attempt);
        let exam = StoredValue::new(exam.clone());
        let list = move || {
            let loaded = reviews.get().map(|result| result.unwrap_or_default()).unwrap_or_default();
            attempt.with_value(|attempt: &Attempt| {
                exam.with_value(|exam| {
                    attempt
                        .questions
                        .iter()
                        .enumerate()
                        .filter_map(|(position, asked)| {
                            let question = exam.question(&asked.id)?.clone();
                            let response = attempt.responses.get(&asked.id);
                            let right = question.is_correct(response);
                            let given = response_text(&question, response);
                            let key = loaded.get(&asked.id).cloned();
                            let correct_text = key.as_ref().filter(|_| policy.shows_correct_answers(attempt.passed()) && !right).map(|key| {
                                let mut text = Response::decode(&key.response).map_or_else(|| key.response.clone(), |response| response_text(&question, Some(&response)));
                                if question.kind == QuestionKind::Numeric && key.tolerance > 0 {
                                    text.push_str(&format!(" (± {})", decimal_text(key.tolerance)));
                                }
                                text
                            });
                            let explanation = key.filter(|_| policy.explanations).map(|key| key.explanation_html);
                            Some(view! {
                                <li class="review-item" class:review-right=right class:review-wrong=!right>
                                    <h3>{format!("Question {} — {}", position + 1, if right { "right" } else { "wrong" })}</h3>
                                    <div class="question-stem" inner_html=question.stem_html></div>
                                    <p><strong>"Your answer: "</strong>{given}</p>
                                    {correct_text.map(|text| view! { <p><strong>"Right answer: "</strong>{text}</p> })}
                                    {explanation.map(|html| view! { <div class="explanation" inner_html=html></div> })}
                                </li>
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
        };
        view! {
            <h2>"Your answers"</h2>
            {move || reviews.get().and_then(Result::err).map(|error| view! { <p class="notice notice-warning" role="alert">{format!("Right answers and explanations could not be loaded: {error}")}</p> })}
            <ol class="review-items">{list}</ol>
        }
    });
    view! {
        <article class="results-page">
            {timed_out.then(|| view! { <p class="notice notice-warning" role="alert">"Time is up. Your attempt was submitted with the answers you had given."</p> })}
            <h1>{format!("{}: results of attempt {number}", exam.title)}</h1>
            {if policy.score {
                view! {
                    <p class="result-verdict" class:passed=result.passed>
                        <strong>{format!("{} — {verdict}", percent_text(result.score_basis_points))}</strong>
                        {format!(" (pass mark {}; {} of {} right)", percent_text(result.pass_mark_basis_points), result.overall.correct, result.overall.total)}
                    </p>
                }.into_any()
            } else {
                view! { <p class="result-verdict">"Your attempt has been submitted."</p> }.into_any()
            }}
            <p>{format!("Time used: {} of {}. {how}", clock_text(result.elapsed_milliseconds), clock_text(attempt_limit))}</p>
            {breakdown}
            {review}
            <p><a class="button" href=exam_route.href()>"Back to the exam"</a></p>
        </article>
    }
    .into_any()
}
