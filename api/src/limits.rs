//! What keeps slow and greedy clients from holding the service: a body read timeout (no
//! bytes for a while → 408) and a per-partner share of the concurrency limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use postings::ids::PartnerId;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// A request body that made no progress for the body read timeout.
#[derive(Debug, thiserror::Error)]
#[error("no part of the request body arrived for {0:?}")]
pub struct BodyTimeout(pub Duration);

/// The timeout of a [`BodyTimeout`] that is `e` or anything it wraps. `io::Error` hides the
/// error it carries from `source()`, so that layer is looked into as well.
pub fn body_timeout(e: &(dyn std::error::Error + 'static)) -> Option<Duration> {
    let mut current = Some(e);
    while let Some(e) = current {
        if let Some(t) = e.downcast_ref::<BodyTimeout>() {
            return Some(t.0);
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            && let Some(d) = body_timeout(inner as &(dyn std::error::Error + 'static))
        {
            return Some(d);
        }
        current = e.source();
    }
    None
}

/// Middleware: the body fails with [`BodyTimeout`] when no chunk arrives for `idle`.
pub async fn body_read_timeout(State(idle): State<Duration>, req: Request, next: Next) -> Response {
    let has_body = req.headers().contains_key(TRANSFER_ENCODING)
        || req
            .headers()
            .get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if !has_body {
        return next.run(req).await;
    }
    let req = req.map(|body| {
        let stream = body.into_data_stream();
        let timed = futures::stream::unfold(Some(stream), move |state| async move {
            let mut stream = state?;
            match tokio::time::timeout(idle, stream.next()).await {
                Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(stream))),
                Ok(Some(Err(e))) => Some((Err(axum::BoxError::from(e)), None)),
                Ok(None) => None,
                Err(_) => Some((Err(axum::BoxError::from(BodyTimeout(idle))), None)),
            }
        });
        Body::from_stream(timed)
    });
    next.run(req).await
}

/// Longest request target (path and query) answered normally. Ours are short; hyper itself
/// closes requests whose head passes its buffer (about 400 KiB) with a bare 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Middleware: 414 as a problem document for request targets over [`MAX_URI_BYTES`].
pub async fn uri_limit(req: Request, next: Next) -> Response {
    let len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if len > MAX_URI_BYTES {
        return ApiError::UriTooLong(MAX_URI_BYTES).into_response();
    }
    next.run(req).await
}

/// Per-partner request slots: one partner may hold at most `share` requests at once, so
/// that it cannot take every slot of the global limit from the others.
pub struct PartnerSlots {
    share: usize,
    slots: Mutex<HashMap<PartnerId, Arc<Semaphore>>>,
}

/// A held slot; released when the request (and any work it spawned) drops it.
#[derive(Debug, Clone)]
pub struct Slot {
    _permit: Arc<OwnedSemaphorePermit>,
}

impl PartnerSlots {
    pub fn new(share: usize) -> Self {
        Self {
            share: share.max(1),
            slots: Mutex::new(HashMap::new()),
        }
    }

    pub fn share(&self) -> usize {
        self.share
    }

    /// A slot for `partner`, or 429 when it already holds its share.
    pub fn acquire(&self, partner: &PartnerId) -> Result<Slot, ApiError> {
        let semaphore = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots
                .entry(partner.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(self.share)))
                .clone()
        };
        semaphore
            .try_acquire_owned()
            .map(|p| Slot {
                _permit: Arc::new(p),
            })
            .map_err(|_| ApiError::TooManyRequests {
                detail: format!(
                    "partner {partner} already has {} requests in progress, its share; retry when one finishes",
                    self.share
                ),
                retry_after: 1,
            })
    }
}
