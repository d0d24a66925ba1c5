//! Loading one run's linked postings into `job_postings`, all in one transaction.
//!
//! A partner's weekly file is a full snapshot, so after the run's rows are upserted every still
//! open posting of the run's partners that this run did not carry is closed. A posting that
//! became unmatched (or rejected) is closed too: keeping its old link would assert a link the
//! newest evidence no longer supports, and a wrong link is worse than a missing one. It is
//! reopened, relinked, by the first later run that links it again.

use chrono::{DateTime, Utc};
use postings::Posting;
use sqlx::{Postgres, QueryBuilder, Sqlite, Transaction};

use super::{Db, DbError};
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

const INSERT_COLUMNS: &str = "INSERT INTO job_postings (partner, posting_id, corporate_number, \
     company_name, company_address, company_phone, company_url, job_title, employment_type, \
     salary_min, salary_max, work_location, description, posted_at, upload_id, line, \
     match_score, match_method, run_id, first_seen, last_seen) ";

// first_seen is kept; everything the partner or the matcher may have changed is replaced.
const ON_CONFLICT: &str = " ON CONFLICT (partner, posting_id) DO UPDATE SET \
     corporate_number = excluded.corporate_number, company_name = excluded.company_name, \
     company_address = excluded.company_address, company_phone = excluded.company_phone, \
     company_url = excluded.company_url, job_title = excluded.job_title, \
     employment_type = excluded.employment_type, salary_min = excluded.salary_min, \
     salary_max = excluded.salary_max, work_location = excluded.work_location, \
     description = excluded.description, posted_at = excluded.posted_at, \
     upload_id = excluded.upload_id, line = excluded.line, match_score = excluded.match_score, \
     match_method = excluded.match_method, run_id = excluded.run_id, \
     last_seen = excluded.last_seen, closed_at = NULL";

const NEWEST_LOADED: &str = "SELECT run_id, upload_id, manifest_digest FROM loads \
     WHERE status = 'loaded' AND partner = $1 \
     ORDER BY coalesce(upload_id, '') DESC, run_id DESC LIMIT 1";
const COUNT_ALL: &str = "SELECT count(*) FROM job_postings WHERE partner = $1";
const COUNT_OPEN: &str =
    "SELECT count(*) FROM job_postings WHERE partner = $1 AND closed_at IS NULL";
const OPEN_IDS: &str =
    "SELECT posting_id FROM job_postings WHERE partner = $1 AND closed_at IS NULL";
const CLOSE_PG: &str = "UPDATE job_postings SET closed_at = $2 \
     WHERE partner = $1 AND closed_at IS NULL AND posting_id = ANY($3::text[])";
const CLOSE_SQLITE: &str = "UPDATE job_postings SET closed_at = ?2 \
     WHERE partner = ?1 AND closed_at IS NULL AND posting_id IN (SELECT value FROM json_each(?3))";
const MISSING_PG: &str = "SELECT n FROM UNNEST($1::text[]) AS n \
     WHERE NOT EXISTS (SELECT 1 FROM companies c WHERE c.corporate_number = n)";
const MISSING_SQLITE: &str = "SELECT value FROM json_each(?1) \
     WHERE value NOT IN (SELECT corporate_number FROM companies)";
const RECORD_LOADED: &str = "INSERT INTO loads (run_id, partner, \"rows\", closed, started_at, \
     finished_at, status, error, upload_id, manifest_digest) \
     VALUES ($1, $2, $3, $4, $5, $6, 'loaded', NULL, $7, $8) \
     ON CONFLICT (run_id, partner) DO UPDATE SET \"rows\" = excluded.\"rows\", \
     closed = excluded.closed, started_at = excluded.started_at, \
     finished_at = excluded.finished_at, status = 'loaded', error = NULL, \
     upload_id = excluded.upload_id, manifest_digest = excluded.manifest_digest";
// A failed attempt is recorded for operators, but never over a successful load.
const RECORD_FAILED: &str = "INSERT INTO loads (run_id, partner, \"rows\", closed, started_at, \
     finished_at, status, error) VALUES ($1, $2, 0, 0, $3, $4, 'failed', $5) \
     ON CONFLICT (run_id, partner) DO UPDATE SET started_at = excluded.started_at, \
     finished_at = excluded.finished_at, status = 'failed', error = excluded.error \
     WHERE loads.status <> 'loaded'";

/// SQLite numbers its parameters `?N` where PostgreSQL writes `$N`.
fn lite(sql: &str) -> String {
    sql.replace('$', "?")
}

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
                match load_pg(&mut tx, load, started_at).await {
                    Ok(outcome @ LoadOutcome::Loaded(_)) => tx.commit().await.map(|()| outcome),
                    Ok(outcome) => tx.rollback().await.map(|()| outcome),
                    Err(e) => {
                        // Release the transaction (and its locks) before noting the failure.
                        drop(tx);
                        return self.failed(load, started_at, e).await;
                    }
                }
            }
            Self::Sqlite(pool) => {
                // IMMEDIATE takes the write lock up front, so two loads cannot interleave.
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                match load_sqlite(&mut tx, load, started_at).await {
                    Ok(outcome @ LoadOutcome::Loaded(_)) => tx.commit().await.map(|()| outcome),
                    Ok(outcome) => tx.rollback().await.map(|()| outcome),
                    Err(e) => {
                        drop(tx);
                        return self.failed(load, started_at, e).await;
                    }
                }
            }
        };
        match result {
            Ok(outcome) => Ok(outcome),
            Err(e) => self.failed(load, started_at, e.into()).await,
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
        Ok(match self {
            Self::Postgres(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await?,
            Self::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await?,
        })
    }

    /// Every `(run_id, partner)` loaded: which uploads from before upload states existed
    /// are in the database already.
    pub async fn loaded_pairs(
        &self,
    ) -> Result<std::collections::HashSet<(String, String)>, DbError> {
        const SQL: &str = "SELECT run_id, partner FROM loads WHERE status = 'loaded'";
        Ok(match self {
            Self::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
            Self::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
        }
        .into_iter()
        .collect())
    }

    /// Per partner, its newest loaded snapshot: `(partner, run_id, upload_id, rows, finished_at)`.
    pub async fn loaded_snapshots(&self) -> Result<Vec<LoadedSnapshot>, DbError> {
        const SQL: &str = "SELECT partner, run_id, upload_id, \"rows\", closed, finished_at FROM ( \
             SELECT l.*, row_number() OVER (PARTITION BY partner \
               ORDER BY coalesce(upload_id, '') DESC, run_id DESC) AS n \
             FROM loads l WHERE status = 'loaded') t WHERE n = 1 ORDER BY partner";
        Ok(match self {
            Self::Postgres(pool) => {
                sqlx::query_as::<_, SnapshotRow>(SQL)
                    .fetch_all(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_as::<_, SnapshotRow>(SQL)
                    .fetch_all(pool)
                    .await?
            }
        }
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
        let done = match self {
            Self::Postgres(pool) => sqlx::query(RECORD_FAILED)
                .bind(load.run_id)
                .bind(load.partner)
                .bind(started_at)
                .bind(Utc::now())
                .bind(error)
                .execute(pool)
                .await
                .map(drop),
            Self::Sqlite(pool) => sqlx::query(&lite(RECORD_FAILED))
                .bind(load.run_id)
                .bind(load.partner)
                .bind(started_at)
                .bind(Utc::now())
                .bind(error)
                .execute(pool)
                .await
                .map(drop),
        };
        if let Err(e) = done {
            tracing::warn!(error = %e, run_id = load.run_id, "could not record the failed load");
        }
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

/// Whether a loaded snapshot `(run, upload, digest)` makes this load superseded or a repeat.
fn already_decided(
    newest: Option<(String, Option<String>, Option<String>)>,
    load: &PartnerLoad<'_>,
) -> Option<LoadOutcome> {
    let (run, upload, digest) = newest?;
    if (upload.as_deref().unwrap_or(""), run.as_str()) > (load.upload_id, load.run_id) {
        return Some(LoadOutcome::Superseded {
            run_id: run,
            upload_id: upload,
        });
    }
    (run == load.run_id && digest.as_deref() == Some(load.digest))
        .then_some(LoadOutcome::AlreadyLoaded)
}

/// The snapshot guard's last check: how much of the partner's open listing it would close.
fn close_guard(load: &PartnerLoad<'_>, open: usize, closing: usize) -> Option<String> {
    let max = load.max_close_share?;
    let share = closing as f64 / open.max(1) as f64;
    (open > 0 && share > max).then(|| {
        format!(
            "would close {closing} of the partner's {open} open postings ({:.0}%, more than the {:.0}% allowed)",
            share * 100.0,
            max * 100.0
        )
    })
}

/// The first row linking to a company missing from the master, named.
fn unknown_company(load: &PartnerLoad<'_>, missing: &[String]) -> Option<DbError> {
    let row = load
        .postings
        .iter()
        .find(|p| missing.contains(&p.corporate_number.to_string()))?;
    Some(DbError::UnknownCompany {
        partner: load.partner.to_string(),
        posting_id: row.posting.posting_id.clone(),
        upload_id: row.upload_id.clone(),
        line: row.line,
        corporate_number: row.corporate_number.to_string(),
        others: missing.len() - 1,
    })
}

/// Before-and-after counts of one partner's rows, from which the load's counts follow.
#[derive(Debug, Default)]
struct Tally {
    all: i64,
    open: i64,
}

fn counts(load: &PartnerLoad<'_>, before: &Tally, after: &Tally, closed: u64) -> LoadCounts {
    let inserted = after.all - before.all;
    // open_after = open_before + inserted + reopened - closed
    let reopened = after.open - before.open - inserted + closed as i64;
    LoadCounts {
        rows: load.postings.len() as u64,
        inserted: inserted.max(0) as u64,
        reopened: reopened.max(0) as u64,
        closed,
    }
}

macro_rules! load_body {
    ($tx:ident, $load:ident, $started_at:ident, $sql:expr, $upsert:ident, $close:expr, $missing:expr, $list:expr) => {{
        let newest: Option<(String, Option<String>, Option<String>)> =
            sqlx::query_as(&$sql(NEWEST_LOADED))
                .bind($load.partner)
                .fetch_optional(&mut **$tx)
                .await?;
        if let Some(outcome) = already_decided(newest, $load) {
            return Ok(outcome);
        }
        if let Some(reason) = &$load.hold {
            return Ok(LoadOutcome::Held(reason.clone()));
        }
        let open: Vec<String> = sqlx::query_scalar(&$sql(OPEN_IDS))
            .bind($load.partner)
            .fetch_all(&mut **$tx)
            .await?;
        let carried: std::collections::HashSet<&str> = $load
            .postings
            .iter()
            .map(|p| p.posting.posting_id.as_str())
            .collect();
        let closing: Vec<String> = open
            .iter()
            .filter(|id| !carried.contains(id.as_str()))
            .cloned()
            .collect();
        if let Some(reason) = close_guard($load, open.len(), closing.len()) {
            return Ok(LoadOutcome::Held(reason));
        }
        let mut numbers: Vec<String> = $load
            .postings
            .iter()
            .map(|p| p.corporate_number.to_string())
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        let missing: Vec<String> = sqlx::query_scalar($missing)
            .bind($list(numbers))
            .fetch_all(&mut **$tx)
            .await?;
        if let Some(e) = unknown_company($load, &missing) {
            return Err(e);
        }
        let tally = |all: i64, open: i64| Tally { all, open };
        let before = tally(
            sqlx::query_scalar::<_, i64>(&$sql(COUNT_ALL))
                .bind($load.partner)
                .fetch_one(&mut **$tx)
                .await?,
            open.len() as i64,
        );
        for batch in $load.postings.chunks($load.batch_rows.max(1)) {
            $upsert($tx, $load, batch).await?;
        }
        let closed = sqlx::query($close)
            .bind($load.partner)
            .bind($load.seen_at)
            .bind($list(closing))
            .execute(&mut **$tx)
            .await?
            .rows_affected();
        let after = tally(
            sqlx::query_scalar::<_, i64>(&$sql(COUNT_ALL))
                .bind($load.partner)
                .fetch_one(&mut **$tx)
                .await?,
            sqlx::query_scalar::<_, i64>(&$sql(COUNT_OPEN))
                .bind($load.partner)
                .fetch_one(&mut **$tx)
                .await?,
        );
        sqlx::query(&$sql(RECORD_LOADED))
            .bind($load.run_id)
            .bind($load.partner)
            .bind($load.postings.len() as i64)
            .bind(closed as i64)
            .bind($started_at)
            .bind(Utc::now())
            .bind($load.upload_id)
            .bind($load.digest)
            .execute(&mut **$tx)
            .await?;
        Ok(LoadOutcome::Loaded(counts($load, &before, &after, closed)))
    }};
}

async fn load_pg(
    tx: &mut Transaction<'static, Postgres>,
    load: &PartnerLoad<'_>,
    started_at: DateTime<Utc>,
) -> Result<LoadOutcome, DbError> {
    load_body!(
        tx,
        load,
        started_at,
        str::to_string,
        upsert_pg,
        CLOSE_PG,
        MISSING_PG,
        |v: Vec<String>| v
    )
}

async fn load_sqlite(
    tx: &mut Transaction<'static, Sqlite>,
    load: &PartnerLoad<'_>,
    started_at: DateTime<Utc>,
) -> Result<LoadOutcome, DbError> {
    load_body!(
        tx,
        load,
        started_at,
        lite,
        upsert_sqlite,
        CLOSE_SQLITE,
        MISSING_SQLITE,
        |v: Vec<String>| { serde_json::Value::from(v).to_string() }
    )
}

/// One statement per batch: the batch goes over as 18 arrays, unnested server-side.
async fn upsert_pg(
    tx: &mut Transaction<'static, Postgres>,
    load: &PartnerLoad<'_>,
    batch: &[LoadedPosting],
) -> Result<(), DbError> {
    let text = |f: fn(&LoadedPosting) -> &str| -> Vec<&str> { batch.iter().map(f).collect() };
    let sql = format!(
        "{INSERT_COLUMNS} SELECT t.*, $19, $20, $20 FROM UNNEST($1::text[], $2::text[], \
         $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], \
         $10::int8[], $11::int8[], $12::text[], $13::text[], $14::text[], $15::text[], \
         $16::int8[], $17::float8[], $18::text[]) AS t{ON_CONFLICT}"
    );
    let numbers: Vec<String> = batch
        .iter()
        .map(|p| p.corporate_number.to_string())
        .collect();
    sqlx::query(&sql)
        .bind(text(|p| &p.partner))
        .bind(text(|p| &p.posting.posting_id))
        .bind(numbers)
        .bind(text(|p| &p.posting.company_name))
        .bind(text(|p| &p.posting.company_address))
        .bind(text(|p| &p.posting.company_phone))
        .bind(text(|p| &p.posting.company_url))
        .bind(text(|p| &p.posting.job_title))
        .bind(text(|p| &p.posting.employment_type))
        .bind(
            batch
                .iter()
                .map(|p| p.posting.salary_min)
                .collect::<Vec<_>>(),
        )
        .bind(
            batch
                .iter()
                .map(|p| p.posting.salary_max)
                .collect::<Vec<_>>(),
        )
        .bind(text(|p| &p.posting.work_location))
        .bind(text(|p| &p.posting.description))
        .bind(text(|p| &p.posting.posted_at))
        .bind(text(|p| &p.upload_id))
        .bind(batch.iter().map(|p| p.line as i64).collect::<Vec<_>>())
        .bind(batch.iter().map(|p| p.match_score).collect::<Vec<_>>())
        .bind(text(|p| &p.match_method))
        .bind(load.run_id)
        .bind(load.seen_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// SQLite caps a statement at 32,766 parameters: 21 a row.
const SQLITE_MAX_ROWS: usize = 1_500;

async fn upsert_sqlite(
    tx: &mut Transaction<'static, Sqlite>,
    load: &PartnerLoad<'_>,
    batch: &[LoadedPosting],
) -> Result<(), DbError> {
    for batch in batch.chunks(SQLITE_MAX_ROWS) {
        let mut qb = QueryBuilder::<Sqlite>::new(INSERT_COLUMNS);
        qb.push_values(batch, |mut row, p| {
            row.push_bind(&p.partner)
                .push_bind(&p.posting.posting_id)
                .push_bind(p.corporate_number.to_string())
                .push_bind(&p.posting.company_name)
                .push_bind(&p.posting.company_address)
                .push_bind(&p.posting.company_phone)
                .push_bind(&p.posting.company_url)
                .push_bind(&p.posting.job_title)
                .push_bind(&p.posting.employment_type)
                .push_bind(p.posting.salary_min)
                .push_bind(p.posting.salary_max)
                .push_bind(&p.posting.work_location)
                .push_bind(&p.posting.description)
                .push_bind(&p.posting.posted_at)
                .push_bind(&p.upload_id)
                .push_bind(p.line as i64)
                .push_bind(p.match_score)
                .push_bind(&p.match_method)
                .push_bind(load.run_id)
                .push_bind(load.seen_at)
                .push_bind(load.seen_at);
        });
        qb.push(ON_CONFLICT);
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
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
