//! Shared by the review tests: a company database of its own on either backend (with its URL,
//! for the `matcher` binary), a local store with partner uploads, a small master in which some
//! postings are ambiguous, some below the threshold and some have no candidate, and the
//! `matcher` binary run against them.

use std::process::{Command, Output};

use bytes::Bytes;
use matcher::db::Db;
use postings::PartnerId;

pub use crate::db_support::Backend;
use crate::db_support::TestDb;

/// A test database of its own holding the review master, with the run's helpers.
pub struct Env(TestDb);

impl std::ops::Deref for Env {
    type Target = TestDb;
    fn deref(&self) -> &TestDb {
        &self.0
    }
}

/// A valid corporate number (National Tax Agency check digit), written out independently of
/// the code under test.
pub fn cn(base: u64) -> String {
    let body = format!("{base:012}");
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    format!("{}{body}", 9 - sum % 9)
}

/// Two namesakes in one ward (postings naming it there are ambiguous).
pub fn yamada_a() -> String {
    cn(101)
}
pub fn yamada_b() -> String {
    cn(102)
}
/// Registered in Osaka; postings place it in Tokyo (below the threshold).
pub fn sato() -> String {
    cn(103)
}
/// Links on name and place (never in the queue).
pub fn suzuki() -> String {
    cn(104)
}

pub const COMPANIES: &str =
    "corporate_number,name,name_kana,name_en,prefecture,city,street,postal_code,phone,website\n";
pub const POSTING_HEADER: &str = "posting_id,company_name,company_address,company_phone,company_url,job_title,employment_type,salary_min,salary_max,work_location,description,posted_at\n";

/// A posting line: id, name, address, phone.
pub fn posting(id: &str, name: &str, address: &str, phone: &str) -> String {
    format!("{id},{name},{address},{phone},,営業,正社員,250000,,,,2026-11-20\n")
}

pub fn yamada(id: &str) -> String {
    posting(id, "山田商事", "東京都千代田区丸の内1-1", "")
}
pub fn sato_posting(id: &str) -> String {
    posting(id, "佐藤工業株式会社", "東京都港区芝公園1-1", "")
}
pub fn tanaka(id: &str) -> String {
    posting(id, "田中物産", "東京都新宿区西新宿2-8", "")
}
pub fn suzuki_posting(id: &str) -> String {
    posting(id, "鈴木建設", "大阪府大阪市北区梅田1-1", "")
}

impl Env {
    pub async fn open(backend: Backend, label: &str) -> Self {
        let env = Self(TestDb::open(backend, label).await);
        env.import_master().await;
        env
    }

    pub async fn cleanup(self) {
        self.0.cleanup().await;
    }

    async fn import_master(&self) {
        let mut csv = String::from(COMPANIES);
        // 山田商事 A is registered at the street the postings write; B elsewhere in the ward.
        for (n, name, pref, city, street, phone) in [
            (
                yamada_a(),
                "株式会社山田商事",
                "東京都",
                "千代田区",
                "丸の内1-1",
                "",
            ),
            (
                yamada_b(),
                "山田商事株式会社",
                "東京都",
                "千代田区",
                "神田須田町2-5",
                "03-3251-0000",
            ),
            (sato(), "佐藤工業株式会社", "大阪府", "大阪市北区", "", ""),
            (suzuki(), "株式会社鈴木建設", "大阪府", "大阪市北区", "", ""),
        ] {
            csv.push_str(&format!("{n},{name},,,{pref},{city},{street},,{phone},\n"));
        }
        let path = self.dir.path().join("companies.csv");
        std::fs::write(&path, csv).unwrap();
        let summary = self.db.import_companies_csv(&path).await.unwrap();
        assert!(summary.rejected.is_empty(), "{:?}", summary.rejected);
    }

    /// Registers a partner's upload exactly as the API does.
    pub async fn upload(&self, partner: &str, lines: &[String]) {
        let body = format!("{POSTING_HEADER}{}", lines.concat());
        let partner = PartnerId::parse(partner).unwrap();
        let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(Bytes::from(body))]);
        postings::intake::ingest(
            &self.store,
            &partner,
            None,
            stream,
            postings::intake::IntakeLimits { max_bytes: 1 << 20 },
        )
        .await
        .expect("upload registered");
    }

    /// The `matcher` binary on this store and database, nothing inherited.
    pub fn matcher(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_matcher"));
        for var in ["MATCH_RUN_ID", "MATCH_SHARD_COUNT", "AWS_BATCH_JOB_ID"] {
            cmd.env_remove(var);
        }
        cmd.env("STORE_URL", &self.store_url)
            .env("DATABASE_URL", &self.db_url)
            .env("LOG_FORMAT", "text")
            .env("RUST_LOG", "info");
        cmd
    }

    /// `matcher match` (new uploads, or `--run-id R`): its run id and stderr.
    pub fn run_match(&self, run_id: Option<&str>) -> (String, String) {
        let mut cmd = self.matcher();
        cmd.arg("match");
        if let Some(r) = run_id {
            cmd.args(["--run-id", r]);
        }
        let out = ok(cmd.output().unwrap());
        let stdout = String::from_utf8_lossy(&out.stdout);
        let summary: serde_json::Value =
            serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!(summary["outcome"], "completed", "{summary}");
        (
            summary["run_id"].as_str().unwrap().to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A run file's rows as (posting_id, partner, column) for the named column.
    pub async fn column(
        &self,
        run: &str,
        file: &str,
        column: &str,
    ) -> Vec<(String, String, String)> {
        let body = self.store.get(&format!("runs/{run}/{file}")).await.unwrap();
        let mut r = csv::Reader::from_reader(body.as_ref());
        let h = r.headers().unwrap().clone();
        let at = |n: &str| h.iter().position(|c| c == n).unwrap();
        let (id, partner, col) = (at("posting_id"), at("partner"), at(column));
        let mut rows: Vec<_> = r
            .records()
            .map(|rec| {
                let rec = rec.unwrap();
                (
                    rec[id].to_owned(),
                    rec[partner].to_owned(),
                    rec[col].to_owned(),
                )
            })
            .collect();
        rows.sort();
        rows
    }

    pub async fn manifest(&self, run: &str) -> serde_json::Value {
        let body = self
            .store
            .get(&format!("runs/{run}/manifest.json"))
            .await
            .unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    pub async fn execute(&self, sql: &str) {
        match &self.db {
            Db::Postgres(pool) => {
                sqlx::query(sql).execute(pool).await.unwrap();
            }
            Db::Sqlite(pool) => {
                sqlx::query(sql).execute(pool).await.unwrap();
            }
        }
    }
}

pub fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "matcher failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
