//! Loading one run's linked postings into `job_postings`, all in one transaction.
//!
//! A partner's weekly file is a full snapshot, so after the run's rows are upserted every still
//! open posting of the run's partners that this run did not carry is closed. A posting that
//! became unmatched (or rejected) is closed too: keeping its old link would assert a link the
//! newest evidence no longer supports, and a wrong link is worse than a missing one. It is
//! reopened, relinked, by the first later run that links it again.

use chrono::{DateTime, Utc};

pub use super::load_types::{LoadCounts, LoadOutcome, LoadedPosting, PartnerLoad};
use super::partner_load::{load_pg, load_sqlite};
use super::{Db, DbError, with_pool};

pub(super) const RECORD_FAILED: &str = "INSERT INTO loads (run_id, partner, \"rows\", closed, started_at, \
     finished_at, status, error) VALUES ($1, $2, 0, 0, $3, $4, 'failed', $5) \
     ON CONFLICT (run_id, partner) DO UPDATE SET started_at = excluded.started_at, \
     finished_at = excluded.finished_at, status = 'failed', error = excluded.error \
     WHERE loads.status <> 'loaded'";

impl Db {
    /// Applies one partner's snapshot in one transaction: upserts its linked postings and
    /// closes the open ones it no longer carries. On any error nothing is written (the failed
    /// attempt is then noted in `loads`), so a load can simply be run again.
    pub async fn load_partner(&self, load: &PartnerLoad<'_>) -> Result<LoadOutcome, DbError> {
        let started_at = Utc::now();
        let result = match self {
            Self::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                // Loads run one at a time; a second one waits here, then sees the first.
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext('matcher.load'))")
                    .execute(&mut *tx)
                    .await?;
                let outcome = load_pg(&mut tx, load, started_at).await;
                settle(tx, outcome).await
            }
            Self::Sqlite(pool) => {
                // IMMEDIATE takes the write lock up front, so two loads cannot interleave.
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let outcome = load_sqlite(&mut tx, load, started_at).await;
                settle(tx, outcome).await
            }
        };
        match result {
            Ok(outcome) => Ok(outcome),
            Err(e) => self.failed(load, started_at, e).await,
        }
    }

    async fn failed(
        &self,
        load: &PartnerLoad<'_>,
        started_at: DateTime<Utc>,
        e: DbError,
    ) -> Result<LoadOutcome, DbError> {
        self.record_failure(load, started_at, &e.to_string()).await;
        Err(e)
    }

    /// The newest run loaded for any partner.
    pub async fn newest_loaded_run(&self) -> Result<Option<String>, DbError> {
        const SQL: &str = "SELECT max(run_id) FROM loads WHERE status = 'loaded'";
        Ok(with_pool!(self, |pool| sqlx::query_scalar(SQL)
            .fetch_one(pool)
            .await?))
    }

    /// Every `(run_id, partner)` loaded: which uploads from before upload states existed
    /// are in the database already.
    pub async fn loaded_pairs(
        &self,
    ) -> Result<std::collections::HashSet<(String, String)>, DbError> {
        const SQL: &str = "SELECT run_id, partner FROM loads WHERE status = 'loaded'";
        let pairs: Vec<(String, String)> =
            with_pool!(self, |pool| sqlx::query_as(SQL).fetch_all(pool).await?);
        Ok(pairs.into_iter().collect())
    }

    /// Per partner, its newest loaded snapshot: `(partner, run_id, upload_id, rows, finished_at)`.
    pub async fn loaded_snapshots(&self) -> Result<Vec<LoadedSnapshot>, DbError> {
        const SQL: &str = "SELECT partner, run_id, upload_id, \"rows\", closed, finished_at FROM ( \
             SELECT l.*, row_number() OVER (PARTITION BY partner \
               ORDER BY coalesce(upload_id, '') DESC, run_id DESC) AS n \
             FROM loads l WHERE status = 'loaded') t WHERE n = 1 ORDER BY partner";
        let rows: Vec<SnapshotRow> =
            with_pool!(self, |pool| sqlx::query_as(SQL).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(
                |(partner, run_id, upload_id, rows, closed, finished_at)| LoadedSnapshot {
                    partner,
                    run_id,
                    upload_id,
                    rows,
                    closed,
                    finished_at,
                },
            )
            .collect())
    }

    async fn record_failure(&self, load: &PartnerLoad<'_>, started_at: DateTime<Utc>, error: &str) {
        let done = with_pool!(self, |pool| sqlx::query(RECORD_FAILED)
            .bind(load.run_id)
            .bind(load.partner)
            .bind(started_at)
            .bind(Utc::now())
            .bind(error)
            .execute(pool)
            .await
            .map(drop));
        if let Err(e) = done {
            tracing::warn!(error = %e, run_id = load.run_id, "could not record the failed load");
        }
    }
}

/// Commits a load that loaded, rolls back one that decided to hold or skip, and drops (rolls
/// back) one that failed.
async fn settle<DB: sqlx::Database>(
    tx: sqlx::Transaction<'static, DB>,
    outcome: Result<LoadOutcome, DbError>,
) -> Result<LoadOutcome, DbError> {
    match outcome {
        Ok(outcome @ LoadOutcome::Loaded(_)) => Ok(tx.commit().await.map(|()| outcome)?),
        Ok(outcome) => Ok(tx.rollback().await.map(|()| outcome)?),
        // Dropping the transaction releases it (and its locks) before the failure is noted.
        Err(e) => Err(e),
    }
}

/// A partner's newest loaded snapshot, for `matcher status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoadedSnapshot {
    pub partner: String,
    pub run_id: String,
    pub upload_id: Option<String>,
    pub rows: i64,
    pub closed: i64,
    pub finished_at: Option<DateTime<Utc>>,
}

/// `(partner, run_id, upload_id, rows, closed, finished_at)` of a loaded snapshot, as both
/// backends return it.
type SnapshotRow = (
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<DateTime<Utc>>,
);
