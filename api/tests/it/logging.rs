//! The server's own log (the binary, as deployed) never contains a client secret or a token,
//! even at debug level, and has one JSON line per request.

use crate::common;

use common::GOOD_CSV;
use common::process::ServerProcess;
use serde_json::Value;

#[tokio::test]
async fn secrets_and_tokens_never_reach_the_log() {
    let server = ServerProcess::start(&[("RUST_LOG", "debug"), ("PARTNERS_REFRESH", "0s")]).await;
    let secret = server.add_partner("acme");
    let base = &server.base;
    let http = reqwest::Client::new();
    let health = http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    let token = testkit::http::client_token(&http, base, "acme", &secret).await;
    let form_login = common::form_token_request(&http, base, "acme", &secret).await;
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
    server
        .wait_for_log("the five request lines", |text| {
            (text.matches("finished processing request").count() >= 5).then_some(())
        })
        .await;
    let text = server.stop();
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
