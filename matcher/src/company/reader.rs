//! Reading the company master from CSV (`companies.csv`): one streaming reader shared by the
//! offline match stage and `import-companies`.

use std::collections::HashMap;

use serde::Serialize;

use super::{Company, CorporateNumber};

/// A row of a companies CSV that could not be used, with its physical line (header = 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompanyReject {
    /// Physical line of the CSV where the record starts; the header is line 1.
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CompanyCsvError {
    #[error("cannot open {path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("companies CSV is missing required column(s): {0}")]
    MissingColumns(String),
    #[error("companies CSV header unreadable: {0}")]
    Header(csv::Error),
    #[error("companies CSV unreadable at line {line}: {source}")]
    Read { line: u64, source: csv::Error },
}

/// Why a companies CSV is refused before its first record.
#[derive(Debug, thiserror::Error)]
pub enum CompanyHeaderError {
    #[error("companies CSV is missing required column(s): {}", .0.join(", "))]
    Missing(Vec<&'static str>),
    #[error("companies CSV header unreadable: {0}")]
    Unreadable(csv::Error),
}

/// The input itself failed mid-file (not one bad record): the rest cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("companies CSV unreadable at line {line}: {source}")]
pub struct CompanyReadError {
    pub line: u64,
    pub source: csv::Error,
}

impl From<CompanyHeaderError> for CompanyCsvError {
    fn from(e: CompanyHeaderError) -> Self {
        match e {
            CompanyHeaderError::Missing(missing) => Self::MissingColumns(missing.join(", ")),
            CompanyHeaderError::Unreadable(source) => Self::Header(source),
        }
    }
}

impl From<CompanyReadError> for CompanyCsvError {
    fn from(CompanyReadError { line, source }: CompanyReadError) -> Self {
        Self::Read { line, source }
    }
}

/// The `companies.csv` columns, in the `companies` table's order; the first two are required.
pub const COMPANY_COLUMNS: [&str; 10] = [
    "corporate_number",
    "name",
    "name_kana",
    "name_en",
    "prefecture",
    "city",
    "street",
    "postal_code",
    "phone",
    "website",
];
const REQUIRED_COLUMNS: usize = 2;

/// Reads a company master CSV with the `companies.csv` columns (any order, UTF-8, optional
/// BOM). `corporate_number` and `name` are required columns; the others may be absent. A row
/// with a bad corporate number, a blank name, or a repeated corporate number is returned as a
/// reject with its line, never silently dropped.
pub fn read_companies_csv(
    path: impl AsRef<std::path::Path>,
) -> Result<(Vec<Company>, Vec<CompanyReject>), CompanyCsvError> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|source| CompanyCsvError::Open {
        path: path.display().to_string(),
        source,
    })?;
    read_companies(std::io::BufReader::with_capacity(1 << 20, file))
}

/// [`read_companies_csv`] over any reader.
pub fn read_companies<R: std::io::Read>(
    input: R,
) -> Result<(Vec<Company>, Vec<CompanyReject>), CompanyCsvError> {
    let mut companies = Vec::new();
    let mut rejects = Vec::new();
    for row in CompanyCsvReader::new(input)? {
        match row? {
            Ok(company) => companies.push(company),
            Err(reject) => rejects.push(reject),
        }
    }
    Ok((companies, rejects))
}

/// Streams a companies CSV one record at a time, so that a 1.4M-row master is never held
/// twice. The header is checked up front ([`CompanyCsvReader::new`]); then each record is
/// either a company or a reject with its line. The outer error means the input itself broke
/// and nothing after it can be read.
pub struct CompanyCsvReader<R> {
    rdr: csv::Reader<R>,
    column: [Option<usize>; COMPANY_COLUMNS.len()],
    /// Fields in the header: every record must have as many (an unquoted comma in a name
    /// would otherwise shift every later column).
    width: usize,
    /// Line of each number's first accepted record, so that a repeat can point at it.
    first_line: HashMap<CorporateNumber, u64>,
    record: csv::StringRecord,
    done: bool,
}

impl<R: std::io::Read> CompanyCsvReader<R> {
    /// Header names are matched after dropping a BOM, surrounding blanks and case, because
    /// exports from spreadsheets differ in exactly those.
    pub fn new(input: R) -> Result<Self, CompanyHeaderError> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers = rdr.headers().map_err(CompanyHeaderError::Unreadable)?;
        let names: Vec<String> = headers
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
            .collect();
        let column = COMPANY_COLUMNS.map(|c| names.iter().position(|n| n == c));
        let missing: Vec<&'static str> = COMPANY_COLUMNS[..REQUIRED_COLUMNS]
            .iter()
            .zip(&column)
            .filter(|(_, i)| i.is_none())
            .map(|(c, _)| *c)
            .collect();
        if !missing.is_empty() {
            return Err(CompanyHeaderError::Missing(missing));
        }
        Ok(Self {
            width: names.len(),
            rdr,
            column,
            first_line: HashMap::new(),
            record: csv::StringRecord::new(),
            done: false,
        })
    }

    fn field(&self, i: usize) -> String {
        self.column[i]
            .and_then(|c| self.record.get(c))
            .unwrap_or("")
            .trim()
            .to_string()
    }

    /// Validates the record just read.
    fn company(&mut self, line: u64) -> Result<Company, String> {
        if self.record.len() != self.width {
            return Err(format!(
                "wrong number of fields (expected {}, got {})",
                self.width,
                self.record.len()
            ));
        }
        // PostgreSQL text cannot hold NUL; no registry means one.
        if let Some(i) = self.record.iter().position(|f| f.contains('\0')) {
            let name = self.column.iter().position(|c| *c == Some(i)).map_or_else(
                || format!("column {}", i + 1),
                |c| COMPANY_COLUMNS[c].to_string(),
            );
            return Err(format!("{name} contains a NUL character"));
        }
        let corporate_number = CorporateNumber::parse(&self.field(0)).map_err(|e| e.to_string())?;
        let name = self.field(1);
        if name.is_empty() {
            return Err(format!("company {corporate_number} has a blank name"));
        }
        if let Some(first) = self.first_line.get(&corporate_number) {
            return Err(format!(
                "duplicate corporate number {corporate_number} (first on line {first})"
            ));
        }
        self.first_line.insert(corporate_number, line);
        Ok(Company {
            corporate_number,
            name,
            name_kana: self.field(2),
            name_en: self.field(3),
            prefecture: self.field(4),
            city: self.field(5),
            street: self.field(6),
            postal_code: self.field(7),
            phone: self.field(8),
            website: self.field(9),
        })
    }
}

impl<R: std::io::Read> Iterator for CompanyCsvReader<R> {
    type Item = Result<Result<Company, CompanyReject>, CompanyReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let line = self.rdr.position().line();
        match self.rdr.read_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => {
                self.done = true;
                return None;
            }
            Err(source) if source.is_io_error() => {
                self.done = true;
                return Some(Err(CompanyReadError { line, source }));
            }
            // A malformed record (e.g. bytes that are not UTF-8) is that record's problem only.
            Err(e) => {
                return Some(Ok(Err(CompanyReject {
                    line,
                    reason: format!("unreadable row: {e}"),
                })));
            }
        }
        let line = self.record.position().map_or(line, |p| p.line());
        Some(Ok(self
            .company(line)
            .map_err(|reason| CompanyReject { line, reason })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_companies_csv_is_read_and_bad_rows_are_reported_with_their_line() {
        let csv = "\u{feff}corporate_number,name,prefecture,city,phone\n\
                   7000012050002,国税庁,東京都,千代田区,03-3581-4161\n\
                   7000012050003,誤り,東京都,千代田区,\n\
                   1180301018771,,愛知県,豊田市,\n\
                   7000012050002,国税庁,東京都,千代田区,\n\
                   1180301018771,トヨタ自動車株式会社,愛知県,豊田市,0565-28-2121\n";
        let (companies, rejects) = read_companies(csv.as_bytes()).unwrap();
        let names: Vec<&str> = companies.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["国税庁", "トヨタ自動車株式会社"]);
        assert_eq!(companies[1].city, "豊田市");
        assert_eq!(companies[1].website, "");
        let lines: Vec<u64> = rejects.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5]);
    }

    #[test]
    fn a_companies_csv_without_a_name_column_is_refused() {
        let err = read_companies("corporate_number,city\n7000012050002,千代田区\n".as_bytes())
            .unwrap_err();
        assert!(
            matches!(err, CompanyCsvError::MissingColumns(ref c) if c == "name"),
            "{err}"
        );
    }

    #[test]
    fn a_repeated_number_is_rejected_naming_the_line_of_its_first_record() {
        let csv = "corporate_number,name,street\n\
                   7000012050002,国税庁,\"霞が関3-1-1\n別館\"\n\
                   7000012050002,国税庁,\n";
        let rows: Vec<_> = CompanyCsvReader::new(csv.as_bytes())
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(rows[0].is_ok());
        let reject = rows[1].clone().unwrap_err();
        assert_eq!(reject.line, 4);
        assert!(reject.reason.contains("first on line 2"), "{reject:?}");
    }

    #[test]
    fn a_row_that_is_not_utf8_is_rejected_by_line_and_reading_goes_on() {
        let mut csv = b"corporate_number,name\n7000012050002,".to_vec();
        csv.extend([0x8d, 0x91, 0x90, 0xc5, 0x92, 0xa1, b'\n']); // 国税庁 in Shift_JIS
        csv.extend("1180301018771,トヨタ自動車株式会社\n".as_bytes());
        let (companies, rejects) = read_companies(csv.as_slice()).unwrap();
        assert_eq!(companies.len(), 1);
        assert_eq!(companies[0].corporate_number.to_string(), "1180301018771");
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].line, 2);
        assert!(rejects[0].reason.contains("unreadable"), "{rejects:?}");
    }

    #[test]
    fn a_shifted_or_short_row_and_a_nul_byte_are_rejected_by_line() {
        let csv = "corporate_number,name,prefecture,city,phone\n\
                   7000012050002,国税庁,東京都,千代田区,03-3581-4161\n\
                   1180301018771,トヨタ自動車, Ltd.,愛知県,豊田市,0565-28-2121\n\
                   7000012050003,短い行\n\
                   1180301018771,トヨタ\0自動車,愛知県,豊田市,\n";
        let (companies, rejects) = read_companies(csv.as_bytes()).unwrap();
        assert_eq!(companies.len(), 1);
        let got: Vec<(u64, &str)> = rejects
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (3, "wrong number of fields (expected 5, got 6)"),
                (4, "wrong number of fields (expected 5, got 2)"),
                (5, "name contains a NUL character"),
            ]
        );
    }

    #[test]
    fn header_names_match_whatever_their_case_and_surrounding_blanks() {
        let csv = " Corporate_Number ,NAME\n7000012050002,国税庁\n";
        let (companies, rejects) = read_companies(csv.as_bytes()).unwrap();
        assert_eq!((companies.len(), rejects.len()), (1, 0));
    }
}
