//! One partner's snapshot applied inside its transaction: refused when already decided or
//! held by the close guard, else upserted, the postings it no longer carries closed, and the
//! load recorded, with the counts before and after.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Sqlite, Transaction};

use super::DbError;
use super::load_types::{LoadCounts, LoadOutcome, PartnerLoad};
use super::upsert::{upsert_pg, upsert_sqlite};

const NEWEST_LOADED: &str = "SELECT run_id, upload_id, manifest_digest FROM loads \
     WHERE status = 'loaded' AND partner = $1 \
     ORDER BY coalesce(upload_id, '') DESC, run_id DESC LIMIT 1";
const COUNT_ALL: &str = "SELECT count(*) FROM job_postings WHERE partner = $1";
const COUNT_OPEN: &str =
    "SELECT count(*) FROM job_postings WHERE partner = $1 AND closed_at IS NULL";
const OPEN_IDS: &str =
    "SELECT posting_id FROM job_postings WHERE partner = $1 AND closed_at IS NULL";
/// The two statements that take a list of ids, which each backend binds its own way: an
/// array on PostgreSQL, a JSON array on SQLite.
struct ListSql {
    /// Closes the partner's open postings in the list ($1 partner, $2 time, $3 ids).
    close: &'static str,
    /// The corporate numbers in the list that are not in the master ($1 numbers).
    missing: &'static str,
}
const PG: ListSql = ListSql {
    close: "UPDATE job_postings SET closed_at = $2 \
     WHERE partner = $1 AND closed_at IS NULL AND posting_id = ANY($3::text[])",
    missing: "SELECT n FROM UNNEST($1::text[]) AS n \
     WHERE NOT EXISTS (SELECT 1 FROM companies c WHERE c.corporate_number = n)",
};
const SQLITE: ListSql = ListSql {
    close: "UPDATE job_postings SET closed_at = ?2 \
     WHERE partner = ?1 AND closed_at IS NULL AND posting_id IN (SELECT value FROM json_each(?3))",
    missing: "SELECT value FROM json_each(?1) \
     WHERE value NOT IN (SELECT corporate_number FROM companies)",
};
const RECORD_LOADED: &str = "INSERT INTO loads (run_id, partner, \"rows\", closed, started_at, \
     finished_at, status, error, upload_id, manifest_digest) \
     VALUES ($1, $2, $3, $4, $5, $6, 'loaded', NULL, $7, $8) \
     ON CONFLICT (run_id, partner) DO UPDATE SET \"rows\" = excluded.\"rows\", \
     closed = excluded.closed, started_at = excluded.started_at, \
     finished_at = excluded.finished_at, status = 'loaded', error = NULL, \
     upload_id = excluded.upload_id, manifest_digest = excluded.manifest_digest";
// A failed attempt is recorded for operators, but never over a successful load.

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
struct PartnerRows {
    all: i64,
    open: i64,
}

fn counts(
    load: &PartnerLoad<'_>,
    before: &PartnerRows,
    after: &PartnerRows,
    closed: u64,
) -> LoadCounts {
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
    ($tx:ident, $load:ident, $started_at:ident, $dialect:expr, $upsert:ident, $list:expr) => {{
        let newest: Option<(String, Option<String>, Option<String>)> =
            sqlx::query_as(NEWEST_LOADED)
                .bind($load.partner)
                .fetch_optional(&mut **$tx)
                .await?;
        if let Some(outcome) = already_decided(newest, $load) {
            return Ok(outcome);
        }
        if let Some(reason) = &$load.hold {
            return Ok(LoadOutcome::Held(reason.clone()));
        }
        let open: Vec<String> = sqlx::query_scalar(OPEN_IDS)
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
        let missing: Vec<String> = sqlx::query_scalar($dialect.missing)
            .bind($list(numbers))
            .fetch_all(&mut **$tx)
            .await?;
        if let Some(e) = unknown_company($load, &missing) {
            return Err(e);
        }
        let tally = |all: i64, open: i64| PartnerRows { all, open };
        let before = tally(
            sqlx::query_scalar::<_, i64>(COUNT_ALL)
                .bind($load.partner)
                .fetch_one(&mut **$tx)
                .await?,
            open.len() as i64,
        );
        for batch in $load.postings.chunks($load.batch_rows.max(1)) {
            $upsert($tx, $load, batch).await?;
        }
        let closed = sqlx::query($dialect.close)
            .bind($load.partner)
            .bind($load.seen_at)
            .bind($list(closing))
            .execute(&mut **$tx)
            .await?
            .rows_affected();
        let after = tally(
            sqlx::query_scalar::<_, i64>(COUNT_ALL)
                .bind($load.partner)
                .fetch_one(&mut **$tx)
                .await?,
            sqlx::query_scalar::<_, i64>(COUNT_OPEN)
                .bind($load.partner)
                .fetch_one(&mut **$tx)
                .await?,
        );
        sqlx::query(RECORD_LOADED)
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

pub(super) async fn load_pg(
    tx: &mut Transaction<'static, Postgres>,
    load: &PartnerLoad<'_>,
    started_at: DateTime<Utc>,
) -> Result<LoadOutcome, DbError> {
    load_body!(tx, load, started_at, PG, upsert_pg, |v: Vec<String>| v)
}

pub(super) async fn load_sqlite(
    tx: &mut Transaction<'static, Sqlite>,
    load: &PartnerLoad<'_>,
    started_at: DateTime<Utc>,
) -> Result<LoadOutcome, DbError> {
    let json = |v: Vec<String>| serde_json::Value::from(v).to_string();
    load_body!(tx, load, started_at, SQLITE, upsert_sqlite, json)
}
