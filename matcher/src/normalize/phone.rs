//! Phone numbers to bare national digits. (Placeholder.)

pub fn normalize_phone(raw: &str) -> Option<String> {
    let d: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    (d.len() >= 9).then_some(d)
}
