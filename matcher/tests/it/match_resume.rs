//! Crash recovery: a scheduled run that died after recording its inputs but before its
//! manifest is completed by the next unsharded scheduled run (the AWS Batch retry), on the
//! same inputs, before anything new is claimed. A crash is simulated by deleting the files a
//! finished run wrote last.

use crate::match_support;

use std::collections::BTreeMap;

use match_support::store::{Backend, TestStore, run_id};
use match_support::*;

/// Which run each consumed/ marker names, by upload id.
async fn claims(store: &TestStore) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for key in store.keys("consumed/").await {
        let marker: serde_json::Value = serde_json::from_slice(&store.get(&key).await).unwrap();
        out.insert(key, marker["run_id"].as_str().unwrap().to_owned());
    }
    out
}

/// Deletes what a run writes last, as if its process had died while writing its outputs.
async fn crash_before_manifest(store: &TestStore, run: &str) {
    for file in ["manifest.json", "matched.csv"] {
        store
            .store
            .delete(&format!("runs/{run}/{file}"))
            .await
            .unwrap();
    }
}

fn resumed(out: &std::process::Output) -> Vec<String> {
    let s = summary(out);
    s["resumed"]
        .as_array()
        .unwrap_or_else(|| panic!("no resumed list in {s}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

async fn a_run_that_died_before_its_manifest_is_completed_by_the_next_run_with_identical_files(
    backend: Backend,
) {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(backend).await;
    let sample = write_generated_sample(tmp.path(), 300);
    let body = std::fs::read(&sample.postings).unwrap();
    store.register("acme", body.clone()).await;
    store.register("globex", body.clone()).await;
    let run = run_id(&run_ok(&mut store.matcher(&sample.companies)));
    let mut before = Vec::new();
    for file in OUTPUT_CSVS {
        before.push(store.get(&format!("runs/{run}/{file}")).await);
    }
    let manifest_before =
        manifest_without_times(&store.get(&format!("runs/{run}/manifest.json")).await);
    let claims_before = claims(&store).await;
    assert_eq!(claims_before.len(), 2);
    crash_before_manifest(&store, &run).await;
    store.register("initech", body).await;

    let retry = run_ok(&mut store.matcher(&sample.companies));

    assert_eq!(resumed(&retry), vec![run.clone()]);
    let new_run = run_id(&retry);
    assert_ne!(new_run, run, "new uploads go to a run of their own");
    for (file, bytes) in OUTPUT_CSVS.iter().zip(&before) {
        assert!(
            store.get(&format!("runs/{run}/{file}")).await == *bytes,
            "{file} differs from the original run's"
        );
    }
    assert_eq!(
        manifest_without_times(&store.get(&format!("runs/{run}/manifest.json")).await),
        manifest_before
    );
    let stderr = String::from_utf8_lossy(&retry.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("resuming a run") && l.contains(&run))
        .collect();
    assert_eq!(lines.len(), 1, "one log line per resumed run:\n{stderr}");
    // Nothing claimed twice: the original claims still name the resumed run, and the new run
    // took only the upload that arrived after the crash.
    let after = claims(&store).await;
    assert_eq!(after.len(), 3);
    for (key, owner) in &claims_before {
        assert_eq!(&after[key], owner);
    }
    assert_eq!(after.values().filter(|r| **r == new_run).count(), 1);
    let new_manifest: serde_json::Value =
        serde_json::from_slice(&store.get(&format!("runs/{new_run}/manifest.json")).await).unwrap();
    let inputs = new_manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0]["partner"], "initech");

    // Completed once: the next run has nothing to resume and nothing new.
    let third = run_ok(&mut store.matcher(&sample.companies));
    assert_eq!(summary(&third)["outcome"], "nothing_new");
    assert!(resumed(&third).is_empty());
}

#[tokio::test]
async fn a_run_that_died_before_its_manifest_is_completed_by_the_next_run_with_identical_files_on_a_local_store()
 {
    a_run_that_died_before_its_manifest_is_completed_by_the_next_run_with_identical_files(
        Backend::Local,
    )
    .await;
}

#[tokio::test]
async fn a_run_that_died_before_its_manifest_is_completed_by_the_next_run_with_identical_files_on_s3()
 {
    a_run_that_died_before_its_manifest_is_completed_by_the_next_run_with_identical_files(
        Backend::S3,
    )
    .await;
}

#[tokio::test]
async fn a_retry_with_no_new_upload_still_completes_the_unfinished_run() {
    let (store, sample, _) = TestStore::local_with_small_sample().await;
    let run = run_id(&run_ok(&mut store.matcher(&sample.companies)));
    store
        .store
        .delete(&format!("runs/{run}/manifest.json"))
        .await
        .unwrap();

    let retry = run_ok(&mut store.matcher(&sample.companies));

    let s = summary(&retry);
    assert_eq!(s["outcome"], "nothing_new", "{s}");
    assert_eq!(resumed(&retry), vec![run.clone()]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&store.get(&format!("runs/{run}/manifest.json")).await).unwrap();
    assert_eq!(manifest["counts"]["input_rows"], sample.rows);
}

#[tokio::test]
async fn an_unfinished_sharded_run_is_left_to_its_own_shards() {
    let (store, sample, _) = TestStore::local_with_small_sample().await;
    let run = "20260101T000000Z-0badc0de";
    run_ok(
        store
            .matcher(&sample.companies)
            .args(["--run-id", run, "--shard", "0/2"]),
    );
    // As if shard 0 had died right after recording the plan: no shard output at all.
    for key in store.keys(&format!("runs/{run}/shards/")).await {
        store.store.delete(&key).await.unwrap();
    }
    assert!(store.exists(&format!("runs/{run}/inputs.json")).await);

    let out = run_ok(&mut store.matcher(&sample.companies));

    assert!(resumed(&out).is_empty(), "{}", summary(&out));
    assert!(!store.exists(&format!("runs/{run}/manifest.json")).await);
}

#[tokio::test]
async fn an_unfinished_run_that_fails_again_does_not_block_new_uploads_but_fails_the_job() {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(Backend::Local).await;
    let sample = write_small_sample(tmp.path());
    let body = std::fs::read(&sample.postings).unwrap();
    store.register("acme", body.clone()).await;
    let broken = run_id(&run_ok(&mut store.matcher(&sample.companies)));
    // As if the run had died before its manifest, and its recorded inputs were then damaged:
    // it can never be completed. (An upload that cannot be read no longer fails a run: it is
    // quarantined.)
    crash_before_manifest(&store, &broken).await;
    store
        .store
        .put(
            &format!("runs/{broken}/inputs.json"),
            bytes::Bytes::from_static(b"{"),
        )
        .await
        .unwrap();
    store.register("globex", body).await;

    let out = store.matcher(&sample.companies).output().unwrap();

    assert!(
        !out.status.success(),
        "a run that cannot be completed fails the job"
    );
    let s = summary(&out);
    assert_eq!(s["resume_failed"], serde_json::json!([broken]), "{s}");
    let new_run = s["run_id"]
        .as_str()
        .expect("the new upload was still matched");
    let manifest: serde_json::Value =
        serde_json::from_slice(&store.get(&format!("runs/{new_run}/manifest.json")).await).unwrap();
    assert_eq!(manifest["inputs"][0]["partner"], "globex");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&broken), "{stderr}");
}

async fn matcher_run_after_a_crash_loads_the_completed_run(backend: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(backend).await;
    let sample = write_generated_sample(tmp.path(), 200);
    let db = format!("sqlite://{}", tmp.path().join("matcher.db").display());
    import_companies(&sample.companies, &db);
    store
        .register("acme", std::fs::read(&sample.postings).unwrap())
        .await;
    let run = run_id(&run_ok(&mut store.matcher_on("match", &db)));
    let manifest: serde_json::Value =
        serde_json::from_slice(&store.get(&format!("runs/{run}/manifest.json")).await).unwrap();
    let matched = manifest["counts"]["matched"].as_i64().unwrap();
    assert!(matched > 0);
    crash_before_manifest(&store, &run).await;

    let out = run_ok(&mut store.matcher_on("run", &db));

    let s = summary(&out);
    assert_eq!(s["outcome"], "nothing_new", "{s}");
    assert_eq!(s["resumed"], serde_json::json!([run]), "{s}");
    assert_eq!(s["loads"][0]["run_id"], run.as_str(), "{s}");
    use sqlx::Connection;
    let mut conn = sqlx::sqlite::SqliteConnection::connect(&db).await.unwrap();
    let open: i64 = sqlx::query_scalar("SELECT count(*) FROM job_postings WHERE closed_at IS NULL")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(open, matched);
}

#[tokio::test]
async fn matcher_run_after_a_crash_loads_the_completed_run_on_a_local_store() {
    matcher_run_after_a_crash_loads_the_completed_run(Backend::Local).await;
}

#[tokio::test]
async fn matcher_run_after_a_crash_loads_the_completed_run_on_s3() {
    matcher_run_after_a_crash_loads_the_completed_run(Backend::S3).await;
}
