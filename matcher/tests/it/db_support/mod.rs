//! Shared by the database and load tests: a fresh database per test on either backend, a
//! local store, run files written with the exact columns the match stage writes, and dumps of
//! the tables to compare before and after.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use matcher::db::Db;
use postings::RunId;
use postings::store::Store;
use testkit::pg::PgDatabase;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A database of its own (PostgreSQL: `${TEST_DB_PREFIX}_<label>_<random>`, dropped by
/// `cleanup`; SQLite: a file in a temporary directory), plus a local store directory.
pub struct TestDb {
    pub db: Db,
    /// What the `matcher` binary is given as DATABASE_URL and STORE_URL to use the same ones.
    pub db_url: String,
    pub store: Store,
    pub store_url: String,
    pub dir: tempfile::TempDir,
    pg: Option<PgDatabase>,
}

impl TestDb {
    pub async fn open(backend: Backend, label: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store_url = dir.path().join("store").display().to_string();
        let store = Store::from_url(&store_url).await.expect("local store");
        let (db_url, pg) = match backend {
            Backend::Postgres => {
                let pg = PgDatabase::create(label).await;
                (pg.url.clone(), Some(pg))
            }
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("test.db").display()),
                None,
            ),
        };
        let db = Db::connect(&db_url).await.expect("connect test database");
        db.migrate().await.expect("migrations apply");
        Self {
            db,
            db_url,
            store,
            store_url,
            dir,
            pg,
        }
    }

    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some(pg) = self.pg {
            pg.drop().await;
        }
    }

    /// Every column of every row of a table, as text, in key order.
    pub async fn dump(&self, table: &str) -> Vec<String> {
        let (order, columns) = match table {
            "job_postings" => ("partner, posting_id", JOB_POSTING_COLUMNS),
            "loads" => ("run_id, partner", LOAD_COLUMNS),
            "companies" => ("corporate_number", COMPANY_COLUMNS),
            other => panic!("no dump for {other}"),
        };
        match &self.db {
            Db::Postgres(pool) => {
                let cols: Vec<String> = columns
                    .iter()
                    .map(|c| format!("coalesce(\"{c}\"::text, 'NULL')"))
                    .collect();
                let sql = format!(
                    "SELECT concat_ws('|', {}) FROM {table} ORDER BY {order}",
                    cols.join(", ")
                );
                sqlx::query_scalar(&sql).fetch_all(pool).await.unwrap()
            }
            Db::Sqlite(pool) => {
                let cols: Vec<String> = columns.iter().map(|c| format!("quote(\"{c}\")")).collect();
                let sql = format!(
                    "SELECT {} FROM {table} ORDER BY {order}",
                    cols.join(" || '|' || ")
                );
                sqlx::query_scalar(&sql).fetch_all(pool).await.unwrap()
            }
        }
    }

    /// `(partner, posting_id, corporate_number, run_id, open)` of every loaded posting.
    pub async fn postings(&self) -> Vec<(String, String, String, String, bool)> {
        const SQL: &str = "SELECT partner, posting_id, corporate_number, run_id, \
             closed_at IS NULL FROM job_postings ORDER BY partner, posting_id";
        match &self.db {
            Db::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await.unwrap(),
            Db::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await.unwrap(),
        }
    }

    /// `(run_id, partner, rows, status)` of every load recorded.
    pub async fn loads(&self) -> Vec<(String, String, i64, String)> {
        const SQL: &str =
            "SELECT run_id, partner, \"rows\", status FROM loads ORDER BY run_id, partner";
        match &self.db {
            Db::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await.unwrap(),
            Db::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await.unwrap(),
        }
    }

    /// An upload's recorded state (`states/<upload_id>.json`) as JSON.
    pub async fn state(&self, upload_id: &str) -> serde_json::Value {
        let body = self
            .store
            .get(&format!("states/{upload_id}.json"))
            .await
            .unwrap_or_else(|e| panic!("no state for {upload_id}: {e}"));
        serde_json::from_slice(&body).unwrap()
    }

    /// Imports a company master holding the given corporate numbers.
    pub async fn companies(&self, numbers: &[String]) {
        let path = self.dir.path().join("companies.csv");
        let mut csv = String::from(
            "corporate_number,name,name_kana,name_en,prefecture,city,street,postal_code,phone,website\n",
        );
        for (i, n) in numbers.iter().enumerate() {
            csv.push_str(&format!("{n},株式会社テスト{i},,,東京都,千代田区,,,,\n"));
        }
        std::fs::write(&path, csv).unwrap();
        let summary = self.db.import_companies_csv(&path).await.unwrap();
        assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    }
}

pub const JOB_POSTING_COLUMNS: &[&str] = &[
    "partner",
    "posting_id",
    "corporate_number",
    "company_name",
    "company_address",
    "company_phone",
    "company_url",
    "job_title",
    "employment_type",
    "salary_min",
    "salary_max",
    "work_location",
    "description",
    "posted_at",
    "upload_id",
    "line",
    "match_score",
    "match_method",
    "run_id",
    "first_seen",
    "last_seen",
    "closed_at",
];
pub const LOAD_COLUMNS: &[&str] = &[
    "run_id",
    "partner",
    "rows",
    "closed",
    "started_at",
    "finished_at",
    "status",
    "error",
];
/// The companies table's columns as the master CSV names them.
pub const COMPANY_COLUMNS: &[&str] = &matcher::company::COMPANY_COLUMNS;

/// A valid corporate number over a 12-digit base: the National Tax Agency's check digit,
/// 9 - (Σ Pn·Qn mod 9) with Qn = 1 for odd n and 2 for even n, n from the rightmost digit.
pub fn corporate_number(base: u64) -> String {
    let digits = format!("{base:012}");
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    format!("{}{digits}", 9 - sum % 9)
}

/// One matched.csv row, in the match stage's exact columns.
#[derive(Debug, Clone)]
pub struct Row {
    pub partner: String,
    pub posting_id: String,
    pub corporate_number: String,
    pub job_title: String,
    pub salary_min: String,
    pub match_score: String,
    pub line: u64,
}

pub fn row(partner: &str, posting_id: &str, corporate_number: &str) -> Row {
    Row {
        partner: partner.into(),
        posting_id: posting_id.into(),
        corporate_number: corporate_number.into(),
        job_title: format!("求人 {posting_id}"),
        salary_min: "250000".into(),
        match_score: "0.9731".into(),
        line: 2,
    }
}

pub const MATCHED_HEADER: &str = "posting_id,company_name,company_address,company_phone,company_url,job_title,employment_type,salary_min,salary_max,work_location,description,posted_at,partner,upload_id,line,corporate_number,match_score,match_method";

pub fn matched_csv(rows: &[Row]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(MATCHED_HEADER.split(',')).unwrap();
    for r in rows {
        let line = r.line.to_string();
        w.write_record([
            r.posting_id.as_str(),
            "株式会社テスト",
            "東京都千代田区",
            "03-1234-5678",
            "",
            &r.job_title,
            "正社員",
            &r.salary_min,
            "",
            "東京都",
            "説明,\n二行目",
            "2026-11-01",
            &r.partner,
            "0193a000-0000-7000-8000-000000000001",
            &line,
            &r.corporate_number,
            &r.match_score,
            "name+city",
        ])
        .unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Writes a complete run into the store: matched.csv, then the manifest naming the partners
/// whose uploads the run read (one input each).
pub async fn write_run(store: &Store, run_id: &RunId, partners: &[&str], rows: &[Row]) {
    write_run_files(
        store,
        &format!("runs/{run_id}/"),
        run_id,
        None,
        partners,
        rows,
    )
    .await;
}

pub async fn write_run_files(
    store: &Store,
    prefix: &str,
    run_id: &RunId,
    shard: Option<(u32, u32)>,
    partners: &[&str],
    rows: &[Row],
) {
    store
        .put(
            &format!("{prefix}matched.csv"),
            Bytes::from(matched_csv(rows)),
        )
        .await
        .unwrap();
    let started: DateTime<Utc> = run_id.started_at();
    let inputs: Vec<serde_json::Value> = partners
        .iter()
        .enumerate()
        .map(|(i, p)| {
            serde_json::json!({
                "upload_id": upload_id(run_id, i),
                "partner": p, "key": format!("incoming/{p}/2026-11-20/x.csv"),
                "sha256": "", "bytes": 0, "rows": 0, "encoding": "utf-8"
            })
        })
        .collect();
    let manifest = serde_json::json!({
        "run_id": run_id.to_string(),
        "version": "test",
        "started_at": started.to_rfc3339(),
        "finished_at": started.to_rfc3339(),
        "shard": shard.map(|(index, count)| serde_json::json!({"index": index, "count": count})),
        "inputs": inputs,
        "companies": {"source": "database", "count": 0},
        "thresholds": {},
        "counts": {"input_rows": rows.len(), "matched": rows.len(), "unmatched": 0, "rejected": 0, "unmatched_by_reason": {}},
        "timings_ms": {"read": 0, "index": 0, "match": 0, "write": 0, "total": 0}
    });
    store
        .put(
            &format!("{prefix}manifest.json"),
            Bytes::from(manifest.to_string()),
        )
        .await
        .unwrap();
}

/// The id of the `i`th input of a run written by [`write_run`]: a UUIDv7 at the run's start
/// time, so that a later run's uploads are newer, as in production.
pub fn upload_id(run_id: &RunId, i: usize) -> String {
    let ms = run_id.started_at().timestamp_millis() as u64 + i as u64;
    format!("{:08x}-{:04x}-7000-8000-{i:012x}", ms >> 16, ms & 0xffff)
}

/// Run ids a week apart, oldest first.
pub fn weekly_runs(n: usize) -> Vec<RunId> {
    let start: DateTime<Utc> = "2026-11-02T03:00:00Z".parse().unwrap();
    (0..n)
        .map(|i| RunId::at(start + chrono::Duration::weeks(i as i64)))
        .collect()
}

/// Runs an async scenario once per backend, each in a database of its own: a [`TestDb`], or
/// (`@with Type;`) any type with the same `open` and `cleanup`.
#[macro_export]
macro_rules! on_both_backends {
    (@with $ty:path; $($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::db_support::Backend;

            #[tokio::test]
            async fn on_postgres() {
                let t = <$ty>::open(Backend::Postgres, stringify!($name)).await;
                super::$name(&t).await;
                t.cleanup().await;
            }

            #[tokio::test]
            async fn on_sqlite() {
                let t = <$ty>::open(Backend::Sqlite, stringify!($name)).await;
                super::$name(&t).await;
                t.cleanup().await;
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {
        $crate::on_both_backends!(@with $crate::db_support::TestDb; $($name),*);
    };
}
