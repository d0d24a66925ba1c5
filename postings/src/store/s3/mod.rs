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

mod errors;
mod presign;
mod writer;

use aws_config::BehaviorVersion;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use errors::{is_condition_failed, s3_err, status};
pub use writer::S3Writer;

use super::backend::Backend;
use super::{ObjectMeta, ObjectReader, StoreError, Versioned};

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

    fn full(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        }
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
        Ok(S3Writer::new(
            self.client.clone(),
            self.bucket.clone(),
            full,
            key,
            if_absent,
        ))
    }
}

impl Backend for S3Store {
    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    async fn put(&self, key: &str, body: Bytes, if_absent: bool) -> Result<(), StoreError> {
        put_object(&self.client, &self.bucket, &self.full(key), body, if_absent).await
    }

    async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        Ok(self.get_versioned(key).await?.body)
    }

    async fn get_versioned(&self, key: &str) -> Result<Versioned, StoreError> {
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

    async fn put_if_match(&self, key: &str, body: Bytes, etag: &str) -> Result<(), StoreError> {
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

    async fn copy_checked(&self, from: &str, to: &str, sha256_hex: &str) -> Result<(), StoreError> {
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

    async fn reader(&self, key: &str) -> Result<ObjectReader, StoreError> {
        let out = self.get_object(key).await?;
        Ok(Box::new(Box::pin(out.body.into_async_read())))
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
        head_object(&self.client, &self.bucket, &self.full(key))
            .await
            .map(|size| {
                size.map(|size| ObjectMeta {
                    key: key.to_owned(),
                    size,
                })
            })
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
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

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| s3_err("DeleteObject", key, e))
    }

    async fn unfinished_uploads(&self, prefix: &str) -> Result<usize, StoreError> {
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
