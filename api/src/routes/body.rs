//! Turning a request into a stream of CSV bytes: `text/csv` bodies as they are, or the `file`
//! field of a `multipart/form-data` body. Nothing is buffered beyond one chunk.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};

use crate::error::ApiError;
use crate::state::AppState;

pub type ByteStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

pub struct CsvBody {
    /// The `charset` parameter the client declared, if any.
    pub charset: Option<String>,
    pub stream: ByteStream,
}

pub async fn csv_body(req: Request, state: &AppState) -> Result<CsvBody, ApiError> {
    let limit = state.settings.max_upload_bytes;
    let declared_len = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Refused before a byte is read; a multipart envelope adds a little, so allow for it.
    if declared_len.is_some_and(|n| n > limit.saturating_add(64 * 1024)) {
        return Err(ApiError::TooLarge { limit });
    }
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (essence, charset) = parse_media_type(&content_type);
    match essence.as_str() {
        "text/csv" | "application/csv" => Ok(CsvBody {
            charset,
            stream: req
                .into_body()
                .into_data_stream()
                .map(|r| r.map_err(std::io::Error::other))
                .boxed(),
        }),
        "multipart/form-data" => multipart_file(req, state).await,
        _ => Err(ApiError::UnsupportedMediaType(
            "send the CSV as text/csv (optionally with ;charset=shift_jis) or as the `file` field of multipart/form-data".into(),
        )),
    }
}

/// The stream, failing as soon as `cancelled` fires or its sender is dropped.
pub fn cancel_on_drop(
    stream: ByteStream,
    cancelled: tokio::sync::oneshot::Receiver<()>,
) -> ByteStream {
    futures::stream::unfold(
        (stream, cancelled, false),
        |(mut stream, mut cancelled, done)| async move {
            if done {
                return None;
            }
            tokio::select! {
                biased;
                _ = &mut cancelled => {
                    let e = std::io::Error::other("the request was cancelled (timeout or client gone)");
                    Some((Err(e), (stream, cancelled, true)))
                }
                item = stream.next() => item.map(|i| (i, (stream, cancelled, false))),
            }
        },
    )
    .boxed()
}

/// `type/subtype` lowercased, and the `charset` parameter if present.
pub fn parse_media_type(value: &str) -> (String, Option<String>) {
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts.find_map(|p| {
        let (name, v) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_owned())
    });
    (essence, charset)
}

/// Finds the `file` field and forwards its chunks through a small channel. A task owns the
/// multipart reader (its fields borrow it); it first reports the field's charset, or why
/// there is no usable field.
async fn multipart_file(req: Request, state: &AppState) -> Result<CsvBody, ApiError> {
    let multipart = Multipart::from_request(req, state)
        .await
        .map_err(|e| invalid_multipart(e.body_text()))?;
    let (found_tx, found_rx) = tokio::sync::oneshot::channel::<Result<Option<String>, ApiError>>();
    let (tx, rx) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(forward_file_field(multipart, found_tx, tx));
    let charset = found_rx
        .await
        .map_err(|_| invalid_multipart("the multipart body ended early".into()))??;
    Ok(CsvBody {
        charset,
        stream: rx.boxed(),
    })
}

async fn forward_file_field(
    mut multipart: Multipart,
    found: tokio::sync::oneshot::Sender<Result<Option<String>, ApiError>>,
    mut tx: futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let mut field = loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("file") => break f,
            Ok(Some(_)) => continue,
            Ok(None) => {
                let _ = found.send(Err(ApiError::bad_request(
                    "missing-file-field",
                    "the multipart body has no `file` field",
                )));
                return;
            }
            Err(e) => {
                let _ = found.send(Err(invalid_multipart(e.body_text())));
                return;
            }
        }
    };
    let charset = field.content_type().and_then(|ct| parse_media_type(ct).1);
    if found.send(Ok(charset)).is_err() {
        return;
    }
    loop {
        let item = match field.chunk().await {
            Ok(Some(chunk)) => Ok(chunk),
            Ok(None) => return,
            // The error itself, not its text, so that a body timeout can still be told apart.
            Err(e) => Err(std::io::Error::other(e)),
        };
        let failed = item.is_err();
        if tx.send(item).await.is_err() || failed {
            return;
        }
    }
}

fn invalid_multipart(detail: String) -> ApiError {
    ApiError::bad_request("invalid-multipart", detail)
}

#[cfg(test)]
mod tests {
    use super::parse_media_type;

    #[test]
    fn media_types_yield_their_essence_and_charset() {
        assert_eq!(
            parse_media_type("Text/CSV; Charset=\"Shift_JIS\""),
            ("text/csv".into(), Some("Shift_JIS".into()))
        );
        assert_eq!(parse_media_type("text/csv"), ("text/csv".into(), None));
        assert_eq!(parse_media_type(""), ("".into(), None));
    }
}
