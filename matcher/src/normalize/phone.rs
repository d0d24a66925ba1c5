//! Phone numbers to bare national digits ("0312345678"), the form both sides compare in.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// Digits of the first phone number in `raw`, in national form: full-width digits folded,
/// hyphens, parentheses and labels ("TEL:", "代表") dropped, +81 (or 81 with the trunk 0
/// missing) turned back into the leading 0. None when no plausible number (10–11 digits
/// starting with 0) is there.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let s: Cow<str> = if raw.is_ascii() {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(raw.nfkc().collect())
    };
    // Only the first number counts: "03-1234-5678 / 090-…" lists a second line.
    let start = s.find(|c: char| c.is_ascii_digit() || c == '+')?;
    let mut digits = String::with_capacity(12);
    let mut international = false;
    for c in s[start..].chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() => international = true,
            '-' | '(' | ')' | ' ' | '.' | '‐' | '−' | 'ー' | '‑' | '–' | '—' => {}
            _ => break,
        }
    }
    if international || (digits.starts_with("81") && digits.len() >= 11) {
        let rest = digits.strip_prefix("81")?;
        // "+81 (0)3 …" keeps the trunk zero in parentheses.
        digits = if rest.starts_with('0') {
            rest.to_string()
        } else {
            format!("0{rest}")
        };
    }
    (digits.starts_with('0') && (10..=11).contains(&digits.len())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_labels_are_dropped() {
        for raw in [
            "03-1234-5678",
            "03(1234)5678",
            "(03)1234-5678",
            "0312345678",
            "TEL:03-1234-5678",
            "代表 03-1234-5678",
            "03 1234 5678",
        ] {
            assert_eq!(normalize_phone(raw).as_deref(), Some("0312345678"), "{raw}");
        }
    }

    #[test]
    fn full_width_digits_and_dashes_fold() {
        assert_eq!(
            normalize_phone("０３－３５１４－５８４３").as_deref(),
            Some("0335145843")
        );
        assert_eq!(
            normalize_phone("０６ー７９９４ー２１４６").as_deref(),
            Some("0679942146")
        );
    }

    #[test]
    fn the_country_code_becomes_the_trunk_zero() {
        assert_eq!(
            normalize_phone("+81-6-2425-6714").as_deref(),
            Some("0624256714")
        );
        assert_eq!(
            normalize_phone("+81 (0)3-1234-5678").as_deref(),
            Some("0312345678")
        );
        assert_eq!(
            normalize_phone("+81 90 1234 5678").as_deref(),
            Some("09012345678")
        );
    }

    #[test]
    fn mobile_and_free_dial_numbers_are_kept() {
        assert_eq!(
            normalize_phone("090-5388-2966").as_deref(),
            Some("09053882966")
        );
        assert_eq!(
            normalize_phone("0120-973-729").as_deref(),
            Some("0120973729")
        );
    }

    #[test]
    fn only_the_first_of_several_numbers_counts() {
        assert_eq!(
            normalize_phone("03-1234-5678 / 090-1111-2222").as_deref(),
            Some("0312345678")
        );
    }

    #[test]
    fn blanks_and_fragments_are_not_phones() {
        assert_eq!(normalize_phone(""), None);
        assert_eq!(normalize_phone("内線123"), None);
        assert_eq!(normalize_phone("1234-5678"), None);
    }
}
