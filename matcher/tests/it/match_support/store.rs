//! A real object store per test: a fresh local directory, or a fresh bucket on the S3
//! endpoint the test services script started (AWS_ENDPOINT_URL).

use std::path::Path;
use std::process::{Command, Output};

use bytes::Bytes;
use postings::store::Store;
use postings::{PartnerId, UploadRecord};

use super::matcher;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Local,
    S3,
}

pub struct TestStore {
    pub url: String,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

impl TestStore {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Local => {
                let dir = tempfile::tempdir().unwrap();
                let url = dir.path().join("store").display().to_string();
                std::fs::create_dir_all(&url).unwrap();
                let store = Store::from_url(&url).await.unwrap();
                Self {
                    url,
                    store,
                    _dir: Some(dir),
                }
            }
            Backend::S3 => {
                let endpoint = std::env::var("AWS_ENDPOINT_URL").expect(
                    "AWS_ENDPOINT_URL is not set: run these tests with `bash tests/with-services cargo test -p matcher --test it match_`",
                );
                let bucket = format!("match-test-{}", uuid::Uuid::new_v4().simple());
                let config = aws_config::from_env().endpoint_url(&endpoint).load().await;
                let s3 = aws_sdk_s3::Client::from_conf(
                    aws_sdk_s3::config::Builder::from(&config)
                        .force_path_style(true)
                        .build(),
                );
                s3.create_bucket()
                    .bucket(&bucket)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("creating bucket {bucket} at {endpoint}: {e:?}"));
                let url = format!("s3://{bucket}/prefix");
                let store = Store::from_url(&url).await.unwrap();
                Self {
                    url,
                    store,
                    _dir: None,
                }
            }
        }
    }

    /// Registers an upload exactly as the API does.
    pub async fn register(&self, partner: &str, body: Vec<u8>) -> UploadRecord {
        let partner = PartnerId::parse(partner).unwrap();
        let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from(body))]);
        postings::intake::ingest(
            &self.store,
            &partner,
            None,
            stream,
            postings::intake::IntakeLimits {
                max_bytes: 64 << 20,
            },
        )
        .await
        .expect("upload registered")
    }

    pub fn matcher(&self, companies: &Path) -> Command {
        let mut cmd = matcher();
        cmd.arg("match")
            .arg("--companies")
            .arg(companies)
            .env("STORE_URL", &self.url);
        cmd
    }

    pub async fn get(&self, key: &str) -> Vec<u8> {
        self.store
            .get(key)
            .await
            .unwrap_or_else(|e| panic!("{key}: {e}"))
            .to_vec()
    }

    pub async fn exists(&self, key: &str) -> bool {
        self.store.head(key).await.unwrap().is_some()
    }

    pub async fn keys(&self, prefix: &str) -> Vec<String> {
        self.store
            .list(prefix)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.key)
            .collect()
    }
}

pub fn run_id(out: &Output) -> String {
    let s = super::summary(out);
    assert_eq!(s["outcome"], "completed", "{s}");
    s["run_id"].as_str().unwrap().to_owned()
}
