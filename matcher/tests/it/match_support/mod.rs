//! Helpers shared by the `match_*` tests: sample inputs written by the test itself, the built
//! `matcher` binary as a child process, and readers for the run's files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const COMPANY_HEADER: &str =
    "corporate_number,name,name_kana,name_en,prefecture,city,street,postal_code,phone,website";
pub const POSTING_HEADER: &str = "posting_id,company_name,company_address,company_phone,company_url,job_title,employment_type,salary_min,salary_max,work_location,description,posted_at";

pub use crate::db_support::corporate_number;

/// The `matcher` binary with no store, database or shard settings inherited from the caller.
pub fn matcher() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_matcher"));
    for var in [
        "STORE_URL",
        "DATABASE_URL",
        "MATCH_RUN_ID",
        "MATCH_SHARD_COUNT",
        "AWS_BATCH_JOB_ARRAY_INDEX",
        "AWS_BATCH_JOB_ID",
        "MATCH_PLAN_WAIT_SECS",
        "RAYON_NUM_THREADS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("LOG_FORMAT", "text").env("RUST_LOG", "info");
    cmd
}

/// `matcher import-companies --csv <companies>` into the database at `db`.
pub fn import_companies(companies: &Path, db: &str) {
    run_ok(
        matcher()
            .args(["import-companies", "--csv"])
            .arg(companies)
            .env("DATABASE_URL", db),
    );
}

/// Runs the command and fails the test with its stderr unless it succeeded.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the matcher binary runs");
    assert!(
        out.status.success(),
        "matcher failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The JSON summary line the run printed on stdout.
pub fn summary(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().expect("a summary line on stdout");
    serde_json::from_str(line).unwrap_or_else(|e| panic!("summary {line:?} is not JSON: {e}"))
}

pub fn offline(companies: &Path, postings: &Path, out: &Path) -> Command {
    let mut cmd = matcher();
    cmd.arg("match")
        .arg("--companies")
        .arg(companies)
        .arg("--postings")
        .arg(postings)
        .arg("--out")
        .arg(out);
    cmd
}

/// Rows of a CSV file, header first.
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

pub fn read_csv_bytes(body: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body);
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// A manifest with the fields that legitimately differ between runs (times) removed.
pub fn manifest_without_times(body: &[u8]) -> serde_json::Value {
    let mut m: serde_json::Value = serde_json::from_slice(body).expect("manifest is JSON");
    let obj = m.as_object_mut().expect("manifest is an object");
    for field in ["started_at", "finished_at", "timings_ms"] {
        assert!(obj.remove(field).is_some(), "manifest has {field}");
    }
    m
}

pub const OUTPUT_CSVS: [&str; 3] = ["matched.csv", "unmatched.csv", "rejected.csv"];

/// A small hand-written sample: known outcomes, every kind of malformed row, both quoting
/// styles. Returns (companies.csv, postings.csv) and what the test knows about them.
pub struct Sample {
    pub companies: PathBuf,
    pub postings: PathBuf,
    /// Data records in postings.csv (header and blank lines excluded).
    pub rows: u64,
    pub valid_companies: u64,
}

pub fn write_small_sample(dir: &Path) -> Sample {
    let companies = dir.join("companies.csv");
    let postings = dir.join("postings.csv");
    let other = corporate_number(123_456_789_012);
    std::fs::write(
        &companies,
        format!(
            "{COMPANY_HEADER}\n\
             7000012050002,国税庁,コクゼイチョウ,National Tax Agency,東京都,千代田区,霞が関3-1-1,100-8978,03-3581-4161,https://www.nta.go.jp\n\
             1180301018771,トヨタ自動車株式会社,トヨタジドウシャ,TOYOTA MOTOR CORPORATION,愛知県,豊田市,トヨタ町1番地,471-8571,0565-28-2121,https://global.toyota\n\
             1234567890123,壊れた番号株式会社,,,東京都,港区,,,,\n\
             {other},株式会社北国物産,ホッコクブッサン,,北海道,札幌市中央区,北1条西2丁目,060-0001,011-200-0000,https://hokkoku.example.jp\n"
        ),
    )
    .unwrap();
    std::fs::write(
        &postings,
        format!(
            "{POSTING_HEADER}\n\
             P1,トヨタ自動車株式会社,愛知県豊田市トヨタ町1番地,0565-28-2121,https://global.toyota/jp/,組立スタッフ,正社員,250000,350000,愛知県豊田市,\"説明, カンマ入り\",2026-11-01\n\
             P2,架空未登録商事株式会社,沖縄県那覇市泉崎1-1-1,098-000-0000,,販売員,アルバイト,,,沖縄県,,2026-11-02\n\
             P3,,東京都千代田区,,,事務,正社員,,,東京都,会社名なし,2026-11-03\n\
             P4,株式会社北国物産,北海道札幌市中央区北1条西2丁目,011-200-0000,,倉庫,契約社員,abc,,北海道,給与が数字でない,2026-11-04\n\
             P5,株式会社北国物産,北海道札幌市中央区北1条西2丁目,011-200-0000,https://hokkoku.example.jp,営業(2行目),正社員,300000,400000,北海道,\"複数行\n の説明\n3行目\",2026-11-05\n\
             P6,列が足りない会社\n\
             P7,国税庁,東京都千代田区霞が関3-1-1,03-3581-4161,https://www.nta.go.jp,窓口,非常勤,,,東京都,,2026-11-07\n"
        ),
    )
    .unwrap();
    Sample {
        companies,
        postings,
        rows: 7,
        valid_companies: 3,
    }
}

/// A larger generated sample (deterministic): `n` postings over a few hundred companies, with
/// exact names, altered names, unknown companies and malformed rows mixed in.
pub fn write_generated_sample(dir: &Path, n: usize) -> Sample {
    let companies = dir.join("companies.csv");
    let postings = dir.join("postings.csv");
    let cities = [
        ("東京都", "千代田区"),
        ("東京都", "新宿区"),
        ("大阪府", "大阪市北区"),
        ("愛知県", "名古屋市中区"),
        ("福岡県", "福岡市博多区"),
    ];
    let stems = [
        "山田",
        "青空",
        "日本",
        "東西",
        "未来",
        "大和",
        "中央",
        "さくら",
        "富士",
        "みどり",
    ];
    let kinds = ["商事", "製作所", "物流", "システム", "食品", "建設"];
    let mut c = String::from(COMPANY_HEADER);
    c.push('\n');
    let mut names = Vec::new();
    for (i, stem) in stems.iter().enumerate() {
        for (j, kind) in kinds.iter().enumerate() {
            for (k, (pref, city)) in cities.iter().enumerate() {
                let id = (i * 100 + j * 10 + k) as u64;
                let name = format!("株式会社{stem}{kind}");
                let phone = format!("03-{:04}-{:04}", 1000 + id, 2000 + id);
                writeln!(
                    c,
                    "{},{name},,,{pref},{city},1-{k},100-0001,{phone},https://c{id}.example.jp",
                    corporate_number(900_000_000_000 + id)
                )
                .unwrap();
                names.push((name, *pref, *city, phone, id));
            }
        }
    }
    std::fs::write(&companies, c).unwrap();

    let mut p = String::from(POSTING_HEADER);
    p.push('\n');
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..n {
        let r = next();
        let (name, pref, city, phone, id) = &names[(r % names.len() as u64) as usize];
        match i % 10 {
            // Malformed: missing job title, then a bad salary.
            8 => writeln!(p, "G{i},{name},{pref}{city},,,,,,,,,").unwrap(),
            9 if i % 20 == 9 => writeln!(p, "G{i},{name},,,,作業員,,x,,,,").unwrap(),
            // Unknown company.
            7 => writeln!(p, "G{i},有限会社無名{i},{pref},,,作業員,正社員,,,,,2026-11-01").unwrap(),
            // Name without the legal form, with a branch word, other city's phone.
            5 | 6 => writeln!(
                p,
                "G{i},{}{}支店,{pref}{city},{phone},,作業員,正社員,200000,,,,2026-11-01",
                name.trim_start_matches("株式会社"),
                if i % 2 == 0 { " " } else { "" }
            )
            .unwrap(),
            _ => writeln!(
                p,
                "G{i},{name},{pref}{city}1-1,{phone},https://c{id}.example.jp/jobs,作業員,正社員,200000,300000,{city},\"説明 {i}\",2026-11-01"
            )
            .unwrap(),
        }
    }
    std::fs::write(&postings, p).unwrap();
    Sample {
        companies,
        postings,
        rows: n as u64,
        valid_companies: names.len() as u64,
    }
}

pub mod store;
