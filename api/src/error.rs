//! The API's one error type. Every error leaves as RFC 9457 `application/problem+json` with a
//! stable `type`; the request id is added by [`crate::startup`]'s problem middleware, which also
//! logs the cause of 500s (the client only ever sees an opaque message for those).

use std::sync::Arc;

use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Prefix of every problem `type`: a tag URI (RFC 4151), stable and never dereferenced.
pub const PROBLEM_TYPE_PREFIX: &str = "tag:ingest-api,2026:problem:";

/// `Retry-After` of a 503 `unavailable` (the store or the partner registry did not answer).
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No credentials, or credentials that do not verify: 401 with a `WWW-Authenticate` challenge.
    #[error("{detail}")]
    Unauthorized {
        detail: String,
        /// `None` when no token was sent (RFC 6750 §3.1: then no error code is given).
        invalid_token: bool,
    },
    /// Client credentials refused at the token endpoint (RFC 6749 §5.2 `invalid_client`).
    #[error("{0}")]
    InvalidClient(String),
    /// A valid token, but the partner may not do this (disabled, or scope missing).
    #[error("{detail}")]
    Forbidden {
        detail: String,
        insufficient_scope: bool,
    },
    #[error("{detail}")]
    BadRequest { slug: &'static str, detail: String },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The CSV breaks the contract (bad header, unknown charset, empty): nothing was stored.
    #[error("{0}")]
    InvalidCsv(String),
    #[error("the body is larger than the limit of {limit} bytes; nothing was stored")]
    TooLarge { limit: u64 },
    #[error("{0}")]
    IdempotencyKeyReused(String),
    #[error("{0}")]
    IdempotencyInFlight(String),
    #[error("the request target is longer than {0} bytes")]
    UriTooLong(usize),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotAvailable(String),
    #[error("the request took longer than the server's limit")]
    Timeout,
    /// The client stopped sending its body: 408, nothing stored.
    #[error("no part of the request body arrived for {0} s; nothing was stored")]
    BodyTimeout(u64),
    #[error("the server is at its limit of concurrent requests; retry shortly")]
    Overloaded,
    /// A per-client or per-address allowance is used up: 429 with `Retry-After`.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// A dependency (the object store, the partner registry) did not answer: 503 with
    /// `Retry-After`. The cause is logged; the client is told only what is unavailable.
    #[error("{what} unavailable; retry shortly")]
    Outage {
        what: &'static str,
        cause: anyhow::Error,
    },
    /// Anything unexpected. Its cause is logged, never shown.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl ApiError {
    /// A 400 whose slug says what was wrong with the request.
    pub fn bad_request(slug: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            slug,
            detail: detail.into(),
        }
    }

    /// A 400 `invalid-request`: the request does not have the documented form.
    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::bad_request("invalid-request", detail)
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    /// A store failure: an outage is 503 `unavailable`, anything else unexpected.
    pub fn store(e: postings::store::StoreError) -> Self {
        if e.is_outage() {
            Self::Outage {
                what: "store",
                cause: e.into(),
            }
        } else {
            Self::internal(e)
        }
    }

    /// The partner registry (Secrets Manager or the local file) could not be read.
    pub fn registry(e: impl Into<anyhow::Error>) -> Self {
        Self::Outage {
            what: "partner registry",
            cause: e.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized { .. } | Self::InvalidClient(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidCsv(_) | Self::IdempotencyKeyReused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::IdempotencyInFlight(_) | Self::Conflict(_) => StatusCode::CONFLICT,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAvailable(_) => StatusCode::NOT_IMPLEMENTED,
            Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Overloaded | Self::Unavailable(_) | Self::Outage { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable last part of the problem `type`; clients may switch on it.
    pub fn slug(&self) -> &'static str {
        self.slug_and_title().0
    }

    /// Each kind of error's slug and title, side by side.
    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::Unauthorized { .. } => ("unauthorized", "Authentication required"),
            Self::InvalidClient(_) => ("invalid-client", "Invalid client credentials"),
            Self::Forbidden {
                insufficient_scope: true,
                ..
            } => ("insufficient-scope", "Forbidden"),
            Self::Forbidden { .. } => ("forbidden", "Forbidden"),
            Self::BadRequest { slug, .. } => (*slug, "Bad request"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::InvalidCsv(_) => (
                "invalid-csv",
                "The CSV does not follow the posting contract",
            ),
            Self::TooLarge { .. } => ("body-too-large", "Body too large"),
            Self::IdempotencyKeyReused(_) => (
                "idempotency-key-reused",
                "Idempotency key reused with a different body",
            ),
            Self::IdempotencyInFlight(_) => (
                "idempotency-key-in-flight",
                "A request with this idempotency key is in progress",
            ),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::UriTooLong(_) => ("uri-too-long", "URI too long"),
            Self::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::NotAvailable(_) => ("not-available", "Not available on this deployment"),
            Self::Timeout => ("timeout", "Request timed out"),
            Self::BodyTimeout(_) => ("body-timeout", "Request body timed out"),
            Self::Overloaded => ("overloaded", "Server busy"),
            Self::TooManyRequests { .. } => ("rate-limited", "Too many requests"),
            Self::Unavailable(_) | Self::Outage { .. } => ("unavailable", "Service unavailable"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    /// Seconds after which a retry may succeed, for the `Retry-After` header.
    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Overloaded | Self::Timeout => Some(1),
            Self::TooManyRequests { retry_after, .. } => Some(*retry_after),
            // A store or secret outage: worth retrying, not at once.
            Self::Unavailable(_) | Self::Outage { .. } => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        }
    }

    fn oauth_error(&self) -> Option<&'static str> {
        match self.slug() {
            "invalid-client" => Some("invalid_client"),
            "invalid-request" => Some("invalid_request"),
            "unsupported-grant-type" => Some("unsupported_grant_type"),
            "invalid-scope" => Some("invalid_scope"),
            _ => None,
        }
    }

    fn detail(&self) -> String {
        match self {
            // The cause may name internals (buckets, hosts); it goes to the log only.
            Self::Internal(_) => {
                "an unexpected error occurred; quote the request id when reporting it".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// The problem document (RFC 9457) plus our `request_id` extension member.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `tag:ingest-api,2026:problem:<slug>`; clients may switch on the slug.
    #[serde(rename = "type")]
    pub type_: String,
    #[schema(value_type = String)]
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The request's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Also in the `x-request-id` response header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// RFC 6749 §5.2 error code, so that OAuth client libraries understand token errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub error: Option<&'static str>,
}

impl Problem {
    pub fn to_response(&self, status: StatusCode) -> Response {
        let body = serde_json::to_vec(self).unwrap_or_default();
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            )],
            body,
        )
            .into_response()
    }
}

/// Carried in the response's extensions so that the problem middleware can log the cause of
/// a 500 (with the request's span) and stamp the request id into the body.
#[derive(Debug, Clone)]
pub struct ProblemExt {
    pub problem: Problem,
    pub cause: Option<Arc<String>>,
}

/// The query string did not have the documented form.
impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        Self::invalid_request(e.body_text())
    }
}

/// The body could not be read (before it was looked at).
impl From<BytesRejection> for ApiError {
    fn from(e: BytesRejection) -> Self {
        Self::invalid_request(e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let problem = Problem {
            type_: format!("{PROBLEM_TYPE_PREFIX}{}", self.slug()),
            title: self.slug_and_title().1,
            status: status.as_u16(),
            detail: self.detail(),
            instance: None,
            request_id: None,
            error: self.oauth_error(),
        };
        let mut response = problem.to_response(status);
        let challenge = match &self {
            Self::Unauthorized {
                invalid_token: false,
                ..
            } => Some(r#"Bearer realm="ingest-api""#.to_owned()),
            Self::Unauthorized { detail, .. } => Some(format!(
                r#"Bearer realm="ingest-api", error="invalid_token", error_description="{}""#,
                detail.replace(['"', '\\'], "'")
            )),
            Self::Forbidden {
                insufficient_scope: true,
                ..
            } => Some(
                r#"Bearer realm="ingest-api", error="insufficient_scope", scope="postings:write""#
                    .to_owned(),
            ),
            Self::InvalidClient(_) => Some(r#"Basic realm="ingest-api""#.to_owned()),
            _ => None,
        };
        if let Some(v) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        if let Some(seconds) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        let cause = match &self {
            Self::Internal(e) | Self::Outage { cause: e, .. } => Some(Arc::new(format!("{e:#}"))),
            _ => None,
        };
        response
            .extensions_mut()
            .insert(ProblemExt { problem, cause });
        response
    }
}
