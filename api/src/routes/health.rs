//! Liveness (`/healthz`, the Lambda Web Adapter's readiness check: the process serves HTTP)
//! and readiness (`/readyz`: the store answers for `incoming/` and the partner registry is
//! readable with a signing key). Both sit outside the concurrency limit. Readiness is
//! answered from a cache of a few seconds, so that frequent probes cost neither S3 calls nor
//! registry reads; the outward answer names only what is unavailable, the log has why.

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use postings::layout::INCOMING_PREFIX;
use serde::Serialize;

use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// How long a readiness answer is reused.
pub const READINESS_TTL: Duration = Duration::from_secs(5);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Status {
    /// `ok` (alive) or `ready`.
    #[schema(value_type = String)]
    pub status: &'static str,
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    summary = "Liveness: the process serves HTTP",
    responses((status = 200, description = "alive", body = Status))
)]
pub async fn healthz() -> Json<Status> {
    Json(Status { status: "ok" })
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    summary = "Readiness: the store answers for incoming/ and the partner registry has a signing key (cached a few seconds)",
    responses(
        (status = 200, description = "ready", body = Status),
        (status = 503, description = "`store unavailable`, `partner registry unavailable` or no signing key yet", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    let cached = {
        let last = state
            .readiness
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        last.as_ref()
            .filter(|(at, _)| at.elapsed() < READINESS_TTL)
            .map(|(_, answer)| *answer)
    };
    let answer = match cached {
        Some(answer) => answer,
        None => {
            let answer = check(&state).await;
            *state
                .readiness
                .last
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), answer));
            answer
        }
    };
    match answer {
        Ok(()) => Ok(Json(Status { status: "ready" })),
        Err(what) => Err(ApiError::Unavailable(what.to_owned())),
    }
}

async fn check(state: &AppState) -> Result<(), &'static str> {
    if let Err(e) = state.store.probe(INCOMING_PREFIX).await {
        tracing::warn!(error = %e, store = %state.store.describe(), "readiness: the store does not answer");
        return Err("store unavailable");
    }
    let doc = match state.registry.snapshot().await {
        Ok(doc) => doc,
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the partner registry is not readable");
            return Err("partner registry unavailable");
        }
    };
    if doc.current_key().is_none() {
        tracing::warn!(
            "readiness: the partner registry has no signing key yet; run `ingest-api partners add --id ID`"
        );
        return Err("partner registry has no signing key");
    }
    Ok(())
}
