//! The postings crate's integration tests, one binary so that it links once.

mod csv_arbitrary_bytes;
mod csv_contract;
mod intake;
mod store_backends;
mod store_contract;
mod support;
