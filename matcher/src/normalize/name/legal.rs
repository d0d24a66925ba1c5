//! The legal-form table: every spelling a partner uses for the kind of entity (株式会社,
//! (株), ㈱, カブシキガイシャ, K.K., Co., Ltd., …) mapped to one canonical form.
//!
//! Patterns are written in the folded text's alphabet (NFKC, latin lower-cased, spaces
//! single), because ㈱ and （株） must already have become "(株)" before we compare.

/// (pattern, canonical form). Longer patterns come first where one contains another so that
/// "医療法人社団" wins over "医療法人".
/// The canonical form of the generic English legal forms (see [`ENGLISH`]).
pub const ENGLISH_GENERIC: &str = "Co., Ltd.";

pub(super) const JAPANESE: &[(&str, &str)] = &[
    ("特定非営利活動法人", "特定非営利活動法人"),
    ("地方独立行政法人", "独立行政法人"),
    ("独立行政法人", "独立行政法人"),
    ("社会保険労務士法人", "社会保険労務士法人"),
    ("有限責任事業組合", "有限責任事業組合"),
    ("一般社団法人", "一般社団法人"),
    ("一般財団法人", "一般財団法人"),
    ("公益社団法人", "公益社団法人"),
    ("公益財団法人", "公益財団法人"),
    ("社会福祉法人", "社会福祉法人"),
    ("社会医療法人", "医療法人"),
    ("医療法人社団", "医療法人"),
    ("医療法人財団", "医療法人"),
    ("国立大学法人", "国立大学法人"),
    ("農事組合法人", "農事組合法人"),
    ("司法書士法人", "司法書士法人"),
    ("行政書士法人", "行政書士法人"),
    ("特許業務法人", "特許業務法人"),
    ("医療法人", "医療法人"),
    ("事業協同組合", "協同組合"),
    ("協同組合", "協同組合"),
    ("学校法人", "学校法人"),
    ("宗教法人", "宗教法人"),
    ("弁護士法人", "弁護士法人"),
    ("税理士法人", "税理士法人"),
    ("監査法人", "監査法人"),
    ("社団法人", "一般社団法人"),
    ("財団法人", "一般財団法人"),
    ("npo法人", "特定非営利活動法人"),
    ("株式会社", "株式会社"),
    ("有限会社", "有限会社"),
    ("合同会社", "合同会社"),
    ("合資会社", "合資会社"),
    ("合名会社", "合名会社"),
    ("相互会社", "相互会社"),
    // Spelled out in katakana (half-width ｶﾌﾞｼｷｶﾞｲｼｬ becomes this after NFKC).
    ("カブシキガイシャ", "株式会社"),
    ("カブシキカイシャ", "株式会社"),
    ("ユウゲンガイシャ", "有限会社"),
    ("ユウゲンカイシャ", "有限会社"),
    ("ゴウドウガイシャ", "合同会社"),
    ("ゴウドウカイシャ", "合同会社"),
    ("ゴウシガイシャ", "合資会社"),
    ("ゴウメイガイシャ", "合名会社"),
    // Parenthesised abbreviations; ㈱ ㈲ ㈾ ㈴ ㈶ ㈳ and （株） all fold to these under NFKC.
    ("(特非)", "特定非営利活動法人"),
    ("(npo)", "特定非営利活動法人"),
    ("(一社)", "一般社団法人"),
    ("(一財)", "一般財団法人"),
    ("(公社)", "公益社団法人"),
    ("(公財)", "公益財団法人"),
    ("(社福)", "社会福祉法人"),
    ("(医社)", "医療法人"),
    ("(医財)", "医療法人"),
    ("(株)", "株式会社"),
    ("(有)", "有限会社"),
    ("(同)", "合同会社"),
    ("(資)", "合資会社"),
    ("(名)", "合名会社"),
    ("(医)", "医療法人"),
    ("(福)", "社会福祉法人"),
    ("(学)", "学校法人"),
    ("(宗)", "宗教法人"),
    ("(社)", "一般社団法人"),
    ("(財)", "一般財団法人"),
    ("(独)", "独立行政法人"),
    ("(協)", "協同組合"),
    // Bank-transfer kana abbreviations in full brackets ("エービーシー(カ)").
    ("(カ)", "株式会社"),
    ("(ユ)", "有限会社"),
    ("(ド)", "合同会社"),
];

/// Abbreviations that only ever come before the name: bank-transfer style (全銀協 kana,
/// "カ)ヤマダ"), a kanji abbreviation with only its closing parenthesis ("医)悠裕会"), and the
/// unbracketed short forms of 法人 kinds ("社福明心会", "一社日本…協会"). After the name
/// they would be ordinary words ("…住宅供給公社").
pub(super) const PREFIX_ONLY: &[(&str, &str)] = &[
    ("医社)", "医療法人"),
    ("社福)", "社会福祉法人"),
    ("株)", "株式会社"),
    ("有)", "有限会社"),
    ("医)", "医療法人"),
    ("福)", "社会福祉法人"),
    ("学)", "学校法人"),
    ("宗)", "宗教法人"),
    ("財)", "一般財団法人"),
    ("社)", "一般社団法人"),
    ("社福", "社会福祉法人"),
    ("一社", "一般社団法人"),
    ("一財", "一般財団法人"),
    ("公社", "公益社団法人"),
    ("公財", "公益財団法人"),
    ("特非", "特定非営利活動法人"),
    ("カ)", "株式会社"),
    ("ユ)", "有限会社"),
    ("ド)", "合同会社"),
    ("シヤ)", "一般社団法人"),
    ("ザイ)", "一般財団法人"),
    ("イ)", "医療法人"),
    ("フク)", "社会福祉法人"),
];
/// ... and the same after the name, with only the opening parenthesis: "ヤマダ(カ", "山田商事(株".
pub(super) const SUFFIX_ONLY: &[(&str, &str)] = &[
    ("(株", "株式会社"),
    ("(有", "有限会社"),
    ("(医", "医療法人"),
    ("(福", "社会福祉法人"),
    ("(カ", "株式会社"),
    ("(ユ", "有限会社"),
    ("(ド", "合同会社"),
];

/// English legal forms. They only count at a word boundary, so "kk" inside "abckk" stays.
/// "Co., Ltd.", "Inc." and the like translate 株式会社 and 有限会社 alike, so they keep an
/// English canonical form that agrees or disagrees with no Japanese one; K.K., G.K. and Y.K.
/// name one form each.
pub(super) const ENGLISH: &[(&str, &str)] = &[
    ("kabushiki kaisha", "株式会社"),
    ("kabushiki gaisha", "株式会社"),
    ("kabushikikaisha", "株式会社"),
    ("kabushikigaisha", "株式会社"),
    ("yugen kaisha", "有限会社"),
    ("yugen gaisha", "有限会社"),
    ("godo kaisha", "合同会社"),
    ("godo gaisha", "合同会社"),
    ("company limited", "Co., Ltd."),
    ("co., ltd.", "Co., Ltd."),
    ("co.,ltd.", "Co., Ltd."),
    ("co., ltd", "Co., Ltd."),
    ("co.,ltd", "Co., Ltd."),
    ("co. ltd.", "Co., Ltd."),
    ("co.ltd.", "Co., Ltd."),
    ("co. ltd", "Co., Ltd."),
    ("co.ltd", "Co., Ltd."),
    ("co ltd", "Co., Ltd."),
    ("co., limited", "Co., Ltd."),
    ("corporation", "Co., Ltd."),
    ("incorporated", "Co., Ltd."),
    ("limited", "Co., Ltd."),
    ("corp.", "Co., Ltd."),
    ("corp", "Co., Ltd."),
    ("inc.", "Co., Ltd."),
    ("inc", "Co., Ltd."),
    ("ltd.", "Co., Ltd."),
    ("ltd", "Co., Ltd."),
    ("k.k.", "株式会社"),
    ("k.k", "株式会社"),
    ("kk", "株式会社"),
    ("l.l.c.", "合同会社"),
    ("llc.", "合同会社"),
    ("llc", "合同会社"),
    ("g.k.", "合同会社"),
    ("gk", "合同会社"),
    ("y.k.", "有限会社"),
    // Last, so that every longer spelling wins; only with its dot ("co" alone is a word).
    ("co.", "Co., Ltd."),
];

pub(super) struct LegalSplit<'a> {
    pub(super) name: &'a str,
    pub(super) legal_form: Option<&'static str>,
    /// Text after a legal form written in the middle ("X株式会社 大阪支店"): what follows the
    /// legal form of a 後株 name is never part of the name.
    pub(super) trailer: Option<&'a str>,
}

pub(super) fn split_legal_form(folded: &str) -> LegalSplit<'_> {
    let mut t = folded.trim_matches(is_edge_junk);
    let mut legal_form = None;
    while let Some((rest, canon)) = strip_leading(t).or_else(|| strip_trailing(t)) {
        legal_form.get_or_insert(canon);
        t = rest.trim_matches(is_edge_junk);
    }
    // Every Japanese legal form holds one of these; most names hold none, and the scan below
    // is the costly part of indexing 1.4 M names.
    if legal_form.is_none() && t.contains(['会', '法', '組', '(', 'ャ']) {
        for &(pat, canon) in JAPANESE {
            if let Some(at) = t.find(pat) {
                let before = t[..at].trim_matches(is_edge_junk);
                let after = t[at + pat.len()..].trim_matches(is_edge_junk);
                if !before.is_empty() && !after.is_empty() {
                    return LegalSplit {
                        name: before,
                        legal_form: Some(canon),
                        trailer: Some(after),
                    };
                }
            }
        }
    }
    // "小野警備 Co., Ltd. 本店": an English legal form as a whole word in the middle.
    if legal_form.is_none() && t.contains(|c: char| c.is_ascii_alphabetic()) {
        for &(pat, canon) in ENGLISH {
            let Some(at) = t.find(pat) else { continue };
            let whole_word = !t[..at].ends_with(|c: char| c.is_ascii_alphanumeric())
                && !t[at + pat.len()..].starts_with(|c: char| c.is_ascii_alphanumeric());
            let before = t[..at].trim_matches(is_edge_junk);
            let after = t[at + pat.len()..].trim_matches(is_edge_junk);
            if whole_word && !before.is_empty() && !after.is_empty() {
                return LegalSplit {
                    name: before,
                    legal_form: Some(canon),
                    trailer: Some(after),
                };
            }
        }
    }
    LegalSplit {
        name: t,
        legal_form,
        trailer: None,
    }
}

pub(super) fn is_edge_junk(c: char) -> bool {
    c == ' ' || c == ',' || c == '、' || c == '/'
}

/// Legal-form patterns grouped by their first character (for the front of a name) and by
/// their last (for the end), so each name checks a handful of patterns, not all hundred.
struct Patterns {
    leading: rustc_hash::FxHashMap<char, Vec<(&'static str, &'static str)>>,
    trailing: rustc_hash::FxHashMap<char, Vec<(&'static str, &'static str)>>,
}

fn patterns() -> &'static Patterns {
    static P: std::sync::OnceLock<Patterns> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let mut p = Patterns {
            leading: Default::default(),
            trailing: Default::default(),
        };
        // Insertion keeps each table's order, so longer spellings still win.
        let front = JAPANESE.iter().chain(PREFIX_ONLY).chain(ENGLISH);
        for &(pat, canon) in front {
            let first = pat.chars().next().expect("patterns are not empty");
            p.leading.entry(first).or_default().push((pat, canon));
        }
        let back = JAPANESE.iter().chain(SUFFIX_ONLY).chain(ENGLISH);
        for &(pat, canon) in back {
            let last = pat.chars().next_back().expect("patterns are not empty");
            p.trailing.entry(last).or_default().push((pat, canon));
        }
        p
    })
}

fn is_english(pat: &str) -> bool {
    pat.is_ascii() && !pat.starts_with('(')
}

fn strip_leading(t: &str) -> Option<(&str, &'static str)> {
    let first = t.chars().next()?;
    strip(&patterns().leading, first, |pat| {
        let rest = t.strip_prefix(pat)?;
        Some((rest, rest.chars().next()))
    })
}

fn strip_trailing(t: &str) -> Option<(&str, &'static str)> {
    let last = t.chars().next_back()?;
    strip(&patterns().trailing, last, |pat| {
        let rest = t.strip_suffix(pat)?;
        Some((rest, rest.chars().next_back()))
    })
}

/// The first pattern filed under `end` (the name's first or last character) that `cut` takes
/// off, leaving a name: `cut` gives the rest and the character the form stood against.
fn strip<'t>(
    table: &rustc_hash::FxHashMap<char, Vec<(&'static str, &'static str)>>,
    end: char,
    cut: impl Fn(&str) -> Option<(&'t str, Option<char>)>,
) -> Option<(&'t str, &'static str)> {
    for &(pat, canon) in table.get(&end)? {
        let Some((rest, beside)) = cut(pat) else {
            continue;
        };
        // An English form counts only as a whole word: "kk" inside "kkb鉄工所" is the name.
        if is_english(pat) && beside.is_none_or(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        if !rest.trim().is_empty() {
            return Some((rest, canon));
        }
    }
    None
}
