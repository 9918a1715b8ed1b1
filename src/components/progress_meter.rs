//! A labelled progress bar.

use leptos::prelude::*;

/// A progress bar with its percentage, announced by assistive technology as a progressbar.
#[component]
pub fn ProgressMeter(
    /// Whole percent complete, 0–100.
    #[prop(into)]
    percent: Signal<u32>,
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
            aria-valuenow=move || percent.get().to_string()
        >
            <div class="progress-meter-fill" style:width=move || format!("{}%", percent.get())></div>
        </div>
    }
}
