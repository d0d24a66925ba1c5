//! What became of each row of one upload, for the partner who sent it. The match stage writes
//! one part per upload and run (one per shard in an array job) under the partner's own prefix,
//! so that the API reads only that partner's objects, never the run's files (which hold every
//! partner's rows):
//!
//! - `results/<partner>/<upload_id>/<run_id>/<part>.csv`: [`COLUMNS`], rows in line order;
//! - `results/<partner>/<upload_id>/<run_id>/<part>.json`: its [`ResultSummary`], written after
//!   the CSV, so a summary vouches for a complete CSV.
//!
//! `<part>` is `all` for a whole run and `shard-<i>-of-<n>` for one child of an array job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{PartnerId, RunId, UploadId};

/// The columns of a results CSV.
pub const COLUMNS: [&str; 7] = [
    "line",
    "posting_id",
    "outcome",
    "reason",
    "hint",
    "corporate_number",
    "match_score",
];

/// Where a row ended.
pub const MATCHED: &str = "matched";
pub const UNMATCHED: &str = "unmatched";
pub const REJECTED: &str = "rejected";

/// The part a whole (unsharded) run writes.
pub const WHOLE_PART: &str = "all";

/// The counts of one part: the rows of the upload it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSummary {
    pub run_id: RunId,
    /// `(index, count)` for one shard of an array job; `None` for a whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<(u32, u32)>,
    pub matched: u64,
    pub unmatched: u64,
    pub unmatched_by_reason: BTreeMap<String, u64>,
    pub rejected: u64,
}

impl ResultSummary {
    pub fn rows(&self) -> u64 {
        self.matched + self.unmatched + self.rejected
    }

    /// Adds another part's counts to these.
    pub fn add(&mut self, other: &ResultSummary) {
        self.matched += other.matched;
        self.unmatched += other.unmatched;
        self.rejected += other.rejected;
        for (reason, n) in &other.unmatched_by_reason {
            *self.unmatched_by_reason.entry(reason.clone()).or_default() += n;
        }
    }
}

/// The name of the part a run (or one shard of it) writes.
pub fn part_name(shard: Option<(u32, u32)>) -> String {
    match shard {
        None => WHOLE_PART.to_owned(),
        Some((i, n)) => format!("shard-{i}-of-{n}"),
    }
}

/// The shard a part name stands for: `Some(None)` for the whole run, `None` if it is no part.
pub fn parse_part(name: &str) -> Option<Option<(u32, u32)>> {
    if name == WHOLE_PART {
        return Some(None);
    }
    let (i, n) = name.strip_prefix("shard-")?.split_once("-of-")?;
    let (i, n) = (i.parse().ok()?, n.parse().ok()?);
    (i < n).then_some(Some((i, n)))
}

/// Every run's results of one upload: `results/<partner>/<upload_id>/`.
pub fn upload_prefix(partner: &PartnerId, upload_id: &UploadId) -> String {
    format!("{}{partner}/{upload_id}/", crate::layout::RESULTS_PREFIX)
}

/// `results/<partner>/<upload_id>/<run_id>/<part>.csv`.
pub fn csv_key(partner: &PartnerId, upload_id: &UploadId, run: &RunId, part: &str) -> String {
    format!("{}{run}/{part}.csv", upload_prefix(partner, upload_id))
}

/// `results/<partner>/<upload_id>/<run_id>/<part>.json`.
pub fn summary_key(partner: &PartnerId, upload_id: &UploadId, run: &RunId, part: &str) -> String {
    format!("{}{run}/{part}.json", upload_prefix(partner, upload_id))
}

/// The run and part a key under [`upload_prefix`] names, for summaries only.
pub fn parse_summary_key(prefix: &str, key: &str) -> Option<(RunId, String)> {
    let (run, file) = key.strip_prefix(prefix)?.split_once('/')?;
    let part = file.strip_suffix(".json")?;
    parse_part(part)?;
    Some((RunId::parse(run).ok()?, part.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_named_for_their_shard_and_parse_back() {
        assert_eq!(part_name(None), "all");
        assert_eq!(part_name(Some((1, 4))), "shard-1-of-4");
        assert_eq!(parse_part("shard-1-of-4"), Some(Some((1, 4))));
        assert_eq!(parse_part("all"), Some(None));
        for bad in ["shard-4-of-4", "shard-1", "x", "shard-a-of-2"] {
            assert_eq!(parse_part(bad), None, "{bad}");
        }
    }

    #[test]
    fn keys_sit_under_the_partner_and_upload() {
        let p = PartnerId::parse("acme").unwrap();
        let u = UploadId::parse("0190f1e2-3c4d-7e5f-8a6b-7c8d9e0f1a2b").unwrap();
        let r = RunId::parse("20260304T050607Z-0a1b2c3d").unwrap();
        let prefix = upload_prefix(&p, &u);
        assert_eq!(prefix, "results/acme/0190f1e2-3c4d-7e5f-8a6b-7c8d9e0f1a2b/");
        let key = summary_key(&p, &u, &r, "all");
        assert_eq!(key, format!("{prefix}20260304T050607Z-0a1b2c3d/all.json"));
        assert_eq!(
            parse_summary_key(&prefix, &key),
            Some((r.clone(), "all".into()))
        );
        assert_eq!(
            parse_summary_key(&prefix, &csv_key(&p, &u, &r, "all")),
            None
        );
    }
}
