//! The match stage: which run to do (offline, a new scheduled run, a re-run, one shard) and
//! on which inputs; the run itself is [`super::job`].

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use postings::RunId;
use postings::store::Store;
use serde::Serialize;

use super::companies::CompanySource;
use super::destination::Destination;
use super::job::{Job, Resumption, RunSummary, Source, run_job, scheduled_job};
use super::manifest::InputRecord;
use super::plan;
use super::resume;
use super::shard::Shard;
use crate::engine::Thresholds;

/// Partner and upload id given to the rows of an offline `--postings` file.
pub const OFFLINE: &str = "offline";

#[derive(Clone)]
pub struct MatchOptions {
    pub mode: MatchMode,
    pub thresholds: Thresholds,
}

#[derive(Clone)]
pub enum MatchMode {
    /// One CSV in, the run's files into a directory; no store, no database.
    Offline {
        companies: PathBuf,
        postings: PathBuf,
        out: PathBuf,
    },
    /// Uploads from the store, outputs to `runs/<run_id>/…` in it.
    Scheduled {
        store: Store,
        companies: CompanySource,
        /// `None`: a new run over every unconsumed upload. `Some(R)`: run R's recorded
        /// inputs; for shard 0 of an array job whose run R has no plan yet, R is created.
        run_id: Option<RunId>,
        /// `None` or a count of 1: unsharded.
        shard: Option<Shard>,
        /// The id a new unsharded run takes (`matcher run` names it in its lease first);
        /// `None`: a fresh one.
        new_run_id: Option<RunId>,
        /// How long a shard other than 0 waits for shard 0 to record the run's inputs.
        plan_wait: Duration,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MatchOutcome {
    Completed(RunSummary),
    /// A scheduled run found no upload that an earlier run has not consumed: no new run.
    NothingNew {
        #[serde(flatten)]
        resumption: Resumption,
    },
}

impl MatchOutcome {
    pub fn resumption(&self) -> &Resumption {
        match self {
            Self::Completed(s) => &s.resumption,
            Self::NothingNew { resumption } => resumption,
        }
    }
}

pub async fn run_match(options: MatchOptions) -> anyhow::Result<MatchOutcome> {
    let started_at = super::now_rfc3339();
    let clock = Instant::now();
    let MatchOptions { mode, thresholds } = options;
    let (store, companies, run_id, shard, plan_wait) = match mode {
        MatchMode::Offline {
            companies,
            postings,
            out,
        } => {
            let job = Job {
                run_id: OFFLINE.to_owned(),
                shard: None,
                inputs: vec![InputRecord {
                    upload_id: OFFLINE.to_owned(),
                    partner: OFFLINE.to_owned(),
                    key: postings.display().to_string(),
                    sha256: String::new(),
                    bytes: 0,
                    rows: 0,
                    encoding: String::new(),
                    valid: 0,
                    rejected: 0,
                    declared_empty: false,
                }],
                source: Source::File(postings),
                companies: CompanySource::Csv(companies),
                destination: Destination::Dir(out),
            };
            return run_job(job, &thresholds, started_at, clock)
                .await
                .map(MatchOutcome::Completed);
        }
        MatchMode::Scheduled {
            store,
            companies,
            run_id,
            shard,
            new_run_id,
            plan_wait,
        } => (store, companies, run_id.ok_or(new_run_id), shard, plan_wait),
    };
    let shard = shard.filter(|s| s.count > 1);
    // Before claiming anything new: a crash (Spot reclaim, timeout, OOM) between recording a
    // plan and writing its manifest leaves uploads claimed by a run that a retry, under a new
    // run id, would otherwise never match.
    let resumption = if run_id.is_err() && shard.is_none() {
        resume::finish_unfinished_runs(&store, &companies, &thresholds).await?
    } else {
        Resumption::default()
    };
    let Some(plan) = resolve_plan(&store, run_id, shard, plan_wait).await? else {
        tracing::info!(phase = "plan", "no new uploads to match");
        return Ok(MatchOutcome::NothingNew { resumption });
    };
    let job = scheduled_job(&store, &companies, plan, shard)?;
    tracing::info!(
        phase = "plan",
        run_id = %job.run_id,
        inputs = job.inputs.len(),
        shard = shard.map(|s| s.to_string()),
        "run inputs fixed"
    );
    let mut summary = run_job(job, &thresholds, started_at, clock).await?;
    summary.resumption = resumption;
    Ok(MatchOutcome::Completed(summary))
}

/// The run's plan, or `None` when a new unsharded run finds nothing to take.
async fn resolve_plan(
    store: &Store,
    run_id: Result<RunId, Option<RunId>>,
    shard: Option<Shard>,
    wait: Duration,
) -> anyhow::Result<Option<plan::Plan>> {
    match (run_id, shard) {
        (Err(new), None) => {
            let plan = plan::create_plan(store, &new.unwrap_or_default(), None).await?;
            Ok((!plan.inputs.is_empty()).then_some(plan))
        }
        (Err(_), Some(s)) => bail!(
            "shard {s} needs the run id its array job shares: pass --run-id, set MATCH_RUN_ID, or run as an AWS Batch array job (AWS_BATCH_JOB_ID)"
        ),
        (Ok(id), shard) => {
            if let Some(plan) = plan::read_plan(store, &id).await? {
                if let Some(s) = shard {
                    check_shard_layout(store, &id, s).await?;
                }
                tracing::info!(run_id = %id, "running on the run's recorded inputs");
                return Ok(Some(plan));
            }
            match shard {
                None => bail!(
                    "run {id} has no recorded inputs ({}): nothing to re-run",
                    plan::plan_key(&id)
                ),
                // The other shards wait for a plan, so shard 0 records one even when empty.
                Some(s) if s.index == 0 => {
                    Ok(Some(plan::create_plan(store, &id, Some(s.count)).await?))
                }
                Some(_) => Ok(Some(plan::wait_for_plan(store, &id, wait).await?)),
            }
        }
    }
}

/// A run's shards must all split it the same way, or the load stage cannot put them together.
async fn check_shard_layout(store: &Store, run_id: &RunId, shard: Shard) -> anyhow::Result<()> {
    let prefix = format!("{}shards/", postings::layout::run_prefix(run_id));
    let listed = store
        .list(&prefix)
        .await
        .with_context(|| format!("listing {prefix}"))?;
    let other = listed.iter().find_map(|m| {
        let dir = m.key.strip_prefix(&prefix)?.split('/').next()?;
        let (_, count) = dir.split_once("-of-")?;
        let count: u32 = count.parse().ok()?;
        (count != shard.count).then_some(count)
    });
    if let Some(count) = other {
        bail!(
            "run {run_id} is already split into {count} shards: re-run its shards as I/{count}, \
             or the whole run without --shard"
        );
    }
    Ok(())
}
