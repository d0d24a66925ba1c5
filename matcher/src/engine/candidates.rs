//! Gathering a small candidate set for one posting: exact and alternative name keys, phone
//! and domain keys, and (only when those leave nothing located) fuzzy bigram candidates.

use rustc_hash::FxHashMap;

use super::Thresholds;
use super::index::CompanyIndex;
use super::keys::{Id, bigrams, hash_str};
use super::query::{Query, Rank};

/// How a candidate's name met the posting's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NameHit {
    /// The registered name key equals a posting key variant of this rank.
    Exact(Rank),
    /// Another registered spelling (reading, English name, romanisation) equals it.
    Alt(Rank),
    /// Found by shared bigrams, or by phone / domain only.
    Other,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub(crate) id: Id,
    pub(crate) hit: NameHit,
    /// Companies sharing the posting's phone, when this one is among them.
    pub(crate) phone_share: usize,
    pub(crate) domain_share: usize,
}

#[derive(Default)]
pub(crate) struct Gathered {
    pub(crate) found: Vec<Found>,
}

impl Gathered {
    fn entry(&mut self, id: Id) -> &mut Found {
        if let Some(i) = self.found.iter().position(|f| f.id == id) {
            return &mut self.found[i];
        }
        self.found.push(Found {
            id,
            hit: NameHit::Other,
            phone_share: 0,
            domain_share: 0,
        });
        self.found.last_mut().expect("just pushed")
    }

    fn hit(&mut self, id: Id, hit: NameHit) {
        let f = self.entry(id);
        f.hit = f.hit.min(hit);
    }
}

pub(crate) fn exact_and_keyed(index: &CompanyIndex, q: &Query, t: &Thresholds) -> Gathered {
    let mut g = Gathered::default();
    // Registered names count as exact only for the posting's own spelling; the name in the
    // other script (English loanwords in katakana and back) reaches them as another spelling.
    let spellings = q
        .variants
        .iter()
        .map(|(v, rank)| (v, NameHit::Exact(*rank), *rank))
        .chain(
            q.spellings
                .iter()
                .map(|(v, rank)| (v, NameHit::Alt(*rank), *rank)),
        );
    for (spelling, on_name, rank) in spellings {
        let reach = index.reach(spelling);
        for id in reach.exact() {
            g.hit(id, on_name);
        }
        for list in [reach.alt, reach.romaji] {
            if list.len() <= t.max_key_companies {
                for &id in list {
                    g.hit(id, NameHit::Alt(rank));
                }
            }
        }
    }
    if let Some(phone) = q.phone {
        let ids = index.phones.get(phone);
        if ids.len() <= t.max_key_companies {
            for &id in ids {
                g.entry(id).phone_share = ids.len();
            }
        }
    }
    if let Some(domain) = &q.domain {
        let ids = index.domains.get(hash_str(domain));
        if ids.len() <= t.max_key_companies {
            for &id in ids {
                g.entry(id).domain_share = ids.len();
            }
        }
    }
    g
}

/// Adds the companies sharing the most informative bigrams with the posting's name key: the
/// rarest bigrams the master knows, as many as fit in a budget of `max_gram_companies`
/// postings-list entries (at most eight). A typo breaks the bigrams around it, and those are
/// simply absent from the master; the rare ones that remain still point at the company.
pub(crate) fn add_fuzzy(index: &CompanyIndex, q: &Query, t: &Thresholds, g: &mut Gathered) {
    let key = q.name.key.as_str();
    // A near name links only in the place the posting states; without one it cannot link.
    if key.is_empty() || !q.has_location() {
        return;
    }
    let mut lists: Vec<&[Id]> = bigrams(key)
        .into_iter()
        .map(|gram| index.grams.get(gram))
        .filter(|l| !l.is_empty())
        .collect();
    lists.sort_by_key(|l| l.len());
    let mut budget = t.max_gram_companies;
    let mut taken = 0;
    for l in &lists {
        if taken == 8 || (taken > 0 && l.len() > budget) {
            break;
        }
        budget = budget.saturating_sub(l.len());
        taken += 1;
    }
    if taken == 0 {
        return;
    }
    let lists = &lists[..taken];
    // One taken bigram may be the typo's own, found in other names.
    let need = taken.saturating_sub(1).max(1);
    let mut counts: FxHashMap<Id, u16> = FxHashMap::default();
    let prefecture = q.prefecture;
    for l in lists {
        for &id in *l {
            // Only companies that could agree with the stated place are worth counting.
            let p = index.prefectures[id as usize];
            if prefecture == 0 || p == prefecture || p == 0 {
                *counts.entry(id).or_default() += 1;
            }
        }
    }
    // Among equal bigram counts, names of about the posting's length come first: a typo
    // keeps the length, a longer name sharing a common word does not.
    let len = key.len();
    let mut best: Vec<(u16, usize, Id)> = counts
        .into_iter()
        .filter(|&(_, n)| usize::from(n) >= need)
        .map(|(id, n)| (n, index.key(id).len().abs_diff(len), id))
        .collect();
    best.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for &(_, _, id) in best.iter().take(t.max_fuzzy_candidates) {
        g.entry(id);
    }
}
