//! Ingest API.
