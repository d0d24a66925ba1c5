//! The object keys the API and the batch share (uploads, runs, states, leases, consumed
//! markers; per-upload results are in `results.rs`). The API's private records (`uploads/`,
//! `staging/`, `idempotency/`) are built beside the code that owns them in `ingest-api`. Keys
//! are built only from parsed ids, so they never contain `..`, absolute paths or
//! partner-controlled text.

use chrono::NaiveDate;

use crate::ids::{PartnerId, RunId, UploadId};

/// Raw uploads and their records: `incoming/<partner>/<YYYY-MM-DD>/<upload_id>.{csv,json}`.
pub const INCOMING_PREFIX: &str = "incoming/";
/// Everything a run produces: `runs/<run_id>/...`.
pub const RUNS_PREFIX: &str = "runs/";
/// One marker per upload a run has taken: `consumed/<upload_id>.json`.
pub const CONSUMED_PREFIX: &str = "consumed/";
/// One [`crate::UploadStatus`] per upload that a stage has moved on: `states/<upload_id>.json`.
pub const STATES_PREFIX: &str = "states/";
/// What became of each upload's rows, for its partner: `results/<partner>/<upload_id>/…`
/// (see [`crate::results`]).
pub const RESULTS_PREFIX: &str = "results/";
/// The lease a `matcher run` holds while it runs, so that two never overlap.
pub const RUN_LEASE_KEY: &str = "leases/run.json";

/// The raw upload, byte for byte as the partner sent it.
pub fn upload_key(partner: &PartnerId, date: &NaiveDate, upload_id: &UploadId) -> String {
    format!(
        "{INCOMING_PREFIX}{partner}/{}/{upload_id}.csv",
        date.format("%Y-%m-%d")
    )
}

/// The upload's [`crate::UploadRecord`]. Written last: an upload exists for the matcher only
/// once this object does.
pub fn upload_record_key(partner: &PartnerId, date: &NaiveDate, upload_id: &UploadId) -> String {
    format!(
        "{INCOMING_PREFIX}{partner}/{}/{upload_id}.json",
        date.format("%Y-%m-%d")
    )
}

/// The record key that belongs to an upload key (`….csv` → `….json`).
pub fn record_key_for(upload_key: &str) -> String {
    let stem = upload_key.strip_suffix(".csv").unwrap_or(upload_key);
    format!("{stem}.json")
}

/// The files of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunFile {
    Manifest,
    Matched,
    Unmatched,
    Rejected,
}

impl RunFile {
    pub fn file_name(self) -> &'static str {
        match self {
            RunFile::Manifest => "manifest.json",
            RunFile::Matched => "matched.csv",
            RunFile::Unmatched => "unmatched.csv",
            RunFile::Rejected => "rejected.csv",
        }
    }
}

/// The prefix under which one run's files live: `runs/<run_id>/`.
pub fn run_prefix(run_id: &RunId) -> String {
    format!("{RUNS_PREFIX}{run_id}/")
}

pub fn run_file_key(run_id: &RunId, file: RunFile) -> String {
    format!("{}{}", run_prefix(run_id), file.file_name())
}

/// Where an upload's current state is recorded.
pub fn upload_state_key(upload_id: &UploadId) -> String {
    format!("{STATES_PREFIX}{upload_id}.json")
}

/// The upload id a `consumed/` or `states/` key names (`<prefix><upload_id>.json`).
pub fn upload_id_of(key: &str) -> Option<UploadId> {
    let stem = key.rsplit('/').next()?.strip_suffix(".json")?;
    UploadId::parse(stem).ok()
}

/// The marker saying which run consumed an upload (created with `put_new`, so two runs can
/// never both take the same upload).
pub fn consumed_key(upload_id: &UploadId) -> String {
    format!("{CONSUMED_PREFIX}{upload_id}.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_design_layout() {
        let p = PartnerId::parse("acme").unwrap();
        let u = UploadId::parse("0190f1e2-3c4d-7e5f-8a6b-7c8d9e0f1a2b").unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        assert_eq!(
            upload_key(&p, &d, &u),
            "incoming/acme/2026-03-04/0190f1e2-3c4d-7e5f-8a6b-7c8d9e0f1a2b.csv"
        );
        assert_eq!(
            upload_record_key(&p, &d, &u),
            "incoming/acme/2026-03-04/0190f1e2-3c4d-7e5f-8a6b-7c8d9e0f1a2b.json"
        );
        assert_eq!(
            record_key_for(&upload_key(&p, &d, &u)),
            upload_record_key(&p, &d, &u)
        );
        assert_eq!(
            consumed_key(&u),
            "consumed/0190f1e2-3c4d-7e5f-8a6b-7c8d9e0f1a2b.json"
        );
        assert_eq!(
            upload_state_key(&u),
            "states/0190f1e2-3c4d-7e5f-8a6b-7c8d9e0f1a2b.json"
        );
        assert_eq!(upload_id_of(&upload_state_key(&u)), Some(u));
        assert_eq!(upload_id_of("states/not-an-id.json"), None);
        let r = RunId::parse("20260304T050607Z-0a1b2c3d").unwrap();
        assert_eq!(
            run_file_key(&r, RunFile::Unmatched),
            "runs/20260304T050607Z-0a1b2c3d/unmatched.csv"
        );
        assert_eq!(
            run_file_key(&r, RunFile::Manifest),
            "runs/20260304T050607Z-0a1b2c3d/manifest.json"
        );
    }
}
