//! Layering an enrichment CSV over the master: contacts and readings the registry does not
//! publish (phone, website, name_kana, name_en), keyed by corporate number. A blank field
//! leaves what the master holds; a number the master does not hold is refused by line.

use std::path::{Path, PathBuf};

use sqlx::{QueryBuilder, Sqlite};

use super::registry_write::Tx;
use super::{Db, DbError};
use crate::company::{CompanyReject, CorporateNumber};

pub const ENRICH_COLUMNS: [&str; 4] = ["phone", "website", "name_kana", "name_en"];
const BATCH: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: csv::Error },
    #[error("{path}: the header needs corporate_number and at least one of {ENRICH_COLUMNS:?}")]
    Header { path: PathBuf },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EnrichSummary {
    pub read: u64,
    /// Companies whose record changed.
    pub written: u64,
    pub rejected: Vec<CompanyReject>,
}

struct Enrichment {
    number: String,
    fields: [String; 4],
}

/// Hands the rows over in batches of [`BATCH`] (by line) until `each` says stop; returns the
/// rows read and those refused.
fn read(
    path: &Path,
    mut each: impl FnMut(Vec<(u64, Enrichment)>) -> bool,
) -> Result<(u64, Vec<CompanyReject>), EnrichError> {
    let err = |source| EnrichError::Read {
        path: path.into(),
        source,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(err)?;
    let names: Vec<String> = rdr
        .headers()
        .map_err(err)?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    let at = |c: &str| names.iter().position(|n| n == c);
    let number_at = at("corporate_number").ok_or(EnrichError::Header { path: path.into() })?;
    let field_at = ENRICH_COLUMNS.map(at);
    if field_at.iter().all(Option::is_none) {
        return Err(EnrichError::Header { path: path.into() });
    }
    let mut rows = Vec::with_capacity(BATCH);
    let mut rejected = Vec::new();
    let mut read = 0u64;
    for record in rdr.records() {
        read += 1;
        if rows.len() == BATCH && !each(std::mem::replace(&mut rows, Vec::with_capacity(BATCH))) {
            return Ok((read, rejected));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) if e.is_io_error() => return Err(err(e)),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rejected.push(CompanyReject {
                    line,
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        match CorporateNumber::parse(&get(Some(number_at))) {
            Ok(n) => rows.push((
                line,
                Enrichment {
                    number: n.to_string(),
                    fields: field_at.map(get),
                },
            )),
            Err(e) => rejected.push(CompanyReject {
                line,
                reason: e.to_string(),
            }),
        }
    }
    if !rows.is_empty() {
        each(rows);
    }
    Ok((read, rejected))
}

const SET: &str = "phone = CASE WHEN v.phone <> '' THEN v.phone ELSE companies.phone END, \
     website = CASE WHEN v.website <> '' THEN v.website ELSE companies.website END, \
     name_kana = CASE WHEN v.name_kana <> '' THEN v.name_kana ELSE companies.name_kana END, \
     name_en = CASE WHEN v.name_en <> '' THEN v.name_en ELSE companies.name_en END";
const CHANGED: &str = "((v.phone <> '' AND v.phone <> companies.phone) \
     OR (v.website <> '' AND v.website <> companies.website) \
     OR (v.name_kana <> '' AND v.name_kana <> companies.name_kana) \
     OR (v.name_en <> '' AND v.name_en <> companies.name_en))";

impl Db {
    /// Applies an enrichment CSV in one transaction.
    pub async fn enrich_companies(&self, path: &Path) -> Result<EnrichSummary, DbError> {
        let owned = path.to_path_buf();
        let (tx_rows, mut rx) = tokio::sync::mpsc::channel(2);
        let reader = tokio::task::spawn_blocking(move || {
            read(&owned, |batch| tx_rows.blocking_send(batch).is_ok())
        });
        let mut summary = EnrichSummary::default();
        let mut rejected = Vec::new();
        let mut tx = Tx::begin(self).await?;
        while let Some(batch) = rx.recv().await {
            let numbers: Vec<String> = batch.iter().map(|(_, e)| e.number.clone()).collect();
            let known = tx.known(&numbers).await?;
            let (ok, unknown): (Vec<_>, Vec<_>) = batch.iter().partition(|(_, e)| {
                CorporateNumber::parse(&e.number)
                    .ok()
                    .and_then(|n| known.get(&n))
                    .is_some_and(|k| k.name.is_some())
            });
            rejected.extend(unknown.iter().map(|(line, e)| CompanyReject {
                line: *line,
                reason: format!("corporate number {} is not in the company master", e.number),
            }));
            summary.written += match &mut tx {
                Tx::Pg(t) => {
                    let col = |i: usize| -> Vec<String> {
                        ok.iter().map(|(_, e)| e.fields[i].clone()).collect()
                    };
                    let n: Vec<String> = ok.iter().map(|(_, e)| e.number.clone()).collect();
                    sqlx::query(&format!(
                        "UPDATE companies SET {SET} FROM UNNEST($1::text[], $2::text[], \
                         $3::text[], $4::text[], $5::text[]) AS v(n, phone, website, name_kana, \
                         name_en) WHERE companies.corporate_number = v.n AND {CHANGED}"
                    ))
                    .bind(n)
                    .bind(col(0))
                    .bind(col(1))
                    .bind(col(2))
                    .bind(col(3))
                    .execute(&mut **t)
                    .await?
                    .rows_affected()
                }
                Tx::Sqlite(t) => {
                    let mut written = 0;
                    for chunk in ok.chunks(5_000) {
                        let mut qb = QueryBuilder::<Sqlite>::new(
                            "WITH v(n, phone, website, name_kana, name_en) AS (",
                        );
                        qb.push_values(chunk, |mut b, (_, e)| {
                            b.push_bind(e.number.clone());
                            for f in &e.fields {
                                b.push_bind(f.clone());
                            }
                        });
                        qb.push(format!(
                            ") UPDATE companies SET {SET} FROM v WHERE \
                             companies.corporate_number = v.n AND {CHANGED}"
                        ));
                        written += qb.build().execute(&mut **t).await?.rows_affected();
                    }
                    written
                }
            };
        }
        drop(rx);
        let (read, refused) = reader
            .await
            .map_err(|_| super::registry::RegistryImportError::ReaderGone)??;
        tx.commit().await?;
        summary.read = read;
        rejected.extend(refused);
        rejected.sort_by_key(|r| r.line);
        summary.rejected = rejected;
        Ok(summary)
    }
}
