//! Access tokens: JWTs that this service both issues and verifies, following RFC 8725 (one
//! allowed algorithm, every claim we rely on required) and RFC 9068's `at+jwt` type. HS256 with
//! per-`kid` 256-bit random keys: no key is ever shared with anyone, so there is nothing an
//! asymmetric scheme would add, and `kid` lets old keys keep verifying during a rotation.

use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use postings::ids::PartnerId;
use serde::{Deserialize, Serialize};

use crate::partners::RegistryDoc;

/// The only algorithm accepted; any other `alg` (including `none` and RS*) is refused.
pub const ALGORITHM: Algorithm = Algorithm::HS256;
pub const TOKEN_TYPE: &str = "at+jwt";
/// The scope that allows uploads; the only one this API defines.
pub const SCOPE_UPLOAD: &str = "postings:write";
/// Clock skew tolerated on exp/nbf/iat.
pub const LEEWAY_SECS: u64 = 30;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    pub scope: String,
}

#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's algorithm is not accepted")]
    Algorithm,
    #[error("the token's type is not at+jwt")]
    Type,
    #[error("the token's signing key is unknown")]
    UnknownKey,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued for another audience")]
    Audience,
    #[error("the token was issued by someone else")]
    Issuer,
    #[error("the token's signature does not verify")]
    Signature,
    #[error("the token's subject is not a partner id")]
    Subject,
    #[error("the token lacks the required claim `{0}`")]
    MissingClaim(String),
    #[error("there is no signing key configured")]
    NoSigningKey,
}

/// A token that verified: its partner (parsed) and scopes.
#[derive(Debug, Clone)]
pub struct Verified {
    pub partner: PartnerId,
    pub scopes: Vec<String>,
    pub jti: String,
}

pub fn issue(
    doc: &RegistryDoc,
    settings: &TokenSettings,
    partner: &PartnerId,
    ttl: Duration,
    scope: &str,
) -> Result<String, TokenError> {
    let key = doc.current_key().ok_or(TokenError::NoSigningKey)?;
    let secret = key.secret_bytes().ok_or(TokenError::NoSigningKey)?;
    let now = Utc::now().timestamp();
    let claims = Claims {
        iss: settings.issuer.clone(),
        aud: settings.audience.clone(),
        sub: partner.to_string(),
        iat: now,
        nbf: now,
        exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        jti: uuid::Uuid::new_v4().to_string(),
        scope: scope.to_owned(),
    };
    let mut header = Header::new(ALGORITHM);
    header.kid = Some(key.kid.clone());
    header.typ = Some(TOKEN_TYPE.to_owned());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret))
        .map_err(|_| TokenError::Malformed)
}

pub fn verify(
    doc: &RegistryDoc,
    settings: &TokenSettings,
    token: &str,
) -> Result<Verified, TokenError> {
    // An `alg` the library does not know (e.g. "none") fails here already.
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
    if header.alg != ALGORITHM {
        return Err(TokenError::Algorithm);
    }
    let typ_ok = header.typ.as_deref().is_some_and(|t| {
        t.eq_ignore_ascii_case(TOKEN_TYPE) || t.eq_ignore_ascii_case("application/at+jwt")
    });
    if !typ_ok {
        return Err(TokenError::Type);
    }
    let kid = header.kid.ok_or(TokenError::UnknownKey)?;
    let key = doc.key(&kid).ok_or(TokenError::UnknownKey)?;
    let secret = key.secret_bytes().ok_or(TokenError::UnknownKey)?;

    let mut validation = Validation::new(ALGORITHM);
    validation.algorithms = vec![ALGORITHM];
    validation.leeway = LEEWAY_SECS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);

    // Decoded as plain JSON first, so that a missing claim is reported by name (decoding
    // straight into `Claims` would call it malformed); the typed claims follow.
    let data = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &DecodingKey::from_secret(&secret),
        &validation,
    )
    .map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => TokenError::Expired,
            K::ImmatureSignature => TokenError::NotYetValid,
            K::InvalidAudience => TokenError::Audience,
            K::InvalidIssuer => TokenError::Issuer,
            K::InvalidSignature => TokenError::Signature,
            K::InvalidAlgorithm => TokenError::Algorithm,
            K::MissingRequiredClaim(c) => TokenError::MissingClaim(c.clone()),
            _ => TokenError::Malformed,
        }
    })?;
    let claims: Claims = serde_json::from_value(data.claims).map_err(|e| {
        if e.to_string().starts_with("missing field") {
            let name = e
                .to_string()
                .split('`')
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            TokenError::MissingClaim(name)
        } else {
            TokenError::Malformed
        }
    })?;
    let partner = PartnerId::parse(&claims.sub).map_err(|_| TokenError::Subject)?;
    Ok(Verified {
        partner,
        scopes: claims.scope.split_whitespace().map(str::to_owned).collect(),
        jti: claims.jti,
    })
}
