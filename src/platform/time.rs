//! Clocks and randomness for the shell: monotonic and wall readings, and attempt seeds.

use specialist_core::exam::clock::ClockReading;

/// Milliseconds from a monotonic clock (performance.now), unaffected by system clock changes.
pub fn monotonic_milliseconds() -> u64 {
    let now = web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now());
    // performance.now() is non-negative and far below u64::MAX milliseconds.
    now.max(0.0) as u64
}

/// Wall-clock milliseconds since the Unix epoch (Date.now), which the user can change.
pub fn wall_milliseconds() -> i64 {
    // Date.now() is an integral number of milliseconds well inside i64.
    web_sys::js_sys::Date::now() as i64
}

/// Both clocks read together, for the exam clock.
pub fn clock_reading() -> ClockReading {
    ClockReading {
        wall_milliseconds: wall_milliseconds(),
        monotonic_milliseconds: monotonic_milliseconds(),
    }
}

/// A fresh attempt seed from the browser's cryptographic generator, below 2^53 so that it
/// survives JSON and JavaScript numbers exactly.
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Without WebCrypto the seed only needs to differ between attempts.
        bytes =
            (web_sys::js_sys::Math::random().to_bits() ^ wall_milliseconds() as u64).to_le_bytes();
    }
    u64::from_le_bytes(bytes) & ((1 << 53) - 1)
}

/// Whether the page is currently visible to the learner.
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .is_none_or(|document| document.visibility_state() == web_sys::VisibilityState::Visible)
}

/// `N` bytes from the browser's cryptographic generator (available in every context).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    web_sys::window()
        .and_then(|window| window.crypto().ok())
        .ok_or("this browser has no cryptographic random source")?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|_| "the browser's random source failed".to_string())?;
    Ok(bytes)
}
