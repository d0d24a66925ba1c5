//! The sidecar written next to every accepted upload.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{PartnerId, UploadId};

/// What intake learned about an upload: stored as JSON at
/// [`crate::layout::upload_record_key`], written after the upload itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    pub upload_id: UploadId,
    pub partner: PartnerId,
    /// Object key of the raw upload.
    pub key: String,
    pub bytes: u64,
    /// Data rows, valid and rejected (header and blank lines excluded).
    pub rows: u64,
    pub rejected_rows: u64,
    /// Lower-case hex SHA-256 of the bytes as sent.
    pub sha256: String,
    /// The charset the file was read with: "utf-8" or "shift_jis".
    pub encoding: String,
    /// RFC 3339 in JSON.
    pub received_at: DateTime<Utc>,
}
