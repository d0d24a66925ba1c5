//! What the batch recorded about one upload, as its partner sees it: the state the matcher
//! and loader wrote (`states/<upload_id>.json`) and the counts of the run's results for it
//! (`results/<partner>/<upload_id>/<run_id>/<part>.json`). Only the partner's own objects are
//! read: the run's files, which hold every partner's rows, never are.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use postings::results::{self, ResultSummary};
use postings::store::{Store, StoreError};
use postings::{PartnerId, RunId, UploadId, UploadState as BatchState, UploadStatus, layout};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Where the batch has taken a registered upload.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Processing {
    /// `received` (no run has taken it yet), `claimed` (a run is matching it), `matched`
    /// (waiting for its load), `loaded`, `held` (the snapshot guard held it: nothing applied),
    /// `quarantined` (the file was missing, altered or invalid when the run read it) or
    /// `superseded` (a newer snapshot of yours was loaded instead).
    pub state: String,
    /// The run that moved it there (for `superseded`: the run that loaded the newer snapshot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Why it is held or quarantined, and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// What became of the rows, once a run has matched the upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<RowCounts>,
    /// The rows that were rejected or not linked, with hints (CSV), once there are counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results_url: Option<String>,
}

/// The upload's rows by outcome, in the run that matched it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowCounts {
    pub run_id: String,
    /// Data rows read: `matched + unmatched + rejected`.
    pub rows: u64,
    /// Linked to a company.
    pub matched: u64,
    /// Valid but not linked: `no_candidate`, `below_threshold`, `ambiguous`.
    pub unmatched: u64,
    pub unmatched_by_reason: BTreeMap<String, u64>,
    /// Refused by the posting contract (see the results for line and reason).
    pub rejected: u64,
    /// `false` while some children of a sharded run have not written theirs yet.
    pub complete: bool,
}

/// The results of one run for one upload: its parts, in shard order, and their counts summed.
pub struct RunResults {
    pub run_id: RunId,
    pub parts: Vec<String>,
    pub summary: ResultSummary,
    pub complete: bool,
}

/// The state and, once matched, the counts of an upload the partner owns.
pub async fn processing(
    store: &Store,
    partner: &PartnerId,
    upload_id: &UploadId,
) -> Result<(Processing, Option<RunResults>), ApiError> {
    let status = batch_state(store, partner, upload_id).await?;
    let state = status.as_ref().map(|s| &s.state);
    let results = match state {
        Some(BatchState::Superseded { .. }) => run_results(store, partner, upload_id, None).await?,
        Some(s) => match s.run_id() {
            Some(run)
                if !matches!(
                    s,
                    BatchState::Claimed { .. } | BatchState::Quarantined { .. }
                ) =>
            {
                run_results(store, partner, upload_id, Some(run)).await?
            }
            _ => None,
        },
        None => None,
    };
    let processing = Processing {
        state: state.map_or("received", BatchState::name).to_owned(),
        run_id: state.and_then(|s| match s {
            BatchState::Superseded { by_run, .. } => Some(by_run.to_string()),
            s => s.run_id().map(ToString::to_string),
        }),
        reason: state.and_then(BatchState::reason).map(str::to_owned),
        updated_at: status.as_ref().map(|s| s.updated_at),
        counts: results.as_ref().map(|r| RowCounts {
            run_id: r.run_id.to_string(),
            rows: r.summary.rows(),
            matched: r.summary.matched,
            unmatched: r.summary.unmatched,
            unmatched_by_reason: r.summary.unmatched_by_reason.clone(),
            rejected: r.summary.rejected,
            complete: r.complete,
        }),
        results_url: results
            .as_ref()
            .map(|_| format!("/v1/uploads/{upload_id}/results")),
    };
    Ok((processing, results))
}

/// The state the batch recorded, if any; one recorded for another partner is ignored.
async fn batch_state(
    store: &Store,
    partner: &PartnerId,
    upload_id: &UploadId,
) -> Result<Option<UploadStatus>, ApiError> {
    let key = layout::upload_state_key(upload_id);
    let status: UploadStatus = match store.get(&key).await {
        Ok(body) => serde_json::from_slice(&body).map_err(ApiError::internal)?,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(ApiError::store(e)),
    };
    if &status.partner != partner {
        tracing::error!(%upload_id, %partner, recorded = %status.partner, "upload state names another partner; not shown");
        return Ok(None);
    }
    Ok(Some(status))
}

/// The results of `run` (or, with `None`, of the latest run that has any).
pub async fn run_results(
    store: &Store,
    partner: &PartnerId,
    upload_id: &UploadId,
    run: Option<&RunId>,
) -> Result<Option<RunResults>, ApiError> {
    let prefix = results::upload_prefix(partner, upload_id);
    let listed = store.list(&prefix).await.map_err(ApiError::store)?;
    let mut runs: BTreeMap<RunId, BTreeSet<String>> = BTreeMap::new();
    for meta in &listed {
        if let Some((run, part)) = results::parse_summary_key(&prefix, &meta.key) {
            runs.entry(run).or_default().insert(part);
        }
    }
    let chosen = match run {
        Some(run) => runs.remove_entry(run),
        None => runs.pop_last(),
    };
    let Some((run_id, names)) = chosen else {
        return Ok(None);
    };
    let (parts, complete) = pick_parts(&names);
    let mut summary: Option<ResultSummary> = None;
    for part in &parts {
        let key = results::summary_key(partner, upload_id, &run_id, part);
        let body = store.get(&key).await.map_err(ApiError::store)?;
        let s: ResultSummary = serde_json::from_slice(&body).map_err(ApiError::internal)?;
        match &mut summary {
            Some(total) => total.add(&s),
            None => summary = Some(s),
        }
    }
    Ok(summary.map(|summary| RunResults {
        run_id,
        parts,
        summary,
        complete,
    }))
}

/// The whole run's part if there is one; else the shards of the split most of them share,
/// complete when every shard of it is there.
fn pick_parts(names: &BTreeSet<String>) -> (Vec<String>, bool) {
    if names.contains(results::WHOLE_PART) {
        return (vec![results::WHOLE_PART.to_owned()], true);
    }
    let mut by_count: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    for name in names {
        if let Some(Some((i, n))) = results::parse_part(name) {
            by_count.entry(n).or_default().push((i, name.clone()));
        }
    }
    let Some((count, mut shards)) = by_count.into_iter().max_by_key(|(_, v)| v.len()) else {
        return (Vec::new(), false);
    };
    shards.sort();
    let complete = shards.len() == count as usize;
    (shards.into_iter().map(|(_, n)| n).collect(), complete)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_whole_run_wins_and_shards_are_complete_only_when_all_are_there() {
        assert_eq!(
            pick_parts(&set(&["all", "shard-0-of-2"])),
            (vec!["all".to_string()], true)
        );
        assert_eq!(
            pick_parts(&set(&["shard-1-of-2", "shard-0-of-2"])),
            (
                vec!["shard-0-of-2".to_string(), "shard-1-of-2".to_string()],
                true
            )
        );
        assert_eq!(
            pick_parts(&set(&["shard-1-of-3"])),
            (vec!["shard-1-of-3".to_string()], false)
        );
    }
}
