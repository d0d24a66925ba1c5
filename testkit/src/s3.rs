//! The S3 endpoint (moto) that `tests/with-services` starts, as the tests reach it.

use aws_sdk_s3::Client;

use crate::env;

/// A client for the test endpoint (`AWS_ENDPOINT_URL`). Path-style addressing, because moto
/// on loopback has no per-bucket host names.
pub async fn client() -> Client {
    env("AWS_ENDPOINT_URL");
    let sdk = aws_config::load_from_env().await;
    Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    )
}

/// Creates a bucket of the test's own, `<prefix>-<random>`, so that tests running at once
/// never see each other's objects; returns its name.
pub async fn fresh_bucket(prefix: &str) -> String {
    let bucket = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    client()
        .await
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("creating bucket {bucket}: {e:?}"));
    bucket
}
