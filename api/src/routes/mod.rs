//! HTTP handlers, one file per resource.

pub mod body;
pub mod health;
pub mod oauth;
pub mod openapi;
pub mod postings;
pub mod results;
pub mod uploads;
