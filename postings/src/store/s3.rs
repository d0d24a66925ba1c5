//! The S3 backend. Settings come from the standard AWS environment (region, credentials,
//! `AWS_ENDPOINT_URL`); with an explicit endpoint (an S3-compatible server) addressing is
//! path-style, since such servers rarely have per-bucket DNS names.
//!
//! Every request carries its Content-Length: objects are sent as one PutObject when small,
//! else as a multipart upload of fixed-size parts buffered in memory. Request checksums are
//! only computed when an operation requires them, which keeps bodies plain (no aws-chunked
//! encoding) for S3-compatible servers.
//!
//! Conditional create is `If-None-Match: *` on PutObject and CompleteMultipartUpload, which
//! S3 decides atomically. (The test server, moto 5.2, honours it on both; see the tests.)

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;

use super::{ObjectMeta, ObjectReader, PresignedPut, PutBound, StoreError, Versioned};

/// Size of every multipart part but the last. S3's minimum is 5 MiB; 8 MiB keeps a 200 MB
/// upload at 25 parts while the writer holds one part in memory.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
    /// "" or a prefix without leading/trailing slashes.
    prefix: String,
}

fn s3_err<E>(op: &'static str, key: &str, e: SdkError<E, HttpResponse>) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    // The SDK's full context runs to kilobytes (request ids, the raw response): the message
    // says what went wrong in one line, the rest goes to the debug log.
    tracing::debug!(op, key, error = %DisplayErrorContext(&e), "S3 error in full");
    StoreError::S3 {
        op,
        key: key.to_owned(),
        message: one_line(&e),
    }
}

/// `NoSuchBucket (HTTP 404): The specified bucket does not exist`, or the transport's cause.
fn one_line<E>(e: &SdkError<E, HttpResponse>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    if let SdkError::ServiceError(se) = e {
        let code = se.err().code().unwrap_or("error");
        let message = se.err().message().unwrap_or_default();
        return format!("{code} (HTTP {}): {message}", se.raw().status().as_u16());
    }
    // The innermost cause names the real problem (connection refused, DNS, timeout).
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = if std::ptr::addr_eq(cause, e as &dyn std::error::Error) {
        e.to_string()
    } else {
        format!("{e}: {cause}")
    };
    let line = text.lines().next().unwrap_or_default();
    line.chars().take(300).collect()
}

fn status<E>(e: &SdkError<E, HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// A refused conditional write: 412 Precondition Failed, or 409 when a concurrent
/// conditional write to the same key is in flight (the other writer wins).
fn is_condition_failed<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    matches!(status(e), Some(412 | 409))
        || e.as_service_error()
            .and_then(|s| s.code())
            .is_some_and(|c| c == "PreconditionFailed" || c == "ConditionalRequestConflict")
}

impl S3Store {
    /// Client from the standard AWS environment.
    pub async fn from_env(bucket: &str, prefix: &str) -> Self {
        let conf = aws_config::defaults(BehaviorVersion::latest()).load().await;
        let mut builder = aws_sdk_s3::config::Builder::from(&conf)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired);
        let custom_endpoint = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
        if custom_endpoint {
            builder = builder.force_path_style(true);
        }
        Self::with_client(Client::from_conf(builder.build()), bucket, prefix)
    }

    pub fn with_client(client: Client, bucket: &str, prefix: &str) -> Self {
        Self {
            client,
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub(super) fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn full(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        }
    }

    pub(super) async fn put(
        &self,
        key: &str,
        body: Bytes,
        if_absent: bool,
    ) -> Result<(), StoreError> {
        put_object(&self.client, &self.bucket, &self.full(key), body, if_absent).await
    }

    pub(super) async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        let out = self.get_object(key).await?;
        let data = out.body.collect().await.map_err(|e| StoreError::S3 {
            op: "GetObject body",
            key: key.to_owned(),
            message: e.to_string(),
        })?;
        Ok(data.into_bytes())
    }

    pub(super) async fn get_versioned(&self, key: &str) -> Result<Versioned, StoreError> {
        let out = self.get_object(key).await?;
        let etag = out.e_tag().unwrap_or_default().to_owned();
        let data = out.body.collect().await.map_err(|e| StoreError::S3 {
            op: "GetObject body",
            key: key.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Versioned {
            body: data.into_bytes(),
            etag,
        })
    }

    pub(super) async fn put_if_match(
        &self,
        key: &str,
        body: Bytes,
        etag: &str,
    ) -> Result<(), StoreError> {
        let len = body.len() as i64;
        let result = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .content_length(len)
            .if_match(etag)
            .body(ByteStream::from(body))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // 404: the object is gone, which is also not the version read.
            Err(e) if is_condition_failed(&e) || status(&e) == Some(404) => {
                Err(StoreError::ConditionFailed(key.to_owned()))
            }
            Err(e) => Err(s3_err("PutObject", key, e)),
        }
    }

    pub(super) async fn copy_checked(
        &self,
        from: &str,
        to: &str,
        sha256_hex: &str,
    ) -> Result<(), StoreError> {
        let expected = hex::decode(sha256_hex)
            .map(|d| STANDARD.encode(d))
            .map_err(|_| StoreError::S3 {
                op: "CopyObject",
                key: to.to_owned(),
                message: format!("not a hex SHA-256: {sha256_hex:?}"),
            })?;
        let source = format!("{}/{}", self.bucket, self.full(from));
        let out = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(self.full(to))
            .copy_source(urlencode_path(&source))
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.code() == Some("NoSuchKey")) =>
            {
                return Err(StoreError::NotFound);
            }
            Err(e) => return Err(s3_err("CopyObject", to, e)),
        };
        let copied = out
            .copy_object_result()
            .and_then(|r| r.checksum_sha256())
            .map(str::to_owned);
        if copied.as_deref() == Some(expected.as_str()) {
            return Ok(());
        }
        self.delete(to).await?;
        Err(StoreError::Changed(from.to_owned()))
    }

    pub(super) async fn probe(&self, prefix: &str) -> Result<(), StoreError> {
        self.client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(self.full(prefix))
            .max_keys(1)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| s3_err("ListObjectsV2", prefix, e))
    }

    pub(super) async fn reader(&self, key: &str) -> Result<ObjectReader, StoreError> {
        let out = self.get_object(key).await?;
        Ok(Box::new(Box::pin(out.body.into_async_read())))
    }

    async fn get_object(
        &self,
        key: &str,
    ) -> Result<aws_sdk_s3::operation::get_object::GetObjectOutput, StoreError> {
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .send()
            .await
        {
            Ok(out) => Ok(out),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                Err(StoreError::NotFound)
            }
            Err(e) => Err(s3_err("GetObject", key, e)),
        }
    }

    pub(super) async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
        head_object(&self.client, &self.bucket, &self.full(key))
            .await
            .map(|size| {
                size.map(|size| ObjectMeta {
                    key: key.to_owned(),
                    size,
                })
            })
    }

    pub(super) async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(format!("{strip}{prefix}"))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| s3_err("ListObjectsV2", prefix, e))?;
            for obj in page.contents() {
                let Some(key) = obj.key().and_then(|k| k.strip_prefix(&strip)) else {
                    continue;
                };
                out.push(ObjectMeta {
                    key: key.to_owned(),
                    size: obj.size().unwrap_or(0).max(0) as u64,
                });
            }
        }
        Ok(out)
    }

    pub(super) async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| s3_err("DeleteObject", key, e))
    }

    pub(super) async fn writer(&self, key: &str, if_absent: bool) -> Result<S3Writer, StoreError> {
        let full = self.full(key);
        // Fails fast before a large body is sent; the atomic decision is still the
        // If-None-Match on the final request.
        if if_absent
            && head_object(&self.client, &self.bucket, &full)
                .await?
                .is_some()
        {
            return Err(StoreError::AlreadyExists);
        }
        Ok(S3Writer {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            full_key: full,
            key: key.to_owned(),
            if_absent,
            buf: Vec::new(),
            upload_id: None,
            parts: Vec::new(),
            written: 0,
            failed: false,
        })
    }

    pub(super) async fn unfinished_uploads(&self, prefix: &str) -> Result<usize, StoreError> {
        let full_prefix = if self.prefix.is_empty() {
            prefix.to_owned()
        } else {
            format!("{}/{prefix}", self.prefix)
        };
        let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
        let mut count = 0;
        loop {
            let page = self
                .client
                .list_multipart_uploads()
                .bucket(&self.bucket)
                .prefix(&full_prefix)
                .set_key_marker(key_marker.take())
                .set_upload_id_marker(id_marker.take())
                .send()
                .await
                .map_err(|e| s3_err("ListMultipartUploads", prefix, e))?;
            count += page.uploads().len();
            if !page.is_truncated().unwrap_or(false) {
                return Ok(count);
            }
            key_marker = page.next_key_marker().map(str::to_owned);
            id_marker = page.next_upload_id_marker().map(str::to_owned);
            if key_marker.is_none() && id_marker.is_none() {
                return Ok(count);
            }
        }
    }

    pub(super) async fn presign_put_bound(
        &self,
        key: &str,
        expires: Duration,
        bound: &PutBound,
    ) -> Result<PresignedPut, StoreError> {
        let err = |message: String| StoreError::S3 {
            op: "presign PutObject",
            key: key.to_owned(),
            message,
        };
        let config = PresigningConfig::expires_in(expires).map_err(|e| err(e.to_string()))?;
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(self.full(key));
        if let Some(n) = bound.content_length {
            req = req.content_length(i64::try_from(n).map_err(|e| err(e.to_string()))?);
        }
        if let Some(hex_digest) = &bound.sha256_hex {
            let digest = hex::decode(hex_digest).map_err(|e| err(e.to_string()))?;
            req = req.checksum_sha256(STANDARD.encode(digest));
        }
        if bound.if_none_match {
            req = req.if_none_match("*");
        }
        let presigned = req
            .presigned(config)
            .await
            .map_err(|e| s3_err("presign PutObject", key, e))?;
        Ok(PresignedPut {
            url: presigned.uri().to_string(),
            headers: presigned
                .headers()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        })
    }

    pub(super) async fn presign_put(
        &self,
        key: &str,
        expires: Duration,
    ) -> Result<String, StoreError> {
        let config = PresigningConfig::expires_in(expires).map_err(|e| StoreError::S3 {
            op: "presign PutObject",
            key: key.to_owned(),
            message: e.to_string(),
        })?;
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .presigned(config)
            .await
            .map_err(|e| s3_err("presign PutObject", key, e))?;
        Ok(req.uri().to_string())
    }
}

/// A copy source (`bucket/key`) with everything but unreserved characters and `/`
/// percent-encoded, as CopyObject expects.
fn urlencode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn put_object(
    client: &Client,
    bucket: &str,
    full_key: &str,
    body: Bytes,
    if_absent: bool,
) -> Result<(), StoreError> {
    let len = body.len() as i64;
    let mut req = client
        .put_object()
        .bucket(bucket)
        .key(full_key)
        .content_length(len)
        .body(ByteStream::from(body));
    if if_absent {
        req = req.if_none_match("*");
    }
    match req.send().await {
        Ok(_) => Ok(()),
        Err(e) if if_absent && is_condition_failed(&e) => Err(StoreError::AlreadyExists),
        Err(e) => Err(s3_err("PutObject", full_key, e)),
    }
}

async fn head_object(
    client: &Client,
    bucket: &str,
    full_key: &str,
) -> Result<Option<u64>, StoreError> {
    match client
        .head_object()
        .bucket(bucket)
        .key(full_key)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.content_length().unwrap_or(0).max(0) as u64)),
        Err(e)
            if e.as_service_error().is_some_and(|s| s.is_not_found())
                || status(&e) == Some(404) =>
        {
            Ok(None)
        }
        Err(e) => Err(s3_err("HeadObject", full_key, e)),
    }
}

/// A streaming upload to S3; see [`super::ObjectWriter`].
#[derive(Debug)]
pub struct S3Writer {
    client: Client,
    bucket: String,
    full_key: String,
    key: String,
    if_absent: bool,
    buf: Vec<u8>,
    upload_id: Option<String>,
    parts: Vec<CompletedPart>,
    written: u64,
    failed: bool,
}

impl S3Writer {
    pub(super) fn written(&self) -> u64 {
        self.written
    }

    pub(super) async fn write(&mut self, mut chunk: &[u8]) -> Result<(), StoreError> {
        if self.failed {
            return Err(StoreError::WriterFailed(self.key.clone()));
        }
        while !chunk.is_empty() {
            let n = (PART_SIZE - self.buf.len()).min(chunk.len());
            self.buf.extend_from_slice(&chunk[..n]);
            self.written += n as u64;
            chunk = &chunk[n..];
            if self.buf.len() == PART_SIZE {
                if let Err(e) = self.send_part().await {
                    self.failed = true;
                    self.abort_upload().await;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Sends the buffer as the next part, starting the multipart upload on the first one.
    async fn send_part(&mut self) -> Result<(), StoreError> {
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let out = self
                    .client
                    .create_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&self.full_key)
                    .send()
                    .await
                    .map_err(|e| s3_err("CreateMultipartUpload", &self.key, e))?;
                let id = out.upload_id().unwrap_or_default().to_owned();
                self.upload_id = Some(id.clone());
                id
            }
        };
        let part_number = self.parts.len() as i32 + 1;
        let body = Bytes::from(std::mem::take(&mut self.buf));
        let out = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.full_key)
            .upload_id(upload_id)
            .part_number(part_number)
            .content_length(body.len() as i64)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| s3_err("UploadPart", &self.key, e))?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(part_number)
                .set_e_tag(out.e_tag().map(str::to_owned))
                .build(),
        );
        self.buf = Vec::with_capacity(PART_SIZE);
        Ok(())
    }

    pub(super) async fn finish(mut self) -> Result<ObjectMeta, StoreError> {
        if self.failed {
            return Err(StoreError::WriterFailed(self.key.clone()));
        }
        let meta = ObjectMeta {
            key: self.key.clone(),
            size: self.written,
        };
        let Some(upload_id) = self.upload_id.clone() else {
            let body = Bytes::from(std::mem::take(&mut self.buf));
            put_object(
                &self.client,
                &self.bucket,
                &self.full_key,
                body,
                self.if_absent,
            )
            .await?;
            return Ok(meta);
        };
        let result = self.complete(upload_id).await;
        if result.is_err() {
            self.abort_upload().await;
        } else {
            self.upload_id = None;
        }
        result.map(|()| meta)
    }

    async fn complete(&mut self, upload_id: String) -> Result<(), StoreError> {
        if !self.buf.is_empty() {
            self.send_part().await?;
        }
        let parts = CompletedMultipartUpload::builder()
            .set_parts(Some(std::mem::take(&mut self.parts)))
            .build();
        let mut req = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.full_key)
            .upload_id(upload_id)
            .multipart_upload(parts);
        if self.if_absent {
            req = req.if_none_match("*");
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if self.if_absent && is_condition_failed(&e) => Err(StoreError::AlreadyExists),
            Err(e) => Err(s3_err("CompleteMultipartUpload", &self.key, e)),
        }
    }

    pub(super) async fn abort(mut self) -> Result<(), StoreError> {
        let Some(upload_id) = self.upload_id.take() else {
            return Ok(());
        };
        abort_multipart(&self.client, &self.bucket, &self.full_key, &upload_id)
            .await
            .map_err(|e| s3_err("AbortMultipartUpload", &self.key, e))
    }

    /// Best effort: the caller is already returning another error.
    async fn abort_upload(&mut self) {
        if let Some(upload_id) = self.upload_id.take() {
            if let Err(e) =
                abort_multipart(&self.client, &self.bucket, &self.full_key, &upload_id).await
            {
                tracing::warn!(key = %self.key, error = %DisplayErrorContext(&e), "aborting a multipart upload failed");
            }
        }
    }
}

async fn abort_multipart(
    client: &Client,
    bucket: &str,
    full_key: &str,
    upload_id: &str,
) -> Result<
    (),
    SdkError<
        aws_sdk_s3::operation::abort_multipart_upload::AbortMultipartUploadError,
        HttpResponse,
    >,
> {
    client
        .abort_multipart_upload()
        .bucket(bucket)
        .key(full_key)
        .upload_id(upload_id)
        .send()
        .await
        .map(|_| ())
}

impl Drop for S3Writer {
    fn drop(&mut self) {
        // A writer dropped mid-upload (e.g. its request was cancelled) must not leave a
        // multipart upload behind, which S3 would keep (and bill) indefinitely.
        if let Some(upload_id) = self.upload_id.take() {
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                let (client, bucket, key) = (
                    self.client.clone(),
                    self.bucket.clone(),
                    self.full_key.clone(),
                );
                handle.spawn(async move {
                    if let Err(e) = abort_multipart(&client, &bucket, &key, &upload_id).await {
                        tracing::warn!(%key, error = %DisplayErrorContext(&e), "aborting a dropped multipart upload failed");
                    }
                });
            } else {
                tracing::warn!(key = %self.full_key, %upload_id, "multipart upload dropped outside a runtime: left unfinished");
            }
        }
    }
}
