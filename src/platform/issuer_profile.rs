//! The backend's issuer profile (its published keys), fetched when online and kept in local
//! storage, so a credential can still be checked against the issuer's keys offline.

use specialist_core::canonical::Canonical;

use crate::platform::fetch;

fn storage_key(url: &str) -> String {
    format!("specialist.issuer-profile.{url}")
}

/// The profile at `url`: fetched (and kept) when the network answers, else the copy kept
/// from the last fetch; `None` when neither is there.
pub async fn load(url: &str) -> Option<Canonical> {
    let storage = web_sys::window().and_then(|window| window.local_storage().ok().flatten());
    match fetch::fetch_json::<Canonical>(url).await {
        Ok(profile) => {
            if let (Some(storage), Ok(text)) = (&storage, String::from_utf8(profile.to_bytes())) {
                // Keeping a copy is a convenience: a full storage only costs the offline check.
                let _ = storage.set_item(&storage_key(url), &text);
            }
            Some(profile)
        }
        Err(_) => {
            let text = storage?.get_item(&storage_key(url)).ok().flatten()?;
            let value = web_sys::js_sys::JSON::parse(&text).ok()?;
            serde_wasm_bindgen::from_value(value).ok()
        }
    }
}
