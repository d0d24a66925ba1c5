//! Which uploads a scheduled run takes, decided once per run and recorded in
//! `runs/<run_id>/inputs.json` (the plan) before any matching.
//!
//! Claiming: an upload belongs to the first run that creates `consumed/<upload_id>.json`
//! (a create-if-absent put), so two concurrent runs never both take one. Only the planner
//! claims: an unsharded run, or shard 0 of an array job. The other shards wait for the plan
//! and read exactly the inputs it lists, so all shards of a run see the same uploads. A
//! re-run (`--run-id R`) reads R's plan and claims nothing.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use postings::store::{Store, StoreError};
use postings::{RunId, UploadId, UploadRecord, UploadState, UploadStatus, layout};
use serde::{Deserialize, Serialize};

use super::manifest::InputRecord;
use super::states;

/// How long a claim may stand without its run's plan before a later run takes the upload
/// back (a crash between claiming and recording the plan): `MATCH_CLAIM_LEASE_SECS`,
/// default 15 minutes; planning takes seconds.
pub fn claim_lease() -> Duration {
    let secs = std::env::var("MATCH_CLAIM_LEASE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(900);
    Duration::from_secs(secs)
}

/// The body of `consumed/<upload_id>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumedMarker {
    pub run_id: String,
    pub claimed_at: String,
}

/// `runs/<run_id>/inputs.json`: the uploads a run takes, in processing order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub run_id: String,
    pub created_at: String,
    pub inputs: Vec<InputRecord>,
    /// The array size when shard 0 of an array job recorded the plan. Such runs are finished
    /// by their own shards' retries (same run id), never resumed by an unsharded run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<u32>,
}

pub fn plan_key(run_id: &RunId) -> String {
    format!("runs/{run_id}/inputs.json")
}

pub async fn read_plan(store: &Store, run_id: &RunId) -> anyhow::Result<Option<Plan>> {
    let key = plan_key(run_id);
    match store.get(&key).await {
        Ok(body) => Ok(Some(
            serde_json::from_slice(&body).with_context(|| format!("parsing {key}"))?,
        )),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {key}")),
    }
}

/// Claims every registered upload no run has consumed yet and records them as run
/// `run_id`'s plan. `shards` is the array size when shard 0 plans for an array job: such a
/// plan is written even with no inputs (the other shards are waiting to read it); an
/// unsharded run with nothing to take records nothing, and no run exists.
pub async fn create_plan(
    store: &Store,
    run_id: &RunId,
    shards: Option<u32>,
) -> anyhow::Result<Plan> {
    let claimed = claim_new_uploads(store, run_id).await?;
    let plan = Plan {
        run_id: run_id.to_string(),
        created_at: super::now_rfc3339(),
        inputs: claimed,
        shards,
    };
    if plan.inputs.is_empty() && shards.is_none() {
        return Ok(plan);
    }
    let key = plan_key(run_id);
    let body = serde_json::to_vec_pretty(&plan)?;
    match store.put_new(&key, Bytes::from(body)).await {
        Ok(()) => Ok(plan),
        // Another planner of the same run id got there first (a duplicated shard 0): its plan
        // stands, and what this one claimed beyond it is handed back for a later run.
        Err(StoreError::AlreadyExists) => {
            let existing = read_plan(store, run_id)
                .await?
                .with_context(|| format!("{key} vanished while being read"))?;
            let kept: BTreeSet<&str> = existing
                .inputs
                .iter()
                .map(|i| i.upload_id.as_str())
                .collect();
            for extra in plan
                .inputs
                .iter()
                .filter(|i| !kept.contains(i.upload_id.as_str()))
            {
                release(store, &extra.upload_id).await?;
            }
            Ok(existing)
        }
        Err(e) => {
            release_all(store, &plan.inputs).await;
            Err(e).with_context(|| format!("writing {key}"))
        }
    }
}

/// Hands claims back after a failure before the plan was recorded, so that the next run
/// takes those uploads instead of leaving them consumed by a run that never existed. (A
/// crash in that short window leaves a claim without a plan: the next run hands it back
/// once its lease has expired, see [`stale_claim`].)
async fn release_all(store: &Store, claimed: &[InputRecord]) {
    for input in claimed {
        if let Err(e) = release(store, &input.upload_id).await {
            tracing::error!(upload_id = %input.upload_id, error = format!("{e:#}"), "claim could not be released");
        }
    }
}

/// Waits for shard 0 to record the run's plan (shards of one array job start together).
pub async fn wait_for_plan(store: &Store, run_id: &RunId, wait: Duration) -> anyhow::Result<Plan> {
    let deadline = Instant::now() + wait;
    let mut told = false;
    loop {
        if let Some(plan) = read_plan(store, run_id).await? {
            return Ok(plan);
        }
        if !std::mem::replace(&mut told, true) {
            tracing::info!(%run_id, wait_secs = wait.as_secs(), "waiting for shard 0 to record the run's inputs");
        }
        if Instant::now() >= deadline {
            bail!(
                "run {run_id} has no recorded inputs ({}) after waiting {}s: shard 0 records them",
                plan_key(run_id),
                wait.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_secs(2).min(wait)).await;
    }
}

async fn claim_new_uploads(store: &Store, run_id: &RunId) -> anyhow::Result<Vec<InputRecord>> {
    let known: HashMap<UploadId, UploadStatus> = states::list(store)
        .await?
        .into_iter()
        .map(|s| (s.upload_id, s))
        .collect();
    let mut consumed = BTreeSet::new();
    for meta in store
        .list(layout::CONSUMED_PREFIX)
        .await
        .context("listing consumed uploads")?
    {
        let Some(id) = layout::upload_id_of(&meta.key) else {
            continue;
        };
        match stale_claim(store, &id, known.get(&id)).await {
            Ok(Some(run)) => {
                tracing::warn!(upload_id = %id, stale_run = %run, "claim by a run that never recorded its plan has expired");
                release(store, &id.to_string()).await?;
            }
            Ok(None) => {
                consumed.insert(id.to_string());
            }
            Err(e) => {
                tracing::warn!(upload_id = %id, error = format!("{e:#}"), "claim could not be checked; left as it is");
                consumed.insert(id.to_string());
            }
        }
    }
    let incoming = store
        .list(layout::INCOMING_PREFIX)
        .await
        .context("listing incoming uploads")?;
    let marker = Bytes::from(serde_json::to_vec(&ConsumedMarker {
        run_id: run_id.to_string(),
        claimed_at: super::now_rfc3339(),
    })?);
    let mut claimed = Vec::new();
    for meta in incoming.iter().filter(|m| m.key.ends_with(".json")) {
        let Some(upload_id) = stem(&meta.key) else {
            continue;
        };
        if consumed.contains(upload_id) {
            continue;
        }
        let record = match read_record(store, &meta.key).await {
            Ok(r) => r,
            Err(e) => {
                // Left unclaimed, so it is reported again by every run until someone fixes it.
                tracing::error!(key = %meta.key, error = format!("{e:#}"), "unreadable upload record skipped");
                continue;
            }
        };
        let consumed_key = layout::consumed_key(&record.upload_id);
        match store.put_new(&consumed_key, marker.clone()).await {
            Ok(()) => {
                tracing::info!(upload_id = %record.upload_id, partner = %record.partner, "upload claimed");
                states::set_logged(
                    store,
                    record.upload_id,
                    &record.partner,
                    UploadState::Claimed {
                        run_id: run_id.clone(),
                    },
                )
                .await;
                claimed.push(input_record(&record));
            }
            // A concurrent run claimed it between our listing and now.
            Err(StoreError::AlreadyExists) => {}
            Err(e) => {
                release_all(store, &claimed).await;
                return Err(e).with_context(|| format!("claiming {consumed_key}"));
            }
        }
    }
    claimed.sort_by(|a, b| (&a.partner, &a.upload_id).cmp(&(&b.partner, &b.upload_id)));
    Ok(claimed)
}

/// A claim whose run never recorded its plan and whose lease ([`claim_lease`]) has run out:
/// the run that made it died in the moment between claiming and planning. Returns that run.
pub async fn stale_claim(
    store: &Store,
    upload_id: &UploadId,
    state: Option<&UploadStatus>,
) -> anyhow::Result<Option<String>> {
    let (run, at) = match state.map(|s| &s.state) {
        Some(UploadState::Claimed { run_id }) => (run_id.to_string(), state.map(|s| s.updated_at)),
        // Any later state means the claim did its job.
        Some(_) => return Ok(None),
        None => {
            let key = layout::consumed_key(upload_id);
            let marker: ConsumedMarker = match store.get(&key).await {
                Ok(body) => {
                    serde_json::from_slice(&body).with_context(|| format!("parsing {key}"))?
                }
                Err(StoreError::NotFound) => return Ok(None),
                Err(e) => return Err(e).with_context(|| format!("reading {key}")),
            };
            let at = chrono::DateTime::parse_from_rfc3339(&marker.claimed_at)
                .ok()
                .map(|t| t.with_timezone(&chrono::Utc));
            (marker.run_id, at)
        }
    };
    let age = at.map_or(Duration::MAX, |t| {
        (chrono::Utc::now() - t).to_std().unwrap_or_default()
    });
    if age <= claim_lease() {
        return Ok(None);
    }
    let Ok(run_id) = RunId::parse(&run) else {
        return Ok(Some(run));
    };
    if store
        .head(&plan_key(&run_id))
        .await
        .with_context(|| format!("checking {}", plan_key(&run_id)))?
        .is_some()
    {
        return Ok(None);
    }
    Ok(Some(run))
}

async fn read_record(store: &Store, key: &str) -> anyhow::Result<UploadRecord> {
    let body = store
        .get(key)
        .await
        .with_context(|| format!("reading {key}"))?;
    serde_json::from_slice(&body).with_context(|| format!("parsing {key}"))
}

pub(crate) async fn release(store: &Store, upload_id: &str) -> anyhow::Result<()> {
    let key = format!("{}{upload_id}.json", layout::CONSUMED_PREFIX);
    tracing::warn!(%upload_id, "claim released; a later run will take the upload");
    store
        .delete(&key)
        .await
        .with_context(|| format!("releasing {key}"))
}

fn input_record(r: &UploadRecord) -> InputRecord {
    InputRecord {
        upload_id: r.upload_id.to_string(),
        partner: r.partner.to_string(),
        key: r.key.clone(),
        sha256: r.sha256.clone(),
        bytes: r.bytes,
        rows: r.rows,
        encoding: r.encoding.clone(),
        valid: 0,
        rejected: 0,
        declared_empty: r.declared_empty,
    }
}

/// The file name without its directory and `.json`: an upload id for records and markers.
fn stem(key: &str) -> Option<&str> {
    key.rsplit('/').next()?.strip_suffix(".json")
}

/// The run id all children of one AWS Batch array job share, when the scheduler did not set
/// one: child 0 picks it and records it under `batch-jobs/<parent job id>.json` (create-if-
/// absent, so a retried child 0 keeps the first choice); the other children read it there.
/// `job_id` is the child's `AWS_BATCH_JOB_ID` (`<parent id>:<index>`).
pub async fn run_id_for_batch_job(
    store: &Store,
    job_id: &str,
    shard_index: u32,
    wait: Duration,
) -> anyhow::Result<RunId> {
    let parent = job_id.split_once(':').map_or(job_id, |(p, _)| p);
    let ok = !parent.is_empty()
        && parent.len() <= 128
        && parent
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        bail!("AWS_BATCH_JOB_ID {job_id:?} is not a job id");
    }
    let key = format!("{BATCH_JOBS_PREFIX}{parent}.json");
    if shard_index == 0 {
        let chosen = BatchJobRun {
            run_id: RunId::new().to_string(),
        };
        match store
            .put_new(&key, Bytes::from(serde_json::to_vec(&chosen)?))
            .await
        {
            Ok(()) => return Ok(RunId::parse(&chosen.run_id)?),
            Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e).with_context(|| format!("writing {key}")),
        }
    }
    let deadline = Instant::now() + wait;
    loop {
        match store.get(&key).await {
            Ok(body) => {
                let found: BatchJobRun =
                    serde_json::from_slice(&body).with_context(|| format!("parsing {key}"))?;
                return Ok(RunId::parse(&found.run_id)?);
            }
            Err(StoreError::NotFound) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_secs(2).min(wait)).await;
            }
            Err(StoreError::NotFound) => bail!(
                "no run id recorded for batch job {parent} ({key}) after {}s: shard 0 records it",
                wait.as_secs()
            ),
            Err(e) => return Err(e).with_context(|| format!("reading {key}")),
        }
    }
}

/// Where array jobs record their run id; outside `runs/` so that only runs live there.
pub const BATCH_JOBS_PREFIX: &str = "batch-jobs/";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BatchJobRun {
    run_id: String,
}
