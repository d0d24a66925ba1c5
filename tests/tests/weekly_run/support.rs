//! The services and helpers the weekly-flow tests share: a bucket, the API, a database of
//! its own, partner uploads, and reading back what was loaded.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ingest_api::admin;
use ingest_api::config::{Config, HumanDuration, PartnersCommand};
use ingest_api::startup::Application;
use ingest_api::state::AppState;
use matcher::cli::GuardArgs;
use matcher::db::Db;
use postings::store::Store;
use serde_json::Value;
use sqlx::Connection;

pub(crate) const PARTNERS: [&str; 2] = ["acme-jobs", "sakura-career"];

pub(crate) fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run with `bash tests/with-services cargo test -p e2e`")
    })
}

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

pub(crate) async fn create_bucket(name: &str) {
    env("AWS_ENDPOINT_URL");
    let sdk = aws_config::load_from_env().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket(name).send().await.unwrap();
}

/// The real service on port 0, storing into `store_url`, partners in Secrets Manager.
pub(crate) async fn spawn_api(store_url: &str, secret_id: &str, dir: &Path) -> (String, Config) {
    let config = Config {
        store_url: store_url.to_owned(),
        partners_secret_id: Some(secret_id.to_owned()),
        partners_file: dir.join("partners.json"),
        partners_refresh: HumanDuration(Duration::ZERO),
        token_issuer: "ingest-api".into(),
        token_audience: "ingest-api".into(),
        token_ttl: HumanDuration(Duration::from_secs(900)),
        max_upload_bytes: 64 << 20,
        request_timeout: HumanDuration(Duration::from_secs(60)),
        max_concurrent_requests: 16,
        max_concurrent_per_partner: 0,
        header_read_timeout: HumanDuration(Duration::from_secs(10)),
        body_read_timeout: HumanDuration(Duration::from_secs(20)),
        token_rate_per_client: std::num::NonZeroU32::new(10).unwrap(),
        token_rate_per_address: std::num::NonZeroU32::new(64).unwrap(),
        presign_ttl: HumanDuration(Duration::from_secs(900)),
    };
    let state = AppState::from_config(&config).await.unwrap();
    admin::ensure_local_signing_key(&state.registry)
        .await
        .unwrap();
    let app = Application::build(state, "127.0.0.1", 0).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    (base, config)
}

/// Registers the partner, gets a token, and uploads its sample file; returns the upload id.
pub(crate) async fn upload_as_partner(
    http: &reqwest::Client,
    base: &str,
    config: &Config,
    partner: &str,
) {
    let mut out = Vec::new();
    admin::partners(
        config,
        PartnersCommand::Add { id: partner.into() },
        &mut out,
    )
    .await
    .unwrap();
    let out = String::from_utf8(out).unwrap();
    let secret = out
        .lines()
        .find_map(|l| l.strip_prefix("client_secret="))
        .expect("a client secret line");
    let token: Value = http
        .post(format!("{base}/v1/oauth/token"))
        .basic_auth(partner, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = std::fs::read(fixtures().join(format!("uploads/{partner}/postings.csv"))).unwrap();
    let response = http
        .post(format!("{base}/v1/postings"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        202,
        "{partner}: {:?}",
        response.text().await
    );
}

pub(crate) async fn fresh_database(label: &str) -> (String, String) {
    let admin = env("PG_ADMIN_URL");
    let name = format!(
        "{}_{label}_{}",
        env("TEST_DB_PREFIX"),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    (format!("{base}/{name}"), name)
}

pub(crate) async fn drop_database(name: &str) {
    let mut conn = sqlx::PgConnection::connect(&env("PG_ADMIN_URL"))
        .await
        .unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
}

/// `(partner, posting_id, extra column)` of every row of a run CSV.
pub(crate) fn rows(body: &[u8], extra: &str) -> Vec<(String, String, String)> {
    let mut reader = csv::Reader::from_reader(body);
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (p, id, x) = (col("partner"), col("posting_id"), col(extra));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[p].to_owned(), r[id].to_owned(), r[x].to_owned())
        })
        .collect()
}

/// Every posting id of a partner's sample upload.
pub(crate) fn uploaded_ids(partner: &str) -> BTreeSet<(String, String)> {
    let path = fixtures().join(format!("uploads/{partner}/postings.csv"));
    let mut reader = csv::Reader::from_path(path).unwrap();
    let id = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == "posting_id")
        .unwrap();
    reader
        .records()
        .map(|r| (partner.to_owned(), r.unwrap()[id].to_owned()))
        .collect()
}

pub(crate) async fn open_postings(db: &Db) -> BTreeSet<(String, String, String)> {
    let Db::Postgres(pool) = db else {
        unreachable!("the production path is PostgreSQL")
    };
    sqlx::query_as::<_, (String, String, String)>(
        "SELECT partner, posting_id, corporate_number FROM job_postings WHERE closed_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

pub(crate) fn guard_defaults() -> GuardArgs {
    GuardArgs {
        max_close_share: 0.5,
        max_rejected_share: 0.2,
    }
}

/// Registers a file for a partner exactly as intake does for the API, returning its record.
pub(crate) async fn register(
    store: &Store,
    partner: &str,
    body: Vec<u8>,
) -> postings::UploadRecord {
    postings::intake::ingest(
        store,
        &postings::PartnerId::parse(partner).unwrap(),
        None,
        futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(body))]),
        postings::intake::IntakeLimits {
            max_bytes: 64 << 20,
        },
    )
    .await
    .unwrap()
}

/// Open postings per partner in PostgreSQL.
pub(crate) async fn open_counts(db: &Db) -> std::collections::BTreeMap<String, i64> {
    let Db::Postgres(pool) = db else {
        unreachable!("the production path is PostgreSQL")
    };
    sqlx::query_as::<_, (String, i64)>(
        "SELECT partner, count(*) FROM job_postings WHERE closed_at IS NULL GROUP BY partner",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// `(state, reason)` of each pending upload in `matcher status --json`, by upload id.
pub(crate) async fn pending(
    store: &Store,
    db: &Db,
) -> std::collections::BTreeMap<String, (String, String, String)> {
    let status =
        serde_json::to_value(matcher::cli::status::collect(store, db).await.unwrap()).unwrap();
    status["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["upload_id"].as_str().unwrap().to_owned(),
                (
                    u["state"].as_str().unwrap().to_owned(),
                    u["reason"].as_str().unwrap_or_default().to_owned(),
                    u["next"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}
