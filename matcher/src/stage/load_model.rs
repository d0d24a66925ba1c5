//! What the load stage takes and reports: its options, its error, the report of a load and
//! of each partner in it, and a partner's snapshot as the run holds it.

use std::collections::BTreeSet;

use postings::UploadId;
use postings::store::StoreError;
use serde::Serialize;

use super::guard::{Guard, SnapshotRows};
use crate::db::DbError;
use crate::db::postings::LoadCounts;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("reading {key} from the store: {source}")]
    Store { key: String, source: StoreError },
    #[error(
        "run {0} is not complete: it has no manifest.json (the match stage writes it last); \
         finish the run with `matcher match --run-id {0}` first"
    )]
    Incomplete(String),
    #[error("run {run_id} is sharded in {count} but only shard(s) {have:?} are complete")]
    MissingShards {
        run_id: String,
        count: u32,
        have: Vec<u32>,
    },
    #[error(
        "{key}: invalid manifest: {reason}; `matcher match --run-id {run_id}` writes the run's \
         files again from its recorded inputs"
    )]
    Manifest {
        key: String,
        run_id: String,
        reason: String,
    },
    #[error("{key} line {line}: {reason}")]
    Row {
        key: String,
        line: u64,
        reason: String,
    },
    #[error("upload {0} is not held: only a held upload can be approved")]
    NotHeld(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Rows per INSERT statement.
    pub batch_rows: usize,
    pub guard: Guard,
    /// An operator approved this held upload: its partner's snapshot skips the guard.
    pub approve: Option<UploadId>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            batch_rows: 5_000,
            guard: Guard::default(),
            approve: None,
        }
    }
}

/// What a load did; also the JSON summary line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadReport {
    pub run_id: String,
    /// One entry per partner among the run's inputs.
    pub partners: Vec<PartnerReport>,
    /// Rows in matched.csv.
    pub matched_rows: u64,
    /// Rows superseded by a later row with the same (partner, posting_id).
    pub duplicates: u64,
    /// `true` when at least one partner's snapshot was written.
    pub loaded: bool,
    /// Totals over the partners written.
    #[serde(flatten)]
    pub counts: LoadCounts,
}

impl LoadReport {
    pub fn failed(&self) -> impl Iterator<Item = &PartnerReport> {
        self.partners.iter().filter(|p| p.outcome == "failed")
    }
}

/// One partner's part of a load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnerReport {
    pub partner: String,
    pub uploads: Vec<String>,
    /// loaded | already_loaded | superseded | held | failed
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(flatten)]
    pub counts: LoadCounts,
}

/// One partner's snapshot in the run.
#[derive(Debug, Default)]
pub(super) struct Snapshot {
    /// Oldest first (UUIDv7 text sorts by time).
    pub(super) uploads: BTreeSet<String>,
    pub(super) rows: SnapshotRows,
}
