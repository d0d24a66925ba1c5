//! What a load writes for one partner and what became of it: the rows, the partner's load, its
//! counts and its outcome.

use chrono::{DateTime, Utc};
use postings::Posting;

use crate::company::CorporateNumber;

/// One row of a run's matched.csv, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedPosting {
    pub partner: String,
    pub posting: Posting,
    pub upload_id: String,
    pub line: u64,
    pub corporate_number: CorporateNumber,
    pub match_score: f64,
    pub match_method: String,
}

/// What one load writes for one partner: its snapshot from one run. Partners load in
/// transactions of their own, so that one partner's refusal or failure never holds another's.
#[derive(Debug, Clone)]
pub struct PartnerLoad<'a> {
    pub run_id: &'a str,
    pub partner: &'a str,
    /// The newest of the partner's uploads in the run (UUIDv7 text, so it orders by the time
    /// the partner sent it): a partner's snapshots apply in this order, whatever the runs.
    pub upload_id: &'a str,
    /// Digest of the run's manifest(s): a run matched again after it was loaded has another,
    /// and is loaded again.
    pub digest: &'a str,
    /// When the snapshot was taken (the run's start): first_seen / last_seen / closed_at.
    pub seen_at: DateTime<Utc>,
    /// The partner's linked postings, at most one row per posting_id.
    pub postings: &'a [LoadedPosting],
    /// Rows per INSERT statement.
    pub batch_rows: usize,
    /// Set when the snapshot's own rows say it must be held (no valid rows, too many
    /// rejected): applied after the ordering checks, so an old upload is superseded instead.
    pub hold: Option<String>,
    /// Largest share of the partner's open postings the snapshot may close; `None` when an
    /// operator approved it.
    pub max_close_share: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadCounts {
    /// Rows upserted (the run's matched postings).
    pub rows: u64,
    /// Of those, new to the table.
    pub inserted: u64,
    /// Of those, closed before and open again now.
    pub reopened: u64,
    /// Open postings of the run's partners that the run no longer carries.
    pub closed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadOutcome {
    Loaded(LoadCounts),
    /// This snapshot (same run, same manifest digest) was loaded before: nothing was written.
    AlreadyLoaded,
    /// A newer snapshot of the partner is loaded already: nothing was written.
    Superseded {
        run_id: String,
        upload_id: Option<String>,
    },
    /// The snapshot looks wrong and waits for an operator: nothing was written.
    Held(String),
}
