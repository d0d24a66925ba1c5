//! Presigned uploads for files too large for a proxied request (API Gateway and Lambda cap
//! bodies at 10 MB / 6 MB): `POST /v1/uploads` hands out a short-lived S3 PUT URL for a
//! staging key (`staging/<partner>/<upload_id>.csv`); `POST /v1/uploads/{id}/complete`
//! validates the staged object, copies it inside the store to its `incoming/` key bound to
//! the verified SHA-256, registers it exactly like a direct upload and removes the staged
//! copy (or deletes it and says why). The URL never points at what is registered, so a PUT
//! after `complete` changes nothing the matcher reads. The state kept here for every upload
//! (direct ones too) is what `GET /v1/uploads/{id}` (in `results`) starts from.
//!
//! On the local-directory store there is no URL to hand out: `POST /v1/uploads` answers 501
//! `not-available` and points at `POST /v1/postings`, which has no size cap of its own there.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use postings::ids::UploadId;
use postings::intake::{self, IntakeLimits, Staged};
use postings::layout;
use postings::store::PutBound;
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use super::openapi::problems;
use super::postings::intake_error;
use crate::auth::AuthorizedPartner;
use crate::error::ApiError;
use crate::state::AppState;
use crate::uploads::{
    NO_SUCH_UPLOAD, Phase, UploadPath, UploadResponse, UploadState, load_state, save_state,
    staging_key, state_key,
};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUpload {
    /// The CSV's charset if the partner knows it; else detected.
    #[schema(value_type = Option<CreateCharset>)]
    pub charset: Option<String>,
    /// The file's size in bytes, if known: signed into the URL (S3 refuses another length).
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "whole_number")]
    pub bytes: Option<u64>,
    /// The file's SHA-256 (hex), if known: signed into the URL (S3 refuses another body)
    /// and checked again by `complete`.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: Option<String>,
}

/// A JSON integer, also when written as a float with no fraction (`263.0`), as JSON Schema
/// counts it.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(n) = n.as_u64() {
        return Ok(Some(n));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && (0.0..9.0e15).contains(&f) => Ok(Some(f as u64)),
        _ => Err(serde::de::Error::custom(format!(
            "bytes must be a whole number of bytes, not {n}"
        ))),
    }
}

/// The charsets a presigned upload may declare.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(
    dead_code,
    reason = "describes the field for the OpenAPI document only"
)]
enum CreateCharset {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "shift_jis")]
    ShiftJis,
}

/// The labels [`CreateCharset`] documents; anything else is refused at create.
const CREATE_CHARSETS: [&str; 2] = ["utf-8", "shift_jis"];

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedUpload {
    pub upload_id: String,
    pub key: String,
    /// PUT the CSV here (no other headers needed) before `expires_at`.
    pub upload_url: String,
    /// Headers the PUT must carry exactly (when `bytes` or `sha256` was declared: the
    /// length, the checksum and `If-None-Match: *`); empty otherwise.
    pub upload_headers: BTreeMap<String, String>,
    pub method: String,
    pub expires_at: DateTime<Utc>,
    pub complete_url: String,
}

problems!(CreateProblems {
    400 => "not a JSON object of the documented fields, or an unknown charset; nothing created",
    413 => "the declared `bytes` are over the upload limit",
    501 => "the deployment's store is a local directory: use POST /v1/postings",
});

#[utoipa::path(
    post,
    path = "/v1/uploads",
    summary = "Start a presigned upload: a short-lived S3 PUT URL for a staging key, registered by `complete`",
    request_body(content = Option<CreateUpload>, content_type = "application/json"),
    responses(
        (status = 201, description = "URL issued", body = CreatedUpload),
        CreateProblems,
    )
)]
pub async fn create(
    State(state): State<AppState>,
    partner: AuthorizedPartner,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body?;
    let request: CreateUpload = if body.iter().all(u8::is_ascii_whitespace) {
        CreateUpload::default()
    } else {
        // `null` is the same as no body.
        serde_json::from_slice::<Option<CreateUpload>>(&body)
            .map_err(|e| {
                ApiError::invalid_request(format!(
                    "expected a JSON object like {{\"charset\":\"shift_jis\"}}: {e}"
                ))
            })?
            .unwrap_or_default()
    };
    if request
        .charset
        .as_deref()
        .is_some_and(|c| !CREATE_CHARSETS.contains(&c))
    {
        return Err(ApiError::bad_request(
            "unknown-charset",
            format!(
                "charset {:?} is not accepted; use utf-8 or shift_jis, or leave it out to have it detected",
                request.charset.unwrap_or_default()
            ),
        ));
    }
    let sha256_ok =
        |s: &str| s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if request.sha256.as_deref().is_some_and(|s| !sha256_ok(s))
        || request
            .bytes
            .is_some_and(|n| n == 0 || i64::try_from(n).is_err())
    {
        return Err(ApiError::invalid_request(
            "sha256 must be 64 lower-case hex digits and bytes a positive 64-bit integer",
        ));
    }
    let limit = state.settings.max_upload_bytes;
    if request.bytes.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge { limit });
    }
    let upload_id = UploadId::new();
    let now = Utc::now();
    let key = layout::upload_key(&partner.id, &now.date_naive(), &upload_id);
    let staging = staging_key(&partner.id, &upload_id);
    let ttl = state.settings.presign_ttl;
    let bound = PutBound {
        content_length: request.bytes,
        sha256_hex: request.sha256.clone(),
        // With a declared file, an overwrite of the staged object is refused too.
        if_none_match: request.bytes.is_some() || request.sha256.is_some(),
    };
    let presigned = state
        .store
        .presign_put_bound(&staging, ttl, &bound)
        .await
        .map_err(ApiError::store)?
        .ok_or_else(|| {
            ApiError::NotAvailable(
                "presigned uploads need the S3 store; on this deployment POST the CSV to /v1/postings".into(),
            )
        })?;
    let expires_at = now + chrono::Duration::from_std(ttl).unwrap_or_default();
    let record = UploadState {
        upload_id,
        partner: partner.id.clone(),
        key: key.clone(),
        staging_key: Some(staging),
        method: "presigned".into(),
        state: Phase::AwaitingUpload,
        charset: request.charset,
        sha256: request.sha256,
        created_at: now,
        expires_at: Some(expires_at),
        upload: None,
        problem: None,
    };
    let json = serde_json::to_vec(&record).map_err(ApiError::internal)?;
    state
        .store
        .put_new(&state_key(&partner.id, &upload_id), json.into())
        .await
        .map_err(ApiError::store)?;
    let body = CreatedUpload {
        upload_id: upload_id.to_string(),
        key,
        upload_url: presigned.url,
        upload_headers: presigned
            .headers
            .into_iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
            .collect(),
        method: "PUT".into(),
        expires_at,
        complete_url: format!("/v1/uploads/{upload_id}/complete"),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

problems!(CompleteProblems {
    404 => NO_SUCH_UPLOAD,
    409 => "nothing uploaded yet, already rejected, or the object changed while it was checked",
    413 => "object over the size limit; deleted",
    422 => "the CSV breaks the contract; deleted",
});

#[utoipa::path(
    post,
    path = "/v1/uploads/{id}/complete",
    params(UploadPath),
    summary = "Validate a presigned upload, copy it to its incoming key and register it, or delete it and say why",
    responses(
        (status = 200, description = "registered (the same answer again on a repeat)", body = UploadResponse),
        CompleteProblems,
    )
)]
pub async fn complete(
    State(state): State<AppState>,
    partner: AuthorizedPartner,
    Path(path): Path<UploadPath>,
) -> Result<Response, ApiError> {
    let mut upload = load_state(&state.store, &partner.id, &path.id).await?;
    match upload.state {
        Phase::Completed => {
            // Completing twice is harmless: the same answer again.
            return Ok((StatusCode::OK, Json(upload.upload)).into_response());
        }
        Phase::Rejected => {
            return Err(ApiError::Conflict(format!(
                "this upload was rejected ({}); create a new upload",
                upload.problem.unwrap_or_default()
            )));
        }
        Phase::AwaitingUpload | Phase::Expired => {}
    }
    let staged = upload.staging_key.as_deref().unwrap_or(&upload.key);
    let present = state.store.head(staged).await.map_err(ApiError::store)?;
    if present.is_none() {
        return Err(ApiError::Conflict(
            "nothing has been uploaded to this upload's URL yet; PUT the CSV first".into(),
        ));
    }
    let limits = IntakeLimits {
        max_bytes: state.settings.max_upload_bytes,
    };
    // In its own task so that a client hanging up cannot leave a half-verified upload.
    let task_state = state.clone();
    let task_upload = upload.clone();
    let partner_id = partner.id.clone();
    let result = tokio::spawn(
        async move {
            let store = &task_state.store;
            let (id, charset) = (task_upload.upload_id, task_upload.charset.as_deref());
            match &task_upload.staging_key {
                Some(staged) => {
                    let staged = Staged {
                        staging_key: staged,
                        key: &task_upload.key,
                        upload_id: id,
                        declared_charset: charset,
                        declared_sha256: task_upload.sha256.as_deref(),
                    };
                    intake::register_staged(store, &partner_id, &staged, limits).await
                }
                None => {
                    intake::verify_existing(
                        store,
                        &partner_id,
                        &task_upload.key,
                        id,
                        charset,
                        limits,
                    )
                    .await
                }
            }
        }
        .instrument(tracing::Span::current()),
    )
    .await
    .map_err(ApiError::internal)?;
    match result {
        Ok(record) => {
            let response = UploadResponse::from(&record);
            upload.state = Phase::Completed;
            upload.upload = Some(response.clone());
            save_state(&state.store, &upload).await;
            tracing::info!(upload_id = %record.upload_id, key = %record.key, rows = record.rows, "presigned upload registered");
            Ok((StatusCode::OK, Json(response)).into_response())
        }
        Err(e) => {
            let error = intake_error(e);
            // Only a verdict on the file rejects the upload; an outage or a change under
            // our feet leaves it open for another `complete`.
            if matches!(
                error,
                ApiError::InvalidCsv(_) | ApiError::TooLarge { .. } | ApiError::BadRequest { .. }
            ) {
                upload.state = Phase::Rejected;
                upload.problem = Some(error.to_string());
                save_state(&state.store, &upload).await;
            }
            Err(error)
        }
    }
}
