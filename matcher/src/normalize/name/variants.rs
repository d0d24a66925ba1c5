//! Old (旧字体) and variant (異体字) kanji folded to the form the registry usually prints.
//!
//! Registries, payroll systems and partners disagree on these constantly (齋藤/斎藤,
//! 髙橋/高橋, 﨑/崎, 渡邊/渡辺, 嶋/島); folding both sides to one form lets them compare. Only
//! pairs that are the same character in everyday use are listed: 龍/竜 or 藤/籐 are distinct
//! names, so they stay apart. NFKC already folds the CJK compatibility block except the twelve
//! "unified" characters such as 﨑, so those are listed here too.

/// (variant, folded), sorted by the variant so the lookup can binary-search.
const TABLE: &[(char, char)] = &[
    ('亞', '亜'),
    ('佛', '仏'),
    ('來', '来'),
    ('傳', '伝'),
    ('僞', '偽'),
    ('兒', '児'),
    ('兩', '両'),
    ('冨', '富'),
    ('劍', '剣'),
    ('區', '区'),
    ('單', '単'),
    ('圓', '円'),
    ('國', '国'),
    ('圖', '図'),
    ('團', '団'),
    ('埜', '野'),
    ('壯', '壮'),
    ('壹', '壱'),
    ('壽', '寿'),
    ('廣', '広'),
    ('德', '徳'),
    ('應', '応'),
    ('戶', '戸'),
    ('拜', '拝'),
    ('擴', '拡'),
    ('斷', '断'),
    ('曉', '暁'),
    ('會', '会'),
    ('條', '条'),
    ('桒', '桑'),
    ('榮', '栄'),
    ('樂', '楽'),
    ('櫻', '桜'),
    ('歐', '欧'),
    ('步', '歩'),
    ('氣', '気'),
    ('淺', '浅'),
    ('淸', '清'),
    ('渕', '淵'),
    ('澁', '渋'),
    ('澤', '沢'),
    ('濱', '浜'),
    ('瀧', '滝'),
    ('瀨', '瀬'),
    ('燈', '灯'),
    ('爲', '為'),
    ('獨', '独'),
    ('眞', '真'),
    ('硏', '研'),
    ('禮', '礼'),
    ('禪', '禅'),
    ('稻', '稲'),
    ('穗', '穂'),
    ('竝', '並'),
    ('經', '経'),
    ('綠', '緑'),
    ('縣', '県'),
    ('總', '総'),
    ('與', '与'),
    ('舊', '旧'),
    ('舘', '館'),
    ('莊', '荘'),
    ('萬', '万'),
    ('藏', '蔵'),
    ('藝', '芸'),
    ('處', '処'),
    ('螢', '蛍'),
    ('衞', '衛'),
    ('裝', '装'),
    ('覺', '覚'),
    ('證', '証'),
    ('讀', '読'),
    ('豐', '豊'),
    ('邊', '辺'),
    ('邉', '辺'),
    ('醫', '医'),
    ('釀', '醸'),
    ('鐵', '鉄'),
    ('關', '関'),
    ('靑', '青'),
    ('靜', '静'),
    ('顯', '顕'),
    ('髙', '高'),
    ('鷗', '鴎'),
    ('黃', '黄'),
    ('黑', '黒'),
    ('齊', '斎'),
    ('齋', '斎'),
    ('齒', '歯'),
    ('嶋', '島'),
    ('嶌', '島'),
    ('嵜', '崎'),
    ('斉', '斎'),
    ('檜', '桧'),
    ('﨑', '崎'),
    ('𥔎', '崎'),
];

/// The folded form of `c`, or `c` when it has no variant.
pub fn fold_kanji(c: char) -> char {
    match sorted().binary_search_by_key(&c, |&(v, _)| v) {
        Ok(i) => sorted()[i].1,
        Err(_) => c,
    }
}

fn sorted() -> &'static [(char, char)] {
    static SORTED: std::sync::OnceLock<Vec<(char, char)>> = std::sync::OnceLock::new();
    SORTED.get_or_init(|| {
        let mut v = TABLE.to_vec();
        v.sort_unstable();
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_surname_variants_fold_to_the_everyday_form() {
        for (variant, everyday) in [
            ('齋', '斎'),
            ('齊', '斎'),
            ('斉', '斎'),
            ('髙', '高'),
            ('﨑', '崎'),
            ('𥔎', '崎'),
            ('邊', '辺'),
            ('邉', '辺'),
            ('澤', '沢'),
            ('濱', '浜'),
            ('廣', '広'),
            ('國', '国'),
            ('會', '会'),
            ('櫻', '桜'),
            ('德', '徳'),
            ('嶋', '島'),
        ] {
            assert_eq!(fold_kanji(variant), everyday, "{variant}");
        }
    }

    #[test]
    fn distinct_characters_that_look_alike_are_not_folded() {
        for c in ['龍', '竜', '藤', '籐', '斎', '高', '崎'] {
            assert_eq!(fold_kanji(c), c);
        }
    }
}
