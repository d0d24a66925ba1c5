//! `matcher import-companies` and `matcher load` as an operator runs them: exit status,
//! the JSON line on stdout, and messages that say what went wrong.

mod db_support;

use std::path::Path;
use std::process::{Command, Output};

use db_support::{corporate_number, row, weekly_runs, write_run};
use postings::store::Store;

fn matcher(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_matcher"))
        .args(args)
        .current_dir(dir)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("m.db").display()),
        )
        .env("STORE_URL", dir.join("store"))
        .env("LOG_FORMAT", "json")
        .output()
        .unwrap()
}

fn last_json(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test]
async fn import_prints_rejected_lines_and_load_refuses_an_older_run_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (corporate_number(7), corporate_number(8));
    std::fs::write(
        dir.path().join("companies.csv"),
        format!(
            "corporate_number,name\n{a},株式会社あ\n0000000000000,株式会社い\n{b},株式会社う\n"
        ),
    )
    .unwrap();

    let import = matcher(dir.path(), &["import-companies", "--csv", "companies.csv"]);

    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let s = last_json(&import);
    assert_eq!(
        (s["total"].as_u64(), s["rejected"].as_u64()),
        (Some(2), Some(1)),
        "{s}"
    );
    assert_eq!(s["rejected_lines"], serde_json::json!([3]));
    assert!(String::from_utf8_lossy(&import.stderr).contains("companies.csv line 3"));

    let store = Store::from_url(dir.path().join("store").to_str().unwrap())
        .await
        .unwrap();
    let [w1, w2] = weekly_runs(2).try_into().unwrap();
    write_run(&store, &w1, &["acme"], &[row("acme", "a1", &a)]).await;
    write_run(&store, &w2, &["acme"], &[row("acme", "a1", &b)]).await;

    let newer = matcher(dir.path(), &["load", "--run-id", &w2.to_string()]);
    assert!(
        newer.status.success(),
        "{}",
        String::from_utf8_lossy(&newer.stderr)
    );
    assert_eq!(last_json(&newer)["inserted"], 1);

    let older = matcher(dir.path(), &["load", "--run-id", &w1.to_string()]);

    assert!(!older.status.success());
    let stderr = String::from_utf8_lossy(&older.stderr);
    assert!(
        stderr.contains("older than") && stderr.contains(&w2.to_string()),
        "{stderr}"
    );
}
