//! Where a run's company master comes from: a `companies.csv` file (offline work, tests) or
//! the company database (scheduled runs). Either way it is read in chunks straight into the
//! index builder, so that a national master's rows are never all in memory at once.

use std::path::PathBuf;

use anyhow::Context;

use super::manifest::{CompaniesInfo, CompanyRejectNote};
use crate::company::{Company, CompanyCsvError, CompanyCsvReader, CompanyReject, Master};
use crate::engine::{History, INDEX_CHUNK as CHUNK, IndexBuilder};

/// How many refused company rows the manifest lists by line (all are counted).
const REJECT_EXAMPLES: usize = 5;

/// Chunks read ahead of the one being normalised: reading and normalising overlap, and at
/// most this many more chunks of rows are held.
const READ_AHEAD: usize = 2;

#[derive(Debug, Clone)]
pub enum CompanySource {
    Csv(PathBuf),
    /// A database URL (`postgres://…`, `sqlite://…`).
    Database(String),
}

/// The current master, read into an index builder, and the history beside it.
pub type Loaded = (IndexBuilder, History);

/// Reads the companies into an index builder (the history beside it) and describes them for
/// the manifest. Refused rows (e.g. a corporate number whose check digit is wrong) are
/// counted, logged and listed, never silently dropped.
pub async fn load(source: &CompanySource) -> anyhow::Result<(Loaded, CompaniesInfo)> {
    match source {
        CompanySource::Csv(path) => {
            let p = path.clone();
            let (loaded, rejects) = tokio::task::spawn_blocking(move || {
                use crate::company::registry_master::{looks_like_registry, read_registry_master};
                if looks_like_registry(&p) {
                    // A registry file offline (a prefecture's): held whole, with its history.
                    let (master, rejects) = read_registry_master(&p)?;
                    let Master {
                        companies,
                        former_names,
                        closed,
                    } = master;
                    let mut builder = IndexBuilder::default();
                    builder.add(&companies);
                    let history = History {
                        former_names,
                        closed,
                    };
                    anyhow::Ok(((builder, history), rejects))
                } else {
                    let (builder, rejects) = read_csv(&p)?;
                    Ok(((builder, History::default()), rejects))
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
                count: loaded.0.len() as u64,
                rejected: rejects.len() as u64,
                rejected_examples: examples,
            };
            Ok((loaded, info))
        }
        CompanySource::Database(url) => {
            let db = crate::db::Db::connect(url)
                .await
                .context("connecting to the company database (DATABASE_URL)")?;
            let builder = index_from_db(&db).await?;
            let history = db
                .load_history()
                .await
                .context("reading former names and closed companies from the database")?;
            db.close().await;
            let info = CompaniesInfo {
                source: format!("database:{}", db.backend()),
                count: builder.len() as u64,
                rejected: 0,
                rejected_examples: Vec::new(),
            };
            Ok(((builder, history), info))
        }
    }
}

/// The companies that may be link targets, streamed from the database into an index builder.
pub async fn index_from_db(db: &crate::db::Db) -> anyhow::Result<IndexBuilder> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Company>>(READ_AHEAD);
    let build = tokio::task::spawn_blocking(move || {
        let mut builder = IndexBuilder::default();
        while let Some(chunk) = rx.blocking_recv() {
            builder.add(&chunk);
        }
        builder
    });
    let sent = db.stream_companies(CHUNK, tx).await;
    let builder = build.await.context("indexing the companies")?;
    sent.context("reading companies from the database")?;
    Ok(builder)
}

/// Reads a companies CSV on one thread while the chunk before is normalised on the others.
fn read_csv(path: &std::path::Path) -> Result<(IndexBuilder, Vec<CompanyReject>), CompanyCsvError> {
    let file = std::fs::File::open(path).map_err(|source| CompanyCsvError::Open {
        path: path.display().to_string(),
        source,
    })?;
    let reader = CompanyCsvReader::new(std::io::BufReader::with_capacity(1 << 20, file))?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Company>>(READ_AHEAD);
    std::thread::scope(|s| {
        let read = s.spawn(move || -> Result<Vec<CompanyReject>, CompanyCsvError> {
            let mut rejects = Vec::new();
            let mut chunk = Vec::with_capacity(CHUNK);
            for row in reader {
                match row? {
                    Ok(company) => chunk.push(company),
                    Err(reject) => rejects.push(reject),
                }
                if chunk.len() == CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    if tx.send(full).is_err() {
                        break;
                    }
                }
            }
            if !chunk.is_empty() {
                // The receiver outlives this thread within the scope.
                let _ = tx.send(chunk);
            }
            Ok(rejects)
        });
        let mut builder = IndexBuilder::default();
        for chunk in rx {
            builder.add(&chunk);
        }
        let rejects = read.join().expect("the company reader does not panic")?;
        Ok((builder, rejects))
    })
}
