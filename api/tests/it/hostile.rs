//! Clients that try to wear the service down: floods of wrong secrets at the token endpoint,
//! slow bodies that hold connections, greedy partners.

use crate::common;

use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};
use bytes::Bytes;
use common::process::ServerProcess;
use common::{GOOD_CSV, Options, TestApp, problem};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MIB: u64 = 1024 * 1024;

/// Gives partner `id` an argon2id hash of `secret`, as `partners add` wrote them before.
fn make_legacy(server: &ServerProcess, id: &str, secret: &str) {
    let path = server.partners_file();
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let hash = Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .unwrap()
        .to_string();
    doc["partners"][id]["secret_hash"] = Value::String(hash);
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[tokio::test]
async fn a_flood_of_wrong_secrets_keeps_the_servers_memory_flat_and_the_65th_request_gets_429() {
    let server = ServerProcess::start(&[("PARTNERS_REFRESH", "0s")]).await;
    let ids: Vec<String> = (0..8).map(|i| format!("partner-{i}")).collect();
    for id in &ids {
        server.add_partner(id);
    }
    // One partner still has a memory-hard hash from before: its checks are bounded too.
    make_legacy(&server, &ids[0], "its-real-secret");
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let before = server.memory("VmRSS");

    // 64 at once, 8 per client id: within both default allowances, all wrong.
    let attempts = (0..64).map(|i| {
        let request = http
            .post(server.url("/v1/oauth/token"))
            .basic_auth(&ids[i % ids.len()], Some("wrong-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send();
        async move { request.await.unwrap().status().as_u16() }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");

    let peak = server.memory("VmHWM");
    eprintln!(
        "after: RSS {:.1} MiB",
        server.memory("VmRSS") as f64 / MIB as f64
    );
    let growth = peak.saturating_sub(before);
    eprintln!(
        "token flood: RSS before {:.1} MiB, peak {:.1} MiB, growth {:.1} MiB",
        before as f64 / MIB as f64,
        peak as f64 / MIB as f64,
        growth as f64 / MIB as f64
    );
    assert!(
        growth < 100 * 1000 * 1000,
        "RSS grew by {growth} bytes under 64 wrong-secret requests"
    );

    let response = http
        .post(server.url("/v1/oauth/token"))
        .basic_auth(&ids[1], Some("wrong-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body = problem(response, 429).await;
    assert_eq!(common::problem_slug(&body), "rate-limited");
}

#[tokio::test]
async fn one_client_id_gets_429_after_its_allowance_while_another_still_gets_its_token() {
    let app = TestApp::with(Options {
        local: true,
        flags: vec![("--token-rate-per-client", "3")],
        ..Options::default()
    })
    .await;
    let acme = app.add_partner("acme").await;
    let globex = app.add_partner("globex").await;
    for _ in 0..3 {
        assert_eq!(app.request_token("acme", "wrong").await.status(), 401);
    }
    // Even the right secret waits once the allowance is spent.
    let response = app.request_token("acme", &acme).await;
    assert!(response.headers().contains_key("retry-after"));
    problem(response, 429).await;
    assert_eq!(app.request_token("globex", &globex).await.status(), 200);
}

/// A text/csv upload whose body sends `first` and then waits for more from the returned sender.
fn slow_upload(
    app: &TestApp,
    token: &str,
    first: &'static str,
) -> (
    futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>,
    tokio::task::JoinHandle<reqwest::Response>,
) {
    let (mut tx, rx) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    tx.try_send(Ok(Bytes::from_static(first.as_bytes())))
        .unwrap();
    let request = app
        .http
        .post(app.url("/v1/postings"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(reqwest::Body::wrap_stream(rx))
        .send();
    (tx, tokio::spawn(async move { request.await.unwrap() }))
}

#[tokio::test]
async fn slow_bodies_filling_the_limit_leave_health_checks_and_other_partners_served() {
    let app = TestApp::with(Options {
        local: true,
        max_concurrent_requests: 8,
        flags: vec![("--max-concurrent-per-partner", "4")],
        ..Options::default()
    })
    .await;
    let greedy = app.partner_with_token("greedy").await;
    let other = app.partner_with_token("other").await;

    // Eight slow uploads, as many as the server's whole limit: four hold the greedy
    // partner's share, the other four are refused at once.
    let mut held = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..8 {
        let (tx, response) = slow_upload(&app, &greedy, "posting_id,");
        held.push(tx);
        refused.push(response);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut answered = Vec::new();
    while answered.len() < 4 {
        assert!(Instant::now() < deadline, "the share was not enforced");
        let mut i = 0;
        while i < refused.len() {
            if refused[i].is_finished() {
                answered.push(refused.remove(i).await.unwrap());
            } else {
                i += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for response in answered {
        problem(response, 429).await;
    }

    assert_eq!(app.get_status("/healthz").await, 200);
    assert_eq!(app.get_status("/readyz").await, 200);
    let response = app.upload(&other, "text/csv", GOOD_CSV, None).await;
    assert_eq!(response.status(), 202);
    drop(held);
    for response in refused {
        assert!(!response.await.unwrap().status().is_success());
    }
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_and_nothing_is_stored() {
    let app = TestApp::with(Options {
        local: true,
        flags: vec![("--body-read-timeout", "1s")],
        ..Options::default()
    })
    .await;
    let token = app.partner_with_token("acme").await;
    let (tx, response) = slow_upload(&app, &token, "posting_id,company_name\n");
    let body = problem(response.await.unwrap(), 408).await;
    assert_eq!(common::problem_slug(&body), "body-timeout");
    drop(tx);
    let store = std::path::Path::new(&app.config.store_url);
    assert!(!store.join("incoming").exists());
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = TestApp::with(Options {
        local: true,
        flags: vec![("--header-read-timeout", "1s")],
        ..Options::default()
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // The server closes the connection; reading sees its end (or a reset) within the deadline.
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), socket.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was still open after 30 s");
}

#[tokio::test]
async fn a_partner_added_while_the_server_runs_on_the_local_file_can_log_in_at_once() {
    // The default refresh interval (60 s) applies to Secrets Manager; the file is watched.
    let server = ServerProcess::start(&[]).await;
    let http = reqwest::Client::new();
    let secret = server.add_partner("late");
    let response = http
        .post(server.url("/v1/oauth/token"))
        .basic_auth("late", Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[test]
fn an_admin_error_is_one_line_even_with_rust_backtrace_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = ServerProcess::command(dir.path(), &["partners", "disable", "--id", "nobody"])
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no partner nobody"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("backtrace"), "{stderr}");
    assert!(stderr.lines().count() <= 2, "{stderr}");
}
