//! `matcher import-companies`: loads or refreshes the company master from our companies CSV
//! or from the corporate-number registry's files, and layers an enrichment CSV on top.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use postings::Charset;

use crate::db::CompanyReject;
use crate::db::registry::apply_order;

/// How many rejected rows are printed by line (all are counted).
const SHOWN_REJECTS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// companies.csv: corporate_number, name, name_kana, name_en, prefecture, city, street,
    /// postal_code, phone, website (header row; the first two required).
    Ours,
    /// The National Tax Agency's corporate-number registry (基本3情報): full or diff files,
    /// zip or CSV, Shift_JIS or UTF-8 edition, no header, 30 (or 29) columns.
    Nta,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Files to import; registry files are applied in the order of the date in their name.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// A companies CSV (same as giving it as FILE with --format ours).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Ours)]
    pub format: Format,
    /// Character set of registry files (utf-8 or shift_jis); detected when not given.
    #[arg(long, value_name = "CHARSET")]
    pub encoding: Option<String>,
    /// An enrichment CSV keyed by corporate_number (phone, website, name_kana, name_en),
    /// applied after the files; blank fields leave the master's values.
    #[arg(long, value_name = "FILE")]
    pub enrich: Option<PathBuf>,
    #[command(flatten)]
    pub database: super::DatabaseArgs,
}

fn show_rejects(file: &str, rejected: &[CompanyReject]) {
    for r in rejected.iter().take(SHOWN_REJECTS) {
        eprintln!("{file} line {}: rejected: {}", r.line, r.reason);
    }
    if rejected.len() > SHOWN_REJECTS {
        eprintln!(
            "… and {} more rejected rows",
            rejected.len() - SHOWN_REJECTS
        );
    }
}

fn lines(rejected: &[CompanyReject]) -> Vec<u64> {
    rejected
        .iter()
        .take(SHOWN_REJECTS)
        .map(|r| r.line)
        .collect()
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let clock = Instant::now();
    let mut files = args.files.clone();
    files.extend(args.csv.clone());
    if files.is_empty() && args.enrich.is_none() {
        anyhow::bail!("nothing to import: give FILE(s), --csv FILE or --enrich FILE");
    }
    let declared =
        match args.encoding.as_deref() {
            None => None,
            Some(label) => Some(Charset::from_label(label).with_context(|| {
                format!("--encoding {label}: expected utf-8 or shift_jis (cp932)")
            })?),
        };
    let db = args.database.connect().await?;
    let mut report = Vec::new();
    match args.format {
        Format::Ours => {
            for file in &files {
                let s = db
                    .import_companies_csv(file)
                    .await
                    .with_context(|| format!("importing {}", file.display()))?;
                show_rejects(&file.display().to_string(), &s.rejected);
                report.push(serde_json::json!({
                    "file": file.display().to_string(),
                    "read": s.read,
                    "written": s.written,
                    "rejected": s.rejected.len(),
                    "rejected_lines": lines(&s.rejected),
                }));
            }
        }
        Format::Nta => {
            for file in apply_order(&files) {
                let s = db
                    .apply_registry_file(&file, declared)
                    .await
                    .with_context(|| format!("importing {}", file.display()))?;
                show_rejects(&s.file, &s.rejected);
                tracing::info!(file = %s.file, read = s.read, written = s.written,
                    former_names = s.former_names, removed = s.removed, older = s.older,
                    rejected = s.rejected.len(), "registry file applied");
                report.push(serde_json::json!({
                    "file": s.file,
                    "charset": s.charset,
                    "read": s.read,
                    "written": s.written,
                    "former_names": s.former_names,
                    "removed": s.removed,
                    "older": s.older,
                    "rejected": s.rejected.len(),
                    "rejected_lines": lines(&s.rejected),
                }));
            }
        }
    }
    let enrichment = match &args.enrich {
        None => serde_json::Value::Null,
        Some(path) => {
            let s = db
                .enrich_companies(path)
                .await
                .with_context(|| format!("enriching from {}", path.display()))?;
            show_rejects(&path.display().to_string(), &s.rejected);
            serde_json::json!({
                "file": path.display().to_string(),
                "read": s.read,
                "written": s.written,
                "rejected": s.rejected.len(),
                "rejected_lines": lines(&s.rejected),
            })
        }
    };
    let total = db.count_companies().await?;
    db.close().await;
    let sum = |k: &str| report.iter().filter_map(|r| r[k].as_u64()).sum::<u64>();
    let elapsed_ms = clock.elapsed().as_millis() as u64;
    tracing::info!(
        read = sum("read"),
        written = sum("written"),
        rejected = sum("rejected"),
        total,
        elapsed_ms,
        "companies imported"
    );
    let mut out = serde_json::json!({
        "outcome": "imported",
        "format": match args.format { Format::Ours => "ours", Format::Nta => "nta" },
        "read": sum("read"),
        "written": sum("written"),
        "rejected": sum("rejected"),
        "rejected_lines": report.iter().flat_map(|r| r["rejected_lines"].as_array().cloned().unwrap_or_default()).take(SHOWN_REJECTS).collect::<Vec<_>>(),
        "files": report,
        "total": total,
        "elapsed_ms": elapsed_ms,
    });
    if !enrichment.is_null() {
        out["enrichment"] = enrichment;
    }
    println!("{out}");
    Ok(())
}
