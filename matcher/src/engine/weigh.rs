//! How sure a name link is: the odds that the company the name path chose is the posting's,
//! against every other explanation of the same evidence, in the manner of Fellegi–Sunter
//! with term-frequency adjustment.
//!
//! A posting names "X" and states a place where company X is registered. Three stories fit:
//!
//! - **it is X**: the posting states its registered place (probability `a`, the share of
//!   postings that state the registered rather than a branch's or a work site's address);
//! - **it is a namesake Y** registered elsewhere, and the posting states a branch address
//!   that happens to fall in X's place: `(1 - a) · w`, where `w` is the place's share of all
//!   companies (branches open where companies are);
//! - **it is a company that is not in the master** but carries the same name, in that place:
//!   `ρ · (n + 1) / N · w · N`, `ρ` being the odds of an unregistered employer and
//!   `(n + 1) / N` the name's frequency (the master is a sample of the names companies use).
//!
//! So the odds are `a / (w · (Σ_Y (1 - a) + ρ · (n + 1)))`: they fall as the name gets
//! commoner nationally and as the place gets bigger, which is what keeps one threshold
//! meaningful from 2 k to 5 M companies. Evidence multiplies in as Bayes factors: a legal
//! form that differs from a namesake's makes that namesake unlikely; one that differs from
//! X's makes X unlikely (a wrong legal form is weak evidence, not a veto); a phone that the
//! posting and X both state but that differs is a branch line or another company.

use super::Thresholds;
use super::candidates::NameHit;
use super::index::{CompanyIndex, Entry, NO_CITY};
use super::keys::Id;
use super::query::Place;
use super::query::Query;
use super::score::{Agree, Scored, legal_form_agreement};

/// Probability, in [0, 1], that `chosen` is the posting's company, on the name evidence and
/// whatever agrees or disagrees with it.
pub(crate) fn name_link_probability(
    index: &CompanyIndex,
    q: &Query,
    chosen: &Scored,
    place: Place,
    t: &Thresholds,
) -> f64 {
    let x = &index.entries[chosen.id as usize];
    let namesakes = namesakes(index, q, chosen);
    let n = namesakes.len().max(1) as f64;
    let population = index.len().max(t.population_floor) as f64;
    let w = match place {
        Place::City if q.city.is_some_and(|c| c != NO_CITY) => {
            f64::from(index.city_sizes[x.city as usize].max(1)) / population
        }
        _ if q.prefecture != 0 => {
            f64::from(index.prefecture_sizes[usize::from(q.prefecture)].max(1)) / population
        }
        // No place stated: any company of the name could be it.
        _ => 1.0,
    };
    let a = t.registered_place;
    let legal = |e: &Entry| match legal_form_agreement(q.name.legal_form, index.legal_form_of(e)) {
        Agree::No => t.legal_form_differs,
        Agree::Yes | Agree::Unknown => 1.0,
    };
    let located = |e: &Entry| match place {
        Place::City => e.city == x.city && e.city != NO_CITY,
        Place::Prefecture => e.prefecture == x.prefecture && e.prefecture != 0,
        Place::None => true,
    };
    let mut rivals = 0.0;
    for &id in &namesakes {
        if id == chosen.id {
            continue;
        }
        let y = &index.entries[id as usize];
        let states = if located(y) { a } else { (1.0 - a) * w };
        rivals += legal(y) * states;
    }
    // An unregistered employer's legal form is the commonest one as often as anyone's.
    let unregistered = t.unregistered_odds * (n + 1.0) * w;
    let mut support = a * legal(x);
    if chosen.phone_differs {
        support *= t.phone_differs;
    }
    match chosen.site {
        Some(true) => support *= t.street_agrees,
        Some(false) => support *= t.street_differs,
        None => {}
    }
    if matches!(chosen.hit, NameHit::Other) {
        support *= t.near_name_factor;
    }
    let odds = support / (rivals + unregistered);
    odds / (1.0 + odds)
}

/// Every company the posting's name could mean: those the spelling that reached `chosen`
/// reaches (for a near name, `chosen`'s own registered name).
fn namesakes(index: &CompanyIndex, q: &Query, chosen: &Scored) -> Vec<Id> {
    let x = &index.entries[chosen.id as usize];
    let mut ids = match chosen.hit {
        NameHit::Exact(_) | NameHit::Other => reached_by(index, index.key_of(x)),
        NameHit::Alt(rank) => q
            .variants
            .iter()
            .chain(&q.spellings)
            .filter(|(_, r)| *r == rank)
            .map(|(v, _)| reached_by(index, v))
            .find(|ids| ids.contains(&chosen.id))
            .unwrap_or_default(),
    };
    if !ids.contains(&chosen.id) {
        ids.push(chosen.id);
    }
    ids
}

fn reached_by(index: &CompanyIndex, spelling: &str) -> Vec<Id> {
    let reach = index.reach(spelling);
    let mut ids: Vec<Id> = reach.exact().collect();
    ids.extend_from_slice(reach.alt);
    ids.extend_from_slice(reach.romaji);
    ids.sort_unstable();
    ids.dedup();
    ids
}
