//! `matcher eval`: scores a run's matched.csv against a truth file.

use std::path::PathBuf;

use anyhow::{Context, bail};

use crate::company::read_companies_csv;
use crate::engine::Thresholds;
use crate::eval::{
    by_master_size, calibration, evaluate, read_postings, read_predictions, read_truth, singled_out,
};

/// Prints precision, recall, F1, false links, recall per variation kind and the calibration
/// table (predicted against observed precision by probability band); with --companies and
/// --postings also the recall ceiling (the share of registered postings the posting's own
/// information can single out) and recall / ceiling; with --sizes, precision and recall
/// when the same postings are matched against nested samples of the master.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// matched.csv produced by `matcher match` (columns posting_id, corporate_number and
    /// match_score).
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
    /// Also match the postings against samples of the master of these sizes (comma
    /// separated, e.g. 20000,200000,1400000) with the default thresholds, and print
    /// precision and recall for each: the thresholds should mean the same at every size.
    #[arg(long, value_delimiter = ',', requires = "companies")]
    pub sizes: Vec<usize>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let truth = read_truth(&args.truth).context("reading the truth file")?;
    let predictions = read_predictions(&args.pred).context("reading the predictions")?;
    let mut report = evaluate(&predictions, &truth);
    let mut master = None;
    if let (Some(companies), Some(postings)) = (&args.companies, &args.postings) {
        let (companies, _) = read_companies_csv(companies)
            .with_context(|| format!("reading {}", companies.display()))?;
        let (postings, _) = read_postings(postings).context("reading the postings")?;
        report.singled_out = Some(singled_out(&companies, &postings, &truth));
        master = Some((companies, postings));
    }
    print!("{report}");
    let bands = calibration(&predictions, &truth);
    if !bands.is_empty() {
        println!("calibration (links by probability band):");
        println!("  band            links  predicted  observed");
        for b in &bands {
            println!(
                "  [{:.3}, {:.3})  {:>6}  {:>9.4}  {:>8.4}",
                b.from,
                b.to,
                b.links,
                b.predicted,
                b.observed()
            );
        }
    }
    if !args.sizes.is_empty() {
        let Some((companies, postings)) = &master else {
            bail!("--sizes needs --companies and --postings");
        };
        println!("by master size (default thresholds):");
        println!("  companies  links  false  precision  recall");
        for row in by_master_size(
            companies,
            postings,
            &truth,
            &args.sizes,
            &Thresholds::default(),
        ) {
            let r = &row.report;
            println!(
                "  {:>9}  {:>5}  {:>5}  {:>9.4}  {:>6.4}",
                row.companies,
                r.links,
                r.false_links,
                r.precision(),
                r.recall()
            );
        }
    }
    Ok(())
}
