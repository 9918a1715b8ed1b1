//! Fetching JSON documents of the bundle by URLs relative to index.html, and reading
//! parsed JSON with specialist-core's decoders ([`Parsed`]).

use serde::de::DeserializeOwned;
use specialist_core::decode::{Decode, DecodeError, Source};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::js_sys::{Array, Object, Reflect};

/// A value from `JSON.parse` (or `Response.json`), as specialist-core's decoders read it.
/// The documents every page needs are read this way rather than through serde, whose
/// derived decoders cost the reader build more than anything else (core/src/decode.rs).
pub struct Parsed(pub JsValue);

impl Source for Parsed {
    fn member(&self, key: &str) -> Option<Self> {
        if !self.is_object() {
            return None;
        }
        // Own members only: a key such as "constructor" must not find Object's prototype.
        let key = JsValue::from_str(key);
        let object: &Object = self.0.unchecked_ref();
        Object::has_own(object, &key)
            .then(|| Reflect::get(object, &key).ok().map(Parsed))
            .flatten()
    }

    fn member_names(&self) -> Vec<String> {
        if !self.is_object() {
            return Vec::new();
        }
        Object::keys(self.0.unchecked_ref::<Object>())
            .iter()
            .filter_map(|key| key.as_string())
            .collect()
    }

    fn items(&self) -> Option<Vec<Self>> {
        Array::is_array(&self.0)
            .then(|| self.0.unchecked_ref::<Array>().iter().map(Parsed).collect())
    }

    fn is_object(&self) -> bool {
        self.0.is_object() && !Array::is_array(&self.0)
    }

    fn is_null(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }

    fn text(&self) -> Option<String> {
        self.0.as_string()
    }

    fn number(&self) -> Option<f64> {
        self.0.as_f64().filter(|number| number.is_finite())
    }

    fn boolean(&self) -> Option<bool> {
        self.0.as_bool()
    }
}

/// Reads `value` as a `T`, naming the path of the first thing wrong.
pub fn decode<T: Decode<Parsed>>(value: JsValue) -> Result<T, DecodeError> {
    T::decode(&Parsed(value))
}

/// Why a document could not be loaded; every variant names the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The request never got an answer (offline, DNS, CORS).
    Network {
        /// The URL as requested.
        url: String,
        /// What the browser said.
        detail: String,
    },
    /// The server answered with an error status.
    Status {
        /// The URL as requested.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer was not the expected JSON document.
    Malformed {
        /// The URL as requested.
        url: String,
        /// What did not match.
        detail: String,
    },
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Network { url, detail } => write!(formatter, "could not reach {url}: {detail}"),
            Self::Status { url, status } => write!(formatter, "{url} answered HTTP {status}"),
            Self::Malformed { url, detail } => {
                write!(formatter, "{url} is not a valid document: {detail}")
            }
        }
    }
}

impl std::error::Error for FetchError {}

/// Describes a JS exception or rejection in one line.
fn describe(value: &JsValue) -> String {
    value
        .dyn_ref::<web_sys::js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown error".to_string())
}

/// The response index.html's loader already asked for `url` (it fetches the first page's
/// files before the app has started), handed over once; `None` when it did not ask.
fn early_response(window: &web_sys::Window, url: &str) -> Option<web_sys::js_sys::Promise> {
    use web_sys::js_sys::{Function, Promise, Reflect};
    let take: Function = Reflect::get(window, &"specialistEarlyResponse".into())
        .ok()?
        .dyn_into()
        .ok()?;
    take.call1(window, &url.into())
        .ok()?
        .dyn_into::<Promise>()
        .ok()
}

/// GETs `url` (relative to the page) and returns the response when its status is a success.
async fn get(url: &str) -> Result<web_sys::Response, FetchError> {
    let window = web_sys::window().expect("the app runs in a browser window");
    let request = early_response(&window, url).unwrap_or_else(|| window.fetch_with_str(url));
    let response: web_sys::Response = JsFuture::from(request)
        .await
        .map_err(|value| FetchError::Network {
            url: url.to_string(),
            detail: describe(&value),
        })?
        .unchecked_into();
    if response.ok() {
        Ok(response)
    } else {
        Err(FetchError::Status {
            url: url.to_string(),
            status: response.status(),
        })
    }
}

/// Awaits a body promise (`json()`, `text()`), naming the URL when it fails.
async fn body(
    url: &str,
    promise: Result<web_sys::js_sys::Promise, JsValue>,
) -> Result<JsValue, FetchError> {
    let malformed = |value: JsValue| FetchError::Malformed {
        url: url.to_string(),
        detail: describe(&value),
    };
    JsFuture::from(promise.map_err(malformed)?)
        .await
        .map_err(malformed)
}

/// GETs `url` (relative to the page) and decodes its JSON body into `T`.
pub async fn fetch_json<T: DeserializeOwned>(url: &str) -> Result<T, FetchError> {
    let response = get(url).await?;
    let json = body(url, response.json()).await?;
    serde_wasm_bindgen::from_value(json).map_err(|error| FetchError::Malformed {
        url: url.to_string(),
        detail: error.to_string(),
    })
}

/// GETs `url` (relative to the page) and reads its JSON body with specialist-core's
/// decoders ([`Parsed`]).
pub async fn fetch_decoded<T: Decode<Parsed>>(url: &str) -> Result<T, FetchError> {
    let response = get(url).await?;
    let json = body(url, response.json()).await?;
    decode(json).map_err(|error| FetchError::Malformed {
        url: url.to_string(),
        detail: error.to_string(),
    })
}

/// GETs `url` (relative to the page) and returns its body as text.
pub async fn fetch_text(url: &str) -> Result<String, FetchError> {
    let response = get(url).await?;
    body(url, response.text())
        .await?
        .as_string()
        .ok_or_else(|| FetchError::Malformed {
            url: url.to_string(),
            detail: "the body is not text".into(),
        })
}

/// Starts fetching `url` as text in the background; the signal is `None` until it arrives.
/// (Cheaper in wasm than a resource when no Suspense needs to wait for it.)
pub fn fetch_text_into(
    url: String,
    into: leptos::prelude::RwSignal<Option<Result<String, FetchError>>>,
) {
    use leptos::prelude::Set;
    leptos::task::spawn_local(async move {
        let result = fetch_text(&url).await;
        into.try_set(Some(result));
    });
}

/// Starts fetching `url` as JSON in the background ([`fetch_decoded`]); the signal is
/// `None` until it arrives.
pub fn fetch_decoded_into<T: Decode<Parsed> + Send + Sync + 'static>(
    url: String,
    into: leptos::prelude::RwSignal<Option<Result<T, FetchError>>>,
) {
    use leptos::prelude::Set;
    leptos::task::spawn_local(async move {
        let result = fetch_decoded::<T>(&url).await;
        into.try_set(Some(result));
    });
}
