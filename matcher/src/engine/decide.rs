//! The link / no-link decision. A wrong link costs more than a missing one, so a posting is
//! linked only when one company is clearly singled out:
//!
//! 1. by name: the registered name (or another registered spelling) equals the posting's, and
//!    it is the only such company in the city the posting states (or the prefecture, when
//!    that is all it states); a posting that states no address links only if its name is
//!    unique nationwide and the thresholds allow it;
//! 2. by phone or web domain that few companies share, with a name that is similar enough;
//! 3. by a near name (typo, dropped long-vowel mark) of the only similar company in the
//!    posting's city, when no company has the exact name anywhere.
//!
//! When the name paths and the phone / domain path point at different companies, or two
//! companies fit equally well, the posting is left unmatched as ambiguous.

use super::query::Place;
use super::score::{Agree, Scored};
use super::{Decision, Link, Miss, Thresholds, UnmatchedReason};
use crate::company::CorporateNumber;

pub(crate) struct Choice {
    pub(crate) index: usize,
    pub(crate) method: &'static str,
    /// Carried by the name alone (with place), so its probability must be weighed.
    pub(crate) by_name_only: bool,
}

enum Outcome {
    Link(Choice),
    Ambiguous,
    None,
}

pub(crate) fn decide(
    cands: &[Scored],
    place: Place,
    t: &Thresholds,
    number: impl Fn(&Scored) -> CorporateNumber,
    name_probability: impl Fn(&Scored) -> f64,
) -> Decision {
    if cands.is_empty() {
        return Decision::Unmatched(Miss {
            reason: UnmatchedReason::NoCandidate,
            best: None,
        });
    }
    let by_name = name_path(cands, place, t);
    let by_id = id_path(cands, t);
    let outcome = match (by_name, by_id) {
        (Outcome::Link(a), Outcome::Link(b)) if a.index == b.index => Outcome::Link(Choice {
            index: a.index,
            method: combine(a.method, b.method),
            by_name_only: false,
        }),
        // The phone or domain is another company's: a group company sharing a line, or a
        // branch's number. An exact name in the stated place outweighs it unless the number's
        // company has the exact name too.
        (Outcome::Link(a), Outcome::Link(b))
            if is_name_match(&cands[a.index]) && !is_name_match(&cands[b.index]) =>
        {
            Outcome::Link(a)
        }
        (Outcome::Link(_), Outcome::Link(_)) => Outcome::Ambiguous,
        (Outcome::Link(a), Outcome::None) | (Outcome::None, Outcome::Link(a)) => Outcome::Link(a),
        (Outcome::Link(a), Outcome::Ambiguous) | (Outcome::Ambiguous, Outcome::Link(a)) => {
            // A located exact name or a unique phone beats a tie on the other path only when
            // it is the strongest kind of evidence (unique phone / domain).
            if cands[a.index].phone_share == 1 || cands[a.index].domain_share == 1 {
                Outcome::Link(a)
            } else {
                Outcome::Ambiguous
            }
        }
        (Outcome::Ambiguous, _) | (_, Outcome::Ambiguous) => Outcome::Ambiguous,
        (Outcome::None, Outcome::None) => Outcome::None,
    };
    let miss = |reason, best: Option<(usize, f64)>| {
        Decision::Unmatched(Miss {
            reason,
            best: best.map(|(b, p)| (number(&cands[b]), round4(p))),
        })
    };
    let best = best_of(cands).map(|b| (b, cands[b].score()));
    match outcome {
        Outcome::Link(c) => {
            let s = &cands[c.index];
            // A name link must be likely enough given how common the name is and what
            // disagrees with it; a phone or domain of the company's own is evidence of
            // another order.
            let p = if c.by_name_only {
                name_probability(s)
            } else {
                id_probability(s, t).max(name_probability(s))
            };
            if p >= t.min_probability {
                Decision::Matched(Link {
                    corporate_number: number(s),
                    score: round4(p),
                    method: c.method,
                })
            } else {
                miss(UnmatchedReason::Ambiguous, Some((c.index, p)))
            }
        }
        Outcome::Ambiguous => miss(UnmatchedReason::Ambiguous, best),
        Outcome::None => miss(UnmatchedReason::BelowThreshold, best),
    }
}

/// How sure a phone or domain link is: a number of the company's own is all but proof; one
/// it shares with a group company or two, with a similar name, nearly so.
fn id_probability(s: &Scored, t: &Thresholds) -> f64 {
    if s.phone_share == 1 || s.domain_share == 1 {
        0.999
    } else if s.id_evidence(t.max_id_share) {
        0.99
    } else {
        0.0
    }
}

fn combine(name: &'static str, id: &'static str) -> &'static str {
    match (name, id) {
        ("name+city", "phone") => "name+city+phone",
        ("name+city", "domain") => "name+city+domain",
        ("name+prefecture", "phone") => "name+prefecture+phone",
        ("name+prefecture", "domain") => "name+prefecture+domain",
        (_, "phone") => "name+phone",
        (_, "domain") => "name+domain",
        (n, _) => n,
    }
}

/// Scores are rounded before they are compared or written, so that no float noise decides.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn best_of(cands: &[Scored]) -> Option<usize> {
    (0..cands.len()).max_by(|&a, &b| {
        round4(cands[a].score())
            .total_cmp(&round4(cands[b].score()))
            // Lower index = lower corporate number wins a tie.
            .then(b.cmp(&a))
    })
}

fn is_name_match(c: &Scored) -> bool {
    !matches!(c.hit, super::candidates::NameHit::Other)
}

fn name_path(cands: &[Scored], place: Place, t: &Thresholds) -> Outcome {
    let exact: Vec<usize> = (0..cands.len())
        .filter(|&i| is_name_match(&cands[i]))
        .collect();
    if !exact.is_empty() {
        if place == Place::None {
            return match exact.as_slice() {
                [only] if t.link_name_without_address => Outcome::Link(Choice {
                    index: *only,
                    method: "name",
                    by_name_only: true,
                }),
                [_] => Outcome::None,
                _ => Outcome::Ambiguous,
            };
        }
        let located: Vec<usize> = exact
            .iter()
            .copied()
            .filter(|&i| cands[i].located == Agree::Yes)
            .collect();
        return match pick(cands, &located, t) {
            Some(index) => Outcome::Link(Choice {
                index,
                method: if place == Place::City {
                    "name+city"
                } else {
                    "name+prefecture"
                },
                by_name_only: true,
            }),
            None if located.len() > 1 => Outcome::Ambiguous,
            // The name exists, but elsewhere: another company of the same name.
            None => Outcome::None,
        };
    }
    if place == Place::None {
        return Outcome::None;
    }
    // Near names (a typo, a dropped long-vowel mark): only in the stated place, only when no
    // company has the exact name, and only when no rival is about as near.
    let mut near: Vec<usize> = (0..cands.len())
        .filter(|&i| cands[i].located == Agree::Yes && cands[i].name >= t.near_name)
        .collect();
    near.sort_by(|&a, &b| {
        cands[a]
            .edits
            .cmp(&cands[b].edits)
            .then(cands[b].name.total_cmp(&cands[a].name))
            .then(a.cmp(&b))
    });
    let Some((&first, rest)) = near.split_first() else {
        return Outcome::None;
    };
    let c = &cands[first];
    let allowed = if c.key_chars >= t.long_name_chars {
        t.max_edits_long
    } else {
        t.max_edits
    };
    if c.key_chars < t.min_fuzzy_chars || c.edits == 0 || c.edits > allowed {
        return Outcome::None;
    }
    match rest.first() {
        Some(&second)
            if cands[second].edits <= c.edits || c.name - cands[second].name < t.margin =>
        {
            Outcome::Ambiguous
        }
        _ => Outcome::Link(Choice {
            index: first,
            method: "near_name+place",
            by_name_only: true,
        }),
    }
}

/// One candidate out of several located name matches: the only one at the best rank (the
/// whole written name beats the name with its office words cut off), else the only one at
/// that rank whose legal form agrees while every other's disagrees.
fn pick(cands: &[Scored], located: &[usize], _t: &Thresholds) -> Option<usize> {
    let best = located.iter().map(|&i| cands[i].hit).min()?;
    let top: Vec<usize> = located
        .iter()
        .copied()
        .filter(|&i| cands[i].hit == best)
        .collect();
    match top.as_slice() {
        [only] => Some(*only),
        many => {
            let agree: Vec<usize> = many
                .iter()
                .copied()
                .filter(|&i| cands[i].legal_form == Agree::Yes)
                .collect();
            let others_disagree = many
                .iter()
                .filter(|i| !agree.contains(i))
                .all(|&i| cands[i].legal_form == Agree::No);
            match agree.as_slice() {
                [one] if others_disagree => Some(*one),
                _ => None,
            }
        }
    }
}

fn id_path(cands: &[Scored], t: &Thresholds) -> Outcome {
    let mut with_id: Vec<usize> = (0..cands.len())
        .filter(|&i| cands[i].id_evidence(t.max_id_share) && cands[i].name >= t.id_min_name)
        .collect();
    if with_id.is_empty() {
        return Outcome::None;
    }
    with_id.sort_by(|&a, &b| cands[b].name.total_cmp(&cands[a].name).then(a.cmp(&b)));
    let first = with_id[0];
    if let Some(&second) = with_id.get(1)
        && cands[first].name - cands[second].name < t.margin
    {
        return Outcome::Ambiguous;
    }
    let c = &cands[first];
    // A shared number needs the location to agree too; a number of its own does not.
    let unique = c.phone_share == 1 || c.domain_share == 1;
    if !unique && c.located == Agree::No {
        return Outcome::None;
    }
    Outcome::Link(Choice {
        index: first,
        method: if (1..=t.max_id_share).contains(&c.phone_share) {
            "phone"
        } else {
            "domain"
        },
        by_name_only: false,
    })
}
