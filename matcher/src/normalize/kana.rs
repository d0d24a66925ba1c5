//! Bridges between the scripts a company name is written in: katakana reading to latin
//! letters (サイメディア → "saimedia", for partners who write a katakana name in romaji), and
//! latin acronyms to their katakana reading (MKC → エムケーシー, for partners who write an
//! acronym out as it is read).

/// Latin transcription (Hepburn-like, loosened so that common romanisations meet: long vowels
/// dropped, "ou"/"oo" → "o", "uu" → "u"). None when `kana` holds anything but katakana.
pub fn katakana_to_latin(kana: &str) -> Option<String> {
    let chars: Vec<char> = kana.chars().collect();
    let mut out = String::with_capacity(chars.len() * 2);
    let mut i = 0;
    let mut geminate = false;
    while i < chars.len() {
        let c = chars[i];
        if c == 'ッ' {
            geminate = true;
            i += 1;
            continue;
        }
        if c == 'ー' {
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        let (syl, used) = match next.and_then(|n| digraph(c, n)) {
            Some(s) => (s, 2),
            None => (mora(c)?, 1),
        };
        if geminate {
            if let Some(first) = syl.chars().next().filter(|f| !"aiueon".contains(*f)) {
                out.push(first);
            }
            geminate = false;
        }
        out.push_str(syl);
        i += used;
    }
    Some(loosen_latin(&out))
}

/// Folds romanisation differences that carry no meaning: long vowels written or not, "n"
/// before a labial written "m", "shi"/"si" style pairs.
pub fn loosen_latin(latin: &str) -> String {
    const PAIRS: [(&str, &str); 18] = [
        ("ou", "o"),
        ("oo", "o"),
        ("uu", "u"),
        ("aa", "a"),
        ("ii", "i"),
        ("ee", "e"),
        ("oh", "o"),
        ("shi", "si"),
        ("chi", "ti"),
        ("tsu", "tu"),
        ("sh", "sy"),
        ("ch", "ty"),
        ("fu", "hu"),
        ("ji", "zi"),
        ("j", "zy"),
        ("mb", "nb"),
        ("mp", "np"),
        ("mm", "nm"),
    ];
    // In this order, each rewrite seeing the previous ones' output; most keys need few of
    // them, and a pattern that is absent costs no allocation (1.4 M readings are loosened
    // when the index is built).
    let mut s = latin.to_string();
    for (from, to) in PAIRS {
        if s.as_bytes()
            .windows(from.len())
            .any(|w| w == from.as_bytes())
        {
            s = s.replace(from, to);
        }
    }
    s
}

/// Small kana written full size, as bank-transfer (全銀) kana and old registrations write them:
/// キヤノン for キャノン, シヨウジ for ショウジ.
pub fn fold_small_kana(kana: &str) -> String {
    kana.chars()
        .map(|c| match c {
            'ァ' => 'ア',
            'ィ' => 'イ',
            'ゥ' => 'ウ',
            'ェ' => 'エ',
            'ォ' => 'オ',
            'ッ' => 'ツ',
            'ャ' => 'ヤ',
            'ュ' => 'ユ',
            'ョ' => 'ヨ',
            'ヮ' => 'ワ',
            c => c,
        })
        .collect()
}

/// Katakana reading of a short latin acronym, letter by letter; None for anything else.
pub fn acronym_reading(latin: &str) -> Option<String> {
    if latin.is_empty() || latin.len() > 6 || !latin.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    Some(
        latin
            .bytes()
            .map(|b| LETTERS[usize::from(b - b'a')])
            .collect(),
    )
}

/// How each latin letter is read aloud, a to z.
pub(crate) const LETTERS: [&str; 26] = [
    "エー",
    "ビー",
    "シー",
    "ディー",
    "イー",
    "エフ",
    "ジー",
    "エイチ",
    "アイ",
    "ジェー",
    "ケー",
    "エル",
    "エム",
    "エヌ",
    "オー",
    "ピー",
    "キュー",
    "アール",
    "エス",
    "ティー",
    "ユー",
    "ブイ",
    "ダブリュー",
    "エックス",
    "ワイ",
    "ゼット",
];

/// Katakana for one romaji syllable ("kyo" → キョ): the tables that romanise katakana read
/// backwards, plus the kunrei-shiki spellings that romanisation never writes but partners do.
pub(crate) fn syllable_kana(romaji: &str) -> Option<&'static str> {
    static TABLE: std::sync::OnceLock<rustc_hash::FxHashMap<&'static str, String>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = rustc_hash::FxHashMap::default();
        // The first kana of a romanisation keeps it: オ not ヲ for "o", ジ not ヂ for "ji".
        for (kana, latin) in MORA_ROWS.chars().zip(MORA_LATIN) {
            t.entry(latin).or_insert_with(|| kana.to_string());
        }
        for c in MORA_ROWS.chars() {
            for small in ['ャ', 'ュ', 'ョ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ'] {
                if let Some(latin) = digraph(c, small) {
                    t.entry(latin).or_insert_with(|| format!("{c}{small}"));
                }
            }
        }
        for (latin, kana) in [
            ("si", "シ"),
            ("ti", "チ"),
            ("tu", "ツ"),
            ("hu", "フ"),
            ("zi", "ジ"),
            ("di", "ヂ"),
            ("du", "ヅ"),
            ("wo", "ヲ"),
        ] {
            t.insert(latin, kana.to_string());
        }
        t
    });
    table.get(romaji).map(String::as_str)
}

fn digraph(c: char, n: char) -> Option<&'static str> {
    let small = match n {
        'ャ' => 'a',
        'ュ' => 'u',
        'ョ' => 'o',
        'ァ' => 'A',
        'ィ' => 'I',
        'ゥ' => 'U',
        'ェ' => 'E',
        'ォ' => 'O',
        _ => return None,
    };
    Some(match (c, small) {
        ('キ', 'a') => "kya",
        ('キ', 'u') => "kyu",
        ('キ', 'o') => "kyo",
        ('シ', 'a') => "sha",
        ('シ', 'u') => "shu",
        ('シ', 'o') => "sho",
        ('シ', 'E') => "she",
        ('チ', 'a') => "cha",
        ('チ', 'u') => "chu",
        ('チ', 'o') => "cho",
        ('チ', 'E') => "che",
        ('ニ', 'a') => "nya",
        ('ニ', 'u') => "nyu",
        ('ニ', 'o') => "nyo",
        ('ヒ', 'a') => "hya",
        ('ヒ', 'u') => "hyu",
        ('ヒ', 'o') => "hyo",
        ('ミ', 'a') => "mya",
        ('ミ', 'u') => "myu",
        ('ミ', 'o') => "myo",
        ('リ', 'a') => "rya",
        ('リ', 'u') => "ryu",
        ('リ', 'o') => "ryo",
        ('ギ', 'a') => "gya",
        ('ギ', 'u') => "gyu",
        ('ギ', 'o') => "gyo",
        ('ジ', 'a') => "ja",
        ('ジ', 'u') => "ju",
        ('ジ', 'o') => "jo",
        ('ジ', 'E') => "je",
        ('ビ', 'a') => "bya",
        ('ビ', 'u') => "byu",
        ('ビ', 'o') => "byo",
        ('ピ', 'a') => "pya",
        ('ピ', 'u') => "pyu",
        ('ピ', 'o') => "pyo",
        ('テ', 'I') => "ti",
        ('デ', 'I') => "di",
        ('デ', 'U') => "du",
        ('ト', 'U') => "tu",
        ('フ', 'A') => "fa",
        ('フ', 'I') => "fi",
        ('フ', 'E') => "fe",
        ('フ', 'O') => "fo",
        ('ウ', 'I') => "wi",
        ('ウ', 'E') => "we",
        ('ウ', 'O') => "wo",
        ('ヴ', 'A') => "va",
        ('ヴ', 'I') => "vi",
        ('ヴ', 'E') => "ve",
        ('ヴ', 'O') => "vo",
        ('ツ', 'A') => "tsa",
        _ => return None,
    })
}

/// The katakana the romanisation tables cover, and how each is written in latin letters.
const MORA_ROWS: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョ";
const MORA_LATIN: [&str; 80] = [
    "a", "i", "u", "e", "o", "ka", "ki", "ku", "ke", "ko", "sa", "shi", "su", "se", "so", "ta",
    "chi", "tsu", "te", "to", "na", "ni", "nu", "ne", "no", "ha", "hi", "fu", "he", "ho", "ma",
    "mi", "mu", "me", "mo", "ya", "yu", "yo", "ra", "ri", "ru", "re", "ro", "wa", "o", "n", "ga",
    "gi", "gu", "ge", "go", "za", "ji", "zu", "ze", "zo", "da", "ji", "zu", "de", "do", "ba", "bi",
    "bu", "be", "bo", "pa", "pi", "pu", "pe", "po", "vu", "a", "i", "u", "e", "o", "ya", "yu",
    "yo",
];

fn mora(c: char) -> Option<&'static str> {
    static TABLE: std::sync::OnceLock<Vec<Option<&'static str>>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = vec![None; 0x60];
        for (r, latin) in MORA_ROWS.chars().zip(MORA_LATIN) {
            t[r as usize - 0x30A0] = Some(latin);
        }
        t
    });
    (c as usize)
        .checked_sub(0x30A0)
        .and_then(|i| table.get(i).copied().flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn katakana_names_read_as_their_usual_romanisation() {
        assert_eq!(
            katakana_to_latin("サイメディア"),
            Some(loosen_latin("saimedia"))
        );
        assert_eq!(katakana_to_latin("リーフ"), Some(loosen_latin("rifu")));
        assert_eq!(
            katakana_to_latin("マックスブライト"),
            Some(loosen_latin("makkusuburaito"))
        );
        assert_eq!(
            katakana_to_latin("トウキョウ"),
            katakana_to_latin("トーキョー")
        );
        assert_eq!(
            katakana_to_latin("ヤスックス").map(|s| s == loosen_latin("yasukkusu")),
            Some(true)
        );
    }

    #[test]
    fn romanisation_spellings_of_one_reading_meet() {
        assert_eq!(loosen_latin("tokyo"), loosen_latin("toukyou"));
        assert_eq!(loosen_latin("shinjuku"), loosen_latin("sinzyuku"));
        assert_eq!(loosen_latin("ohno"), loosen_latin("ono"));
    }

    #[test]
    fn text_with_kanji_has_no_latin_reading() {
        assert_eq!(katakana_to_latin("東京システム"), None);
    }

    #[test]
    fn acronyms_read_letter_by_letter() {
        assert_eq!(acronym_reading("mkc").as_deref(), Some("エムケーシー"));
        assert_eq!(
            acronym_reading("dtmy").as_deref(),
            Some("ディーティーエムワイ")
        );
        assert_eq!(acronym_reading("toolongname"), None);
        assert_eq!(acronym_reading("ab1"), None);
    }
}
