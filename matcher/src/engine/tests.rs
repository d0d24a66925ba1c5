use super::*;
use crate::company::Company;

/// Valid corporate numbers (check digit computed by hand from the NTA rule).
const N: [&str; 6] = [
    "7000012050002",
    "1180301018771",
    "8000000000001",
    "7000000000002",
    "6000000000003",
    "5000000000004",
];

fn company(i: usize, name: &str, pref: &str, city: &str, phone: &str, web: &str) -> Company {
    Company {
        corporate_number: CorporateNumber::parse(N[i]).unwrap(),
        name: name.to_string(),
        name_kana: String::new(),
        name_en: String::new(),
        prefecture: pref.to_string(),
        city: city.to_string(),
        street: String::new(),
        postal_code: String::new(),
        phone: phone.to_string(),
        website: web.to_string(),
    }
}

fn posting(name: &str, address: &str, phone: &str, url: &str) -> Posting {
    Posting {
        posting_id: "P1".to_string(),
        company_name: name.to_string(),
        company_address: address.to_string(),
        company_phone: phone.to_string(),
        company_url: url.to_string(),
        ..Posting::default()
    }
}

fn master() -> CompanyIndex {
    CompanyIndex::build(vec![
        company(
            0,
            "株式会社山田商事",
            "東京都",
            "千代田区",
            "03-1111-2222",
            "",
        ),
        company(
            1,
            "山田商事株式会社",
            "大阪府",
            "大阪市北区",
            "06-3333-4444",
            "",
        ),
        company(
            2,
            "株式会社山田商事ホールディングス",
            "東京都",
            "千代田区",
            "",
            "",
        ),
        company(
            3,
            "有限会社鈴木工務店",
            "北海道",
            "札幌市中央区",
            "",
            "https://www.suzuki-koumuten.jp/",
        ),
        company(4, "株式会社鈴木工務店", "北海道", "札幌市中央区", "", ""),
        company(5, "株式会社ユニオンルミナス", "愛知県", "豊橋市", "", ""),
    ])
}

fn linked(d: &Decision) -> Option<String> {
    match d {
        Decision::Matched(l) => Some(l.corporate_number.to_string()),
        Decision::Unmatched(_) => None,
    }
}

fn reason(d: &Decision) -> Option<UnmatchedReason> {
    match d {
        Decision::Matched(_) => None,
        Decision::Unmatched(m) => Some(m.reason),
    }
}

#[test]
fn a_name_unique_in_the_stated_city_links_whatever_its_spelling() {
    let idx = master();
    let t = Thresholds::default();
    for name in [
        "㈱山田商事",
        "山田商事(株)",
        "（株）山田商事",
        "山田商事 本社",
    ] {
        let d = idx.link(&posting(name, "東京都千代田区丸の内1-1", "", ""), &t);
        assert_eq!(linked(&d).as_deref(), Some(N[0]), "{name}");
    }
    let d = idx.link(&posting("山田商事", "大阪市北区梅田1-1", "", ""), &t);
    assert_eq!(linked(&d).as_deref(), Some(N[1]));
}

#[test]
fn the_same_name_in_a_city_where_no_such_company_is_registered_does_not_link() {
    let d = master().link(
        &posting("株式会社山田商事", "福岡県福岡市博多区1-1", "", ""),
        &Thresholds::default(),
    );
    assert_eq!(linked(&d), None);
    assert_eq!(reason(&d), Some(UnmatchedReason::BelowThreshold));
}

#[test]
fn a_group_company_is_not_its_parent() {
    let idx = master();
    let t = Thresholds::default();
    let d = idx.link(
        &posting("山田商事サービス株式会社", "東京都千代田区1-1", "", ""),
        &t,
    );
    assert_eq!(linked(&d), None);
    let d = idx.link(
        &posting(
            "株式会社山田商事ホールディングス",
            "東京都千代田区1-1",
            "",
            "",
        ),
        &t,
    );
    assert_eq!(linked(&d).as_deref(), Some(N[2]));
}

#[test]
fn two_companies_with_one_name_in_one_city_are_ambiguous_unless_the_legal_form_decides() {
    let idx = master();
    let t = Thresholds::default();
    let d = idx.link(&posting("鈴木工務店", "北海道札幌市中央区1-1", "", ""), &t);
    assert_eq!(reason(&d), Some(UnmatchedReason::Ambiguous));
    let d = idx.link(
        &posting("(有)鈴木工務店", "北海道札幌市中央区1-1", "", ""),
        &t,
    );
    assert_eq!(linked(&d).as_deref(), Some(N[3]));
}

#[test]
fn a_phone_or_domain_of_its_own_singles_out_a_company_without_an_address() {
    let idx = master();
    let t = Thresholds::default();
    let d = idx.link(&posting("山田商事", "", "+81-3-1111-2222", ""), &t);
    assert_eq!(linked(&d).as_deref(), Some(N[0]));
    let d = idx.link(
        &posting("鈴木工務店", "", "", "http://suzuki-koumuten.jp/recruit"),
        &t,
    );
    assert_eq!(linked(&d).as_deref(), Some(N[3]));
}

#[test]
fn a_one_letter_typo_links_only_in_the_stated_place() {
    let idx = master();
    let t = Thresholds::default();
    let d = idx.link(
        &posting("株式会社ユニオソルミナス", "愛知県豊橋市西町1", "", ""),
        &t,
    );
    assert_eq!(linked(&d).as_deref(), Some(N[5]));
    let d = idx.link(
        &posting("株式会社ユニオソルミナス", "静岡県浜松市中区1", "", ""),
        &t,
    );
    assert_eq!(linked(&d), None);
}

#[test]
fn a_near_name_that_differs_in_its_first_character_is_another_company() {
    // A dropped last character is a typo; another first character is another name
    // (内田/和田, 信州/上州).
    let d = master().link(
        &posting("株式会社ユニオンルミナ", "愛知県豊橋市西町1", "", ""),
        &Thresholds::default(),
    );
    assert_eq!(linked(&d).as_deref(), Some(N[5]));
    let d = master().link(
        &posting("株式会社コニオンルミナス", "愛知県豊橋市西町1", "", ""),
        &Thresholds::default(),
    );
    assert_eq!(linked(&d), None);
}

#[test]
fn an_unknown_name_has_no_candidate() {
    let d = master().link(
        &posting("全く別の会社", "東京都港区1-1", "", ""),
        &Thresholds::default(),
    );
    assert_eq!(reason(&d), Some(UnmatchedReason::NoCandidate));
}

#[test]
fn results_are_identical_on_one_thread_and_on_several() {
    let idx = master();
    let t = Thresholds::default();
    let postings: Vec<Posting> = (0..200)
        .map(|i| {
            let names = [
                "山田商事",
                "鈴木工務店",
                "(有)鈴木工務店",
                "ユニオソルミナス",
                "別会社",
            ];
            let addrs = [
                "東京都千代田区1",
                "北海道札幌市中央区1",
                "",
                "愛知県豊橋市1",
            ];
            posting(names[i % 5], addrs[i % 4], "", "")
        })
        .collect();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| link_all(&idx, &postings, &t));
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| link_all(&idx, &postings, &t));
    assert_eq!(one, four);
    let serial: Vec<Decision> = postings.iter().map(|p| idx.link(p, &t)).collect();
    assert_eq!(one, serial);
}

#[test]
fn thresholds_serialise_for_the_manifest() {
    let v = serde_json::to_value(Thresholds::default()).unwrap();
    assert!(v.get("max_edits").is_some() && v.get("margin").is_some());
}

#[test]
fn a_place_glued_before_an_office_word_is_cut_but_a_name_written_apart_from_it_is_whole() {
    let idx = CompanyIndex::build(vec![
        company(0, "合同会社イノベーション", "東京都", "町田市", "", ""),
        company(1, "株式会社プライムウェブ", "東京都", "渋谷区", "", ""),
    ]);
    let t = Thresholds::default();
    // "塗装" is part of the name the partner set apart from "本社": a different company.
    let d = idx.link(
        &posting("イノベーション塗装 本社", "東京都町田市1-1", "", ""),
        &t,
    );
    assert_eq!(linked(&d), None);
    // Glued on, the place before the office word is no part of the name.
    let d = idx.link(
        &posting("プライムウェブ渋谷支社", "東京都渋谷区1-1", "", ""),
        &t,
    );
    assert_eq!(linked(&d).as_deref(), Some(N[1]));
}

#[test]
fn a_kanji_that_makes_a_common_business_word_is_another_company_but_a_slip_is_a_typo() {
    // Five other companies make 物流 a word of the registry, as it is of the real one.
    let extra = [
        "4000000000005",
        "3000000000006",
        "2000000000007",
        "1000000000008",
        "9000000000009",
    ];
    let mut companies = vec![
        company(
            0,
            "株式会社丸山物産システム",
            "愛知県",
            "名古屋市中区",
            "",
            "",
        ),
        company(1, "株式会社長崎建設", "長崎県", "長崎市", "", ""),
    ];
    for (i, number) in extra.iter().enumerate() {
        let mut c = company(
            2,
            &format!("株式会社{}物流", ["東", "西", "南", "北", "中"][i]),
            "東京都",
            "港区",
            "",
            "",
        );
        c.corporate_number = CorporateNumber::parse(number).unwrap();
        companies.push(c);
    }
    let idx = CompanyIndex::build(companies);
    let t = Thresholds::default();
    let d = idx.link(
        &posting("丸山物流システム株式会社", "愛知県名古屋市中区1-1", "", ""),
        &t,
    );
    assert_eq!(linked(&d), None);
    // 健 for 建 reads alike and makes no word: the input method's slip.
    let d = idx.link(&posting("株式会社長崎健設", "長崎県長崎市1-1", "", ""), &t);
    assert_eq!(linked(&d).as_deref(), Some(N[1]));
}
