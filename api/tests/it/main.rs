//! The api crate's integration tests, one binary so that it links once.

mod auth;
mod common;
mod hostile;
mod logging;
mod presigned;
mod service;
mod uploads;
