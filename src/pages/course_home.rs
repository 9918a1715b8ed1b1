//! The course home: title, description and the ordered module list.

use leptos::prelude::*;
use specialist_core::manifest::CourseManifest;

use crate::platform::location::set_document_title;
use crate::route::Route;

/// The course home page.
#[component]
pub fn CourseHome(
    /// The course outline to show.
    manifest: CourseManifest,
) -> impl IntoView {
    set_document_title(&manifest.title);
    let modules = manifest
        .modules
        .into_iter()
        .map(|module| {
            let href = Route::Module { id: module.id }.href();
            view! {
                <li>
                    <a href=href>{module.title}</a>
                    <p>{module.description}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <h1>{manifest.title}</h1>
        <p class="lead">{manifest.description}</p>
        <h2>"Modules"</h2>
        <ol class="module-list">{modules}</ol>
    }
}
