//! Partner administration as the API sees it: disabling a partner, rotating signing keys and
//! secrets, and partner ids that could escape a prefix.

use crate::auth::{current_key, upload_status};
use crate::common;

use common::{Options, TestApp, problem, problem_slug};
use ingest_api::admin::{self, Admin};
use ingest_api::config::{KeysCommand, PartnersCommand};
use serde_json::Value;

#[tokio::test]
async fn a_disabled_partner_is_refused_with_403_at_upload_and_at_the_token_endpoint() {
    let app = TestApp::spawn().await;
    let secret = app.add_partner("acme").await;
    let response = app.request_token("acme", &secret).await;
    let token = response.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    app.disable_partner("acme").await;

    let body = problem(upload_status(&app, &token).await, 403).await;
    assert_eq!(problem_slug(&body), "forbidden");
    problem(app.request_token("acme", &secret).await, 403).await;
    assert!(app.incoming().await.is_empty());
}

#[tokio::test]
async fn after_a_key_rotation_old_tokens_still_verify_and_new_ones_use_the_new_key() {
    let app = TestApp::spawn().await;
    let old_token = app.partner_with_token("acme").await;
    let old_kid = current_key(&app).await.kid;

    let mut out = Vec::new();
    Admin::open(&app.config)
        .await
        .keys(KeysCommand::Rotate, &mut out)
        .await
        .unwrap();
    let new_kid = current_key(&app).await.kid;
    assert_ne!(old_kid, new_kid);

    assert_eq!(upload_status(&app, &old_token).await.status(), 202);
    let secret_free_token = {
        let mut out = Vec::new();
        Admin::open(&app.config)
            .await
            .mint_token(
                ingest_api::config::TokenArgs {
                    partner: "acme".into(),
                    ttl: "5m".parse().unwrap(),
                },
                &mut out,
            )
            .await
            .unwrap();
        String::from_utf8(out).unwrap().trim().to_owned()
    };
    let header = jsonwebtoken::decode_header(&secret_free_token).unwrap();
    assert_eq!(header.kid, Some(new_kid));
    assert_eq!(upload_status(&app, &secret_free_token).await.status(), 202);

    // Two more rotations retire the first key: its tokens stop verifying.
    Admin::open(&app.config)
        .await
        .keys(KeysCommand::Rotate, &mut out)
        .await
        .unwrap();
    Admin::open(&app.config)
        .await
        .keys(KeysCommand::Retire, &mut out)
        .await
        .unwrap();
    problem(upload_status(&app, &old_token).await, 401).await;
}

#[tokio::test]
async fn partner_ids_that_could_escape_a_prefix_are_refused_when_registering() {
    let app = TestApp::spawn().await;
    for bad in [
        "../acme",
        "acme/../../x",
        "a/b",
        "a\0b",
        "ａｃｍｅ",
        "acme\u{200b}",
        "Acme",
        ".",
        "",
        "acme\u{2215}x",
    ] {
        let mut out = Vec::new();
        let result = Admin::open(&app.config)
            .await
            .partners(
                ingest_api::config::PartnersCommand::Add { id: bad.into() },
                &mut out,
            )
            .await;
        assert!(result.is_err(), "{bad:?} was accepted");
    }
    let registry = admin::registry(&app.config).await;
    assert!(registry.reload().await.unwrap().partners.is_empty());
}

#[tokio::test]
async fn a_rotated_secret_replaces_the_old_one_at_once() {
    let app = TestApp::with(Options {
        local: true,
        ..Options::default()
    })
    .await;
    let old = app.add_partner("acme").await;
    let out = app
        .partners(PartnersCommand::RotateSecret { id: "acme".into() })
        .await;
    let new = testkit::process::client_secret(&out);
    assert_ne!(new, old);
    assert_eq!(app.request_token("acme", &old).await.status(), 401);
    assert_eq!(app.request_token("acme", &new).await.status(), 200);
}
