//! `matcher load`: the load stage alone, for a run that matched but did not load (or to
//! re-run a failed load; loading a run twice changes nothing).

use anyhow::bail;
use postings::RunId;
use postings::store::Store;

use crate::db::Db;
use crate::stage::load::{self, LoadOptions, LoadReport};

#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// The run to load (runs/<run_id>/ in the store).
    #[arg(long)]
    pub run_id: RunId,
    #[command(flatten)]
    pub store: super::StoreArgs,
    #[command(flatten)]
    pub database: super::DatabaseArgs,
    #[command(flatten)]
    pub guard: super::GuardArgs,
}

pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    let store = args.store.open().await?;
    let db = args.database.connect().await?;
    let options = LoadOptions {
        guard: args.guard.guard()?,
        ..LoadOptions::default()
    };
    let report = load_and_log(&db, &store, &args.run_id, &options).await;
    db.close().await;
    let report = report?;
    println!("{}", serde_json::to_string(&report)?);
    fail_on_failed_partners(&report)
}

/// A partner whose snapshot failed to load makes the command fail (after the others loaded).
pub fn fail_on_failed_partners(report: &LoadReport) -> anyhow::Result<()> {
    let failed: Vec<String> = report
        .failed()
        .map(|p| format!("{}: {}", p.partner, p.reason.as_deref().unwrap_or("")))
        .collect();
    if !failed.is_empty() {
        bail!(
            "run {0}: {1}; nothing was written for {2}, `matcher load --run-id {0}` retries",
            report.run_id,
            failed.join("; "),
            if failed.len() == 1 {
                "that partner"
            } else {
                "those partners"
            }
        );
    }
    Ok(())
}

/// The load with its log line; shared with `matcher run`.
pub async fn load_and_log(
    db: &Db,
    store: &Store,
    run_id: &RunId,
    options: &LoadOptions,
) -> anyhow::Result<LoadReport> {
    let report = match load::load_run(db, store, run_id, options).await {
        Ok(report) => report,
        // These say themselves which command moves the run on.
        Err(
            e @ (load::LoadError::Manifest { .. }
            | load::LoadError::Incomplete(_)
            | load::LoadError::MissingShards { .. }
            | load::LoadError::NotHeld(_)),
        ) => return Err(anyhow::Error::new(e).context(format!("loading run {run_id}"))),
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "loading run {run_id}; nothing was written, `matcher load --run-id {run_id}` retries it"
            )));
        }
    };
    for p in &report.partners {
        tracing::info!(
            phase = "load",
            run_id = %report.run_id,
            partner = %p.partner,
            outcome = p.outcome,
            reason = p.reason.as_deref(),
            rows = p.counts.rows,
            inserted = p.counts.inserted,
            reopened = p.counts.reopened,
            closed = p.counts.closed,
            "partner snapshot"
        );
    }
    if report.duplicates > 0 {
        tracing::info!(phase = "load", run_id = %report.run_id, duplicates = report.duplicates, "repeated posting ids");
    }
    Ok(report)
}
