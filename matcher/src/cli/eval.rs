//! `matcher eval`: scores a run's matched.csv against a truth file.

use std::path::PathBuf;

use anyhow::Context;

use crate::company::read_companies_csv;
use crate::eval::{evaluate, read_postings, read_predictions, read_truth, singled_out};

/// Prints precision, recall, F1, false links and recall per variation kind; with
/// --companies and --postings also the recall ceiling (the share of registered postings the
/// posting's own information can single out) and recall / ceiling.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// matched.csv produced by `matcher match` (columns posting_id and corporate_number).
    #[arg(long)]
    pub pred: PathBuf,
    /// truth.csv: posting_id, corporate_number (blank when absent from the master), variations.
    #[arg(long)]
    pub truth: PathBuf,
    /// The company master the run used (companies.csv), for the recall ceiling.
    #[arg(long, requires = "postings")]
    pub companies: Option<PathBuf>,
    /// The postings the run matched, for the recall ceiling.
    #[arg(long, requires = "companies")]
    pub postings: Option<PathBuf>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let truth = read_truth(&args.truth).context("reading the truth file")?;
    let predictions = read_predictions(&args.pred).context("reading the predictions")?;
    let mut report = evaluate(&predictions, &truth);
    if let (Some(companies), Some(postings)) = (&args.companies, &args.postings) {
        let (companies, _) = read_companies_csv(companies)
            .with_context(|| format!("reading {}", companies.display()))?;
        let (postings, _) = read_postings(postings).context("reading the postings")?;
        report.singled_out = Some(singled_out(&companies, &postings, &truth));
    }
    print!("{report}");
    Ok(())
}
