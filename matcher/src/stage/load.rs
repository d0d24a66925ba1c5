//! The load stage: a finished run's `matched.csv` from the store into `job_postings`.
//!
//! Separate from matching so that a failed load is re-run alone. The run's manifest says
//! which partners' snapshots the run holds (all its inputs, matched or not); its presence is
//! also what says the run is complete. A sharded run (`runs/<run>/shards/<i>-of-<n>/`) is
//! loaded as one once all of its shards are complete. When a run holds several uploads of one
//! partner, the partner's snapshot is their union (a repeated posting id takes its last row).

use std::collections::{BTreeSet, HashMap};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use postings::layout::{self, RunFile};
use postings::store::{Store, StoreError};
use postings::{Posting, RunId};
use serde::{Deserialize, Serialize};

use crate::company::CorporateNumber;
use crate::db::postings::LoadCounts;
use crate::db::{Db, DbError, LoadOutcome, LoadedPosting, RunLoad};

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
    #[error("{key}: invalid manifest: {reason}")]
    Manifest { key: String, reason: String },
    #[error("{key} line {line}: {reason}")]
    Row {
        key: String,
        line: u64,
        reason: String,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Rows per INSERT statement.
    pub batch_rows: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self { batch_rows: 5_000 }
    }
}

/// What a load did; also the JSON summary line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadReport {
    pub run_id: String,
    pub partners: Vec<String>,
    /// Rows in matched.csv.
    pub matched_rows: u64,
    /// Rows superseded by a later row with the same (partner, posting_id).
    pub duplicates: u64,
    /// `false` when the run had been loaded before and nothing was written.
    pub loaded: bool,
    #[serde(flatten)]
    pub counts: LoadCounts,
}

/// Only what the load needs from a manifest; the match stage owns the full format.
#[derive(Debug, Deserialize)]
struct ManifestHead {
    run_id: String,
    started_at: String,
    #[serde(default)]
    shard: Option<ShardHead>,
    inputs: Vec<InputHead>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct ShardHead {
    index: u32,
    count: u32,
}

#[derive(Debug, Deserialize)]
struct InputHead {
    partner: String,
}

/// One row of matched.csv, by column name.
#[derive(Debug, Deserialize)]
struct MatchedRow {
    posting_id: String,
    company_name: String,
    company_address: String,
    company_phone: String,
    company_url: String,
    job_title: String,
    employment_type: String,
    salary_min: Option<i64>,
    salary_max: Option<i64>,
    work_location: String,
    description: String,
    posted_at: String,
    partner: String,
    upload_id: String,
    line: u64,
    corporate_number: String,
    match_score: f64,
    match_method: String,
}

/// One part of a run: the whole run, or one shard of it.
struct Part {
    manifest_key: String,
    matched_key: String,
}

pub async fn load_run(
    db: &Db,
    store: &Store,
    run_id: &RunId,
    options: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let run = run_id.to_string();
    let mut partners = BTreeSet::new();
    let mut started_at = None;
    let mut rows = Vec::new();
    for part in parts(store, run_id).await? {
        let manifest = read_manifest(store, &part.manifest_key).await?;
        if manifest.run_id != run {
            return Err(LoadError::Manifest {
                key: part.manifest_key,
                reason: format!("it names run {}", manifest.run_id),
            });
        }
        let at = DateTime::parse_from_rfc3339(&manifest.started_at)
            .map_err(|e| LoadError::Manifest {
                key: part.manifest_key.clone(),
                reason: format!("started_at {:?}: {e}", manifest.started_at),
            })?
            .with_timezone(&Utc);
        started_at = Some(started_at.map_or(at, |s: DateTime<Utc>| s.min(at)));
        partners.extend(manifest.inputs.into_iter().map(|i| i.partner));
        let body = get(store, &part.matched_key).await?;
        let key = part.matched_key.clone();
        let parsed = tokio::task::spawn_blocking(move || parse_matched(&key, &body))
            .await
            .map_err(|e| LoadError::Row {
                key: part.matched_key.clone(),
                line: 0,
                reason: e.to_string(),
            })??;
        rows.extend(parsed);
    }
    let partners: Vec<String> = partners.into_iter().collect();
    if let Some((line, key, partner)) = rows
        .iter()
        .find(|(_, p)| !partners.contains(&p.partner))
        .map(|(key, p)| (p.line, key.clone(), p.partner.clone()))
    {
        return Err(LoadError::Row {
            key,
            line,
            reason: format!("partner {partner:?} is not among the run's inputs"),
        });
    }
    let matched_rows = rows.len() as u64;
    let postings = last_per_posting(rows.into_iter().map(|(_, p)| p).collect());
    let duplicates = matched_rows - postings.len() as u64;
    if duplicates > 0 {
        tracing::warn!(
            run_id = %run,
            duplicates,
            "the same posting id appears more than once for a partner; the last row wins"
        );
    }
    let load = RunLoad {
        run_id: &run,
        partners: &partners,
        seen_at: started_at.unwrap_or_else(Utc::now),
        postings: &postings,
        batch_rows: options.batch_rows,
    };
    let outcome = db.load_run(&load).await?;
    let (loaded, counts) = match outcome {
        LoadOutcome::Loaded(c) => (true, c),
        LoadOutcome::AlreadyLoaded => (false, LoadCounts::default()),
    };
    Ok(LoadReport {
        run_id: run,
        partners,
        matched_rows,
        duplicates,
        loaded,
        counts,
    })
}

/// The run's whole manifest if there is one, else every shard's (all must be complete).
async fn parts(store: &Store, run: &RunId) -> Result<Vec<Part>, LoadError> {
    let whole = layout::run_file_key(run, RunFile::Manifest);
    if head(store, &whole).await? {
        return Ok(vec![Part {
            manifest_key: whole,
            matched_key: layout::run_file_key(run, RunFile::Matched),
        }]);
    }
    let prefix = format!("{}shards/", layout::run_prefix(run));
    let listed = store
        .list(&prefix)
        .await
        .map_err(|source| LoadError::Store {
            key: prefix.clone(),
            source,
        })?;
    let manifests: Vec<String> = listed
        .into_iter()
        .map(|m| m.key)
        .filter(|k| k.ends_with("/manifest.json"))
        .collect();
    if manifests.is_empty() {
        return Err(LoadError::Incomplete(run.to_string()));
    }
    let mut count = None;
    let mut have = Vec::new();
    let mut parts = Vec::new();
    for key in manifests {
        let m = read_manifest(store, &key).await?;
        let Some(shard) = m.shard else {
            return Err(LoadError::Manifest {
                key,
                reason: "a shard's manifest without its shard".into(),
            });
        };
        if *count.get_or_insert(shard.count) != shard.count {
            return Err(LoadError::Manifest {
                key,
                reason: "shards disagree on their count".into(),
            });
        }
        have.push(shard.index);
        let dir = key.trim_end_matches("manifest.json");
        parts.push(Part {
            matched_key: format!("{dir}matched.csv"),
            manifest_key: key,
        });
    }
    have.sort_unstable();
    let count = count.unwrap_or(0);
    if have != (0..count).collect::<Vec<_>>() {
        return Err(LoadError::MissingShards {
            run_id: run.to_string(),
            count,
            have,
        });
    }
    Ok(parts)
}

async fn head(store: &Store, key: &str) -> Result<bool, LoadError> {
    store
        .head(key)
        .await
        .map(|m| m.is_some())
        .map_err(|source| LoadError::Store {
            key: key.to_string(),
            source,
        })
}

async fn get(store: &Store, key: &str) -> Result<Bytes, LoadError> {
    store.get(key).await.map_err(|source| LoadError::Store {
        key: key.to_string(),
        source,
    })
}

async fn read_manifest(store: &Store, key: &str) -> Result<ManifestHead, LoadError> {
    let body = get(store, key).await?;
    serde_json::from_slice(&body).map_err(|e| LoadError::Manifest {
        key: key.to_string(),
        reason: e.to_string(),
    })
}

/// Parses matched.csv whole before anything is written: a corrupt row stops the load with its
/// line number.
fn parse_matched(key: &str, body: &[u8]) -> Result<Vec<(String, LoadedPosting)>, LoadError> {
    let mut reader = csv::Reader::from_reader(body);
    let headers = reader.headers().cloned().map_err(|e| LoadError::Row {
        key: key.to_string(),
        line: 1,
        reason: e.to_string(),
    })?;
    let mut out = Vec::new();
    for record in reader.records() {
        let bad = |line: u64, reason: String| LoadError::Row {
            key: key.to_string(),
            line,
            reason,
        };
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let row: MatchedRow = record
            .deserialize(Some(&headers))
            .map_err(|e| bad(line, e.to_string()))?;
        let corporate_number =
            CorporateNumber::parse(&row.corporate_number).map_err(|e| bad(line, e.to_string()))?;
        if row.posting_id.is_empty() || row.partner.is_empty() {
            return Err(bad(line, "posting_id and partner must not be blank".into()));
        }
        out.push((
            key.to_string(),
            LoadedPosting {
                partner: row.partner,
                upload_id: row.upload_id,
                line: row.line,
                corporate_number,
                match_score: row.match_score,
                match_method: row.match_method,
                posting: Posting {
                    posting_id: row.posting_id,
                    company_name: row.company_name,
                    company_address: row.company_address,
                    company_phone: row.company_phone,
                    company_url: row.company_url,
                    job_title: row.job_title,
                    employment_type: row.employment_type,
                    salary_min: row.salary_min,
                    salary_max: row.salary_max,
                    work_location: row.work_location,
                    description: row.description,
                    posted_at: row.posted_at,
                },
            },
        ));
    }
    Ok(out)
}

/// Rows come ordered by partner, upload (UUIDv7, so by time) and line: when a partner repeats
/// a posting id, the later row is its newer statement.
fn last_per_posting(rows: Vec<LoadedPosting>) -> Vec<LoadedPosting> {
    let mut slot: HashMap<(String, String), usize> = HashMap::with_capacity(rows.len());
    let mut kept: Vec<Option<LoadedPosting>> = Vec::with_capacity(rows.len());
    for row in rows {
        let k = (row.partner.clone(), row.posting.posting_id.clone());
        if let Some(&i) = slot.get(&k) {
            kept[i] = None;
        }
        slot.insert(k, kept.len());
        kept.push(Some(row));
    }
    kept.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(partner: &str, id: &str, line: u64) -> LoadedPosting {
        LoadedPosting {
            partner: partner.into(),
            posting: Posting {
                posting_id: id.into(),
                ..Posting::default()
            },
            upload_id: "u".into(),
            line,
            corporate_number: CorporateNumber::parse("7000012050002").unwrap(),
            match_score: 1.0,
            match_method: "exact".into(),
        }
    }

    #[test]
    fn a_repeated_posting_id_keeps_its_last_row_and_other_partners_keep_theirs() {
        let kept = last_per_posting(vec![
            posting("a", "1", 2),
            posting("a", "2", 3),
            posting("a", "1", 4),
            posting("b", "1", 2),
        ]);
        let lines: Vec<(&str, &str, u64)> = kept
            .iter()
            .map(|p| (p.partner.as_str(), p.posting.posting_id.as_str(), p.line))
            .collect();
        assert_eq!(lines, [("a", "2", 3), ("a", "1", 4), ("b", "1", 2)]);
    }

    #[test]
    fn a_corrupt_row_is_reported_with_its_line() {
        let csv = "posting_id,company_name,company_address,company_phone,company_url,job_title,\
employment_type,salary_min,salary_max,work_location,description,posted_at,partner,upload_id,\
line,corporate_number,match_score,match_method\n\
p1,A,,,,Job,,,,,,,acme,u1,2,7000012050002,1.0000,exact\n\
p2,B,,,,Job,,abc,,,,,acme,u1,3,7000012050002,1.0000,exact\n";
        let err = parse_matched("runs/r/matched.csv", csv.as_bytes()).unwrap_err();
        assert!(matches!(err, LoadError::Row { line: 3, .. }), "{err}");
    }
}
