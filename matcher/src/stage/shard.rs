//! Sharding a run across AWS Batch array children: each child takes a stable hash share of
//! the postings, so the children together cover every posting exactly once.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Child `index` of `count` (`--shard I/N`, 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    #[error("shard must be I/N with 0 <= I < N, got {0:?}")]
    Syntax(String),
}

impl Shard {
    pub fn new(index: u32, count: u32) -> Result<Self, ShardError> {
        if count == 0 || index >= count {
            return Err(ShardError::Syntax(format!("{index}/{count}")));
        }
        Ok(Self { index, count })
    }

    /// Whether this shard matches the posting. The hash is fixed (FNV-1a, 64 bit), never
    /// std's per-process randomised hasher, so every child and every re-run agrees.
    pub fn owns_posting(&self, partner: &str, posting_id: &str) -> bool {
        let mut h = Fnv1a::new();
        h.write(partner.as_bytes());
        // A separator byte that cannot occur in UTF-8 keeps ("ab","c") apart from ("a","bc").
        h.write(&[0xff]);
        h.write(posting_id.as_bytes());
        h.finish() % u64::from(self.count) == u64::from(self.index)
    }

    /// Rows the contract rejected need no matching; shard 0 alone reports them, so that the
    /// shards' rejected.csv files together hold each rejected row once.
    pub fn owns_rejections(&self) -> bool {
        self.index == 0
    }

    /// The directory of this shard's files under `runs/<run_id>/`.
    pub fn dir_name(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, ShardError> {
        let err = || ShardError::Syntax(s.to_owned());
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let i = i.trim().parse().map_err(|_| err())?;
        let n = n.trim().parse().map_err(|_| err())?;
        Self::new(i, n).map_err(|_| err())
    }
}

/// FNV-1a, 64 bit (Fowler–Noll–Vo): tiny, fixed, and good enough to spread ids evenly.
pub(crate) struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub(crate) fn new() -> Self {
        Self(Self::OFFSET)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fnv(s: &str) -> u64 {
        let mut h = Fnv1a::new();
        h.write(s.as_bytes());
        h.finish()
    }

    #[test]
    fn the_hash_is_the_published_fnv1a_64() {
        // Test vectors from the FNV reference (isthe.com/chongo/tech/comp/fnv).
        assert_eq!(fnv(""), 0xcbf29ce484222325);
        assert_eq!(fnv("a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv("foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn shard_specs_parse_as_index_slash_count() {
        assert_eq!("1/4".parse(), Ok(Shard { index: 1, count: 4 }));
        assert_eq!("0/1".parse(), Ok(Shard { index: 0, count: 1 }));
        for bad in ["4/4", "1/0", "1", "a/2", "-1/2", "1/2/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_posting_belongs_to_exactly_one_shard() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard::new(i, 3).unwrap()).collect();
        let mut per_shard = [0usize; 3];
        for n in 0..3000 {
            let id = format!("P{n}");
            let owners: Vec<usize> = (0..3)
                .filter(|&i| shards[i].owns_posting("acme", &id))
                .collect();
            assert_eq!(owners.len(), 1, "{id}");
            per_shard[owners[0]] += 1;
        }
        // An even spread, loosely: each shard gets a fair part of the work.
        assert!(per_shard.iter().all(|&c| c > 800), "{per_shard:?}");
    }

    #[test]
    fn the_partner_is_part_of_the_share() {
        let two = Shard::new(0, 2).unwrap();
        let differs = (0..100).any(|n| {
            let id = format!("P{n}");
            two.owns_posting("acme", &id) != two.owns_posting("globex", &id)
        });
        assert!(differs);
    }
}
