//! Tokens: issue, use, and every way a token must be refused (RFC 8725).

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use common::{GOOD_CSV, Options, TestApp, problem, problem_slug};
use hmac_sign::sign;
use ingest_api::admin;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

/// Builds tokens by hand so that each test can break exactly one thing.
pub(crate) mod hmac_sign {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::Value;

    pub fn sign(header: Header, claims: &Value, secret: &[u8]) -> String {
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    /// A token whose header says `alg` but whose signature is HMAC-SHA256 with `secret`:
    /// the HS/RS confusion attack signs with what it believes is the verification key.
    pub fn with_alg(alg: &str, kid: &str, claims: &Value, secret: &[u8]) -> String {
        let header = serde_json::json!({ "alg": alg, "typ": "at+jwt", "kid": kid });
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{h}.{c}");
        let sig = jsonwebtoken::crypto::sign(
            input.as_bytes(),
            &EncodingKey::from_secret(secret),
            Algorithm::HS256,
        )
        .unwrap();
        format!("{input}.{sig}")
    }
}

pub(crate) struct Keys {
    pub(crate) kid: String,
    pub(crate) secret: Vec<u8>,
}

pub(crate) async fn current_key(app: &TestApp) -> Keys {
    let registry = admin::registry(&app.config).await;
    let doc = registry.reload().await.unwrap();
    let key = doc.current_key().unwrap();
    Keys {
        kid: key.kid.clone(),
        secret: URL_SAFE_NO_PAD.decode(key.secret.expose_secret()).unwrap(),
    }
}

pub(crate) fn claims(sub: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "iss": "ingest-api", "aud": "ingest-api", "sub": sub,
        "iat": now, "nbf": now, "exp": now + 600,
        "jti": "test", "scope": "postings:write"
    })
}

pub(crate) fn header(kid: &str) -> jsonwebtoken::Header {
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    h.kid = Some(kid.to_owned());
    h.typ = Some("at+jwt".to_owned());
    h
}

pub(crate) async fn upload_status(app: &TestApp, token: &str) -> reqwest::Response {
    app.upload(token, "text/csv", GOOD_CSV, None).await
}

#[tokio::test]
async fn a_partner_exchanges_its_credentials_for_a_token_and_uploads_with_it() {
    let app = TestApp::spawn().await;
    let secret = app.add_partner("acme").await;

    let response = app.request_token("acme", &secret).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();

    // The token carries what RFC 8725 / RFC 9068 ask for.
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::HS256);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.kid, Some(current_key(&app).await.kid));
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    for claim in ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "scope"] {
        assert!(payload.get(claim).is_some(), "missing {claim}: {payload}");
    }
    assert_eq!(payload["sub"], "acme");

    let response = upload_status(&app, token).await;
    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn credentials_in_the_form_body_are_accepted_too() {
    let app = TestApp::spawn().await;
    let secret = app.add_partner("acme").await;
    let response = common::form_token_request(&app.http, &app.base, "acme", &secret).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_wrong_secret_or_unknown_client_gets_401_invalid_client() {
    let app = TestApp::spawn().await;
    app.add_partner("acme").await;
    let wrong = problem(app.request_token("acme", "not-the-secret").await, 401).await;
    assert_eq!(problem_slug(&wrong), "invalid-client");
    // The RFC 6749 error code too, for OAuth client libraries.
    assert_eq!(wrong["error"], "invalid_client");
    let unknown = problem(app.request_token("nobody", "x").await, 401).await;
    assert_eq!(problem_slug(&unknown), "invalid-client");
    let tricky = problem(app.request_token("../acme", "x").await, 401).await;
    assert_eq!(problem_slug(&tricky), "invalid-client");
}

#[tokio::test]
async fn a_request_without_a_token_gets_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(app.url("/v1/postings"))
        .header("content-type", "text/csv")
        .body(GOOD_CSV)
        .send()
        .await
        .unwrap();
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    let body = problem(response, 401).await;
    assert_eq!(problem_slug(&body), "unauthorized");
}

#[tokio::test]
async fn tokens_that_are_expired_early_misaddressed_tampered_or_oddly_signed_get_401() {
    let app = TestApp::spawn().await;
    let good = app.partner_with_token("acme").await;
    let key = current_key(&app).await;
    let now = Utc::now().timestamp();

    let mut expired = claims("acme");
    expired["exp"] = json!(now - 120);
    expired["iat"] = json!(now - 1000);
    expired["nbf"] = json!(now - 1000);
    let mut not_yet = claims("acme");
    not_yet["nbf"] = json!(now + 600);
    let mut wrong_aud = claims("acme");
    wrong_aud["aud"] = json!("another-api");
    let mut wrong_iss = claims("acme");
    wrong_iss["iss"] = json!("someone-else");
    let mut no_exp = claims("acme");
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut no_sub = claims("acme");
    no_sub.as_object_mut().unwrap().remove("sub");

    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        let mut payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        payload["sub"] = json!("other");
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(payload.to_string()),
            parts[2]
        )
    };
    let alg_none = {
        let h = URL_SAFE_NO_PAD
            .encode(json!({"alg": "none", "typ": "at+jwt", "kid": key.kid}).to_string());
        let c = URL_SAFE_NO_PAD.encode(claims("acme").to_string());
        format!("{h}.{c}.")
    };
    let mut no_typ = header(&key.kid);
    no_typ.typ = Some("JWT".into());

    let cases = [
        ("expired", sign(header(&key.kid), &expired, &key.secret)),
        (
            "not yet valid",
            sign(header(&key.kid), &not_yet, &key.secret),
        ),
        (
            "wrong audience",
            sign(header(&key.kid), &wrong_aud, &key.secret),
        ),
        (
            "wrong issuer",
            sign(header(&key.kid), &wrong_iss, &key.secret),
        ),
        ("without exp", sign(header(&key.kid), &no_exp, &key.secret)),
        ("without sub", sign(header(&key.kid), &no_sub, &key.secret)),
        ("tampered", tampered),
        (
            "unknown kid",
            sign(header("no-such-key"), &claims("acme"), &key.secret),
        ),
        (
            "signed with another key",
            sign(header(&key.kid), &claims("acme"), &[7u8; 32]),
        ),
        ("alg none", alg_none),
        (
            "HS/RS confusion",
            hmac_sign::with_alg("RS256", &key.kid, &claims("acme"), &key.secret),
        ),
        (
            "HS512",
            hmac_sign::with_alg("HS512", &key.kid, &claims("acme"), &key.secret),
        ),
        (
            "not an access token",
            sign(no_typ, &claims("acme"), &key.secret),
        ),
        (
            "sub escaping the prefix",
            sign(header(&key.kid), &claims("../acme"), &key.secret),
        ),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, token) in cases {
        let response = upload_status(&app, &token).await;
        assert_eq!(
            response.status(),
            401,
            "{what} token was not refused with 401"
        );
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.contains("invalid_token"), "{what}: {challenge}");
        problem(response, 401).await;
    }
    // The control: a token built the same way, with nothing broken, is accepted.
    let fine = sign(header(&key.kid), &claims("acme"), &key.secret);
    assert_eq!(upload_status(&app, &fine).await.status(), 202);
    assert!(
        app.incoming()
            .await
            .iter()
            .all(|k| k.starts_with("incoming/acme/"))
    );
}

#[tokio::test]
async fn a_token_without_the_upload_scope_gets_403_insufficient_scope() {
    let app = TestApp::spawn().await;
    app.add_partner("acme").await;
    let key = current_key(&app).await;
    let mut c = claims("acme");
    c["scope"] = json!("postings:read");
    let response = upload_status(&app, &sign(header(&key.kid), &c, &key.secret)).await;
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    let body = problem(response, 403).await;
    assert_eq!(problem_slug(&body), "insufficient-scope");
}

#[tokio::test]
async fn a_token_without_exp_is_refused_naming_the_missing_claim() {
    let app = TestApp::with(Options {
        local: true,
        ..Options::default()
    })
    .await;
    app.partner_with_token("acme").await;
    let key = current_key(&app).await;
    let mut no_exp = claims("acme");
    no_exp.as_object_mut().unwrap().remove("exp");
    let response = upload_status(&app, &sign(header(&key.kid), &no_exp, &key.secret)).await;
    let body = problem(response, 401).await;
    assert!(body["detail"].as_str().unwrap().contains("`exp`"), "{body}");
}

#[tokio::test]
async fn a_token_request_body_over_64_kib_gets_413() {
    let app = TestApp::with(Options {
        local: true,
        ..Options::default()
    })
    .await;
    let response = app
        .http
        .post(app.url("/v1/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&pad={}",
            "x".repeat(70 * 1024)
        ))
        .send()
        .await
        .unwrap();
    let body = problem(response, 413).await;
    assert_eq!(problem_slug(&body), "body-too-large");
}
