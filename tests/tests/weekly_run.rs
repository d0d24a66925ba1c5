//! The weekly flow end to end on the production path: partners upload their CSVs to the real
//! `ingest-api` over HTTP, into a bucket on the S3 endpoint; `matcher run` matches them against
//! the company master in PostgreSQL and loads the links; every posting ends in exactly one of
//! job_postings (via matched.csv), unmatched.csv or rejected.csv, and the counts reconcile.
//!
//! Run with `bash tests/with-services cargo test -p e2e --test weekly_run`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ingest_api::admin;
use ingest_api::config::{Config, HumanDuration, PartnersCommand};
use ingest_api::startup::Application;
use ingest_api::state::AppState;
use matcher::cli::GuardArgs;
use matcher::cli::run::RunArgs;
use matcher::db::Db;
use postings::store::Store;
use serde_json::Value;
use sqlx::Connection;

const PARTNERS: [&str; 2] = ["acme-jobs", "sakura-career"];

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run with `bash tests/with-services cargo test -p e2e`")
    })
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

async fn create_bucket(name: &str) {
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
async fn spawn_api(store_url: &str, secret_id: &str, dir: &Path) -> (String, Config) {
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
async fn upload_as_partner(http: &reqwest::Client, base: &str, config: &Config, partner: &str) {
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

async fn fresh_database(label: &str) -> (String, String) {
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

async fn drop_database(name: &str) {
    let mut conn = sqlx::PgConnection::connect(&env("PG_ADMIN_URL"))
        .await
        .unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
}

/// `(partner, posting_id, extra column)` of every row of a run CSV.
fn rows(body: &[u8], extra: &str) -> Vec<(String, String, String)> {
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
fn uploaded_ids(partner: &str) -> BTreeSet<(String, String)> {
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

async fn open_postings(db: &Db) -> BTreeSet<(String, String, String)> {
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

#[tokio::test]
async fn uploads_through_the_api_are_matched_and_loaded_into_postgres_and_every_row_is_accounted_for()
 {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let bucket = format!("e2e-weekly-{suffix}");
    create_bucket(&bucket).await;
    let store_url = format!("s3://{bucket}");
    let dir = tempfile::tempdir().unwrap();
    let (base, config) = spawn_api(&store_url, &format!("e2e-weekly/{suffix}"), dir.path()).await;
    let http = reqwest::Client::new();
    for partner in PARTNERS {
        upload_as_partner(&http, &base, &config, partner).await;
    }
    let (database_url, db_name) = fresh_database("weekly").await;
    let db = Db::connect(&database_url).await.unwrap();
    db.migrate().await.unwrap();
    let imported = db
        .import_companies_csv(&fixtures().join("companies.csv"))
        .await
        .unwrap();
    assert!(imported.rejected.is_empty());
    let args = || RunArgs {
        store_url: Some(store_url.clone()),
        database_url: Some(database_url.clone()),
        fixtures: dir.path().join("unused"),
        run_lease_secs: 3600,
        guard: guard_defaults(),
    };

    matcher::cli::run::run(args()).await.unwrap();

    let store = Store::from_url(&store_url).await.unwrap();
    let manifests: Vec<String> = store
        .list("runs/")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .filter(|k| k.ends_with("/manifest.json"))
        .collect();
    assert_eq!(manifests.len(), 1, "{manifests:?}");
    let run = manifests[0].trim_end_matches("manifest.json").to_owned();
    let manifest: Value = serde_json::from_slice(&store.get(&manifests[0]).await.unwrap()).unwrap();
    let matched = rows(
        &store.get(&format!("{run}matched.csv")).await.unwrap(),
        "corporate_number",
    );
    let unmatched = rows(
        &store.get(&format!("{run}unmatched.csv")).await.unwrap(),
        "reason",
    );
    let rejected = rows(
        &store.get(&format!("{run}rejected.csv")).await.unwrap(),
        "reason",
    );
    let counts = &manifest["counts"];
    assert_eq!(counts["matched"].as_u64(), Some(matched.len() as u64));
    assert_eq!(counts["unmatched"].as_u64(), Some(unmatched.len() as u64));
    assert_eq!(counts["rejected"].as_u64(), Some(rejected.len() as u64));
    assert_eq!(
        counts["input_rows"].as_u64(),
        Some((matched.len() + unmatched.len() + rejected.len()) as u64)
    );
    assert!(!matched.is_empty() && !unmatched.is_empty(), "{counts}");
    assert!(
        unmatched
            .iter()
            .all(|r| ["no_candidate", "below_threshold", "ambiguous"].contains(&r.2.as_str())),
        "every unmatched row has a reason"
    );

    // The loaded rows are exactly the run's links.
    let loaded = open_postings(&db).await;
    let expected: BTreeSet<(String, String, String)> = matched.iter().cloned().collect();
    assert_eq!(loaded, expected);
    // Every uploaded posting is in exactly one outcome.
    let uploaded: BTreeSet<(String, String)> =
        PARTNERS.iter().flat_map(|p| uploaded_ids(p)).collect();
    let outcomes: Vec<(String, String)> = matched
        .iter()
        .chain(&unmatched)
        .chain(&rejected)
        .map(|r| (r.0.clone(), r.1.clone()))
        .collect();
    assert_eq!(outcomes.len(), uploaded.len());
    assert_eq!(outcomes.into_iter().collect::<BTreeSet<_>>(), uploaded);

    // The next scheduled run finds nothing new and changes nothing.
    matcher::cli::run::run(args()).await.unwrap();
    assert_eq!(open_postings(&db).await, expected);
    assert_eq!(
        store
            .list("runs/")
            .await
            .unwrap()
            .iter()
            .filter(|m| m.key.ends_with("/manifest.json"))
            .count(),
        1
    );

    db.close().await;
    drop_database(&db_name).await;
}

fn guard_defaults() -> GuardArgs {
    GuardArgs {
        max_close_share: 0.5,
        max_rejected_share: 0.2,
    }
}

/// Registers a file for a partner exactly as intake does for the API, returning its record.
async fn register(store: &Store, partner: &str, body: Vec<u8>) -> postings::UploadRecord {
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
async fn open_counts(db: &Db) -> std::collections::BTreeMap<String, i64> {
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
async fn pending(
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

#[tokio::test]
async fn one_partners_missing_altered_empty_or_rejected_file_never_stalls_or_wipes_another_and_each_is_loaded_once_put_right()
 {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let bucket = format!("e2e-faults-{suffix}");
    create_bucket(&bucket).await;
    let store_url = format!("s3://{bucket}");
    let store = Store::from_url(&store_url).await.unwrap();
    let (database_url, db_name) = fresh_database("faults").await;
    let db = Db::connect(&database_url).await.unwrap();
    db.migrate().await.unwrap();
    db.import_companies_csv(&fixtures().join("companies.csv"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let args = || RunArgs {
        store_url: Some(store_url.clone()),
        database_url: Some(database_url.clone()),
        fixtures: dir.path().join("unused"),
        run_lease_secs: 3600,
        guard: guard_defaults(),
    };
    let sample = std::fs::read(fixtures().join("uploads/acme-jobs/postings.csv")).unwrap();
    let header = "posting_id,company_name,job_title\n";
    let all_rejected = format!("{header}X1,株式会社甲,\nX2,株式会社乙,\nX3,,事務\n");

    register(&store, "acme-jobs", sample.clone()).await;
    let gone = register(&store, "gone", sample.clone()).await;
    let altered = register(&store, "altered", sample.clone()).await;
    let empty = register(&store, "empty", header.as_bytes().to_vec()).await;
    let rejected = register(&store, "rejected", all_rejected.into_bytes()).await;
    store.delete(&gone.key).await.unwrap();
    let mut changed = sample.clone();
    changed.extend_from_slice("Z9,株式会社差し込み,事務,,,,,,,,,\n".as_bytes());
    store.put(&altered.key, changed.into()).await.unwrap();

    matcher::cli::run::run(args()).await.unwrap();

    let open = open_counts(&db).await;
    let good = open["acme-jobs"];
    assert!(good > 0, "the good partner is loaded: {open:?}");
    assert_eq!(open.len(), 1, "no other partner has rows: {open:?}");
    let waiting = pending(&store, &db).await;
    let state = |r: &postings::UploadRecord| waiting[&r.upload_id.to_string()].clone();
    assert_eq!(waiting.len(), 4, "{waiting:?}");
    assert_eq!(state(&gone).0, "quarantined");
    assert!(state(&gone).1.contains("missing"), "{:?}", state(&gone));
    assert!(
        state(&gone)
            .2
            .contains(&format!("matcher retry --upload {}", gone.upload_id))
    );
    assert_eq!(state(&altered).0, "quarantined");
    assert!(
        state(&altered).1.contains("altered"),
        "{:?}",
        state(&altered)
    );
    assert_eq!(state(&empty).0, "held");
    assert!(
        state(&empty).1.contains("no data rows"),
        "{:?}",
        state(&empty)
    );
    assert!(
        state(&empty)
            .2
            .contains(&format!("matcher approve --upload {}", empty.upload_id))
    );
    assert_eq!(state(&rejected).0, "held");
    assert!(
        state(&rejected).1.contains("all 3 rows were rejected"),
        "{:?}",
        state(&rejected)
    );

    // Put right: the missing and the altered object back as sent, the empty snapshot approved,
    // and a good file from the partner whose file was all rejected.
    store.put(&gone.key, sample.clone().into()).await.unwrap();
    store
        .put(&altered.key, sample.clone().into())
        .await
        .unwrap();
    for upload in [gone.upload_id, altered.upload_id] {
        matcher::cli::uploads::retry(matcher::cli::uploads::RetryArgs {
            upload,
            store: matcher::cli::StoreArgs {
                store_url: store_url.clone(),
            },
        })
        .await
        .unwrap();
    }
    matcher::cli::uploads::approve(matcher::cli::uploads::ApproveArgs {
        upload: empty.upload_id,
        store: matcher::cli::StoreArgs {
            store_url: store_url.clone(),
        },
        database: matcher::cli::DatabaseArgs {
            database_url: database_url.clone(),
        },
    })
    .await
    .unwrap();
    register(&store, "rejected", sample.clone()).await;

    matcher::cli::run::run(args()).await.unwrap();

    let open = open_counts(&db).await;
    for partner in ["acme-jobs", "gone", "altered", "rejected"] {
        assert_eq!(open.get(partner), Some(&good), "{partner}: {open:?}");
    }
    assert_eq!(open.get("empty"), None);
    let Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let empty_load: (i64, String) =
        sqlx::query_as("SELECT \"rows\", status FROM loads WHERE partner = 'empty'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(
        empty_load,
        (0, "loaded".to_owned()),
        "the approved empty snapshot is applied"
    );
    assert_eq!(
        pending(&store, &db).await,
        Default::default(),
        "nothing is left waiting"
    );

    db.close().await;
    drop_database(&db_name).await;
}
