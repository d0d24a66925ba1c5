//! The server's own log (the binary, as deployed) never contains a client secret or a token,
//! even at debug level, and has one JSON line per request.

use crate::common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::GOOD_CSV;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ingest-api");

#[tokio::test]
async fn secrets_and_tokens_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = |args: &[&str]| {
        let mut c = Command::new(BIN);
        c.current_dir(dir.path())
            .env_remove("PARTNERS_SECRET_ID")
            .env_remove("STORE_URL")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "debug")
            .args(args);
        c
    };
    let added = cmd(&["partners", "add", "--id", "acme"]).output().unwrap();
    assert!(added.status.success());
    let stdout = String::from_utf8(added.stdout).unwrap();
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("client_secret="))
        .unwrap()
        .to_owned();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = dir.path().join("server.log");
    let mut server = cmd(&["serve"])
        .env("PORT", port.to_string())
        .env("BIND_ADDR", "127.0.0.1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server did not start");

    let token: Value = http
        .post(format!("{base}/v1/oauth/token"))
        .basic_auth("acme", Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let form_login = http
        .post(format!("{base}/v1/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "acme"),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form_login.status(), 200);
    let uploaded = http
        .post(format!("{base}/v1/postings"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(GOOD_CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 202);
    let refused = http
        .post(format!("{base}/v1/postings"))
        .bearer_auth(format!("{token}x"))
        .header("content-type", "text/csv")
        .body(GOOD_CSV)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // Each request's line is written once its response has gone out.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&log)
        .unwrap_or_default()
        .matches("finished processing request")
        .count()
        < 5
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the request lines never came"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let signature = token.rsplit('.').next().unwrap();
    assert!(!text.contains(&secret), "the client secret was logged");
    assert!(!text.contains(signature), "a token was logged");
    assert!(!text.contains(&token[..40]), "a token was logged");

    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let request_lines = lines
        .iter()
        .filter(|l| l["message"] == "finished processing request")
        .count();
    assert_eq!(
        request_lines, 5,
        "one line per request (healthz, 2 tokens, 2 uploads)"
    );
}
