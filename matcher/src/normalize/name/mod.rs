//! Company-name normalisation: the written name reduced to a comparable key, with the legal
//! form and any branch / office words split off as attributes (they are evidence, not noise).

mod legal;

pub use legal::ENGLISH_GENERIC;
mod variants;

pub use variants::fold_kanji;

use unicode_normalization::{IsNormalized, UnicodeNormalization};

/// A company name reduced to a comparable key, with what was split off kept as attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormalizedName {
    /// The name with legal form, branch words, width, case, spacing and variants folded.
    pub key: String,
    /// The legal form found in the name (e.g. "株式会社"), in canonical spelling.
    pub legal_form: Option<&'static str>,
    /// Branch / office words removed from the end (e.g. "大阪支店"), folded like the key.
    pub branch: Option<String>,
    /// Whether the branch words were glued to the name ("プライム渋谷支社") rather than set
    /// apart by a space or a legal form: only then may a place still be left in the key.
    pub branch_glued: bool,
}

/// Normalises a name as a partner writes it: legal form and branch words split off.
pub fn normalize_name(raw: &str) -> NormalizedName {
    let folded = fold_text(raw);
    let (core, note) = split_bracket_note(&folded);
    let split = split_legal_form(core);
    let from_trailer = split.trailer.is_some();
    let (mut name, mut branch, glued) = match split.trailer {
        Some(after) => (split.name, Some(after.to_string()), false),
        None => {
            let (name, b, glued) = split_branch(split.name, true);
            (name, b.map(str::to_string), glued)
        }
    };
    // "ABC 大阪支店 人事部": office words may be stacked; each comes off, outermost last.
    // Only words that never end a registered name count here ("カネタ 工務店" keeps its
    // 店), and never before a legal form, which marks where the name ends.
    let mut innermost_glued = glued;
    while !from_trailer
        && let Some(outer) = branch.as_deref()
        && let (inner, Some(word), glued) = split_branch(name, false)
        && !inner.is_empty()
    {
        branch = Some(format!("{word}{outer}"));
        name = inner;
        innermost_glued = glued;
    }
    let glued_office = innermost_glued
        && branch
            .as_deref()
            .is_some_and(|b| BRANCH_WORDS.iter().any(|w| b.starts_with(w)));
    // A bracketed note after the name ("(東京本社)", "[渋谷]") is never part of a registered
    // name: the registry allows no brackets in a trade name.
    if let Some(note) = note {
        branch = Some(match branch {
            Some(b) => format!("{b}{note}"),
            None => note.to_string(),
        });
    }
    let key = key_of(name);
    // A name that is nothing but a branch word ("本店") keeps it as the name.
    let (key, branch) = match branch {
        Some(b) if !key.is_empty() => (key, Some(key_of(&b)).filter(|b| !b.is_empty())),
        Some(b) => (key_of(&b), None),
        None => (key, None),
    };
    NormalizedName {
        key,
        legal_form: split.legal_form,
        branch_glued: glued_office && branch.is_some(),
        branch,
    }
}

const BRACKETS: &[(char, char)] = &[
    ('(', ')'),
    ('[', ']'),
    ('【', '】'),
    ('〈', '〉'),
    ('<', '>'),
    ('「', '」'),
    ('《', '》'),
    ('〔', '〕'),
];

/// Splits bracketed text that is no legal form off a posted name: a tag before it
/// ("【急募】") is dropped, a name wholly in brackets is unwrapped, and a note after it
/// ("(東京本社)") is returned apart.
fn split_bracket_note(folded: &str) -> (&str, Option<&str>) {
    let is_legal = |inner: &str| {
        let bracketed = format!("({inner})");
        legal::JAPANESE.iter().any(|&(p, _)| p == bracketed)
    };
    let mut t = folded.trim_matches(is_edge_junk);
    // Leading tags, possibly several ("【急募】【未経験可】").
    while let Some(first) = t.chars().next()
        && let Some(&(_, close)) = BRACKETS.iter().find(|(o, _)| *o == first)
        && let Some(end) = t.find(close)
    {
        let inner = &t[first.len_utf8()..end];
        let rest = t[end + close.len_utf8()..].trim_matches(is_edge_junk);
        if is_legal(inner) || inner.is_empty() {
            break;
        }
        t = if rest.is_empty() { inner.trim() } else { rest };
    }
    let Some(last) = t.chars().next_back() else {
        return (t, None);
    };
    let Some(&(open, _)) = BRACKETS.iter().find(|(_, c)| *c == last) else {
        return (t, None);
    };
    let Some(start) = t.rfind(open) else {
        return (t, None);
    };
    let inner = &t[start + open.len_utf8()..t.len() - last.len_utf8()];
    let before = t[..start].trim_matches(is_edge_junk);
    if before.is_empty() || inner.trim().is_empty() || is_legal(inner) {
        return (t, None);
    }
    (before, Some(inner))
}

/// Normalises a name as the registry records it: the legal form is split off, but nothing is
/// read as a branch, because a registered name never carries one ("…商店", "…本店" there are
/// part of the name).
pub fn normalize_registered_name(raw: &str) -> NormalizedName {
    let folded = fold_text(raw);
    let split = split_legal_form(&folded);
    let name = match split.trailer {
        Some(_) => folded.as_str(),
        None => split.name,
    };
    let mut key = key_of(name);
    if key.is_empty() {
        key = key_of(&folded);
    }
    NormalizedName {
        key,
        legal_form: split.legal_form,
        branch: None,
        branch_glued: false,
    }
}

/// Character-level folding shared by every field: NFKC (full-width latin and digits to ASCII,
/// half-width katakana to full-width, ㈱ to "(株)"), latin lower case, long-vowel marks,
/// middle dots, variant kanji, and whitespace runs to one ASCII space.
pub fn fold_text(raw: &str) -> String {
    // Most registry text is already NFKC; checking is much cheaper than normalising.
    if unicode_normalization::is_nfkc_quick(raw.chars()) == IsNormalized::Yes {
        fold_chars(raw.chars())
    } else {
        fold_chars(raw.nfkc())
    }
}

fn fold_chars(chars: impl Iterator<Item = char>) -> String {
    let (lower, _) = chars.size_hint();
    let mut out = String::with_capacity(lower * 3);
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        let c = match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            // Middle dots separate words inside katakana names; partners add or drop them.
            '・' | '･' | '·' | '•' | '‧' | '∙' => continue,
            c if is_dash(c) => {
                if out.chars().next_back().is_some_and(is_katakana_or_mark) {
                    // A dash after katakana is a long-vowel mark typed with the wrong key.
                    'ー'
                } else {
                    '-'
                }
            }
            c => fold_kanji(c),
        };
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if c == 'ー' && out.ends_with('ー') {
            continue;
        }
        out.push(c);
    }
    out
}

/// The comparable key: letters, digits, kana and kanji only (and '&', which names use as a
/// word); spaces, dots and other punctuation dropped.
pub fn key_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() || c == '&' {
            if c == 'ー' && (out.is_empty() || out.ends_with('ー')) {
                continue;
            }
            out.push(c);
        }
    }
    out
}

pub(crate) fn is_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30FA}').contains(&c)
}

fn is_katakana_or_mark(c: char) -> bool {
    is_katakana(c) || c == 'ー'
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '‐'
            | '‑'
            | '‒'
            | '–'
            | '—'
            | '―'
            | '−'
            | 'ｰ'
            | '〜'
            | '~'
            | '～'
            | '﹣'
            | 'ー'
    )
}

struct LegalSplit<'a> {
    name: &'a str,
    legal_form: Option<&'static str>,
    /// Text after a legal form written in the middle ("X株式会社 大阪支店"): what follows the
    /// legal form of a 後株 name is never part of the name.
    trailer: Option<&'a str>,
}

fn split_legal_form(folded: &str) -> LegalSplit<'_> {
    let mut t = folded.trim_matches(is_edge_junk);
    let mut legal_form = None;
    while let Some((rest, canon)) = strip_leading(t).or_else(|| strip_trailing(t)) {
        legal_form.get_or_insert(canon);
        t = rest.trim_matches(is_edge_junk);
    }
    // Every Japanese legal form holds one of these; most names hold none, and the scan below
    // is the costly part of indexing 1.4 M names.
    if legal_form.is_none() && t.contains(['会', '法', '組', '(', 'ャ']) {
        for &(pat, canon) in legal::JAPANESE {
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
        for &(pat, canon) in legal::ENGLISH {
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

fn is_edge_junk(c: char) -> bool {
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
        let front = legal::JAPANESE
            .iter()
            .chain(legal::PREFIX_ONLY)
            .chain(legal::ENGLISH);
        for &(pat, canon) in front {
            let first = pat.chars().next().expect("patterns are not empty");
            p.leading.entry(first).or_default().push((pat, canon));
        }
        let back = legal::JAPANESE
            .iter()
            .chain(legal::SUFFIX_ONLY)
            .chain(legal::ENGLISH);
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
    for &(pat, canon) in patterns().leading.get(&first)? {
        let Some(rest) = t.strip_prefix(pat) else {
            continue;
        };
        // An English form counts only as a whole word: "kk" inside "kkb鉄工所" is the name.
        if is_english(pat) && !rest.starts_with(|c: char| !c.is_ascii_alphanumeric()) {
            continue;
        }
        if !rest.trim().is_empty() {
            return Some((rest, canon));
        }
    }
    None
}

fn strip_trailing(t: &str) -> Option<(&str, &'static str)> {
    let last = t.chars().next_back()?;
    for &(pat, canon) in patterns().trailing.get(&last)? {
        let Some(rest) = t.strip_suffix(pat) else {
            continue;
        };
        if is_english(pat) && !rest.ends_with(|c: char| !c.is_ascii_alphanumeric()) {
            continue;
        }
        if !rest.trim().is_empty() {
            return Some((rest, canon));
        }
    }
    None
}

/// Office words that only ever name a part of a company, so they may be glued to the name
/// ("プライム渋谷支社").
const BRANCH_WORDS: &[&str] = &[
    "営業本部",
    "支店",
    "営業所",
    "支社",
    "出張所",
    "事業所",
    "事業部",
    "営業部",
    "本社",
    "本店",
    "工場",
    "本部",
    "支部",
    "分室",
    "分店",
    "採用担当",
    "採用係",
    "採用事務局",
    "人事部",
    "人事課",
    "総務部",
    "総務課",
];

/// Words that end many registered names too ("…商店", "…センター"), so they only count as a
/// branch when written as a separate word ("ABC 渋谷店").
const BRANCH_WORDS_SEPARATE: &[&str] = &[
    "店",
    "センター",
    "グループ",
    "オフィス",
    "事務所",
    "ステーション",
    "倉庫",
    "部",
    "課",
    "係",
    "担当",
    "事務局",
    // A facility a corporation runs, after its name ("医療法人社団 ABC会 ABCクリニック").
    "クリニック",
    "病院",
    "医院",
    "診療所",
    "保育園",
    "幼稚園",
];

/// Words that may end a registered name but, glued to a name that is registered without
/// them, usually name a site ("朝日工務店世田谷センター"). The engine tries the name without
/// them as a second choice.
pub const GLUED_SITE_WORDS: &[&str] = &["センター", "グループ", "オフィス"];

/// The name, the branch words cut from its end, and whether they were glued to it.
/// `weak`: also the words that end registered names too, when written apart.
fn split_branch(name: &str, weak: bool) -> (&str, Option<&str>, bool) {
    if let Some((before, last)) = name.rsplit_once(' ') {
        let before = before.trim_end();
        let weak_words = if weak { BRANCH_WORDS_SEPARATE } else { &[] };
        let is_branch = BRANCH_WORDS
            .iter()
            .chain(weak_words)
            .any(|w| last.ends_with(w));
        if is_branch && !before.is_empty() {
            return (before, Some(last), false);
        }
    }
    for w in BRANCH_WORDS {
        if let Some(before) = name.strip_suffix(w)
            && before.chars().count() >= 2
        {
            return (before.trim_end(), Some(w), true);
        }
    }
    (name, None, false)
}

#[cfg(test)]
mod tests;
