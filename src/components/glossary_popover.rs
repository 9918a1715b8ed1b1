//! The glossary popover: a term and its definition, opened from a term link in a lesson.

use leptos::prelude::*;

use crate::platform::location;
use crate::route::Route;
use crate::state::Glossary;

/// Shows the open glossary term as a non-modal panel; Escape or Close dismisses it.
#[component]
pub fn GlossaryPopover() -> impl IntoView {
    let glossary = Glossary::use_context();
    let close = move || glossary.open.set(None);
    let escape = window_event_listener(leptos::ev::keydown, move |event| {
        if event.key() == "Escape" && glossary.open.get_untracked().is_some() {
            close();
        }
    });
    on_cleanup(move || {
        escape.remove();
        // A term left open on one lesson must not reappear on the next.
        let _ = glossary.open.try_set(None);
    });
    // Focus moves into the panel when it opens, so keyboard users land on it.
    Effect::new(move |_| {
        if glossary.open.with(Option::is_some) {
            location::focus_element("glossary-popover-close");
        }
    });
    move || {
        let id = glossary.open.get()?;
        let body = match glossary.terms.get() {
            None => view! { <p class="status" role="status">"Loading the glossary…"</p> }.into_any(),
            Some(Err(error)) => view! { <p role="alert">"The glossary could not be loaded: " {error.to_string()}</p> }.into_any(),
            Some(Ok(_)) => match glossary.term(&id) {
                Some(term) => view! {
                    <h2 id="glossary-popover-term">{term.term}</h2>
                    <div class="glossary-definition" inner_html=term.definition_html></div>
                    <p><a href=Route::Glossary { id: id.clone() }.href()>"Open in the glossary"</a></p>
                }
                .into_any(),
                None => view! { <p>"This term is not in the glossary."</p> }.into_any(),
            },
        };
        Some(view! {
            <aside class="glossary-popover" role="dialog" aria-labelledby="glossary-popover-term">
                <button type="button" id="glossary-popover-close" class="secondary popover-close" on:click=move |_| close()>
                    "Close"
                </button>
                {body}
            </aside>
        })
    }
}
