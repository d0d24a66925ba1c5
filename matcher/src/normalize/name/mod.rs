//! Company-name normalisation. (Placeholder; the real rules replace this.)

/// A company name reduced to a comparable key, with what was split off kept as attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormalizedName {
    /// The name with legal form, branch words, width, case, spacing and variants folded.
    pub key: String,
    /// The legal form found in the name (e.g. "株式会社"), in canonical spelling.
    pub legal_form: Option<&'static str>,
    /// Branch / office words removed from the end (e.g. "大阪支店").
    pub branch: Option<String>,
}

pub fn normalize_name(raw: &str) -> NormalizedName {
    NormalizedName {
        key: raw.trim().to_string(),
        legal_form: None,
        branch: None,
    }
}
