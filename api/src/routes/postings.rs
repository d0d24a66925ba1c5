//! `POST /v1/postings`: a direct upload, streamed through `postings::intake` into the
//! partner's own prefix. 202 once the object and its record are stored.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use postings::intake::{self, IntakeError, IntakeLimits};
use postings::store::StoreError;
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::body::{ByteStream, CsvBody, cancel_on_drop, csv_body};
use super::openapi::problems;

use crate::auth::AuthorizedPartner;
use crate::error::ApiError;
use crate::idempotency::{self, Begin, IdempotencyKey};
use crate::limits::body_timeout;
use crate::state::AppState;
use crate::uploads::{UploadResponse, UploadState, save_state};

/// The multipart form of an upload, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "describes the form for the OpenAPI document only")]
pub struct UploadForm {
    /// The CSV file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The `Idempotency-Key` header, for the OpenAPI document.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(
    dead_code,
    reason = "describes the header for the OpenAPI document only"
)]
pub struct IdempotencyHeader {
    /// Retry safely: the same key with the same body returns the first response.
    #[param(rename = "Idempotency-Key", pattern = r"^[!-~]{1,255}$")]
    idempotency_key: Option<String>,
}

problems!(UploadProblems {
    400 => "unreadable body, bad multipart form or bad Idempotency-Key",
    409 => "a request with the same Idempotency-Key is in progress",
    413 => "body over the size limit; nothing stored",
    415 => "not text/csv or multipart/form-data",
    422 => "the CSV breaks the contract (e.g. a required column is missing, unknown charset), or the Idempotency-Key was used for another body; nothing stored",
});

#[utoipa::path(
    post,
    path = "/v1/postings",
    summary = "Upload a CSV of postings (streamed; stored under the partner's prefix)",
    params(IdempotencyHeader),
    request_body(
        description = "The CSV: UTF-8 or Shift_JIS (declare it with ;charset=, or it is detected)",
        content(
            (String = "text/csv"),
            (UploadForm = "multipart/form-data"),
        )
    ),
    responses(
        (status = 202, description = "stored and registered (Location: /v1/uploads/{id})", body = UploadResponse),
        UploadProblems,
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    partner: AuthorizedPartner,
    req: Request,
) -> Result<Response, ApiError> {
    let idem = req
        .headers()
        .get(idempotency::HEADER)
        .map(|v| IdempotencyKey::parse(v.to_str().unwrap_or("")))
        .transpose()?;
    let empty = declared_empty(req.uri().query());
    let body = csv_body(req, &state).await?;
    // The work runs in its own task, so that it is never cut off between two store calls.
    // If this handler is dropped (the request timed out, the client went away), `_guard`
    // drops, the body stream ends in an error, and the intake aborts the partial object and
    // releases the idempotency key as for any other failure.
    let (_guard, cancelled) = tokio::sync::oneshot::channel::<()>();
    let body = CsvBody {
        charset: body.charset,
        stream: cancel_on_drop(body.stream, cancelled),
    };
    let task = tokio::spawn(
        async move {
            match idem {
                None => ingest(&state, &partner, body.charset, empty, body.stream)
                    .await
                    .map(|r| accepted(&r, false)),
                Some(key) => {
                    with_idempotency(&state, &partner, &key, body.charset, empty, body.stream).await
                }
            }
        }
        .instrument(tracing::Span::current()),
    );
    task.await.map_err(ApiError::internal)?
}

async fn with_idempotency(
    state: &AppState,
    partner: &AuthorizedPartner,
    key: &IdempotencyKey,
    charset: Option<String>,
    empty: bool,
    stream: ByteStream,
) -> Result<Response, ApiError> {
    let object_key = idempotency::record_key(&partner.id, key);
    let stale_after = state.settings.request_timeout * 2;
    match idempotency::begin(&state.store, &object_key, stale_after).await? {
        Begin::Claimed => match ingest(state, partner, charset, empty, stream).await {
            Ok(response) => {
                let value = serde_json::to_value(&response).map_err(ApiError::internal)?;
                // The upload is registered whatever happens here; say so rather than fail.
                // (A retry then sees the key in flight until it goes stale.)
                if let Err(e) =
                    idempotency::complete(&state.store, &object_key, &response.sha256, 202, value)
                        .await
                {
                    tracing::error!(error = %e, "could not record an idempotent result");
                }
                Ok(accepted(&response, false))
            }
            Err(e) => {
                idempotency::abandon(&state.store, &object_key).await;
                Err(e)
            }
        },
        Begin::Completed {
            body_sha256,
            status,
            response,
        } => {
            let sha256 = hash_body(stream, state.settings.max_upload_bytes).await?;
            if sha256 != body_sha256 {
                return Err(ApiError::IdempotencyKeyReused(
                    "this Idempotency-Key was used for a different body; use a new key for a new upload".into(),
                ));
            }
            let response: UploadResponse =
                serde_json::from_value(response).map_err(ApiError::internal)?;
            let mut r = accepted(&response, true);
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED);
            Ok(r)
        }
    }
}

/// `?empty=true`: the partner has no open postings and says so, so a header-only file is
/// its snapshot (any other header-only file is refused: it would close every posting).
fn declared_empty(query: Option<&str>) -> bool {
    query
        .unwrap_or_default()
        .split('&')
        .any(|kv| kv.eq_ignore_ascii_case("empty=true"))
}

async fn ingest(
    state: &AppState,
    partner: &AuthorizedPartner,
    charset: Option<String>,
    empty: bool,
    stream: ByteStream,
) -> Result<UploadResponse, ApiError> {
    let limits = IntakeLimits {
        max_bytes: state.settings.max_upload_bytes,
    };
    let record = intake::ingest_from_partner(
        &state.store,
        &partner.id,
        charset.as_deref(),
        stream,
        limits,
        empty,
    )
    .await
    .map_err(intake_error)?;
    save_state(&state.store, &UploadState::direct(&record)).await;
    Ok(UploadResponse::from(&record))
}

fn accepted(response: &UploadResponse, replayed: bool) -> Response {
    let mut r = (StatusCode::ACCEPTED, Json(response)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/uploads/{}", response.upload_id)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    if replayed {
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    r
}

/// The sha256 of a retried body, read to its end (bounded by the upload limit) and discarded.
async fn hash_body(mut stream: ByteStream, limit: u64) -> Result<String, ApiError> {
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| intake_error(IntakeError::Body(e)))?;
        total += chunk.len() as u64;
        if total > limit {
            return Err(ApiError::TooLarge { limit });
        }
        hasher.update(&chunk);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// How intake failures read to a partner. Contract errors name the problem (e.g. the
/// missing column); store failures stay internal.
pub fn intake_error(e: IntakeError) -> ApiError {
    match e {
        IntakeError::Contract(c) => ApiError::InvalidCsv(format!("{c}; nothing was stored")),
        IntakeError::TooLarge { limit } => ApiError::TooLarge { limit },
        e @ IntakeError::ChecksumMismatch { .. } => {
            ApiError::InvalidCsv(format!("{e}; the file was deleted"))
        }
        IntakeError::Body(io) => match body_timeout(&io) {
            Some(d) => ApiError::BodyTimeout(d.as_secs()),
            None => ApiError::bad_request(
                "body-read-failed",
                format!("the request body could not be read ({io}); nothing was stored"),
            ),
        },
        IntakeError::Store(StoreError::Changed(_)) => ApiError::Conflict(
            "the uploaded object changed while it was being checked; nothing was registered: complete again to check the object as it is now".into(),
        ),
        IntakeError::Store(e) => ApiError::store(e),
        other => ApiError::internal(other),
    }
}
