//! `AuthorizedPartner`: a handler that takes one is reached only with a valid bearer token
//! (else 401) whose partner is registered, enabled and holds the upload scope (else 403).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum_extra::headers::authorization::Bearer;
use axum_extra::headers::{Authorization, HeaderMapExt};
use postings::ids::PartnerId;

use super::token::{self, SCOPE_UPLOAD};
use crate::error::ApiError;
use crate::limits::Slot;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct AuthorizedPartner {
    pub id: PartnerId,
    /// One of the partner's request slots, held as long as this value (or a clone moved
    /// into spawned work) lives.
    pub slot: Slot,
}

impl FromRequestParts<AppState> for AuthorizedPartner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !parts.headers.contains_key(AUTHORIZATION) {
            return Err(ApiError::Unauthorized {
                detail: "send an access token: Authorization: Bearer <token> (from POST /v1/oauth/token)".into(),
                invalid_token: false,
            });
        }
        let header = parts
            .headers
            .typed_try_get::<Authorization<Bearer>>()
            .ok()
            .flatten()
            .filter(|h| !h.token().is_empty())
            .ok_or_else(|| ApiError::Unauthorized {
                detail: "the Authorization header must be `Bearer <token>`".into(),
                invalid_token: true,
            })?;
        let bearer = header.token();
        let doc = state
            .registry
            .snapshot()
            .await
            .map_err(ApiError::registry)?;
        let verified =
            token::verify(&doc, &state.tokens, bearer).map_err(|e| ApiError::Unauthorized {
                detail: e.to_string(),
                invalid_token: true,
            })?;
        match doc.partners.get(&verified.partner) {
            Some(entry) if entry.enabled => {}
            _ => {
                return Err(ApiError::Forbidden {
                    detail: format!("partner {} is not enabled", verified.partner),
                    insufficient_scope: false,
                });
            }
        }
        if !verified.scopes.iter().any(|s| s == SCOPE_UPLOAD) {
            return Err(ApiError::Forbidden {
                detail: format!("the token lacks the {SCOPE_UPLOAD} scope"),
                insufficient_scope: true,
            });
        }
        tracing::Span::current().record("partner", verified.partner.as_str());
        let slot = state.partner_slots.acquire(&verified.partner)?;
        Ok(Self {
            id: verified.partner,
            slot,
        })
    }
}
