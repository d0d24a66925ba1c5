use super::*;

fn n(s: &str) -> CorporateNumber {
    CorporateNumber::parse(s).unwrap()
}

const A: &str = "7000012050002";
const B: &str = "1180301018771";
const C: &str = "8000000000001";

fn truth(id: &str, number: Option<&str>, variations: &[&str]) -> Truth {
    Truth {
        posting_id: id.to_string(),
        corporate_number: number.map(n),
        variations: variations.iter().map(|v| v.to_string()).collect(),
    }
}

fn pred(id: &str, number: &str) -> Prediction {
    Prediction {
        score: None,
        posting_id: id.to_string(),
        corporate_number: n(number),
    }
}

#[test]
fn precision_recall_and_false_links_follow_the_definitions() {
    // Four registered postings, one unregistered.
    let truth = vec![
        truth("p1", Some(A), &["name_clean"]),
        truth("p2", Some(B), &["typo"]),
        truth("p3", Some(A), &["typo", "width"]),
        truth("p4", Some(B), &["width"]),
        truth("p5", None, &["unregistered"]),
    ];
    // p1 right, p2 wrong company, p3 right, p5 linked though absent, p4 not linked.
    let preds = vec![pred("p1", A), pred("p2", A), pred("p3", A), pred("p5", B)];
    let r = evaluate(&preds, &truth);
    assert_eq!(
        (r.links, r.correct, r.false_links, r.registered),
        (4, 2, 2, 4)
    );
    assert_eq!(r.precision(), 0.5);
    assert_eq!(r.recall(), 0.5);
    assert_eq!(r.f1(), 0.5);
    assert_eq!(r.by_variation["typo"], (1, 2));
    assert_eq!(r.by_variation["width"], (1, 2));
    assert_eq!(r.by_variation["name_clean"], (1, 1));
    assert!(!r.by_variation.contains_key("unregistered"));
}

#[test]
fn no_links_give_zero_precision_and_f1_without_dividing_by_zero() {
    let r = evaluate(&[], &[truth("p1", Some(A), &[])]);
    assert_eq!((r.precision(), r.recall(), r.f1()), (0.0, 0.0, 0.0));
}

fn company(number: &str, name: &str, pref: &str, city: &str, phone: &str) -> Company {
    Company {
        corporate_number: n(number),
        name: name.to_string(),
        name_kana: String::new(),
        name_en: String::new(),
        prefecture: pref.to_string(),
        city: city.to_string(),
        street: String::new(),
        postal_code: String::new(),
        phone: phone.to_string(),
        website: String::new(),
    }
}

fn posting(id: &str, name: &str, address: &str, phone: &str) -> Posting {
    Posting {
        posting_id: id.to_string(),
        company_name: name.to_string(),
        company_address: address.to_string(),
        company_phone: phone.to_string(),
        ..Posting::default()
    }
}

#[test]
fn the_ceiling_counts_names_unique_in_the_stated_place_or_a_phone_of_its_own() {
    // Two companies named 山田商事 in different cities.
    let companies = vec![
        company(A, "株式会社山田商事", "東京都", "千代田区", "03-1111-2222"),
        company(B, "山田商事株式会社", "大阪府", "大阪市北区", ""),
        company(C, "株式会社ユニーク工業", "北海道", "旭川市", ""),
    ];
    let postings = vec![
        // City stated and right: singled out.
        posting("p1", "山田商事", "東京都千代田区1-1", ""),
        // Only the prefecture: still one 山田商事 in 大阪府.
        posting("p2", "山田商事", "大阪府", ""),
        // No address: two 山田商事 nationwide, but the phone is A's alone.
        posting("p3", "山田商事", "", "03-1111-2222"),
        // No address, no phone: cannot be told apart.
        posting("p4", "山田商事", "", ""),
        // The stated city is a branch's (A is not in 港区), and two 山田商事 exist nationwide.
        posting("p5", "山田商事", "東京都港区1-1", ""),
        posting("p6", "山田商事", "", ""),
        // A branch's address, but the only ユニーク工業 in the country.
        posting("p7", "ユニーク工業", "福岡県福岡市博多区1-1", ""),
    ];
    let truth = vec![
        truth("p1", Some(A), &[]),
        truth("p2", Some(B), &[]),
        truth("p3", Some(A), &[]),
        truth("p4", Some(A), &[]),
        truth("p5", Some(A), &[]),
        truth("p6", None, &[]),
        truth("p7", Some(C), &[]),
    ];
    assert_eq!(singled_out(&companies, &postings, &truth), 4);
}
