//! Physical line numbers for CSV records. The csv crate's own positions drift on blank lines
//! and CRLF endings, and partners need the line their spreadsheet shows, so the decoded stream
//! is watched on its way into the parser: every place where a line's content begins is noted
//! with its line number, and a record's line is the first such place at or after the offset
//! where the parser started looking for it (only line breaks can lie in between).

use std::collections::VecDeque;
use std::io::{self, Read};

pub struct LineTracker<R> {
    inner: R,
    offset: u64,
    line: u64,
    prev: Option<u8>,
    starts: VecDeque<(u64, u64)>,
}

impl<R: Read> LineTracker<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            line: 1,
            prev: None,
            starts: VecDeque::new(),
        }
    }

    /// The physical line (1-based) of the first content at or after `offset`, forgetting
    /// everything before it: offsets must be asked for in increasing order.
    pub fn line_at_or_after(&mut self, offset: u64) -> u64 {
        while let Some(&(start, line)) = self.starts.front() {
            if start >= offset {
                return line;
            }
            self.starts.pop_front();
        }
        self.line
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            let after_break = matches!(self.prev, None | Some(b'\r' | b'\n'));
            match b {
                // CRLF, LF and a lone CR each end one line.
                b'\r' => self.line += 1,
                b'\n' if self.prev != Some(b'\r') => self.line += 1,
                b'\n' => {}
                _ if after_break => self.starts.push_back((self.offset + i as u64, self.line)),
                _ => {}
            }
            self.prev = Some(b);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(input: &str) -> Vec<(u64, u64)> {
        let mut t = LineTracker::new(input.as_bytes());
        io::copy(&mut t, &mut io::sink()).unwrap();
        t.starts.into_iter().collect()
    }

    #[test]
    fn line_starts_count_crlf_lf_and_lone_cr_as_one_break_each() {
        assert_eq!(starts("a\r\nb\nc\rd"), [(0, 1), (3, 2), (5, 3), (7, 4)]);
        assert_eq!(starts("\n\na\r\n\r\nb"), [(2, 3), (7, 5)]);
    }
}
