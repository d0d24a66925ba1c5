//! Prefecture and city from free-text Japanese addresses.
//!
//! Partners write "東京都千代田区…", "千代田区…", "〒100-0001 東京都…", "神奈川横浜市中区…" or
//! just "大阪府". We read the prefecture (all 47, with or without 都/府/県) and the
//! municipality the way the registry records it: "帯広市", "千代田区", designated-city wards
//! as "横浜市中区", towns in a district as "糟屋郡粕屋町".

use unicode_normalization::UnicodeNormalization;

use super::street::street_key;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// Canonical prefecture name, e.g. "東京都".
    pub prefecture: Option<&'static str>,
    /// City / ward as written in the master, e.g. "横浜市中区" or "千代田区".
    pub city: Option<String>,
    /// Town and block numbers after the city (see `street::street_key`).
    pub street: Option<String>,
    /// The 7-digit postal code, when one is written.
    pub postal: Option<String>,
}

/// The 47 prefectures, canonical name and the stem partners write without the suffix.
pub const PREFECTURES: [(&str, &str); 47] = [
    ("北海道", "北海道"),
    ("青森県", "青森"),
    ("岩手県", "岩手"),
    ("宮城県", "宮城"),
    ("秋田県", "秋田"),
    ("山形県", "山形"),
    ("福島県", "福島"),
    ("茨城県", "茨城"),
    ("栃木県", "栃木"),
    ("群馬県", "群馬"),
    ("埼玉県", "埼玉"),
    ("千葉県", "千葉"),
    ("東京都", "東京"),
    ("神奈川県", "神奈川"),
    ("新潟県", "新潟"),
    ("富山県", "富山"),
    ("石川県", "石川"),
    ("福井県", "福井"),
    ("山梨県", "山梨"),
    ("長野県", "長野"),
    ("岐阜県", "岐阜"),
    ("静岡県", "静岡"),
    ("愛知県", "愛知"),
    ("三重県", "三重"),
    ("滋賀県", "滋賀"),
    ("京都府", "京都"),
    ("大阪府", "大阪"),
    ("兵庫県", "兵庫"),
    ("奈良県", "奈良"),
    ("和歌山県", "和歌山"),
    ("鳥取県", "鳥取"),
    ("島根県", "島根"),
    ("岡山県", "岡山"),
    ("広島県", "広島"),
    ("山口県", "山口"),
    ("徳島県", "徳島"),
    ("香川県", "香川"),
    ("愛媛県", "愛媛"),
    ("高知県", "高知"),
    ("福岡県", "福岡"),
    ("佐賀県", "佐賀"),
    ("長崎県", "長崎"),
    ("熊本県", "熊本"),
    ("大分県", "大分"),
    ("宮崎県", "宮崎"),
    ("鹿児島県", "鹿児島"),
    ("沖縄県", "沖縄"),
];

/// Designated cities (政令指定都市): their addresses name a ward after the city, and the
/// registry records "市+区" as the municipality.
const DESIGNATED_CITIES: &[&str] = &[
    "札幌市",
    "仙台市",
    "さいたま市",
    "千葉市",
    "横浜市",
    "川崎市",
    "相模原市",
    "新潟市",
    "静岡市",
    "浜松市",
    "名古屋市",
    "京都市",
    "大阪市",
    "堺市",
    "神戸市",
    "岡山市",
    "広島市",
    "北九州市",
    "福岡市",
    "熊本市",
];

/// Canonical name of a prefecture written with or without its suffix.
pub fn canonical_prefecture(raw: &str) -> Option<&'static str> {
    if let Some((full, _)) = PREFECTURES.iter().find(|(full, _)| *full == raw) {
        return Some(full);
    }
    let s: String = raw.nfkc().filter(|c| !c.is_whitespace()).collect();
    PREFECTURES
        .iter()
        .find(|(full, stem)| s == *full || s == *stem)
        .map(|(full, _)| *full)
}

pub fn parse_address(raw: &str) -> Address {
    let (s, postal) = clean(raw);
    let mut rest = s.as_str();
    let mut prefecture = None;
    for (full, stem) in PREFECTURES {
        if let Some(r) = rest.strip_prefix(full) {
            prefecture = Some(full);
            rest = r;
            break;
        }
        if let Some(r) = rest.strip_prefix(stem) {
            prefecture = Some(full);
            // "京都市…", "大阪市…": the stem is the start of the city's own name.
            if !r.starts_with('市') {
                rest = r;
            }
            break;
        }
    }
    let city = parse_city(rest);
    let street = city
        .as_deref()
        .and_then(|c| rest.strip_prefix(c))
        .and_then(street_key);
    Address {
        prefecture,
        city,
        street,
        postal,
    }
}

/// A registered street ("北野７丁目２９番６号") as the posting side keys it.
pub fn registered_street(street: &str) -> Option<String> {
    let (s, _) = clean(street);
    street_key(&s)
}

/// A registered postal code ("630-6504") as 7 digits.
pub fn postal_digits(raw: &str) -> Option<String> {
    let d: String = raw.nfkc().filter(char::is_ascii_digit).collect();
    (d.len() == 7).then_some(d)
}

/// Removes spaces, the postal mark and a leading postal code ("〒100-0001"), which it
/// returns apart.
fn clean(raw: &str) -> (String, Option<String>) {
    let s: String = raw
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .map(crate::normalize::name::fold_kanji)
        .collect();
    let s = s.trim_start_matches('〒');
    let b = s.as_bytes();
    let postal = b.len() >= 8
        && b[..3].iter().all(u8::is_ascii_digit)
        && matches!(b[3], b'-')
        && b[4..8].iter().all(u8::is_ascii_digit);
    let code = postal.then(|| format!("{}{}", &s[..3], &s[4..8]));
    let s = if postal { &s[8..] } else { s };
    (s.trim_start_matches(['〒', ' ']).to_string(), code)
}

fn parse_city(rest: &str) -> Option<String> {
    let chars: Vec<char> = rest
        .chars()
        .take_while(|c| !c.is_ascii_digit() && *c != '-')
        .collect();
    // A district (郡) is followed by its town or village.
    if let Some(g) = chars.iter().take(6).position(|&c| c == '郡')
        && g >= 1
    {
        let town_end = chars[g + 1..]
            .iter()
            .take(6)
            .take_while(|&&c| c != '市' && c != '区')
            .position(|&c| c == '町' || c == '村')
            .map(|p| g + 1 + p);
        if let Some(end) = town_end
            && end > g + 1
        {
            return Some(chars[..=end].iter().collect());
        }
    }
    let end = municipality_end(&chars)?;
    let mut city: String = chars[..=end].iter().collect();
    if DESIGNATED_CITIES.contains(&city.as_str()) {
        let ward_end = chars[end + 1..]
            .iter()
            .take(5)
            .position(|&c| c == '区')
            .map(|p| end + 1 + p);
        if let Some(w) = ward_end
            && w > end + 1
        {
            city = chars[..=w].iter().collect();
        }
    }
    Some(city)
}

/// Index of the 市/区 (else 町/村) that ends the municipality's name. A name needs at least
/// one character before its suffix ("市川市", not "市"), a doubled 市 belongs to the name
/// ("四日市市", "廿日市市"), and 市 wins over an earlier 町 ("大町市", "町田市").
fn municipality_end(chars: &[char]) -> Option<usize> {
    let limit = chars.len().min(8);
    let city = (1..limit).find(|&i| matches!(chars[i], '市' | '区'));
    if let Some(i) = city {
        if chars[i] == '市' && chars.get(i + 1) == Some(&'市') {
            return Some(i + 1);
        }
        return Some(i);
    }
    (1..limit).find(|&i| matches!(chars[i], '町' | '村'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(raw: &str) -> (Option<&'static str>, Option<String>) {
        let a = parse_address(raw);
        (a.prefecture, a.city)
    }

    fn some(p: &'static str, c: &str) -> (Option<&'static str>, Option<String>) {
        (Some(p), Some(c.to_string()))
    }

    #[test]
    fn prefecture_and_city_are_read_from_a_full_address() {
        assert_eq!(parts("北海道帯広市南町3-5-9"), some("北海道", "帯広市"));
        assert_eq!(
            parts("東京都足立区城北10-14-29　明治ビル208号室"),
            some("東京都", "足立区")
        );
        assert_eq!(
            parts("〒453-7378 愛知県豊橋市西町1187"),
            some("愛知県", "豊橋市")
        );
        assert_eq!(
            parts("〒１００－０００１　東京都千代田区千代田１－１"),
            some("東京都", "千代田区")
        );
    }

    #[test]
    fn designated_city_wards_are_part_of_the_municipality() {
        assert_eq!(
            parts("神奈川県横浜市中区富士見8-22-21"),
            some("神奈川県", "横浜市中区")
        );
        assert_eq!(
            parts("埼玉県さいたま市大宮区池之端十七丁目4番28号"),
            some("埼玉県", "さいたま市大宮区")
        );
        assert_eq!(
            parts("福岡市博多区東新町8-24-16").1.as_deref(),
            Some("福岡市博多区")
        );
        // An ordinary city's town names are not wards.
        assert_eq!(parts("北海道帯広市東区1-1"), some("北海道", "帯広市"));
    }

    #[test]
    fn a_prefecture_written_without_suffix_is_recognised() {
        assert_eq!(parts("神奈川横浜市中区1-1"), some("神奈川県", "横浜市中区"));
        assert_eq!(parts("京都市中京区河原町1"), some("京都府", "京都市中京区"));
        assert_eq!(
            parts("大阪市西区中央五丁目18番30号"),
            some("大阪府", "大阪市西区")
        );
        assert_eq!(canonical_prefecture("東京"), Some("東京都"));
        assert_eq!(canonical_prefecture("北海道"), Some("北海道"));
        assert_eq!(canonical_prefecture("ニューヨーク"), None);
    }

    #[test]
    fn a_city_without_prefecture_is_still_read() {
        assert_eq!(
            parts("越谷市駅前7-26-30"),
            (None, Some("越谷市".to_string()))
        );
        assert_eq!(parts("荒川区芝浦3-7-4"), (None, Some("荒川区".to_string())));
    }

    #[test]
    fn cities_whose_name_contains_shi_are_read_whole() {
        assert_eq!(parts("千葉県市川市八幡1-1").1.as_deref(), Some("市川市"));
        assert_eq!(
            parts("千葉県市原市国分寺台中央1").1.as_deref(),
            Some("市原市")
        );
        assert_eq!(
            parts("三重県四日市市諏訪町1-5").1.as_deref(),
            Some("四日市市")
        );
        assert_eq!(
            parts("広島県廿日市市下平良1丁目").1.as_deref(),
            Some("廿日市市")
        );
        assert_eq!(parts("石川県野々市市三納1").1.as_deref(), Some("野々市市"));
        assert_eq!(parts("長野県大町市大町1").1.as_deref(), Some("大町市"));
        assert_eq!(parts("東京都町田市森野2-2-22").1.as_deref(), Some("町田市"));
    }

    #[test]
    fn towns_in_a_district_keep_the_district() {
        assert_eq!(
            parts("福岡県糟屋郡粕屋町駕与丁1-1"),
            some("福岡県", "糟屋郡粕屋町")
        );
        assert_eq!(parts("福島県郡山市朝日1-1").1.as_deref(), Some("郡山市"));
        assert_eq!(
            parts("奈良県大和郡山市北郡山町248").1.as_deref(),
            Some("大和郡山市")
        );
    }

    #[test]
    fn a_prefecture_alone_or_nothing_usable_is_reported_as_such() {
        assert_eq!(parts("岩手県"), (Some("岩手県"), None));
        assert_eq!(parts(""), (None, None));
        assert_eq!(parts("1-2-3"), (None, None));
    }
}
