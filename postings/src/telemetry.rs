//! Logging set-up shared by both binaries: JSON lines when not on a terminal (Lambda, Batch,
//! CloudWatch), readable text on one.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

/// `LOG_FORMAT=json|text` overrides the terminal check; `RUST_LOG` sets the level (info).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match std::env::var("LOG_FORMAT").as_deref() {
        Ok("json") => true,
        Ok("text") => false,
        _ => !std::io::stderr().is_terminal(),
    };
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests calling main twice) is harmless, so its error is ignored.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}
