//! The page for an address that names nothing in this course.

use leptos::prelude::*;

use crate::route::Route;

/// Says what was not found and leads back to the course home.
#[component]
pub fn NotFound(
    /// What was asked for, e.g. `module “x”`.
    what: String,
) -> impl IntoView {
    view! {
        <h1>"Not found"</h1>
        <p>"This course has no " {what} "."</p>
        <p><a href=Route::Home.href()>"Go to the course home"</a></p>
    }
}
