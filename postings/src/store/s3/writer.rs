//! Streaming writes: one PutObject when the body is small, else a multipart upload of
//! fixed-size parts, aborted when the writer is dropped unfinished.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;

use super::super::{ObjectMeta, StoreError};
use super::errors::{is_condition_failed, s3_err};
use super::{PART_SIZE, put_object};

/// A streaming upload to S3; see [`crate::store::ObjectWriter`].
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
    pub(super) fn new(
        client: Client,
        bucket: String,
        full_key: String,
        key: &str,
        if_absent: bool,
    ) -> Self {
        Self {
            client,
            bucket,
            full_key,
            key: key.to_owned(),
            if_absent,
            buf: Vec::new(),
            upload_id: None,
            parts: Vec::new(),
            written: 0,
            failed: false,
        }
    }

    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    pub(crate) async fn write(&mut self, mut chunk: &[u8]) -> Result<(), StoreError> {
        if self.failed {
            return Err(StoreError::WriterFailed(self.key.clone()));
        }
        while !chunk.is_empty() {
            let n = (PART_SIZE - self.buf.len()).min(chunk.len());
            self.buf.extend_from_slice(&chunk[..n]);
            self.written += n as u64;
            chunk = &chunk[n..];
            if self.buf.len() == PART_SIZE
                && let Err(e) = self.send_part().await
            {
                self.failed = true;
                self.abort_upload().await;
                return Err(e);
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

    pub(crate) async fn finish(mut self) -> Result<ObjectMeta, StoreError> {
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

    pub(crate) async fn abort(mut self) -> Result<(), StoreError> {
        let Some(upload_id) = self.upload_id.take() else {
            return Ok(());
        };
        abort_multipart(&self.client, &self.bucket, &self.full_key, &upload_id)
            .await
            .map_err(|e| s3_err("AbortMultipartUpload", &self.key, e))
    }

    /// Best effort: the caller is already returning another error.
    async fn abort_upload(&mut self) {
        if let Some(upload_id) = self.upload_id.take()
            && let Err(e) =
                abort_multipart(&self.client, &self.bucket, &self.full_key, &upload_id).await
        {
            tracing::warn!(key = %self.key, error = %DisplayErrorContext(&e), "aborting a multipart upload failed");
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
