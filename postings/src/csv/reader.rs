//! The streaming row reader: bytes in any accepted charset in, one outcome per record out.
//! Memory is one sniff window plus one record, whatever the file size.

use std::borrow::Cow;
use std::io::{self, BufReader, Chain, Cursor, Read};

use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

use super::ContractError;
use super::charset::{self, Charset, SNIFF_LEN};
use super::framing::{Framed, Framer};
use super::header::{Column, HeaderMap};
use super::salary::parse_salary;
use crate::Posting;

/// What became of one record of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "almost every row is valid; boxing would allocate per row and change the shared API"
)]
pub enum RowOutcome {
    Valid { line: u64, posting: Posting },
    Rejected(Rejection),
}

impl RowOutcome {
    /// The physical line where the record starts (the header is line 1).
    pub fn line(&self) -> u64 {
        match self {
            RowOutcome::Valid { line, .. } => *line,
            RowOutcome::Rejected(r) => r.line,
        }
    }
}

/// A record that cannot be used, and why, in words a partner can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub line: u64,
    pub posting_id: Option<String>,
    pub reason: String,
    /// The record's framing is broken (a quote left open): the file itself is malformed
    /// there, not just the row's values. Intake refuses such a file.
    pub framing: bool,
}

type Decoded<R> = BufReader<DecodeReaderBytes<Chain<Cursor<Vec<u8>>, R>, Vec<u8>>>;

/// Reads postings from a CSV stream. Construction reads the header (and refuses a file whose
/// header breaks the contract); iteration yields one [`RowOutcome`] per non-blank record.
///
/// Iteration ends early if the underlying reader fails; [`PostingReader::take_error`] then
/// returns that error, so callers that read from a fallible source must check it.
pub struct PostingReader<R: Read> {
    framer: Framer<Decoded<R>>,
    header: HeaderMap,
    /// The header's names as sent, for messages.
    names: Vec<String>,
    line: u64,
    charset: Charset,
    had_bom: bool,
    record: ::csv::ByteRecord,
    error: Option<io::Error>,
    done: bool,
}

impl<R: Read> PostingReader<R> {
    /// Detects the charset (see [`charset::detect`]) and reads the header row.
    pub fn new(mut input: R, declared_charset: Option<&str>) -> Result<Self, ContractError> {
        let head = read_head(&mut input)?;
        let (charset, had_bom) = charset::detect(&head, declared_charset)?;
        let skip = charset::bom_len(&head) as u64;
        let mut head = Cursor::new(head);
        head.set_position(skip);
        let decoder = DecodeReaderBytesBuilder::new()
            .encoding(Some(charset.encoding()))
            .build(head.chain(input));
        let mut framer = Framer::new(BufReader::with_capacity(64 * 1024, decoder));
        let names: Vec<String> = match framer.next_record()? {
            None => return Err(ContractError::Empty),
            Some(Framed::Record { fields, .. }) => fields
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
            Some(Framed::Broken { line, .. }) => {
                return Err(ContractError::Framing {
                    line,
                    reason: "the header row has a quote that is not closed on its line".into(),
                });
            }
        };
        let header = HeaderMap::from_names(names.iter().map(String::as_str))?;
        framer.allow_line_breaks_in(header.position(Column::Description));
        let record = ::csv::ByteRecord::new();
        Ok(Self {
            framer,
            header,
            names,
            line: 0,
            charset,
            had_bom,
            record,
            error: None,
            done: false,
        })
    }

    pub fn charset(&self) -> Charset {
        self.charset
    }

    pub fn had_bom(&self) -> bool {
        self.had_bom
    }

    /// The I/O error that ended iteration early, if any.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    fn check(&self) -> RowOutcome {
        let rec = &self.record;
        let line = self.line;
        let field = |col: Column| -> Cow<'_, str> {
            self.header
                .position(col)
                .and_then(|i| rec.get(i))
                .map_or(Cow::Borrowed(""), String::from_utf8_lossy)
        };
        let id = field(Column::PostingId);
        let reject = |reason: String| {
            let id = id.trim();
            RowOutcome::Rejected(Rejection {
                line,
                posting_id: (!id.is_empty()).then(|| id.to_owned()),
                reason,
                framing: false,
            })
        };

        if rec.len() != self.header.width() {
            return reject(format!(
                "wrong number of fields (expected {}, got {})",
                self.header.width(),
                rec.len()
            ));
        }
        let values: Vec<(Column, String)> = Column::ALL
            .into_iter()
            .map(|c| (c, field(c).trim().to_owned()))
            .collect();
        for (col, value) in &values {
            // The decoder writes U+FFFD for bytes the charset cannot decode.
            if value.contains('\u{FFFD}') {
                return reject(format!(
                    "{} contains bytes that are not valid {}",
                    col.name(),
                    self.charset.label()
                ));
            }
            // PostgreSQL text cannot hold NUL; no partner means one.
            if value.contains('\0') {
                return reject(format!("{} contains a NUL character", col.name()));
            }
        }
        let missing: Vec<&str> = Column::REQUIRED
            .into_iter()
            .filter(|c| values[*c as usize].1.is_empty())
            .map(Column::name)
            .collect();
        if !missing.is_empty() {
            let s = if missing.len() > 1 { "s" } else { "" };
            return reject(format!("missing required field{s} {}", missing.join(", ")));
        }
        let salary = |col: Column| {
            let cell = &values[col as usize].1;
            parse_salary(cell)
                .map_err(|()| format!("{} is not a whole number: {:?}", col.name(), clip(cell)))
        };
        let (salary_min, salary_max) = match (salary(Column::SalaryMin), salary(Column::SalaryMax))
        {
            (Ok(min), Ok(max)) => (min, max),
            (Err(e), _) | (_, Err(e)) => return reject(e),
        };
        if let (Some(min), Some(max)) = (salary_min, salary_max)
            && min > max
        {
            return reject(format!(
                "salary_min ({min}) is greater than salary_max ({max})"
            ));
        }
        let mut values: Vec<String> = values.into_iter().map(|(_, v)| v).collect();
        let mut take = |col: Column| std::mem::take(&mut values[col as usize]);
        let posting = Posting {
            posting_id: take(Column::PostingId),
            company_name: take(Column::CompanyName),
            company_address: take(Column::CompanyAddress),
            company_phone: take(Column::CompanyPhone),
            company_url: take(Column::CompanyUrl),
            job_title: take(Column::JobTitle),
            employment_type: take(Column::EmploymentType),
            salary_min,
            salary_max,
            work_location: take(Column::WorkLocation),
            description: take(Column::Description),
            posted_at: take(Column::PostedAt),
        };
        RowOutcome::Valid { line, posting }
    }
}

impl<R: Read> PostingReader<R> {
    /// A record whose quote the contract does not let close: rejected, with the line and the
    /// column where the quote opened.
    fn broken(
        &self,
        line: u64,
        column: usize,
        unterminated: bool,
        fields: &[Vec<u8>],
    ) -> RowOutcome {
        let name = self
            .names
            .get(column)
            .map_or_else(|| format!("column {}", column + 1), |n| n.trim().to_owned());
        let reason = if unterminated {
            format!("the quote opened on line {line} in {name} is never closed")
        } else {
            format!(
                "the quote opened on line {line} in {name} is not closed on that line (only \
                 description may hold line breaks)"
            )
        };
        let id = self
            .header
            .position(Column::PostingId)
            .and_then(|i| fields.get(i))
            .map(|f| String::from_utf8_lossy(f).trim().to_owned())
            .filter(|id| !id.is_empty());
        RowOutcome::Rejected(Rejection {
            line,
            posting_id: id,
            reason,
            framing: true,
        })
    }
}

impl<R: Read> Iterator for PostingReader<R> {
    type Item = RowOutcome;

    fn next(&mut self) -> Option<RowOutcome> {
        if self.done {
            return None;
        }
        match self.framer.next_record() {
            Ok(Some(Framed::Record { line, fields })) => {
                self.record.clear();
                for f in &fields {
                    self.record.push_field(f);
                }
                self.line = line;
                Some(self.check())
            }
            Ok(Some(Framed::Broken {
                line,
                column,
                unterminated,
                fields,
            })) => Some(self.broken(line, column, unterminated, &fields)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                self.error = Some(e);
                None
            }
        }
    }
}

/// Fills the sniff window, or less at end of input.
fn read_head<R: Read>(input: &mut R) -> Result<Vec<u8>, io::Error> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    input
        .by_ref()
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

fn clip(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}
