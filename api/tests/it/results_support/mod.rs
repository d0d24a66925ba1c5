//! The match side of `results.rs`: the rows partners send, the real match stage over the
//! store, and each upload's rows as the run's own files hold them.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use matcher::engine::Thresholds;
use matcher::stage::companies::CompanySource;
use matcher::stage::shard::Shard;
use matcher::stage::{MatchMode, MatchOptions, MatchOutcome, run_match};
use postings::RunId;
use postings::store::Store;

pub const HEADER: &str = "posting_id,company_name,company_address,company_phone,company_url,job_title,employment_type,salary_min,salary_max,work_location,description,posted_at";

pub fn companies_csv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/companies.csv")
}

/// A file with rows of every fate: companies of the master written as it has them, employers
/// it does not know, and rows the contract refuses.
pub fn mixed_csv(tag: &str) -> String {
    let mut reader = csv::Reader::from_path(companies_csv()).unwrap();
    let mut out = format!("{HEADER}\n");
    for (i, row) in reader.records().take(6).enumerate() {
        let c = row.unwrap();
        let address = format!("{}{}{}", &c[4], &c[5], &c[6]);
        out.push_str(&format!(
            "{tag}-M{i},{},{address},{},,営業,正社員,250000,400000,{},,2026-01-05\n",
            &c[1], &c[8], &c[4]
        ));
    }
    out.push_str(&format!(
        "{tag}-U1,どこにもない架空商事株式会社,,,,事務,正社員,,,東京都,,2026-01-05\n\
         {tag}-U2,株式会社ミライ未登録ラボ,大阪府大阪市北区梅田9-9,,,開発,契約社員,,,大阪府,,2026-01-05\n\
         {tag}-R1,,東京都港区,,,営業,正社員,,,東京都,,2026-01-05\n\
         {tag}-R2,株式会社テスト,東京都港区,,,営業,正社員,30万円,,東京都,,2026-01-05\n"
    ));
    out
}

/// The scheduled match stage over every upload not yet taken (or one shard of run `run_id`).
pub async fn run(store: &Store, run_id: Option<RunId>, shard: Option<Shard>) -> String {
    let outcome = run_match(MatchOptions {
        mode: MatchMode::Scheduled {
            store: store.clone(),
            companies: CompanySource::Csv(companies_csv()),
            run_id,
            shard,
            new_run_id: None,
            plan_wait: Duration::from_secs(30),
        },
        thresholds: Thresholds::default(),
    })
    .await
    .unwrap();
    match outcome {
        MatchOutcome::Completed(summary) => summary.run_id,
        other => panic!("expected a run, got {other:?}"),
    }
}

/// One row of a run's file as (line, posting_id, outcome, reason, corporate_number), for the
/// rows of one upload.
pub type Fate = (u64, String, String, String, String);

/// The rows of `upload_id` in the run's three files, read by their column names.
pub async fn run_rows(store: &Store, run_prefix: &str, upload_id: &str) -> BTreeSet<Fate> {
    let mut fates = BTreeSet::new();
    for (file, outcome) in [
        ("matched.csv", "matched"),
        ("unmatched.csv", "unmatched"),
        ("rejected.csv", "rejected"),
    ] {
        let body = store.get(&format!("{run_prefix}{file}")).await.unwrap();
        let mut r = csv::Reader::from_reader(body.as_ref());
        let header = r.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (upload, line, id) = (col("upload_id"), col("line"), col("posting_id"));
        for row in r.records() {
            let row = row.unwrap();
            if &row[upload] != upload_id {
                continue;
            }
            let (reason, number) = match outcome {
                "matched" => (String::new(), row[col("corporate_number")].to_owned()),
                _ => (row[col("reason")].to_owned(), String::new()),
            };
            fates.insert((
                row[line].parse().unwrap(),
                row[id].to_owned(),
                outcome.to_owned(),
                reason,
                number,
            ));
        }
    }
    fates
}
