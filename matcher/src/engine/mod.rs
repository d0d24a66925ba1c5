//! The linking engine: an in-memory index over the company master, candidate scoring and the
//! link / no-link decision. Pure: no files, stores or databases.

mod build;
#[cfg(test)]
mod build_tests;
mod candidates;
mod decide;
mod explain;
#[cfg(test)]
mod forms_tests;
pub mod history;
mod index;
mod keys;
mod query;
mod score;
mod site;
#[cfg(test)]
mod tests;
mod weigh;
#[cfg(test)]
mod weigh_tests;

pub use build::{CHUNK as INDEX_CHUNK, IndexBuilder};
pub use explain::{Agreement, Candidate};
pub use history::{History, MasterIndex};
pub use index::CompanyIndex;

use postings::Posting;
use rayon::prelude::*;
use serde::Serialize;

use crate::company::CorporateNumber;
use query::Query;

/// Every knob of the decision, recorded in each run's manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    /// Most character edits (typo, dropped mark, swapped pair) for a near-name link.
    pub max_edits: usize,
    /// ... and for names of at least `long_name_chars` characters.
    pub max_edits_long: usize,
    pub long_name_chars: usize,
    /// Names shorter than this never link on a near spelling: one edit is too much of them.
    pub min_fuzzy_chars: usize,
    /// Minimum lead of the best candidate's name similarity over the runner-up's.
    pub margin: f64,
    /// Candidates whose name similarity is below this are not considered at all (not even as
    /// rivals).
    pub near_name: f64,
    /// Minimum name similarity when a phone number or web domain carries the link.
    pub id_min_name: f64,
    /// A phone number or domain shared by more companies than this is no evidence.
    pub max_id_share: usize,
    /// Link a posting that states no usable address when its name is unique nationwide.
    pub link_name_without_address: bool,
    /// Name / phone / domain keys held by more companies than this are not followed.
    pub max_key_companies: usize,
    /// Budget of postings-list entries read per posting when looking for near names (the
    /// rarest bigrams first).
    pub max_gram_companies: usize,
    /// At most this many near-name candidates are scored per posting.
    pub max_fuzzy_candidates: usize,
    /// A link on name and place is made only when the probability that it is right (see
    /// `weigh`) is at least this.
    pub min_probability: f64,
    /// Share of postings for a registered company that state its registered place (city or
    /// prefecture) rather than a branch's or a work site's.
    pub registered_place: f64,
    /// Odds that a posting's employer is not in the master at all.
    pub unregistered_odds: f64,
    /// Chance that a posting writes another legal form than its company's registered one.
    pub legal_form_differs: f64,
    /// Chance that a posting states another phone than its company's registered one, when
    /// both are known (a branch's or a recruiter's line).
    pub phone_differs: f64,
    /// Bayes factor of a posting that writes the company's registered street or postal code:
    /// namesakes and unregistered companies of the name are almost never at that address.
    pub street_agrees: f64,
    /// Bayes factor of a street in the same city that is not the registered one (the office
    /// the job is at, or another company).
    pub street_differs: f64,
    /// Bayes factor of a near name (one edit) against the exact one.
    pub near_name_factor: f64,
    /// Place and name shares are taken against at least this many companies: a smaller
    /// master is a sample, and its shares say little about the country's.
    pub population_floor: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            max_edits: 1,
            max_edits_long: 1,
            long_name_chars: 10,
            min_fuzzy_chars: 3,
            margin: 0.05,
            near_name: 0.6,
            id_min_name: 0.6,
            max_id_share: 3,
            link_name_without_address: false,
            max_key_companies: 200,
            max_gram_companies: 20_000,
            max_fuzzy_candidates: 64,
            min_probability: 0.99,
            registered_place: 0.78,
            unregistered_odds: 0.1,
            legal_form_differs: 0.005,
            phone_differs: 0.25,
            street_agrees: 1000.0,
            street_differs: 0.3,
            near_name_factor: 0.5,
            population_floor: 1_000,
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
    /// An operator decided that postings of this name and place are for a company that is not
    /// in the master (a review override).
    ReviewedNotInMaster,
    /// The posting names a closed or merged company (never a link target).
    ClosedCompany,
}

impl UnmatchedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoCandidate => "no_candidate",
            Self::BelowThreshold => "below_threshold",
            Self::Ambiguous => "ambiguous",
            Self::ReviewedNotInMaster => "reviewed_not_in_master",
            Self::ClosedCompany => "closed_company",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub corporate_number: CorporateNumber,
    /// The probability that the link is right, in [0, 1].
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

impl CompanyIndex {
    pub fn link(&self, posting: &Posting, t: &Thresholds) -> Decision {
        let q = Query::new(self, posting);
        let mut gathered = candidates::exact_and_keyed(self, &q, t);
        let mut scored: Vec<score::Scored> = gathered
            .found
            .iter()
            .map(|f| score::score(self, &q, f))
            .collect();
        let settled = scored.iter().any(|s| {
            s.located == score::Agree::Yes && !matches!(s.hit, candidates::NameHit::Other)
        }) || (!q.has_location() && scored.iter().any(|s| s.name >= 0.9));
        if !settled {
            candidates::add_fuzzy(self, &q, t, &mut gathered);
            scored = score::plausible(self, &q, &gathered.found, t);
        }
        // Candidates in corporate-number order, so every tie breaks the same way.
        scored.sort_unstable_by_key(|s| s.id);
        let place = q.place();
        decide::decide(
            &scored,
            place,
            t,
            |s| self.entries[s.id as usize].corporate_number,
            |s| weigh::name_link_probability(self, &q, s, place, t),
        )
    }
}

/// Links every posting, in parallel; the result is in the postings' order whatever the
/// number of threads.
pub fn link_all(index: &CompanyIndex, postings: &[Posting], t: &Thresholds) -> Vec<Decision> {
    postings.par_iter().map(|p| index.link(p, t)).collect()
}
