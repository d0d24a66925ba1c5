//! The api crate's integration tests, one binary so that it links once.

mod auth;
mod common;
mod hostile;
mod logging;
mod presigned;
mod results;
mod results_support;
mod service;
mod uploads;
