//! A labelled progress bar.

use leptos::prelude::*;

/// A progress bar with its percentage, announced by assistive technology as a progressbar.
#[component]
pub fn ProgressMeter(
    /// Whole percent complete, 0–100, read reactively. A plain closure rather than a
    /// `Signal`, whose derived form costs the study build's wasm more (bench/budget.toml).
    percent: impl Fn() -> u32 + Copy + Send + Sync + 'static,
    /// What the bar measures, e.g. "Course progress".
    label: &'static str,
) -> impl IntoView {
    view! {
        <div
            class="progress-meter"
            role="progressbar"
            aria-label=label
            aria-valuemin="0"
            aria-valuemax="100"
            aria-valuenow=move || percent().to_string()
        >
            <div class="progress-meter-fill" style:width=move || format!("{}%", percent())></div>
        </div>
    }
}
