//! One job posting as the rest of the system sees it, after the CSV contract has accepted it.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::csv::Column;

/// A posting row that passed the contract: required fields present, salaries numeric.
/// Optional text fields are empty strings when the partner left them blank.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Posting {
    pub posting_id: String,
    pub company_name: String,
    pub company_address: String,
    pub company_phone: String,
    pub company_url: String,
    pub job_title: String,
    pub employment_type: String,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub work_location: String,
    pub description: String,
    pub posted_at: String,
}

impl Posting {
    /// One contract column's value as a CSV writes it (a salary as whole yen, blank when
    /// absent). With [`Column::ALL`] this is the one list of posting columns the run files use.
    pub fn field(&self, column: Column) -> Cow<'_, str> {
        let salary = |v: Option<i64>| v.map_or(Cow::Borrowed(""), |v| Cow::Owned(v.to_string()));
        match column {
            Column::PostingId => Cow::Borrowed(&self.posting_id),
            Column::CompanyName => Cow::Borrowed(&self.company_name),
            Column::CompanyAddress => Cow::Borrowed(&self.company_address),
            Column::CompanyPhone => Cow::Borrowed(&self.company_phone),
            Column::CompanyUrl => Cow::Borrowed(&self.company_url),
            Column::JobTitle => Cow::Borrowed(&self.job_title),
            Column::EmploymentType => Cow::Borrowed(&self.employment_type),
            Column::SalaryMin => salary(self.salary_min),
            Column::SalaryMax => salary(self.salary_max),
            Column::WorkLocation => Cow::Borrowed(&self.work_location),
            Column::Description => Cow::Borrowed(&self.description),
            Column::PostedAt => Cow::Borrowed(&self.posted_at),
        }
    }
}
