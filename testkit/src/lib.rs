//! Helpers the integration tests of every crate share, so that each crate's tests say what
//! they check rather than how to reach a service. Everything here talks to the real services
//! `tests/with-services` starts (PostgreSQL, the moto S3 + Secrets Manager endpoint) or to
//! real child processes: nothing is mocked.
//!
//! Helpers used by one crate's tests only stay in that crate's support module.

pub mod http;
pub mod pg;
pub mod poll;
pub mod process;
pub mod s3;
pub mod upload;

/// A setting `tests/with-services` exports. Tests that need a real service fail with this
/// message rather than skip, so that a run without the services never passes silently.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need the services tests/with-services starts; \
             run them with `bash tests/with-services cargo test -p <crate>`"
        )
    })
}
