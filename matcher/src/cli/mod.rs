//! The `matcher` command line: one subcommand per stage, each in its own module.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use postings::store::Store;

use crate::db::Db;

pub mod eval;
pub mod import;
pub mod load;
pub mod match_cmd;
pub mod review;
pub mod run;
mod seed;
pub mod status;
pub mod uploads;

/// The embedded defaults every subcommand falls back to: a store directory and a SQLite file
/// under `.data/`, so a first run needs no server.
pub const DEFAULT_STORE: &str = ".data/store";
pub const DEFAULT_DATABASE: &str = "sqlite://.data/matcher.db";

/// The object store, for every subcommand that reads or writes it.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// Object store: s3://bucket[/prefix], file:///abs/dir or a directory.
    #[arg(long, env = "STORE_URL", default_value = DEFAULT_STORE)]
    pub store_url: String,
}

impl StoreArgs {
    pub async fn open(&self) -> anyhow::Result<Store> {
        open_store(&self.store_url).await
    }
}

/// The company database, for every subcommand that reads or writes it.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Company database (postgres://… or sqlite:…), migrated to the current schema first.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE,
        hide_env_values = true
    )]
    pub database_url: String,
}

impl DatabaseArgs {
    pub async fn connect(&self) -> anyhow::Result<Db> {
        connect_database(&self.database_url).await
    }
}

pub async fn open_store(url: &str) -> anyhow::Result<Store> {
    Store::from_url(url)
        .await
        .with_context(|| format!("opening the store {url} (STORE_URL)"))
}

/// Connects and brings the schema up to date.
pub async fn connect_database(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url)
        .await
        .context("connecting to the company database (DATABASE_URL)")?;
    db.migrate().await.context("migrating the database")?;
    Ok(db)
}

/// The snapshot guard's limits, shared by every subcommand that loads.
#[derive(Debug, Clone, clap::Args)]
pub struct GuardArgs {
    /// Hold a partner's snapshot that would close more than this share of its open postings.
    #[arg(
        long,
        env = "GUARD_MAX_CLOSE_SHARE",
        default_value_t = 0.5,
        value_name = "SHARE"
    )]
    pub max_close_share: f64,
    /// Hold a partner's snapshot with more than this share of rejected rows.
    #[arg(
        long,
        env = "GUARD_MAX_REJECTED_SHARE",
        default_value_t = 0.2,
        value_name = "SHARE"
    )]
    pub max_rejected_share: f64,
}

impl GuardArgs {
    pub fn guard(&self) -> anyhow::Result<crate::stage::guard::Guard> {
        for (name, v) in [
            ("GUARD_MAX_CLOSE_SHARE", self.max_close_share),
            ("GUARD_MAX_REJECTED_SHARE", self.max_rejected_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                anyhow::bail!("{name} must be a share between 0 and 1, not {v}");
            }
        }
        Ok(crate::stage::guard::Guard {
            max_close_share: self.max_close_share,
            max_rejected_share: self.max_rejected_share,
        })
    }
}

/// Links partner job postings to companies in the company master (名寄せ) and loads the
/// linked postings into the company database.
#[derive(Debug, Parser)]
#[command(name = "matcher", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Match stage: link postings to companies and write the run's CSVs and manifest.
    Match(match_cmd::MatchArgs),
    /// Load stage: upsert a run's matched postings into the database.
    Load(load::LoadArgs),
    /// The scheduled job: match, then load.
    Run(run::RunArgs),
    /// Where every upload stands: per partner the last loaded snapshot, uploads not loaded
    /// yet with their state and the command that moves each on, unfinished runs, stale claims.
    Status(status::StatusArgs),
    /// Apply a held upload's snapshot (the snapshot guard held it) despite the guard.
    Approve(uploads::ApproveArgs),
    /// Hand a quarantined upload back (after fixing its object) so that the next run takes it.
    Retry(uploads::RetryArgs),
    /// Load or refresh the company master from a CSV.
    ImportCompanies(import::ImportArgs),
    /// Score predicted links against a truth file (precision, recall, recall ceiling).
    Eval(eval::EvalArgs),
    /// Review what the matcher left unmatched; the decisions stick (serve, export, import).
    Review(review::ReviewArgs),
}

pub fn main(cli: Cli) -> ExitCode {
    postings::telemetry::init();
    let result = match cli.command {
        Command::Eval(args) => eval::run(args),
        command => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| {
                rt.block_on(async move {
                    match command {
                        Command::Match(args) => match_cmd::run(args).await,
                        Command::Load(args) => load::run(args).await,
                        Command::Run(args) => run::run(args).await,
                        Command::ImportCompanies(args) => import::run(args).await,
                        Command::Status(args) => status::run(args).await,
                        Command::Approve(args) => uploads::approve(args).await,
                        Command::Retry(args) => uploads::retry(args).await,
                        Command::Review(args) => review::run(args).await,
                        Command::Eval(_) => unreachable!("handled above"),
                    }
                })
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "matcher failed");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
