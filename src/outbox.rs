//! The durable outbox's shell: entries live in IndexedDB (platform::vault), core decides
//! what an answer means and when to retry; this sends at start, when the network returns,
//! when a retry falls due, and with keepalive as the page goes away.

use std::collections::BTreeSet;

use leptos::prelude::*;
use specialist_core::outbox::{DeliveryState, OutboxEntry, XAPI_STATEMENT};
use wasm_bindgen::prelude::*;

use crate::platform::{time, vault};

/// The outbox as the UI sees it.
#[derive(Clone, Copy)]
pub struct Outbox {
    /// Every entry, oldest first, as last saved.
    pub entries: RwSignal<Vec<OutboxEntry>>,
    /// Ids being sent right now.
    pub sending: RwSignal<BTreeSet<String>>,
    /// Why the outbox cannot be read or written, if it cannot.
    pub storage_error: RwSignal<Option<String>>,
    /// Whether entries have been loaded from storage yet.
    pub loaded: RwSignal<bool>,
    draining: StoredValue<bool>,
    /// Set when a drain was asked for while one ran: that one drains once more.
    drain_again: StoredValue<bool>,
    timer: StoredValue<Option<i32>>,
}

impl Outbox {
    /// The outbox from context.
    pub fn use_context() -> Self {
        expect_context::<Self>()
    }

    /// Creates the outbox, loads its entries, sends what is due, and listens for the
    /// network coming back and for the page going away.
    pub fn start() -> Self {
        let outbox = Self {
            entries: RwSignal::new(Vec::new()),
            sending: RwSignal::new(BTreeSet::new()),
            storage_error: RwSignal::new(None),
            loaded: RwSignal::new(false),
            draining: StoredValue::new(false),
            drain_again: StoredValue::new(false),
            timer: StoredValue::new(None),
        };
        outbox.drain();
        let window = web_sys::window().expect("a browser window");
        let online = Closure::<dyn Fn()>::new(move || outbox.drain());
        let _ = window.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
        online.forget();
        // A page that goes away may be gone for good (a closed tab): hand everything still
        // queued to the browser with keepalive. The server's idempotency makes a later
        // second send of the same certificate harmless.
        let page_hide = Closure::<dyn Fn()>::new(move || {
            // LMS statements go as one ordered batch from the LMS session's own handler.
            outbox.entries.with_untracked(|entries| {
                entries
                    .iter()
                    .filter(|entry| {
                        entry.state == DeliveryState::Queued && entry.kind != XAPI_STATEMENT
                    })
                    .for_each(vault::send_on_exit);
            });
        });
        let _ =
            window.add_event_listener_with_callback("pagehide", page_hide.as_ref().unchecked_ref());
        page_hide.forget();
        outbox
    }

    /// Saves a new entry durably, shows it, and sends it.
    pub async fn queue(&self, entry: OutboxEntry) -> Result<(), String> {
        vault::save_entry(&entry).await?;
        self.entries.update(|entries| {
            entries.retain(|existing| existing.id != entry.id);
            entries.push(entry);
        });
        self.drain();
        Ok(())
    }

    /// How many entries of `kind` wait to be sent (queued, not yet answered).
    pub fn waiting(&self, kind: &str) -> usize {
        self.entries.with(|entries| {
            entries
                .iter()
                .filter(|entry| entry.kind == kind && entry.state == DeliveryState::Queued)
                .count()
        })
    }

    /// Queues entry `id` again to `url` (after a refusal the admin may have fixed), saved
    /// before it is shown, and sends it.
    pub async fn send_again(&self, id: &str, url: String) -> Result<(), String> {
        let Some(mut entry) = self
            .entries
            .with_untracked(|entries| entries.iter().find(|entry| entry.id == id).cloned())
        else {
            return Err(format!("no certificate {id} in the outbox"));
        };
        entry.requeue(url, time::wall_milliseconds());
        self.queue(entry).await
    }

    /// Sends everything due now, one at a time, and returns when done (before leaving the
    /// page for an LMS's return address).
    pub async fn flush(&self) {
        self.drain_now().await;
    }

    /// Sends every entry that is due, one at a time, then schedules the next retry.
    pub fn drain(&self) {
        let outbox = *self;
        if outbox.draining.get_value() {
            // The running drain may have read storage before a new entry was saved.
            outbox.drain_again.set_value(true);
            return;
        }
        outbox.draining.set_value(true);
        leptos::task::spawn_local(async move {
            loop {
                outbox.drain_again.set_value(false);
                outbox.drain_now().await;
                if !outbox.drain_again.get_value() {
                    break;
                }
            }
            outbox.draining.set_value(false);
            outbox.schedule_next();
        });
    }

    async fn drain_now(&self) {
        // Storage is the truth: another tab may have delivered or queued entries.
        match vault::outbox_entries().await {
            Ok(entries) => {
                self.entries.set(entries);
                self.storage_error.set(None);
            }
            Err(error) => {
                self.storage_error
                    .set(Some(format!("the outbox cannot be read: {error}")));
                self.loaded.set(true);
                return;
            }
        }
        self.loaded.set(true);
        let due: Vec<OutboxEntry> = self.entries.with_untracked(|entries| {
            let now = time::wall_milliseconds();
            // An LRS must get statements in order: none passes one still waiting for a retry.
            let mut statements_waiting = false;
            entries
                .iter()
                .filter(|entry| {
                    let statement = entry.kind == XAPI_STATEMENT;
                    let queued = entry.state == DeliveryState::Queued;
                    let send = entry.is_due(now) && !(statement && statements_waiting);
                    statements_waiting |= statement && queued && !send;
                    send
                })
                .cloned()
                .collect()
        });
        let mut statement_failed = false;
        for mut entry in due {
            if entry.kind == XAPI_STATEMENT && statement_failed {
                continue;
            }
            self.sending.update(|sending| {
                sending.insert(entry.id.clone());
            });
            let outcome = vault::send(&entry).await;
            entry.record(outcome, time::wall_milliseconds(), jitter_permille());
            statement_failed |=
                entry.kind == XAPI_STATEMENT && entry.state != DeliveryState::Verified;
            // The new state is saved before it is shown. If saving fails, the page keeps
            // showing the stored state, and the entry, still queued in storage, is sent
            // again later (the server answers the same credential with 200).
            let saved = vault::save_entry(&entry).await;
            self.sending.update(|sending| {
                sending.remove(&entry.id);
            });
            if saved.is_ok() && entry.state == DeliveryState::Verified {
                keep_issuer_profile(entry.response.as_deref());
            }
            match saved {
                Ok(()) => self.entries.update(|entries| {
                    if let Some(existing) =
                        entries.iter_mut().find(|existing| existing.id == entry.id)
                    {
                        *existing = entry;
                    }
                }),
                Err(error) => self
                    .storage_error
                    .set(Some(format!("the outbox cannot be saved: {error}"))),
            }
        }
    }

    /// Sets a timer for the earliest retry still queued.
    fn schedule_next(&self) {
        let outbox = *self;
        let next = self.entries.with_untracked(|entries| {
            entries
                .iter()
                .filter(|entry| entry.state == DeliveryState::Queued)
                .map(|entry| entry.next_attempt_wall)
                .min()
        });
        let window = web_sys::window().expect("a browser window");
        if let Some(previous) = outbox.timer.get_value() {
            window.clear_timeout_with_handle(previous);
        }
        let Some(next) = next else {
            outbox.timer.set_value(None);
            return;
        };
        let delay = (next - time::wall_milliseconds()).clamp(0, i64::from(i32::MAX)) as i32;
        let callback = Closure::once_into_js(move || outbox.drain());
        let handle = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), delay)
            .ok();
        outbox.timer.set_value(handle);
    }
}

/// Loads (and so keeps, for offline checks) the profile of the issuer that answered with
/// `credential`, so the verifier can check this credential's signature later offline.
fn keep_issuer_profile(credential: Option<&str>) {
    let issuer = credential
        .and_then(|text| web_sys::js_sys::JSON::parse(text).ok())
        .and_then(|value| web_sys::js_sys::Reflect::get(&value, &"issuer".into()).ok())
        .and_then(|issuer| web_sys::js_sys::Reflect::get(&issuer, &"id".into()).ok())
        .and_then(|id| id.as_string());
    if let Some(url) = issuer {
        leptos::task::spawn_local(async move {
            let _ = crate::platform::issuer_profile::load(&url).await;
        });
    }
}

/// 0–1000 from the browser's random source, for retry jitter.
fn jitter_permille() -> u32 {
    (time::random_seed() % 1001) as u32
}
