//! Idempotency keys on direct uploads: a retry returns the first result, a different body
//! with the same key is refused, a key in flight is 409, a failed upload releases its key.

use crate::common;

use common::{GOOD_CSV, TestApp, eventually, problem, problem_slug};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_and_body_returns_the_first_result() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;

    let first = app
        .upload(&token, "text/csv", GOOD_CSV, Some("weekly-2026-02"))
        .await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    let again = app
        .upload(&token, "text/csv", GOOD_CSV, Some("weekly-2026-02"))
        .await;
    assert_eq!(again.status(), 202);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);
    // One upload stored: its csv and its record.
    assert_eq!(app.incoming().await.len(), 2);

    // The same key from another partner is another key.
    let other = app.partner_with_token("globex").await;
    let theirs: Value = app
        .upload(&other, "text/csv", GOOD_CSV, Some("weekly-2026-02"))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(theirs["upload_id"], first["upload_id"]);
}

#[tokio::test]
async fn the_same_idempotency_key_with_a_different_body_is_422() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    assert_eq!(
        app.upload(&token, "text/csv", GOOD_CSV, Some("k1"))
            .await
            .status(),
        202
    );
    let changed = GOOD_CSV.replace("P-2", "P-3");
    let body = problem(
        app.upload(&token, "text/csv", changed, Some("k1")).await,
        422,
    )
    .await;
    assert_eq!(problem_slug(&body), "idempotency-key-reused");
    assert_eq!(app.incoming().await.len(), 2);
}

#[tokio::test]
async fn a_retry_while_the_first_request_is_still_running_is_409() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;

    // The first request's body arrives slowly, under our control.
    let slow = app.hold_upload(&token, Some("k-slow")).await;
    // The first request holds the key once its record is in the store.
    eventually("the first request records its key", || async {
        app.objects()
            .await
            .iter()
            .any(|k| k.starts_with("idempotency/acme/"))
    })
    .await;

    let body = problem(
        app.upload(&token, "text/csv", GOOD_CSV, Some("k-slow"))
            .await,
        409,
    )
    .await;
    assert_eq!(problem_slug(&body), "idempotency-key-in-flight");

    let first = slow.finish().await;
    assert_eq!(first.status(), 202);
    let replay = app
        .upload(&token, "text/csv", GOOD_CSV, Some("k-slow"))
        .await;
    assert_eq!(replay.status(), 202);
}

#[tokio::test]
async fn a_failed_upload_releases_its_idempotency_key_for_a_corrected_retry() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let bad = "posting_id,job_title\nP-1,x\n";
    problem(app.upload(&token, "text/csv", bad, Some("k2")).await, 422).await;
    assert_eq!(
        app.upload(&token, "text/csv", GOOD_CSV, Some("k2"))
            .await
            .status(),
        202
    );
}

#[tokio::test]
async fn two_retries_racing_to_take_over_a_stale_idempotency_claim_store_one_file() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    // A claim left behind by a process that died an hour ago.
    let record_key = format!(
        "idempotency/acme/{}.json",
        hex::encode(Sha256::digest(b"k-stale"))
    );
    let stale = serde_json::json!({
        "state": "in_flight",
        "started_at": (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339(),
    });
    let (s3, bucket) = (app.s3.as_ref().unwrap(), app.bucket.as_ref().unwrap());
    s3.put_object()
        .bucket(bucket)
        .key(&record_key)
        .body(serde_json::to_vec(&stale).unwrap().into())
        .send()
        .await
        .unwrap();

    let other = GOOD_CSV.replace("P-2", "P-3");
    let (a, b) = tokio::join!(
        app.upload(&token, "text/csv", GOOD_CSV, Some("k-stale")),
        app.upload(&token, "text/csv", other, Some("k-stale")),
    );
    let statuses = [a.status().as_u16(), b.status().as_u16()];
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        1,
        "{statuses:?}"
    );
    let csvs = app
        .incoming()
        .await
        .into_iter()
        .filter(|k| k.ends_with(".csv"))
        .count();
    assert_eq!(csvs, 1);
}
