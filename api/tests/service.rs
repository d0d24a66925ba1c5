//! The service around the endpoints: health, readiness, request ids, problem documents for
//! unknown routes, the OpenAPI document, and the embedded default (local store + file).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;

use common::{GOOD_CSV, Options, TestApp, problem, problem_slug};
use serde_json::Value;

#[tokio::test]
async fn healthz_answers_and_readyz_checks_the_store_and_the_registry() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Production: the registry secret does not exist until the first partner is added.
    problem(app.http.get(app.url("/readyz")).send().await.unwrap(), 503).await;
    app.add_partner("acme").await;
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn request_ids_are_generated_or_propagated_and_appear_in_problems() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert!(!response.headers()["x-request-id"].is_empty());
    let response = app
        .http
        .get(app.url("/no-such-thing"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
    let body = problem(response, 404).await;
    assert_eq!(body["request_id"], "trace-me-123");
    assert_eq!(body["instance"], "/no-such-thing");
    problem(
        app.http
            .delete(app.url("/v1/postings"))
            .send()
            .await
            .unwrap(),
        405,
    )
    .await;
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_routed_endpoints() {
    let app = TestApp::spawn().await;
    let doc: Value = app
        .http
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = ingest_api::startup::routes()
        .table
        .iter()
        .map(|(m, p)| (m.to_string(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, routed);
    // And every routed endpoint really answers (not 404/405) at the documented method.
    for (method, path) in &routed {
        let path = path.replace("{id}", "0190f1e2-3c4d-7e5f-8a6b-7c8d9e0f1a2b");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let status = app
            .http
            .request(method.clone(), app.url(&path))
            .send()
            .await
            .unwrap()
            .status();
        assert!(status != 404 && status != 405, "{method} {path}: {status}");
    }
}

#[tokio::test]
async fn the_embedded_default_runs_the_whole_flow_on_a_local_directory_and_file() {
    let app = TestApp::with(Options {
        local: true,
        ..Options::default()
    })
    .await;
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let token = app.partner_with_token("acme").await;
    let response = app
        .upload(&token, "text/csv", GOOD_CSV, Some("local-1"))
        .await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    let key = body["key"].as_str().unwrap();
    let stored = app.config.store_url.clone();
    assert_eq!(
        std::fs::read(format!("{stored}/{key}")).unwrap(),
        GOOD_CSV.as_bytes()
    );
    // The partner file holds only a hash of the secret, readable by its owner only.
    let file = std::fs::read_to_string(&app.config.partners_file).unwrap();
    assert!(file.contains("$argon2id$"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&app.config.partners_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "partner file is readable by others: {mode:o}"
        );
    }
}

#[tokio::test]
async fn requests_beyond_the_concurrency_limit_are_refused_with_503_and_retry_after() {
    let app = TestApp::with(Options {
        max_concurrent_requests: 1,
        ..Options::default()
    })
    .await;
    let token = app.partner_with_token("acme").await;
    // One upload holds the only slot while its body trickles in.
    let (mut tx, rx) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let request = app
        .http
        .post(app.url("/v1/postings"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(reqwest::Body::wrap_stream(rx))
        .send();
    let holding = tokio::spawn(request);
    let (head, rest) = GOOD_CSV.split_at(40);
    futures::SinkExt::send(&mut tx, Ok(Bytes::from(head.to_owned())))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let response = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.headers()["retry-after"], "1");
    let body = problem(response, 503).await;
    assert_eq!(problem_slug(&body), "overloaded");

    futures::SinkExt::send(&mut tx, Ok(Bytes::from(rest.to_owned())))
        .await
        .unwrap();
    drop(tx);
    assert_eq!(holding.await.unwrap().unwrap().status(), 202);
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
