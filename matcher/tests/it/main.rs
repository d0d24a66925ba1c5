//! The matcher crate's integration tests, one binary so that it links once.

#[macro_use]
mod db_support;
mod db_import;
mod load_cli;
mod load_ordering;
mod load_snapshots;
mod match_determinism;
mod match_offline;
mod match_resume;
mod match_scheduled;
mod match_shards;
mod match_support;
mod registry_import;
mod registry_support;
mod review;
mod review_browser;
mod review_support;
mod run_embedded;
mod run_report;
