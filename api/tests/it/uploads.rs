//! Direct uploads: what is stored, what is refused, and that a refusal stores nothing.

use crate::common;

use bytes::Bytes;
use common::{GOOD_CSV, Options, TestApp, eventually, generated_csv, problem, problem_slug};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn a_utf8_csv_is_stored_byte_for_byte_under_the_partners_prefix_with_its_record() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;

    let response = app.upload(&token, "text/csv", GOOD_CSV, None).await;
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();

    assert_eq!(body["bytes"], GOOD_CSV.len());
    assert_eq!(body["rows"], 2);
    assert_eq!(body["encoding"], "utf-8");
    assert_eq!(body["sha256"], hex::encode(Sha256::digest(GOOD_CSV)));
    let key = body["key"].as_str().unwrap();
    let id = body["upload_id"].as_str().unwrap();
    assert!(
        key.starts_with("incoming/acme/") && key.ends_with(&format!("/{id}.csv")),
        "{key}"
    );
    assert_eq!(location, format!("/v1/uploads/{id}"));

    assert_eq!(app.object_bytes(key).await, GOOD_CSV.as_bytes());
    let record_key = key.replace(".csv", ".json");
    let record: Value = serde_json::from_slice(&app.object_bytes(&record_key).await).unwrap();
    assert_eq!(record["sha256"], body["sha256"]);
    assert_eq!(record["partner"], "acme");

    let state: Value = app.get_with(&token, &location).await.json().await.unwrap();
    assert_eq!(state["state"], "completed");
    assert_eq!(state["upload"]["key"], key);
}

#[tokio::test]
async fn a_csv_sent_as_the_file_field_of_a_multipart_form_is_accepted() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let form = reqwest::multipart::Form::new().text("note", "weekly").part(
        "file",
        reqwest::multipart::Part::bytes(GOOD_CSV.as_bytes().to_vec())
            .file_name("postings.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let response = app
        .http
        .post(app.url("/v1/postings"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["rows"], 2);
    assert_eq!(
        app.object_bytes(body["key"].as_str().unwrap()).await,
        GOOD_CSV.as_bytes()
    );
}

#[tokio::test]
async fn a_shift_jis_upload_is_stored_as_sent_and_reported_as_shift_jis() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(GOOD_CSV);
    assert!(!unmappable);
    let sjis = sjis.into_owned();

    for content_type in ["text/csv; charset=Shift_JIS", "text/csv"] {
        let response = app.upload(&token, content_type, sjis.clone(), None).await;
        assert_eq!(response.status(), 202, "{content_type}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["encoding"], "shift_jis", "{content_type}");
        assert_eq!(body["rows"], 2);
        assert_eq!(app.object_bytes(body["key"].as_str().unwrap()).await, sjis);
    }
}

#[tokio::test]
async fn a_missing_required_column_is_422_naming_it_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let without_name = "posting_id,job_title,company_address\nP-1,エンジニア,東京都\n";

    let body = problem(
        app.upload(&token, "text/csv", without_name, None).await,
        422,
    )
    .await;
    assert_eq!(problem_slug(&body), "invalid-csv");
    assert!(
        body["detail"].as_str().unwrap().contains("company_name"),
        "{body}"
    );

    // Large enough that the store had started a multipart upload before the verdict.
    let mut big = String::from("posting_id,job_title\n");
    while big.len() < 12 * 1024 * 1024 {
        big.push_str("P-1,エンジニア\n");
    }
    let body = problem(app.upload(&token, "text/csv", big, None).await, 422).await;
    assert!(
        body["detail"].as_str().unwrap().contains("company_name"),
        "{body}"
    );

    assert!(
        app.incoming().await.is_empty(),
        "{:?}",
        app.incoming().await
    );
    assert_eq!(app.unfinished_multipart_uploads().await, 0);
}

/// A header-only file would close every posting of the partner: it is refused unless the
/// partner says it has no postings (`?empty=true`), and then recorded as declared empty.
#[tokio::test]
async fn a_header_only_file_is_422_no_data_rows_unless_declared_empty() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let header_only = "posting_id,company_name,job_title\n";

    let body = problem(app.upload(&token, "text/csv", header_only, None).await, 422).await;
    assert!(
        body["detail"].as_str().unwrap().contains("no data rows"),
        "{body}"
    );
    assert!(app.incoming().await.is_empty());

    let response = app
        .http
        .post(app.url("/v1/postings?empty=true"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(header_only)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["rows"], 0);
    let record_key = body["key"].as_str().unwrap().replace(".csv", ".json");
    let record: Value = serde_json::from_slice(&app.object_bytes(&record_key).await).unwrap();
    assert_eq!(record["declared_empty"], true, "{record}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_nothing_is_stored_even_when_streamed() {
    let limit = 10 * 1024 * 1024;
    let app = TestApp::with(Options {
        max_upload_bytes: limit,
        ..Options::default()
    })
    .await;
    let token = app.partner_with_token("acme").await;
    let csv = generated_csv(limit as usize + 3 * 1024 * 1024);

    // Declared length: refused before reading.
    let body = problem(app.upload(&token, "text/csv", csv.clone(), None).await, 413).await;
    assert_eq!(problem_slug(&body), "body-too-large");

    // Chunked, no length: refused once the count passes the limit, after a multipart upload
    // to the store has begun; that upload must be aborted.
    let chunks: Vec<Result<Bytes, std::io::Error>> = csv
        .into_bytes()
        .chunks(256 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let stream = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    problem(app.upload(&token, "text/csv", stream, None).await, 413).await;

    assert!(
        app.incoming().await.is_empty(),
        "{:?}",
        app.incoming().await
    );
    assert_eq!(app.unfinished_multipart_uploads().await, 0);
}

#[tokio::test]
async fn a_body_that_is_not_csv_gets_415() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let body = problem(
        app.upload(&token, "application/json", "{}", None).await,
        415,
    )
    .await;
    assert_eq!(problem_slug(&body), "unsupported-media-type");
}

#[tokio::test]
async fn a_partner_cannot_see_another_partners_upload() {
    let app = TestApp::spawn().await;
    let acme = app.partner_with_token("acme").await;
    let globex = app.partner_with_token("globex").await;
    let body: Value = app
        .upload(&acme, "text/csv", GOOD_CSV, None)
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/v1/uploads/{}", body["upload_id"].as_str().unwrap());
    assert_eq!(app.get_with(&acme, &path).await.status(), 200);
    problem(app.get_with(&globex, &path).await, 404).await;
    problem(app.get_with(&acme, "/v1/uploads/..%2F..%2Fetc").await, 404).await;
}

#[tokio::test]
async fn a_client_that_goes_away_mid_upload_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let mut sending = app.trickle(&token, None);
    // Past one 8 MiB part, so the store has a multipart upload open.
    let csv = generated_csv(10 * 1024 * 1024);
    for chunk in csv.as_bytes().chunks(1024 * 1024) {
        sending
            .send(Ok(Bytes::copy_from_slice(chunk)))
            .await
            .unwrap();
    }
    eventually("a multipart upload is open", || async {
        app.unfinished_multipart_uploads().await > 0
    })
    .await;
    sending
        .send(Err(std::io::Error::other("client crashed")))
        .await
        .unwrap();
    assert!(
        sending.answer().await.is_err(),
        "the request should have failed client-side"
    );

    // The server notices the broken body and aborts the multipart upload.
    eventually("the multipart upload is aborted", || async {
        app.unfinished_multipart_uploads().await == 0
    })
    .await;
    assert!(
        app.incoming().await.is_empty(),
        "{:?}",
        app.incoming().await
    );
}

#[tokio::test]
async fn an_upload_that_outlasts_the_request_timeout_gets_503_and_nothing_is_stored() {
    let app = TestApp::with(Options {
        request_timeout: "1s",
        ..Options::default()
    })
    .await;
    let token = app.partner_with_token("acme").await;
    let sending = app.hold_upload(&token, Some("slow-one")).await;
    // The rest of the body is held back until the server has answered.
    let body = problem(sending.answer_early().await, 503).await;
    assert_eq!(problem_slug(&body), "timeout");
    assert!(
        app.incoming().await.is_empty(),
        "{:?}",
        app.incoming().await
    );
    assert_eq!(app.unfinished_multipart_uploads().await, 0);
    // The key is released: a retry is accepted (a 409 meanwhile stores nothing).
    eventually("a retry with the same key is accepted", || async {
        app.upload(&token, "text/csv", GOOD_CSV, Some("slow-one"))
            .await
            .status()
            == 202
    })
    .await;
}
