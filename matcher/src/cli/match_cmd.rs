//! `matcher match`: the match stage, offline (files in, files out) or scheduled (the store's
//! new uploads in, `runs/<run_id>/` out).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use postings::RunId;

use crate::engine::Thresholds;
use crate::stage::companies::CompanySource;
use crate::stage::plan;
use crate::stage::shard::Shard;
use crate::stage::{MatchMode, MatchOptions, MatchOutcome, run_match};

const AFTER_HELP: &str = "\
MODES
  Offline (evaluation, no store, no database):
    matcher match --companies companies.csv --postings postings.csv --out DIR
  writes DIR/matched.csv, unmatched.csv, rejected.csv and, last, manifest.json. Rows get
  partner \"offline\" and upload id \"offline\".

  Scheduled (no --postings): takes every upload registered in the store
  (incoming/<partner>/<date>/<upload_id>.json) that no earlier run has consumed, claims each
  by creating consumed/<upload_id>.json (create-if-absent, so two concurrent runs never take
  the same upload), records the run's inputs in runs/<run_id>/inputs.json, checks each raw
  upload's sha256 and size against its record while reading it, and writes
  runs/<run_id>/matched.csv, unmatched.csv, rejected.csv, then manifest.json. A run is
  complete once its manifest exists. With no new upload it says so, writes nothing and exits 0.
  Companies come from the database (DATABASE_URL) unless --companies is given.

RE-RUNS
  matcher match --run-id R   re-runs run R on exactly the inputs recorded for it, overwriting
  its files with the same content; nothing new is claimed. Unsharded, a run id with no recorded
  inputs is an error. A sharded run's shard is re-run with --run-id R --shard I/N (the same N); without
  --shard the whole run is written to runs/R/, which the load stage then prefers.

UNFINISHED RUNS (crash recovery)
  A run that dies after recording runs/<R>/inputs.json but before its manifest (Spot
  reclaim, timeout, OOM) holds claimed uploads no new run takes. So an unsharded scheduled
  run (no --run-id, no --shard) first completes every unsharded run that has inputs.json but
  no manifest.json, oldest first, exactly as `matcher match --run-id R` would (same inputs,
  same files), logging one line per resumed run; then it takes new uploads as usual. The
  summary lists them in \"resumed\". A resumed run that fails again is logged, listed in
  \"resume_failed\" and retried by the next scheduled run; the new uploads are still matched,
  but the command then exits non-zero. Sharded runs are left to their array job's retries.
  Known limit: a scheduled run overlapping a still-running unsharded run treats that run as
  unfinished and computes it too (the same files, written whole; with a company master
  changed in between, the later write wins); `matcher run` holds a lease so that two never
  overlap. A crash in the moment between claiming uploads and recording inputs.json leaves
  consumed/<upload_id>.json markers naming a run that has no inputs.json: the next run hands
  them back once MATCH_CLAIM_LEASE_SECS (900) have passed since the claim.

UPLOADS THAT CANNOT BE USED
  An upload whose object is missing, altered (sha256 or size differ from its record),
  unreadable or invalid is quarantined: states/<upload_id>.json records why, the manifest
  lists it under \"quarantined\", and the run goes on with every other upload. Put it right,
  then `matcher retry --upload U` hands it to the next run. `matcher status` lists every upload
  not loaded yet with the command that moves it on.

SHARDS (AWS Batch array jobs)
  --shard I/N (0-based) or, by default, AWS_BATCH_JOB_ARRAY_INDEX with MATCH_SHARD_COUNT set
  to the array size. Each shard takes the postings whose FNV-1a hash of (partner, posting_id)
  is I modulo N; rows the CSV contract rejected are written by shard 0 only. All shards of one
  job share a run id: MATCH_RUN_ID if set, otherwise shard 0 picks one and records it under
  batch-jobs/<array job id>.json (from AWS_BATCH_JOB_ID) for the others. Shard 0 claims the
  new uploads and records them in runs/<run_id>/inputs.json; the other shards wait for that file (MATCH_PLAN_WAIT_SECS) and
  read exactly those inputs. Shard I writes runs/<run_id>/shards/<I>-of-<N>/ (same four
  files); the run is complete when all N shard manifests exist, and their CSVs together hold
  the same rows as one unsharded run.

OUTPUT
  Progress: one log line per phase on stderr (JSON unless on a terminal; LOG_FORMAT, RUST_LOG).
  At the end one JSON line on stdout: {\"outcome\":\"completed\"|\"nothing_new\", run_id, shard,
  location, inputs, companies, counts, timings_ms, quarantined, resumed, resume_failed} (\"nothing_new\"
  carries only resumed and resume_failed). Exit status non-zero on any failure.";

#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct MatchArgs {
    /// Link a posting on its name and place only when the probability that the link is
    /// right is at least this (0..1). Lower it to link more with more wrong links; `matcher
    /// eval` prints how predicted and observed precision compare by band.
    #[arg(
        long,
        env = "MATCH_MIN_PROBABILITY",
        default_value_t = Thresholds::default().min_probability,
        value_name = "P"
    )]
    pub min_probability: f64,
    /// Company master as CSV (companies.csv columns). Required offline; in scheduled mode it
    /// replaces the database.
    #[arg(long, value_name = "CSV")]
    pub companies: Option<PathBuf>,
    /// Offline mode: the posting CSV to match (UTF-8 or Shift_JIS).
    #[arg(long, value_name = "CSV", requires_all = ["companies", "out"])]
    pub postings: Option<PathBuf>,
    /// Offline mode: directory for the run's files (created if missing).
    #[arg(long, value_name = "DIR", requires = "postings")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub store: super::StoreArgs,
    /// Company database, when --companies is not given.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = super::DEFAULT_DATABASE,
        hide_env_values = true
    )]
    pub database_url: String,
    /// Re-run this run on its recorded inputs; for shards, the run id the array job shares.
    #[arg(long, env = "MATCH_RUN_ID")]
    pub run_id: Option<RunId>,
    /// Set by AWS Batch: gives the shards of an array job a shared run id when MATCH_RUN_ID
    /// is not set.
    #[arg(long, env = "AWS_BATCH_JOB_ID", hide = true)]
    pub batch_job_id: Option<String>,
    /// This process's shard, I/N (0-based).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Shard index when --shard is not given (set by AWS Batch in array jobs).
    #[arg(long, env = "AWS_BATCH_JOB_ARRAY_INDEX", hide = true)]
    pub array_index: Option<u32>,
    /// Number of shards (the array size) when --shard is not given.
    #[arg(long, env = "MATCH_SHARD_COUNT", value_name = "N")]
    pub shard_count: Option<u32>,
    /// How long shards other than 0 wait for shard 0 to record the run's inputs.
    #[arg(
        long,
        env = "MATCH_PLAN_WAIT_SECS",
        default_value_t = 900,
        value_name = "SECS"
    )]
    pub plan_wait_secs: u64,
}

impl MatchArgs {
    fn shard(&self) -> anyhow::Result<Option<Shard>> {
        if self.shard.is_some() {
            return Ok(self.shard);
        }
        match (self.array_index, self.shard_count) {
            (None, None) => Ok(None),
            (Some(i), Some(n)) => Ok(Some(Shard::new(i, n)?)),
            (Some(_), None) => bail!(
                "AWS_BATCH_JOB_ARRAY_INDEX is set but MATCH_SHARD_COUNT is not: set it to the array size"
            ),
            (None, Some(n)) => bail!(
                "MATCH_SHARD_COUNT={n} but no shard index: pass --shard I/{n} or run as an AWS Batch array job"
            ),
        }
    }

    async fn options(self) -> anyhow::Result<MatchOptions> {
        if !(0.0..=1.0).contains(&self.min_probability) {
            bail!(
                "--min-probability must be between 0 and 1, not {}",
                self.min_probability
            );
        }
        let thresholds = Thresholds {
            min_probability: self.min_probability,
            ..Thresholds::default()
        };
        if let (Some(postings), Some(companies), Some(out)) =
            (&self.postings, &self.companies, &self.out)
        {
            if self.run_id.is_some() || self.shard()?.is_some() {
                bail!(
                    "--run-id and shards apply to scheduled runs, not to offline --postings runs"
                );
            }
            return Ok(MatchOptions {
                mode: MatchMode::Offline {
                    companies: companies.clone(),
                    postings: postings.clone(),
                    out: out.clone(),
                },
                thresholds,
            });
        }
        let shard = self.shard()?;
        let store = self.store.open().await?;
        let plan_wait = Duration::from_secs(self.plan_wait_secs);
        let run_id = match (self.run_id, shard, &self.batch_job_id) {
            (None, Some(s), Some(job)) if s.count > 1 => Some(
                plan::run_id_for_batch_job(&store, job, s.index, plan_wait)
                    .await
                    .context("agreeing on the array job's run id")?,
            ),
            (run_id, _, _) => run_id,
        };
        let companies = match self.companies {
            Some(path) => CompanySource::Csv(path),
            None => CompanySource::Database(self.database_url),
        };
        Ok(MatchOptions {
            mode: MatchMode::Scheduled {
                store,
                companies,
                run_id,
                shard,
                new_run_id: None,
                plan_wait,
            },
            thresholds,
        })
    }
}

pub async fn run(args: MatchArgs) -> anyhow::Result<()> {
    let outcome = run_match(args.options().await?).await?;
    // The one line on stdout, for the scheduler; logs go to stderr.
    println!("{}", serde_json::to_string(&outcome)?);
    if let MatchOutcome::NothingNew { .. } = outcome {
        tracing::info!("no new uploads since the last run: nothing to match");
    }
    let failed = &outcome.resumption().resume_failed;
    if !failed.is_empty() {
        bail!(
            "unfinished run(s) {} could not be completed (see the log); new uploads were matched. \
             Fix the cause and the next scheduled run retries them, or run `matcher match --run-id R`",
            failed.join(", ")
        );
    }
    Ok(())
}
