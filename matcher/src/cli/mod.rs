//! The `matcher` command line: one subcommand per stage.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Links partner job postings to companies in the company master and loads the links.
#[derive(Debug, Parser)]
#[command(name = "matcher", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score predicted links against a truth file (precision, recall, recall ceiling).
    Eval(eval::EvalArgs),
}

pub mod eval;

pub fn main(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Eval(args) => eval::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
