//! Company-name normalisation: the written name reduced to a comparable key, with the legal
//! form and any branch / office words split off as attributes (they are evidence, not noise).

mod branch;
mod fold;
mod legal;
mod variants;

pub use branch::GLUED_SITE_WORDS;
use branch::{BRANCH_WORDS, split_branch};
pub(crate) use fold::is_katakana;
pub use fold::{fold_text, key_of};
pub use legal::ENGLISH_GENERIC;
use legal::{is_edge_junk, split_legal_form};
pub use variants::fold_kanji;

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

#[cfg(test)]
mod tests;
