//! Reading and updating the interactive blocks inside a rendered lesson fragment.
//!
//! The publisher writes the blocks' HTML (see publish/src/blocks.rs); the lesson page
//! listens for events on the article and calls these functions to read what the learner
//! did and to show the result. Everything here works on `data-*` attributes the
//! publisher sets, so the two stay in step through those names only.

use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

/// Runs `then` once `element` is part of the document (checked every animation frame),
/// so that it can be measured and scrolled to. Gives up after about ten seconds.
pub fn when_attached(element: Element, then: impl FnOnce(Element) + 'static) {
    fn attempt(element: Element, then: Box<dyn FnOnce(Element)>, frames_left: u32) {
        if element.is_connected() {
            then(element);
        } else if frames_left > 0 {
            leptos::prelude::request_animation_frame(move || {
                attempt(element, then, frames_left - 1)
            });
        }
    }
    attempt(element, Box::new(then), 600);
}

/// The element the event happened on, or its nearest ancestor matching `selector`.
pub fn closest(event: &Event, selector: &str) -> Option<Element> {
    event
        .target()?
        .dyn_into::<Element>()
        .ok()?
        .closest(selector)
        .ok()
        .flatten()
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.item(index)?.dyn_into::<Element>().ok())
        .collect()
}

/// Focuses the first scenario choice inside `container`.
fn focus_first_choice(container: &Element) {
    if let Some(first) = container
        .query_selector(".scenario-choice")
        .ok()
        .flatten()
        .and_then(|button| button.dyn_into::<HtmlElement>().ok())
    {
        let _ = first.focus();
    }
}

/// The value of a worksheet control (text input, number input or text area).
fn control_value(control: &Element) -> Option<String> {
    control
        .dyn_ref::<HtmlTextAreaElement>()
        .map(HtmlTextAreaElement::value)
        .or_else(|| {
            control
                .dyn_ref::<HtmlInputElement>()
                .map(HtmlInputElement::value)
        })
}

fn set_hidden(element: &Element, hidden: bool) {
    if let Some(element) = element.dyn_ref::<HtmlElement>() {
        element.set_hidden(hidden);
    }
}

/// A knowledge check's id and the option indexes currently chosen.
pub fn chosen_options(form: &Element) -> (String, Vec<u8>) {
    let id = form.get_attribute("data-check").unwrap_or_default();
    let chosen = all(form, "input")
        .iter()
        .filter_map(|input| input.dyn_ref::<HtmlInputElement>())
        .filter(|input| input.checked())
        .filter_map(|input| input.value().parse().ok())
        .collect();
    (id, chosen)
}

/// Which options of a check are correct, in order.
pub fn correct_options(form: &Element) -> Vec<bool> {
    all(form, "input")
        .iter()
        .map(|input| input.get_attribute("data-correct").as_deref() == Some("true"))
        .collect()
}

/// Shows the feedback of the chosen options and the verdict; checks the chosen inputs (for restoring).
pub fn show_check_answer(form: &Element, chosen: &[u8], verdict: &str) {
    for (index, option) in all(form, ".check-option").iter().enumerate() {
        let is_chosen = u8::try_from(index).is_ok_and(|index| chosen.contains(&index));
        if let Ok(Some(input)) = option.query_selector("input")
            && let Some(input) = input.dyn_ref::<HtmlInputElement>()
        {
            input.set_checked(is_chosen);
        }
        if let Ok(Some(feedback)) = option.query_selector(".check-feedback") {
            set_hidden(&feedback, !is_chosen);
        }
    }
    if let Ok(Some(result)) = form.query_selector(".check-result") {
        result.set_text_content(Some(verdict));
    }
}

/// Every knowledge check form in the lesson.
pub fn check_forms(root: &Element) -> Vec<Element> {
    all(root, "form.knowledge-check")
}

/// A worksheet edit: (activity id, field id, value), when the event came from a worksheet field.
pub fn worksheet_edit(event: &Event) -> Option<(String, String, String)> {
    let field = event.target()?.dyn_into::<Element>().ok()?;
    let form = field.closest("form.worksheet").ok()??;
    let activity = form.get_attribute("data-activity")?;
    let name = field.get_attribute("name")?;
    let value = control_value(&field)?;
    Some((activity, name, value))
}

/// Writes saved values back into a worksheet's fields.
pub fn fill_worksheet(
    root: &Element,
    activity: &str,
    values: &std::collections::BTreeMap<String, String>,
) {
    for form in all(root, "form.worksheet") {
        if form.get_attribute("data-activity").as_deref() != Some(activity) {
            continue;
        }
        for (field, value) in values {
            let Ok(Some(control)) = form.query_selector(&format!("[name=\"{field}\"]")) else {
                continue;
            };
            if let Some(area) = control.dyn_ref::<HtmlTextAreaElement>() {
                area.set_value(value);
            } else if let Some(input) = control.dyn_ref::<HtmlInputElement>() {
                input.set_value(value);
            }
        }
    }
}

/// The worksheet as plain text: title, then each label and what the learner wrote.
pub fn worksheet_text(section: &Element) -> (String, String) {
    let activity = section.get_attribute("data-activity").unwrap_or_default();
    let title = section
        .query_selector(".activity-title")
        .ok()
        .flatten()
        .and_then(|title| title.first_child())
        .and_then(|text| text.text_content())
        .unwrap_or_default();
    let mut text = format!(
        "{}\n{}\n\n",
        title.trim(),
        "=".repeat(title.trim().chars().count())
    );
    for field in all(section, ".worksheet-field") {
        let label = field
            .query_selector("label")
            .ok()
            .flatten()
            .and_then(|label| label.text_content())
            .unwrap_or_default();
        let value = field
            .query_selector("textarea, input")
            .ok()
            .flatten()
            .and_then(|control| control_value(&control))
            .unwrap_or_default();
        text.push_str(&format!("{label}\n{value}\n\n"));
    }
    (activity, text)
}

/// Sets the status line of an activity (saved, timer).
pub fn set_activity_status(section: &Element, text: &str) {
    if let Ok(Some(status)) = section.query_selector(".worksheet-status") {
        status.set_text_content(Some(text));
    }
}

/// Shows the activity's countdown (a timer region, not announced every second).
pub fn set_activity_timer(section: &Element, text: &str) {
    if let Ok(Some(timer)) = section.query_selector(".worksheet-timer") {
        timer.set_text_content(Some(text));
    }
}

/// Plays a scenario choice: shows its consequence, locks the step, and reveals the next step or the restart button.
pub fn choose_in_scenario(choice: &Element) {
    let Ok(Some(step)) = choice.closest(".scenario-step") else {
        return;
    };
    let Ok(Some(scenario)) = choice.closest(".scenario") else {
        return;
    };
    for button in all(&step, ".scenario-choice") {
        let _ = button.set_attribute("disabled", "");
        let _ = button.set_attribute(
            "aria-pressed",
            if button == *choice { "true" } else { "false" },
        );
    }
    if let Some(consequence) = choice.next_element_sibling() {
        set_hidden(&consequence, false);
    }
    match choice.get_attribute("data-next") {
        Some(next) => {
            if let Ok(Some(next_step)) = scenario.query_selector(&format!("[data-step=\"{next}\"]"))
            {
                set_hidden(&next_step, false);
                focus_first_choice(&next_step);
            }
        }
        None => {
            if let Ok(Some(restart)) = scenario.query_selector(".scenario-restart") {
                set_hidden(&restart, false);
            }
        }
    }
}

/// Puts a scenario back at its first step.
pub fn restart_scenario(scenario: &Element) {
    let start = scenario.get_attribute("data-start").unwrap_or_default();
    for step in all(scenario, ".scenario-step") {
        set_hidden(
            &step,
            step.get_attribute("data-step").as_deref() != Some(start.as_str()),
        );
    }
    for button in all(scenario, ".scenario-choice") {
        let _ = button.remove_attribute("disabled");
        let _ = button.remove_attribute("aria-pressed");
    }
    for consequence in all(scenario, ".scenario-consequence") {
        set_hidden(&consequence, true);
    }
    if let Ok(Some(restart)) = scenario.query_selector(".scenario-restart") {
        set_hidden(&restart, true);
    }
    focus_first_choice(scenario);
}

/// The window and how far its page can scroll, in CSS pixels.
fn scroll_range() -> Option<(web_sys::Window, f64)> {
    let window = web_sys::window()?;
    let root = window.document()?.document_element()?;
    let viewport = window
        .inner_height()
        .ok()
        .and_then(|height| height.as_f64())
        .unwrap_or(0.0);
    Some((window, f64::from(root.scroll_height()) - viewport))
}

/// How far down the page the learner is, in thousandths.
pub fn scroll_permille() -> u16 {
    let Some((window, scrollable)) = scroll_range() else {
        return 0;
    };
    if scrollable <= 1.0 {
        return 1000;
    }
    let position = window.scroll_y().unwrap_or(0.0);
    // Rounded permille of a position within the page; always 0..=1000 after clamping.
    ((position / scrollable * 1000.0).round().clamp(0.0, 1000.0)) as u16
}

/// Scrolls to a position saved by [`scroll_permille`].
pub fn scroll_to_permille(permille: u16) {
    if let Some((window, scrollable)) = scroll_range() {
        window.scroll_to_with_x_and_y(0.0, (scrollable * f64::from(permille) / 1000.0).max(0.0));
    }
}

/// How far the top of `element` is from the top of the page, in CSS pixels.
pub fn page_top(element: &Element) -> f64 {
    let scrolled = web_sys::window()
        .and_then(|window| window.scroll_y().ok())
        .unwrap_or(0.0);
    element.get_bounding_client_rect().top() + scrolled
}

/// Whether the end of `marker` (the end of the lesson) is within the viewport.
pub fn is_in_view(marker: &Element) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let height = window
        .inner_height()
        .ok()
        .and_then(|height| height.as_f64())
        .unwrap_or(0.0);
    marker.get_bounding_client_rect().top() <= height
}

/// Wraps the first occurrence of `query` in the lesson in `<mark>` and scrolls it into view.
/// Returns whether it was found.
pub fn highlight_first(root: &Element, query: &str) -> bool {
    let needle = specialist_core::search::fold(query.trim());
    if needle.is_empty() {
        return false;
    }
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return false;
    };
    // NodeFilter.SHOW_TEXT
    let Ok(walker) = document.create_tree_walker_with_what_to_show(root, 4) else {
        return false;
    };
    while let Ok(Some(node)) = walker.next_node() {
        let Some(text) = node.dyn_ref::<web_sys::Text>() else {
            continue;
        };
        let content = text.data();
        let Some(start) = specialist_core::search::fold(&content).find(&needle) else {
            continue;
        };
        // DOM offsets count UTF-16 code units.
        let utf16 =
            |bytes: usize| u32::try_from(content[..bytes].encode_utf16().count()).unwrap_or(0);
        let Ok(matched) = text.split_text(utf16(start)) else {
            return false;
        };
        let _ = matched.split_text(utf16(start + needle.len()) - utf16(start));
        let Ok(mark) = document.create_element("mark") else {
            return false;
        };
        let _ = mark.set_attribute("class", "search-match");
        if let Some(parent) = matched.parent_node() {
            let _ = parent.replace_child(&mark, &matched);
            let _ = mark.append_child(&matched);
        }
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        mark.scroll_into_view_with_scroll_into_view_options(&options);
        return true;
    }
    false
}
