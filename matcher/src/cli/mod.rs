//! The `matcher` command line: one subcommand per stage, each in its own module.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod eval;
pub mod import;
pub mod load;
pub mod match_cmd;
pub mod run;

/// The embedded defaults every subcommand falls back to: a store directory and a SQLite file
/// under `.data/`, so a first run needs no server.
pub const DEFAULT_STORE: &str = ".data/store";
pub const DEFAULT_DATABASE: &str = "sqlite://.data/matcher.db";

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
    /// Load or refresh the company master from a CSV.
    ImportCompanies(import::ImportArgs),
    /// Score predicted links against a truth file (precision, recall, recall ceiling).
    Eval(eval::EvalArgs),
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
