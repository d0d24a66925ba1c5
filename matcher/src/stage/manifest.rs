//! `manifest.json`: what a run read, what it decided and how long it took. Written last, so
//! its presence means the run's other files are complete.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::shard::Shard;
use crate::engine::{Decision, UnmatchedReason};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub run_id: String,
    /// The matcher's version.
    pub version: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub finished_at: String,
    pub shard: Option<Shard>,
    pub inputs: Vec<InputRecord>,
    /// Uploads of the plan left out of this run, with the reason.
    #[serde(default)]
    pub quarantined: Vec<QuarantinedInput>,
    pub companies: CompaniesInfo,
    /// The engine's `Thresholds`, as recorded.
    pub thresholds: serde_json::Value,
    pub counts: Counts,
    pub timings_ms: Timings,
    /// Review overrides applied, and those naming a company no longer in the master.
    #[serde(default, skip_serializing_if = "OverrideReport::is_empty")]
    pub overrides: OverrideReport,
}

/// One input file of a run (an upload, or the offline `--postings` file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    pub upload_id: String,
    pub partner: String,
    /// Object key of the raw upload (offline: the file's path as given).
    pub key: String,
    pub sha256: String,
    pub bytes: u64,
    /// Data rows (valid and rejected), header excluded.
    pub rows: u64,
    /// Charset the file was read with ("utf-8" | "shift_jis").
    pub encoding: String,
    /// Of `rows`, those the contract accepted and those it rejected (whole file, every shard).
    #[serde(default)]
    pub valid: u64,
    #[serde(default)]
    pub rejected: u64,
    /// The partner declared the upload empty on purpose (`?empty=true`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub declared_empty: bool,
}

/// An upload the run could not use (missing, altered, unreadable or invalid): none of its
/// rows are in the run's files, and its partner's postings are left as they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedInput {
    pub upload_id: String,
    pub partner: String,
    pub key: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompaniesInfo {
    /// `csv:<path>` or `database` (never the URL: it may carry a password).
    pub source: String,
    /// Companies indexed.
    pub count: u64,
    /// Rows of the company source refused (e.g. a bad corporate number); see `rejected_examples`.
    #[serde(default)]
    pub rejected: u64,
    #[serde(default)]
    pub rejected_examples: Vec<CompanyRejectNote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyRejectNote {
    pub line: u64,
    pub reason: String,
}

/// `input_rows == matched + unmatched + rejected`: every row ends in exactly one output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub input_rows: u64,
    pub matched: u64,
    pub unmatched: u64,
    pub rejected: u64,
    pub unmatched_by_reason: BTreeMap<String, u64>,
}

impl Counts {
    /// Zero counts with every unmatched reason present, so manifests always list all of them.
    pub fn new() -> Self {
        let unmatched_by_reason = [
            UnmatchedReason::NoCandidate,
            UnmatchedReason::BelowThreshold,
            UnmatchedReason::Ambiguous,
            UnmatchedReason::ClosedCompany,
        ]
        .iter()
        .map(|r| (r.as_str().to_owned(), 0))
        .collect();
        Self {
            unmatched_by_reason,
            ..Self::default()
        }
    }

    /// Counts one posting by its decision.
    pub fn record(&mut self, decision: &Decision) {
        self.input_rows += 1;
        match decision {
            Decision::Matched(_) => self.matched += 1,
            Decision::Unmatched(miss) => {
                self.unmatched += 1;
                *self
                    .unmatched_by_reason
                    .entry(miss.reason.as_str().to_owned())
                    .or_default() += 1;
            }
        }
    }

    /// Counts one row the contract rejected.
    pub fn record_rejected(&mut self) {
        self.input_rows += 1;
        self.rejected += 1;
    }

    pub fn adds_up(&self) -> bool {
        self.input_rows == self.matched + self.unmatched + self.rejected
            && self.unmatched_by_reason.values().sum::<u64>() == self.unmatched
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timings {
    pub read: u64,
    pub index: u64,
    #[serde(rename = "match")]
    pub match_: u64,
    pub write: u64,
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_counts_list_every_unmatched_reason_and_add_up() {
        let c = Counts::new();
        let reasons: Vec<&str> = c.unmatched_by_reason.keys().map(String::as_str).collect();
        assert_eq!(
            reasons,
            [
                "ambiguous",
                "below_threshold",
                "closed_company",
                "no_candidate"
            ]
        );
        assert!(c.adds_up());
    }

    #[test]
    fn counts_that_lose_a_row_do_not_add_up() {
        let mut c = Counts::new();
        c.input_rows = 3;
        c.matched = 1;
        c.rejected = 1;
        assert!(!c.adds_up());
    }

    #[test]
    fn timings_serialise_the_match_phase_as_match() {
        let json = serde_json::to_value(Timings::default()).unwrap();
        assert!(json.get("match").is_some(), "{json}");
    }
}

/// What a run did with the review overrides, recorded in its manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideReport {
    /// Decisions stored in the company database when the run read it.
    pub stored: u64,
    /// Postings of this run settled by a decision (linked, or left as not in the master).
    pub applied: u64,
    /// Decisions for a company that is no longer in the master (closed or merged): not
    /// applied, so the engine's own decision stands, until an operator decides again.
    pub stale: Vec<StaleOverride>,
}

impl OverrideReport {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleOverride {
    pub name: String,
    pub place: String,
    pub corporate_number: String,
    pub decided_by: String,
    pub decided_at: String,
    /// Postings of this run it would have settled.
    pub postings: u64,
}
