//! Web addresses to a bare host. (Placeholder.)

pub fn normalize_domain(raw: &str) -> Option<String> {
    let s = raw.trim();
    (!s.is_empty()).then(|| s.to_ascii_lowercase())
}
