//! A run's files as the load reads them: the parts of a run (whole, or its shards), the head
//! of each manifest, and `matched.csv` rows by column name.

use std::collections::HashMap;

use bytes::Bytes;
use postings::layout::{self, RunFile};
use postings::store::Store;
use postings::{Posting, RunId};
use serde::Deserialize;

use super::load_model::LoadError;
use crate::company::CorporateNumber;
use crate::db::LoadedPosting;

/// Only what the load needs from a manifest; the match stage owns the full format.
#[derive(Debug, Deserialize)]
pub(super) struct ManifestHead {
    pub(super) run_id: String,
    pub(super) started_at: String,
    #[serde(default)]
    pub(super) shard: Option<ShardHead>,
    pub(super) inputs: Vec<InputHead>,
    #[serde(default)]
    pub(super) quarantined: Vec<QuarantinedHead>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub(super) struct ShardHead {
    pub(super) index: u32,
    pub(super) count: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct InputHead {
    pub(super) partner: String,
    pub(super) upload_id: String,
    #[serde(default)]
    pub(super) rows: u64,
    #[serde(default)]
    pub(super) valid: Option<u64>,
    #[serde(default)]
    pub(super) rejected: u64,
    #[serde(default)]
    pub(super) declared_empty: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct QuarantinedHead {
    pub(super) upload_id: String,
}

/// One row of matched.csv, by column name.
#[derive(Debug, Deserialize)]
pub(super) struct MatchedRow {
    pub(super) posting_id: String,
    pub(super) company_name: String,
    pub(super) company_address: String,
    pub(super) company_phone: String,
    pub(super) company_url: String,
    pub(super) job_title: String,
    pub(super) employment_type: String,
    pub(super) salary_min: Option<i64>,
    pub(super) salary_max: Option<i64>,
    pub(super) work_location: String,
    pub(super) description: String,
    pub(super) posted_at: String,
    pub(super) partner: String,
    pub(super) upload_id: String,
    pub(super) line: u64,
    pub(super) corporate_number: String,
    pub(super) match_score: f64,
    pub(super) match_method: String,
}

/// One part of a run: the whole run, or one shard of it.
pub(super) struct Part {
    pub(super) manifest_key: String,
    pub(super) matched_key: String,
}

/// The run's whole manifest if there is one, else every shard's (all must be complete).
pub(super) async fn parts(store: &Store, run: &RunId) -> Result<Vec<Part>, LoadError> {
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
        let m = parse_manifest(&key, run, &get(store, &key).await?)?;
        let bad = |reason: &str| LoadError::Manifest {
            key: key.clone(),
            run_id: run.to_string(),
            reason: reason.into(),
        };
        let Some(shard) = m.shard else {
            return Err(bad("a shard's manifest without its shard"));
        };
        if *count.get_or_insert(shard.count) != shard.count {
            return Err(bad("shards disagree on their count"));
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

pub(super) async fn head(store: &Store, key: &str) -> Result<bool, LoadError> {
    store
        .head(key)
        .await
        .map(|m| m.is_some())
        .map_err(|source| LoadError::Store {
            key: key.to_string(),
            source,
        })
}

pub(super) async fn get(store: &Store, key: &str) -> Result<Bytes, LoadError> {
    store.get(key).await.map_err(|source| LoadError::Store {
        key: key.to_string(),
        source,
    })
}

pub(super) fn parse_manifest(
    key: &str,
    run: &RunId,
    body: &[u8],
) -> Result<ManifestHead, LoadError> {
    serde_json::from_slice(body).map_err(|e| LoadError::Manifest {
        key: key.to_string(),
        run_id: run.to_string(),
        reason: e.to_string(),
    })
}

/// Parses matched.csv whole before anything is written: a corrupt row stops the load with its
/// line number.
pub(super) fn parse_matched(
    key: &str,
    body: &[u8],
) -> Result<Vec<(String, LoadedPosting)>, LoadError> {
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
pub(super) fn last_per_posting(rows: Vec<LoadedPosting>) -> Vec<LoadedPosting> {
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
