//! Where uploads and run outputs live: S3 in production, a local directory for the embedded
//! default. One enum rather than a trait object, so callers get plain async methods and the
//! backends stay private details (the shape of crates.io's `storage.rs`).

mod backend;
mod key;
mod local;
mod s3;

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::AsyncRead;

use backend::Backend;
pub use key::validate_key;
pub use local::{LocalStore, LocalWriter};
pub use s3::{PART_SIZE, S3Store, S3Writer};

/// What went wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("object not found")]
    NotFound,
    #[error("object already exists")]
    AlreadyExists,
    #[error("invalid object key {0:?}")]
    InvalidKey(String),
    #[error("invalid store url {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("S3 {op} {key:?} failed: {message}")]
    S3 {
        op: &'static str,
        key: String,
        message: String,
    },
    #[error("local store {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the writer for {0:?} already failed; it can only be aborted")]
    WriterFailed(String),
    /// A checked copy found other bytes than those verified: the source changed meanwhile.
    #[error("{0:?} changed while it was being copied")]
    Changed(String),
    /// A conditional write lost: the object is not the version it was read as.
    #[error("{0:?} was changed by someone else")]
    ConditionFailed(String),
}

impl StoreError {
    /// Whether the store itself failed (unreachable, refused, I/O), as opposed to an answer
    /// about the object (missing, exists, changed) or a bad request of ours.
    pub fn is_outage(&self) -> bool {
        matches!(self, StoreError::S3 { .. } | StoreError::Io { .. })
    }
}

/// What a presigned PUT is bound to (see [`Store::presign_put_bound`]).
#[derive(Debug, Clone, Default)]
pub struct PutBound {
    pub content_length: Option<u64>,
    pub sha256_hex: Option<String>,
    pub if_none_match: bool,
}

/// A presigned PUT: its URL and the headers the client must send with it.
#[derive(Debug, Clone)]
pub struct PresignedPut {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// An object's bytes and the version tag a conditional write can name ([`Store::put_if_match`]).
#[derive(Debug, Clone)]
pub struct Versioned {
    pub body: Bytes,
    pub etag: String,
}

/// An object's key (relative to the store's root/prefix) and size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
}

pub type ObjectReader = Box<dyn AsyncRead + Send + Unpin>;

#[derive(Debug, Clone)]
pub enum Store {
    S3(S3Store),
    Local(LocalStore),
}

impl Store {
    /// `s3://bucket[/prefix]` (settings from the standard AWS environment, path-style
    /// addressing when `AWS_ENDPOINT_URL` is set), `file:///abs/dir`, or a plain directory path.
    pub async fn from_url(url: &str) -> Result<Store, StoreError> {
        let invalid = |reason: &str| StoreError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(invalid("no bucket name"));
            }
            Ok(Store::s3(bucket, prefix).await)
        } else if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(invalid("file:// URLs need an absolute path"));
            }
            Ok(Store::local(path))
        } else if url.contains("://") {
            Err(invalid("expected s3://, file:// or a directory path"))
        } else if url.is_empty() {
            Err(invalid("empty"))
        } else {
            Ok(Store::local(url))
        }
    }

    pub async fn s3(bucket: &str, prefix: &str) -> Store {
        Store::S3(S3Store::from_env(bucket, prefix).await)
    }

    pub fn local(dir: impl Into<PathBuf>) -> Store {
        Store::Local(LocalStore::new(dir.into()))
    }

    /// Writes `body` at `key`, replacing what was there.
    pub async fn put(&self, key: &str, body: Bytes) -> Result<(), StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.put(key, body, false).await,
            Store::Local(l) => l.put(key, body, false).await,
        }
    }

    /// Writes `body` at `key` only if nothing is there: `Err(AlreadyExists)` otherwise. Atomic:
    /// of two concurrent callers exactly one succeeds.
    pub async fn put_new(&self, key: &str, body: Bytes) -> Result<(), StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.put(key, body, true).await,
            Store::Local(l) => l.put(key, body, true).await,
        }
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.get(key).await,
            Store::Local(l) => l.get(key).await,
        }
    }

    /// The object and its version tag (the S3 ETag; a content hash on the local store).
    pub async fn get_versioned(&self, key: &str) -> Result<Versioned, StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.get_versioned(key).await,
            Store::Local(l) => l.get_versioned(key).await,
        }
    }

    /// Replaces `key` only if it is still the version `etag` (from [`Store::get_versioned`]):
    /// `Err(ConditionFailed)` otherwise. Of two writers that read the same version, exactly
    /// one succeeds.
    pub async fn put_if_match(&self, key: &str, body: Bytes, etag: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.put_if_match(key, body, etag).await,
            Store::Local(l) => l.put_if_match(key, body, etag).await,
        }
    }

    /// Copies `from` to the new key `to` inside the store (no bytes through this process on
    /// S3), checking that the copy's SHA-256 is `sha256_hex`. If it is not (the source
    /// changed after it was verified), `to` is removed and the answer is `Err(Changed)`.
    pub async fn copy_checked(
        &self,
        from: &str,
        to: &str,
        sha256_hex: &str,
    ) -> Result<(), StoreError> {
        validate_key(from)?;
        validate_key(to)?;
        match self {
            Store::S3(s) => s.copy_checked(from, to, sha256_hex).await,
            Store::Local(l) => l.copy_checked(from, to, sha256_hex).await,
        }
    }

    /// Whether the store answers for `prefix`: one listing of at most one key. A missing
    /// bucket or directory is an error.
    pub async fn probe(&self, prefix: &str) -> Result<(), StoreError> {
        match self {
            Store::S3(s) => s.probe(prefix).await,
            Store::Local(l) => l.probe().await,
        }
    }

    /// Streams an object instead of loading it whole.
    pub async fn reader(&self, key: &str) -> Result<ObjectReader, StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.reader(key).await,
            Store::Local(l) => l.reader(key).await,
        }
    }

    pub async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.head(key).await,
            Store::Local(l) => l.head(key).await,
        }
    }

    /// Every object whose key starts with `prefix` (plain string prefix, "" for all), sorted
    /// by key.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let mut all = match self {
            Store::S3(s) => s.list(prefix).await?,
            Store::Local(l) => l.list(prefix).await?,
        };
        all.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(all)
    }

    /// Removes an object; removing a missing object is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.delete(key).await,
            Store::Local(l) => l.delete(key).await,
        }
    }

    /// A streaming upload. Nothing is visible at `key` until [`ObjectWriter::finish`]; with
    /// `if_absent`, finishing fails with `AlreadyExists` if something is there by then.
    pub async fn writer(&self, key: &str, if_absent: bool) -> Result<ObjectWriter, StoreError> {
        validate_key(key)?;
        Ok(match self {
            Store::S3(s) => ObjectWriter::S3(s.writer(key, if_absent).await?),
            Store::Local(l) => ObjectWriter::Local(l.writer(key, if_absent).await?),
        })
    }

    /// Uploads under `prefix` that were started but neither finished nor aborted (S3 multipart
    /// uploads; local temp files). Zero after every abort: tests check it.
    pub async fn unfinished_uploads(&self, prefix: &str) -> Result<usize, StoreError> {
        match self {
            Store::S3(s) => s.unfinished_uploads(prefix).await,
            Store::Local(l) => l.unfinished_uploads(prefix).await,
        }
    }

    /// A URL a client can PUT the object to directly; `None` for the local backend.
    pub async fn presign_put(
        &self,
        key: &str,
        expires: Duration,
    ) -> Result<Option<String>, StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.presign_put(key, expires).await.map(Some),
            Store::Local(_) => Ok(None),
        }
    }

    /// [`Store::presign_put`] with what the client declared bound into the signature: the
    /// PUT must then carry exactly the returned headers (its length, its SHA-256 checksum,
    /// `If-None-Match: *`), so S3 refuses any other body or an overwrite.
    pub async fn presign_put_bound(
        &self,
        key: &str,
        expires: Duration,
        bound: &PutBound,
    ) -> Result<Option<PresignedPut>, StoreError> {
        validate_key(key)?;
        match self {
            Store::S3(s) => s.presign_put_bound(key, expires, bound).await.map(Some),
            Store::Local(_) => Ok(None),
        }
    }

    /// Which backend, for logs: `s3://bucket/prefix` or the directory.
    pub fn describe(&self) -> String {
        match self {
            Store::S3(s) => s.describe(),
            Store::Local(l) => l.describe(),
        }
    }
}

/// A streaming upload in progress. Dropping it without `finish` or `abort` cleans up in the
/// background (best effort); call `abort` to be sure.
#[derive(Debug)]
pub enum ObjectWriter {
    S3(S3Writer),
    Local(LocalWriter),
}

impl ObjectWriter {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        match self {
            ObjectWriter::S3(w) => w.write(chunk).await,
            ObjectWriter::Local(w) => w.write(chunk).await,
        }
    }

    /// Makes the object visible at its key.
    pub async fn finish(self) -> Result<ObjectMeta, StoreError> {
        match self {
            ObjectWriter::S3(w) => w.finish().await,
            ObjectWriter::Local(w) => w.finish().await,
        }
    }

    /// Discards everything written: no object, no unfinished upload.
    pub async fn abort(self) -> Result<(), StoreError> {
        match self {
            ObjectWriter::S3(w) => w.abort().await,
            ObjectWriter::Local(w) => w.abort().await,
        }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        match self {
            ObjectWriter::S3(w) => w.written(),
            ObjectWriter::Local(w) => w.written(),
        }
    }
}
