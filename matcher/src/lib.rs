//! Links partner job postings to companies in the master (名寄せ), and loads the links.
//!
//! `normalize` and `engine` are pure: they know nothing of files, stores or databases.
//! The stages read, call the engine, and write.

pub mod cli;
pub mod company;
pub mod db;
pub mod engine;
pub mod eval;
pub mod html;
pub mod normalize;
pub mod review;
pub mod stage;

pub use company::{Company, CorporateNumber};
