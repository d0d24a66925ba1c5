//! The linking engine: an in-memory index over the company master, candidate scoring and the
//! link / no-link decision. Pure: no files, stores or databases. (Placeholder API; the real
//! engine replaces the bodies and keeps these names.)

use postings::Posting;
use rayon::prelude::*;
use serde::Serialize;

use crate::company::{Company, CorporateNumber};

/// Every knob of the decision, recorded in each run's manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    /// Minimum score for a link.
    pub accept: f64,
    /// Minimum lead of the best candidate over the runner-up.
    pub margin: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            accept: 0.9,
            margin: 0.05,
        }
    }
}

/// Why a posting was left unlinked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedReason {
    NoCandidate,
    BelowThreshold,
    Ambiguous,
}

impl UnmatchedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoCandidate => "no_candidate",
            Self::BelowThreshold => "below_threshold",
            Self::Ambiguous => "ambiguous",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub corporate_number: CorporateNumber,
    /// In [0, 1].
    pub score: f64,
    /// What carried the link, e.g. "name+city", "phone", "domain".
    pub method: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub reason: UnmatchedReason,
    /// The best candidate seen, if any, with its score.
    pub best: Option<(CorporateNumber, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Decision {
    Matched(Link),
    Unmatched(Miss),
}

/// The company master, indexed once per run.
pub struct CompanyIndex {
    companies: Vec<Company>,
}

impl CompanyIndex {
    pub fn build(companies: Vec<Company>) -> Self {
        Self { companies }
    }

    pub fn len(&self) -> usize {
        self.companies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.companies.is_empty()
    }

    pub fn link(&self, posting: &Posting, _t: &Thresholds) -> Decision {
        let found = self
            .companies
            .iter()
            .find(|c| c.name == posting.company_name);
        match found {
            Some(c) => Decision::Matched(Link {
                corporate_number: c.corporate_number,
                score: 1.0,
                method: "exact_name",
            }),
            None => Decision::Unmatched(Miss {
                reason: UnmatchedReason::NoCandidate,
                best: None,
            }),
        }
    }
}

/// Links every posting, in parallel; the result is in the postings' order whatever the
/// number of threads.
pub fn link_all(index: &CompanyIndex, postings: &[Posting], t: &Thresholds) -> Vec<Decision> {
    postings.par_iter().map(|p| index.link(p, t)).collect()
}
