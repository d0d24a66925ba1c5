//! The service around the endpoints: health, readiness, request ids, problem documents for
//! unknown routes, the OpenAPI document, and the embedded default (local store + file).

use crate::common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{GOOD_CSV, Options, TestApp, problem, problem_slug};
use serde_json::Value;

#[tokio::test]
async fn healthz_answers_and_readyz_checks_the_store_and_the_registry() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get_status("/healthz").await, 200);
    // Production: the registry secret does not exist until the first partner is added.
    let body = problem(app.http.get(app.url("/readyz")).send().await.unwrap(), 503).await;
    assert_eq!(body["detail"], "partner registry has no signing key");
    app.add_partner("acme").await;
    // The answer is cached for a few seconds; then the new state shows.
    testkit::poll::eventually("the service to be ready", || async {
        let response = app.http.get(app.url("/readyz")).send().await.unwrap();
        response.status() == 200
    })
    .await;
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
        .table()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p))
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
    assert_eq!(app.get_status("/readyz").await, 200);
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
    assert!(file.contains("\"sha256$"), "{file}");
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
    let holding = app.hold_upload(&token, None).await;
    // Until the upload holds the slot, a probe is simply served.
    let response =
        testkit::poll::until("the slot to be taken", Duration::from_secs(30), || async {
            let response = app.http.get(app.url("/openapi.json")).send().await.unwrap();
            (response.status() == 503).then_some(response)
        })
        .await;
    assert_eq!(response.headers()["retry-after"], "1");
    let body = problem(response, 503).await;
    assert_eq!(problem_slug(&body), "overloaded");
    // Health checks are outside the limit: a full server is still alive.
    assert_eq!(app.get_status("/healthz").await, 200);

    assert_eq!(holding.finish().await.status(), 202);
    assert_eq!(app.get_status("/healthz").await, 200);
}

#[tokio::test]
async fn an_overlong_request_target_gets_414_as_a_problem_document() {
    let app = TestApp::with(Options {
        local: true,
        ..Options::default()
    })
    .await;
    let path = format!("/v1/uploads/{}", "a".repeat(20 * 1024));
    let body = problem(app.http.get(app.url(&path)).send().await.unwrap(), 414).await;
    assert_eq!(problem_slug(&body), "uri-too-long");
}

#[test]
fn serve_binds_loopback_unless_told_otherwise() {
    use clap::Parser;
    use ingest_api::config::{Cli, Command};
    let cli = Cli::try_parse_from(["ingest-api", "serve"]).unwrap();
    let Command::Serve(args) = cli.command else {
        panic!("not serve")
    };
    assert_eq!(args.bind, "127.0.0.1");
}

/// Schemathesis (installed by `tests/with-services` into the repository's `.venv`) against the
/// running server, with every check, without credentials and with a partner's token.
#[tokio::test]
async fn the_api_holds_its_openapi_contract_under_schemathesis() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schemathesis = root.join("../.venv/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "{} is missing: run the tests through tests/with-services, which installs it",
        schemathesis.display()
    );
    // The production path (S3 and Secrets Manager on the test endpoint), so that presigned
    // uploads are there to be tested too.
    let app = TestApp::with(Options {
        // The test drives many token requests; the limits themselves are tested elsewhere.
        flags: vec![
            ("--token-rate-per-client", "1000000"),
            ("--token-rate-per-address", "1000000"),
        ],
        ..Options::default()
    })
    .await;
    let token = app.partner_with_token("acme").await;
    // Schemathesis keeps a cache in its working directory: not in the repository.
    let work = tempfile::tempdir().unwrap();
    for bearer in [None, Some(token)] {
        let mut cmd = tokio::process::Command::new(&schemathesis);
        cmd.current_dir(work.path())
            .arg("--config-file")
            .arg(root.join("tests/schemathesis.toml"))
            .args(["--no-color", "run", &app.url("/openapi.json")])
            .args(["--checks", "all", "--workers", "1"]);
        if let Some(token) = &bearer {
            cmd.args(["--header", &format!("Authorization: Bearer {token}")]);
        }
        let out = cmd.output().await.unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "schemathesis ({} token) failed:\n{report}\n{}",
            if bearer.is_some() { "with" } else { "without" },
            String::from_utf8_lossy(&out.stderr)
        );
        let summary = report
            .lines()
            .skip_while(|l| !l.contains("Test cases:"))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        eprintln!("schemathesis: {summary}");
    }
}
