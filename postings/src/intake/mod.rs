//! The one place a byte stream becomes a registered upload (API direct uploads, the API's
//! presigned "complete" step, the matcher's seeding of sample uploads).
//!
//! The body goes to the store as it arrives while the contract reader checks the same bytes on
//! a blocking thread. Only if the whole file passes (header, charset, size) is the object
//! finished and its [`UploadRecord`] written after it; on any failure the upload is aborted,
//! so a refused file leaves nothing behind.

mod pipe;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use pipe::CHANNEL_CHUNKS;
pub use pipe::Validated;

use crate::csv::{Charset, ContractError};
use crate::ids::{PartnerId, UploadId};
use crate::layout;
use crate::record::UploadRecord;
use crate::store::{ObjectWriter, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntakeLimits {
    /// Largest accepted body, in bytes.
    pub max_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The file breaks the contract as a whole (bad header, unknown charset, empty).
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error("the upload is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// Reading the request body failed (typically the client went away).
    #[error("reading the upload failed: {0}")]
    Body(std::io::Error),
    /// The file is not the one the client said it would upload.
    #[error("the uploaded file's SHA-256 is {actual}, not the declared {declared}")]
    ChecksumMismatch { declared: String, actual: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("intake failed: {0}")]
    Internal(String),
}

/// A request body as intake reads it: chunks of bytes, or the error that cut it short.
pub trait Body: Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin + 'static {}
impl<S: Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin + 'static> Body for S {}

/// Streams `body` into the store as a new upload of `partner` and registers it. A file
/// without data rows is registered as it is (the matcher's guard holds it); partners go
/// through [`ingest_from_partner`], which refuses one unless it is declared empty.
pub async fn ingest(
    store: &Store,
    partner: &PartnerId,
    declared_charset: Option<&str>,
    body: impl Body,
    limits: IntakeLimits,
) -> Result<UploadRecord, IntakeError> {
    register(store, partner, declared_charset, body, limits, None).await
}

/// [`ingest`] for a partner's upload: a header-only file is refused
/// ([`ContractError::NoDataRows`], nothing stored) unless the partner declares it empty on
/// purpose (`declared_empty`), which the record then says.
pub async fn ingest_from_partner(
    store: &Store,
    partner: &PartnerId,
    declared_charset: Option<&str>,
    body: impl Body,
    limits: IntakeLimits,
    declared_empty: bool,
) -> Result<UploadRecord, IntakeError> {
    register(
        store,
        partner,
        declared_charset,
        body,
        limits,
        Some(declared_empty),
    )
    .await
}

/// `empty`: `None` registers any file; `Some(declared)` refuses a header-only file unless
/// `declared`.
async fn register(
    store: &Store,
    partner: &PartnerId,
    declared_charset: Option<&str>,
    body: impl Body,
    limits: IntakeLimits,
    empty: Option<bool>,
) -> Result<UploadRecord, IntakeError> {
    check_declared(declared_charset)?;
    let upload_id = UploadId::new();
    let received_at = Utc::now();
    let key = layout::upload_key(partner, &received_at.date_naive(), &upload_id);
    let writer = store.writer(&key, true).await?;
    let require_rows = empty == Some(false);
    let scanned = scan(body, Some(writer), declared_charset, limits, require_rows).await?;
    let declared_empty = empty == Some(true) && scanned.validated.rows == 0;
    let record = scanned.record(upload_id, partner, &key, received_at, declared_empty);
    if let Err(e) = put_record(store, &record).await {
        // Without its record the object is invisible to the matcher: remove it.
        store.delete(&key).await.ok();
        return Err(e);
    }
    tracing::info!(upload_id = %upload_id, partner = %partner, key = %key, bytes = record.bytes,
        rows = record.rows, rejected_rows = record.rejected_rows, encoding = %record.encoding,
        "upload registered");
    Ok(record)
}

/// Validates an object a client uploaded directly (presigned PUT) and registers it; a file
/// that fails is deleted. Registering the same object twice returns the existing record.
pub async fn verify_existing(
    store: &Store,
    partner: &PartnerId,
    key: &str,
    upload_id: UploadId,
    declared_charset: Option<&str>,
    limits: IntakeLimits,
) -> Result<UploadRecord, IntakeError> {
    if let Some(record) = existing_record(store, key, upload_id).await? {
        return Ok(record);
    }
    check_declared(declared_charset)?;
    let scanned = match scan_stored(store, key, declared_charset, limits, false).await {
        Ok(s) => s,
        Err(e) => {
            // Only a verdict on the file itself removes it; a failure to read it does not.
            if matches!(e, IntakeError::Contract(_) | IntakeError::TooLarge { .. }) {
                store.delete(key).await?;
            }
            return Err(e);
        }
    };
    let record = scanned.record(upload_id, partner, key, Utc::now(), false);
    put_record(store, &record).await?;
    Ok(record)
}

/// A staged upload to register: where it was PUT, where it goes, and what the client declared.
#[derive(Debug, Clone, Copy)]
pub struct Staged<'a> {
    pub staging_key: &'a str,
    pub key: &'a str,
    pub upload_id: UploadId,
    pub declared_charset: Option<&'a str>,
    /// Hex SHA-256 the file must have.
    pub declared_sha256: Option<&'a str>,
}

/// Registers an object a client uploaded to a staging key (presigned PUT): validates it,
/// copies it inside the store to `key` bound to the verified SHA-256, writes the record, and
/// removes the staged object. The registered object is thus one nobody holds a URL for: a
/// later PUT to the staging URL lands beside it, never on it. A file that fails validation is
/// deleted; registering the same upload twice returns the existing record.
pub async fn register_staged(
    store: &Store,
    partner: &PartnerId,
    staged: &Staged<'_>,
    limits: IntakeLimits,
) -> Result<UploadRecord, IntakeError> {
    let Staged {
        staging_key,
        key,
        upload_id,
        declared_charset,
        declared_sha256,
    } = *staged;
    if let Some(record) = existing_record(store, key, upload_id).await? {
        return Ok(record);
    }
    check_declared(declared_charset)?;
    // A presigned upload has no way to declare itself empty: a header-only file is refused
    // here (the direct upload's `?empty=true` is the way to say so).
    let result = scan_stored(store, staging_key, declared_charset, limits, true)
        .await
        .and_then(|scanned| match declared_sha256 {
            Some(declared) if !declared.eq_ignore_ascii_case(&scanned.sha256) => {
                Err(IntakeError::ChecksumMismatch {
                    declared: declared.to_owned(),
                    actual: scanned.sha256,
                })
            }
            _ => Ok(scanned),
        });
    let scanned = match result {
        Ok(s) => s,
        Err(e) => {
            if matches!(
                e,
                IntakeError::Contract(_)
                    | IntakeError::TooLarge { .. }
                    | IntakeError::ChecksumMismatch { .. }
            ) {
                store.delete(staging_key).await?;
            }
            return Err(e);
        }
    };
    store
        .copy_checked(staging_key, key, &scanned.sha256)
        .await?;
    let record = scanned.record(upload_id, partner, key, Utc::now(), false);
    match put_record(store, &record).await {
        Ok(()) => {}
        // A concurrent `complete` of the same upload registered it first.
        Err(IntakeError::Store(StoreError::AlreadyExists)) => {
            if let Some(record) = existing_record(store, key, upload_id).await? {
                return Ok(record);
            }
            return Err(IntakeError::Store(StoreError::AlreadyExists));
        }
        Err(e) => return Err(e),
    }
    if let Err(e) = store.delete(staging_key).await {
        // Registered all the same; the staged copy is only clutter (and no longer read).
        tracing::warn!(error = %e, key = staging_key, "could not remove a staged upload");
    }
    Ok(record)
}

async fn existing_record(
    store: &Store,
    key: &str,
    upload_id: UploadId,
) -> Result<Option<UploadRecord>, IntakeError> {
    match store.get(&layout::record_key_for(key)).await {
        Ok(bytes) => Ok(serde_json::from_slice::<UploadRecord>(&bytes)
            .ok()
            .filter(|r| r.upload_id == upload_id && r.key == key)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether `declared` is a charset label intake accepts (or none was declared).
pub fn charset_is_known(declared: Option<&str>) -> bool {
    check_declared(declared).is_ok()
}

fn check_declared(declared: Option<&str>) -> Result<(), ContractError> {
    match declared.map(str::trim).filter(|d| !d.is_empty()) {
        Some(label) if Charset::from_label(label).is_none() => {
            Err(ContractError::UnknownCharset(label.to_owned()))
        }
        _ => Ok(()),
    }
}

async fn put_record(store: &Store, record: &UploadRecord) -> Result<(), IntakeError> {
    let json =
        serde_json::to_vec_pretty(record).map_err(|e| IntakeError::Internal(e.to_string()))?;
    store
        .put_new(&layout::record_key_for(&record.key), Bytes::from(json))
        .await?;
    Ok(())
}

struct Scanned {
    bytes: u64,
    sha256: String,
    validated: Validated,
}

impl Scanned {
    fn record(
        self,
        upload_id: UploadId,
        partner: &PartnerId,
        key: &str,
        received_at: DateTime<Utc>,
        declared_empty: bool,
    ) -> UploadRecord {
        UploadRecord {
            upload_id,
            partner: partner.clone(),
            key: key.to_owned(),
            bytes: self.bytes,
            rows: self.validated.rows,
            rejected_rows: self.validated.rejected_rows,
            sha256: self.sha256,
            encoding: self.validated.charset.label().to_owned(),
            received_at,
            declared_empty,
        }
    }
}

/// Scans an object already in the store, refusing it unread when it is over the limit.
async fn scan_stored(
    store: &Store,
    key: &str,
    declared_charset: Option<&str>,
    limits: IntakeLimits,
    require_rows: bool,
) -> Result<Scanned, IntakeError> {
    let meta = store.head(key).await?.ok_or(StoreError::NotFound)?;
    if meta.size > limits.max_bytes {
        return Err(IntakeError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let body = tokio_util::io::ReaderStream::new(store.reader(key).await?);
    scan(body, None, declared_charset, limits, require_rows).await
}

/// Reads the whole body once: into the writer (if any), through the validator, the hash and
/// the byte count. On success the writer is finished; on failure it is aborted.
async fn scan(
    mut body: impl Body,
    mut writer: Option<ObjectWriter>,
    declared_charset: Option<&str>,
    limits: IntakeLimits,
    require_rows: bool,
) -> Result<Scanned, IntakeError> {
    let (tx, rx) = mpsc::channel::<Bytes>(CHANNEL_CHUNKS);
    let declared = declared_charset.map(str::to_owned);
    let input = pipe::channel_reader(rx);
    let validator = tokio::task::spawn_blocking(move || pipe::validate(input, declared.as_deref()));
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;

    let streamed: Result<(), IntakeError> = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(IntakeError::Body)?;
            bytes += chunk.len() as u64;
            if bytes > limits.max_bytes {
                return Err(IntakeError::TooLarge {
                    limit: limits.max_bytes,
                });
            }
            hasher.update(&chunk);
            if let Some(w) = writer.as_mut() {
                w.write(&chunk).await?;
            }
            if tx.send(chunk).await.is_err() {
                // The validator stopped early: its verdict says why.
                break;
            }
        }
        Ok(())
    }
    .await;
    drop(tx);

    let verdict = match streamed {
        Err(e) => {
            validator.abort();
            Err(e)
        }
        Ok(()) => match validator.await {
            Ok(Ok(v)) if require_rows && v.rows == 0 => {
                Err(IntakeError::Contract(ContractError::NoDataRows))
            }
            Ok(Ok(v)) => Ok(v),
            Ok(Err(contract)) => Err(IntakeError::Contract(contract)),
            Err(join) => Err(IntakeError::Internal(format!("validator failed: {join}"))),
        },
    };
    match verdict {
        Ok(validated) => {
            if let Some(w) = writer {
                w.finish().await?;
            }
            Ok(Scanned {
                bytes,
                sha256: hex::encode(hasher.finalize()),
                validated,
            })
        }
        Err(e) => {
            if let Some(w) = writer
                && let Err(abort) = w.abort().await
            {
                tracing::warn!(error = %abort, "aborting a refused upload failed");
            }
            Err(e)
        }
    }
}
