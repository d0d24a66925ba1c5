//! Where exactly a company or a posting says it is, below the city: the street key and the
//! postal code, kept as hashes so that 1.4 M companies cost a few bytes each.

use super::keys::hash_str;

/// Where exactly a company or a posting says it is, below the city: street and postal code,
/// kept as hashes (0 = not stated).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Site {
    pub(crate) town: u32,
    pub(crate) street: u64,
    pub(crate) parts: u8,
    pub(crate) postal: u32,
}

impl Site {
    pub(crate) fn new(street: Option<&str>, postal: Option<&str>) -> Self {
        let mut site = Site {
            postal: postal.and_then(|p| p.parse().ok()).unwrap_or(0),
            ..Site::default()
        };
        if let Some((town, numbers)) = street.and_then(|s| s.split_once(':')) {
            site.town = (hash_str(town) >> 32) as u32 | 1;
            site.street = hash_str(street.unwrap_or_default()) | 1;
            site.parts = numbers.split('-').count() as u8;
        }
        site
    }

    /// Yes: the same street or postal code; No: the same town with other block numbers, or
    /// another town, or another postal code; Unknown when either side says too little.
    pub(crate) fn agreement(&self, other: &Site) -> Option<bool> {
        if self.street != 0 && self.street == other.street {
            return Some(true);
        }
        if self.postal != 0 && self.postal == other.postal {
            return Some(true);
        }
        if self.town != 0 && other.town != 0 {
            if self.town != other.town || self.parts == other.parts {
                return Some(false);
            }
            return None;
        }
        (self.postal != 0 && other.postal != 0).then_some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn street(key: &str) -> Site {
        Site::new(Some(key), None)
    }

    #[test]
    fn a_shorter_street_does_not_disagree_with_a_longer_one() {
        assert_eq!(
            street("北野:7-29-6").agreement(&street("北野:7-29-6")),
            Some(true)
        );
        assert_eq!(street("北野:7").agreement(&street("北野:7-29-6")), None);
        assert_eq!(
            street("北野:7-29-5").agreement(&street("北野:7-29-6")),
            Some(false)
        );
        assert_eq!(
            street("南野:7-29-6").agreement(&street("北野:7-29-6")),
            Some(false)
        );
    }

    #[test]
    fn the_same_postal_code_agrees_and_another_disagrees() {
        let at = |postal| Site::new(None, Some(postal));
        assert_eq!(at("6306504").agreement(&at("6306504")), Some(true));
        assert_eq!(at("6306504").agreement(&at("6306505")), Some(false));
        assert_eq!(Site::default().agreement(&at("6306504")), None);
    }
}
