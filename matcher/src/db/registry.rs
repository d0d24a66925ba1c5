//! Building and refreshing the company master from registry files (`--format nta`): full
//! files and daily diffs, applied in date order, each file in one transaction.
//!
//! The file is read on a blocking thread and handed over in batches; each batch is decided
//! against what the master holds for its numbers (`registry_plan`) and written with one
//! multi-row upsert (PostgreSQL: arrays through UNNEST; SQLite: VALUES lists), so memory holds
//! a batch, not the file. Rows whose content is unchanged are not rewritten.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use postings::Charset;
use rustc_hash::FxHashMap;
use tokio::sync::mpsc;

use super::registry_plan::{Known, Plan, plan};
use super::registry_write::Tx;
use super::{Db, DbError};
use crate::company::CompanyReject;
use crate::company::registry::RegistryRow;
use crate::company::registry_file::{RegistryFileError, read_registry};

const BATCH: usize = 20_000;

/// What one registry file did to the master.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RegistrySummary {
    pub file: String,
    pub charset: String,
    /// Rows in the file.
    pub read: u64,
    /// Companies inserted or whose record changed.
    pub written: u64,
    /// Former names recorded for the first time.
    pub former_names: u64,
    /// Companies removed (or, when loaded postings name them, marked deleted).
    pub removed: u64,
    /// Rows older than the master's record of their company (history only).
    pub older: u64,
    pub rejected: Vec<CompanyReject>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryImportError {
    #[error(transparent)]
    File(#[from] RegistryFileError),
    #[error("the registry reader stopped unexpectedly")]
    ReaderGone,
}

type Batch = Vec<RegistryRow>;

/// Files in the order they are applied: by the date in their name (the registry names them
/// `…_YYYYMMDD.zip`), a full file before a diff of the same day, else as given.
pub fn apply_order(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut keyed: Vec<(Option<String>, bool, &PathBuf)> = files
        .iter()
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            let date = name
                .as_bytes()
                .windows(8)
                .position(|w| w.iter().all(u8::is_ascii_digit) && w[0] == b'2')
                .map(|i| name[i..i + 8].to_string());
            (date, !name.contains("diff"), p)
        })
        .collect();
    if keyed.iter().all(|k| k.0.is_some()) {
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    }
    keyed.into_iter().map(|k| k.2.clone()).collect()
}

impl Db {
    /// Applies one registry file in one transaction: a file that fails leaves the master as
    /// it was.
    pub async fn apply_registry_file(
        &self,
        path: &Path,
        declared: Option<Charset>,
    ) -> Result<RegistrySummary, DbError> {
        let (tx, mut rx) = mpsc::channel::<Batch>(2);
        let owned = path.to_path_buf();
        let reader = tokio::task::spawn_blocking(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let mut rejected = Vec::new();
            let mut read = 0u64;
            let charset = read_registry(&owned, declared, |record| {
                read += 1;
                match record {
                    Ok(row) => batch.push(row),
                    Err(reject) => rejected.push(reject),
                }
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    if tx.blocking_send(full).is_err() {
                        return ControlFlow::Break(());
                    }
                }
                ControlFlow::Continue(())
            });
            if charset.is_ok() && !batch.is_empty() {
                let _ = tx.blocking_send(batch);
            }
            charset.map(|c| (c, read, rejected))
        });
        let mut db_tx = Tx::begin(self).await?;
        let mut summary = RegistrySummary {
            file: path.display().to_string(),
            ..RegistrySummary::default()
        };
        let written = async {
            while let Some(batch) = rx.recv().await {
                let numbers: Vec<String> = batch
                    .iter()
                    .map(|r| r.corporate_number.to_string())
                    .collect();
                let known: FxHashMap<_, Known> = db_tx.known(&numbers).await?;
                let p: Plan = plan(batch, &known);
                summary.older += p.older;
                let (written, former, removed) = db_tx.write(&p).await?;
                summary.written += written;
                summary.former_names += former;
                summary.removed += removed;
            }
            Ok::<(), DbError>(())
        }
        .await;
        drop(rx);
        let read = reader
            .await
            .map_err(|_| RegistryImportError::ReaderGone)?
            .map_err(RegistryImportError::File)?;
        written?;
        db_tx.commit().await?;
        let (charset, count, rejected) = read;
        summary.charset = charset.label().to_string();
        summary.read = count;
        summary.rejected = rejected;
        Ok(summary)
    }
}
