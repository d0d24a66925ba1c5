//! Character-level folding, shared by every field, and the comparable key.

use unicode_normalization::{IsNormalized, UnicodeNormalization};

use super::variants::fold_kanji;

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
