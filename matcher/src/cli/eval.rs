//! `matcher eval`. (Placeholder.)

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// matched.csv produced by `matcher match`.
    #[arg(long)]
    pub pred: PathBuf,
    /// truth.csv: posting_id, corporate_number (blank when absent from the master), variations.
    #[arg(long)]
    pub truth: PathBuf,
}

pub fn run(_args: EvalArgs) -> anyhow::Result<()> {
    anyhow::bail!("matcher eval is not implemented yet")
}
