//! `matcher import-companies` and `matcher load` as an operator runs them: exit status,
//! the JSON line on stdout, and messages that say what went wrong.

use crate::db_support;

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
async fn import_prints_rejected_lines_and_load_reports_an_older_run_as_superseded() {
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

    assert!(
        older.status.success(),
        "{}",
        String::from_utf8_lossy(&older.stderr)
    );
    let acme = &last_json(&older)["partners"][0];
    assert_eq!(acme["outcome"], "superseded", "{acme}");
    assert!(acme["reason"].as_str().unwrap().contains(&w2.to_string()));
}

/// Reproduction 3: a run whose manifest.json is corrupt does not keep later runs from
/// loading, and its message names the command that writes it again.
#[tokio::test]
async fn a_corrupt_manifest_blocks_no_later_load_and_names_the_command_that_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = corporate_number(7);
    std::fs::write(
        dir.path().join("companies.csv"),
        format!("corporate_number,name\n{a},株式会社あ\n"),
    )
    .unwrap();
    let import = matcher(dir.path(), &["import-companies", "--csv", "companies.csv"]);
    assert!(import.status.success());
    let store = Store::from_url(dir.path().join("store").to_str().unwrap())
        .await
        .unwrap();
    let [w1, w2] = weekly_runs(2).try_into().unwrap();
    write_run(&store, &w1, &["acme"], &[row("acme", "a1", &a)]).await;
    write_run(&store, &w2, &["beta"], &[row("beta", "b1", &a)]).await;
    store
        .put(&format!("runs/{w1}/manifest.json"), "{\"run_id\": ".into())
        .await
        .unwrap();

    let run = matcher(dir.path(), &["run"]);

    assert!(!run.status.success(), "the unloadable run is reported");
    let s = last_json(&run);
    assert_eq!(s["loads"][0]["run_id"], w2.to_string(), "{s}");
    assert_eq!(s["loads"][0]["partners"][0]["outcome"], "loaded", "{s}");
    let failure = s["load_failures"][0]["error"].as_str().unwrap();
    assert!(
        failure.contains(&format!("matcher match --run-id {w1}"))
            && !failure.contains("matcher load --run-id"),
        "{failure}"
    );
}

/// Reproduction 7: a second `matcher run` while another holds the run lease says which run
/// is in progress and does nothing.
#[tokio::test]
async fn a_second_run_while_one_holds_the_lease_says_which_run_is_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::from_url(dir.path().join("store").to_str().unwrap())
        .await
        .unwrap();
    let holder = "20261130T000000Z-0a1b2c3d";
    let lease = serde_json::json!({
        "run_id": holder,
        "acquired_at": chrono::Utc::now(),
        "expires_at": chrono::Utc::now() + chrono::Duration::hours(1),
    });
    store
        .put("leases/run.json", lease.to_string().into())
        .await
        .unwrap();

    let second = matcher(dir.path(), &["run"]);

    assert!(second.status.success());
    let s = last_json(&second);
    assert_eq!(
        (s["outcome"].as_str(), s["run_id"].as_str()),
        (Some("in_progress"), Some(holder))
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!("run {holder} in progress")),
        "{stderr}"
    );
    assert!(store.list("runs/").await.unwrap().is_empty());
}
