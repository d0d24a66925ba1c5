//! The upsert of a batch of loaded postings, one statement per batch on either backend.

use sqlx::{Postgres, QueryBuilder, Sqlite, Transaction};

use super::DbError;
use super::load_types::{LoadedPosting, PartnerLoad};

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

/// One statement per batch: the batch goes over as 18 arrays, unnested server-side.
pub(super) async fn upsert_pg(
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

pub(super) async fn upsert_sqlite(
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
