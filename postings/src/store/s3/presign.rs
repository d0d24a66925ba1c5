//! Presigned PutObject URLs: the API hands them out so that large files go to S3 directly,
//! bound (when asked) to the length, SHA-256 and "not there yet" the partner declared.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::S3Store;
use super::errors::s3_err;
use crate::store::{PresignedPut, PutBound, StoreError};

impl S3Store {
    pub(in crate::store) async fn presign_put_bound(
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

    pub(in crate::store) async fn presign_put(
        &self,
        key: &str,
        expires: Duration,
    ) -> Result<String, StoreError> {
        let unbound = PutBound::default();
        Ok(self.presign_put_bound(key, expires, &unbound).await?.url)
    }
}
