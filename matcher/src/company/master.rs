//! The company master as matching sees it: the companies a posting may be linked to, and the
//! history that explains postings which name a company as it was.

use super::{Company, CorporateNumber};

#[derive(Debug, Clone, Default)]
pub struct Master {
    /// Companies that may be link targets: active and not excluded from search.
    pub companies: Vec<Company>,
    /// Former names of those companies, each as a record with the former name and the
    /// company's current address and contacts.
    pub former_names: Vec<Company>,
    /// Closed or merged companies (by their names and former names), with the successor's
    /// number when merged. Never link targets: a posting naming one is explained, not linked.
    pub closed: Vec<(Company, Option<CorporateNumber>)>,
}

impl Master {
    /// A master without history (our own companies CSV).
    pub fn current(companies: Vec<Company>) -> Self {
        Self {
            companies,
            ..Self::default()
        }
    }
}
