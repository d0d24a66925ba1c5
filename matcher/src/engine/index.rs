//! The in-memory index over the company master, and what each company contributes to it.
//! Built once per run (see `build`).

use rustc_hash::{FxHashMap, FxHashSet};

use super::keys::{Id, KeyIndex, hash_str};
use super::site::Site;
use crate::company::{Company, CorporateNumber};
use crate::normalize::address::{
    PREFECTURES, canonical_prefecture, postal_digits, registered_street,
};
use crate::normalize::kana::{acronym_reading, fold_small_kana, katakana_to_latin, loosen_latin};
use crate::normalize::name::{fold_text, is_katakana, key_of, normalize_registered_name};
use crate::normalize::phone::normalize_phone;
use crate::normalize::url::normalize_domain;

/// City id for "not stated / not known".
pub(crate) const NO_CITY: u32 = u32::MAX;

/// Where a company's name key lies in the index's one string of keys: millions of boxed
/// strings would cost an allocation (and its overhead) each.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeyRef {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

/// What the engine keeps of one company: its number, its name key and where it is.
#[derive(Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) corporate_number: CorporateNumber,
    pub(crate) key: KeyRef,
    /// 0 = none, else 1 + the position in `CompanyIndex::legal_forms`.
    pub(crate) legal_form: u8,
    /// 1..=47 in `PREFECTURES` order; 0 when unknown.
    pub(crate) prefecture: u8,
    pub(crate) city: u32,
    /// Hash of the registered phone number; 0 when none.
    pub(crate) phone: u64,
    pub(crate) site: Site,
}

/// The company master, indexed once per run.
pub struct CompanyIndex {
    pub(crate) entries: Vec<Entry>,
    /// Every company's name key, end to end (see `KeyRef`).
    pub(crate) keys: String,
    /// The registered legal forms, in canonical spelling, as `Entry::legal_form` numbers them.
    pub(crate) legal_forms: Vec<&'static str>,
    /// Each company's prefecture number again, packed, for the near-name scan.
    pub(crate) prefectures: Vec<u8>,
    /// Registered-name key → companies.
    pub(crate) names: KeyIndex,
    /// Other spellings the registry gives: katakana reading, English name, acronym reading,
    /// and the romanised reading (prefixed "r:").
    pub(crate) alt_names: KeyIndex,
    /// Character bigram of the name key → companies, for fuzzy candidates.
    pub(crate) grams: KeyIndex,
    pub(crate) phones: KeyIndex,
    pub(crate) domains: KeyIndex,
    /// Hash of a city key (see `city_key`) → city id.
    pub(crate) cities: FxHashMap<u64, u32>,
    /// City id → bit set of the prefectures that have a city of that name.
    pub(crate) city_prefectures: Vec<u64>,
    /// City id → companies registered there.
    pub(crate) city_sizes: Vec<u32>,
    /// Prefecture number (0 = unknown) → companies registered there.
    pub(crate) prefecture_sizes: [u32; 48],
    /// Hashes of place names as they are glued before 店 ("那覇店", "大宮店"): municipality
    /// and ward names without their suffix, and prefecture stems.
    pub(crate) place_stems: FxHashSet<u64>,
}

/// One company's keys, as hashes: nothing on the heap but the name key, so that a chunk of
/// them is cheap to make and to drop.
pub(super) struct Prepared {
    /// Everything but the name key, the legal form and the city.
    pub(super) entry: Entry,
    pub(super) key: String,
    pub(super) legal_form: Option<&'static str>,
    pub(super) city: Option<u64>,
    pub(super) stems: [Option<u64>; 2],
    alt: [u64; 7],
    alt_len: u8,
    pub(super) phone: Option<u64>,
    pub(super) domain: Option<u64>,
}

impl Prepared {
    pub(super) fn alt(&self) -> &[u64] {
        &self.alt[..usize::from(self.alt_len)]
    }
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

pub(super) fn prepare(c: &Company) -> Prepared {
    let name = normalize_registered_name(&c.name);
    let city = city_key(&c.city);
    let mut alt = [0u64; 7];
    let mut alt_len = 0u8;
    let mut push = |key: &str| {
        alt[usize::from(alt_len)] = hash_str(key);
        alt_len += 1;
    };
    let katakana_name = name.key.chars().all(|ch| is_katakana(ch) || ch == 'ー');
    // A reading rarely spells its legal form out; when it does (カブシキガイシャ…), strip it.
    let kana_folded = fold_text(&c.name_kana);
    let kana = if kana_folded.contains("ガイシャ") || kana_folded.contains("カイシャ") {
        normalize_registered_name(&kana_folded).key
    } else {
        key_of(&kana_folded)
    };
    if !kana.is_empty() && kana != name.key {
        push(&kana);
        // Bank-transfer (全銀) kana has no small letters: ヤマダシヨウジ for ヤマダショウジ.
        let big = fold_small_kana(&kana);
        if big != kana {
            push(&big);
        }
        // A kanji name written in romaji ("Yamada Shoji") meets its reading romanised.
        if !katakana_name && let Some(latin) = katakana_to_latin(&kana) {
            push(&format!("r:{latin}"));
        }
    }
    if katakana_name {
        let big = fold_small_kana(&name.key);
        if big != name.key && big != kana {
            push(&big);
        }
    }
    let en = normalize_registered_name(&c.name_en).key;
    if !en.is_empty() && en != name.key {
        push(&en);
    }
    if let Some(reading) = acronym_reading(&name.key) {
        push(&reading);
    }
    // A name registered in katakana is the one partners write in latin letters
    // (サイメディア → "SAIMEDIA"); index its romanised reading.
    if katakana_name && let Some(latin) = katakana_to_latin(&name.key) {
        push(&format!("r:{latin}"));
    }
    if name.key.bytes().all(|b| b.is_ascii_lowercase()) && !name.key.is_empty() {
        push(&format!("r:{}", loosen_latin(&name.key)));
    }
    let phone = normalize_phone(&c.phone).map(|p| hash_str(&p));
    Prepared {
        entry: Entry {
            corporate_number: c.corporate_number,
            key: KeyRef::default(),
            legal_form: 0,
            prefecture: canonical_prefecture(&c.prefecture).map_or(0, prefecture_number),
            city: NO_CITY,
            phone: phone.unwrap_or(0),
            site: Site::new(
                registered_street(&c.street).as_deref(),
                postal_digits(&c.postal_code).as_deref(),
            ),
        },
        key: name.key,
        legal_form: name.legal_form,
        city: Some(city.as_str()).filter(|k| !k.is_empty()).map(hash_str),
        stems: place_stems(&city),
        alt,
        alt_len,
        phone,
        domain: normalize_domain(&c.website).map(|d| hash_str(&d)),
    }
}

/// "横浜市中区" → 横浜, 中; "帯広市" → 帯広; "糟屋郡粕屋町" → 粕屋.
fn place_stems(city: &str) -> [Option<u64>; 2] {
    let strip = |s: &str| -> Option<u64> {
        let stem = s.strip_suffix(['市', '区', '町', '村'])?;
        let stem = stem.rsplit_once('郡').map_or(stem, |(_, town)| town);
        (stem.chars().count() >= 2).then(|| hash_str(stem))
    };
    match city.find('市') {
        Some(i) if i + '市'.len_utf8() < city.len() => {
            let (c, ward) = city.split_at(i + '市'.len_utf8());
            [strip(c), strip(ward)]
        }
        _ => [strip(city), None],
    }
}

/// The companies one spelling of a name reaches: registered names equal to it, other
/// registered spellings (reading, English name, acronym reading) equal to it, and, for a latin
/// spelling, the romanised readings it loosely equals.
pub(crate) struct Reach<'a> {
    index: &'a CompanyIndex,
    spelling: &'a str,
    names: &'a [Id],
    pub(crate) alt: &'a [Id],
    pub(crate) romaji: &'a [Id],
}

impl Reach<'_> {
    /// Companies whose registered name key is the spelling (the name index is keyed by hash).
    pub(crate) fn exact(&self) -> impl Iterator<Item = Id> + '_ {
        self.names
            .iter()
            .copied()
            .filter(|&id| self.index.key(id) == self.spelling)
    }
}

impl CompanyIndex {
    pub(crate) fn reach<'a>(&'a self, spelling: &'a str) -> Reach<'a> {
        let h = hash_str(spelling);
        let romaji: &[Id] = if spelling.bytes().all(|b| b.is_ascii_lowercase()) {
            self.alt_names
                .get(hash_str(&format!("r:{}", loosen_latin(spelling))))
        } else {
            &[]
        };
        Reach {
            index: self,
            spelling,
            names: self.names.get(h),
            alt: self.alt_names.get(h),
            romaji,
        }
    }

    /// The name key of company `id`.
    pub(crate) fn key(&self, id: Id) -> &str {
        self.key_of(&self.entries[id as usize])
    }

    pub(crate) fn key_of(&self, e: &Entry) -> &str {
        let start = e.key.start as usize;
        &self.keys[start..start + e.key.len as usize]
    }

    pub(crate) fn legal_form_of(&self, e: &Entry) -> Option<&'static str> {
        e.legal_form
            .checked_sub(1)
            .map(|i| self.legal_forms[usize::from(i)])
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
