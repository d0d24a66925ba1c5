//! What the API records about each upload (`uploads/<partner>/<upload_id>.json`), for direct
//! and presigned uploads alike, and the body that describes a stored upload.

use chrono::{DateTime, Utc};
use postings::UploadRecord;
use postings::ids::{PartnerId, UploadId};
use postings::store::{Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// The body of a 202: what was stored, as the matcher will see it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UploadResponse {
    pub upload_id: String,
    pub key: String,
    pub bytes: u64,
    pub rows: u64,
    pub rejected_rows: u64,
    pub sha256: String,
    pub encoding: String,
    pub received_at: String,
}

impl From<&UploadRecord> for UploadResponse {
    fn from(r: &UploadRecord) -> Self {
        Self {
            upload_id: r.upload_id.to_string(),
            key: r.key.clone(),
            bytes: r.bytes,
            rows: r.rows,
            rejected_rows: r.rejected_rows,
            sha256: r.sha256.clone(),
            encoding: r.encoding.to_string(),
            received_at: r.received_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// URL handed out; nothing registered yet.
    AwaitingUpload,
    /// Validated and registered: the matcher will pick it up.
    Completed,
    /// Validation failed; the object was deleted.
    Rejected,
    /// The URL expired with nothing uploaded (reported, never stored).
    Expired,
}

/// What the API remembers about one upload, at `uploads/<partner>/<upload_id>.json`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UploadState {
    #[schema(value_type = String)]
    pub upload_id: UploadId,
    #[schema(value_type = String)]
    pub partner: PartnerId,
    pub key: String,
    /// Where the presigned URL writes; the object is copied from here to `key` on
    /// `complete`. Absent on direct uploads (and on presigned ones made before staging).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staging_key: Option<String>,
    pub method: String,
    pub state: Phase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    /// The SHA-256 the partner declared at create: the file must have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl UploadState {
    pub fn direct(record: &UploadRecord) -> Self {
        Self {
            upload_id: record.upload_id,
            partner: record.partner.clone(),
            key: record.key.clone(),
            staging_key: None,
            method: "direct".into(),
            state: Phase::Completed,
            charset: None,
            sha256: None,
            created_at: record.received_at,
            expires_at: None,
            upload: Some(UploadResponse::from(record)),
            problem: None,
        }
    }
}

/// Where the API keeps a partner's upload records: `uploads/<partner>/`.
pub fn state_prefix(partner: &PartnerId) -> String {
    format!("uploads/{partner}/")
}

pub fn state_key(partner: &PartnerId, id: &UploadId) -> String {
    format!("{}{id}.json", state_prefix(partner))
}

/// The upload id of a key under [`state_prefix`], if it is an upload record.
pub fn upload_id_of(prefix: &str, key: &str) -> Option<UploadId> {
    UploadId::parse(key.strip_prefix(prefix)?.strip_suffix(".json")?).ok()
}

/// Where a presigned upload is PUT before it is verified.
pub fn staging_key(partner: &PartnerId, id: &UploadId) -> String {
    format!("staging/{partner}/{id}.csv")
}

/// Best effort: the upload itself is already registered, this only feeds `GET /v1/uploads/{id}`.
pub async fn save_state(store: &Store, state: &UploadState) {
    let key = state_key(&state.partner, &state.upload_id);
    let result = match serde_json::to_vec(state) {
        Ok(json) => store
            .put(&key, json.into())
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = result {
        tracing::error!(error = %e, key, "could not record an upload's state");
    }
}

/// The `{id}` of an upload's routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UploadPath {
    /// the upload id
    pub id: String,
}

/// How the 404 of [`load_state`] reads in the OpenAPI document.
pub const NO_SUCH_UPLOAD: &str = "no such upload for this partner";

pub async fn load_state(
    store: &Store,
    partner: &PartnerId,
    id: &str,
) -> Result<UploadState, ApiError> {
    let not_found = || ApiError::NotFound(format!("no upload {id} for partner {partner}"));
    let id = UploadId::parse(id).map_err(|_| not_found())?;
    match store.get(&state_key(partner, &id)).await {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(ApiError::internal),
        Err(StoreError::NotFound) => Err(not_found()),
        Err(e) => Err(ApiError::store(e)),
    }
}
