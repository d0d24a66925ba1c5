//! S3 errors turned into store errors with one readable line each.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::super::StoreError;

pub(super) fn s3_err<E>(op: &'static str, key: &str, e: SdkError<E, HttpResponse>) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    // The SDK's full context runs to kilobytes (request ids, the raw response): the message
    // says what went wrong in one line, the rest goes to the debug log.
    tracing::debug!(op, key, error = %DisplayErrorContext(&e), "S3 error in full");
    StoreError::S3 {
        op,
        key: key.to_owned(),
        message: one_line(&e),
    }
}

/// `NoSuchBucket (HTTP 404): The specified bucket does not exist`, or the transport's cause.
pub(super) fn one_line<E>(e: &SdkError<E, HttpResponse>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    if let SdkError::ServiceError(se) = e {
        let code = se.err().code().unwrap_or("error");
        let message = se.err().message().unwrap_or_default();
        return format!("{code} (HTTP {}): {message}", se.raw().status().as_u16());
    }
    // The innermost cause names the real problem (connection refused, DNS, timeout).
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = if std::ptr::addr_eq(cause, e as &dyn std::error::Error) {
        e.to_string()
    } else {
        format!("{e}: {cause}")
    };
    let line = text.lines().next().unwrap_or_default();
    line.chars().take(300).collect()
}

pub(super) fn status<E>(e: &SdkError<E, HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// A refused conditional write: 412 Precondition Failed, or 409 when a concurrent
/// conditional write to the same key is in flight (the other writer wins).
pub(super) fn is_condition_failed<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    matches!(status(e), Some(412 | 409))
        || e.as_service_error()
            .and_then(|s| s.code())
            .is_some_and(|c| c == "PreconditionFailed" || c == "ConditionalRequestConflict")
}
