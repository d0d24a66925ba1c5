//! The street part of an address (town and block numbers) as one comparable key, so that
//! "北野7-29-6", "北野７丁目２９番６号" and "北野七丁目29番6号 ロイヤルビル3階" agree.
//!
//! A posting that writes its company's registered street is about as sure a sign as a phone
//! number of its own: namesakes and unregistered companies of the same name sit elsewhere.

/// "北野７丁目２９番６号 ビル3階" → "北野:7-29-6". The input is the address after its city, already
/// NFKC-folded without spaces. None when there is no town name or no number.
pub fn street_key(rest: &str) -> Option<String> {
    let rest = kanji_block_numbers(rest);
    let chars: Vec<char> = rest.chars().collect();
    let town_end = chars.iter().position(|c| c.is_ascii_digit())?;
    let town: String = chars[..town_end]
        .iter()
        .filter(|c| c.is_alphabetic())
        .collect();
    if town.is_empty() {
        return None;
    }
    let mut numbers: Vec<String> = Vec::new();
    let mut i = town_end;
    while i < chars.len() && numbers.len() < 3 {
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            break;
        }
        numbers.push(
            chars[start..i]
                .iter()
                .collect::<String>()
                .trim_start_matches('0')
                .to_string(),
        );
        let sep = SEPARATORS
            .iter()
            .find(|s| chars[i..].starts_with(&s.chars().collect::<Vec<_>>()));
        match sep {
            Some(s) => i += s.chars().count(),
            None => break,
        }
    }
    Some(format!("{town}:{}", numbers.join("-")))
}

const SEPARATORS: &[&str] = &["丁目", "番地の", "番地", "番", "号", "-", "の", "ー", "−"];

/// "十八丁目24番" → "18丁目24番": kanji numerals are read only where a block word follows
/// them, because town names hold them too (八幡町, 四谷).
fn kanji_block_numbers(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && kanji_digit(chars[i]).is_some() {
            i += 1;
        }
        if i > start {
            let follows_block = ["丁目", "番", "号"]
                .iter()
                .any(|w| chars[i..].starts_with(&w.chars().collect::<Vec<_>>()));
            match (follows_block, kanji_number(&chars[start..i])) {
                (true, Some(n)) => out.push_str(&n.to_string()),
                _ => out.extend(&chars[start..i]),
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九十百".find(c).map(|_| match c {
        '〇' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        '十' => 10,
        _ => 100,
    })
}

/// 十八 → 18, 二十三 → 23, 百五 → 105, 三 → 3.
fn kanji_number(run: &[char]) -> Option<u32> {
    let mut total = 0;
    let mut current = 0;
    for &c in run {
        match kanji_digit(c)? {
            unit @ (10 | 100) => {
                total += current.max(1) * unit;
                current = 0;
            }
            d => current = current * 10 + d,
        }
    }
    Some(total + current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_and_a_posting_write_one_street_alike() {
        let registered = street_key("北野7丁目29番6号").unwrap();
        assert_eq!(registered, "北野:7-29-6");
        assert_eq!(street_key("北野7-29-6").as_deref(), Some("北野:7-29-6"));
        assert_eq!(
            street_key("北野七丁目29番6号ロイヤルビル3階").as_deref(),
            Some("北野:7-29-6")
        );
        assert_eq!(street_key("幸町3191番地").as_deref(), Some("幸町:3191"));
        assert_eq!(
            street_key("浜町十八丁目24番13号").as_deref(),
            Some("浜町:18-24-13")
        );
        assert_eq!(
            street_key("豊町25丁目8-16").as_deref(),
            Some("豊町:25-8-16")
        );
    }

    #[test]
    fn kanji_numerals_in_a_town_name_stay_part_of_it() {
        assert_eq!(street_key("八幡町3-1").as_deref(), Some("八幡町:3-1"));
        assert_eq!(street_key("四谷二丁目5").as_deref(), Some("四谷:2-5"));
    }

    #[test]
    fn a_street_without_a_town_or_a_number_has_no_key() {
        assert_eq!(street_key("1-2-3"), None);
        assert_eq!(street_key("駅前ビル"), None);
    }
}
