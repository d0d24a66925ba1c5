//! Name forms real partner files use, each linked to its registered company: the reading in
//! katakana or in bank-transfer kana, English words for katakana ones and back, romaji, a
//! branch in brackets.

use super::*;
use crate::company::Company;

fn number(i: u64) -> CorporateNumber {
    CorporateNumber::with_body(200_000_000_000 + i)
}

fn company(i: u64, name: &str, kana: &str, en: &str, city: &str) -> Company {
    Company {
        corporate_number: number(i),
        name: name.to_string(),
        name_kana: kana.to_string(),
        name_en: en.to_string(),
        prefecture: "大阪府".to_string(),
        city: city.to_string(),
        street: String::new(),
        postal_code: String::new(),
        phone: String::new(),
        website: String::new(),
    }
}

fn master() -> CompanyIndex {
    CompanyIndex::build(vec![
        company(1, "株式会社山田商事", "ヤマダショウジ", "", "大阪市北区"),
        company(
            2,
            "グローバルシステムズ株式会社",
            "グローバルシステムズ",
            "",
            "大阪市北区",
        ),
        company(3, "ＢＲＩＤＧＥ株式会社", "", "", "堺市堺区"),
        company(
            4,
            "株式会社キャノンテック",
            "キャノンテック",
            "",
            "堺市堺区",
        ),
        company(5, "合同会社ワークス", "ワークス", "", "豊中市"),
    ])
}

fn linked(name: &str, address: &str) -> Option<CorporateNumber> {
    let posting = Posting {
        posting_id: "P1".to_string(),
        company_name: name.to_string(),
        company_address: address.to_string(),
        ..Posting::default()
    };
    match master().link(&posting, &Thresholds::default()) {
        Decision::Matched(l) => Some(l.corporate_number),
        Decision::Unmatched(_) => None,
    }
}

#[test]
fn the_reading_in_katakana_links_to_the_kanji_name() {
    assert_eq!(
        linked("ヤマダショウジ株式会社", "大阪市北区梅田1-1"),
        Some(number(1))
    );
}

#[test]
fn bank_transfer_kana_with_its_legal_form_mark_links() {
    for name in ["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "ｶ)ﾔﾏﾀﾞｼｮｳｼﾞ"]
    {
        assert_eq!(linked(name, "大阪市北区梅田1-1"), Some(number(1)), "{name}");
    }
    // Small kana written full size, as bank transfers and old registrations do.
    assert_eq!(linked("ｶ)ｷﾔﾉﾝﾃﾂｸ", "堺市堺区1-1"), Some(number(4)));
}

#[test]
fn english_words_meet_their_katakana_and_back() {
    assert_eq!(
        linked("Global Systems Co., Ltd.", "大阪市北区1-1"),
        Some(number(2))
    );
    assert_eq!(
        linked("ブリッジ株式会社", "大阪府堺市堺区1-1"),
        Some(number(3))
    );
    assert_eq!(
        linked("合同会社Ｗｏｒｋｓ", "豊中市本町1-1"),
        Some(number(5))
    );
}

#[test]
fn a_kanji_name_written_in_romaji_links_through_its_reading() {
    assert_eq!(
        linked("Yamada Shoji K.K.", "大阪市北区1-1"),
        Some(number(1))
    );
}

#[test]
fn a_branch_in_brackets_is_not_part_of_the_name() {
    assert_eq!(
        linked("株式会社山田商事（堺営業所）", "大阪市北区1-1"),
        Some(number(1))
    );
}
