//! The records written next to every accepted upload: what intake learned about it
//! ([`UploadRecord`]) and where it stands now ([`UploadStatus`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{PartnerId, RunId, UploadId};

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
    /// The partner said explicitly that it has no open postings (`?empty=true`): a snapshot
    /// with no rows is then applied, not held.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub declared_empty: bool,
}

/// Where one upload stands, stored as JSON at [`crate::layout::upload_state_key`] and
/// rewritten by every stage that moves it on. An upload without one is `received`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStatus {
    pub upload_id: UploadId,
    pub partner: PartnerId,
    #[serde(flatten)]
    pub state: UploadState,
    pub updated_at: DateTime<Utc>,
}

/// received → claimed → matched → loaded | quarantined | held | superseded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UploadState {
    /// Registered, taken by no run yet (or handed back by `matcher retry`).
    Received {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Taken by a run that has not finished matching it.
    Claimed { run_id: RunId },
    /// Matched by the run; waiting for its load.
    Matched { run_id: RunId },
    /// The partner's snapshot from this upload is in the database.
    Loaded { run_id: RunId },
    /// The upload's object was missing, altered, unreadable or invalid when the run read it:
    /// nothing of it was matched or loaded.
    Quarantined { run_id: RunId, reason: String },
    /// Matched, but the snapshot looks wrong (it would close too much, or has no valid rows):
    /// not applied until approved or superseded.
    Held { run_id: RunId, reason: String },
    /// A newer snapshot of the same partner was loaded: this one never will be.
    Superseded {
        by_run: RunId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_upload: Option<UploadId>,
    },
}

impl UploadState {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Received { .. } => "received",
            Self::Claimed { .. } => "claimed",
            Self::Matched { .. } => "matched",
            Self::Loaded { .. } => "loaded",
            Self::Quarantined { .. } => "quarantined",
            Self::Held { .. } => "held",
            Self::Superseded { .. } => "superseded",
        }
    }

    /// The run the state names, if any.
    pub fn run_id(&self) -> Option<&RunId> {
        match self {
            Self::Claimed { run_id }
            | Self::Matched { run_id }
            | Self::Loaded { run_id }
            | Self::Quarantined { run_id, .. }
            | Self::Held { run_id, .. } => Some(run_id),
            Self::Received { .. } | Self::Superseded { .. } => None,
        }
    }

    /// The reason recorded with the state, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Quarantined { reason, .. } | Self::Held { reason, .. } => Some(reason),
            Self::Received { note } => note.as_deref(),
            _ => None,
        }
    }

    /// Loaded and superseded uploads need nothing more.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Loaded { .. } | Self::Superseded { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_stored_as_its_name_with_its_run_and_reason() {
        let status = UploadStatus {
            upload_id: UploadId::parse("0190f1e2-3c4d-7e5f-8a6b-7c8d9e0f1a2b").unwrap(),
            partner: PartnerId::parse("acme").unwrap(),
            state: UploadState::Held {
                run_id: RunId::parse("20260304T050607Z-0a1b2c3d").unwrap(),
                reason: "no valid rows".into(),
            },
            updated_at: "2026-03-04T05:06:07Z".parse().unwrap(),
        };
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(json["state"], "held");
        assert_eq!(json["run_id"], "20260304T050607Z-0a1b2c3d");
        assert_eq!(json["reason"], "no valid rows");
        let back: UploadStatus = serde_json::from_value(json).unwrap();
        assert_eq!(back, status);
    }
}
