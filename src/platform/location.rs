//! The address bar's hash as a reactive route, and page-level browser details.

use leptos::prelude::*;

use crate::route::Route;

fn current_hash() -> String {
    web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default()
}

/// A signal holding the current route, updated on every `hashchange`.
pub fn hash_route() -> ReadSignal<Route> {
    let (route, set_route) = signal(Route::from_hash(&current_hash()));
    let handle = window_event_listener(leptos::ev::hashchange, move |_| {
        set_route.set(Route::from_hash(&current_hash()));
    });
    on_cleanup(move || handle.remove());
    route
}

/// Whether the app was opened without a route (so it may resume where the learner was).
/// index.html's loader notes the address it was opened at: a link followed in its early
/// paint of a lesson, before the app started, is not an opening. It notes null when this
/// load is not an opening at all, but the reload of a hand-over ([`hand_over_to`]).
pub fn opened_without_route() -> bool {
    let opened = web_sys::window()
        .and_then(|window| {
            web_sys::js_sys::Reflect::get(&window, &"specialistOpenedAt".into()).ok()
        })
        .filter(|value| !value.is_undefined());
    match opened {
        Some(address) => address
            .as_string()
            .is_some_and(|address| matches!(address.as_str(), "" | "#" | "#/")),
        // No loader noted anything: the address as it is now.
        None => matches!(current_hash().as_str(), "" | "#" | "#/"),
    }
}

/// Goes to `route`, adding a history entry.
pub fn navigate(route: &Route) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(&route.href());
    }
}

/// Replaces the current history entry with `route` without loading a page (the route signal is not told).
pub fn replace_quietly(route: &Route) {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        let _ =
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&route.href()));
    }
}

/// Sets the document title, so tabs and history show which page this is.
pub fn set_document_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        document.set_title(title);
    }
}

/// Uses a partner's accent colour: for buttons and links (light scheme; the dark scheme
/// keeps its own, readable there) and for the browser's and installed app's title bar.
pub fn set_partner_accent(colour: &str) {
    use wasm_bindgen::JsCast;
    let document = web_sys::window().and_then(|window| window.document());
    if let Some(root) = document
        .as_ref()
        .and_then(|document| document.document_element())
        .and_then(|root| root.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = root.style().set_property("--partner-accent", colour);
    }
    let meta = document.and_then(|document| {
        document
            .query_selector("meta[name=\"theme-color\"]")
            .ok()
            .flatten()
    });
    if let Some(meta) = meta {
        let _ = meta.set_attribute("content", colour);
    }
}

/// Leaves the app for `url` (an LMS's return address).
pub fn go_to(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// Reloads the page (after an import, or to retry loading the course).
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// The session storage key index.html's loader reads: it starts the build named there
/// ([`Build::name`]) rather than the one the address would get.
const BUILD_KEY: &str = "specialist.build";

/// The session storage key that tells index.html's loader, once, that this load is a
/// hand-over rather than an opening (see [`opened_without_route`]).
const HANDED_OVER_KEY: &str = "specialist.handed-over";

/// A larger build a page can hand over to (see `crate::capabilities`).
#[derive(Clone, Copy)]
pub enum Build {
    /// Lessons, the course home, modules, search and the glossary.
    Study,
    /// Everything, with exams, the certificate, This device and LMS embedding.
    Full,
}

impl Build {
    /// The value index.html's loader reads under [`BUILD_KEY`].
    fn name(self) -> &'static str {
        match self {
            Build::Study => "study",
            Build::Full => "full",
        }
    }
}

/// Asks index.html's loader for `build` for the rest of this tab's session, and reloads
/// into it at the same address (see `crate::capabilities`). Says why, instead, when the
/// reload could not work: offline with no service worker to answer it, or no session
/// storage for the request (the loader would start this build again, and reload forever).
pub fn hand_over_to(build: Build) -> Result<(), String> {
    let window = web_sys::window().ok_or("no browser window")?;
    if !crate::platform::service_worker::online() && !crate::platform::service_worker::controlled()
    {
        return Err("This part of the course is not on this device yet, and you are offline. Connect once and it will work offline from then on.".into());
    }
    let asked = window
        .session_storage()
        .ok()
        .flatten()
        .is_some_and(|session| {
            session.set_item(BUILD_KEY, build.name()).is_ok()
                && session.set_item(HANDED_OVER_KEY, "1").is_ok()
        });
    if !asked {
        return Err("This browser refuses session storage, which opening this page needs. Allow site data for this page and reload.".into());
    }
    reload();
    Ok(())
}

/// Tells the browser not to restore scroll positions itself: it would do so before the
/// lesson content has arrived (and clamp to the top); the app restores them.
pub fn take_over_scroll_restoration() {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        let _ = history.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
    }
}

/// Removes the lesson index.html's loader painted before the app started (its
/// `paintLesson`), if it is still there. The app shows in the same frame: main.css hides
/// what follows the paint. Returns how far the top of the window was below the top of the
/// paint's lesson text, in CSS pixels, when the learner had scrolled, so that the app's
/// lesson can open at the same line; focus inside the paint moves to the main region.
pub fn remove_early_paint() -> Option<f64> {
    let window = web_sys::window()?;
    let document = window.document()?;
    let paint = document.get_element_by_id("early-paint")?;
    let scrolled = window.scroll_y().unwrap_or(0.0) > 0.0;
    let into_text = paint
        .query_selector("article")
        .ok()
        .flatten()
        .map(|article| -article.get_bounding_client_rect().top());
    let had_focus = document
        .active_element()
        .is_some_and(|active| paint.contains(Some(&active)));
    paint.remove();
    if had_focus {
        focus_without_scrolling("main");
    }
    into_text.filter(|_| scrolled)
}

/// Scrolls the page to `top` CSS pixels from its top (0: as a newly opened page would be).
pub fn scroll_to(top: f64) {
    if let Some(window) = web_sys::window() {
        window.scroll_to_with_x_and_y(0.0, top);
    }
}

fn element_by_id(id: &str) -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
}

/// Moves keyboard focus to the element with `id`.
pub fn focus_element(id: &str) {
    if let Some(element) = element_by_id(id) {
        let _ = element.focus();
    }
}

/// Moves keyboard focus to the element with `id` without scrolling, so that after a page
/// change screen readers start at the new content while the page keeps its scroll position.
pub fn focus_without_scrolling(id: &str) {
    if let Some(element) = element_by_id(id) {
        let options = web_sys::FocusOptions::new();
        options.set_prevent_scroll(true);
        let _ = element.focus_with_options(&options);
    }
}

/// The page address's query string (`?a=1&b=2`), the launch link's parameters.
pub fn search() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default()
}

/// Formats wall-clock milliseconds as the learner's local date and time.
pub fn local_date_time(wall_milliseconds: i64) -> String {
    // The value is a whole number of milliseconds, exactly representable as f64.
    let date =
        web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(wall_milliseconds as f64));
    date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .into()
}

#[cfg(test)]
mod tests {
    use super::{BUILD_KEY, Build, HANDED_OVER_KEY};

    #[test]
    fn index_html_reads_the_request_this_module_writes() {
        let index = include_str!("../../index.html");
        assert!(
            index.contains(&format!("\"{BUILD_KEY}\"")),
            "index.html's loader must read session storage key {BUILD_KEY}"
        );
        assert!(
            index.contains(&format!("\"{HANDED_OVER_KEY}\"")),
            "index.html's loader must read session storage key {HANDED_OVER_KEY}"
        );
        for build in [Build::Study, Build::Full] {
            assert!(
                index.contains(&format!("=== \"{}\"", build.name())),
                "index.html's loader must start the {} build when asked",
                build.name()
            );
        }
    }
}
