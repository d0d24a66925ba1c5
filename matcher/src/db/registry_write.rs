//! The database side of applying registry rows: what the master holds for a batch's numbers,
//! and writing a batch's plan, on either backend, inside one transaction.

use rustc_hash::FxHashMap;
use sqlx::{Postgres, QueryBuilder, Row, Sqlite, Transaction};

use super::registry_plan::{Known, Plan};
use super::{Db, DbError};
use crate::company::registry::{RegistryRow, legal_form_of_kind};
use crate::company::{COMPANY_COLUMNS, CorporateNumber};

pub(crate) enum Tx {
    Pg(Transaction<'static, Postgres>),
    Sqlite(Transaction<'static, Sqlite>),
}

/// The columns the registry has beside the master's own.
const REGISTRY_ONLY: [&str; 8] = [
    "status",
    "close_date",
    "close_cause",
    "successor",
    "kind",
    "legal_form",
    "search_excluded",
    "registry_updated",
];

/// Columns a registry row sets, in [`values`]' order; phone and website belong to enrichment
/// and are left alone.
fn columns() -> Vec<&'static str> {
    COMPANY_COLUMNS
        .iter()
        .copied()
        .filter(|c| !matches!(*c, "phone" | "website"))
        .chain(REGISTRY_ONLY)
        .collect()
}
/// 16 parameters a row under SQLite's 32,766.
const SQLITE_ROWS: usize = 2_000;
const SQLITE_KEYS: usize = 30_000;

fn values(r: &RegistryRow) -> [String; 15] {
    let c = r.company();
    [
        c.corporate_number.to_string(),
        c.name,
        c.name_kana,
        c.name_en,
        c.prefecture,
        c.city,
        c.street,
        c.postal_code,
        r.status().as_str().to_string(),
        r.close_date.clone(),
        r.close_cause.clone(),
        r.successor.map(|s| s.to_string()).unwrap_or_default(),
        r.kind.clone(),
        legal_form_of_kind(&r.kind).to_string(),
        r.update_date.clone(),
    ]
}

/// The upsert's conflict clause: the registry's columns are overwritten, a blank reading or
/// English name keeps the one enrichment gave, and an unchanged row is not rewritten.
fn on_conflict() -> String {
    let plain: Vec<&str> = columns()
        .into_iter()
        .skip(1)
        .filter(|c| !matches!(*c, "name_kana" | "name_en"))
        .collect();
    let mut set: Vec<String> = plain
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    for c in ["name_kana", "name_en"] {
        set.push(format!(
            "{c} = CASE WHEN excluded.{c} <> '' THEN excluded.{c} ELSE companies.{c} END"
        ));
    }
    let old: Vec<String> = plain.iter().map(|c| format!("companies.{c}")).collect();
    let new: Vec<String> = plain.iter().map(|c| format!("excluded.{c}")).collect();
    format!(
        " ON CONFLICT (corporate_number) DO UPDATE SET {} WHERE ({}) <> ({}) \
         OR (excluded.name_kana <> '' AND excluded.name_kana <> companies.name_kana) \
         OR (excluded.name_en <> '' AND excluded.name_en <> companies.name_en)",
        set.join(", "),
        old.join(", "),
        new.join(", ")
    )
}

const FORMER_SQL: &str = "INSERT INTO company_former_names (corporate_number, name, recorded_on) ";
const FORMER_CONFLICT: &str = " ON CONFLICT (corporate_number, name) DO NOTHING";
/// A withdrawn company that loaded postings name stays, marked deleted, so that they keep
/// their link; every other one goes.
const REMOVE_SQL: &str = "DELETE FROM companies WHERE corporate_number IN (SELECT n FROM \
     registry_batch) AND NOT EXISTS (SELECT 1 FROM job_postings j WHERE j.corporate_number = \
     companies.corporate_number)";
const MARK_SQL: &str = "UPDATE companies SET status = 'deleted' WHERE status <> 'deleted' AND \
     corporate_number IN (SELECT n FROM registry_batch)";
const TOMBSTONE_SQL: &str = "INSERT INTO registry_removed (corporate_number, removed_on) \
     SELECT n, d FROM registry_batch WHERE true ON CONFLICT (corporate_number) DO UPDATE SET \
     removed_on = excluded.removed_on WHERE excluded.removed_on > registry_removed.removed_on";

impl Tx {
    pub(crate) async fn begin(db: &Db) -> Result<Self, DbError> {
        Ok(match db {
            Db::Postgres(pool) => Self::Pg(pool.begin().await?),
            Db::Sqlite(pool) => Self::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
        })
    }

    pub(crate) async fn commit(self) -> Result<(), DbError> {
        match self {
            Self::Pg(tx) => tx.commit().await?,
            Self::Sqlite(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// The master's current name, record date and withdrawal of each number.
    pub(crate) async fn known(
        &mut self,
        numbers: &[String],
    ) -> Result<FxHashMap<CorporateNumber, Known>, DbError> {
        let mut out: FxHashMap<CorporateNumber, Known> = FxHashMap::default();
        let mut rows: Vec<(String, Option<String>, String, Option<String>)> = Vec::new();
        let q = "SELECT c.corporate_number, c.name, c.registry_updated, NULL FROM companies c \
                 WHERE c.corporate_number";
        let r = "SELECT r.corporate_number, NULL, '', r.removed_on FROM registry_removed r \
                 WHERE r.corporate_number";
        match self {
            Self::Pg(tx) => {
                for sql in [q, r] {
                    let found = sqlx::query(&format!("{sql} = ANY($1)"))
                        .bind(numbers)
                        .fetch_all(&mut **tx)
                        .await?;
                    for row in found {
                        rows.push((
                            row.try_get(0)?,
                            row.try_get(1)?,
                            row.try_get(2)?,
                            row.try_get(3)?,
                        ));
                    }
                }
            }
            Self::Sqlite(tx) => {
                for chunk in numbers.chunks(SQLITE_KEYS) {
                    for sql in [q, r] {
                        let mut qb = QueryBuilder::<Sqlite>::new(sql);
                        qb.push(" IN (");
                        let mut list = qb.separated(", ");
                        for n in chunk {
                            list.push_bind(n);
                        }
                        qb.push(")");
                        for row in qb.build().fetch_all(&mut **tx).await? {
                            rows.push((
                                row.try_get(0)?,
                                row.try_get(1)?,
                                row.try_get(2)?,
                                row.try_get(3)?,
                            ));
                        }
                    }
                }
            }
        }
        for (number, name, updated, removed_on) in rows {
            let k = out.entry(CorporateNumber::parse(&number)?).or_default();
            if name.is_some() {
                k.name = name;
                k.updated = updated;
            }
            if removed_on.is_some() {
                k.removed_on = removed_on;
            }
        }
        Ok(out)
    }

    /// Writes a plan; returns (companies written, former names added, companies removed).
    pub(crate) async fn write(&mut self, p: &Plan) -> Result<(u64, u64, u64), DbError> {
        let cols = columns().join(", ");
        let removals: Vec<(String, String)> = p
            .removals
            .iter()
            .map(|(n, d)| (n.to_string(), d.clone()))
            .collect();
        let revived: Vec<String> = p.revived.iter().map(ToString::to_string).collect();
        let mut written = 0;
        let mut former = 0;
        let mut removed = 0;
        match self {
            Self::Pg(tx) => {
                if !p.upserts.is_empty() {
                    let mut arrays: Vec<Vec<String>> = (0..15)
                        .map(|_| Vec::with_capacity(p.upserts.len()))
                        .collect();
                    let mut excluded: Vec<i16> = Vec::with_capacity(p.upserts.len());
                    for r in &p.upserts {
                        for (a, v) in arrays.iter_mut().zip(values(r)) {
                            a.push(v);
                        }
                        excluded.push(i16::from(r.search_excluded));
                    }
                    let mut text: Vec<String> = (1..=14).map(|i| format!("${i}::text[]")).collect();
                    text.push("$16::smallint[]".into());
                    text.push("$15::text[]".into());
                    let sql = format!(
                        "INSERT INTO companies ({cols}) SELECT * FROM UNNEST({}){}",
                        text.join(", "),
                        on_conflict()
                    );
                    let mut q = sqlx::query(&sql);
                    for a in arrays {
                        q = q.bind(a);
                    }
                    written = q.bind(excluded).execute(&mut **tx).await?.rows_affected();
                }
                if !p.former.is_empty() {
                    let (n, rest): (Vec<String>, Vec<(String, String)>) = p
                        .former
                        .iter()
                        .map(|(n, name, d)| (n.to_string(), (name.clone(), d.clone())))
                        .unzip();
                    let (names, dates): (Vec<String>, Vec<String>) = rest.into_iter().unzip();
                    former = sqlx::query(&format!(
                        "{FORMER_SQL} SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[]){FORMER_CONFLICT}"
                    ))
                    .bind(n)
                    .bind(names)
                    .bind(dates)
                    .execute(&mut **tx)
                    .await?
                    .rows_affected();
                }
                if !revived.is_empty() {
                    sqlx::query("DELETE FROM registry_removed WHERE corporate_number = ANY($1)")
                        .bind(&revived)
                        .execute(&mut **tx)
                        .await?;
                }
                if !removals.is_empty() {
                    let (n, d): (Vec<String>, Vec<String>) = removals.into_iter().unzip();
                    sqlx::query(
                        "CREATE TEMP TABLE IF NOT EXISTS registry_batch (n TEXT, d TEXT) ON COMMIT DROP",
                    )
                    .execute(&mut **tx)
                    .await?;
                    sqlx::query("DELETE FROM registry_batch")
                        .execute(&mut **tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO registry_batch SELECT * FROM UNNEST($1::text[], $2::text[])",
                    )
                    .bind(n)
                    .bind(d)
                    .execute(&mut **tx)
                    .await?;
                    for sql in [REMOVE_SQL, MARK_SQL] {
                        removed += sqlx::query(sql).execute(&mut **tx).await?.rows_affected();
                    }
                    sqlx::query(TOMBSTONE_SQL).execute(&mut **tx).await?;
                }
            }
            Self::Sqlite(tx) => {
                let conflict = on_conflict();
                for chunk in p.upserts.chunks(SQLITE_ROWS) {
                    let mut qb =
                        QueryBuilder::<Sqlite>::new(format!("INSERT INTO companies ({cols}) "));
                    qb.push_values(chunk, |mut b, r| {
                        let v = values(r);
                        let (last, head) = v.split_last().expect("15 values");
                        for x in head {
                            b.push_bind(x.clone());
                        }
                        b.push_bind(i16::from(r.search_excluded));
                        b.push_bind(last.clone());
                    });
                    qb.push(&conflict);
                    written += qb.build().execute(&mut **tx).await?.rows_affected();
                }
                for chunk in p.former.chunks(SQLITE_ROWS) {
                    let mut qb = QueryBuilder::<Sqlite>::new(FORMER_SQL);
                    qb.push_values(chunk, |mut b, (n, name, d)| {
                        b.push_bind(n.to_string())
                            .push_bind(name.clone())
                            .push_bind(d.clone());
                    });
                    qb.push(FORMER_CONFLICT);
                    former += qb.build().execute(&mut **tx).await?.rows_affected();
                }
                for n in &revived {
                    sqlx::query("DELETE FROM registry_removed WHERE corporate_number = ?")
                        .bind(n)
                        .execute(&mut **tx)
                        .await?;
                }
                if !removals.is_empty() {
                    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS registry_batch (n TEXT, d TEXT)")
                        .execute(&mut **tx)
                        .await?;
                    sqlx::query("DELETE FROM registry_batch")
                        .execute(&mut **tx)
                        .await?;
                    for chunk in removals.chunks(SQLITE_ROWS) {
                        let mut qb =
                            QueryBuilder::<Sqlite>::new("INSERT INTO registry_batch (n, d) ");
                        qb.push_values(chunk, |mut b, (n, d)| {
                            b.push_bind(n.clone()).push_bind(d.clone());
                        });
                        qb.build().execute(&mut **tx).await?;
                    }
                    for sql in [REMOVE_SQL, MARK_SQL] {
                        removed += sqlx::query(sql).execute(&mut **tx).await?.rows_affected();
                    }
                    sqlx::query(TOMBSTONE_SQL).execute(&mut **tx).await?;
                }
            }
        }
        Ok((written, former, removed))
    }
}
