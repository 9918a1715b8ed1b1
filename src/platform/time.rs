//! Clocks for the shell: a monotonic reading for time on task.

/// Milliseconds from a monotonic clock (performance.now), unaffected by system clock changes.
pub fn monotonic_milliseconds() -> u64 {
    let now = web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now());
    // performance.now() is non-negative and far below u64::MAX milliseconds.
    now.max(0.0) as u64
}

/// Whether the page is currently visible to the learner.
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .is_none_or(|document| document.visibility_state() == web_sys::VisibilityState::Visible)
}
