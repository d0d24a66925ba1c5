//! The load stage: a finished run's `matched.csv` from the store into `job_postings`.
//!
//! Separate from matching so that a failed load is re-run alone. The run's manifest says
//! which partners' snapshots the run holds (all its inputs, matched or not; quarantined
//! uploads are not among them); its presence is also what says the run is complete. A sharded
//! run (`runs/<run>/shards/<i>-of-<n>/`) is loaded as one once all of its shards are complete.
//! When a run holds several uploads of one partner, the partner's snapshot is their union (a
//! repeated posting id takes its last row).
//!
//! Each partner loads on its own: its snapshot is applied, or found loaded already (same run,
//! same manifest digest), superseded (a newer upload of the partner is loaded), held by the
//! snapshot guard, or failed, and the uploads' states say which.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use postings::RunId;
use postings::store::Store;
use sha2::{Digest, Sha256};

use super::load_model::Snapshot;
pub use super::load_model::{LoadError, LoadOptions, LoadReport, PartnerReport};
use super::load_outcome::{partner_report, record_outcome};
use super::run_files::{InputHead, get, last_per_posting, parse_manifest, parse_matched, parts};
use crate::db::postings::LoadCounts;
use crate::db::{Db, LoadOutcome, LoadedPosting, PartnerLoad};

pub async fn load_run(
    db: &Db,
    store: &Store,
    run_id: &RunId,
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let run = run_id.to_string();
    let mut inputs: BTreeMap<String, InputHead> = BTreeMap::new();
    let mut quarantined = BTreeSet::new();
    let mut started_at = None;
    let mut digest = Sha256::new();
    let mut rows = Vec::new();
    for part in parts(store, run_id).await? {
        let body = get(store, &part.manifest_key).await?;
        digest.update(part.manifest_key.as_bytes());
        digest.update(&body);
        let manifest = parse_manifest(&part.manifest_key, run_id, &body)?;
        let bad = |reason: String| LoadError::Manifest {
            key: part.manifest_key.clone(),
            run_id: run.clone(),
            reason,
        };
        if manifest.run_id != run {
            return Err(bad(format!("it names run {}", manifest.run_id)));
        }
        let at = DateTime::parse_from_rfc3339(&manifest.started_at)
            .map_err(|e| bad(format!("started_at {:?}: {e}", manifest.started_at)))?
            .with_timezone(&Utc);
        started_at = Some(started_at.map_or(at, |s: DateTime<Utc>| s.min(at)));
        quarantined.extend(manifest.quarantined.into_iter().map(|q| q.upload_id));
        for input in manifest.inputs {
            inputs.insert(input.upload_id.clone(), input);
        }
        let body = get(store, &part.matched_key).await?;
        let key = part.matched_key.clone();
        let parsed = tokio::task::spawn_blocking(move || parse_matched(&key, &body))
            .await
            .map_err(|e| LoadError::Row {
                key: part.matched_key.clone(),
                line: 0,
                reason: e.to_string(),
            })??;
        rows.extend(parsed);
    }
    let digest = hex::encode(digest.finalize());
    // An upload one shard could not use is left out whole, so the partner's snapshot is
    // never a part of a file.
    let mut snapshots: BTreeMap<String, Snapshot> = BTreeMap::new();
    for input in inputs
        .values()
        .filter(|i| !quarantined.contains(&i.upload_id))
    {
        let s = snapshots.entry(input.partner.clone()).or_default();
        s.uploads.insert(input.upload_id.clone());
        s.rows.rows += input.rows;
        s.rows.rejected += input.rejected;
        s.rows.valid = match (s.uploads.len(), s.rows.valid, input.valid) {
            (1, _, v) => v,
            (_, Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        if s.uploads.last() == Some(&input.upload_id) {
            s.rows.declared_empty = input.declared_empty;
        }
    }
    rows.retain(|(_, p)| !quarantined.contains(&p.upload_id));
    if let Some((line, key, partner)) = rows
        .iter()
        .find(|(_, p)| !snapshots.contains_key(&p.partner))
        .map(|(key, p)| (p.line, key.clone(), p.partner.clone()))
    {
        return Err(LoadError::Row {
            key,
            line,
            reason: format!("partner {partner:?} is not among the run's inputs"),
        });
    }
    let matched_rows = rows.len() as u64;
    let postings = last_per_posting(rows.into_iter().map(|(_, p)| p).collect());
    let duplicates = matched_rows - postings.len() as u64;
    if duplicates > 0 {
        tracing::warn!(
            run_id = %run,
            duplicates,
            "the same posting id appears more than once for a partner; the last row wins"
        );
    }
    if let Some(approved) = options.approve {
        let approved = approved.to_string();
        if !snapshots.values().any(|s| s.uploads.contains(&approved)) {
            return Err(LoadError::NotHeld(approved));
        }
    }
    let mut by_partner: HashMap<&str, Vec<LoadedPosting>> = HashMap::new();
    for p in &postings {
        by_partner
            .entry(p.partner.as_str())
            .or_default()
            .push(p.clone());
    }
    let seen_at = started_at.unwrap_or_else(Utc::now);
    let mut report = LoadReport {
        run_id: run.clone(),
        partners: Vec::new(),
        matched_rows,
        duplicates,
        loaded: false,
        counts: LoadCounts::default(),
    };
    for (partner, snapshot) in &snapshots {
        let newest = snapshot.uploads.last().cloned().unwrap_or_default();
        let approved = options
            .approve
            .is_some_and(|a| snapshot.uploads.contains(&a.to_string()));
        let load = PartnerLoad {
            run_id: &run,
            partner,
            upload_id: &newest,
            digest: &digest,
            seen_at,
            postings: by_partner.get(partner.as_str()).map_or(&[], Vec::as_slice),
            batch_rows: options.batch_rows,
            hold: (!approved)
                .then(|| options.guard.check_rows(&snapshot.rows))
                .flatten(),
            max_close_share: (!approved).then_some(options.guard.max_close_share),
        };
        let outcome = db.load_partner(&load).await;
        let entry = partner_report(partner, snapshot, &outcome);
        if let Ok(LoadOutcome::Loaded(c)) = &outcome {
            report.loaded = true;
            report.counts.rows += c.rows;
            report.counts.inserted += c.inserted;
            report.counts.reopened += c.reopened;
            report.counts.closed += c.closed;
        }
        record_outcome(store, run_id, partner, snapshot, &outcome).await;
        report.partners.push(entry);
    }
    Ok(report)
}
