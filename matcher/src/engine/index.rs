//! Building the in-memory index over the company master: once per run, in parallel.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::keys::{Id, KeyIndex, bigrams, hash_str};
use crate::company::{Company, CorporateNumber};
use crate::normalize::address::{PREFECTURES, canonical_prefecture};
use crate::normalize::kana::{acronym_reading, katakana_to_latin, loosen_latin};
use crate::normalize::name::{fold_text, is_katakana, key_of, normalize_registered_name};
use crate::normalize::phone::normalize_phone;
use crate::normalize::url::normalize_domain;

/// City id for "not stated / not known".
pub(crate) const NO_CITY: u32 = u32::MAX;

/// What the engine keeps of one company: its number, its name key and where it is.
pub(crate) struct Entry {
    pub(crate) corporate_number: CorporateNumber,
    pub(crate) key: Box<str>,
    pub(crate) legal_form: Option<&'static str>,
    /// 1..=47 in `PREFECTURES` order; 0 when unknown.
    pub(crate) prefecture: u8,
    pub(crate) city: u32,
}

/// The company master, indexed once per run.
pub struct CompanyIndex {
    pub(crate) entries: Vec<Entry>,
    /// Registered-name key → companies.
    pub(crate) names: KeyIndex,
    /// Other spellings the registry gives: katakana reading, English name, acronym reading,
    /// and the romanised reading (prefixed "r:").
    pub(crate) alt_names: KeyIndex,
    /// Character bigram of the name key → companies, for fuzzy candidates.
    pub(crate) grams: KeyIndex,
    pub(crate) phones: KeyIndex,
    pub(crate) domains: KeyIndex,
    pub(crate) cities: FxHashMap<Box<str>, u32>,
    /// City id → bit set of the prefectures that have a city of that name.
    pub(crate) city_prefectures: Vec<u64>,
}

struct Prepared {
    entry: Entry,
    city: String,
    alt: Vec<String>,
    phone: Option<String>,
    domain: Option<String>,
}

pub(crate) fn prefecture_number(canonical: &str) -> u8 {
    PREFECTURES
        .iter()
        .position(|(full, _)| *full == canonical)
        .map_or(0, |i| i as u8 + 1)
}

/// A city name as both sides compare it: NFKC, variant kanji folded, no spaces.
pub(crate) fn city_key(raw: &str) -> String {
    fold_text(raw).chars().filter(|c| *c != ' ').collect()
}

fn prepare(c: Company) -> Prepared {
    let name = normalize_registered_name(&c.name);
    let mut alt = Vec::new();
    let kana = key_of(&normalize_registered_name(&c.name_kana).key);
    if !kana.is_empty() && kana != name.key {
        alt.push(kana.clone());
    }
    let en = normalize_registered_name(&c.name_en).key;
    if !en.is_empty() && en != name.key {
        alt.push(en);
    }
    if let Some(reading) = acronym_reading(&name.key) {
        alt.push(reading);
    }
    let katakana = if name.key.chars().all(|ch| is_katakana(ch) || ch == 'ー') {
        Some(name.key.as_ref())
    } else if kana.chars().all(|ch| is_katakana(ch) || ch == 'ー') {
        Some(kana.as_str())
    } else {
        None
    };
    if let Some(latin) = katakana
        .filter(|k| !k.is_empty())
        .and_then(katakana_to_latin)
    {
        alt.push(format!("r:{latin}"));
    }
    if name.key.bytes().all(|b| b.is_ascii_lowercase()) && !name.key.is_empty() {
        alt.push(format!("r:{}", loosen_latin(&name.key)));
    }
    Prepared {
        entry: Entry {
            corporate_number: c.corporate_number,
            key: name.key.into_boxed_str(),
            legal_form: name.legal_form,
            prefecture: canonical_prefecture(&c.prefecture).map_or(0, prefecture_number),
            city: NO_CITY,
        },
        city: city_key(&c.city),
        alt,
        phone: normalize_phone(&c.phone),
        domain: normalize_domain(&c.website),
    }
}

impl CompanyIndex {
    pub fn build(mut companies: Vec<Company>) -> Self {
        companies.par_sort_unstable_by_key(|c| c.corporate_number);
        let prepared: Vec<Prepared> = companies.into_par_iter().map(prepare).collect();

        let mut cities: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut city_prefectures: Vec<u64> = Vec::new();
        let mut city_ids = Vec::with_capacity(prepared.len());
        for p in &prepared {
            if p.city.is_empty() {
                city_ids.push(NO_CITY);
                continue;
            }
            let next = cities.len() as u32;
            let id = *cities.entry(p.city.as_str().into()).or_insert(next);
            if id == next {
                city_prefectures.push(0);
            }
            if p.entry.prefecture > 0 {
                city_prefectures[id as usize] |= 1 << (p.entry.prefecture - 1);
            }
            city_ids.push(id);
        }

        let pairs = |f: &(dyn Fn(&Prepared) -> Vec<u64> + Sync)| -> KeyIndex {
            KeyIndex::build(
                prepared
                    .par_iter()
                    .enumerate()
                    .flat_map_iter(|(i, p)| f(p).into_iter().map(move |k| (k, i as Id)))
                    .collect(),
            )
        };
        let names = pairs(&|p| {
            (!p.entry.key.is_empty())
                .then(|| hash_str(&p.entry.key))
                .into_iter()
                .collect()
        });
        let alt_names = pairs(&|p| p.alt.iter().map(|a| hash_str(a)).collect());
        let grams = pairs(&|p| bigrams(&p.entry.key));
        let phones = pairs(&|p| p.phone.iter().map(|s| hash_str(s)).collect());
        let domains = pairs(&|p| p.domain.iter().map(|s| hash_str(s)).collect());

        let entries = prepared
            .into_iter()
            .zip(city_ids)
            .map(|(p, city)| Entry { city, ..p.entry })
            .collect();
        Self {
            entries,
            names,
            alt_names,
            grams,
            phones,
            domains,
            cities,
            city_prefectures,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
