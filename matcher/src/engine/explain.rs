//! The candidates the engine weighed for one posting, with the evidence for and against each,
//! for an operator to decide what the engine could not. Read-only: it gathers and scores the
//! way `link` does, but keeps every candidate (near names too) instead of deciding.

use postings::Posting;
use serde::Serialize;

use super::Thresholds;
use super::candidates::{self, NameHit};
use super::index::CompanyIndex;
use super::query::Query;
use super::score::{self, Agree, Scored};
use super::weigh;
use crate::company::CorporateNumber;

/// Whether one attribute of the posting agrees with the candidate's registered one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    Agrees,
    Differs,
    /// One side does not state it.
    Unknown,
}

impl From<Agree> for Agreement {
    fn from(a: Agree) -> Self {
        match a {
            Agree::Yes => Self::Agrees,
            Agree::No => Self::Differs,
            Agree::Unknown => Self::Unknown,
        }
    }
}

/// One candidate company and the evidence about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub corporate_number: CorporateNumber,
    /// How the names met: "exact", "other spelling" (reading, English name), or "near".
    pub name_hit: &'static str,
    /// Similarity of the posting's name to the registered one, in [0, 1].
    pub name_similarity: f64,
    /// At the finest place the posting states (city, else prefecture).
    pub place: Agreement,
    pub legal_form: Agreement,
    /// The posting's phone is this company's (`shared_by` companies hold it), or differs.
    pub phone: Agreement,
    pub phone_shared_by: usize,
    /// The posting's web domain is this company's (`shared_by` companies hold it).
    pub domain: Agreement,
    pub domain_shared_by: usize,
    /// The registered street or postal code, against the posting's company address.
    pub street: Agreement,
    /// The probability the engine gives a link on name and place, in [0, 1].
    pub probability: f64,
}

impl CompanyIndex {
    /// Up to `limit` candidates for the posting, the likeliest first.
    pub fn explain(&self, posting: &Posting, t: &Thresholds, limit: usize) -> Vec<Candidate> {
        let q = Query::new(self, posting);
        let mut gathered = candidates::exact_and_keyed(self, &q, t);
        candidates::add_fuzzy(self, &q, t, &mut gathered);
        let place = q.place();
        let mut out: Vec<(f64, Candidate)> = score::plausible(self, &q, &gathered.found, t)
            .into_iter()
            .map(|s| {
                let p = weigh::name_link_probability(self, &q, &s, place, t);
                (s.score(), self.candidate(&s, &q, p))
            })
            .collect();
        out.sort_by(|(sa, a), (sb, b)| {
            b.probability
                .total_cmp(&a.probability)
                .then(sb.total_cmp(sa))
                .then(a.corporate_number.cmp(&b.corporate_number))
        });
        out.into_iter().take(limit).map(|(_, c)| c).collect()
    }

    fn candidate(&self, s: &Scored, q: &Query, probability: f64) -> Candidate {
        let shared = |n: usize| {
            if n > 0 {
                Agreement::Agrees
            } else {
                Agreement::Unknown
            }
        };
        Candidate {
            corporate_number: self.entries[s.id as usize].corporate_number,
            name_hit: match s.hit {
                NameHit::Exact(_) => "exact",
                NameHit::Alt(_) => "other spelling",
                NameHit::Other => "near",
            },
            name_similarity: round3(s.name),
            place: s.located.into(),
            legal_form: s.legal_form.into(),
            phone: if s.phone_differs {
                Agreement::Differs
            } else {
                shared(s.phone_share)
            },
            phone_shared_by: s.phone_share,
            domain: if s.domain_share == 0 && q.domain.is_some() {
                Agreement::Differs
            } else {
                shared(s.domain_share)
            },
            domain_shared_by: s.domain_share,
            street: match s.site {
                Some(true) => Agreement::Agrees,
                Some(false) => Agreement::Differs,
                None => Agreement::Unknown,
            },
            probability: round3(probability),
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
