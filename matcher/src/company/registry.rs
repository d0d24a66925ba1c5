//! One row of the National Tax Agency's corporate-number registry (法人番号公表サイト,
//! 基本3情報): the full file and the daily diff files share this layout. No header row;
//! 30 columns (files published before the `hihyoji` column was added have 29).

use super::{Company, CorporateNumber};

/// Columns of the current layout; the older layout lacks the last one.
pub const REGISTRY_COLUMNS: usize = 30;
pub const REGISTRY_COLUMNS_OLD: usize = 29;

/// What a registry row records (`process`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    /// 01: number assigned.
    New,
    /// 11: trade name changed; the name the company had before is kept as a former name.
    NameChanged,
    /// 12: domestic address changed.
    AddressChanged,
    /// 13: overseas address changed.
    OverseasAddressChanged,
    /// 21: registration closed.
    Closed,
    /// 22: registration revived.
    Revived,
    /// 71: absorbed by merger (the successor's number is given).
    Merged,
    /// 72: merger invalidated.
    MergerInvalidated,
    /// 81: trade-name registration struck out.
    StruckOut,
    /// 99: number withdrawn; every other field is blank and the company is removed.
    Deleted,
}

impl Process {
    pub fn parse(code: &str) -> Option<Self> {
        Some(match code {
            "01" => Self::New,
            "11" => Self::NameChanged,
            "12" => Self::AddressChanged,
            "13" => Self::OverseasAddressChanged,
            "21" => Self::Closed,
            "22" => Self::Revived,
            "71" => Self::Merged,
            "72" => Self::MergerInvalidated,
            "81" => Self::StruckOut,
            "99" => Self::Deleted,
            _ => return None,
        })
    }
}

/// Whether a company may be a link target, as the registry says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    /// Liquidated, closed by the registrar, struck out, or otherwise ended.
    Closed,
    /// Absorbed by merger into its successor.
    Merged,
    /// Withdrawn (process 99) but still named by loaded postings, so kept as a row.
    Deleted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Closed => "closed",
            Self::Merged => "merged",
            Self::Deleted => "deleted",
        }
    }
}

/// The legal form a `kind` code stands for (the name carries where it stands: 前株 / 後株).
pub fn legal_form_of_kind(kind: &str) -> &'static str {
    match kind {
        "101" => "国の機関",
        "201" => "地方公共団体",
        "301" => "株式会社",
        "302" => "有限会社",
        "303" => "合名会社",
        "304" => "合資会社",
        "305" => "合同会社",
        "399" => "その他の設立登記法人",
        "401" => "外国会社等",
        "499" => "その他",
        _ => "",
    }
}

/// A parsed registry row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRow {
    pub sequence: u64,
    pub corporate_number: CorporateNumber,
    pub process: Process,
    /// `updateDate`, YYYY-MM-DD: the day the registry published this row.
    pub update_date: String,
    pub change_date: String,
    pub name: String,
    pub kind: String,
    pub prefecture: String,
    pub city: String,
    pub street: String,
    pub postal_code: String,
    pub address_outside: String,
    pub close_date: String,
    pub close_cause: String,
    pub successor: Option<CorporateNumber>,
    /// `latest = 1`: the company's current record; 0: a past state, history only.
    pub latest: bool,
    pub name_en: String,
    pub furigana: String,
    /// `hihyoji = 1`: excluded from the registry's own search.
    pub search_excluded: bool,
}

impl RegistryRow {
    /// Parses one record's fields; `Err` is the reason the row is refused.
    pub fn parse(fields: &csv::StringRecord) -> Result<Self, String> {
        let f = |i: usize| fields.get(i - 1).unwrap_or("").trim().to_string();
        if let Some(i) = fields.iter().position(|v| v.contains('\0')) {
            return Err(format!("column {} contains a NUL character", i + 1));
        }
        let corporate_number = CorporateNumber::parse(&f(2)).map_err(|e| e.to_string())?;
        let process =
            Process::parse(&f(3)).ok_or_else(|| format!("unknown process code {:?}", f(3)))?;
        let update_date = f(5);
        if !is_date(&update_date) {
            return Err(format!("updateDate {update_date:?} is not YYYY-MM-DD"));
        }
        let name = f(7);
        if name.is_empty() && process != Process::Deleted {
            return Err(format!("company {corporate_number} has a blank name"));
        }
        let successor = match f(21) {
            s if s.is_empty() => None,
            s => Some(CorporateNumber::parse(&s).map_err(|e| format!("successor: {e}"))?),
        };
        let flag = |i: usize, what: &str| match f(i).as_str() {
            "" | "0" => Ok(false),
            "1" => Ok(true),
            other => Err(format!("{what} must be 0 or 1, got {other:?}")),
        };
        Ok(Self {
            sequence: f(1).parse().unwrap_or(0),
            corporate_number,
            process,
            update_date,
            change_date: f(6),
            name,
            kind: f(9),
            prefecture: f(10),
            city: f(11),
            street: f(12),
            postal_code: f(16),
            address_outside: f(17),
            close_date: f(19),
            close_cause: f(20),
            successor,
            // A 99 row's other fields are blank; it is the company's last word.
            latest: process == Process::Deleted || flag(24, "latest")?,
            name_en: f(25),
            furigana: f(29),
            search_excluded: flag(30, "hihyoji")?,
        })
    }

    /// The status the row leaves the company in. The close fields decide (a closed company
    /// whose address changes stays closed); the process code settles the rest.
    pub fn status(&self) -> Status {
        match self.process {
            Process::Deleted => Status::Deleted,
            Process::Revived | Process::MergerInvalidated => Status::Active,
            Process::Merged => Status::Merged,
            _ if self.successor.is_some() || self.close_cause == "11" => Status::Merged,
            Process::Closed | Process::StruckOut => Status::Closed,
            _ if !self.close_date.is_empty() => Status::Closed,
            _ => Status::Active,
        }
    }

    /// The row as a company-master record (phone and website come from enrichment).
    pub fn company(&self) -> Company {
        let overseas = self.prefecture.is_empty() && !self.address_outside.is_empty();
        Company {
            corporate_number: self.corporate_number,
            name: self.name.clone(),
            name_kana: self.furigana.clone(),
            name_en: self.name_en.clone(),
            prefecture: self.prefecture.clone(),
            city: self.city.clone(),
            street: if overseas {
                self.address_outside.clone()
            } else {
                self.street.clone()
            },
            postal_code: self.postal_code.clone(),
            phone: String::new(),
            website: String::new(),
        }
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> csv::StringRecord {
        let mut r = csv::StringRecord::from(fields.to_vec());
        while r.len() < REGISTRY_COLUMNS {
            r.push_field("");
        }
        r
    }

    fn row(number: &str, process: &str, extra: &[(usize, &str)]) -> csv::StringRecord {
        let mut f: Vec<String> = vec![String::new(); REGISTRY_COLUMNS];
        f[0] = "1".into();
        f[1] = number.into();
        f[2] = process.into();
        f[3] = "0".into();
        f[4] = "2026-11-30".into();
        f[6] = "株式会社ＡＢＣ".into();
        f[23] = "1".into();
        for (i, v) in extra {
            f[i - 1] = (*v).into();
        }
        record(&f.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn a_merger_row_names_its_successor_and_is_merged() {
        let r = RegistryRow::parse(&row(
            "7000012050002",
            "71",
            &[(19, "2026-11-01"), (20, "11"), (21, "1180301018771")],
        ))
        .unwrap();
        assert_eq!(r.status(), Status::Merged);
        assert_eq!(r.successor.unwrap().to_string(), "1180301018771");
    }

    #[test]
    fn closure_revival_and_address_changes_of_closed_companies_set_the_status() {
        let closed = |p: &str, close: &str| {
            RegistryRow::parse(&row("7000012050002", p, &[(19, close), (20, "01")]))
                .unwrap()
                .status()
        };
        assert_eq!(closed("21", "2026-11-01"), Status::Closed);
        assert_eq!(closed("12", "2026-11-01"), Status::Closed);
        assert_eq!(closed("22", ""), Status::Active);
        assert_eq!(closed("01", ""), Status::Active);
    }

    #[test]
    fn a_deletion_needs_no_name_and_bad_fields_are_refused_with_their_reason() {
        let del = RegistryRow::parse(&row("7000012050002", "99", &[(7, "")])).unwrap();
        assert_eq!(del.status(), Status::Deleted);
        let err = |r| RegistryRow::parse(&r).unwrap_err();
        assert!(err(row("7000012050003", "01", &[])).contains("check digit"));
        assert!(err(row("7000012050002", "42", &[])).contains("process code"));
        assert!(err(row("7000012050002", "01", &[(5, "20261130")])).contains("updateDate"));
        assert!(err(row("7000012050002", "01", &[(7, "")])).contains("blank name"));
        assert!(err(row("7000012050002", "01", &[(30, "2")])).contains("hihyoji"));
    }

    #[test]
    fn kinds_name_their_legal_form() {
        assert_eq!(legal_form_of_kind("301"), "株式会社");
        assert_eq!(legal_form_of_kind("305"), "合同会社");
        assert_eq!(legal_form_of_kind("999"), "");
    }
}
