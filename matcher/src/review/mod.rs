//! Operator review: the postings the engine left unmatched, grouped so that one decision
//! settles every posting of the same employer name in the same place, across partners and
//! weeks; the decisions, stored as overrides in the company database, which every match run
//! applies before anything else.

pub mod apply;
pub mod desk;
pub mod exchange;
pub mod overrides;
pub mod page;
pub mod queue;
pub mod server;

use postings::Posting;
use serde::Serialize;

use crate::normalize::address::parse_address;
use crate::normalize::name::{fold_text, normalize_name};

/// What a decision is keyed by: the posting's employer name as the engine normalises it
/// (legal form and branch words off, widths and variants folded), and the place it states.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GroupKey {
    pub name: String,
    /// Prefecture and city as stated, e.g. "東京都千代田区" ("千代田区" when the posting omits
    /// the prefecture: the same city name exists in several); "" when it states neither.
    pub place: String,
}

impl GroupKey {
    /// The key of a posting. The company address counts; when it states no place, the work
    /// location stands in, as the engine reads it.
    pub fn of(posting: &Posting) -> Self {
        let name = normalize_name(&posting.company_name).key;
        let mut address = parse_address(&posting.company_address);
        if address.prefecture.is_none() && address.city.is_none() {
            address = parse_address(&posting.work_location);
        }
        let city: String = address
            .city
            .map(|c| fold_text(&c).chars().filter(|c| *c != ' ').collect())
            .unwrap_or_default();
        Self {
            name,
            place: format!("{}{city}", address.prefecture.unwrap_or_default()),
        }
    }
}

/// The operator's answer for one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Every posting of the group is this company's.
    Company(crate::CorporateNumber),
    /// The group's employer is not in the company master.
    NotInMaster,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(name: &str, address: &str, work: &str) -> Posting {
        Posting {
            company_name: name.into(),
            company_address: address.into(),
            work_location: work.into(),
            ..Posting::default()
        }
    }

    #[test]
    fn spellings_of_one_name_in_one_city_share_a_key() {
        let a = GroupKey::of(&posting(
            "株式会社ヤマダ商事",
            "東京都千代田区丸の内1-1",
            "",
        ));
        let b = GroupKey::of(&posting("(株)ﾔﾏﾀﾞ商事 本社", "東京都千代田区丸の内2-2", ""));
        let c = GroupKey::of(&posting("ヤマダ商事", "", "東京都千代田区"));
        assert_eq!(a.name, b.name);
        assert_eq!(a.place, "東京都千代田区");
        assert_eq!(c, a);
    }

    #[test]
    fn another_city_or_name_is_another_group() {
        let a = GroupKey::of(&posting("ヤマダ商事", "東京都千代田区", ""));
        assert_ne!(
            a,
            GroupKey::of(&posting("ヤマダ商事", "大阪府大阪市北区", ""))
        );
        assert_ne!(
            a,
            GroupKey::of(&posting("ヤマダ物産", "東京都千代田区", ""))
        );
        assert_eq!(GroupKey::of(&posting("ヤマダ商事", "", "")).place, "");
    }
}
