//! The match stage's side of upload isolation: reading one upload from the store and checking
//! it against its record (an unusable upload is quarantined with its reason, never the run),
//! and recording each upload's state once the run is written.

use anyhow::Context;
use postings::RunId;
use postings::store::Store;

use super::inputs::{self, InputBatch};
use super::manifest::{InputRecord, QuarantinedInput};
use super::plan;
use super::shard::Shard;
use super::states;

/// One upload from the store, checked against its record. `Ok(Err(reason))`: the upload is
/// unusable; `Err`: the run itself failed.
pub(super) async fn read_upload(
    store: &Store,
    input: &InputRecord,
    shard: Option<Shard>,
) -> anyhow::Result<Result<(inputs::FileStats, InputBatch), String>> {
    let reader = match store.reader(&input.key).await {
        Ok(r) => r,
        Err(postings::store::StoreError::NotFound) => {
            return Ok(Err(format!("missing: {} is not in the store", input.key)));
        }
        Err(e) => return Ok(Err(format!("unreadable: {}: {e}", input.key))),
    };
    // The CSV reader runs on a blocking thread; the store's I/O stays on the runtime.
    let read = Box::new(tokio_util::io::SyncIoBridge::new(reader));
    let (stats, part) = match read_one(read, input, shard).await? {
        Ok(read) => read,
        Err(e @ inputs::InputError::Contract(_)) => return Ok(Err(format!("invalid: {e}"))),
        Err(e) => return Ok(Err(format!("unreadable: {e}"))),
    };
    if stats.sha256 != input.sha256 || stats.bytes != input.bytes {
        return Ok(Err(format!(
            "altered: {} does not match its upload record: recorded {} bytes, sha256 {}; read {} bytes, sha256 {}",
            input.key, input.bytes, input.sha256, stats.bytes, stats.sha256
        )));
    }
    Ok(Ok((stats, part)))
}

/// Reads one posting CSV on a blocking thread.
pub(super) async fn read_one(
    read: Box<dyn std::io::Read + Send>,
    input: &InputRecord,
    shard: Option<Shard>,
) -> anyhow::Result<Result<(inputs::FileStats, InputBatch), inputs::InputError>> {
    let declared = (!input.encoding.is_empty()).then(|| input.encoding.clone());
    let (partner, upload_id) = (input.partner.clone(), input.upload_id.clone());
    Ok(tokio::task::spawn_blocking(move || {
        let mut part = InputBatch::default();
        let stats = inputs::read_postings(
            read,
            declared.as_deref(),
            &partner,
            &upload_id,
            shard,
            &mut part,
        );
        stats.map(|s| (s, part))
    })
    .await?)
}

/// An upload handed back (`matcher retry`) belongs to whichever run claims it next, no longer
/// to the run that quarantined it: a re-run of that run leaves it out.
pub(super) async fn still_claimed_by(
    store: &Store,
    input: &InputRecord,
    run_id: &str,
) -> anyhow::Result<bool> {
    let Ok(upload_id) = postings::UploadId::parse(&input.upload_id) else {
        return Ok(true);
    };
    let key = postings::layout::consumed_key(&upload_id);
    let owner = match store.get(&key).await {
        Ok(body) => serde_json::from_slice::<plan::ConsumedMarker>(&body)
            .map(|m| m.run_id)
            .ok(),
        Err(postings::store::StoreError::NotFound) => None,
        Err(e) => return Err(e).with_context(|| format!("reading {key}")),
    };
    if owner.as_deref() == Some(run_id) {
        return Ok(true);
    }
    tracing::warn!(upload_id = %input.upload_id, run_id, owner, "upload no longer claimed by this run; left out");
    Ok(false)
}

/// Every input the run used is now matched; every one it could not use is quarantined.
pub(super) async fn record_states(
    store: &Store,
    run_id: &str,
    inputs: &[InputRecord],
    quarantined: &[QuarantinedInput],
) {
    let Ok(run_id) = RunId::parse(run_id) else {
        return;
    };
    let ids = |upload: &str, partner: &str| {
        Some((
            postings::UploadId::parse(upload).ok()?,
            postings::PartnerId::parse(partner).ok()?,
        ))
    };
    for input in inputs {
        if let Some((upload, partner)) = ids(&input.upload_id, &input.partner) {
            let state = postings::UploadState::Matched {
                run_id: run_id.clone(),
            };
            states::set_logged(store, upload, &partner, state).await;
        }
    }
    for q in quarantined {
        if let Some((upload, partner)) = ids(&q.upload_id, &q.partner) {
            let state = postings::UploadState::Quarantined {
                run_id: run_id.clone(),
                reason: q.reason.clone(),
            };
            states::set_logged(store, upload, &partner, state).await;
        }
    }
}
