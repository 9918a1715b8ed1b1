//! One tab per attempt: a Web Lock held for as long as the attempt page is open, with a
//! BroadcastChannel fallback for browsers without Web Locks. A tab that cannot take the
//! lock shows the attempt read-only and takes over when the other tab lets go.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function claim_attempt(name, changed) {
  let release = () => {};
  const held = new Promise((resolve) => { release = resolve; });
  if (globalThis.navigator && navigator.locks && navigator.locks.request) {
    const hold = () => { changed(true); return held; };
    navigator.locks.request(name, { ifAvailable: true }, (lock) => {
      if (lock) return hold();
      changed(false);
      navigator.locks.request(name, hold);
      return null;
    });
    return () => release();
  }
  if (typeof BroadcastChannel === "function") {
    const channel = new BroadcastChannel(name);
    let holding = false;
    let answered = false;
    channel.onmessage = (message) => {
      if (message.data === "who" && holding) channel.postMessage("mine");
      if (message.data === "mine") answered = true;
      if (message.data === "free" && !holding) { holding = true; changed(true); }
    };
    channel.postMessage("who");
    setTimeout(() => { if (answered) changed(false); else { holding = true; changed(true); } }, 250);
    addEventListener("pagehide", () => { if (holding) channel.postMessage("free"); });
    return () => { if (holding) channel.postMessage("free"); holding = false; channel.close(); };
  }
  changed(true);
  return () => {};
}
"#)]
extern "C" {
    fn claim_attempt(name: &str, changed: &Closure<dyn FnMut(bool)>) -> web_sys::js_sys::Function;
}

/// Who may change an attempt, as far as this tab knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holding {
    /// Waiting to learn whether this tab may change the attempt.
    Unknown,
    /// This tab holds the attempt.
    Mine,
    /// Another tab holds it.
    Elsewhere,
}

/// Claims the attempt `name` for this tab and returns who holds it, updated as that
/// changes; the claim ends with the reactive owner.
pub fn claim(name: &str) -> ReadSignal<Holding> {
    let (holding, set_holding) = signal(Holding::Unknown);
    let changed = Closure::<dyn FnMut(bool)>::new(move |mine: bool| {
        set_holding.try_set(if mine {
            Holding::Mine
        } else {
            Holding::Elsewhere
        });
    });
    let release = claim_attempt(name, &changed);
    let kept = StoredValue::new_local((changed, release));
    on_cleanup(move || {
        kept.try_with_value(|(_, release)| {
            let _ = release.call0(&JsValue::NULL);
        });
    });
    holding
}
