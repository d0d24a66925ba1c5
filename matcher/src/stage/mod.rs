//! The match stage's shell around the engine: inputs in (a CSV file, or the store's uploads),
//! the run's CSVs and manifest out (a directory, or `runs/<run_id>/` in the store).

pub mod companies;
pub mod destination;
pub mod guard;
mod hints;
pub mod inputs;
mod job;
pub mod lease;
pub mod load;
mod load_model;
mod load_outcome;
pub mod manifest;
pub mod matching;
pub mod outputs;
pub mod plan;
pub mod report;
pub mod results;
pub mod resume;
mod run_files;
pub mod shard;
pub mod states;
pub mod uploads;

pub use job::{Resumption, RunSummary};
pub use matching::{MatchMode, MatchOptions, MatchOutcome, run_match};

/// Timestamps in manifests and markers: RFC 3339, UTC, whole seconds.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
