//! Reading and writing upload states (`states/<upload_id>.json`, [`postings::UploadStatus`]).
//! Every stage that moves an upload on records where it left it, with the reason, so that
//! nothing is ever left unloaded without saying why.

use anyhow::Context;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use postings::store::{Store, StoreError};
use postings::{PartnerId, UploadId, UploadState, UploadStatus, layout};

/// Records `state` for the upload (replacing the one before).
pub async fn set(
    store: &Store,
    upload_id: UploadId,
    partner: &PartnerId,
    state: UploadState,
) -> anyhow::Result<()> {
    let status = UploadStatus {
        upload_id,
        partner: partner.clone(),
        state,
        updated_at: chrono::Utc::now(),
    };
    let key = layout::upload_state_key(&upload_id);
    tracing::info!(%upload_id, %partner, state = status.state.name(),
        run_id = status.state.run_id().map(|r| r.to_string()),
        reason = status.state.reason(), "upload state");
    store
        .put(&key, Bytes::from(serde_json::to_vec(&status)?))
        .await
        .with_context(|| format!("writing {key}"))
}

/// Like [`set`], for callers that must not fail on it (the data is already written; the
/// state is then logged, and `matcher status` shows the upload as it was).
pub async fn set_logged(
    store: &Store,
    upload_id: UploadId,
    partner: &PartnerId,
    state: UploadState,
) {
    if let Err(e) = set(store, upload_id, partner, state).await {
        tracing::error!(%upload_id, error = format!("{e:#}"), "upload state could not be recorded");
    }
}

pub async fn get(store: &Store, upload_id: &UploadId) -> anyhow::Result<Option<UploadStatus>> {
    let key = layout::upload_state_key(upload_id);
    match store.get(&key).await {
        Ok(body) => Ok(Some(
            serde_json::from_slice(&body).with_context(|| format!("parsing {key}"))?,
        )),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {key}")),
    }
}

/// Every recorded state (read a few at a time).
pub async fn list(store: &Store) -> anyhow::Result<Vec<UploadStatus>> {
    let listed = store
        .list(layout::STATES_PREFIX)
        .await
        .context("listing upload states")?;
    let ids: Vec<UploadId> = listed
        .iter()
        .filter_map(|m| layout::upload_id_of(&m.key))
        .collect();
    let found: Vec<Option<UploadStatus>> = futures::stream::iter(ids)
        .map(|id| async move { get(store, &id).await })
        .buffered(16)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}
