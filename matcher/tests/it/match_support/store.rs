//! A real object store per test: a fresh local directory, or a fresh bucket on the S3
//! endpoint the test services script started (AWS_ENDPOINT_URL).

use std::path::Path;
use std::process::{Command, Output};

use postings::UploadRecord;
use postings::store::Store;

use super::{Sample, matcher, write_small_sample};

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
                let bucket = testkit::s3::fresh_bucket("match-test").await;
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

    /// A local store holding the small sample as `acme`'s one upload, where most scheduled-run
    /// tests start; the sample's files sit beside the store, in its temporary directory.
    pub async fn local_with_small_sample() -> (Self, Sample, UploadRecord) {
        let store = Self::new(Backend::Local).await;
        let dir = store._dir.as_ref().expect("a local store has a directory");
        let sample = write_small_sample(dir.path());
        let record = store
            .register("acme", std::fs::read(&sample.postings).unwrap())
            .await;
        (store, sample, record)
    }

    /// Registers an upload exactly as the API does.
    pub async fn register(&self, partner: &str, body: Vec<u8>) -> UploadRecord {
        testkit::upload::register(&self.store, partner, body).await
    }

    pub fn matcher(&self, companies: &Path) -> Command {
        let mut cmd = matcher();
        cmd.arg("match")
            .arg("--companies")
            .arg(companies)
            .env("STORE_URL", &self.url);
        cmd
    }

    /// `matcher <command>` (`match`, `run`) on this store and the company database `db`.
    pub fn matcher_on(&self, command: &str, db: &str) -> Command {
        let mut cmd = matcher();
        cmd.arg(command)
            .env("STORE_URL", &self.url)
            .env("DATABASE_URL", db);
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
