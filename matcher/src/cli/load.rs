//! `matcher load`: the load stage alone, for a run that matched but did not load (or to
//! re-run a failed load; loading a run twice changes nothing).

use anyhow::Context;
use postings::RunId;
use postings::store::Store;

use crate::db::Db;
use crate::stage::load::{self, LoadOptions, LoadReport};

#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// The run to load (runs/<run_id>/ in the store).
    #[arg(long)]
    pub run_id: RunId,
    /// Object store: s3://bucket[/prefix], file:///abs/dir or a directory.
    #[arg(long, env = "STORE_URL", default_value = super::DEFAULT_STORE)]
    pub store_url: String,
    /// Company database (postgres://… or sqlite:…).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = super::DEFAULT_DATABASE,
        hide_env_values = true
    )]
    pub database_url: String,
}

pub async fn run(args: LoadArgs) -> anyhow::Result<()> {
    let store = Store::from_url(&args.store_url)
        .await
        .context("opening the store (STORE_URL)")?;
    let db = Db::connect(&args.database_url)
        .await
        .context("connecting to the company database (DATABASE_URL)")?;
    db.migrate().await.context("migrating the database")?;
    let report = load_and_log(&db, &store, &args.run_id).await;
    db.close().await;
    let report = report?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// The load with its log line; shared with `matcher run`.
pub async fn load_and_log(db: &Db, store: &Store, run_id: &RunId) -> anyhow::Result<LoadReport> {
    let report = load::load_run(db, store, run_id, &LoadOptions::default())
        .await
        .with_context(|| {
            format!("loading run {run_id}; nothing was written, `matcher load --run-id {run_id}` retries it")
        })?;
    if report.loaded {
        tracing::info!(
            phase = "load",
            run_id = %report.run_id,
            rows = report.counts.rows,
            inserted = report.counts.inserted,
            reopened = report.counts.reopened,
            closed = report.counts.closed,
            duplicates = report.duplicates,
            "run loaded"
        );
    } else {
        tracing::info!(phase = "load", run_id = %report.run_id, "run was loaded before; nothing to do");
    }
    Ok(report)
}
