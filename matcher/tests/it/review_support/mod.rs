//! Shared by the review tests: a company database of its own on either backend (with its URL,
//! for the `matcher` binary), a local store with partner uploads, a small master in which some
//! postings are ambiguous, some below the threshold and some have no candidate, and the
//! `matcher` binary run against them.

use std::process::Command;

use matcher::db::Db;

pub use crate::db_support::Backend;
use crate::db_support::TestDb;
pub use crate::db_support::corporate_number;
use crate::match_support;

/// A test database of its own holding the review master, with the run's helpers.
pub struct Env(TestDb);

impl std::ops::Deref for Env {
    type Target = TestDb;
    fn deref(&self) -> &TestDb {
        &self.0
    }
}

/// Two namesakes in one ward (postings naming it there are ambiguous).
pub fn yamada_a() -> String {
    corporate_number(101)
}
pub fn yamada_b() -> String {
    corporate_number(102)
}
/// Registered in Osaka; postings place it in Tokyo (below the threshold).
pub fn sato() -> String {
    corporate_number(103)
}
/// Links on name and place (never in the queue).
pub fn suzuki() -> String {
    corporate_number(104)
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
        testkit::upload::register(&self.store, partner, body.into_bytes()).await;
    }

    /// The `matcher` binary on this store and database, nothing inherited.
    pub fn matcher(&self) -> Command {
        let mut cmd = match_support::matcher();
        cmd.env("STORE_URL", &self.store_url)
            .env("DATABASE_URL", &self.db_url);
        cmd
    }

    /// `matcher match` (new uploads, or `--run-id R`): its run id and stderr.
    pub fn run_match(&self, run_id: Option<&str>) -> (String, String) {
        let mut cmd = self.matcher();
        cmd.arg("match");
        if let Some(r) = run_id {
            cmd.args(["--run-id", r]);
        }
        let out = match_support::run_ok(&mut cmd);
        (
            match_support::store::run_id(&out),
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
