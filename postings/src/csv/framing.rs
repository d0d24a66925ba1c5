//! Record framing: where one CSV record ends and the next begins, with the physical line each
//! starts on. A quoted field may hold line breaks only in the one column the contract allows
//! (`description`); a quote left open anywhere else, or never closed, would otherwise swallow
//! every following line into one field. Such a record is reported with the line where its
//! quote opened, and reading resumes on the next physical line.
//!
//! Fields are split as RFC 4180 (and the `csv` crate's defaults) do: a quote opens a quoted
//! field only at the start of a field, `""` inside one is a quote, anything after a closing
//! quote is kept as written.

use std::collections::VecDeque;
use std::io::{self, BufRead};

/// A description may span many lines, but not the rest of the file: past this many lines or
/// bytes its quote counts as never closed.
const MAX_RECORD_LINES: usize = 1_000;
const MAX_RECORD_BYTES: usize = 1 << 20;

/// One framed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framed {
    Record {
        line: u64,
        fields: Vec<Vec<u8>>,
    },
    /// A quote opened on `line` in field `column` that the contract does not let close on a
    /// later line (`unterminated`: it was the multi-line column, but the quote never closed).
    Broken {
        line: u64,
        column: usize,
        unterminated: bool,
        /// The fields before the broken one.
        fields: Vec<Vec<u8>>,
    },
}

/// One physical line: its number, content and terminator (`\n`, `\r\n`, `\r` or none at the
/// end of input).
struct Line {
    number: u64,
    text: Vec<u8>,
    end: Vec<u8>,
}

pub struct Framer<R> {
    input: R,
    next_number: u64,
    /// Lines read ahead while following a multi-line field that then never closed: read again.
    replay: VecDeque<Line>,
    multiline: Option<usize>,
}

impl<R: BufRead> Framer<R> {
    pub fn new(input: R) -> Self {
        Self {
            input,
            next_number: 1,
            replay: VecDeque::new(),
            multiline: None,
        }
    }

    /// The column whose quoted values may hold line breaks (none until the header is read).
    pub fn allow_line_breaks_in(&mut self, column: Option<usize>) {
        self.multiline = column;
    }

    /// The next non-blank record, or `None` at the end of input.
    pub fn next_record(&mut self) -> io::Result<Option<Framed>> {
        loop {
            let Some(first) = self.next_line()? else {
                return Ok(None);
            };
            let mut scan = Scanner::default();
            scan.feed(&first.text);
            if !scan.in_quotes() {
                let fields = scan.finish();
                if is_blank(&fields) {
                    continue;
                }
                return Ok(Some(Framed::Record {
                    line: first.number,
                    fields,
                }));
            }
            let column = scan.fields.len();
            if Some(column) != self.multiline {
                return Ok(Some(scan.broken(first.number, column, false)));
            }
            let mut followed: Vec<Line> = Vec::new();
            let mut bytes = first.text.len();
            let mut end = first.end;
            loop {
                let next = match self.next_line()? {
                    Some(next) if followed.len() < MAX_RECORD_LINES && bytes < MAX_RECORD_BYTES => {
                        next
                    }
                    over => {
                        // Never closed: give back every line after the one it opened on.
                        if let Some(line) = over {
                            self.replay.push_front(line);
                        }
                        for line in followed.into_iter().rev() {
                            self.replay.push_front(line);
                        }
                        return Ok(Some(scan.broken(first.number, column, true)));
                    }
                };
                scan.feed(&end);
                scan.feed(&next.text);
                bytes += next.text.len();
                end = next.end.clone();
                followed.push(next);
                if !scan.in_quotes() {
                    return Ok(Some(Framed::Record {
                        line: first.number,
                        fields: scan.finish(),
                    }));
                }
            }
        }
    }

    fn next_line(&mut self) -> io::Result<Option<Line>> {
        if let Some(line) = self.replay.pop_front() {
            return Ok(Some(line));
        }
        let mut text = Vec::new();
        let mut end = Vec::new();
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            // A CR seen at the end of the last buffer: a following LF belongs to it.
            if end == b"\r" {
                if buf[0] == b'\n' {
                    end.push(b'\n');
                    self.input.consume(1);
                }
                break;
            }
            match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    text.extend_from_slice(&buf[..i]);
                    let cr = buf[i] == b'\r';
                    end.push(buf[i]);
                    let lf_follows = cr && buf.get(i + 1) == Some(&b'\n');
                    if lf_follows {
                        end.push(b'\n');
                    }
                    let at_buffer_end = cr && i + 1 == buf.len();
                    self.input.consume(i + 1 + usize::from(lf_follows));
                    if !at_buffer_end {
                        break;
                    }
                }
                None => {
                    let n = buf.len();
                    text.extend_from_slice(buf);
                    self.input.consume(n);
                }
            }
        }
        if text.is_empty() && end.is_empty() {
            return Ok(None);
        }
        let number = self.next_number;
        self.next_number += 1;
        Ok(Some(Line { number, text, end }))
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    StartField,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: closes it, or is the first of `""`.
    QuoteInQuoted,
}

#[derive(Debug, Default)]
struct Scanner {
    fields: Vec<Vec<u8>>,
    current: Vec<u8>,
    state: State,
}

impl Scanner {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = match (self.state, b) {
                (State::StartField, b'"') => State::Quoted,
                (State::Quoted, b'"') => State::QuoteInQuoted,
                (State::Quoted, _) => {
                    self.current.push(b);
                    State::Quoted
                }
                (State::QuoteInQuoted, b'"') => {
                    self.current.push(b'"');
                    State::Quoted
                }
                (_, b',') => {
                    self.fields.push(std::mem::take(&mut self.current));
                    State::StartField
                }
                (_, _) => {
                    self.current.push(b);
                    State::Unquoted
                }
            };
        }
    }

    fn in_quotes(&self) -> bool {
        self.state == State::Quoted
    }

    fn finish(mut self) -> Vec<Vec<u8>> {
        self.fields.push(self.current);
        self.fields
    }

    fn broken(self, line: u64, column: usize, unterminated: bool) -> Framed {
        Framed::Broken {
            line,
            column,
            unterminated,
            fields: self.fields,
        }
    }
}

/// A line holding nothing but spaces carries no posting.
fn is_blank(fields: &[Vec<u8>]) -> bool {
    fields.len() == 1 && fields[0].iter().all(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(input: &str, multiline: Option<usize>) -> Vec<Framed> {
        // A tiny buffer, so that line ends fall across buffer boundaries.
        let mut f = Framer::new(io::BufReader::with_capacity(3, input.as_bytes()));
        f.allow_line_breaks_in(multiline);
        std::iter::from_fn(|| f.next_record().unwrap()).collect()
    }

    fn record(line: u64, fields: &[&str]) -> Framed {
        Framed::Record {
            line,
            fields: fields.iter().map(|f| f.as_bytes().to_vec()).collect(),
        }
    }

    #[test]
    fn records_carry_their_physical_line_across_crlf_lf_lone_cr_and_blank_lines() {
        assert_eq!(
            frame("a,b\r\nc,d\n\n  \re,\"f\"\"g\"", None),
            [
                record(1, &["a", "b"]),
                record(2, &["c", "d"]),
                record(5, &["e", "f\"g"])
            ]
        );
    }

    #[test]
    fn the_multi_line_column_keeps_its_line_breaks_as_written() {
        assert_eq!(
            frame("1,\"x\r\ny\nz\",2\n3,w,4\n", Some(1)),
            [
                record(1, &["1", "x\r\ny\nz", "2"]),
                record(4, &["3", "w", "4"])
            ]
        );
    }

    #[test]
    fn a_quote_left_open_in_another_column_breaks_only_its_own_line() {
        let framed = frame("1,a,b\n2,\"stray,c\n3,d,e\n4,f,g\n", Some(2));
        assert_eq!(framed.len(), 4, "{framed:?}");
        assert_eq!(
            framed[1],
            Framed::Broken {
                line: 2,
                column: 1,
                unterminated: false,
                fields: vec![b"2".to_vec()]
            }
        );
        assert_eq!(framed[2], record(3, &["3", "d", "e"]));
    }

    #[test]
    fn a_multi_line_quote_that_never_closes_is_reported_and_the_lines_after_it_are_read_again() {
        let framed = frame("1,\"open\n2,b\n3,c\n", Some(1));
        assert_eq!(
            framed,
            [
                Framed::Broken {
                    line: 1,
                    column: 1,
                    unterminated: true,
                    fields: vec![b"1".to_vec()]
                },
                record(2, &["2", "b"]),
                record(3, &["3", "c"]),
            ]
        );
    }

    #[test]
    fn quotes_inside_an_unquoted_field_are_kept_as_written() {
        assert_eq!(frame("a\"b,c\n", None), [record(1, &["a\"b", "c"])]);
    }
}
