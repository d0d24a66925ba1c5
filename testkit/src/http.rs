//! The API as a partner calls it over HTTP.

use serde_json::Value;

/// A token by the client-credentials grant with HTTP Basic authentication, as partners are
/// told to ask for one; fails the test unless the API grants it.
pub async fn client_token(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> String {
    let response = http
        .post(format!("{base}/v1/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "token for {id}");
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}
