//! The posting CSV contract: which bytes a partner may send and what becomes of each row.
//! See postings/README.md for the header names accepted.

pub mod charset;
mod framing;
pub mod header;
mod reader;
mod salary;

pub use charset::Charset;
pub use header::Column;
pub use reader::{PostingReader, Rejection, RowOutcome};

/// Why a whole file is refused (as opposed to one row, which is a [`Rejection`]).
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("unknown charset {0:?}: send utf-8 or shift_jis")]
    UnknownCharset(String),
    #[error("the file is empty: a header row is required")]
    Empty,
    #[error("missing required column{}: {}", if .0.len() > 1 { "s" } else { "" }, .0.join(", "))]
    MissingColumns(Vec<&'static str>),
    #[error("column given twice: {0}")]
    DuplicateColumn(String),
    #[error(
        "no data rows: the file holds a header and no postings; a partner with no open \
         postings says so with ?empty=true"
    )]
    NoDataRows,
    #[error("line {line}: {reason}")]
    Framing { line: u64, reason: String },
    #[error("reading the file failed: {0}")]
    Io(#[from] std::io::Error),
}
