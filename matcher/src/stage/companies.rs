//! Where a run's company master comes from: a `companies.csv` file (offline work, tests) or
//! the company database (scheduled runs).

use std::path::PathBuf;

use anyhow::Context;

use super::manifest::{CompaniesInfo, CompanyRejectNote};
use crate::company::Master;

/// How many refused company rows the manifest lists by line (all are counted).
const REJECT_EXAMPLES: usize = 5;

#[derive(Debug, Clone)]
pub enum CompanySource {
    Csv(PathBuf),
    /// A database URL (`postgres://…`, `sqlite://…`).
    Database(String),
}

/// Loads the companies and describes them for the manifest. Refused rows (e.g. a corporate
/// number whose check digit is wrong) are counted, logged and listed, never silently dropped.
pub async fn load(source: &CompanySource) -> anyhow::Result<(Master, CompaniesInfo)> {
    match source {
        CompanySource::Csv(path) => {
            let p = path.clone();
            let (master, rejects) = tokio::task::spawn_blocking(move || {
                use crate::company::registry_master::{looks_like_registry, read_registry_master};
                if looks_like_registry(&p) {
                    read_registry_master(&p).map_err(anyhow::Error::from)
                } else {
                    crate::company::read_companies_csv(&p)
                        .map(|(c, r)| (Master::current(c), r))
                        .map_err(anyhow::Error::from)
                }
            })
            .await?
            .with_context(|| format!("reading companies from {}", path.display()))?;
            let examples: Vec<CompanyRejectNote> = rejects
                .iter()
                .take(REJECT_EXAMPLES)
                .map(|r| CompanyRejectNote {
                    line: r.line,
                    reason: r.reason.clone(),
                })
                .collect();
            if !rejects.is_empty() {
                tracing::warn!(
                    source = %path.display(),
                    rejected = rejects.len(),
                    examples = ?examples,
                    "company rows refused; they are listed in the manifest"
                );
            }
            let info = CompaniesInfo {
                source: format!("csv:{}", path.display()),
                count: master.companies.len() as u64,
                rejected: rejects.len() as u64,
                rejected_examples: examples,
            };
            Ok((master, info))
        }
        CompanySource::Database(url) => {
            let db = crate::db::Db::connect(url)
                .await
                .context("connecting to the company database (DATABASE_URL)")?;
            let master = db
                .load_master()
                .await
                .context("reading companies from the database")?;
            db.close().await;
            let info = CompaniesInfo {
                source: format!("database:{}", db.backend()),
                count: master.companies.len() as u64,
                rejected: 0,
                rejected_examples: Vec::new(),
            };
            Ok((master, info))
        }
    }
}
