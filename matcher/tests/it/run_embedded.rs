//! `matcher run` with no configuration at all, as a fresh clone's first command: it seeds the
//! embedded defaults from `fixtures/`, matches, loads, and a second run is harmless.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlx::Connection;
use sqlx::sqlite::SqliteConnection;

/// A working directory that looks like the repository root: `fixtures/` and nothing else.
fn fresh_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    copy_dir(
        &fixtures.join("uploads"),
        &dir.path().join("fixtures/uploads"),
    );
    std::fs::copy(
        fixtures.join("companies.csv"),
        dir.path().join("fixtures/companies.csv"),
    )
    .unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn matcher_run(cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_matcher"))
        .arg("run")
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("STORE_URL")
        .env("LOG_FORMAT", "json")
        .output()
        .unwrap()
}

/// The last stdout line: the JSON summary for schedulers.
fn summary(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

async fn count(db: &Path, sql: &str) -> i64 {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
}

const OPEN_POSTINGS: &str = "SELECT count(*) FROM job_postings WHERE closed_at IS NULL";

#[tokio::test]
async fn first_run_on_a_fresh_checkout_matches_and_loads_the_samples_and_a_rerun_has_nothing_to_do()
{
    let dir = fresh_checkout();

    let first = matcher_run(dir.path());

    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    let s = summary(&first);
    assert_eq!(s["outcome"], "completed", "{s}");
    assert_eq!(s["inputs"], 2, "the two sample partners' uploads: {s}");
    let c = &s["counts"];
    let (input, matched) = (
        c["input_rows"].as_i64().unwrap(),
        c["matched"].as_i64().unwrap(),
    );
    assert_eq!(input, 300, "{s}");
    assert_eq!(
        input,
        matched + c["unmatched"].as_i64().unwrap() + c["rejected"].as_i64().unwrap()
    );
    assert!(matched > 0, "{s}");
    assert_eq!(s["loads"][0]["run_id"], s["run_id"]);
    let s1_run = s["run_id"].clone();
    assert!(stderr.contains("matched"), "a human summary: {stderr}");
    let db = dir.path().join(".data/matcher.db");
    assert_eq!(count(&db, "SELECT count(*) FROM companies").await, 2000);
    assert_eq!(count(&db, OPEN_POSTINGS).await, matched);

    let second = matcher_run(dir.path());

    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let s = summary(&second);
    assert_eq!(s["outcome"], "nothing_new", "{s}");
    assert_eq!(s["loads"].as_array().map(Vec::len), Some(0), "{s}");
    assert_eq!(count(&db, OPEN_POSTINGS).await, matched);
    assert_eq!(count(&db, "SELECT count(*) FROM companies").await, 2000);

    // `matcher status --json` on the embedded default: both partners loaded, nothing waiting.
    let status = Command::new(env!("CARGO_BIN_EXE_matcher"))
        .args(["status", "--json"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("STORE_URL")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let st = summary(&status);
    let partners = st["partners"].as_array().unwrap();
    assert_eq!(partners.len(), 2, "{st}");
    assert!(
        partners
            .iter()
            .all(|p| p["last_loaded"]["run_id"] == s1_run),
        "{st}"
    );
    assert_eq!(st["pending"], serde_json::json!([]), "{st}");
}

#[tokio::test]
async fn a_run_that_cannot_reach_its_database_exits_non_zero_and_says_why() {
    let dir = fresh_checkout();

    let out = Command::new(env!("CARGO_BIN_EXE_matcher"))
        .arg("run")
        .current_dir(dir.path())
        .env("STORE_URL", dir.path().join("store"))
        .env("DATABASE_URL", "mysql://nowhere/db")
        .output()
        .unwrap();

    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}
