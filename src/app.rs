//! The root component: loads the course manifest once and shows the page the hash route names.

use leptos::prelude::*;
use specialist_core::manifest::{CourseManifest, MANIFEST_PATH};

use crate::pages::{CourseHome, ModulePage, NotFound};
use crate::platform;
use crate::route::Route;

/// Why the course could not be shown.
#[derive(Debug, Clone)]
struct LoadError(String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

async fn load_manifest() -> Result<CourseManifest, LoadError> {
    let manifest: CourseManifest = platform::fetch::fetch_json(MANIFEST_PATH)
        .await
        .map_err(|error| LoadError(error.to_string()))?;
    manifest
        .checked()
        .map_err(|error| LoadError(error.to_string()))
}

/// The whole app: header, then the current page inside the loading and error boundaries.
#[component]
pub fn App() -> impl IntoView {
    let route = platform::location::hash_route();
    let manifest = LocalResource::new(load_manifest);

    view! {
        <header class="site-header">
            <a class="brand" href=Route::Home.href()>"Specialist"</a>
        </header>
        <main id="main">
            <Transition fallback=|| view! { <p class="status" role="status">"Loading the course…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadFailed errors/> }>
                    {move || Suspend::new(async move {
                        let manifest = manifest.await?;
                        Ok::<_, LoadError>(view! { <CurrentPage manifest route/> })
                    })}
                </ErrorBoundary>
            </Transition>
        </main>
    }
}

/// Shows the page for the current route.
#[component]
fn CurrentPage(
    /// The loaded course outline.
    manifest: CourseManifest,
    /// The current route, from the address bar.
    route: ReadSignal<Route>,
) -> impl IntoView {
    let manifest = StoredValue::new(manifest);
    move || match route.get() {
        Route::Home => view! { <CourseHome manifest=manifest.get_value()/> }.into_any(),
        Route::Module { id } => match manifest.with_value(|manifest| manifest.module(&id).cloned())
        {
            Some(module) => {
                view! { <ModulePage module course_title=manifest.with_value(|m| m.title.clone())/> }
                    .into_any()
            }
            None => view! { <NotFound what=format!("module “{id}”")/> }.into_any(),
        },
        Route::NotFound { hash } => view! { <NotFound what=format!("page “{hash}”")/> }.into_any(),
    }
}

/// The panel shown when the course cannot be loaded, with each reason and a way to retry.
#[component]
fn LoadFailed(
    /// The errors caught by the boundary.
    errors: ArcRwSignal<Errors>,
) -> impl IntoView {
    let reload = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <section class="error-panel" role="alert">
            <h1>"The course could not be loaded"</h1>
            <ul>
                {move || errors.get().into_iter().map(|(_, error)| view! { <li>{error.to_string()}</li> }).collect_view()}
            </ul>
            <p>"Your saved progress is kept on this device. Check your connection and try again."</p>
            <button on:click=reload>"Try again"</button>
        </section>
    }
}
