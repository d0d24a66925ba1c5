//! Prefecture and city from free-text Japanese addresses. (Placeholder.)

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// Canonical prefecture name, e.g. "東京都".
    pub prefecture: Option<&'static str>,
    /// City / ward as written in the master, e.g. "横浜市中区" or "千代田区".
    pub city: Option<String>,
}

pub fn parse_address(_raw: &str) -> Address {
    Address::default()
}
