//! Rate limits of the token endpoint, per client id and per peer address (GCRA, the
//! `governor` crate): a burst of `n` requests, then one more every `60 / n` seconds. Every
//! attempt counts, right or wrong, so guessing secrets and flooding the endpoint both run
//! into 429 with `Retry-After`.

use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// Above this many tracked keys, keys back at a full allowance are dropped, so a flood of
/// made-up client ids cannot grow the tables without bound.
const RETAIN_ABOVE: usize = 10_000;

pub struct TokenLimits {
    per_client: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl TokenLimits {
    /// `per_client` and `per_address`: requests allowed per minute (and at once).
    pub fn new(per_client: NonZeroU32, per_address: NonZeroU32) -> Self {
        Self {
            per_client: RateLimiter::keyed(Quota::per_minute(per_client)),
            per_address: RateLimiter::keyed(Quota::per_minute(per_address)),
        }
    }

    /// Counts one attempt from `address`; 429 when its allowance is used up.
    pub fn check_address(&self, address: IpAddr) -> Result<(), ApiError> {
        check(&self.per_address, &address, "this address")
    }

    /// Counts one attempt for `client_id`; 429 when its allowance is used up.
    pub fn check_client(&self, client_id: &str) -> Result<(), ApiError> {
        check(&self.per_client, &client_id.to_owned(), "this client id")
    }
}

fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
    who: &str,
) -> Result<(), ApiError> {
    if limiter.len() > RETAIN_ABOVE {
        limiter.retain_recent();
    }
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        // Whole seconds, rounded up: a client that waits that long is let through.
        let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::TooManyRequests {
            detail: format!("too many token requests from {who}; retry in {retry_after} s"),
            retry_after: retry_after.max(1),
        }
    })
}

/// The peer's address, when the server was started with connection info (it always is;
/// a router driven without a listener simply has none).
pub struct PeerAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_allowance_is_refused_with_a_retry_time() {
        let limits = TokenLimits::new(NonZeroU32::new(2).unwrap(), NonZeroU32::new(3).unwrap());
        let addr: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(limits.check_client("acme").is_ok());
        assert!(limits.check_client("acme").is_ok());
        match limits.check_client("acme") {
            Err(ApiError::TooManyRequests { retry_after, .. }) => {
                assert!((1..=30).contains(&retry_after), "{retry_after}");
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(limits.check_client("globex").is_ok());
        for _ in 0..3 {
            assert!(limits.check_address(addr).is_ok());
        }
        assert!(limits.check_address(addr).is_err());
    }
}
