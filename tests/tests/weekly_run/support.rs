//! The services and helpers the weekly-flow tests share: a bucket, the API, a database of
//! its own, partner uploads, and reading back what was loaded.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ingest_api::admin::{self, Admin};
use ingest_api::config::{Config, HumanDuration, PartnersCommand};
use ingest_api::startup::Application;
use ingest_api::state::AppState;
use matcher::cli::GuardArgs;
use matcher::cli::run::RunArgs;
use matcher::db::Db;
use postings::store::Store;
use testkit::pg::PgDatabase;

pub(crate) const PARTNERS: [&str; 2] = ["acme-jobs", "sakura-career"];

pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The production path's services for one test: a bucket of its own on the S3 endpoint, and
/// a PostgreSQL database of its own holding the sample company master.
pub(crate) struct Weekly {
    pub store_url: String,
    pub store: Store,
    pub database: PgDatabase,
    pub db: Db,
    pub dir: tempfile::TempDir,
}

impl Weekly {
    pub(crate) async fn open(label: &str) -> Self {
        let store_url = format!(
            "s3://{}",
            testkit::s3::fresh_bucket(&format!("e2e-{label}")).await
        );
        let store = Store::from_url(&store_url).await.unwrap();
        let database = PgDatabase::create(label).await;
        let db = Db::connect(&database.url).await.unwrap();
        db.migrate().await.unwrap();
        let imported = db
            .import_companies_csv(&fixtures().join("companies.csv"))
            .await
            .unwrap();
        assert!(imported.rejected.is_empty());
        Self {
            store_url,
            store,
            database,
            db,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `matcher run` as the schedule starts it, on this store and database.
    pub(crate) fn run_args(&self) -> RunArgs {
        RunArgs {
            store_url: Some(self.store_url.clone()),
            database_url: Some(self.database.url.clone()),
            fixtures: self.dir.path().join("unused"),
            run_lease_secs: 3600,
            guard: guard_defaults(),
        }
    }

    pub(crate) async fn cleanup(self) {
        self.db.close().await;
        self.database.drop().await;
    }
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
    Admin::open(config)
        .await
        .partners(PartnersCommand::Add { id: partner.into() }, &mut out)
        .await
        .unwrap();
    let secret = testkit::process::client_secret(&String::from_utf8(out).unwrap());
    let token = testkit::http::client_token(http, base, partner, &secret).await;
    let body = std::fs::read(fixtures().join(format!("uploads/{partner}/postings.csv"))).unwrap();
    let response = http
        .post(format!("{base}/v1/postings"))
        .bearer_auth(token)
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

/// Checks a pending upload's `(state, reason, next)`: the reason names the cause and the next
/// step contains `next`, so that an operator reading `matcher status` knows what to do.
pub(crate) fn assert_waiting(
    pending: &(String, String, String),
    state: &str,
    reason: &str,
    next: &str,
) {
    assert_eq!(pending.0, state, "{pending:?}");
    assert!(pending.1.contains(reason), "{pending:?}");
    assert!(pending.2.contains(next), "{pending:?}");
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
