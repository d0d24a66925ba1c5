//! The decision's weights: how common a name is, how big the stated place, and what agrees
//! or disagrees, on a master small enough to read.

use super::*;
use crate::company::Company;

/// A valid corporate number for serial `i` (check digit by the NTA rule).
fn number(i: u64) -> CorporateNumber {
    CorporateNumber::with_body(1_000_000_000_000 / 10 + i)
}

fn company(i: u64, name: &str, city: &str, street: &str, phone: &str) -> Company {
    Company {
        corporate_number: number(i),
        name: name.to_string(),
        name_kana: String::new(),
        name_en: String::new(),
        prefecture: "東京都".to_string(),
        city: city.to_string(),
        street: street.to_string(),
        postal_code: String::new(),
        phone: phone.to_string(),
        website: String::new(),
    }
}

const WARDS: [&str; 6] = ["港区", "新宿区", "渋谷区", "品川区", "目黒区", "大田区"];

/// Sixty 山田工業 spread over six wards, one in 千代田区, one 希少精機 there, and filler
/// companies so that 千代田区 holds one company in forty.
fn master() -> CompanyIndex {
    let mut companies = vec![
        company(
            1,
            "株式会社山田工業",
            "千代田区",
            "丸の内1丁目2番3号",
            "03-1111-0001",
        ),
        company(
            2,
            "株式会社希少精機",
            "千代田区",
            "大手町2-3-4",
            "03-1111-0002",
        ),
    ];
    for i in 0..60 {
        companies.push(company(
            100 + i,
            "株式会社山田工業",
            WARDS[i as usize % 6],
            "",
            "",
        ));
    }
    for i in 0..18 {
        companies.push(company(
            300 + i,
            &format!("株式会社別名{i}号"),
            WARDS[i as usize % 6],
            "",
            "",
        ));
    }
    CompanyIndex::build(companies)
}

/// Shares taken against this small master itself, as they would be against a national one.
fn thresholds() -> Thresholds {
    Thresholds {
        population_floor: 0,
        ..Thresholds::default()
    }
}

fn posting(name: &str, address: &str, phone: &str) -> Posting {
    Posting {
        posting_id: "P1".to_string(),
        company_name: name.to_string(),
        company_address: address.to_string(),
        company_phone: phone.to_string(),
        ..Posting::default()
    }
}

fn linked(d: &Decision) -> Option<CorporateNumber> {
    match d {
        Decision::Matched(l) => Some(l.corporate_number),
        Decision::Unmatched(_) => None,
    }
}

#[test]
fn a_rare_name_unique_in_the_stated_city_links() {
    let d = master().link(
        &posting("株式会社希少精機", "東京都千代田区", ""),
        &thresholds(),
    );
    assert_eq!(linked(&d), Some(number(2)));
}

#[test]
fn a_common_name_unique_in_the_stated_city_is_ambiguous_without_more_evidence() {
    let d = master().link(
        &posting("株式会社山田工業", "東京都千代田区", ""),
        &thresholds(),
    );
    match d {
        Decision::Unmatched(m) => {
            assert_eq!(m.reason, UnmatchedReason::Ambiguous);
            let (best, p) = m.best.expect("the located namesake is the best candidate");
            assert_eq!(best, number(1));
            assert!(p < 0.99, "probability {p}");
        }
        Decision::Matched(l) => panic!("linked a common name on the city alone: {l:?}"),
    }
}

#[test]
fn the_registered_street_carries_a_common_name() {
    for address in [
        "東京都千代田区丸の内1-2-3",
        "東京都千代田区丸の内一丁目2番3号 丸の内ビル5階",
    ] {
        let d = master().link(&posting("山田工業(株)", address, ""), &thresholds());
        assert_eq!(linked(&d), Some(number(1)), "{address}");
    }
}

#[test]
fn another_street_or_another_phone_weighs_against_a_rare_name() {
    let t = thresholds();
    let d = master().link(
        &posting("株式会社希少精機", "東京都千代田区大手町9-9-9", ""),
        &t,
    );
    assert_eq!(linked(&d), None);
    let d = master().link(
        &posting("株式会社希少精機", "東京都千代田区", "03-9999-9999"),
        &t,
    );
    assert_eq!(linked(&d), None);
}

#[test]
fn a_wrong_legal_form_alone_does_not_link_but_does_not_veto_a_registered_street() {
    let t = thresholds();
    let d = master().link(&posting("有限会社希少精機", "東京都千代田区", ""), &t);
    assert_eq!(linked(&d), None);
    let d = master().link(
        &posting("有限会社希少精機", "東京都千代田区大手町2-3-4", ""),
        &t,
    );
    assert_eq!(linked(&d), Some(number(2)));
}

#[test]
fn the_link_score_is_the_probability_and_meets_the_configured_level() {
    let strict = Thresholds {
        min_probability: 0.999_99,
        ..thresholds()
    };
    let p = posting("株式会社希少精機", "東京都千代田区", "");
    let Decision::Matched(l) = master().link(&p, &thresholds()) else {
        panic!("the rare name should link at the default level");
    };
    assert!(l.score >= 0.99 && l.score < 0.999_99, "score {}", l.score);
    assert_eq!(linked(&master().link(&p, &strict)), None);
}
