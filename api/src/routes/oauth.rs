//! `POST /v1/oauth/token`: OAuth 2.0 client credentials (RFC 6749 §4.4). The client id is the
//! partner id; the secret is checked against its argon2 hash.

use axum::Form;
use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, PRAGMA};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use postings::ids::PartnerId;
use serde::{Deserialize, Serialize};

use crate::auth::token::{self, SCOPE_UPLOAD};
use crate::config::Secret;
use crate::error::ApiError;
use crate::partners::PartnerEntry;
use crate::startup::AppState;

static DUMMY: LazyLock<PartnerEntry> = LazyLock::new(|| {
    let mut doc = crate::partners::RegistryDoc::default();
    let id = PartnerId::parse("dummy").expect("a valid id");
    let _ = doc.add_partner(&id);
    doc.partners.remove(&id).expect("just added")
});

#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub scope: String,
}

fn bad_request(slug: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        slug,
        detail: detail.into(),
    }
}

pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(form) = form.map_err(|e| {
        bad_request(
            "invalid-request",
            format!(
                "send an application/x-www-form-urlencoded body: {}",
                e.body_text()
            ),
        )
    })?;
    if form.grant_type.as_deref() != Some("client_credentials") {
        return Err(bad_request(
            "unsupported-grant-type",
            "grant_type must be client_credentials",
        ));
    }
    let scope = form.scope.as_deref().unwrap_or(SCOPE_UPLOAD);
    if scope.split_whitespace().any(|s| s != SCOPE_UPLOAD) {
        return Err(bad_request(
            "invalid-scope",
            format!("the only scope is {SCOPE_UPLOAD}"),
        ));
    }
    let (client_id, secret) = credentials(&headers, form.client_id, form.client_secret)?;
    let invalid = || ApiError::InvalidClient("unknown client or wrong secret".into());
    let partner = PartnerId::parse(&client_id).map_err(|_| invalid())?;
    let doc = state
        .registry
        .snapshot()
        .await
        .map_err(|e| ApiError::Unavailable(format!("partner registry unavailable: {e}")))?;
    // An unknown client costs the same argon2 verification as a known one, so response
    // times do not reveal which partner ids exist.
    let known = doc.partners.get(&partner).cloned();
    let entry = known.clone().unwrap_or_else(|| DUMMY.clone());
    // argon2 is deliberately slow: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || entry.secret_matches(secret.expose()))
        .await
        .map_err(ApiError::internal)?;
    if known.is_none() || !matches {
        return Err(invalid());
    }
    if !doc.partners[&partner].enabled {
        return Err(ApiError::Forbidden {
            detail: format!("partner {partner} is disabled"),
            insufficient_scope: false,
        });
    }
    let ttl = state.settings.token_ttl;
    let access_token = token::issue(&doc, &state.tokens, &partner, ttl, SCOPE_UPLOAD)
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    tracing::info!(partner = %partner, "access token issued");
    let mut response = Json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ttl.as_secs(),
        scope: SCOPE_UPLOAD.into(),
    })
    .into_response();
    // RFC 6749 §5.1: token responses must not be cached.
    let h = response.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// Client credentials from HTTP Basic or the form body, but not both (RFC 6749 §2.3.1).
fn credentials(
    headers: &HeaderMap,
    form_id: Option<String>,
    form_secret: Option<String>,
) -> Result<(String, Secret<String>), ApiError> {
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then(|| rest.trim())
        });
    match (basic, form_id, form_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(bad_request(
            "invalid-request",
            "send client credentials either in HTTP Basic or in the body, not both",
        )),
        (Some(b64), None, None) => {
            let decoded = STANDARD
                .decode(b64)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::InvalidClient("malformed Basic credentials".into()))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| ApiError::InvalidClient("malformed Basic credentials".into()))?;
            Ok((id.to_owned(), Secret::new(secret.to_owned())))
        }
        (None, Some(id), Some(secret)) => Ok((id, Secret::new(secret))),
        _ => Err(ApiError::InvalidClient(
            "client credentials are required (HTTP Basic or client_id/client_secret)".into(),
        )),
    }
}
