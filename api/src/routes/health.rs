//! Liveness (`/healthz`, the Lambda Web Adapter's readiness check: the process serves HTTP)
//! and readiness (`/readyz`: the store and the partner registry answer).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::startup::AppState;

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    // Listing incoming/ is something the API's role may do (it writes there); a key at the
    // bucket root is outside its grant and would read as 403 in AWS.
    state
        .store
        .list(postings::layout::INCOMING_PREFIX)
        .await
        .map_err(|e| ApiError::Unavailable(format!("the object store is not reachable: {e}")))?;
    let doc = state.registry.reload().await.map_err(|e| {
        ApiError::Unavailable(format!(
            "the partner registry ({}) is not readable: {e}",
            state.registry.backend().describe()
        ))
    })?;
    if doc.current_key().is_none() {
        return Err(ApiError::Unavailable(
            "the partner registry has no signing key yet; run `ingest-api partners add --id ID`"
                .into(),
        ));
    }
    Ok(Json(json!({ "status": "ready" })))
}
