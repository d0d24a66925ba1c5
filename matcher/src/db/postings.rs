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

/// What one load writes.
#[derive(Debug, Clone)]
pub struct RunLoad<'a> {
    pub run_id: &'a str,
    /// Every partner among the run's inputs, whether or not any of its postings matched: the
    /// run holds each one's full snapshot.
    pub partners: &'a [String],
    /// When the snapshot was taken (the run's start): first_seen / last_seen / closed_at.
    pub seen_at: DateTime<Utc>,
    /// At most one row per (partner, posting_id).
    pub postings: &'a [LoadedPosting],
    /// Rows per INSERT statement.
    pub batch_rows: usize,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadOutcome {
    Loaded(LoadCounts),
    /// This run was loaded before: nothing was written.
    AlreadyLoaded,
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

const NEWEST_LOADED: &str =
    "SELECT max(run_id) FROM loads WHERE status = 'loaded' AND partner = $1";
const COUNT_ALL: &str = "SELECT count(*) FROM job_postings WHERE partner = $1";
const COUNT_OPEN: &str =
    "SELECT count(*) FROM job_postings WHERE partner = $1 AND closed_at IS NULL";
const CLOSE_ABSENT: &str = "UPDATE job_postings SET closed_at = $2 \
     WHERE partner = $1 AND closed_at IS NULL AND run_id <> $3";
const RECORD_LOADED: &str = "INSERT INTO loads (run_id, partner, \"rows\", closed, started_at, \
     finished_at, status, error) VALUES ($1, $2, $3, $4, $5, $6, 'loaded', NULL) \
     ON CONFLICT (run_id, partner) DO UPDATE SET \"rows\" = excluded.\"rows\", \
     closed = excluded.closed, started_at = excluded.started_at, \
     finished_at = excluded.finished_at, status = 'loaded', error = NULL";
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
    /// Upserts a run's linked postings and closes what its partners' snapshots no longer
    /// carry, in one transaction: on any error nothing is written (a failed attempt is then
    /// noted in `loads`), so a load can simply be run again.
    pub async fn load_run(&self, load: &RunLoad<'_>) -> Result<LoadOutcome, DbError> {
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
                        // Release the transaction (and its locks) before noting the failure.
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
        load: &RunLoad<'_>,
        started_at: DateTime<Utc>,
        e: DbError,
    ) -> Result<LoadOutcome, DbError> {
        if !matches!(e, DbError::OutOfOrder { .. }) {
            self.record_failure(load, started_at, &e.to_string()).await;
        }
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

    async fn record_failure(&self, load: &RunLoad<'_>, started_at: DateTime<Utc>, error: &str) {
        for partner in load.partners {
            let done = match self {
                Self::Postgres(pool) => sqlx::query(RECORD_FAILED)
                    .bind(load.run_id)
                    .bind(partner)
                    .bind(started_at)
                    .bind(Utc::now())
                    .bind(error)
                    .execute(pool)
                    .await
                    .map(drop),
                Self::Sqlite(pool) => sqlx::query(&lite(RECORD_FAILED))
                    .bind(load.run_id)
                    .bind(partner)
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
}

/// Before-and-after counts of one partner's rows, from which the load's counts follow.
#[derive(Debug, Default)]
struct Tally {
    all: i64,
    open: i64,
}

fn counts(load: &RunLoad<'_>, before: &Tally, after: &Tally, closed: u64) -> LoadCounts {
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

fn rows_of(load: &RunLoad<'_>, partner: &str) -> i64 {
    load.postings
        .iter()
        .filter(|p| p.partner == partner)
        .count() as i64
}

macro_rules! load_body {
    ($tx:ident, $load:ident, $started_at:ident, $sql:expr, $upsert:ident) => {{
        for partner in $load.partners {
            let newest: Option<String> = sqlx::query_scalar(&$sql(NEWEST_LOADED))
                .bind(partner)
                .fetch_one(&mut **$tx)
                .await?;
            match newest {
                Some(newest) if newest.as_str() == $load.run_id => {
                    return Ok(LoadOutcome::AlreadyLoaded);
                }
                Some(newest) if newest.as_str() > $load.run_id => {
                    return Err(DbError::OutOfOrder {
                        run_id: $load.run_id.to_string(),
                        partner: partner.clone(),
                        newer: newest,
                    });
                }
                _ => {}
            }
        }
        let mut before = Tally::default();
        for partner in $load.partners {
            before.all += sqlx::query_scalar::<_, i64>(&$sql(COUNT_ALL))
                .bind(partner)
                .fetch_one(&mut **$tx)
                .await?;
            before.open += sqlx::query_scalar::<_, i64>(&$sql(COUNT_OPEN))
                .bind(partner)
                .fetch_one(&mut **$tx)
                .await?;
        }
        for batch in $load.postings.chunks($load.batch_rows.max(1)) {
            $upsert($tx, $load, batch).await?;
        }
        let mut after = Tally::default();
        let mut closed = 0;
        for partner in $load.partners {
            let closed_here = sqlx::query(&$sql(CLOSE_ABSENT))
                .bind(partner)
                .bind($load.seen_at)
                .bind($load.run_id)
                .execute(&mut **$tx)
                .await?
                .rows_affected();
            closed += closed_here;
            after.all += sqlx::query_scalar::<_, i64>(&$sql(COUNT_ALL))
                .bind(partner)
                .fetch_one(&mut **$tx)
                .await?;
            after.open += sqlx::query_scalar::<_, i64>(&$sql(COUNT_OPEN))
                .bind(partner)
                .fetch_one(&mut **$tx)
                .await?;
            sqlx::query(&$sql(RECORD_LOADED))
                .bind($load.run_id)
                .bind(partner)
                .bind(rows_of($load, partner))
                .bind(closed_here as i64)
                .bind($started_at)
                .bind(Utc::now())
                .execute(&mut **$tx)
                .await?;
        }
        Ok(LoadOutcome::Loaded(counts($load, &before, &after, closed)))
    }};
}

async fn load_pg(
    tx: &mut Transaction<'static, Postgres>,
    load: &RunLoad<'_>,
    started_at: DateTime<Utc>,
) -> Result<LoadOutcome, DbError> {
    load_body!(tx, load, started_at, str::to_string, upsert_pg)
}

async fn load_sqlite(
    tx: &mut Transaction<'static, Sqlite>,
    load: &RunLoad<'_>,
    started_at: DateTime<Utc>,
) -> Result<LoadOutcome, DbError> {
    load_body!(tx, load, started_at, lite, upsert_sqlite)
}

/// One statement per batch: the batch goes over as 18 arrays, unnested server-side.
async fn upsert_pg(
    tx: &mut Transaction<'static, Postgres>,
    load: &RunLoad<'_>,
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
    load: &RunLoad<'_>,
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
