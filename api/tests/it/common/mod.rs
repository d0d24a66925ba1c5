//! `TestApp`: the real server on port 0, its own bucket and its own Secrets Manager secret on
//! the S3 / Secrets Manager endpoint that `tests/with-services` starts.
pub mod process;
pub mod trickle;

use std::time::Duration;

use aws_sdk_s3::Client as S3;
use ingest_api::admin::{self, Admin};
use ingest_api::config::{Cli, Command, Config, PartnersCommand};
use ingest_api::startup::Application;
use ingest_api::state::AppState;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::Value;

pub const GOOD_CSV: &str = "posting_id,company_name,company_address,company_phone,company_url,job_title,employment_type,salary_min,salary_max,work_location,description,posted_at\n\
P-1,株式会社テスト,東京都千代田区丸の内1-1,03-1234-5678,https://example.co.jp,エンジニア,正社員,4000000,6000000,東京都,説明,2026-01-05\n\
P-2,テスト商事(株),大阪府大阪市北区梅田2-2,,,営業,契約社員,,,大阪府,,2026-01-06\n";

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub config: Config,
    pub bucket: Option<String>,
    pub s3: Option<S3>,
    _dir: tempfile::TempDir,
}

pub struct Options {
    pub max_upload_bytes: u64,
    pub request_timeout: &'static str,
    pub max_concurrent_requests: usize,
    /// S3 + Secrets Manager (production path) or the embedded default (local dir + file).
    pub local: bool,
    /// Further flags, e.g. `("--body-read-timeout", "1s")`.
    pub flags: Vec<(&'static str, &'static str)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_upload_bytes: 64 * 1024 * 1024,
            request_timeout: "60s",
            max_concurrent_requests: 64,
            local: false,
            flags: Vec::new(),
        }
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::with(Options::default()).await
    }

    pub async fn with(options: Options) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..12];
        let max = options.max_upload_bytes.to_string();
        let concurrency = options.max_concurrent_requests.to_string();
        let (bucket, s3, mut args) = if options.local {
            let store = dir.path().join("store");
            let partners = dir.path().join("partners.json");
            let args = vec![
                "--store-url".to_owned(),
                store.display().to_string(),
                "--partners-file".to_owned(),
                partners.display().to_string(),
            ];
            (None, None, args)
        } else {
            let bucket = testkit::s3::fresh_bucket("ingest-api-test").await;
            let s3 = testkit::s3::client().await;
            let args = vec![
                "--store-url".to_owned(),
                format!("s3://{bucket}"),
                "--partners-secret-id".to_owned(),
                format!("ingest-api-test/{suffix}"),
            ];
            (Some(bucket), Some(s3), args)
        };
        args.extend(
            [
                "--partners-refresh",
                "0s",
                "--max-upload-bytes",
                &max,
                "--request-timeout",
                options.request_timeout,
                "--max-concurrent-requests",
                &concurrency,
            ]
            .map(str::to_owned),
        );
        for (flag, value) in &options.flags {
            args.extend([flag.to_string(), value.to_string()]);
        }
        let mut argv = vec!["ingest-api".to_owned()];
        argv.extend(args);
        argv.extend(["serve", "--port", "0"].map(str::to_owned));
        let cli = <Cli as clap::Parser>::try_parse_from(argv).unwrap();
        assert!(matches!(cli.command, Command::Serve(_)));
        let config = cli.config;

        let state = AppState::from_config(&config).await.unwrap();
        admin::ensure_local_signing_key(&state.registry)
            .await
            .unwrap();
        // The production secret is created by the first `partners add`, as in operations.
        let app = Application::build(state, "127.0.0.1", 0).await.unwrap();
        let base = format!("http://{}", app.local_addr());
        tokio::spawn(app.run_until_stopped());
        Self {
            base,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
            config,
            bucket,
            s3,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `ingest-api partners …`: what it printed.
    pub async fn partners(&self, command: PartnersCommand) -> String {
        let mut out = Vec::new();
        Admin::open(&self.config)
            .await
            .partners(command, &mut out)
            .await
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// `ingest-api partners add --id ID`: returns the printed client secret.
    pub async fn add_partner(&self, id: &str) -> String {
        let out = self.partners(PartnersCommand::Add { id: id.into() }).await;
        assert!(out.contains(&format!("client_id={id}")), "{out}");
        testkit::process::client_secret(&out)
    }

    pub async fn disable_partner(&self, id: &str) {
        self.partners(PartnersCommand::Disable { id: id.into() })
            .await;
    }

    pub async fn request_token(&self, id: &str, secret: &str) -> reqwest::Response {
        self.http
            .post(self.url("/v1/oauth/token"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
    }

    /// A registered partner and a token for it.
    pub async fn partner_with_token(&self, id: &str) -> String {
        let secret = self.add_partner(id).await;
        testkit::http::client_token(&self.http, &self.base, id, &secret).await
    }

    pub async fn upload(
        &self,
        token: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
        idempotency_key: Option<&str>,
    ) -> reqwest::Response {
        self.upload_request(token, content_type, idempotency_key)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// `POST /v1/postings` with its headers, for a body still to come.
    pub fn upload_request(
        &self,
        token: &str,
        content_type: &str,
        idempotency_key: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let req = self
            .http
            .post(self.url("/v1/postings"))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, content_type);
        match idempotency_key {
            Some(k) => req.header("idempotency-key", k),
            None => req,
        }
    }

    /// The status of an unauthenticated GET (health and readiness checks).
    pub async fn get_status(&self, path: &str) -> u16 {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    pub async fn get_with(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Every object key in the test's bucket.
    pub async fn objects(&self) -> Vec<String> {
        let (s3, bucket) = (self.s3.as_ref().unwrap(), self.bucket.as_ref().unwrap());
        let mut keys = Vec::new();
        let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
        while let Some(page) = pages.next().await {
            for o in page.unwrap().contents() {
                keys.push(o.key().unwrap_or_default().to_owned());
            }
        }
        keys
    }

    /// Keys of raw uploads and their records (what the matcher would see).
    pub async fn incoming(&self) -> Vec<String> {
        self.objects()
            .await
            .into_iter()
            .filter(|k| k.starts_with("incoming/"))
            .collect()
    }

    /// Multipart uploads started but neither completed nor aborted.
    pub async fn unfinished_multipart_uploads(&self) -> usize {
        let (s3, bucket) = (self.s3.as_ref().unwrap(), self.bucket.as_ref().unwrap());
        let out = s3
            .list_multipart_uploads()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        out.uploads().len()
    }

    pub async fn object_bytes(&self, key: &str) -> Vec<u8> {
        let (s3, bucket) = (self.s3.as_ref().unwrap(), self.bucket.as_ref().unwrap());
        let out = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        out.body.collect().await.unwrap().into_bytes().to_vec()
    }
}

/// A token request with the credentials in the form body (the alternative to HTTP Basic that
/// OAuth allows).
pub async fn form_token_request(
    http: &reqwest::Client,
    base: &str,
    id: &str,
    secret: &str,
) -> reqwest::Response {
    http.post(format!("{base}/v1/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap()
}

/// A problem document, checked for the parts every error must carry.
pub async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let content_type = response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("tag:ingest-api,"),
        "{body}"
    );
    assert!(!body["title"].as_str().unwrap().is_empty());
    assert!(!body["detail"].as_str().unwrap().is_empty());
    assert_eq!(body["request_id"], request_id.as_str());
    body
}

pub use testkit::poll::eventually;

/// The stable last part of a problem's type.
pub fn problem_slug(body: &Value) -> &str {
    body["type"].as_str().unwrap().rsplit(':').next().unwrap()
}

/// A CSV of about `target` bytes with the canonical header.
pub fn generated_csv(target: usize) -> String {
    let mut s = GOOD_CSV.lines().next().unwrap().to_owned();
    s.push('\n');
    let mut i = 0;
    while s.len() < target {
        i += 1;
        s.push_str(&format!(
            "G-{i},株式会社サンプル{i},東京都港区芝公園{i},03-0000-{:04},,職種{i},正社員,,,東京都,,2026-01-05\n",
            i % 10000
        ));
    }
    s
}
