//! Loading or refreshing the company master from a CSV ([`COMPANY_COLUMNS`]; the first two
//! required), read and validated by the same [`CompanyCsvReader`] as the offline match stage.
//!
//! The file is read on a blocking thread and handed over in batches, so memory holds a batch,
//! not the file. PostgreSQL receives it through COPY (straight into `companies` when the table
//! is empty, else into a temporary table merged with one upsert); SQLite through multi-row
//! upserts. One transaction either way: an import that fails leaves the master as it was.
//! Rows whose content is unchanged are not rewritten, so a rerun changes nothing.

use std::path::{Path, PathBuf};

use sqlx::{QueryBuilder, Sqlite};
use tokio::sync::mpsc;

use super::{Db, DbError};
pub use crate::company::CompanyReject;
use crate::company::{COMPANY_COLUMNS, Company, CompanyCsvReader, CompanyHeaderError};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Data rows in the file.
    pub read: u64,
    /// Rows inserted or changed (0 when the master already held exactly this file).
    pub written: u64,
    pub rejected: Vec<CompanyReject>,
    /// Companies in the table after the import.
    pub total: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: missing column(s) {missing:?} in the header")]
    Header { path: PathBuf, missing: Vec<String> },
    #[error("{path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("the CSV reader stopped unexpectedly")]
    ReaderGone,
}

const BATCH: usize = 20_000;
/// 10 parameters a row under SQLite's 32,766.
const SQLITE_ROWS: usize = 3_000;

type Batch = Result<Vec<Company>, ImportError>;

impl Db {
    pub async fn import_companies_csv(&self, path: &Path) -> Result<ImportSummary, DbError> {
        let (tx, mut rx) = mpsc::channel::<Batch>(2);
        let owned = path.to_path_buf();
        let reader = tokio::task::spawn_blocking(move || read_companies(&owned, &tx));
        let written = match self {
            Self::Postgres(pool) => import_pg(pool, &mut rx).await,
            Self::Sqlite(pool) => import_sqlite(pool, &mut rx).await,
        };
        drop(rx);
        let (read, rejected) = reader.await.map_err(|_| ImportError::ReaderGone)?;
        let written = written?;
        Ok(ImportSummary {
            read,
            written,
            rejected,
            total: self.count_companies().await?,
        })
    }
}

/// Reads, validates and batches the file; returns (rows read, rejects). Errors that stop the
/// whole import travel through the channel so that the writer aborts its transaction.
fn read_companies(path: &Path, tx: &mpsc::Sender<Batch>) -> (u64, Vec<CompanyReject>) {
    let mut rejects = Vec::new();
    let mut read = 0;
    let fail = |e: ImportError| {
        let _ = tx.blocking_send(Err(e));
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(source) => {
            fail(ImportError::Open {
                path: path.into(),
                source,
            });
            return (read, rejects);
        }
    };
    let reader = match CompanyCsvReader::new(std::io::BufReader::with_capacity(1 << 20, file)) {
        Ok(r) => r,
        Err(CompanyHeaderError::Unreadable(source)) => {
            fail(ImportError::Csv {
                path: path.into(),
                source,
            });
            return (read, rejects);
        }
        Err(CompanyHeaderError::Missing(missing)) => {
            fail(ImportError::Header {
                path: path.into(),
                missing: missing.into_iter().map(String::from).collect(),
            });
            return (read, rejects);
        }
    };
    let mut batch = Vec::with_capacity(BATCH);
    for row in reader {
        match row {
            Err(e) => {
                fail(ImportError::Csv {
                    path: path.into(),
                    source: e.source,
                });
                return (read, rejects);
            }
            Ok(Err(reject)) => {
                read += 1;
                rejects.push(reject);
            }
            Ok(Ok(company)) => {
                read += 1;
                batch.push(company);
                if batch.len() == BATCH
                    && tx
                        .blocking_send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))))
                        .is_err()
                {
                    return (read, rejects);
                }
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(Ok(batch));
    }
    (read, rejects)
}

fn fields(c: &Company) -> [&str; 9] {
    [
        &c.name,
        &c.name_kana,
        &c.name_en,
        &c.prefecture,
        &c.city,
        &c.street,
        &c.postal_code,
        &c.phone,
        &c.website,
    ]
}

fn upsert_sql(source: &str) -> String {
    let cols = COMPANY_COLUMNS.join(", ");
    let set: Vec<String> = COMPANY_COLUMNS[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let old: Vec<String> = COMPANY_COLUMNS[1..]
        .iter()
        .map(|c| format!("companies.{c}"))
        .collect();
    let new: Vec<String> = COMPANY_COLUMNS[1..]
        .iter()
        .map(|c| format!("excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO companies ({cols}) {source} ON CONFLICT (corporate_number) DO UPDATE SET {} \
         WHERE ({}) <> ({})",
        set.join(", "),
        old.join(", "),
        new.join(", ")
    )
}

async fn import_pg(pool: &sqlx::PgPool, rx: &mut mpsc::Receiver<Batch>) -> Result<u64, DbError> {
    let mut tx = pool.begin().await?;
    let empty: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM companies)")
        .fetch_one(&mut *tx)
        .await?;
    let target = if empty {
        "companies"
    } else {
        sqlx::query(
            "CREATE TEMP TABLE companies_import (LIKE companies INCLUDING DEFAULTS) \
             ON COMMIT DROP",
        )
        .execute(&mut *tx)
        .await?;
        "companies_import"
    };
    let copy_sql = format!(
        "COPY {target} ({}) FROM STDIN WITH (FORMAT csv)",
        COMPANY_COLUMNS.join(", ")
    );
    let mut copy = tx.copy_in_raw(&copy_sql).await?;
    while let Some(batch) = rx.recv().await {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                copy.abort("import aborted").await.ok();
                return Err(e.into());
            }
        };
        // Every field quoted: an empty field is then '' (not NULL) and a lone `\.` is data.
        let mut w = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .from_writer(Vec::with_capacity(batch.len() * 200));
        for c in &batch {
            let number = c.corporate_number.to_string();
            let mut row = vec![number.as_str()];
            row.extend(fields(c));
            w.write_record(&row).map_err(|e| ImportError::Csv {
                path: PathBuf::new(),
                source: e,
            })?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| sqlx::Error::Io(e.into_error()))?;
        copy.send(bytes).await?;
    }
    let copied = copy.finish().await?;
    let written = if empty {
        copied
    } else {
        sqlx::query(&upsert_sql(&format!(
            "SELECT {} FROM companies_import",
            COMPANY_COLUMNS.join(", ")
        )))
        .execute(&mut *tx)
        .await?
        .rows_affected()
    };
    tx.commit().await?;
    Ok(written)
}

async fn import_sqlite(
    pool: &sqlx::SqlitePool,
    rx: &mut mpsc::Receiver<Batch>,
) -> Result<u64, DbError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let prefix = format!("INSERT INTO companies ({}) ", COMPANY_COLUMNS.join(", "));
    let suffix = upsert_sql("");
    let conflict = &suffix[suffix.find(" ON CONFLICT").unwrap_or(suffix.len())..];
    let mut written = 0;
    while let Some(batch) = rx.recv().await {
        for chunk in batch?.chunks(SQLITE_ROWS) {
            let mut qb = QueryBuilder::<Sqlite>::new(&prefix);
            qb.push_values(chunk, |mut row, c| {
                row.push_bind(c.corporate_number.to_string());
                for f in fields(c) {
                    row.push_bind(f);
                }
            });
            qb.push(conflict);
            written += qb.build().execute(&mut *tx).await?.rows_affected();
        }
    }
    tx.commit().await?;
    Ok(written)
}
