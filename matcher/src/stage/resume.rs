//! Finishing the runs a crash left behind.
//!
//! A scheduled run claims its uploads, records its plan (`runs/<R>/inputs.json`), matches,
//! and writes its manifest last. A process that dies in between (Spot reclaim, timeout, OOM)
//! leaves uploads claimed by a run with no manifest; the AWS Batch retry starts under a new
//! run id and would never take them. So every unsharded scheduled run first completes such
//! runs, oldest first, exactly as `matcher match --run-id R` would, then takes new uploads.
//!
//! Sharded runs are left to their array job's retries, which reuse the run id.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Context;
use postings::RunId;
use postings::store::Store;

use super::companies::CompanySource;
use super::job::{Resumption, run_job, scheduled_job};
use super::plan;
use crate::engine::Thresholds;

const RUNS_PREFIX: &str = "runs/";

/// Runs with a plan and no manifest, unsharded, oldest first (run ids begin with their UTC
/// start time).
pub async fn unfinished_runs(store: &Store) -> anyhow::Result<Vec<RunId>> {
    #[derive(Default)]
    struct Seen {
        plan: bool,
        manifest: bool,
        shards: bool,
    }
    let listed = store
        .list(RUNS_PREFIX)
        .await
        .with_context(|| format!("listing {RUNS_PREFIX} for unfinished runs"))?;
    let mut runs: BTreeMap<String, Seen> = BTreeMap::new();
    for meta in &listed {
        let Some((run, file)) = meta
            .key
            .strip_prefix(RUNS_PREFIX)
            .and_then(|rest| rest.split_once('/'))
        else {
            continue;
        };
        let seen = runs.entry(run.to_owned()).or_default();
        match file {
            "inputs.json" => seen.plan = true,
            "manifest.json" => seen.manifest = true,
            // Plans recorded before plans named their shard count: shard output means sharded.
            f if f.starts_with("shards/") => seen.shards = true,
            _ => {}
        }
    }
    Ok(runs
        .into_iter()
        .filter(|(_, seen)| seen.plan && !seen.manifest && !seen.shards)
        .filter_map(|(run, _)| RunId::parse(&run).ok())
        .collect())
}

/// Completes every unfinished unsharded run. One that fails is reported (log line and
/// `resume_failed`) and does not stop the others or the new run: a bad upload must not block
/// every later upload.
pub async fn finish_unfinished_runs(
    store: &Store,
    companies: &CompanySource,
    thresholds: &Thresholds,
) -> anyhow::Result<Resumption> {
    let mut done = Resumption::default();
    for run_id in unfinished_runs(store).await? {
        match finish(store, companies, thresholds, &run_id).await {
            Ok(false) => {}
            Ok(true) => done.resumed.push(run_id.to_string()),
            Err(e) => {
                tracing::error!(
                    run_id = %run_id,
                    error = format!("{e:#}"),
                    "unfinished run could not be completed; its uploads stay claimed by it"
                );
                done.resume_failed.push(run_id.to_string());
            }
        }
    }
    Ok(done)
}

/// `Ok(false)`: not a run to resume after all (sharded, or its plan vanished).
async fn finish(
    store: &Store,
    companies: &CompanySource,
    thresholds: &Thresholds,
    run_id: &RunId,
) -> anyhow::Result<bool> {
    let Some(plan) = plan::read_plan(store, run_id).await? else {
        return Ok(false);
    };
    if plan.shards.is_some() || plan.inputs.is_empty() {
        return Ok(false);
    }
    tracing::warn!(
        phase = "resume",
        run_id = %run_id,
        inputs = plan.inputs.len(),
        planned_at = %plan.created_at,
        "resuming a run an earlier attempt left unfinished (inputs.json without manifest.json)"
    );
    let started_at = super::now_rfc3339();
    let job = scheduled_job(store, companies, plan, None)?;
    run_job(job, thresholds, started_at, Instant::now()).await?;
    Ok(true)
}
