//! Which character set a partner's CSV is in. Partners send UTF-8 (often with a BOM, as Excel
//! writes it) or Shift_JIS; what Japanese Windows calls Shift_JIS is really CP932
//! (Windows-31J), a superset, so both labels decode with encoding_rs's `Shift_JIS`, which is
//! the WHATWG definition and covers the CP932 extensions (①, ㈱, NEC/IBM kanji).

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8};

use super::ContractError;

/// How many leading bytes are inspected when no charset is declared.
pub const SNIFF_LEN: usize = 64 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The character sets the contract accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    Utf8,
    ShiftJis,
}

impl Charset {
    /// The name recorded in upload records and manifests.
    pub fn label(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::ShiftJis => "shift_jis",
        }
    }

    pub(crate) fn encoding(self) -> &'static Encoding {
        match self {
            Charset::Utf8 => UTF_8,
            Charset::ShiftJis => SHIFT_JIS,
        }
    }

    /// A declared charset label (e.g. from `Content-Type: text/csv; charset=...`), matched
    /// case-insensitively; `None` when the label is not one we accept.
    pub fn from_label(label: &str) -> Option<Charset> {
        match label.trim().trim_matches('"').to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Charset::Utf8),
            "shift_jis" | "shift-jis" | "sjis" | "cp932" | "windows-31j" | "x-sjis"
            | "ms_kanji" => Some(Charset::ShiftJis),
            _ => None,
        }
    }
}

impl std::fmt::Display for Charset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The charset of a stream given its first bytes (up to [`SNIFF_LEN`]) and an optional declared
/// label, and whether it starts with a UTF-8 byte-order mark.
///
/// Order of evidence: a UTF-8 BOM wins over everything (a file cannot carry one by accident),
/// then a declared label, then sniffing: bytes that are valid UTF-8 (a character cut off by the
/// end of the sniffed window still counts) are UTF-8, anything else is taken as Shift_JIS, the
/// only other charset partners send.
pub fn detect(head: &[u8], declared: Option<&str>) -> Result<(Charset, bool), ContractError> {
    let declared = match declared.map(str::trim).filter(|d| !d.is_empty()) {
        Some(label) => Some(
            Charset::from_label(label)
                .ok_or_else(|| ContractError::UnknownCharset(label.to_owned()))?,
        ),
        None => None,
    };
    if head.starts_with(UTF8_BOM) {
        return Ok((Charset::Utf8, true));
    }
    if let Some(charset) = declared {
        return Ok((charset, false));
    }
    let looks_utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        // `error_len() == None`: the input ended in the middle of a valid sequence.
        Err(e) => e.error_len().is_none(),
    };
    Ok((
        if looks_utf8 {
            Charset::Utf8
        } else {
            Charset::ShiftJis
        },
        false,
    ))
}

/// Length of the BOM at the start of `head` that the decoder must skip.
pub(crate) fn bom_len(head: &[u8]) -> usize {
    if head.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utf8_bom_means_utf8_even_when_shift_jis_is_declared() {
        assert_eq!(
            detect(b"\xEF\xBB\xBFa,b\n", Some("shift_jis")).unwrap(),
            (Charset::Utf8, true)
        );
    }

    #[test]
    fn every_accepted_label_maps_to_its_charset_whatever_its_case() {
        for l in ["utf-8", "UTF8", " utf-8 "] {
            assert_eq!(Charset::from_label(l), Some(Charset::Utf8), "{l}");
        }
        for l in [
            "shift_jis",
            "Shift_JIS",
            "SJIS",
            "cp932",
            "Windows-31J",
            "x-sjis",
            "MS_Kanji",
        ] {
            assert_eq!(Charset::from_label(l), Some(Charset::ShiftJis), "{l}");
        }
    }

    #[test]
    fn an_unknown_declared_label_is_an_error_naming_it() {
        match detect(b"a,b\n", Some("latin1")) {
            Err(ContractError::UnknownCharset(l)) => assert_eq!(l, "latin1"),
            other => panic!("expected UnknownCharset, got {other:?}"),
        }
    }

    #[test]
    fn a_declared_label_is_honoured_without_a_bom() {
        assert_eq!(
            detect("会社".as_bytes(), Some("sjis")).unwrap(),
            (Charset::ShiftJis, false)
        );
    }

    #[test]
    fn sniffing_tells_utf8_from_shift_jis() {
        let (sjis, _, _) = SHIFT_JIS.encode("求人ID,会社名\n");
        assert_eq!(detect(&sjis, None).unwrap().0, Charset::ShiftJis);
        assert_eq!(
            detect("求人ID,会社名\n".as_bytes(), None).unwrap().0,
            Charset::Utf8
        );
        assert_eq!(detect(b"", None).unwrap().0, Charset::Utf8);
    }

    #[test]
    fn a_utf8_character_cut_by_the_sniff_window_still_counts_as_utf8() {
        let text = "会社名".as_bytes();
        assert_eq!(
            detect(&text[..text.len() - 1], None).unwrap().0,
            Charset::Utf8
        );
    }
}
