//! What became of a partner's uploads: `GET /v1/uploads` (newest first, a page at a time),
//! `GET /v1/uploads/{id}` (the upload as the API took it, and where the batch has taken it
//! since, with counts) and `GET /v1/uploads/{id}/results` (the rows that were rejected or not
//! linked, with what to do about each, as CSV). A partner sees only its own uploads: every
//! read starts from `uploads/<partner>/<id>.json`, and another partner's id is a 404.

mod stream;
mod view;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures::{StreamExt, TryStreamExt};
use postings::results as layout;
use postings::store::Store;
use postings::{PartnerId, UploadId};
use serde::{Deserialize, Serialize};

pub use view::{Processing, RowCounts};

use super::openapi::problems;
use crate::auth::AuthorizedPartner;
use crate::error::ApiError;
use crate::state::AppState;
use crate::uploads::{
    NO_SUCH_UPLOAD, Phase, UploadPath, UploadState, load_state, state_prefix, upload_id_of,
};

/// An upload as the API took it, and what the batch has made of it since.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UploadView {
    #[serde(flatten)]
    pub upload: UploadState,
    /// Where the batch has taken the upload; absent until it is registered (`completed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing: Option<Processing>,
}

/// One page of a partner's uploads.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UploadPage {
    /// Newest first.
    pub uploads: Vec<UploadView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

const DEFAULT_PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Uploads per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    #[param(pattern = r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Include {
    /// Also the matched rows, with the corporate number each was linked to.
    Matched,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// `matched`: add the matched rows (with `corporate_number` and `match_score`).
    #[param(inline)]
    pub include: Option<Include>,
}

problems!(ListProblems {
    400 => "a limit outside 1-100 or a cursor that is not an upload id",
});

#[utoipa::path(
    get,
    path = "/v1/uploads",
    summary = "The partner's uploads, newest first, a page at a time, each with its state and counts",
    params(PageQuery),
    responses(
        (status = 200, description = "one page of uploads", body = UploadPage),
        ListProblems,
    )
)]
pub async fn list(
    State(state): State<AppState>,
    partner: AuthorizedPartner,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<UploadPage>, ApiError> {
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid_request(format!(
            "limit must be between 1 and {MAX_PAGE}, not {limit}"
        )));
    }
    let cursor = query
        .cursor
        .map(|c| {
            UploadId::parse(&c).map_err(|_| {
                ApiError::invalid_request(format!("cursor {c:?} is not the next_cursor of a page"))
            })
        })
        .transpose()?;
    let store = &state.store;
    let prefix = state_prefix(&partner.id);
    let mut ids: Vec<UploadId> = store
        .list(&prefix)
        .await
        .map_err(ApiError::store)?
        .iter()
        .filter_map(|m| upload_id_of(&prefix, &m.key))
        .filter(|id| cursor.is_none_or(|c| *id < c))
        .collect();
    // Upload ids are UUIDv7: in key order they are in the order they were issued.
    ids.sort_unstable_by(|a, b| b.cmp(a));
    let more = ids.len() > limit as usize;
    ids.truncate(limit as usize);
    let partner_id = &partner.id;
    let uploads: Vec<UploadView> = futures::stream::iter(ids.iter().copied())
        .map(|id| async move {
            let upload = load_state(store, partner_id, &id.to_string()).await?;
            view(store, partner_id, upload).await
        })
        .buffered(8)
        .try_collect()
        .await?;
    let next_cursor = more.then(|| ids.last().map(ToString::to_string)).flatten();
    Ok(Json(UploadPage {
        uploads,
        next_cursor,
    }))
}

problems!(ShowProblems {
    404 => NO_SUCH_UPLOAD,
});

#[utoipa::path(
    get,
    path = "/v1/uploads/{id}",
    params(UploadPath),
    summary = "An upload: how it was taken (awaiting_upload, completed, rejected, expired) and where the batch has taken it since (received, matched in run R, loaded, held or quarantined with the reason), with its rows by outcome",
    responses(
        (status = 200, description = "the upload", body = UploadView),
        ShowProblems,
    )
)]
pub async fn show(
    State(state): State<AppState>,
    partner: AuthorizedPartner,
    Path(path): Path<UploadPath>,
) -> Result<Json<UploadView>, ApiError> {
    let upload = load_state(&state.store, &partner.id, &path.id).await?;
    Ok(Json(view(&state.store, &partner.id, upload).await?))
}

async fn view(
    store: &Store,
    partner: &PartnerId,
    mut upload: UploadState,
) -> Result<UploadView, ApiError> {
    let expired = upload.expires_at.is_some_and(|t| t < Utc::now());
    if upload.state == Phase::AwaitingUpload && expired {
        let staged = upload.staging_key.as_deref().unwrap_or(&upload.key);
        let present = store.head(staged).await.map_err(ApiError::store)?;
        if present.is_none() {
            upload.state = Phase::Expired;
        }
    }
    let processing = match upload.state {
        Phase::Completed => Some(view::processing(store, partner, &upload.upload_id).await?.0),
        _ => None,
    };
    Ok(UploadView { upload, processing })
}

problems!(ResultsProblems {
    400 => "an unknown `include`",
    404 => NO_SUCH_UPLOAD,
    409 => "no run has matched the upload yet (the detail says where it stands)",
});

#[utoipa::path(
    get,
    path = "/v1/uploads/{id}/results",
    summary = "What became of the upload's rows, as CSV: one line per rejected or unmatched row with the reason and what to do (`include=matched` adds the linked rows with their corporate number)",
    params(UploadPath, ResultsQuery),
    responses(
        (status = 200, description = "columns `line, posting_id, outcome, reason, hint, corporate_number, match_score`; `line` is the row's line in the file (the header is line 1), `outcome` `rejected`, `unmatched` or `matched`; the run is named in `X-Run-Id`", body = String, content_type = "text/csv"),
        ResultsProblems,
    )
)]
pub async fn results(
    State(state): State<AppState>,
    partner: AuthorizedPartner,
    Path(path): Path<UploadPath>,
    query: Result<Query<ResultsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query?;
    let upload = load_state(&state.store, &partner.id, &path.id).await?;
    let upload_id = upload.upload_id;
    if upload.state != Phase::Completed {
        let phase = serde_json::to_value(upload.state).map_err(ApiError::internal)?;
        return Err(ApiError::Conflict(format!(
            "no results for upload {upload_id}: it is {} (not registered)",
            phase.as_str().unwrap_or_default()
        )));
    }
    let (processing, found) = view::processing(&state.store, &partner.id, &upload_id).await?;
    let Some(found) = found else {
        let stands = match &processing.reason {
            Some(reason) => format!("{} ({reason})", processing.state),
            None => processing.state.clone(),
        };
        return Err(ApiError::Conflict(format!(
            "no results for upload {upload_id} yet: it is {stands}; they appear once a run has matched it"
        )));
    };
    let keys: Vec<String> = found
        .parts
        .iter()
        .map(|part| layout::csv_key(&partner.id, &upload_id, &found.run_id, part))
        .collect();
    let include_matched = matches!(query.include, Some(Include::Matched));
    let body = stream::body(&state.store, &keys, include_matched, partner.slot).await?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"{upload_id}-results.csv\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(found.run_id.as_str()) {
        headers.insert("x-run-id", v);
    }
    Ok(response)
}
