//! Per-candidate evidence: name similarity, location agreement, phone / domain / legal form.

use super::Thresholds;
use super::candidates::{Found, NameHit};
use super::index::{CompanyIndex, Entry, NO_CITY};
use super::keys::{Id, bigram};
use super::query::Query;
use crate::normalize::name::ENGLISH_GENERIC;

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
    /// Character edits (insert, delete, substitute, swap) between the posting's key and the
    /// registered one: 0 for name hits, `NOT_NEAR` when a changed kanji makes another word.
    pub(crate) edits: usize,
    /// Characters in the posting's name key.
    pub(crate) key_chars: usize,
    /// Agreement at the finest level the posting states (city, else prefecture).
    pub(crate) located: Agree,
    pub(crate) prefecture: Agree,
    pub(crate) legal_form: Agree,
    pub(crate) phone_share: usize,
    pub(crate) domain_share: usize,
    /// The posting and the company both state a phone, and they differ.
    pub(crate) phone_differs: bool,
    /// Street or postal code of the posting's company address against the registered one.
    pub(crate) site: Option<bool>,
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

/// The gathered candidates worth weighing: a name near enough, or a phone or domain that few
/// companies share.
pub(crate) fn plausible(
    index: &CompanyIndex,
    q: &Query,
    found: &[Found],
    t: &Thresholds,
) -> Vec<Scored> {
    found
        .iter()
        .map(|f| score(index, q, f))
        .filter(|s| s.name >= t.near_name || s.id_evidence(t.max_key_companies))
        .collect()
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
            .map(|(v, r)| similarity(v, index.key_of(e)) - 0.01 * f64::from(*r))
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
    let legal_form = legal_form_agreement(q.name.legal_form, index.legal_form_of(e));
    // 有限会社X and 株式会社X are two registrations, two companies: the same words under
    // another legal form are a near name at best, never an exact one.
    let edits = match f.hit {
        NameHit::Exact(_) | NameHit::Alt(_) => 0,
        NameHit::Other => q
            .variants
            .iter()
            .filter(|(_, r)| *r <= 1)
            .filter(|(v, _)| same_start(v, index.key_of(e)))
            .map(|(v, _)| match strsim::osa_distance(v, index.key_of(e)) {
                1 if is_other_word(index, v, index.key_of(e)) => NOT_NEAR,
                d => d,
            })
            .min()
            .unwrap_or(NOT_NEAR),
    };
    // The same words under another legal form may be another registration, or a partner's
    // slip: the name still counts as a name hit, and `weigh` discounts it.
    let name = if legal_form == Agree::No {
        name.min(LEGAL_FORM_MISMATCH)
    } else {
        name
    };
    Scored {
        id: f.id,
        hit: f.hit,
        name,
        edits,
        key_chars: q.name.key.chars().count(),
        located,
        prefecture,
        legal_form,
        phone_share: f.phone_share,
        domain_share: f.domain_share,
        phone_differs: q.phone.is_some_and(|h| e.phone != 0 && e.phone != h),
        site: if located == Agree::Yes {
            q.site.agreement(&e.site)
        } else {
            None
        },
    }
}

/// Whether the legal form a posting writes agrees with a registered one. The generic English
/// forms ("Co., Ltd.", "Inc.") translate several Japanese ones and so say nothing.
pub(crate) fn legal_form_agreement(posted: Option<&str>, registered: Option<&str>) -> Agree {
    match (posted, registered) {
        (Some(ENGLISH_GENERIC), _) | (_, Some(ENGLISH_GENERIC)) => Agree::Unknown,
        (Some(a), Some(b)) if a == b => Agree::Yes,
        (Some(_), Some(_)) => Agree::No,
        _ => Agree::Unknown,
    }
}

/// Name similarity given to the same name under a different legal form: a rival worth
/// noticing, never enough for a link on name and place alone.
const LEGAL_FORM_MISMATCH: f64 = 0.85;

/// Edit count standing for "not a spelling of this name".
pub(crate) const NOT_NEAR: usize = 99;

fn city_agreement(city: u32, prefecture: Agree, e: &Entry) -> Agree {
    if city != NO_CITY && e.city == city && prefecture != Agree::No {
        Agree::Yes
    } else {
        Agree::No
    }
}

/// Whether the posting's key differs from the registered one in a single kanji that, with a
/// neighbour, makes a word common in registered names ("丸山物流システム" against
/// "丸山物産システム", "…商会" against "…商店"). A slip of the input method leaves a kanji
/// that reads alike but makes no word there ("宏幸回" for "宏幸会", "長崎健設"); a common word
/// in its place is another company's name.
fn is_other_word(index: &CompanyIndex, posted: &str, registered: &str) -> bool {
    if posted.len() != registered.len() {
        return false;
    }
    let p: Vec<char> = posted.chars().collect();
    let r: Vec<char> = registered.chars().collect();
    if p.len() != r.len() {
        return false;
    }
    let mut diff = (0..p.len()).filter(|&i| p[i] != r[i]);
    let (Some(i), None) = (diff.next(), diff.next()) else {
        return false;
    };
    if !is_kanji(p[i]) || !is_kanji(r[i]) {
        return false;
    }
    // A word, not two words meeting ("高橋興業" holds 橋興): business words (産業, 商会, 物流,
    // 精機) each end more than one registered name in 250, while pairs made across a word
    // boundary stay under one in 1,000. The cut sits between, never below five names.
    let common = (index.entries.len() / 500).max(5);
    let word = |a: char, b: char| {
        is_kanji(a) && is_kanji(b) && index.grams.get(bigram(a, b)).len() >= common
    };
    (i > 0 && word(p[i - 1], p[i])) || (i + 1 < p.len() && word(p[i], p[i + 1]))
}

fn is_kanji(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Whether two keys begin alike: the same first character, or the first two swapped. A name
/// leads with its most distinctive word (a surname, a place: 内田/和田, 信州/上州), and near
/// names that differ there are, far more often than typos, other companies.
fn same_start(a: &str, b: &str) -> bool {
    let mut x = a.chars();
    let mut y = b.chars();
    match (x.next(), x.next(), y.next(), y.next()) {
        (Some(a0), _, Some(b0), _) if a0 == b0 => true,
        (Some(a0), Some(a1), Some(b0), Some(b1)) => a0 == b1 && a1 == b0,
        _ => false,
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
