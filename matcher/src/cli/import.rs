//! `matcher import-companies`: loads or refreshes the company master from a CSV.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

/// How many rejected rows are printed by line (all are counted).
const SHOWN_REJECTS: usize = 20;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// companies.csv: corporate_number, name, name_kana, name_en, prefecture, city, street,
    /// postal_code, phone, website (header row; the first two required).
    #[arg(long, value_name = "FILE")]
    pub csv: PathBuf,
    #[command(flatten)]
    pub database: super::DatabaseArgs,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let clock = Instant::now();
    let db = args.database.connect().await?;
    let summary = db
        .import_companies_csv(&args.csv)
        .await
        .with_context(|| format!("importing {}", args.csv.display()))?;
    db.close().await;
    for r in summary.rejected.iter().take(SHOWN_REJECTS) {
        eprintln!(
            "{} line {}: rejected: {}",
            args.csv.display(),
            r.line,
            r.reason
        );
    }
    if summary.rejected.len() > SHOWN_REJECTS {
        eprintln!(
            "… and {} more rejected rows",
            summary.rejected.len() - SHOWN_REJECTS
        );
    }
    let elapsed_ms = clock.elapsed().as_millis() as u64;
    tracing::info!(
        read = summary.read,
        written = summary.written,
        rejected = summary.rejected.len(),
        total = summary.total,
        elapsed_ms,
        "companies imported"
    );
    println!(
        "{}",
        serde_json::json!({
            "outcome": "imported",
            "read": summary.read,
            "written": summary.written,
            "rejected": summary.rejected.len(),
            "rejected_lines": summary.rejected.iter().take(SHOWN_REJECTS).map(|r| r.line).collect::<Vec<_>>(),
            "total": summary.total,
            "elapsed_ms": elapsed_ms,
        })
    );
    Ok(())
}
