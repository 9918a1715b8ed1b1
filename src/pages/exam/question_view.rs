//! One question on screen, any type, answered with the mouse or the keyboard alone. The
//! view holds no answer of its own: it shows `response` and reports changes through `on_answer`.

use leptos::prelude::*;
use specialist_core::exam::assembly::AssembledQuestion;
use specialist_core::exam::display::{decimal_text, plain_text};
use specialist_core::exam::grading::{Response, parse_decimal};
use specialist_core::exam::published::{PublishedQuestion, QuestionKind};

use crate::platform::location::focus_element;

/// The value a matching prompt holds before the learner picks a match.
const NO_MATCH: u8 = u8::MAX;

/// What every type's inputs share: the response shown, where changes go, and whether
/// changes are accepted.
#[derive(Clone, Copy)]
struct Answering {
    response: Signal<Option<Response>>,
    on_answer: Callback<Option<Response>>,
    disabled: Signal<bool>,
}

/// A question: stem, then the inputs of its type.
#[component]
pub fn QuestionView(
    /// The bank question.
    question: PublishedQuestion,
    /// Its place in the attempt, with the option order to show.
    asked: AssembledQuestion,
    /// The response held now.
    #[prop(into)]
    response: Signal<Option<Response>>,
    /// Called with the new response (`None` clears it).
    on_answer: Callback<Option<Response>>,
    /// Shows the question without accepting answers (another tab holds the attempt).
    #[prop(into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let stem_id = format!("stem-{}", question.id);
    let answering = Answering {
        response,
        on_answer,
        disabled,
    };
    let inputs = match question.kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleResponse | QuestionKind::TrueFalse => {
            choices(&question, &asked, &stem_id, answering).into_any()
        }
        QuestionKind::Ordering => ordering(&question, &asked, &stem_id, answering).into_any(),
        QuestionKind::Matching => matching(&question, &asked, &stem_id, answering).into_any(),
        QuestionKind::Numeric => numeric(&question, &stem_id, answering).into_any(),
    };
    view! {
        <div class="question" data-question=question.id>
            <div class="question-stem" id=stem_id inner_html=question.stem_html.clone()></div>
            {inputs}
        </div>
    }
}

/// Radio buttons (single choice, true/false) or checkboxes (multiple response).
fn choices(
    question: &PublishedQuestion,
    asked: &AssembledQuestion,
    stem_id: &str,
    answering: Answering,
) -> impl IntoView + use<> {
    let Answering {
        response,
        on_answer,
        disabled,
    } = answering;
    let multiple = question.kind == QuestionKind::MultipleResponse;
    let true_false = question.kind == QuestionKind::TrueFalse;
    let entries: Vec<(u8, String)> = if true_false {
        vec![(1, "True".to_string()), (0, "False".to_string())]
    } else {
        asked
            .option_order
            .iter()
            .filter_map(|&index| {
                question
                    .options
                    .get(usize::from(index))
                    .map(|option| (index, option.html.clone()))
            })
            .collect()
    };
    let chosen = move |index: u8| {
        response.with(|response| match response {
            Some(Response::Choices { chosen }) => chosen.contains(&index),
            Some(Response::Boolean { value }) => *value == (index == 1),
            _ => false,
        })
    };
    let name = format!("answer-{}", question.id);
    let items = entries
        .into_iter()
        .map(|(index, html)| {
            let pick = move |_| {
                let next = if true_false {
                    Some(Response::Boolean { value: index == 1 })
                } else if multiple {
                    let mut set = match response.get_untracked() {
                        Some(Response::Choices { chosen }) => chosen,
                        _ => Vec::new(),
                    };
                    if let Some(position) = set.iter().position(|&item| item == index) {
                        set.remove(position);
                    } else {
                        set.push(index);
                        set.sort_unstable();
                    }
                    (!set.is_empty()).then_some(Response::Choices { chosen: set })
                } else {
                    Some(Response::Choices {
                        chosen: vec![index],
                    })
                };
                on_answer.run(next);
            };
            view! {
                <li>
                    <label class="choice">
                        <input
                            type=if multiple { "checkbox" } else { "radio" }
                            name=name.clone()
                            prop:checked=move || chosen(index)
                            prop:disabled=move || disabled.get()
                            on:change=pick
                        />
                        <span inner_html=html></span>
                    </label>
                </li>
            }
        })
        .collect_view();
    view! {
        <fieldset class="choices" aria-labelledby=stem_id.to_string()>
            {multiple.then(|| view! {
                <p class="hint">"Select every right option. Scored all-or-nothing: you get the mark only with all right options and no wrong one."</p>
            })}
            <ul class="choice-list">{items}</ul>
        </fieldset>
    }
}

/// Items to put in order, each movable with Up and Down buttons.
fn ordering(
    question: &PublishedQuestion,
    asked: &AssembledQuestion,
    stem_id: &str,
    answering: Answering,
) -> impl IntoView + use<> {
    let Answering {
        response,
        on_answer,
        disabled,
    } = answering;
    let initial = asked.option_order.clone();
    let order = Memo::new(move |_| match response.get() {
        Some(Response::Order { order }) => order,
        _ => initial.clone(),
    });
    let texts: Vec<String> = question
        .options
        .iter()
        .map(|option| option.html.clone())
        .collect();
    let texts = StoredValue::new(texts);
    let question_id = question.id.clone();
    let move_item = move |from: usize, to: usize, direction: &'static str| {
        let mut next = order.get_untracked();
        if to >= next.len() {
            return;
        }
        next.swap(from, to);
        let moved = next[to];
        on_answer.run(Some(Response::Order { order: next }));
        // Keep the keyboard on the item that moved, now in its new place.
        let target = format!("order-{question_id}-{moved}-{direction}");
        request_animation_frame(move || focus_element(&target));
    };
    let question_id = question.id.clone();
    let rows = move || {
        let current = order.get();
        let last = current.len().saturating_sub(1);
        current
            .into_iter()
            .enumerate()
            .map(|(position, item)| {
                let html = texts.with_value(|texts| texts.get(usize::from(item)).cloned().unwrap_or_default());
                let text = plain_text(&html);
                let move_item = move_item.clone();
                let move_item_down = move_item.clone();
                view! {
                    <li class="order-item">
                        <span class="order-text" inner_html=html></span>
                        <span class="order-buttons">
                            <button type="button" id=format!("order-{question_id}-{item}-up")
                                aria-label=format!("Move “{text}” up")
                                disabled=move || disabled.get() || position == 0
                                on:click=move |_| move_item(position, position.wrapping_sub(1), "up")>"↑"</button>
                            <button type="button" id=format!("order-{question_id}-{item}-down")
                                aria-label=format!("Move “{text}” down")
                                disabled=move || disabled.get() || position == last
                                on:click=move |_| move_item_down(position, position + 1, "down")>"↓"</button>
                        </span>
                    </li>
                }
            })
            .collect_view()
    };
    let keep = move |_| {
        on_answer.run(Some(Response::Order {
            order: order.get_untracked(),
        }))
    };
    view! {
        <div class="ordering" role="group" aria-labelledby=stem_id.to_string()>
            <p class="hint">"Put the items in order, first at the top. Use the arrow buttons to move an item."</p>
            <ol class="order-list">{rows}</ol>
            <Show when=move || response.with(Option::is_none)>
                <button type="button" class="secondary" disabled=move || disabled.get() on:click=keep>"Keep this order as my answer"</button>
            </Show>
        </div>
    }
}

/// One menu per prompt, listing the items to match.
fn matching(
    question: &PublishedQuestion,
    asked: &AssembledQuestion,
    stem_id: &str,
    answering: Answering,
) -> impl IntoView + use<> {
    let Answering {
        response,
        on_answer,
        disabled,
    } = answering;
    let prompt_count = question.prompts.len();
    let pairs = move || match response.get() {
        Some(Response::Pairs { pairs }) if pairs.len() == prompt_count => pairs,
        _ => vec![NO_MATCH; prompt_count],
    };
    let choices: Vec<(u8, String)> = asked
        .option_order
        .iter()
        .filter_map(|&index| {
            question
                .options
                .get(usize::from(index))
                .map(|option| (index, plain_text(&option.html)))
        })
        .collect();
    let rows = question
        .prompts
        .iter()
        .enumerate()
        .map(|(prompt_index, prompt)| {
            let select_id = format!("match-{}-{prompt_index}", question.id);
            let options = choices
                .iter()
                .map(|(index, text)| {
                    let index = *index;
                    view! {
                        <option value=index.to_string() prop:selected=move || pairs().get(prompt_index) == Some(&index)>{text.clone()}</option>
                    }
                })
                .collect_view();
            let change = move |event: leptos::ev::Event| {
                let mut next = pairs();
                next[prompt_index] = event_target_value(&event).parse().unwrap_or(NO_MATCH);
                let any = next.iter().any(|&pair| pair != NO_MATCH);
                on_answer.run(any.then_some(Response::Pairs { pairs: next }));
            };
            view! {
                <li class="match-row">
                    <label for=select_id.clone() inner_html=prompt.clone()></label>
                    <select id=select_id prop:disabled=move || disabled.get() on:change=change>
                        <option value="" prop:selected=move || pairs().get(prompt_index) == Some(&NO_MATCH)>"Choose a match"</option>
                        {options}
                    </select>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="matching" role="group" aria-labelledby=stem_id.to_string()>
            <p class="hint">"Choose the matching item for each line. Each line must be right for the mark."</p>
            <ul class="match-list">{rows}</ul>
        </div>
    }
}

/// A number field that accepts a comma or a point, with the unit beside it.
fn numeric(
    question: &PublishedQuestion,
    stem_id: &str,
    answering: Answering,
) -> impl IntoView + use<> {
    let Answering {
        response,
        on_answer,
        disabled,
    } = answering;
    let input_id = format!("number-{}", question.id);
    let error_id = format!("number-error-{}", question.id);
    let problem = RwSignal::new(None::<String>);
    let shown = move || match response.get() {
        Some(Response::Number { value }) => decimal_text(value),
        _ => String::new(),
    };
    let change = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        if text.trim().is_empty() {
            problem.set(None);
            on_answer.run(None);
            return;
        }
        match parse_decimal(&text) {
            Some(value) => {
                problem.set(None);
                on_answer.run(Some(Response::Number { value }));
            }
            None => problem.set(Some(format!(
                "“{}” is not a number this question accepts: write digits with at most three decimals, e.g. 12.5",
                text.trim()
            ))),
        }
    };
    let unit = question.unit.clone();
    view! {
        <div class="numeric">
            <label for=input_id.clone()>"Your answer" {(!unit.is_empty()).then(|| format!(" (in {unit})"))}</label>
            <input id=input_id type="text" inputmode="decimal" autocomplete="off"
                aria-describedby=format!("{stem_id} {error_id}")
                aria-invalid=move || problem.with(Option::is_some).to_string()
                prop:value=shown prop:disabled=move || disabled.get() on:change=change/>
            <p class="field-error" id=error_id role="alert">{move || problem.get()}</p>
        </div>
    }
}
