//! Identifiers that end up inside object keys and database rows. Each is parsed once at the
//! boundary, so a value of these types is always safe to put into a key: no `/`, no `..`, no NUL.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error(
        "invalid partner id {0:?}: expected 1-63 characters of a-z, 0-9, '_' or '-', starting with a letter or digit"
    )]
    Partner(String),
    #[error("invalid upload id {0:?}: expected a UUID version 7")]
    Upload(String),
    #[error("invalid run id {0:?}: expected YYYYMMDDTHHMMSSZ-xxxxxxxx")]
    Run(String),
}

/// A partner's name as it appears in object keys: `^[a-z0-9][a-z0-9_-]{0,62}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartnerId(String);

impl PartnerId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let bytes = s.as_bytes();
        let ok = !bytes.is_empty()
            && bytes.len() <= 63
            && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
            && bytes
                .iter()
                .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::Partner(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One upload, a UUIDv7 so that ids sort by the time they were issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UploadId(Uuid);

impl UploadId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn parse(s: &str) -> Result<Self, IdError> {
        match Uuid::try_parse(s) {
            Ok(u) if u.get_version_num() == 7 => Ok(Self(u)),
            _ => Err(IdError::Upload(s.to_owned())),
        }
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for UploadId {
    fn default() -> Self {
        Self::new()
    }
}

/// One matcher run: `YYYYMMDDTHHMMSSZ-xxxxxxxx` (UTC start time, then 8 random hex digits),
/// so that listing `runs/` in key order lists runs in time order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(String);

const RUN_TIME_FORMAT: &str = "%Y%m%dT%H%M%SZ";

impl RunId {
    pub fn new() -> Self {
        Self::at(Utc::now())
    }

    /// A run id for a given start time (the suffix is still random).
    pub fn at(time: DateTime<Utc>) -> Self {
        let random = Uuid::new_v4().as_u128() as u32;
        Self(format!("{}-{random:08x}", time.format(RUN_TIME_FORMAT)))
    }

    pub fn parse(s: &str) -> Result<Self, IdError> {
        let err = || IdError::Run(s.to_owned());
        let (time, suffix) = s.split_once('-').ok_or_else(err)?;
        let suffix_ok = suffix.len() == 8
            && suffix
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !suffix_ok || time.len() != 16 || !time.is_ascii() {
            return Err(err());
        }
        NaiveDateTime::parse_from_str(time, RUN_TIME_FORMAT).map_err(|_| err())?;
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The run's start time, to the second.
    pub fn started_at(&self) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(&self.0[..16], RUN_TIME_FORMAT)
            .map(|t| t.and_utc())
            .unwrap_or_default()
    }
}

impl Default for RunId {
    fn default() -> Self {
        Self::new()
    }
}

macro_rules! text_id {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $t {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_id!(PartnerId);
text_id!(UploadId);
text_id!(RunId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_ids_are_lowercase_ascii_words() {
        for ok in ["acme", "a", "job-board_2", "0abc"] {
            assert!(PartnerId::parse(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(64);
        for bad in [
            "", "../x", "a/b", "a\0b", "Acme", "求人", "-lead", "_lead", "a b", "a.b", &long,
        ] {
            assert!(PartnerId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn upload_ids_round_trip_through_text_and_refuse_other_uuid_versions() {
        let id = UploadId::new();
        assert_eq!(UploadId::parse(&id.to_string()), Ok(id));
        assert!(UploadId::parse(&Uuid::new_v4().to_string()).is_err());
        assert!(UploadId::parse("../etc").is_err());
    }

    #[test]
    fn run_ids_sort_by_start_time_and_round_trip() {
        let early = RunId::at("2026-01-02T03:04:05Z".parse().unwrap());
        let late = RunId::at("2026-01-02T03:04:06Z".parse().unwrap());
        assert!(early < late);
        assert!(early.as_str().starts_with("20260102T030405Z-"));
        assert_eq!(RunId::parse(early.as_str()), Ok(early.clone()));
        assert_eq!(
            early.started_at(),
            "2026-01-02T03:04:05Z".parse::<DateTime<Utc>>().unwrap()
        );
        for bad in [
            "20260102T030405Z",
            "20260102T030405Z-XYZ12345",
            "2026-01-02-abcdef12",
            "20261302T030405Z-abcdef12",
        ] {
            assert!(RunId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_serialize_as_plain_strings() {
        let p = PartnerId::parse("acme").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"acme\"");
        assert!(serde_json::from_str::<PartnerId>("\"../x\"").is_err());
    }
}
