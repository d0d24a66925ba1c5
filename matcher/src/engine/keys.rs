//! A compact multimap from a 64-bit key to company ids: one sorted id array plus a hash map
//! of ranges, so 1.4 M companies cost two allocations, not one `Vec` per key.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};

/// Company position in the index (companies sorted by corporate number).
pub(crate) type Id = u32;

#[derive(Default)]
pub(crate) struct KeyIndex {
    ranges: FxHashMap<u64, (u32, u32)>,
    ids: Vec<Id>,
}

impl KeyIndex {
    /// Builds from (key, id) pairs in any order; ids under one key come out ascending.
    pub(crate) fn build(mut pairs: Vec<(u64, Id)>) -> Self {
        pairs.par_sort_unstable();
        pairs.dedup();
        let distinct = pairs.par_windows(2).filter(|w| w[0].0 != w[1].0).count() + 1;
        let mut ranges = FxHashMap::with_capacity_and_hasher(distinct, Default::default());
        let mut start = 0usize;
        while start < pairs.len() {
            let key = pairs[start].0;
            let mut end = start + 1;
            while end < pairs.len() && pairs[end].0 == key {
                end += 1;
            }
            ranges.insert(key, (start as u32, (end - start) as u32));
            start = end;
        }
        let ids = pairs.into_iter().map(|(_, id)| id).collect();
        Self { ranges, ids }
    }

    /// Builds from each id's keys (distinct within one id) without a (key, id) pair per entry:
    /// for the bigrams, many per company, those pairs would be the largest allocation of the
    /// whole build. Counted first, then filled in id order, so ids under a key ascend.
    pub(crate) fn build_grouped(n: usize, keys_of: impl Fn(Id) -> Vec<u64> + Sync) -> Self {
        let threads = rayon::current_num_threads().max(1);
        let span = n.div_ceil(threads).max(1);
        let counts = (0..n)
            .step_by(span)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|from| {
                let mut m: FxHashMap<u64, u32> = FxHashMap::default();
                for id in from..(from + span).min(n) {
                    for k in keys_of(id as Id) {
                        *m.entry(k).or_default() += 1;
                    }
                }
                m
            })
            .reduce(FxHashMap::default, |mut a, mut b| {
                if a.len() < b.len() {
                    std::mem::swap(&mut a, &mut b);
                }
                for (k, c) in b {
                    *a.entry(k).or_default() += c;
                }
                a
            });
        let mut ranges = FxHashMap::with_capacity_and_hasher(counts.len(), Default::default());
        let mut total = 0u32;
        for (k, c) in counts {
            ranges.insert(k, (total, 0));
            total = total.checked_add(c).expect("fewer than 2^32 index entries");
        }
        let mut ids = vec![0 as Id; total as usize];
        for id in 0..n as Id {
            for k in keys_of(id) {
                let r = ranges.get_mut(&k).expect("every key was counted");
                ids[(r.0 + r.1) as usize] = id;
                r.1 += 1;
            }
        }
        Self { ranges, ids }
    }

    pub(crate) fn get(&self, key: u64) -> &[Id] {
        match self.ranges.get(&key) {
            Some(&(s, n)) => &self.ids[s as usize..(s + n) as usize],
            None => &[],
        }
    }
}

pub(crate) fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    // Fx mixes poorly in the low bits for short inputs; one multiply spreads them.
    h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Key of a character bigram: the two code points side by side, no hashing needed.
pub(crate) fn bigram(a: char, b: char) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// The distinct bigrams of a key, in first-seen order (a one-character key is its own gram).
pub(crate) fn bigrams(key: &str) -> Vec<u64> {
    let chars: Vec<char> = key.chars().collect();
    let mut out: Vec<u64> = Vec::with_capacity(chars.len());
    if chars.len() == 1 {
        out.push(bigram(chars[0], '\0'));
    }
    for w in chars.windows(2) {
        let g = bigram(w[0], w[1]);
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_grouped_by_key_and_sorted() {
        let idx = KeyIndex::build(vec![(7, 3), (1, 2), (7, 1), (7, 3)]);
        assert_eq!(idx.get(7), &[1, 3]);
        assert_eq!(idx.get(1), &[2]);
        assert!(idx.get(99).is_empty());
    }

    #[test]
    fn a_grouped_build_equals_one_from_pairs() {
        let keys = |id: Id| match id {
            0 => vec![5, 9],
            1 => vec![],
            2 => vec![9, 1, 5],
            _ => vec![1],
        };
        let grouped = KeyIndex::build_grouped(4, keys);
        let pairs = KeyIndex::build(
            (0..4)
                .flat_map(|id| keys(id).into_iter().map(move |k| (k, id)))
                .collect(),
        );
        for k in [1, 5, 9, 7] {
            assert_eq!(grouped.get(k), pairs.get(k), "key {k}");
        }
        assert_eq!(grouped.get(9), &[0, 2]);
    }

    #[test]
    fn bigrams_are_distinct() {
        assert_eq!(bigrams("ああああ").len(), 1);
        assert_eq!(bigrams("abc").len(), 2);
        assert_eq!(bigrams("a").len(), 1);
        assert!(bigrams("").is_empty());
    }
}
