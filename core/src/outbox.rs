//! The durable outbox's rules: what a server answer means for a queued document, and when
//! to try again. The app keeps the entries in IndexedDB and does the sending; nothing here
//! drops an entry before the server has said 2xx.

use serde::{Deserialize, Serialize};

/// The first retry waits this long; each failure doubles it.
pub const FIRST_RETRY_MILLISECONDS: u64 = 2_000;
/// No retry waits longer than this.
pub const LONGEST_RETRY_MILLISECONDS: u64 = 5 * 60_000;

/// Where a queued document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting to be sent (or sent without an answer yet).
    Queued,
    /// The server accepted it (2xx) and answered with its response.
    Verified,
    /// The server refused it for good (400, 409, 413, 415 or 422).
    Rejected,
}

/// One document waiting for, or done with, delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The document id, sent as the idempotency key.
    pub id: String,
    /// What it is, e.g. `certificate`.
    pub kind: String,
    /// The absolute URL it is POSTed to.
    pub url: String,
    /// The JSON body, exactly as signed.
    pub body: String,
    /// The HTTP method: POST unless said otherwise (xAPI statements are PUT by id).
    #[serde(default = "post", skip_serializing_if = "is_post")]
    pub method: String,
    /// Extra request headers (xAPI's Authorization and version); none for certificates,
    /// which go as text/plain so no CORS preflight is needed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// Where it stands.
    pub state: DeliveryState,
    /// How many sends failed so far.
    pub attempts: u32,
    /// Wall-clock milliseconds before which no retry is made.
    pub next_attempt_wall: i64,
    /// The last failure or the server's reason for a rejection, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The server's response body once verified (for a certificate, the credential).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// When it was queued, wall-clock milliseconds.
    pub created_wall: i64,
}

/// The kind of a completion certificate, POSTed to the backend.
pub const CERTIFICATE: &str = "certificate";
/// The kind of an xAPI statement for a cmi5 LMS, PUT to its LRS.
pub const XAPI_STATEMENT: &str = "xapi-statement";

fn post() -> String {
    "POST".into()
}

fn is_post(method: &String) -> bool {
    method == "POST"
}

/// What one send attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The server answered with this status and body.
    Answered {
        /// The HTTP status.
        status: u16,
        /// The response body.
        body: String,
        /// The problem detail when the body was an RFC 9457 problem.
        problem_detail: Option<String>,
    },
    /// No answer: offline, DNS, CORS, a timeout.
    NoAnswer(String),
}

impl OutboxEntry {
    /// A new queued entry, due at once.
    pub fn queued(id: String, kind: &str, url: String, body: String, now_wall: i64) -> Self {
        Self {
            id,
            kind: kind.to_string(),
            url,
            body,
            method: post(),
            headers: Vec::new(),
            state: DeliveryState::Queued,
            attempts: 0,
            next_attempt_wall: now_wall,
            last_error: None,
            response: None,
            created_wall: now_wall,
        }
    }

    /// Whether a send should be made at `now_wall`.
    pub fn is_due(&self, now_wall: i64) -> bool {
        self.state == DeliveryState::Queued && self.next_attempt_wall <= now_wall
    }

    /// Queues a rejected (or any) entry again, to `url` (the address config.json names now),
    /// due at once: the learner's way out after an admin fixed the backend.
    pub fn requeue(&mut self, url: String, now_wall: i64) {
        self.url = url;
        self.state = DeliveryState::Queued;
        self.attempts = 0;
        self.next_attempt_wall = now_wall;
    }

    /// Applies the outcome of a send made at `now_wall`. `jitter_permille` (0–1000) comes
    /// from the caller's random source and spreads retries from many devices apart.
    pub fn record(&mut self, outcome: SendOutcome, now_wall: i64, jitter_permille: u32) {
        let retry = |entry: &mut Self, reason: String| {
            entry.attempts = entry.attempts.saturating_add(1);
            entry.last_error = Some(reason);
            let delay = retry_delay_milliseconds(entry.attempts, jitter_permille);
            entry.next_attempt_wall =
                now_wall.saturating_add(i64::try_from(delay).unwrap_or(i64::MAX));
        };
        match outcome {
            SendOutcome::Answered { status, body, .. } if (200..300).contains(&status) => {
                self.state = DeliveryState::Verified;
                self.response = Some(body);
                self.last_error = None;
            }
            SendOutcome::Answered {
                status,
                problem_detail,
                ..
            } if is_final_refusal(status) => {
                self.state = DeliveryState::Rejected;
                self.last_error = Some(
                    problem_detail
                        .unwrap_or_else(|| format!("the server refused it (HTTP {status})")),
                );
            }
            SendOutcome::Answered { status, .. } => {
                retry(
                    self,
                    format!("the server answered HTTP {status}; will retry"),
                );
            }
            SendOutcome::NoAnswer(reason) => retry(self, reason),
        }
    }
}

/// An answer that sending the same document again cannot change: the server read it and
/// refused it (400 malformed, 409 conflict, 413 too large, 415 wrong type, 422 refused on
/// its content). Everything else — 401/403/404/405 from a proxy, a gateway or a backend
/// being deployed, 408, 425, 429 and every 5xx — may pass later and is retried.
fn is_final_refusal(status: u16) -> bool {
    matches!(status, 400 | 409 | 413 | 415 | 422)
}

/// The wait before retry number `attempts` (1 = after the first failure): exponential from
/// [`FIRST_RETRY_MILLISECONDS`], capped at [`LONGEST_RETRY_MILLISECONDS`], then scaled to
/// 50–100 % by `jitter_permille` so devices that failed together do not retry together.
pub fn retry_delay_milliseconds(attempts: u32, jitter_permille: u32) -> u64 {
    let exponent = attempts.saturating_sub(1).min(20);
    let delay = FIRST_RETRY_MILLISECONDS
        .saturating_mul(1 << exponent)
        .min(LONGEST_RETRY_MILLISECONDS);
    delay * (500 + u64::from(jitter_permille.min(1000)) / 2) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> OutboxEntry {
        OutboxEntry::queued(
            "urn:uuid:1".into(),
            "certificate",
            "https://example.com/api/v1/certificates".into(),
            "{}".into(),
            1_000,
        )
    }

    fn answered(status: u16, detail: Option<&str>) -> SendOutcome {
        SendOutcome::Answered {
            status,
            body: "{\"ok\":true}".into(),
            problem_detail: detail.map(str::to_string),
        }
    }

    #[test]
    fn only_a_2xx_delivers_and_keeps_the_answer() {
        let mut entry = entry();
        assert!(entry.is_due(1_000));
        entry.record(answered(201, None), 2_000, 0);
        assert_eq!(entry.state, DeliveryState::Verified);
        assert_eq!(entry.response.as_deref(), Some("{\"ok\":true}"));
        assert!(
            !entry.is_due(i64::MAX),
            "a verified entry is never sent again"
        );
    }

    #[test]
    fn a_final_refusal_keeps_the_servers_reason_and_stops() {
        let mut entry = entry();
        entry.record(
            answered(422, Some("exam \"final\": score mismatch")),
            2_000,
            0,
        );
        assert_eq!(entry.state, DeliveryState::Rejected);
        assert_eq!(
            entry.last_error.as_deref(),
            Some("exam \"final\": score mismatch")
        );
        assert!(!entry.is_due(i64::MAX));
        let mut entry = self::entry();
        entry.record(answered(409, None), 2_000, 0);
        assert_eq!(
            entry.last_error.as_deref(),
            Some("the server refused it (HTTP 409)")
        );
    }

    #[test]
    fn outages_rate_limits_and_no_answer_keep_it_queued_with_growing_waits() {
        let mut entry = entry();
        let mut now = 1_000;
        let mut waits = Vec::new();
        for outcome in [
            SendOutcome::NoAnswer("offline".into()),
            answered(503, None),
            answered(429, None),
            answered(404, None),
            SendOutcome::NoAnswer("offline".into()),
        ] {
            entry.record(outcome, now, 1000);
            assert_eq!(entry.state, DeliveryState::Queued);
            assert!(!entry.is_due(now), "not due right after a failure");
            waits.push(entry.next_attempt_wall - now);
            now = entry.next_attempt_wall;
            assert!(entry.is_due(now));
        }
        assert_eq!(waits, [2_000, 4_000, 8_000, 16_000, 32_000]);
        assert_eq!(entry.attempts, 5);
    }

    #[test]
    fn a_rejected_entry_can_be_queued_again_to_a_new_address() {
        let mut entry = entry();
        entry.record(answered(422, Some("no")), 2_000, 0);
        entry.requeue("https://example.org/api/v1/certificates".into(), 3_000);
        assert_eq!(entry.state, DeliveryState::Queued);
        assert_eq!(entry.attempts, 0);
        assert!(entry.is_due(3_000));
        assert_eq!(entry.url, "https://example.org/api/v1/certificates");
        assert_eq!(entry.body, "{}", "the signed document is sent unchanged");
    }

    #[test]
    fn waits_are_capped_and_jitter_spreads_them_between_half_and_all() {
        assert_eq!(retry_delay_milliseconds(1, 0), 1_000);
        assert_eq!(retry_delay_milliseconds(1, 1000), 2_000);
        assert_eq!(
            retry_delay_milliseconds(30, 1000),
            LONGEST_RETRY_MILLISECONDS
        );
        assert_eq!(
            retry_delay_milliseconds(u32::MAX, 0),
            LONGEST_RETRY_MILLISECONDS / 2
        );
        assert_eq!(
            retry_delay_milliseconds(2, 5000),
            4_000,
            "jitter is clamped"
        );
    }
}
