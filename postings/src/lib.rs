//! What both binaries share: the posting CSV contract and the object store.

pub mod csv;
pub mod ids;
pub mod intake;
pub mod layout;
pub mod posting;
mod record;
pub mod results;
pub mod store;
pub mod telemetry;

pub use crate::csv::{Charset, ContractError, PostingReader, Rejection, RowOutcome};
pub use ids::{PartnerId, RunId, UploadId};
pub use posting::Posting;
pub use record::{UploadRecord, UploadState, UploadStatus};
