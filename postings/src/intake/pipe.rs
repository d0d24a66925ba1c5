//! The validating side of intake: the contract reader runs on a blocking thread, fed the same
//! chunks the store receives through a small bounded channel, so validation keeps pace with
//! the upload and memory stays at a few chunks.

use std::io::{self, Read};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::csv::{Charset, ContractError, PostingReader, RowOutcome};

/// How many chunks may wait for the validator before the upload waits for it.
pub const CHANNEL_CHUNKS: usize = 8;

/// What the validator learned about a whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validated {
    pub charset: Charset,
    pub rows: u64,
    pub rejected_rows: u64,
}

/// A blocking `Read` over chunks arriving on a channel (end of input when the sender is
/// dropped), for the validator's thread. Must be made inside the runtime.
pub fn channel_reader(rx: mpsc::Receiver<Bytes>) -> impl Read + Send + 'static {
    let chunks = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok::<_, io::Error>(chunk), rx))
    });
    SyncIoBridge::new(StreamReader::new(Box::pin(chunks)))
}

/// Runs the contract over everything the channel delivers. Returning early (a bad header)
/// drops the receiver, which the sending side notices on its next send.
pub fn validate(
    input: impl Read,
    declared_charset: Option<&str>,
) -> Result<Validated, ContractError> {
    let mut reader = PostingReader::new(input, declared_charset)?;
    let (mut rows, mut rejected_rows) = (0, 0);
    for outcome in reader.by_ref() {
        rows += 1;
        if let RowOutcome::Rejected(r) = outcome {
            rejected_rows += 1;
            // A quote left open makes the rest of the file unreliable: refuse it whole rather
            // than store "3 rows" of a 1,000-row file.
            if r.framing {
                return Err(ContractError::Framing {
                    line: r.line,
                    reason: r.reason,
                });
            }
        }
    }
    if let Some(e) = reader.take_error() {
        return Err(ContractError::Io(e));
    }
    Ok(Validated {
        charset: reader.charset(),
        rows,
        rejected_rows,
    })
}
