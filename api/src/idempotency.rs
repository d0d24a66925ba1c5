//! `Idempotency-Key` (IETF httpapi draft): a partner may retry an upload safely. The state lives
//! in the store under `idempotency/<partner>/<sha256 of the key>.json`, so every instance of
//! the stateless API (containers, Lambda) sees it:
//! - no record: claim the key with `put_new` (an in-flight record), run the upload, then
//!   overwrite the record with the response and the body's sha256;
//! - in-flight record: 409 (the first request is still running), unless it is stale (its
//!   process died): then it is taken over with a write conditional on the version read
//!   (If-Match), so that of two retries racing for it exactly one wins;
//! - completed record: same body sha256 → the first response again; otherwise 422.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use postings::ids::PartnerId;
use postings::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const HEADER: &str = "idempotency-key";

/// A client's key: 1-255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        let ok = !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ApiError::bad_request(
                "invalid-idempotency-key",
                "Idempotency-Key must be 1-255 visible ASCII characters",
            ))
        }
    }
}

/// Where a partner's key is kept. Hashing the key keeps any client text out of object keys.
pub fn record_key(partner: &PartnerId, key: &IdempotencyKey) -> String {
    let digest = hex::encode(Sha256::digest(key.0.as_bytes()));
    format!("idempotency/{partner}/{digest}.json")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Record {
    InFlight {
        started_at: DateTime<Utc>,
    },
    Completed {
        body_sha256: String,
        status: u16,
        response: serde_json::Value,
        completed_at: DateTime<Utc>,
    },
}

pub enum Begin {
    /// This request owns the key: run it, then [`complete`] or [`abandon`].
    Claimed,
    /// A previous request finished: compare bodies, then replay or refuse.
    Completed {
        body_sha256: String,
        status: u16,
        response: serde_json::Value,
    },
}

/// Claims the key, or says what happened to it before. An in-flight claim older than
/// `stale_after` (its process died) is taken over.
pub async fn begin(
    store: &Store,
    object_key: &str,
    stale_after: Duration,
) -> Result<Begin, ApiError> {
    for _ in 0..3 {
        let claim = Record::InFlight {
            started_at: Utc::now(),
        };
        match store.put_new(object_key, to_bytes(&claim)?).await {
            Ok(()) => return Ok(Begin::Claimed),
            Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(ApiError::store(e)),
        }
        let existing = match store.get_versioned(object_key).await {
            Ok(v) => v,
            // Abandoned between our put_new and get: try to claim it again.
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(ApiError::store(e)),
        };
        let record: Record = serde_json::from_slice(&existing.body).map_err(ApiError::internal)?;
        match record {
            Record::Completed {
                body_sha256,
                status,
                response,
                ..
            } => {
                return Ok(Begin::Completed {
                    body_sha256,
                    status,
                    response,
                });
            }
            Record::InFlight { started_at } => {
                let age = (Utc::now() - started_at).to_std().unwrap_or_default();
                if age > stale_after {
                    match store
                        .put_if_match(object_key, to_bytes(&claim)?, &existing.etag)
                        .await
                    {
                        Ok(()) => return Ok(Begin::Claimed),
                        // Another retry took it over (or it was released) first: look again.
                        Err(StoreError::ConditionFailed(_)) => continue,
                        Err(e) => return Err(ApiError::store(e)),
                    }
                }
                return Err(ApiError::IdempotencyInFlight(
                    "an upload with this Idempotency-Key is still in progress; retry after it finishes".into(),
                ));
            }
        }
    }
    Err(ApiError::IdempotencyInFlight(
        "the Idempotency-Key is contended; retry shortly".into(),
    ))
}

pub async fn complete(
    store: &Store,
    object_key: &str,
    body_sha256: &str,
    status: u16,
    response: serde_json::Value,
) -> Result<(), ApiError> {
    let record = Record::Completed {
        body_sha256: body_sha256.to_owned(),
        status,
        response,
        completed_at: Utc::now(),
    };
    store
        .put(object_key, to_bytes(&record)?)
        .await
        .map_err(ApiError::store)
}

/// Releases the key after a failed upload, so that the partner can retry with a fixed body.
pub async fn abandon(store: &Store, object_key: &str) {
    if let Err(e) = store.delete(object_key).await {
        tracing::error!(error = %e, key = object_key, "could not release an idempotency key");
    }
}

fn to_bytes(record: &Record) -> Result<Bytes, ApiError> {
    serde_json::to_vec(record)
        .map(Bytes::from)
        .map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_and_hashed_into_the_partners_prefix() {
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("a b").is_err());
        assert!(IdempotencyKey::parse("キー").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_err());
        let key = IdempotencyKey::parse("../../etc/passwd").unwrap();
        let partner = PartnerId::parse("acme").unwrap();
        let object = record_key(&partner, &key);
        assert!(object.starts_with("idempotency/acme/"));
        assert!(!object.contains(".."));
    }
}
