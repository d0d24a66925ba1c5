//! The api crate's integration tests, one binary so that it links once.

mod auth;
mod common;
mod hostile;
mod idempotency;
mod logging;
mod partner_admin;
mod presigned;
mod results;
mod results_support;
mod service;
mod uploads;
