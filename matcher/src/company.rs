//! The company master's record and its key, the 13-digit corporate number (法人番号).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A corporate number whose check digit has been verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorporateNumber(u64);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CorporateNumberError {
    #[error("corporate number must be 13 digits, got {0:?}")]
    Shape(String),
    #[error("corporate number {0} has a wrong check digit")]
    CheckDigit(String),
}

impl CorporateNumber {
    /// Parses a 13-digit corporate number. The leading digit is a check digit over the other
    /// twelve (National Tax Agency rule: 9 - (Σ Pn·Qn mod 9), Qn = 1 for odd n, 2 for even n,
    /// n counted from the rightmost digit), so most typos are caught here.
    pub fn parse(raw: &str) -> Result<Self, CorporateNumberError> {
        let s = raw.trim();
        if s.len() != 13 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CorporateNumberError::Shape(raw.to_string()));
        }
        let digits: Vec<u64> = s.bytes().map(|b| u64::from(b - b'0')).collect();
        let sum: u64 = digits[1..]
            .iter()
            .rev()
            .enumerate()
            .map(|(i, d)| if i % 2 == 0 { *d } else { d * 2 })
            .sum();
        if digits[0] != 9 - sum % 9 {
            return Err(CorporateNumberError::CheckDigit(s.to_string()));
        }
        Ok(Self(s.parse().expect("13 ascii digits fit in u64")))
    }

    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:013}", self.0)
    }
}

impl Serialize for CorporateNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CorporateNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One row of the company master (`companies` table, `companies.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    pub corporate_number: CorporateNumber,
    pub name: String,
    #[serde(default)]
    pub name_kana: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub prefecture: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub website: String,
}

/// A row of a companies CSV that could not be used, with its physical line (header = 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompanyReject {
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

const COMPANY_COLUMNS: [&str; 10] = [
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
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = rdr.headers().map_err(CompanyCsvError::Header)?.clone();
    let names: Vec<String> = headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    let col: Vec<Option<usize>> = COMPANY_COLUMNS
        .iter()
        .map(|c| names.iter().position(|n| n == c))
        .collect();
    let missing: Vec<&str> = COMPANY_COLUMNS[..2]
        .iter()
        .zip(&col)
        .filter(|(_, i)| i.is_none())
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(CompanyCsvError::MissingColumns(missing.join(", ")));
    }
    let mut companies = Vec::new();
    let mut rejects = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) if e.is_io_error() => {
                return Err(CompanyCsvError::Read { line, source: e });
            }
            Err(e) => {
                rejects.push(CompanyReject {
                    line,
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        let field = |i: usize| {
            col[i]
                .and_then(|c| record.get(c))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let corporate_number = match CorporateNumber::parse(&field(0)) {
            Ok(n) => n,
            Err(e) => {
                rejects.push(CompanyReject {
                    line,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let name = field(1);
        if name.is_empty() {
            rejects.push(CompanyReject {
                line,
                reason: format!("company {corporate_number} has a blank name"),
            });
            continue;
        }
        if !seen.insert(corporate_number) {
            rejects.push(CompanyReject {
                line,
                reason: format!("corporate number {corporate_number} appears more than once"),
            });
            continue;
        }
        companies.push(Company {
            corporate_number,
            name,
            name_kana: field(2),
            name_en: field(3),
            prefecture: field(4),
            city: field(5),
            street: field(6),
            postal_code: field(7),
            phone: field(8),
            website: field(9),
        });
    }
    Ok((companies, rejects))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_corporate_numbers_pass_their_check_digit() {
        // Published numbers: 国税庁 and トヨタ自動車.
        for n in ["7000012050002", "1180301018771"] {
            assert_eq!(CorporateNumber::parse(n).unwrap().to_string(), n);
        }
    }

    #[test]
    fn a_changed_digit_or_wrong_length_is_refused() {
        assert!(matches!(
            CorporateNumber::parse("7000012050003"),
            Err(CorporateNumberError::CheckDigit(_))
        ));
        assert!(matches!(
            CorporateNumber::parse("700001205000"),
            Err(CorporateNumberError::Shape(_))
        ));
        assert!(matches!(
            CorporateNumber::parse("70000120500O2"),
            Err(CorporateNumberError::Shape(_))
        ));
    }

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
    fn numbers_with_zero_runs_print_all_thirteen_digits() {
        // Check digit 8 over the base 000000000001.
        assert_eq!(
            CorporateNumber::parse("8000000000001").unwrap().to_string(),
            "8000000000001"
        );
    }
}
