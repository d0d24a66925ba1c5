//! Matching with the registry's history: a company's former names are registered spellings,
//! and a closed or merged company is never a link target but explains the posting that names
//! it.
//!
//! The current master is indexed as before, and decides first. History is indexed apart, in
//! two more indexes over the same engine, and is asked only when the current master finds no
//! company (no candidate, or none clearly enough): a current name always wins over a former
//! one (unless the current one is only a near spelling), and a tie among current companies
//! stays ambiguous whatever history says. A posting
//! whose company is singled out in the former-name index links with method `former_name`; one
//! singled out among closed and merged companies is unmatched with reason `closed_company`,
//! its best corporate number being the successor's when the company was merged, else the
//! closed company's own.

use postings::Posting;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{CompanyIndex, Decision, Link, Miss, Thresholds, UnmatchedReason};
use crate::company::{Company, CorporateNumber, Master};

/// The method of a link on a near spelling of the name in the stated place.
const NEAR_NAME: &str = "near_name+place";

/// What the registry's history adds to the current master: former names of current
/// companies, and closed or merged companies with their successor's number when merged.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub former_names: Vec<Company>,
    pub closed: Vec<(Company, Option<CorporateNumber>)>,
}

pub struct MasterIndex {
    pub current: CompanyIndex,
    former: Option<CompanyIndex>,
    closed: Option<CompanyIndex>,
    successors: FxHashMap<CorporateNumber, CorporateNumber>,
}

impl MasterIndex {
    pub fn build(master: Master) -> Self {
        let Master {
            companies,
            former_names,
            closed,
        } = master;
        Self::with_history(
            CompanyIndex::build(companies),
            History {
                former_names,
                closed,
            },
        )
    }

    /// The current master's index, with the history beside it.
    pub fn with_history(current: CompanyIndex, history: History) -> Self {
        let History {
            former_names,
            closed,
        } = history;
        let successors = closed
            .iter()
            .filter_map(|(c, s)| s.map(|s| (c.corporate_number, s)))
            .collect();
        let side = |companies: Vec<Company>| {
            (!companies.is_empty()).then(|| CompanyIndex::build(companies))
        };
        Self {
            current,
            former: side(former_names),
            closed: side(closed.into_iter().map(|(c, _)| c).collect()),
            successors,
        }
    }

    /// Companies that may be linked.
    pub fn len(&self) -> usize {
        self.current.len()
    }

    pub fn is_empty(&self) -> bool {
        self.current.is_empty()
    }

    /// Registered spellings kept from history: former names, closed and merged companies.
    pub fn history_len(&self) -> usize {
        self.former.as_ref().map_or(0, CompanyIndex::len)
            + self.closed.as_ref().map_or(0, CompanyIndex::len)
    }

    pub fn link(&self, posting: &Posting, t: &Thresholds) -> Decision {
        let now = self.current.link(posting, t);
        let open = match &now {
            Decision::Unmatched(m) => matches!(
                m.reason,
                UnmatchedReason::NoCandidate | UnmatchedReason::BelowThreshold
            ),
            // A near spelling of a current name is weaker than the exact spelling of a
            // former name or of a closed company.
            Decision::Matched(l) => l.method == NEAR_NAME,
        };
        if !open {
            return now;
        }
        let exact = |d: Decision| match d {
            Decision::Matched(l)
                if !matches!(now, Decision::Matched(_)) || l.method != NEAR_NAME =>
            {
                Some(l)
            }
            _ => None,
        };
        if let Some(former) = &self.former
            && let Some(link) = exact(former.link(posting, t))
        {
            return Decision::Matched(Link {
                method: "former_name",
                ..link
            });
        }
        if let Some(closed) = &self.closed
            && let Some(link) = exact(closed.link(posting, t))
        {
            let n = link.corporate_number;
            return Decision::Unmatched(Miss {
                reason: UnmatchedReason::ClosedCompany,
                best: Some((self.successors.get(&n).copied().unwrap_or(n), link.score)),
            });
        }
        now
    }
}

/// Links every posting, in parallel; the result is in the postings' order.
pub fn link_all(index: &MasterIndex, postings: &[Posting], t: &Thresholds) -> Vec<Decision> {
    postings.par_iter().map(|p| index.link(p, t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company(number: &str, name: &str, city: &str) -> Company {
        Company {
            corporate_number: CorporateNumber::parse(number).unwrap(),
            name: name.into(),
            name_kana: String::new(),
            name_en: String::new(),
            prefecture: "東京都".into(),
            city: city.into(),
            street: String::new(),
            postal_code: String::new(),
            phone: String::new(),
            website: String::new(),
        }
    }

    fn posting(name: &str) -> Posting {
        Posting {
            posting_id: "p".into(),
            company_name: name.into(),
            company_address: "東京都千代田区霞が関1-1".into(),
            job_title: "事務".into(),
            ..Posting::default()
        }
    }

    const RENAMED: &str = "7000012050002";
    const MERGED: &str = "1180301018771";

    fn index() -> MasterIndex {
        MasterIndex::build(Master {
            companies: vec![company(RENAMED, "株式会社新星工業", "千代田区")],
            former_names: vec![company(RENAMED, "株式会社旧星工業", "千代田区")],
            closed: vec![(
                company(MERGED, "株式会社消滅商事", "千代田区"),
                Some(CorporateNumber::parse(RENAMED).unwrap()),
            )],
        })
    }

    #[test]
    fn a_former_name_links_and_a_merged_company_points_at_its_successor() {
        let idx = index();
        let t = Thresholds::default();
        match idx.link(&posting("(株)旧星工業"), &t) {
            Decision::Matched(l) => {
                assert_eq!(l.corporate_number.to_string(), RENAMED);
                assert_eq!(l.method, "former_name");
            }
            d => panic!("{d:?}"),
        }
        match idx.link(&posting("株式会社新星工業"), &t) {
            Decision::Matched(l) => assert_ne!(l.method, "former_name"),
            d => panic!("{d:?}"),
        }
        match idx.link(&posting("消滅商事株式会社"), &t) {
            Decision::Unmatched(m) => {
                assert_eq!(m.reason, UnmatchedReason::ClosedCompany);
                assert_eq!(m.best.unwrap().0.to_string(), RENAMED);
            }
            d => panic!("{d:?}"),
        }
    }
}
