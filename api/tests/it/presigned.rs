//! Presigned uploads: the partner PUTs straight to S3, then asks the API to validate and
//! register the object.

use crate::common;

use common::{GOOD_CSV, Options, TestApp, problem, problem_slug};
use serde_json::{Value, json};

async fn start(app: &TestApp, token: &str) -> Value {
    let response = app
        .http
        .post(app.url("/v1/uploads"))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn complete(app: &TestApp, token: &str, created: &Value) -> reqwest::Response {
    app.http
        .post(app.url(created["complete_url"].as_str().unwrap()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// A PUT straight to a presigned URL, as a partner's client sends the file (no API token).
async fn put_to(url: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    reqwest::Client::new()
        .put(url)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_presigned_upload_goes_straight_to_s3_and_is_registered_on_complete() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let created = start(&app, &token).await;
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("incoming/acme/"), "{key}");
    let state_path = format!("/v1/uploads/{}", created["upload_id"].as_str().unwrap());
    let state: Value = app
        .get_with(&token, &state_path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["state"], "awaiting_upload");

    // Completing before anything was uploaded is refused, and changes nothing.
    problem(complete(&app, &token, &created).await, 409).await;

    // The partner's HTTP client PUTs to the URL: no API token, no AWS credentials.
    let put = put_to(created["upload_url"].as_str().unwrap(), GOOD_CSV).await;
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());

    let response = complete(&app, &token, &created).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["key"], key.as_str());
    assert_eq!(body["rows"], 2);
    assert_eq!(body["encoding"], "utf-8");
    assert_eq!(body["upload_id"], created["upload_id"]);

    // Checked with the AWS SDK: the object as sent, and its record beside it.
    assert_eq!(app.object_bytes(&key).await, GOOD_CSV.as_bytes());
    let record: Value =
        serde_json::from_slice(&app.object_bytes(&key.replace(".csv", ".json")).await).unwrap();
    assert_eq!(record["sha256"], body["sha256"]);

    let state: Value = app
        .get_with(&token, &state_path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["state"], "completed");
    // Completing again answers the same.
    let again: Value = complete(&app, &token, &created).await.json().await.unwrap();
    assert_eq!(again, body);
}

#[tokio::test]
async fn a_presigned_upload_with_a_bad_header_is_deleted_and_explained() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let created = start(&app, &token).await;
    let put = put_to(
        created["upload_url"].as_str().unwrap(),
        "posting_id,company_name\nP-1,株式会社テスト\n",
    )
    .await;
    assert!(put.status().is_success());

    let body = problem(complete(&app, &token, &created).await, 422).await;
    assert!(
        body["detail"].as_str().unwrap().contains("job_title"),
        "{body}"
    );
    assert!(
        app.incoming().await.is_empty(),
        "{:?}",
        app.incoming().await
    );

    let state_path = format!("/v1/uploads/{}", created["upload_id"].as_str().unwrap());
    let state: Value = app
        .get_with(&token, &state_path)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["state"], "rejected");
    assert!(state["problem"].as_str().unwrap().contains("job_title"));
}

#[tokio::test]
async fn another_partner_cannot_complete_or_see_a_presigned_upload() {
    let app = TestApp::spawn().await;
    let acme = app.partner_with_token("acme").await;
    let globex = app.partner_with_token("globex").await;
    let created = start(&app, &acme).await;
    problem(complete(&app, &globex, &created).await, 404).await;
}

#[tokio::test]
async fn the_local_store_says_presigned_uploads_are_not_available_and_points_to_direct_upload() {
    let app = TestApp::with(Options {
        local: true,
        ..Options::default()
    })
    .await;
    let token = app.partner_with_token("acme").await;
    let response = app
        .http
        .post(app.url("/v1/uploads"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body = problem(response, 501).await;
    assert_eq!(problem_slug(&body), "not-available");
    assert!(body["detail"].as_str().unwrap().contains("/v1/postings"));
}

#[tokio::test]
async fn a_put_to_the_presigned_url_after_complete_leaves_the_registered_object_unchanged() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let created = start(&app, &token).await;
    let url = created["upload_url"].as_str().unwrap().to_owned();
    let key = created["key"].as_str().unwrap().to_owned();
    let put = put_to(&url, GOOD_CSV).await;
    assert!(put.status().is_success());
    let response = complete(&app, &token, &created).await;
    assert_eq!(response.status(), 200);
    let registered: Value = response.json().await.unwrap();
    // The staged copy is gone once registered.
    assert!(
        !app.objects()
            .await
            .iter()
            .any(|k| k.starts_with("staging/")),
        "{:?}",
        app.objects().await
    );

    // The URL is still within its lifetime: whatever it accepts now lands beside the
    // registered object, never on it.
    let tampered = GOOD_CSV.replace("エンジニア", "改ざん");
    let _ = put_to(&url, tampered).await;
    assert_eq!(app.object_bytes(&key).await, GOOD_CSV.as_bytes());
    let record: Value =
        serde_json::from_slice(&app.object_bytes(&key.replace(".csv", ".json")).await).unwrap();
    assert_eq!(record["sha256"], registered["sha256"]);
    let again: Value = complete(&app, &token, &created).await.json().await.unwrap();
    assert_eq!(again, registered);
}

#[tokio::test]
async fn an_unknown_charset_is_refused_when_the_upload_is_created_and_nothing_is_left() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let response = app
        .http
        .post(app.url("/v1/uploads"))
        .bearer_auth(&token)
        .json(&json!({ "charset": "latin1" }))
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(problem_slug(&body), "unknown-charset");
    assert!(app.objects().await.is_empty(), "{:?}", app.objects().await);
}

#[tokio::test]
async fn a_missing_bucket_makes_readiness_and_uploads_503_unavailable_without_internals() {
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let (s3, bucket) = (app.s3.as_ref().unwrap(), app.bucket.as_ref().unwrap());
    s3.delete_bucket().bucket(bucket).send().await.unwrap();

    let response = app.http.get(app.url("/readyz")).send().await.unwrap();
    let body = problem(response, 503).await;
    assert_eq!(body["detail"], "store unavailable");

    let response = app
        .http
        .post(app.url("/v1/uploads"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("retry-after"));
    let body = problem(response, 503).await;
    assert_eq!(problem_slug(&body), "unavailable");
    let response = app.upload(&token, "text/csv", GOOD_CSV, None).await;
    assert!(response.headers().contains_key("retry-after"));
    let body = problem(response, 503).await;
    assert_eq!(problem_slug(&body), "unavailable");
    let text = body.to_string();
    assert!(
        !text.contains(bucket.as_str()) && !text.contains("127.0.0.1"),
        "{text}"
    );
}

#[tokio::test]
async fn a_declared_checksum_is_signed_into_the_url_and_a_different_file_is_refused_at_complete() {
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn().await;
    let token = app.partner_with_token("acme").await;
    let declared = json!({
        "bytes": GOOD_CSV.len(),
        "sha256": hex::encode(Sha256::digest(GOOD_CSV.as_bytes())),
    });
    let create = |body: Value| {
        app.http
            .post(app.url("/v1/uploads"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let created: Value = create(declared.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = created["upload_url"].as_str().unwrap();
    // S3 checks what is signed: this URL takes only that length and checksum, and no overwrite.
    for signed in ["content-length", "if-none-match", "x-amz-checksum-sha256"] {
        assert!(url.contains(signed), "{signed} is not signed: {url}");
    }
    let headers = created["upload_headers"].as_object().unwrap();
    assert_eq!(headers["if-none-match"], "*");

    // Another file under the URL (the test endpoint does not check signatures; S3 would
    // refuse it) is still caught by `complete`, and deleted.
    let other = GOOD_CSV.replace("P-2", "P-9");
    let put = put_to(url, other).await;
    assert!(put.status().is_success());
    let body = problem(complete(&app, &token, &created).await, 422).await;
    assert!(
        body["detail"].as_str().unwrap().contains("declared"),
        "{body}"
    );
    assert!(app.incoming().await.is_empty());

    // The declared file, sent with the headers it was signed with, is registered.
    let created: Value = create(declared.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut put = reqwest::Client::new()
        .put(created["upload_url"].as_str().unwrap())
        .body(GOOD_CSV);
    for (name, value) in created["upload_headers"].as_object().unwrap() {
        if name != "content-length" {
            put = put.header(name, value.as_str().unwrap());
        }
    }
    let put = put.send().await.unwrap();
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    let response = complete(&app, &token, &created).await;
    assert_eq!(response.status(), 200);
    let registered: Value = response.json().await.unwrap();
    assert_eq!(registered["sha256"], declared["sha256"]);
}
