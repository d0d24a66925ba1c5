//! The linking engine: an in-memory index over the company master, candidate scoring and the
//! link / no-link decision. Pure: no files, stores or databases.

mod candidates;
mod decide;
mod index;
mod keys;
mod query;
mod score;
#[cfg(test)]
mod tests;

pub use index::CompanyIndex;

use postings::Posting;
use rayon::prelude::*;
use serde::Serialize;

use crate::company::CorporateNumber;
use decide::Place;
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
            scored = gathered
                .found
                .iter()
                .map(|f| score::score(self, &q, f))
                .filter(|s| s.name >= t.near_name || s.id_evidence(t.max_key_companies))
                .collect();
        }
        // Candidates in corporate-number order, so every tie breaks the same way.
        scored.sort_unstable_by_key(|s| s.id);
        let place = if q.city.is_some() {
            Place::City
        } else if q.prefecture != 0 {
            Place::Prefecture
        } else {
            Place::None
        };
        decide::decide(&scored, place, t, |s| {
            self.entries[s.id as usize].corporate_number
        })
    }
}

/// Links every posting, in parallel; the result is in the postings' order whatever the
/// number of threads.
pub fn link_all(index: &CompanyIndex, postings: &[Posting], t: &Thresholds) -> Vec<Decision> {
    postings.par_iter().map(|p| index.link(p, t)).collect()
}
