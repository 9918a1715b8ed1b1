//! The offline copy and updates through service_worker.js: registering sw.js, learning
//! that a new version waits, applying it, pinning the version while an attempt runs, and
//! the network and storage facts (online, usage, quota, persistence) the offline UI shows.

use specialist_core::decode::{Decode, DecodeError, Object, Source};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/platform/service_worker.js")]
extern "C" {
    #[wasm_bindgen(js_name = register)]
    fn register_promise(update_ready: &Closure<dyn Fn()>) -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = applyUpdate)]
    fn apply_update_now();
    #[wasm_bindgen(js_name = attemptRunning)]
    fn attempt_running_promise(running: bool) -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = online)]
    fn online_now() -> bool;
    #[wasm_bindgen(js_name = controlled)]
    fn controlled_now() -> bool;
    #[wasm_bindgen(js_name = storageEstimate)]
    fn storage_estimate_promise() -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = persistStorage)]
    fn persist_storage_promise() -> web_sys::js_sys::Promise;
}

/// Registers the service worker; `update_ready` runs whenever another version is ready.
/// Returns the page's version, `None` without a service worker (debug builds).
pub async fn register(update_ready: impl Fn() + 'static) -> Option<String> {
    let callback = Closure::<dyn Fn()>::new(update_ready);
    let result = JsFuture::from(register_promise(&callback)).await;
    // The worker calls back for as long as the page lives.
    callback.forget();
    result.ok().and_then(|version| version.as_string())
}

/// Switches to the version that is ready and reloads the page on it.
pub fn apply_update() {
    apply_update_now();
}

/// Tells the service worker whether an exam attempt is running on this page's version.
pub fn attempt_running(running: bool) {
    wasm_bindgen_futures::spawn_local(async move {
        let _ = JsFuture::from(attempt_running_promise(running)).await;
    });
}

/// Whether the service worker answers this page, so a reload works without the network.
pub fn controlled() -> bool {
    controlled_now()
}

/// Whether the browser believes it is online.
pub fn online() -> bool {
    online_now()
}

/// What the browser says of this site's storage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageEstimate {
    /// Bytes used, when known.
    pub usage: Option<f64>,
    /// Bytes this site may use, when known.
    pub quota: Option<f64>,
    /// Whether the browser keeps this site's data under storage pressure.
    pub persisted: Option<bool>,
}

impl StorageEstimate {
    /// Storage above this share of the quota is warned about.
    const NEARLY_FULL_PERCENT: f64 = 80.0;

    /// The share of the quota in use, when both are known.
    pub fn used_percent(&self) -> Option<f64> {
        match (self.usage, self.quota) {
            (Some(usage), Some(quota)) if quota > 0.0 => Some(usage * 100.0 / quota),
            _ => None,
        }
    }

    /// Whether storage is close enough to full to warn the learner.
    pub fn nearly_full(&self) -> bool {
        self.used_percent()
            .is_some_and(|percent| percent >= Self::NEARLY_FULL_PERCENT)
    }
}

/// The browser's storage estimate.
pub async fn storage_estimate() -> Option<StorageEstimate> {
    let value = JsFuture::from(storage_estimate_promise()).await.ok()?;
    crate::platform::fetch::decode(value).ok()
}

impl<S: Source> Decode<S> for StorageEstimate {
    fn decode(source: &S) -> Result<Self, DecodeError> {
        let estimate = Object::of(source)?;
        Ok(Self {
            usage: estimate.optional("usage")?,
            quota: estimate.optional("quota")?,
            persisted: estimate.optional("persisted")?,
        })
    }
}

/// Asks the browser to keep this site's data; whether it agreed.
pub async fn persist_storage() -> bool {
    JsFuture::from(persist_storage_promise())
        .await
        .ok()
        .and_then(|granted| granted.as_bool())
        .unwrap_or(false)
}
