//! A per-client token bucket for the certificate POST, so one client cannot make the server
//! verify and re-grade without pause. The client is the peer IP address, or the address a
//! trusted reverse proxy reports in X-Forwarded-For.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppError;

/// The requests per minute each client may POST when nothing else is configured.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 30;

/// Milliseconds in the refill period.
const MINUTE_MILLISECONDS: u64 = 60_000;

/// Above this many tracked clients, buckets that have refilled completely are forgotten
/// (a full bucket is the same as no bucket), so the table cannot grow without bound.
const TRACKED_CLIENTS_BEFORE_CLEANUP: usize = 10_000;

/// How the POST is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per minute per client; 0 turns the limit off.
    pub requests_per_minute: u32,
    /// Whether to take the client address from X-Forwarded-For (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            trust_forwarded_for: false,
        }
    }
}

/// One client's bucket. A token is worth [`MINUTE_MILLISECONDS`] units and the bucket refills
/// `requests_per_minute` units per millisecond, so integer arithmetic is exact.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    units: u64,
    updated: Instant,
}

/// The shared table of buckets, keyed by client address. Requests without a known peer
/// (tests driving the router directly) share the bucket keyed `None`.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

impl RateLimiter {
    /// A limiter with no client seen yet.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Takes a token for `client` at `now`, or says how many whole seconds until one is there.
    pub fn admit(&self, client: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let rate = u64::from(self.limit.requests_per_minute);
        if rate == 0 {
            return Ok(());
        }
        let capacity = rate * MINUTE_MILLISECONDS;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > TRACKED_CLIENTS_BEFORE_CLEANUP {
            buckets.retain(|_, bucket| {
                let elapsed = now.saturating_duration_since(bucket.updated).as_millis();
                u128::from(bucket.units) + elapsed * u128::from(rate) < u128::from(capacity)
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            units: capacity,
            updated: now,
        });
        let elapsed = u64::try_from(now.saturating_duration_since(bucket.updated).as_millis())
            .unwrap_or(u64::MAX);
        bucket.units = bucket
            .units
            .saturating_add(elapsed.saturating_mul(rate))
            .min(capacity);
        bucket.updated = now;
        if bucket.units >= MINUTE_MILLISECONDS {
            bucket.units -= MINUTE_MILLISECONDS;
            Ok(())
        } else {
            let missing_milliseconds = (MINUTE_MILLISECONDS - bucket.units).div_ceil(rate);
            Err(missing_milliseconds.div_ceil(1000).max(1))
        }
    }
}

/// The client a request counts against: the last X-Forwarded-For entry when trusted (the
/// address the proxy itself saw; earlier entries are whatever the client claimed), else the
/// peer. An unreadable last entry falls back to the peer rather than to a claimed one.
fn client_address(request: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .next_back()
            .and_then(|entry| entry.trim().parse::<IpAddr>().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip())
}

/// Middleware: answers 429 with Retry-After when the client has no token left.
pub async fn limit_requests(
    State(limiter): State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let client = client_address(&request, limiter.limit().trust_forwarded_for);
    match limiter.admit(client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(retry_after_seconds) => {
            tracing::warn!(
                client = %client.map_or_else(|| "unknown".to_string(), |address| address.to_string()),
                retry_after_seconds,
                "certificate post rate-limited"
            );
            AppError::RateLimited {
                retry_after_seconds,
            }
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_admits_its_capacity_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(RateLimit {
            requests_per_minute: 3,
            trust_forwarded_for: false,
        });
        let start = Instant::now();
        let client = Some(IpAddr::from([192, 0, 2, 1]));
        for _ in 0..3 {
            assert_eq!(limiter.admit(client, start), Ok(()));
        }
        assert_eq!(limiter.admit(client, start), Err(20));
        // Another client has its own bucket.
        assert_eq!(
            limiter.admit(Some(IpAddr::from([192, 0, 2, 2])), start),
            Ok(())
        );
        // One token comes back every 20 s at 3 per minute.
        assert_eq!(
            limiter.admit(client, start + Duration::from_secs(19)),
            Err(1)
        );
        assert_eq!(
            limiter.admit(client, start + Duration::from_secs(20)),
            Ok(())
        );
    }

    #[test]
    fn only_the_last_forwarded_address_counts_and_only_when_trusted() {
        let request = Request::builder()
            .header("x-forwarded-for", "203.0.113.9, 198.51.100.1")
            .header("x-forwarded-for", "192.0.2.7")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(
            client_address(&request, true),
            Some(IpAddr::from([192, 0, 2, 7]))
        );
        assert_eq!(client_address(&request, false), None);
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = RateLimiter::new(RateLimit {
            requests_per_minute: 0,
            trust_forwarded_for: false,
        });
        let now = Instant::now();
        for _ in 0..1000 {
            assert_eq!(limiter.admit(None, now), Ok(()));
        }
    }
}
