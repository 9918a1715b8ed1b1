//! Files in and out: offering text to the learner as a download, and reading a file the
//! learner chose or dropped.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Downloads `contents` as a file called `file_name` with the given MIME type.
pub fn download_text(file_name: &str, mime_type: &str, contents: &str) -> Result<(), String> {
    let failed = |_| format!("could not prepare {file_name} for download");
    let parts = web_sys::js_sys::Array::of1(&contents.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime_type);
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(failed)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(failed)?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Reads a file the learner chose or dropped as text.
pub async fn file_text(file: web_sys::File) -> Result<String, String> {
    JsFuture::from(file.text())
        .await
        .map_err(|_| format!("{} could not be read", file.name()))?
        .as_string()
        .ok_or_else(|| format!("{} is not text", file.name()))
}
