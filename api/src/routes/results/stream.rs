//! The results CSV, streamed: the parts of a run (one, or one per shard) are read from the
//! store as they are sent, merged by line on a blocking thread, and handed to the response a
//! chunk at a time, so the API holds a few kilobytes of any upload's results, never all.

use std::io::Read;

use axum::body::Body;
use bytes::Bytes;
use postings::results::{COLUMNS, MATCHED};
use postings::store::Store;
use tokio::sync::mpsc;
use tokio_util::io::SyncIoBridge;

use crate::error::ApiError;

/// A chunk is sent once this much CSV has been written.
const CHUNK: usize = 64 * 1024;

/// The body of `GET /v1/uploads/{id}/results`. `hold` (the partner's request slot) lives as
/// long as the stream does.
pub async fn body(
    store: &Store,
    keys: &[String],
    include_matched: bool,
    hold: impl Send + 'static,
) -> Result<Body, ApiError> {
    let mut readers = Vec::with_capacity(keys.len());
    for key in keys {
        readers.push(store.reader(key).await.map_err(ApiError::store)?);
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _hold = hold;
        let parts: Vec<Box<dyn Read>> = readers
            .into_iter()
            .map(|r| Box::new(SyncIoBridge::new_with_handle(r, handle.clone())) as Box<dyn Read>)
            .collect();
        match merge(parts, include_matched, &tx) {
            Ok(()) | Err(MergeError::Gone) => {}
            Err(e) => {
                tracing::error!(error = %e, "results stream broke off");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Ok(Body::from_stream(stream))
}

#[derive(Debug, thiserror::Error)]
enum MergeError {
    #[error("reading a results part: {0}")]
    Csv(#[from] csv::Error),
    #[error("a results part has the header {0:?}")]
    Header(Vec<String>),
    #[error("a results part has the line number {0:?}")]
    Line(String),
    /// The client went away: nothing more to do.
    #[error("the client went away")]
    Gone,
}

/// Each part's rows are in line order; the output takes the lowest line of all parts' next
/// rows each time, leaving out matched rows unless asked for.
fn merge(
    parts: Vec<Box<dyn Read>>,
    include_matched: bool,
    tx: &mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), MergeError> {
    let mut readers: Vec<csv::Reader<Box<dyn Read>>> =
        parts.into_iter().map(csv::Reader::from_reader).collect();
    for r in &mut readers {
        let header = r.headers()?;
        if header.iter().ne(COLUMNS) {
            return Err(MergeError::Header(
                header.iter().map(str::to_owned).collect(),
            ));
        }
    }
    let mut heads: Vec<Option<(u64, csv::StringRecord)>> = Vec::with_capacity(readers.len());
    for r in &mut readers {
        heads.push(next(r)?);
    }
    let mut out = csv::Writer::from_writer(Vec::with_capacity(CHUNK * 2));
    out.write_record(COLUMNS)?;
    loop {
        let lowest = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|(line, _)| (*line, i)))
            .min();
        let Some((_, i)) = lowest else { break };
        let (_, record) = heads[i].take().expect("the lowest head is present");
        if include_matched || record.get(2) != Some(MATCHED) {
            out.write_record(&record)?;
        }
        heads[i] = next(&mut readers[i])?;
        if out.get_ref().len() >= CHUNK {
            send(&mut out, tx)?;
        }
    }
    send(&mut out, tx)
}

fn next(
    r: &mut csv::Reader<Box<dyn Read>>,
) -> Result<Option<(u64, csv::StringRecord)>, MergeError> {
    let mut record = csv::StringRecord::new();
    if !r.read_record(&mut record)? {
        return Ok(None);
    }
    let line = record.get(0).unwrap_or_default();
    let line = line
        .parse()
        .map_err(|_| MergeError::Line(line.to_owned()))?;
    Ok(Some((line, record)))
}

fn send(
    out: &mut csv::Writer<Vec<u8>>,
    tx: &mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), MergeError> {
    let full = std::mem::replace(out, csv::Writer::from_writer(Vec::with_capacity(CHUNK * 2)));
    let chunk = full
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    if chunk.is_empty() {
        return Ok(());
    }
    tx.blocking_send(Ok(Bytes::from(chunk)))
        .map_err(|_| MergeError::Gone)
}
