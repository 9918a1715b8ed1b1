//! Search across every lesson and the glossary, with results as the learner types.

use leptos::prelude::*;
use specialist_core::manifest::COURSE_FOLDER;
use specialist_core::search::{Hit, HitTarget, MINIMUM_QUERY, PreparedIndex, SearchIndex, search};

use crate::platform::{fetch, location};
use crate::route::Route;
use crate::state::Course;

/// The search page.
#[component]
pub fn SearchPage(
    /// The query from the address, e.g. after going back to the results.
    initial_query: String,
) -> impl IntoView {
    let course = Course::use_context();
    location::set_document_title(&format!(
        "Search · {}",
        course.0.with_value(|manifest| manifest.title.clone())
    ));
    let query = RwSignal::new(initial_query);
    let url = course
        .0
        .with_value(|manifest| format!("{COURSE_FOLDER}{}", manifest.search_file));
    let index = RwSignal::new(None::<Result<PreparedIndex, String>>);
    leptos::task::spawn_local(async move {
        let loaded = fetch::fetch_decoded::<SearchIndex>(&url)
            .await
            .map(PreparedIndex::new)
            .map_err(|error| error.to_string());
        index.try_set(Some(loaded));
    });
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = input.get() {
            let _ = input.focus();
        }
    });
    let results = Memo::new(move |_| {
        let text = query.get();
        index.with(|index| match index {
            Some(Ok(index)) => Ok(search(index, &text)),
            Some(Err(error)) => Err(error.clone()),
            None => Ok(Vec::new()),
        })
    });
    let on_input = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        location::replace_quietly(&Route::Search {
            query: text.clone(),
        });
        query.set(text);
    };
    let summary = move || {
        let text = query.get();
        if text.trim().chars().count() < MINIMUM_QUERY {
            return "Type at least two letters.".to_string();
        }
        match (index.with(Option::is_none), results.get()) {
            (true, _) => "Loading the search index…".to_string(),
            (_, Err(error)) => format!("Search is unavailable: {error}"),
            (_, Ok(hits)) if hits.is_empty() => format!("No results for “{}”.", text.trim()),
            (_, Ok(hits)) => format!(
                "{} result{} for “{}”.",
                hits.len(),
                if hits.len() == 1 { "" } else { "s" },
                text.trim()
            ),
        }
    };
    view! {
        <h1>"Search"</h1>
        <form role="search" class="search-form" on:submit=|event| event.prevent_default()>
            <label for="search-input">"Search lessons and the glossary"</label>
            <input id="search-input" type="search" autocomplete="off" node_ref=input prop:value=move || query.get() on:input=on_input/>
        </form>
        <p class="status" role="status" aria-live="polite">{summary}</p>
        <ol class="search-results">
            {move || results.get().unwrap_or_default().into_iter().map(|hit| view! { <SearchResult hit query=query.get_untracked()/> }).collect_view()}
        </ol>
    }
}

/// One result: where it leads, and the snippet with the match marked.
#[component]
fn SearchResult(
    /// The result.
    hit: Hit,
    /// The query, passed on so the lesson opens at the match.
    query: String,
) -> impl IntoView {
    let course = Course::use_context();
    let (href, title, context) = match &hit.target {
        HitTarget::Lesson { lesson, heading } => {
            let title = course
                .0
                .with_value(|manifest| {
                    manifest
                        .lesson(lesson)
                        .map(|(_, lesson)| lesson.title.clone())
                })
                .unwrap_or_default();
            let href = Route::Lesson {
                id: lesson.clone(),
                find: Some(query.trim().to_string()),
            }
            .href();
            (href, title, heading.clone())
        }
        HitTarget::Term { term, name } => (
            Route::Glossary { id: term.clone() }.href(),
            name.clone(),
            "Glossary".to_string(),
        ),
    };
    view! {
        <li class="search-result">
            <a href=href>{title}</a>
            {(!context.is_empty()).then(|| view! { <span class="search-context">{context}</span> })}
            <p class="search-snippet">{hit.before} <mark>{hit.matched}</mark> {hit.after}</p>
        </li>
    }
}
