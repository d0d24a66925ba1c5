//! The run lease (`leases/run.json`): one `matcher run` at a time. A second one started while
//! the lease is held says which run is in progress and exits; a lease whose holder died is
//! taken over once it has expired.

use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use postings::RunId;
use postings::layout::RUN_LEASE_KEY;
use postings::store::{Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunLease {
    /// The run the holder starts (new uploads are matched under this id).
    pub run_id: RunId,
    pub acquired_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Takes the lease for `run_id`, or returns the lease another run holds.
pub async fn acquire(
    store: &Store,
    run_id: &RunId,
    ttl: Duration,
) -> anyhow::Result<Result<RunLease, RunLease>> {
    let now = Utc::now();
    let lease = RunLease {
        run_id: run_id.clone(),
        acquired_at: now,
        expires_at: now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1)),
    };
    let body = Bytes::from(serde_json::to_vec(&lease)?);
    for _ in 0..2 {
        match store.put_new(RUN_LEASE_KEY, body.clone()).await {
            Ok(()) => return Ok(Ok(lease)),
            Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e).with_context(|| format!("writing {RUN_LEASE_KEY}")),
        }
        match current(store).await? {
            Some(held) if held.expires_at > Utc::now() => return Ok(Err(held)),
            Some(expired) => {
                tracing::warn!(run_id = %expired.run_id, expired_at = %expired.expires_at,
                    "the run lease of a run that did not finish has expired; taking it over");
                store
                    .delete(RUN_LEASE_KEY)
                    .await
                    .with_context(|| format!("removing the expired {RUN_LEASE_KEY}"))?;
            }
            None => {}
        }
    }
    match current(store).await? {
        Some(held) => Ok(Err(held)),
        None => anyhow::bail!("could not take the run lease {RUN_LEASE_KEY}"),
    }
}

/// Gives the lease up, if `lease` is still the one recorded.
pub async fn release(store: &Store, lease: &RunLease) {
    match current(store).await {
        Ok(Some(held)) if held.run_id == lease.run_id => {
            if let Err(e) = store.delete(RUN_LEASE_KEY).await {
                tracing::warn!(error = %e, "run lease not released; it expires by itself");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = format!("{e:#}"), "run lease not checked on release"),
    }
}

pub async fn current(store: &Store) -> anyhow::Result<Option<RunLease>> {
    match store.get(RUN_LEASE_KEY).await {
        Ok(body) => Ok(serde_json::from_slice(&body).ok()),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {RUN_LEASE_KEY}")),
    }
}
