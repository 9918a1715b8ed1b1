//! A glossary term on its own page (where a glossary link leads without the popover).

use leptos::prelude::*;

use crate::route::Route;
use crate::state::Glossary;

/// One glossary term.
#[component]
pub fn GlossaryPage(
    /// The term id.
    id: String,
) -> impl IntoView {
    let glossary = Glossary::use_context();
    glossary.want();
    move || {
        match glossary.terms.get() {
        None => view! { <p class="status" role="status">"Loading the glossary…"</p> }.into_any(),
        Some(Err(error)) => view! { <p role="alert">"The glossary could not be loaded: " {error.to_string()}</p> }.into_any(),
        Some(Ok(_)) => match glossary.term(&id) {
            Some(term) => view! {
                <nav aria-label="Breadcrumb" class="breadcrumb"><a href=Route::Home.href()>"← Course home"</a></nav>
                <h1>{term.term}</h1>
                <div class="glossary-definition" inner_html=term.definition_html></div>
            }
            .into_any(),
            None => view! { <h1>"Not found"</h1><p>"The glossary has no term “" {id.clone()} "”."</p> }.into_any(),
        },
    }
    }
}
