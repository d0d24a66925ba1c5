//! What one partner's load came to, for the report and for the uploads' states.

use postings::store::Store;
use postings::{PartnerId, RunId, UploadId, UploadState};

use super::load_model::{PartnerReport, Snapshot};
use super::states;
use crate::db::postings::LoadCounts;
use crate::db::{DbError, LoadOutcome};

pub(super) fn partner_report(
    partner: &str,
    snapshot: &Snapshot,
    outcome: &Result<LoadOutcome, DbError>,
) -> PartnerReport {
    let (name, reason, counts) = match outcome {
        Ok(LoadOutcome::Loaded(c)) => ("loaded", None, *c),
        Ok(LoadOutcome::AlreadyLoaded) => ("already_loaded", None, LoadCounts::default()),
        Ok(LoadOutcome::Superseded { run_id, upload_id }) => (
            "superseded",
            Some(format!(
                "a newer snapshot is loaded (run {run_id}{})",
                upload_id
                    .as_ref()
                    .map(|u| format!(", upload {u}"))
                    .unwrap_or_default()
            )),
            LoadCounts::default(),
        ),
        Ok(LoadOutcome::Held(reason)) => ("held", Some(reason.clone()), LoadCounts::default()),
        Err(e) => ("failed", Some(e.to_string()), LoadCounts::default()),
    };
    PartnerReport {
        partner: partner.to_string(),
        uploads: snapshot.uploads.iter().cloned().collect(),
        outcome: name,
        reason,
        counts,
    }
}

/// Moves the partner's uploads on: loaded, held or superseded. A failed load leaves them
/// matched (the next `matcher run` or `matcher load --run-id R` tries again). Once a
/// partner's snapshot is loaded, its older uploads still waiting (held, quarantined,
/// matched) can never be applied: they are superseded.
pub(super) async fn record_outcome(
    store: &Store,
    run_id: &RunId,
    partner: &str,
    snapshot: &Snapshot,
    outcome: &Result<LoadOutcome, DbError>,
) {
    let Ok(partner_id) = PartnerId::parse(partner) else {
        return;
    };
    let state = match outcome {
        Ok(LoadOutcome::Loaded(_) | LoadOutcome::AlreadyLoaded) => UploadState::Loaded {
            run_id: run_id.clone(),
        },
        Ok(LoadOutcome::Superseded { run_id, upload_id }) => UploadState::Superseded {
            by_run: RunId::parse(run_id).unwrap_or_else(|_| RunId::new()),
            by_upload: upload_id.as_deref().and_then(|u| UploadId::parse(u).ok()),
        },
        Ok(LoadOutcome::Held(reason)) => UploadState::Held {
            run_id: run_id.clone(),
            reason: reason.clone(),
        },
        Err(e) => {
            tracing::error!(run_id = %run_id, partner, error = %e, "partner's snapshot not loaded; its uploads stay matched");
            return;
        }
    };
    let uploads: Vec<UploadId> = snapshot
        .uploads
        .iter()
        .filter_map(|u| UploadId::parse(u).ok())
        .collect();
    for upload in &uploads {
        states::set_logged(store, *upload, &partner_id, state.clone()).await;
    }
    if let (Ok(LoadOutcome::Loaded(_)), Some(newest)) = (outcome, uploads.last()) {
        supersede_older(store, run_id, &partner_id, *newest).await;
    }
}

async fn supersede_older(store: &Store, run_id: &RunId, partner: &PartnerId, newest: UploadId) {
    let all = match states::list(store).await {
        Ok(all) => all,
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "upload states not read; older uploads not marked superseded"
            );
            return;
        }
    };
    for s in all.into_iter().filter(|s| {
        &s.partner == partner
            && s.upload_id < newest
            && matches!(
                s.state,
                UploadState::Held { .. }
                    | UploadState::Quarantined { .. }
                    | UploadState::Matched { .. }
            )
    }) {
        let state = UploadState::Superseded {
            by_run: run_id.clone(),
            by_upload: Some(newest),
        };
        states::set_logged(store, s.upload_id, partner, state).await;
    }
}
