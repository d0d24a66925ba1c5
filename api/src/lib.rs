//! Ingest API: the authenticated HTTP service through which partners upload their weekly
//! job-posting CSVs into the object store, plus its admin commands.

pub mod admin;
pub mod auth;
pub mod config;
pub mod error;
pub mod idempotency;
pub mod limits;
pub mod partners;
pub mod ratelimit;
pub mod routes;
pub mod server;
pub mod startup;
pub mod state;
pub mod uploads;
