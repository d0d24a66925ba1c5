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
        if digits[0] != check_digit(&digits[1..]) {
            return Err(CorporateNumberError::CheckDigit(s.to_string()));
        }
        Ok(Self(s.parse().expect("13 ascii digits fit in u64")))
    }

    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// The number whose twelve digits after the check digit are `body`.
    #[cfg(test)]
    pub(crate) fn with_body(body: u64) -> Self {
        let digits: Vec<u64> = format!("{body:012}")
            .bytes()
            .map(|b| u64::from(b - b'0'))
            .collect();
        Self(check_digit(&digits) * 1_000_000_000_000 + body)
    }
}

/// 9 - (Σ Pn·Qn mod 9) over the twelve body digits, Qn = 1 for odd n, 2 for even n, n counted
/// from the rightmost digit.
fn check_digit(body: &[u64]) -> u64 {
    let sum: u64 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 2 })
        .sum();
    9 - sum % 9
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

mod master;
mod reader;
pub mod registry;
pub mod registry_file;
pub mod registry_master;

pub use master::Master;

pub use reader::{
    COMPANY_COLUMNS, CompanyCsvError, CompanyCsvReader, CompanyHeaderError, CompanyReadError,
    CompanyReject, read_companies, read_companies_csv,
};

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
    fn numbers_with_zero_runs_print_all_thirteen_digits() {
        // Check digit 8 over the base 000000000001.
        assert_eq!(
            CorporateNumber::parse("8000000000001").unwrap().to_string(),
            "8000000000001"
        );
    }
}
