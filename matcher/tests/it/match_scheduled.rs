//! Scheduled mode: `matcher match` over the store's registered uploads, against a local
//! directory and the real S3 endpoint.

use crate::match_support;

use match_support::store::{Backend, TestStore, run_id};
use match_support::*;

/// Two partners' uploads registered through intake, as the API registers them.
async fn two_uploads(store: &TestStore, dir: &std::path::Path) -> Sample {
    let sample = write_generated_sample(dir, 400);
    let body = std::fs::read(&sample.postings).unwrap();
    store.register("acme", body.clone()).await;
    store.register("globex", body).await;
    sample
}

async fn each_upload_is_consumed_once_and_a_second_run_finds_nothing_new(backend: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(backend).await;
    let sample = two_uploads(&store, tmp.path()).await;
    let records: Vec<serde_json::Value> = {
        let mut v = Vec::new();
        for key in store.keys("incoming/").await {
            if key.ends_with(".json") {
                v.push(serde_json::from_slice(&store.get(&key).await).unwrap());
            }
        }
        v
    };
    assert_eq!(records.len(), 2);

    let first = run_ok(&mut store.matcher(&sample.companies));
    let run = run_id(&first);
    let manifest: serde_json::Value =
        serde_json::from_slice(&store.get(&format!("runs/{run}/manifest.json")).await).unwrap();
    assert_eq!(manifest["run_id"], run.as_str());
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2);
    for record in &records {
        let input = inputs
            .iter()
            .find(|i| i["upload_id"] == record["upload_id"])
            .expect("every upload is an input");
        for field in ["partner", "key", "sha256", "bytes"] {
            assert_eq!(input[field], record[field], "{field}");
        }
        let marker: serde_json::Value = serde_json::from_slice(
            &store
                .get(&format!(
                    "consumed/{}.json",
                    record["upload_id"].as_str().unwrap()
                ))
                .await,
        )
        .unwrap();
        assert_eq!(marker["run_id"], run.as_str());
    }
    let counts = &manifest["counts"];
    assert_eq!(counts["input_rows"], 2 * sample.rows);
    let rows = |name: &str| {
        let store = &store;
        let key = format!("runs/{run}/{name}");
        async move { read_csv_bytes(&store.get(&key).await) }
    };
    let (matched, unmatched, rejected) = (
        rows("matched.csv").await,
        rows("unmatched.csv").await,
        rows("rejected.csv").await,
    );
    assert_eq!(counts["matched"], (matched.len() - 1) as u64);
    assert_eq!(counts["unmatched"], (unmatched.len() - 1) as u64);
    assert_eq!(counts["rejected"], (rejected.len() - 1) as u64);
    // Rows carry the upload they came from, partner by partner.
    let partners: Vec<&str> = matched[1..].iter().map(|r| r[12].as_str()).collect();
    assert!(partners.contains(&"acme") && partners.contains(&"globex"));
    assert!(
        partners.windows(2).all(|w| w[0] <= w[1]),
        "ordered by partner"
    );

    let second = run_ok(&mut store.matcher(&sample.companies));
    let s = summary(&second);
    assert_eq!(s["outcome"], "nothing_new", "{s}");
    let run_dirs: std::collections::BTreeSet<String> = store
        .keys("runs/")
        .await
        .into_iter()
        .map(|k| k.split('/').nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(run_dirs.into_iter().collect::<Vec<_>>(), vec![run.clone()]);

    // A later upload is taken by the next run, alone.
    store
        .register("acme", std::fs::read(&sample.postings).unwrap())
        .await;
    let third = run_id(&run_ok(&mut store.matcher(&sample.companies)));
    assert_ne!(third, run);
    let manifest: serde_json::Value =
        serde_json::from_slice(&store.get(&format!("runs/{third}/manifest.json")).await).unwrap();
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn each_upload_is_consumed_once_and_a_second_run_finds_nothing_new_on_a_local_store() {
    each_upload_is_consumed_once_and_a_second_run_finds_nothing_new(Backend::Local).await;
}

#[tokio::test]
async fn each_upload_is_consumed_once_and_a_second_run_finds_nothing_new_on_s3() {
    each_upload_is_consumed_once_and_a_second_run_finds_nothing_new(Backend::S3).await;
}

async fn a_rerun_by_run_id_reproduces_the_run_byte_for_byte(backend: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(backend).await;
    let sample = two_uploads(&store, tmp.path()).await;
    let run = run_id(&run_ok(&mut store.matcher(&sample.companies)));
    let mut before = Vec::new();
    for file in OUTPUT_CSVS {
        before.push(store.get(&format!("runs/{run}/{file}")).await);
    }
    let manifest_before =
        manifest_without_times(&store.get(&format!("runs/{run}/manifest.json")).await);
    let consumed_before = store.keys("consumed/").await;

    // A new upload arrives in between: the re-run must not take it.
    store
        .register("initech", std::fs::read(&sample.postings).unwrap())
        .await;
    let rerun = run_ok(
        store
            .matcher(&sample.companies)
            .args(["--run-id", &run])
            .env("RAYON_NUM_THREADS", "1"),
    );
    assert_eq!(run_id(&rerun), run);
    for (file, bytes) in OUTPUT_CSVS.iter().zip(&before) {
        assert!(
            store.get(&format!("runs/{run}/{file}")).await == *bytes,
            "{file} changed on re-run"
        );
    }
    assert_eq!(
        manifest_without_times(&store.get(&format!("runs/{run}/manifest.json")).await),
        manifest_before
    );
    assert_eq!(
        store.keys("consumed/").await,
        consumed_before,
        "no new claims"
    );
}

#[tokio::test]
async fn a_rerun_by_run_id_reproduces_the_run_byte_for_byte_on_a_local_store() {
    a_rerun_by_run_id_reproduces_the_run_byte_for_byte(Backend::Local).await;
}

#[tokio::test]
async fn a_rerun_by_run_id_reproduces_the_run_byte_for_byte_on_s3() {
    a_rerun_by_run_id_reproduces_the_run_byte_for_byte(Backend::S3).await;
}

#[tokio::test]
async fn a_rerun_of_an_unknown_run_fails_and_claims_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(Backend::Local).await;
    let sample = two_uploads(&store, tmp.path()).await;
    let out = store
        .matcher(&sample.companies)
        .args(["--run-id", "20260101T000000Z-0badc0de"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no recorded inputs"), "{stderr}");
    assert!(store.keys("consumed/").await.is_empty());
}

/// One partner's object disappears and another's is changed after registration: both are
/// quarantined with their reason, and the third partner's upload is matched as usual.
#[tokio::test]
async fn an_upload_missing_or_altered_at_match_time_is_quarantined_and_every_other_upload_is_matched()
 {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(Backend::Local).await;
    let sample = write_small_sample(tmp.path());
    let body = std::fs::read(&sample.postings).unwrap();
    let good = store.register("acme", body.clone()).await;
    let gone = store.register("gone", body.clone()).await;
    let altered = store.register("altered", body.clone()).await;
    store.store.delete(&gone.key).await.unwrap();
    let mut tampered = body;
    tampered.extend_from_slice("P8,株式会社後から,,,,事務,,,,,,\n".as_bytes());
    store
        .store
        .put(&altered.key, bytes::Bytes::from(tampered))
        .await
        .unwrap();

    let out = run_ok(&mut store.matcher(&sample.companies));

    let run = run_id(&out);
    let manifest: serde_json::Value =
        serde_json::from_slice(&store.get(&format!("runs/{run}/manifest.json")).await).unwrap();
    let inputs: Vec<&str> = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["partner"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["acme"]);
    assert_eq!(manifest["counts"]["input_rows"], sample.rows);
    let state = |id: postings::UploadId| {
        let store = &store;
        async move {
            let body = store.get(&format!("states/{id}.json")).await;
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()
        }
    };
    assert_eq!(state(good.upload_id).await["state"], "matched");
    for (record, why) in [(&gone, "missing"), (&altered, "altered")] {
        let s = state(record.upload_id).await;
        assert_eq!(s["state"], "quarantined", "{s}");
        assert_eq!(s["run_id"], run.as_str());
        assert!(s["reason"].as_str().unwrap().starts_with(why), "{s}");
    }
    assert_eq!(summary(&out)["quarantined"].as_array().unwrap().len(), 2);
}

/// A run that died between claiming an upload and recording its plan left a claim nothing
/// would ever complete: once its lease has expired, the next run takes the upload.
#[tokio::test]
async fn a_claim_whose_run_never_recorded_its_plan_is_taken_back_after_its_lease() {
    let (store, sample, record) = TestStore::local_with_small_sample().await;
    let stale = serde_json::json!({"run_id": "20260101T000000Z-0badc0de", "claimed_at": "2026-01-01T00:00:00Z"});
    store
        .store
        .put(
            &format!("consumed/{}.json", record.upload_id),
            stale.to_string().into(),
        )
        .await
        .unwrap();

    let out = run_ok(&mut store.matcher(&sample.companies));

    let run = run_id(&out);
    assert_eq!(summary(&out)["inputs"], 1);
    let marker: serde_json::Value = serde_json::from_slice(
        &store
            .get(&format!("consumed/{}.json", record.upload_id))
            .await,
    )
    .unwrap();
    assert_eq!(marker["run_id"], run.as_str());
}

#[tokio::test]
async fn concurrent_runs_never_take_the_same_upload() {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(Backend::Local).await;
    let sample = write_small_sample(tmp.path());
    let body = std::fs::read(&sample.postings).unwrap();
    let mut ids = Vec::new();
    for partner in ["p0", "p1", "p2", "p3", "p4", "p5"] {
        ids.push(
            store
                .register(partner, body.clone())
                .await
                .upload_id
                .to_string(),
        );
    }
    let children: Vec<_> = (0..3)
        .map(|_| {
            store
                .matcher(&sample.companies)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut taken = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = summary(&out);
        if s["outcome"] == "completed" {
            let run = s["run_id"].as_str().unwrap();
            let m: serde_json::Value =
                serde_json::from_slice(&store.get(&format!("runs/{run}/manifest.json")).await)
                    .unwrap();
            for input in m["inputs"].as_array().unwrap() {
                taken.push(input["upload_id"].as_str().unwrap().to_owned());
            }
        }
    }
    taken.sort();
    ids.sort();
    assert_eq!(taken, ids, "each upload taken by exactly one run");
}

/// A company database of its own for one test: a SQLite file, or a fresh PostgreSQL database
/// on the test server (PG_ADMIN_URL).
async fn company_database(tmp: &std::path::Path, postgres: bool) -> String {
    if !postgres {
        return format!("sqlite://{}", tmp.join("companies.db").display());
    }
    // Left for tests/with-services to sweep: the matcher may still hold connections.
    testkit::pg::PgDatabase::create("match").await.url
}

async fn scheduled_runs_read_the_company_master_from_the_database(postgres: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(Backend::Local).await;
    let sample = write_small_sample(tmp.path());
    let db = company_database(tmp.path(), postgres).await;
    import_companies(&sample.companies, &db);
    store
        .register("acme", std::fs::read(&sample.postings).unwrap())
        .await;

    let run = run_id(&run_ok(&mut store.matcher_on("match", &db)));
    let manifest: serde_json::Value =
        serde_json::from_slice(&store.get(&format!("runs/{run}/manifest.json")).await).unwrap();
    let backend = if postgres { "postgres" } else { "sqlite" };
    assert_eq!(
        manifest["companies"]["source"],
        format!("database:{backend}")
    );
    assert_eq!(manifest["companies"]["count"], sample.valid_companies);
    assert_eq!(manifest["counts"]["input_rows"], sample.rows);
    let matched = read_csv_bytes(&store.get(&format!("runs/{run}/matched.csv")).await);
    let p1 = matched[1..]
        .iter()
        .find(|r| r[0] == "P1")
        .expect("P1 linked");
    assert_eq!(p1[15], "1180301018771");
}

#[tokio::test]
async fn scheduled_runs_read_the_company_master_from_sqlite() {
    scheduled_runs_read_the_company_master_from_the_database(false).await;
}

#[tokio::test]
async fn scheduled_runs_read_the_company_master_from_postgresql() {
    scheduled_runs_read_the_company_master_from_the_database(true).await;
}
