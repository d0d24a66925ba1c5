//! `POST /v1/oauth/token`: OAuth 2.0 client credentials (RFC 6749 §4.4). The client id is the
//! partner id; the secret's SHA-256 is compared with the stored one in constant time (legacy
//! argon2 hashes are still checked, one at a time on their own thread). Rate limits per address and
//! per client id come first, so a flood costs a counter lookup each.

use std::sync::LazyLock;

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, PRAGMA};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use axum_extra::headers::authorization::Basic;
use axum_extra::headers::{Authorization, HeaderMapExt};
use postings::ids::PartnerId;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::openapi::problems;
use crate::auth::token::{self, SCOPE_UPLOAD};
use crate::error::ApiError;
use crate::limits::body_timeout;
use crate::partners::{PartnerEntry, Verification};
use crate::ratelimit::PeerAddr;
use crate::state::AppState;

/// Stands in for an unknown client, so that its check costs the same as a known one's and
/// response times do not reveal which partner ids exist.
static DUMMY: LazyLock<PartnerEntry> = LazyLock::new(|| {
    let mut doc = crate::partners::RegistryDoc::default();
    let id = PartnerId::parse("dummy").expect("a valid id");
    let _ = doc.add_partner(&id);
    doc.partners.remove(&id).expect("just added")
});

/// Largest token request body; a client-credentials form is a few hundred bytes.
pub const TOKEN_BODY_LIMIT: usize = 64 * 1024;

#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

/// The form as documented (the handler reads every field as optional text, so that it can
/// say exactly what is wrong).
#[derive(utoipa::ToSchema)]
#[allow(dead_code, reason = "describes the form for the OpenAPI document only")]
pub struct TokenRequest {
    grant_type: GrantType,
    /// The partner id, unless sent with HTTP Basic.
    #[schema(nullable = false)]
    client_id: Option<String>,
    /// Unless sent with HTTP Basic.
    #[schema(nullable = false)]
    client_secret: Option<String>,
    #[schema(nullable = false)]
    scope: Option<Scope>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code, reason = "describes the form for the OpenAPI document only")]
enum GrantType {
    #[serde(rename = "client_credentials")]
    ClientCredentials,
}

#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code, reason = "describes the form for the OpenAPI document only")]
enum Scope {
    #[serde(rename = "postings:write")]
    PostingsWrite,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
    pub scope: String,
}

problems!(TokenProblems {
    400 => "malformed form, unsupported grant type or scope",
    401 => "unknown client, wrong secret or no credentials",
    403 => "the partner is disabled",
    413 => "form over 64 KiB",
    415 => "not application/x-www-form-urlencoded",
    429 => "too many token requests from this address or for this client id (Retry-After)",
});

#[utoipa::path(
    post,
    path = "/v1/oauth/token",
    tag = "auth",
    summary = "OAuth 2.0 client credentials: exchange a partner's client id and secret for an access token",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security(("basic" = []), ()),
    responses(
        (status = 200, description = "token issued (Cache-Control: no-store)", body = TokenResponse),
        TokenProblems,
    )
)]
pub async fn token(
    State(state): State<AppState>,
    PeerAddr(peer): PeerAddr,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    if let Some(addr) = peer {
        state.token_limits.check_address(addr)?;
    }
    let Form(form) = form.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::TooLarge {
                limit: TOKEN_BODY_LIMIT as u64,
            };
        }
        if e.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            return ApiError::UnsupportedMediaType(
                "send the token request as application/x-www-form-urlencoded".into(),
            );
        }
        if let Some(d) = body_timeout(&e) {
            return ApiError::BodyTimeout(d.as_secs());
        }
        ApiError::invalid_request(format!(
            "send an application/x-www-form-urlencoded body: {}",
            e.body_text()
        ))
    })?;
    if form.grant_type.as_deref() != Some("client_credentials") {
        return Err(ApiError::bad_request(
            "unsupported-grant-type",
            "grant_type must be client_credentials",
        ));
    }
    let scope = form.scope.as_deref().unwrap_or(SCOPE_UPLOAD);
    if scope.split_whitespace().next().is_none()
        || scope.split_whitespace().any(|s| s != SCOPE_UPLOAD)
    {
        return Err(ApiError::bad_request(
            "invalid-scope",
            format!("the only scope is {SCOPE_UPLOAD}"),
        ));
    }
    let (client_id, secret) = credentials(&headers, form.client_id, form.client_secret)?;
    let invalid = || ApiError::InvalidClient("unknown client or wrong secret".into());
    let partner = PartnerId::parse(&client_id).map_err(|_| invalid())?;
    state.token_limits.check_client(partner.as_str())?;
    let doc = state
        .registry
        .snapshot()
        .await
        .map_err(ApiError::registry)?;
    let known = doc.partners.get(&partner).cloned();
    let entry = known.clone().unwrap_or_else(|| DUMMY.clone());
    let matches = match entry.verify(secret.expose_secret()) {
        Verification::Match => true,
        Verification::Mismatch => false,
        Verification::Legacy => state
            .legacy_hashes
            .verify(entry, secret)
            .await
            .ok_or(ApiError::Overloaded)?,
    };
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
        .map_err(|e| ApiError::Unavailable(format!("partner registry: {e}")))?;
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

fn is_basic(headers: &HeaderMap) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.as_bytes().get(..6))
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case(b"basic "))
}

/// Client credentials from HTTP Basic or the form body, but not both (RFC 6749 §2.3.1).
fn credentials(
    headers: &HeaderMap,
    form_id: Option<String>,
    form_secret: Option<String>,
) -> Result<(String, SecretString), ApiError> {
    // Another scheme (a stray bearer token) is no client authentication and is ignored; a
    // Basic header that does not decode (bad base64, no colon) is refused as malformed.
    let basic = match headers.typed_try_get::<Authorization<Basic>>() {
        Ok(found) => found.map(Some),
        Err(_) if is_basic(headers) => Some(None),
        Err(_) => None,
    };
    match (basic, form_id, form_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::invalid_request(
            "send client credentials either in HTTP Basic or in the body, not both",
        )),
        (Some(basic), None, None) => {
            let basic = basic
                .ok_or_else(|| ApiError::InvalidClient("malformed Basic credentials".into()))?;
            Ok((
                basic.username().to_owned(),
                SecretString::from(basic.password()),
            ))
        }
        (None, Some(id), Some(secret)) => Ok((id, SecretString::from(secret))),
        _ => Err(ApiError::InvalidClient(
            "client credentials are required (HTTP Basic or client_id/client_secret)".into(),
        )),
    }
}
