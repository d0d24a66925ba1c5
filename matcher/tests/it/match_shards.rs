//! Sharded runs (AWS Batch array jobs): the shards together write exactly the rows of one
//! unsharded run, with the same decisions.

use crate::match_support;

use std::process::Stdio;

use match_support::store::{Backend, TestStore, run_id};
use match_support::*;

/// All data rows of one output file across the given run directories, in a canonical order.
async fn rows_of(
    store: &TestStore,
    dirs: &[String],
    file: &str,
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = None;
    let mut rows = Vec::new();
    for dir in dirs {
        let mut all = read_csv_bytes(&store.get(&format!("{dir}{file}")).await);
        let h = all.remove(0);
        assert!(
            header.get_or_insert_with(|| h.clone()) == &h,
            "{dir}{file} header"
        );
        rows.extend(all);
    }
    rows.sort();
    (header.unwrap(), rows)
}

async fn two_shards_together_equal_one_unsharded_run(backend: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(backend).await;
    let sample = write_generated_sample(tmp.path(), 600);
    let body = std::fs::read(&sample.postings).unwrap();
    store.register("acme", body.clone()).await;
    store.register("globex", body).await;

    // An array job: both children get the same run id; shard 1 starts first and waits for
    // shard 0 to record the run's inputs.
    let run = postings::RunId::new().to_string();
    let shard = |i: &str| {
        let mut cmd = store.matcher(&sample.companies);
        cmd.env("MATCH_RUN_ID", &run)
            .env("AWS_BATCH_JOB_ARRAY_INDEX", i)
            .env("MATCH_SHARD_COUNT", "2")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let mut second = shard("1").spawn().unwrap();
    // Shard 1's log, read as it comes: shard 0 starts once shard 1 says it is waiting.
    let (waiting_tx, waiting) = std::sync::mpsc::channel();
    let log = second.stderr.take().unwrap();
    let second_log = std::thread::spawn(move || {
        let mut text = String::new();
        for line in std::io::BufRead::lines(std::io::BufReader::new(log)) {
            let line = line.unwrap();
            if line.contains("waiting for shard 0") {
                let _ = waiting_tx.send(());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    waiting
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("shard 1 never waited for the run's inputs");
    let first = shard("0").spawn().unwrap();
    let out = first.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(run_id(&out), run);
    let out = second.wait_with_output().unwrap();
    let log = second_log.join().unwrap();
    assert!(out.status.success(), "{log}");
    assert_eq!(run_id(&out), run);

    // The same run, unsharded, by re-running it on its recorded inputs.
    assert_eq!(
        run_id(&run_ok(
            store.matcher(&sample.companies).args(["--run-id", &run])
        )),
        run
    );

    let shard_dirs = [
        format!("runs/{run}/shards/0-of-2/"),
        format!("runs/{run}/shards/1-of-2/"),
    ];
    let whole = [format!("runs/{run}/")];
    let mut total_rows = 0;
    for file in OUTPUT_CSVS {
        let (h_sharded, sharded) = rows_of(&store, &shard_dirs, file).await;
        let (h_whole, unsharded) = rows_of(&store, &whole, file).await;
        assert_eq!(h_sharded, h_whole);
        assert_eq!(sharded.len(), unsharded.len(), "{file}");
        assert!(
            sharded == unsharded,
            "{file}: shards differ from the unsharded run"
        );
        total_rows += unsharded.len() as u64;
    }
    assert_eq!(total_rows, 2 * sample.rows);

    let mut shard_inputs = 0;
    for (i, dir) in shard_dirs.iter().enumerate() {
        let m: serde_json::Value =
            serde_json::from_slice(&store.get(&format!("{dir}manifest.json")).await).unwrap();
        assert_eq!(m["shard"]["index"], i as u64);
        assert_eq!(m["shard"]["count"], 2);
        assert!(
            m["counts"]["matched"].as_u64().unwrap() > 0,
            "shard {i} did work"
        );
        shard_inputs += m["counts"]["input_rows"].as_u64().unwrap();
    }
    assert_eq!(shard_inputs, 2 * sample.rows);

    // Only one set of claims was made, naming the run.
    let consumed = store.keys("consumed/").await;
    assert_eq!(consumed.len(), 2);
    for key in consumed {
        let marker: serde_json::Value = serde_json::from_slice(&store.get(&key).await).unwrap();
        assert_eq!(marker["run_id"], run.as_str());
    }
}

#[tokio::test]
async fn two_shards_together_equal_one_unsharded_run_on_a_local_store() {
    two_shards_together_equal_one_unsharded_run(Backend::Local).await;
}

#[tokio::test]
async fn two_shards_together_equal_one_unsharded_run_on_s3() {
    two_shards_together_equal_one_unsharded_run(Backend::S3).await;
}

#[tokio::test]
async fn a_shard_without_a_shared_run_id_refuses_to_start() {
    let (store, sample, _) = TestStore::local_with_small_sample().await;
    let out = store
        .matcher(&sample.companies)
        .args(["--shard", "0/2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("MATCH_RUN_ID"));
    assert!(store.keys("consumed/").await.is_empty(), "nothing claimed");
}

#[tokio::test]
async fn children_of_one_array_job_agree_on_a_run_id_without_being_given_one() {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(Backend::Local).await;
    let sample = write_generated_sample(tmp.path(), 200);
    store
        .register("acme", std::fs::read(&sample.postings).unwrap())
        .await;
    let child = |i: &str| {
        store
            .matcher(&sample.companies)
            .env(
                "AWS_BATCH_JOB_ID",
                format!("0f1e2d3c-aaaa-bbbb-cccc-123456789abc:{i}"),
            )
            .env("AWS_BATCH_JOB_ARRAY_INDEX", i)
            .env("MATCH_SHARD_COUNT", "2")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (one, zero) = (child("1"), child("0"));
    let mut runs = Vec::new();
    for c in [zero, one] {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        runs.push(run_id(&out));
    }
    assert_eq!(runs[0], runs[1], "one run id for the whole array job");
    let run = &runs[0];
    let mut rows = 0;
    for i in 0..2 {
        let m: serde_json::Value = serde_json::from_slice(
            &store
                .get(&format!("runs/{run}/shards/{i}-of-2/manifest.json"))
                .await,
        )
        .unwrap();
        rows += m["counts"]["input_rows"].as_u64().unwrap();
    }
    assert_eq!(rows, sample.rows);
}

#[tokio::test]
async fn a_run_split_one_way_cannot_be_rerun_split_another_way() {
    let (store, sample, _) = TestStore::local_with_small_sample().await;
    let run = postings::RunId::new().to_string();
    for i in ["0", "1"] {
        run_ok(
            store
                .matcher(&sample.companies)
                .env("MATCH_RUN_ID", &run)
                .args(["--shard", &format!("{i}/2")]),
        );
    }
    let out = store
        .matcher(&sample.companies)
        .args(["--run-id", &run, "--shard", "0/3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already split into 2 shards"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !store
            .exists(&format!("runs/{run}/shards/0-of-3/manifest.json"))
            .await
    );
    // The same split re-runs fine.
    run_ok(
        store
            .matcher(&sample.companies)
            .args(["--run-id", &run, "--shard", "1/2"]),
    );
}
