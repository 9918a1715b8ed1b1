//! The device key, Ed25519 verification and the durable outbox, through vault.js and idb.js:
//! WebCrypto and IndexedDB are promise APIs that are far shorter to drive from JavaScript.

use serde::Serialize;
use specialist_core::certificate::KeyProtection;
use specialist_core::outbox::{OutboxEntry, SendOutcome};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/platform/vault.js")]
extern "C" {
    #[wasm_bindgen(js_name = deviceKey)]
    fn device_key_promise() -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = deviceSign)]
    fn device_sign_promise(message: &[u8]) -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = verifyEd25519)]
    fn verify_promise(
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = outboxAll)]
    fn outbox_all_promise() -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = outboxPut)]
    fn outbox_put_promise(entry: JsValue) -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = post)]
    fn post_promise(
        url: &str,
        body: &str,
        keepalive: bool,
        method: &str,
        headers: JsValue,
    ) -> web_sys::js_sys::Promise;
    #[wasm_bindgen(js_name = postOnExit)]
    fn post_on_exit(url: &str, body: &str, method: &str, headers: JsValue);
}

// The IndexedDB part lives in a file of its own, so that the reader and study builds,
// which only count waiting certificates, download idb.js and not vault.js.
#[wasm_bindgen(module = "/src/platform/idb.js")]
extern "C" {
    #[wasm_bindgen(js_name = certificatesWaiting)]
    fn certificates_waiting_promise() -> web_sys::js_sys::Promise;
}

/// Describes a JS exception or rejection in one line.
fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<web_sys::js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown error".to_string())
}

async fn settle(promise: web_sys::js_sys::Promise) -> Result<JsValue, String> {
    JsFuture::from(promise)
        .await
        .map_err(|error| describe(&error))
}

/// Loads (or makes, once) the device key: its public key and how it is protected.
pub async fn device_key() -> Result<([u8; 32], KeyProtection), String> {
    let value = settle(device_key_promise()).await?;
    let public_key = web_sys::js_sys::Reflect::get(&value, &"publicKey".into())
        .ok()
        .and_then(|key| key.dyn_into::<web_sys::js_sys::Uint8Array>().ok())
        .map(|array| array.to_vec())
        .ok_or("the device key has no public key")?;
    let protection: KeyProtection = serde_wasm_bindgen::from_value(
        web_sys::js_sys::Reflect::get(&value, &"protection".into()).unwrap_or(JsValue::NULL),
    )
    .map_err(|error| format!("the device key's protection is unreadable: {error}"))?;
    let public_key: [u8; 32] = public_key
        .try_into()
        .map_err(|_| "the device key is not 32 bytes".to_string())?;
    Ok((public_key, protection))
}

/// Signs `message` with the device key.
pub async fn device_sign(message: &[u8]) -> Result<[u8; 64], String> {
    let value = settle(device_sign_promise(message)).await?;
    web_sys::js_sys::Uint8Array::new(&value)
        .to_vec()
        .try_into()
        .map_err(|_| "the signature is not 64 bytes".to_string())
}

/// Whether `signature` over `message` verifies with `public_key` (Ed25519).
pub async fn verify(
    public_key: &[u8; 32],
    message: &[u8],
    signature: &[u8; 64],
) -> Result<bool, String> {
    let value = settle(verify_promise(public_key, message, signature)).await?;
    Ok(value.as_bool() == Some(true))
}

/// Every outbox entry, oldest first; unreadable entries are skipped and named.
pub async fn outbox_entries() -> Result<Vec<OutboxEntry>, String> {
    let value = settle(outbox_all_promise()).await?;
    let array: web_sys::js_sys::Array = value.unchecked_into();
    let mut entries = Vec::new();
    for item in array.iter() {
        match serde_wasm_bindgen::from_value::<OutboxEntry>(item) {
            Ok(entry) => entries.push(entry),
            Err(error) => web_sys::console::warn_1(
                &format!("outbox: an entry is unreadable and left as it is: {error}").into(),
            ),
        }
    }
    Ok(entries)
}

/// How many certificates wait in the outbox, without reading the entries into Rust.
pub async fn certificates_waiting() -> Result<u32, String> {
    let value = settle(certificates_waiting_promise()).await?;
    // A count of IndexedDB records is a small whole number.
    Ok(value.as_f64().unwrap_or(0.0) as u32)
}

/// Saves an entry durably (IndexedDB strict durability) before anything shows it as saved.
pub async fn save_entry(entry: &OutboxEntry) -> Result<(), String> {
    let value = entry
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| error.to_string())?;
    settle(outbox_put_promise(value)).await.map(|_| ())
}

/// An entry's extra headers as the `[[name, value], …]` the JS side takes.
fn headers(entry: &OutboxEntry) -> JsValue {
    serde_wasm_bindgen::to_value(&entry.headers).unwrap_or(JsValue::NULL)
}

/// Sends an entry's body and returns what came of it.
pub async fn send(entry: &OutboxEntry) -> SendOutcome {
    match settle(post_promise(
        &entry.url,
        &entry.body,
        false,
        &entry.method,
        headers(entry),
    ))
    .await
    {
        Ok(value) => {
            let field = |name: &str| {
                web_sys::js_sys::Reflect::get(&value, &name.into()).unwrap_or(JsValue::NULL)
            };
            let status = field("status").as_f64().unwrap_or(0.0) as u16;
            let body = field("body").as_string().unwrap_or_default();
            // A certificate's 2xx must carry its credential; a statement's 204 carries nothing.
            if entry.kind == specialist_core::outbox::CERTIFICATE
                && (200..300).contains(&status)
                && !answers_entry(&body, &entry.id)
            {
                return SendOutcome::NoAnswer(
                    "the answer was not the credential for this certificate (a proxy or sign-in page?); will retry"
                        .into(),
                );
            }
            SendOutcome::Answered {
                status,
                body,
                problem_detail: field("problemDetail").as_string(),
            }
        }
        Err(reason) => SendOutcome::NoAnswer(format!("could not reach the server: {reason}")),
    }
}

/// The course id a certificate's JSON body names, if it is one.
pub fn certificate_course(body: &str) -> Option<String> {
    let value = web_sys::js_sys::JSON::parse(body).ok()?;
    let course = web_sys::js_sys::Reflect::get(&value, &"course".into()).ok()?;
    web_sys::js_sys::Reflect::get(&course, &"id".into())
        .ok()?
        .as_string()
}

/// Whether a 2xx `body` is the server's answer to entry `id`: JSON whose `id` names the
/// same uuid (a credential's id is its URL, ending with the certificate's uuid).
fn answers_entry(body: &str, id: &str) -> bool {
    let uuid = id.trim_start_matches("urn:uuid:");
    web_sys::js_sys::JSON::parse(body)
        .ok()
        .and_then(|value| web_sys::js_sys::Reflect::get(&value, &"id".into()).ok())
        .and_then(|answer_id| answer_id.as_string())
        .is_some_and(|answer_id| !uuid.is_empty() && answer_id.ends_with(uuid))
}

/// Fires one keepalive POST of xAPI statements, in order, as a JSON array to the
/// statements resource they were addressed to (an LRS keeps an array's order).
pub fn send_statements_on_exit(statements: &[OutboxEntry]) {
    let Some(first) = statements.first() else {
        return;
    };
    let url = first
        .url
        .split_once('?')
        .map_or(first.url.as_str(), |(resource, _)| resource);
    let body = format!(
        "[{}]",
        statements
            .iter()
            .map(|statement| statement.body.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    post_on_exit(url, &body, "POST", headers(first));
}

/// Fires a keepalive send of the entry as the page goes away.
pub fn send_on_exit(entry: &OutboxEntry) {
    post_on_exit(&entry.url, &entry.body, &entry.method, headers(entry));
}
