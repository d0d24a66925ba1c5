//! Reading a run's input files through the posting contract (`postings::PostingReader`):
//! valid postings go on to matching, refused rows to `rejected.csv`, with their line numbers.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use postings::Posting;
use postings::csv::{PostingReader, RowOutcome};
use sha2::{Digest, Sha256};

use super::shard::Shard;

/// Where a row came from; outputs are ordered by it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub partner: Arc<str>,
    pub upload_id: Arc<str>,
    /// Physical line where the record starts; the header is line 1.
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub origin: Origin,
    pub posting_id: String,
    pub reason: String,
}

/// Everything read for one run (or one shard of it). `postings[i]` came from `origins[i]`;
/// the postings stay a plain slice because that is what the engine takes.
#[derive(Debug, Default)]
pub struct InputBatch {
    pub postings: Vec<Posting>,
    pub origins: Vec<Origin>,
    pub rejected: Vec<RejectedRow>,
}

impl InputBatch {
    /// Puts rows in output order (partner, upload id, line), whatever order inputs came in.
    pub fn sort(&mut self) {
        let mut rows: Vec<(Origin, Posting)> = std::mem::take(&mut self.origins)
            .into_iter()
            .zip(std::mem::take(&mut self.postings))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        (self.origins, self.postings) = rows.into_iter().unzip();
        self.rejected.sort_by(|a, b| a.origin.cmp(&b.origin));
    }
}

/// What reading one file found, over the whole file (not only this shard's share).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStats {
    pub sha256: String,
    pub bytes: u64,
    pub rows: u64,
    /// Of `rows`, accepted and rejected by the contract.
    pub valid: u64,
    pub rejected: u64,
    pub encoding: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("the file does not meet the posting CSV contract: {0}")]
    Contract(#[from] postings::csv::ContractError),
    #[error("reading the file failed: {0}")]
    Io(#[from] io::Error),
}

/// Reads one posting CSV, keeping the rows `shard` owns, and hashes every byte read.
/// Blocking: call it off the async runtime.
pub fn read_postings(
    input: impl Read + Send,
    declared_charset: Option<&str>,
    partner: &str,
    upload_id: &str,
    shard: Option<Shard>,
    into: &mut InputBatch,
) -> Result<FileStats, InputError> {
    let hashing = HashingRead::new(input);
    let tally = hashing.tally();
    let mut reader = PostingReader::new(hashing, declared_charset)?;
    let encoding = reader.charset().label();
    let partner: Arc<str> = partner.into();
    let upload_id: Arc<str> = upload_id.into();
    let origin = |line| Origin {
        partner: partner.clone(),
        upload_id: upload_id.clone(),
        line,
    };
    let (mut rows, mut valid) = (0, 0);
    for outcome in reader.by_ref() {
        rows += 1;
        match outcome {
            RowOutcome::Valid { line, posting } => {
                valid += 1;
                if shard.is_none_or(|s| s.owns_posting(&partner, &posting.posting_id)) {
                    into.origins.push(origin(line));
                    into.postings.push(posting);
                }
            }
            RowOutcome::Rejected(r) => {
                if shard.is_none_or(|s| s.owns_rejections()) {
                    into.rejected.push(RejectedRow {
                        origin: origin(r.line),
                        posting_id: r.posting_id.unwrap_or_default(),
                        reason: r.reason,
                    });
                }
            }
        }
    }
    // The reader stops early on an I/O error; a half-read file must fail, not look short.
    if let Some(e) = reader.take_error() {
        return Err(InputError::Io(e));
    }
    let (sha256, bytes) = tally.finish();
    Ok(FileStats {
        sha256,
        bytes,
        rows,
        valid,
        rejected: rows - valid,
        encoding,
    })
}

/// Hashes and counts the bytes as the CSV reader pulls them, so a file is read once.
struct HashingRead<R> {
    inner: R,
    tally: HashAndLength,
}

#[derive(Clone)]
struct HashAndLength(Arc<Mutex<(Sha256, u64)>>);

impl HashAndLength {
    fn finish(self) -> (String, u64) {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        (hex::encode(guard.0.clone().finalize()), guard.1)
    }
}

impl<R: Read> HashingRead<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            tally: HashAndLength(Arc::new(Mutex::new((Sha256::new(), 0)))),
        }
    }

    fn tally(&self) -> HashAndLength {
        self.tally.clone()
    }
}

impl<R: Read> Read for HashingRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut t = self.tally.0.lock().unwrap_or_else(|p| p.into_inner());
        t.0.update(&buf[..n]);
        t.1 += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "posting_id,company_name,job_title,description\nA1,株式会社甲,事務,\n\nA2,,営業,\nA3,株式会社乙,倉庫,\"多\n行\"\nA4,株式会社丙,倉庫,\n";

    #[test]
    fn a_file_is_hashed_whole_and_every_record_is_kept_or_rejected_with_its_line() {
        let mut batch = InputBatch::default();
        let stats = read_postings(FILE.as_bytes(), None, "acme", "u1", None, &mut batch).unwrap();
        assert_eq!(stats.bytes, FILE.len() as u64);
        assert_eq!(stats.sha256, hex::encode(Sha256::digest(FILE.as_bytes())));
        assert_eq!(stats.rows, 4);
        assert_eq!((stats.valid, stats.rejected), (3, 1));
        let lines: Vec<u64> = batch.origins.iter().map(|o| o.line).collect();
        assert_eq!(lines, [2, 5, 7]);
        assert_eq!(batch.rejected.len(), 1);
        assert_eq!(batch.rejected[0].origin.line, 4);
        assert_eq!(batch.rejected[0].posting_id, "A2");
    }

    #[test]
    fn shards_split_the_postings_and_only_shard_zero_keeps_rejections() {
        let mut seen = Vec::new();
        let mut rejected = 0;
        for i in 0..3 {
            let mut batch = InputBatch::default();
            let shard = Shard::new(i, 3).unwrap();
            read_postings(FILE.as_bytes(), None, "acme", "u1", Some(shard), &mut batch).unwrap();
            seen.extend(batch.postings.into_iter().map(|p| p.posting_id));
            rejected += batch.rejected.len();
        }
        seen.sort();
        assert_eq!(seen, ["A1", "A3", "A4"]);
        assert_eq!(rejected, 1);
    }
}
