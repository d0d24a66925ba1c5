//! Building the company index from a master that arrives in chunks: each chunk is normalised
//! in parallel and reduced to a few dozen bytes per company before the next one is read, so
//! the master's rows (ten strings each) are never all in memory at once.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::index::{CompanyIndex, Entry, KeyRef, NO_CITY, Prepared, prepare};
use super::keys::{Id, KeyIndex, bigrams, hash_str};
use crate::company::Company;
use crate::normalize::address::PREFECTURES;

/// Companies read and normalised at a time: enough to keep both cores busy, few enough that
/// their rows cost a few megabytes.
pub const CHUNK: usize = 1 << 15;

/// The index under construction. Companies may come in any order: ids are given by corporate
/// number at the end, so that ties break the same way whatever the source.
#[derive(Default)]
pub struct IndexBuilder {
    /// In arrival order; `city` holds a provisional city number until `finish`.
    entries: Vec<Entry>,
    keys: String,
    legal_forms: Vec<&'static str>,
    /// City key hash → provisional city number, in order of first sight.
    cities: FxHashMap<u64, u32>,
    stems: FxHashSet<u64>,
    /// (key, arrival position) pairs of the smaller key indexes.
    alt: Vec<(u64, Id)>,
    phones: Vec<(u64, Id)>,
    domains: Vec<(u64, Id)>,
}

impl IndexBuilder {
    /// Normalises a chunk of companies (in parallel) and keeps what the index needs of them.
    pub fn add(&mut self, companies: &[Company]) {
        let prepared: Vec<Prepared> = companies.par_iter().map(prepare).collect();
        self.entries.reserve(prepared.len());
        for p in prepared {
            self.push(p);
        }
    }

    /// Companies added so far.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn push(&mut self, p: Prepared) {
        let at = Id::try_from(self.entries.len()).expect("fewer than 2^32 companies");
        // Name keys average a few dozen bytes: 4 GiB of them is far beyond any master.
        let start = u32::try_from(self.keys.len()).expect("name keys fit in 4 GiB");
        self.keys.push_str(&p.key);
        let mut entry = p.entry;
        entry.key = KeyRef {
            start,
            len: p.key.len() as u32,
        };
        entry.legal_form = p.legal_form.map_or(0, |form| {
            let i = match self.legal_forms.iter().position(|f| *f == form) {
                Some(i) => i,
                None => {
                    self.legal_forms.push(form);
                    self.legal_forms.len() - 1
                }
            };
            u8::try_from(i + 1).expect("the legal forms are a short fixed list")
        });
        entry.city = p.city.map_or(NO_CITY, |h| {
            let next = self.cities.len() as u32;
            *self.cities.entry(h).or_insert(next)
        });
        self.stems.extend(p.stems.into_iter().flatten());
        self.alt.extend(p.alt().iter().map(|&k| (k, at)));
        self.phones.extend(p.phone.map(|k| (k, at)));
        self.domains.extend(p.domain.map(|k| (k, at)));
        self.entries.push(entry);
    }

    pub fn finish(self) -> CompanyIndex {
        let Self {
            entries,
            keys,
            legal_forms,
            cities,
            stems,
            mut alt,
            mut phones,
            mut domains,
        } = self;
        let n = entries.len();
        // Ids in corporate-number order, so every tie breaks the same way.
        let mut order: Vec<Id> = (0..n as Id).collect();
        order.par_sort_unstable_by_key(|&at| entries[at as usize].corporate_number);
        let mut id_of = vec![0 as Id; n];
        for (id, &at) in order.iter().enumerate() {
            id_of[at as usize] = id as Id;
        }
        // City ids in the order of their key hashes.
        let mut by_hash: Vec<(u64, u32)> = cities.into_iter().collect();
        by_hash.sort_unstable();
        let mut city_id = vec![0u32; by_hash.len()];
        let cities: FxHashMap<u64, u32> = by_hash
            .iter()
            .enumerate()
            .map(|(id, &(h, provisional))| {
                city_id[provisional as usize] = id as u32;
                (h, id as u32)
            })
            .collect();
        let entries: Vec<Entry> = order
            .par_iter()
            .map(|&at| {
                let mut e = entries[at as usize];
                if e.city != NO_CITY {
                    e.city = city_id[e.city as usize];
                }
                e
            })
            .collect();
        drop(order);

        let place_stems: FxHashSet<u64> = stems
            .into_iter()
            .chain(PREFECTURES.iter().map(|(_, stem)| hash_str(stem)))
            .collect();
        let mut city_prefectures: Vec<u64> = vec![0; cities.len()];
        let mut city_sizes: Vec<u32> = vec![0; cities.len()];
        let mut prefecture_sizes = [0u32; 48];
        for e in &entries {
            prefecture_sizes[usize::from(e.prefecture)] += 1;
            if e.city != NO_CITY {
                city_sizes[e.city as usize] += 1;
                if e.prefecture > 0 {
                    city_prefectures[e.city as usize] |= 1 << (e.prefecture - 1);
                }
            }
        }

        let remapped = |pairs: &mut Vec<(u64, Id)>| {
            pairs.par_iter_mut().for_each(|p| p.1 = id_of[p.1 as usize]);
            KeyIndex::build(std::mem::take(pairs))
        };
        let alt_names = remapped(&mut alt);
        let phones = remapped(&mut phones);
        let domains = remapped(&mut domains);
        drop(id_of);
        let key = |e: &Entry| {
            let start = e.key.start as usize;
            &keys[start..start + e.key.len as usize]
        };
        let names = KeyIndex::build(
            entries
                .par_iter()
                .enumerate()
                .filter(|(_, e)| e.key.len > 0)
                .map(|(id, e)| (hash_str(key(e)), id as Id))
                .collect(),
        );
        let grams =
            KeyIndex::build_grouped(entries.len(), |id| bigrams(key(&entries[id as usize])));
        let prefectures = entries.iter().map(|e| e.prefecture).collect();
        CompanyIndex {
            entries,
            keys,
            legal_forms,
            prefectures,
            names,
            alt_names,
            grams,
            phones,
            domains,
            cities,
            city_prefectures,
            city_sizes,
            prefecture_sizes,
            place_stems,
        }
    }
}

impl CompanyIndex {
    /// The index over a master held whole in memory; a large master is better streamed
    /// through an [`IndexBuilder`] in chunks.
    pub fn build(companies: Vec<Company>) -> Self {
        let mut builder = IndexBuilder::default();
        for chunk in companies.chunks(CHUNK) {
            builder.add(chunk);
        }
        drop(companies);
        builder.finish()
    }
}
