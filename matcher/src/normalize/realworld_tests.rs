//! Real-world spellings of one company, as partners and banks write them, that the labelled
//! sets may not contain: each must fold to the registered key, with the legal form kept.

use super::name::{normalize_name, normalize_registered_name};
use super::phone::normalize_phone;
use super::url::normalize_domain;

fn key(raw: &str) -> String {
    normalize_name(raw).key
}

#[test]
fn ideographic_space_after_the_legal_form_is_only_a_space() {
    let n = normalize_name("株式会社　ＡＢＣ");
    assert_eq!(n.key, "abc");
    assert_eq!(n.legal_form, Some("株式会社"));
    assert_eq!(n.branch, None);
}

#[test]
fn english_legal_forms_after_the_name_are_split_off() {
    for raw in [
        "ABC Co.,Ltd.",
        "ABC Co., Ltd.",
        "ABC CO., LTD",
        "ABC Inc.",
        "ABC Corporation",
    ] {
        let n = normalize_name(raw);
        assert_eq!(n.key, "abc", "{raw}");
        assert_eq!(n.legal_form, Some("Co., Ltd."), "{raw}");
    }
    let kk = normalize_name("ABC K.K.");
    assert_eq!(kk.key, "abc");
    assert_eq!(kk.legal_form, Some("株式会社"));
}

#[test]
fn an_abbreviated_legal_form_and_a_branch_after_a_space_are_both_split_off() {
    let n = normalize_name("(株)ABC 東京支店");
    assert_eq!(n.key, "abc");
    assert_eq!(n.legal_form, Some("株式会社"));
    assert_eq!(n.branch.as_deref(), Some("東京支店"));
    assert!(!n.branch_glued);
}

#[test]
fn half_width_kana_with_a_dangling_bank_style_legal_form_folds_to_the_kana_name() {
    let n = normalize_name("ｴｰﾋﾞｰｼｰ(ｶ");
    assert_eq!(n.key, "エービーシー");
    assert_eq!(n.legal_form, Some("株式会社"));
    let bank = normalize_name("カ）エービーシー");
    assert_eq!(bank.key, "エービーシー");
    assert_eq!(bank.legal_form, Some("株式会社"));
    let half = normalize_name("ｶ)ｴｰﾋﾞｰｼｰ");
    assert_eq!(half.key, "エービーシー");
}

#[test]
fn old_kanji_in_a_yugen_kaisha_name_fold_and_shoten_stays_part_of_the_name() {
    let n = normalize_name("有限会社 髙橋商店");
    assert_eq!(n.key, "高橋商店");
    assert_eq!(n.legal_form, Some("有限会社"));
    assert_eq!(n.key, normalize_registered_name("有限会社高橋商店").key);
}

#[test]
fn the_half_width_kabu_sign_after_kana_is_a_legal_form() {
    let n = normalize_name("ｻﾝﾌﾟﾙ㈱");
    assert_eq!(n.key, "サンプル");
    assert_eq!(n.legal_form, Some("株式会社"));
}

#[test]
fn a_middle_dot_between_katakana_words_does_not_change_the_key() {
    assert_eq!(key("株式会社サンプル・ジャパン"), key("サンプルジャパン"));
    assert_eq!(key("ｻﾝﾌﾟﾙ･ｼﾞｬﾊﾟﾝ(株)"), key("サンプルジャパン株式会社"));
}

#[test]
fn an_upper_case_url_with_www_and_a_path_gives_the_bare_host() {
    assert_eq!(
        normalize_domain("HTTPS://WWW.Example.CO.JP/recruit/").as_deref(),
        Some("example.co.jp")
    );
    assert_eq!(
        normalize_domain("ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏ．ｊｐ").as_deref(),
        Some("example.co.jp")
    );
}

#[test]
fn international_bracketed_and_full_width_phones_give_the_same_digits() {
    for raw in [
        "+81-3-1234-5678",
        "+81 (0)3-1234-5678",
        "(03)1234-5678",
        "03(1234)5678",
        "０３－１２３４－５６７８",
        "TEL：０３ー１２３４ー５６７８",
    ] {
        assert_eq!(normalize_phone(raw).as_deref(), Some("0312345678"), "{raw}");
    }
}

#[test]
fn a_bracketed_note_after_the_name_is_a_branch_and_a_tag_before_it_is_dropped() {
    // The registry allows no brackets in a trade name: what they hold is the partner's note.
    let n = normalize_name("株式会社ABC（東京本社）");
    assert_eq!(n.key, "abc");
    assert_eq!(n.branch.as_deref(), Some("東京本社"));
    assert_eq!(key("株式会社ABC［渋谷］"), "abc");
    assert_eq!(key("【急募】株式会社ABC"), "abc");
    assert_eq!(key("【株式会社ABC】"), "abc");
    // ... but a bracketed legal form is still a legal form.
    assert_eq!(
        normalize_name("エービーシー（カ）").legal_form,
        Some("株式会社")
    );
    assert_eq!(normalize_name("ABC（株）").legal_form, Some("株式会社"));
}

#[test]
fn stacked_office_words_all_come_off_but_a_word_ending_many_names_stays() {
    let n = normalize_name("株式会社ＡＢＣ　大阪支店　人事部");
    assert_eq!(n.key, "abc");
    assert_eq!(n.branch.as_deref(), Some("大阪支店人事部"));
    // 工務店 ends registered names: only the office word after the legal form comes off.
    let n = normalize_name("ｶﾈﾀ 工務店有限会社我孫子支店");
    assert_eq!(n.key, "カネタ工務店");
}

#[test]
fn romanised_legal_forms_and_a_bare_co_are_legal_forms() {
    let n = normalize_name("ABC Kabushiki Kaisha");
    assert_eq!(n.key, "abc");
    assert_eq!(n.legal_form, Some("株式会社"));
    assert_eq!(normalize_name("ABC Co.").key, "abc");
    // "co" without its dot is a word of the name.
    assert_eq!(normalize_name("Big Co").key, "bigco");
}

#[test]
fn a_clinic_after_the_medical_corporation_is_the_facility_not_the_name() {
    let n = normalize_name("医療法人社団　さくら会　さくらクリニック");
    assert_eq!(n.key, "さくら会");
    assert_eq!(n.legal_form, Some("医療法人"));
}
