//! Per-candidate evidence: name similarity, location agreement, phone / domain / legal form.

use super::candidates::{Found, NameHit};
use super::index::{CompanyIndex, Entry, NO_CITY};
use super::keys::Id;
use super::query::Query;

/// Agreement of one attribute between posting and company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agree {
    Yes,
    No,
    Unknown,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub(crate) id: Id,
    pub(crate) hit: NameHit,
    pub(crate) name: f64,
    /// Agreement at the finest level the posting states (city, else prefecture).
    pub(crate) located: Agree,
    pub(crate) prefecture: Agree,
    pub(crate) legal_form: Agree,
    pub(crate) phone_share: usize,
    pub(crate) domain_share: usize,
}

impl Scored {
    pub(crate) fn id_evidence(&self, max_share: usize) -> bool {
        (1..=max_share).contains(&self.phone_share) || (1..=max_share).contains(&self.domain_share)
    }

    /// A single figure in [0, 1] for the output: the name's similarity, discounted when
    /// nothing but the name supports it.
    pub(crate) fn score(&self) -> f64 {
        let support =
            if self.located == Agree::Yes || self.phone_share == 1 || self.domain_share == 1 {
                1.0
            } else if self.prefecture == Agree::Yes || self.phone_share > 1 || self.domain_share > 1
            {
                0.5
            } else {
                0.0
            };
        self.name * (0.8 + 0.2 * support)
    }
}

pub(crate) fn score(index: &CompanyIndex, q: &Query, f: &Found) -> Scored {
    let e = &index.entries[f.id as usize];
    let name = match f.hit {
        NameHit::Exact(rank) => 1.0 - 0.01 * f64::from(rank),
        NameHit::Alt(rank) => 0.97 - 0.01 * f64::from(rank),
        NameHit::Other => q
            .variants
            .iter()
            .filter(|(_, r)| *r <= 1)
            .map(|(v, r)| similarity(v, &e.key) - 0.01 * f64::from(*r))
            .fold(0.0, f64::max),
    };
    let prefecture = match (q.prefecture, e.prefecture) {
        (0, _) | (_, 0) => Agree::Unknown,
        (a, b) if a == b => Agree::Yes,
        _ => Agree::No,
    };
    let located = match q.city {
        Some(c) => city_agreement(c, prefecture, e),
        None if q.prefecture != 0 => prefecture,
        None => Agree::Unknown,
    };
    let legal_form = match (q.name.legal_form, e.legal_form) {
        (Some(a), Some(b)) if a == b => Agree::Yes,
        (Some(_), Some(_)) => Agree::No,
        _ => Agree::Unknown,
    };
    Scored {
        id: f.id,
        hit: f.hit,
        name,
        located,
        prefecture,
        legal_form,
        phone_share: f.phone_share,
        domain_share: f.domain_share,
    }
}

fn city_agreement(city: u32, prefecture: Agree, e: &Entry) -> Agree {
    if city != NO_CITY && e.city == city && prefecture != Agree::No {
        Agree::Yes
    } else {
        Agree::No
    }
}

/// Similarity of two name keys in [0, 1]: the mean of Jaro-Winkler (forgiving of a changed
/// ending) and normalised Levenshtein (strict on length), over characters.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    0.5 * (strsim::jaro_winkler(a, b) + strsim::normalized_levenshtein(a, b))
}
