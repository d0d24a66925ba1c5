//! One job posting as the rest of the system sees it, after the CSV contract has accepted it.

use serde::{Deserialize, Serialize};

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
