//! The header row: which column holds which posting field. Partners' systems name columns in
//! Japanese or English, in full-width or half-width characters; each canonical column has a
//! short list of accepted names (documented in postings/README.md; keep the two in step).

use unicode_normalization::UnicodeNormalization;

use super::ContractError;

/// The canonical posting columns, in the contract's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    PostingId,
    CompanyName,
    CompanyAddress,
    CompanyPhone,
    CompanyUrl,
    JobTitle,
    EmploymentType,
    SalaryMin,
    SalaryMax,
    WorkLocation,
    Description,
    PostedAt,
}

impl Column {
    pub const ALL: [Column; 12] = [
        Column::PostingId,
        Column::CompanyName,
        Column::CompanyAddress,
        Column::CompanyPhone,
        Column::CompanyUrl,
        Column::JobTitle,
        Column::EmploymentType,
        Column::SalaryMin,
        Column::SalaryMax,
        Column::WorkLocation,
        Column::Description,
        Column::PostedAt,
    ];

    /// Columns without which a file is refused as a whole.
    pub const REQUIRED: [Column; 3] = [Column::PostingId, Column::CompanyName, Column::JobTitle];

    pub fn name(self) -> &'static str {
        match self {
            Column::PostingId => "posting_id",
            Column::CompanyName => "company_name",
            Column::CompanyAddress => "company_address",
            Column::CompanyPhone => "company_phone",
            Column::CompanyUrl => "company_url",
            Column::JobTitle => "job_title",
            Column::EmploymentType => "employment_type",
            Column::SalaryMin => "salary_min",
            Column::SalaryMax => "salary_max",
            Column::WorkLocation => "work_location",
            Column::Description => "description",
            Column::PostedAt => "posted_at",
        }
    }

    /// Accepted header names besides the canonical one, already in [`header_key`] form.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::PostingId => &["求人id", "求人番号", "求人コード", "job_id"],
            Column::CompanyName => &["会社名", "企業名", "社名", "法人名"],
            Column::CompanyAddress => &["住所", "所在地", "会社住所", "本社所在地", "企業住所"],
            Column::CompanyPhone => &["電話番号", "tel", "電話", "会社電話番号", "代表電話番号"],
            Column::CompanyUrl => &["url", "ホームページ", "hp", "会社url", "website"],
            Column::JobTitle => &["職種", "求人タイトル", "職種名"],
            Column::EmploymentType => &["雇用形態"],
            Column::SalaryMin => &["給与下限", "最低給与"],
            Column::SalaryMax => &["給与上限", "最高給与"],
            Column::WorkLocation => &["勤務地", "勤務場所"],
            Column::Description => &["仕事内容", "業務内容"],
            Column::PostedAt => &["掲載日", "掲載開始日"],
        }
    }

    fn from_header(name: &str) -> Option<Column> {
        let key = header_key(name);
        Column::ALL
            .into_iter()
            .find(|c| c.name() == key || c.aliases().contains(&key.as_str()))
    }
}

/// The comparable form of a header name: NFKC (so `ＩＤ`, `ＵＲＬ` and half-width katakana
/// match), BOM characters and surrounding spaces removed, ASCII lower-cased, and runs of
/// spaces or hyphens inside written as one `_` (`Posting ID` = `posting-id` = `posting_id`).
pub fn header_key(name: &str) -> String {
    let nfkc: String = name.nfkc().filter(|&c| c != '\u{FEFF}').collect();
    let mut key = String::with_capacity(nfkc.len());
    let mut pending_sep = false;
    for c in nfkc.trim().chars() {
        if c.is_whitespace() || c == '-' {
            pending_sep = true;
            continue;
        }
        if pending_sep {
            key.push('_');
            pending_sep = false;
        }
        key.push(c.to_ascii_lowercase());
    }
    key
}

/// Where each canonical column sits in a row, learned from the header row.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    index: [Option<usize>; 12],
    width: usize,
}

impl HeaderMap {
    /// Maps a header row. Unknown columns are ignored; a canonical column named twice (even
    /// through two different aliases) is an error, since we could not tell which one to use.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, ContractError> {
        let mut index = [None; 12];
        let mut width = 0;
        for (i, name) in names.into_iter().enumerate() {
            width = i + 1;
            if let Some(col) = Column::from_header(name) {
                let slot = &mut index[col as usize];
                if slot.is_some() {
                    return Err(ContractError::DuplicateColumn(format!(
                        "{} (header {:?} in column {})",
                        col.name(),
                        name.trim(),
                        i + 1
                    )));
                }
                *slot = Some(i);
            }
        }
        let missing: Vec<&'static str> = Column::REQUIRED
            .into_iter()
            .filter(|c| index[*c as usize].is_none())
            .map(Column::name)
            .collect();
        if !missing.is_empty() {
            return Err(ContractError::MissingColumns(missing));
        }
        Ok(Self { index, width })
    }

    /// The position of a column in each row, if the file has it.
    pub fn position(&self, col: Column) -> Option<usize> {
        self.index[col as usize]
    }

    /// The number of fields every row must have: the header's.
    pub fn width(&self) -> usize {
        self.width
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(names: &[&str]) -> Result<HeaderMap, ContractError> {
        HeaderMap::from_names(names.iter().copied())
    }

    #[test]
    fn japanese_aliases_map_to_canonical_columns() {
        let h = map(&[
            "求人ID",
            "会社名",
            "住所",
            "電話番号",
            "URL",
            "職種",
            "給与下限",
        ])
        .unwrap();
        assert_eq!(h.position(Column::PostingId), Some(0));
        assert_eq!(h.position(Column::CompanyName), Some(1));
        assert_eq!(h.position(Column::CompanyAddress), Some(2));
        assert_eq!(h.position(Column::CompanyPhone), Some(3));
        assert_eq!(h.position(Column::CompanyUrl), Some(4));
        assert_eq!(h.position(Column::JobTitle), Some(5));
        assert_eq!(h.position(Column::SalaryMin), Some(6));
        assert_eq!(h.position(Column::Description), None);
    }

    #[test]
    fn header_names_match_across_width_case_and_spacing() {
        let h = map(&[" 求人ＩＤ ", "Company Name", "\u{FEFF}job-title", "ｈｐ"]).unwrap();
        assert_eq!(h.position(Column::PostingId), Some(0));
        assert_eq!(h.position(Column::CompanyName), Some(1));
        assert_eq!(h.position(Column::JobTitle), Some(2));
        assert_eq!(h.position(Column::CompanyUrl), Some(3));
    }

    #[test]
    fn unknown_columns_are_ignored_but_count_towards_the_row_width() {
        let h = map(&["memo", "posting_id", "company_name", "job_title", "備考"]).unwrap();
        assert_eq!(h.position(Column::PostingId), Some(1));
        assert_eq!(h.width(), 5);
    }

    #[test]
    fn missing_required_columns_are_all_named() {
        match map(&["posting_id", "会社住所"]) {
            Err(ContractError::MissingColumns(m)) => assert_eq!(m, ["company_name", "job_title"]),
            other => panic!("expected MissingColumns, got {other:?}"),
        }
    }

    #[test]
    fn a_column_named_twice_through_different_aliases_is_refused() {
        match map(&["posting_id", "会社名", "企業名", "job_title"]) {
            Err(ContractError::DuplicateColumn(c)) => assert!(c.starts_with("company_name"), "{c}"),
            other => panic!("expected DuplicateColumn, got {other:?}"),
        }
    }

    #[test]
    fn every_alias_is_in_the_form_it_is_compared_in() {
        for col in Column::ALL {
            for alias in col.aliases() {
                assert_eq!(header_key(alias), *alias);
            }
        }
    }
}
