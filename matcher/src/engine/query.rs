//! What a posting says about its employer, normalised once: name key variants, where, phone,
//! web domain.

use postings::Posting;

use super::index::{CompanyIndex, NO_CITY, city_key, prefecture_number};
use super::keys::hash_str;
use super::site::Site;
use crate::normalize::address::{Address, parse_address};
use crate::normalize::loanword::{katakana_to_english, latin_to_katakana};
use crate::normalize::name::{GLUED_SITE_WORDS, NormalizedName, normalize_name};
use crate::normalize::phone::normalize_phone;
use crate::normalize::url::normalize_domain;

/// How much of the written name a key variant dropped: 0 = all of it, 1 = a branch / office
/// word, 2 = also a place name glued before the office word.
pub(crate) type Rank = u8;

/// The finest location the posting states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    City,
    Prefecture,
    None,
}

pub(crate) struct Query {
    pub(crate) name: NormalizedName,
    pub(crate) variants: Vec<(String, Rank)>,
    /// The variants in the other script: English loanwords in katakana and back.
    pub(crate) spellings: Vec<(String, Rank)>,
    /// 1..=47, 0 when not stated.
    pub(crate) prefecture: u8,
    /// None: no city stated; Some(NO_CITY): a city the master does not know.
    pub(crate) city: Option<u32>,
    /// Hash of the posting's phone in national digits.
    pub(crate) phone: Option<u64>,
    /// Street and postal code of the company address (never of the work location).
    pub(crate) site: Site,
    pub(crate) domain: Option<String>,
}

impl Query {
    pub(crate) fn new(index: &CompanyIndex, posting: &Posting) -> Self {
        let name = normalize_name(&posting.company_name);
        let variants = key_variants(index, &name);
        let spellings = variants
            .iter()
            .filter(|(_, rank)| *rank <= 1)
            .filter_map(|(v, rank)| {
                latin_to_katakana(v)
                    .or_else(|| katakana_to_english(v))
                    .map(|s| (s, *rank))
            })
            .collect();
        let stated = parse_address(&posting.company_address);
        let site = Site::new(stated.street.as_deref(), stated.postal.as_deref());
        let address = place_of(stated, posting);
        let mut prefecture = address.prefecture.map_or(0, prefecture_number);
        let city = address.city.map(|c| {
            index
                .cities
                .get(&hash_str(&city_key(&c)))
                .copied()
                .unwrap_or(NO_CITY)
        });
        if prefecture == 0 {
            // "横浜市中区…" alone still says 神奈川県 when only one prefecture has that city.
            if let Some(c) = city.filter(|&c| c != NO_CITY) {
                let prefs = index.city_prefectures[c as usize];
                if prefs.count_ones() == 1 {
                    prefecture = prefs.trailing_zeros() as u8 + 1;
                }
            }
        }
        Self {
            name,
            variants,
            spellings,
            prefecture,
            city,
            phone: normalize_phone(&posting.company_phone).map(|p| hash_str(&p)),
            site,
            domain: normalize_domain(&posting.company_url),
        }
    }

    /// Whether the posting states any usable location.
    pub(crate) fn has_location(&self) -> bool {
        self.city.is_some() || self.prefecture != 0
    }

    pub(crate) fn place(&self) -> Place {
        if self.city.is_some() {
            Place::City
        } else if self.prefecture != 0 {
            Place::Prefecture
        } else {
            Place::None
        }
    }
}

/// Where the posting places its employer. The company address counts first; when it is
/// blank the work location stands in for it, and when it names only a prefecture, a work
/// location in that same prefecture supplies the city. (Small employers mostly hire where
/// they are; a work location in another prefecture is a branch and says nothing.)
fn place_of(stated: Address, posting: &Posting) -> Address {
    let mut address = stated;
    if address.city.is_some() {
        return address;
    }
    let work = parse_address(&posting.work_location);
    match address.prefecture {
        None => work,
        Some(p) => {
            if work.prefecture == Some(p) {
                address.city = work.city;
            }
            address
        }
    }
}

fn key_variants(index: &CompanyIndex, name: &NormalizedName) -> Vec<(String, Rank)> {
    let mut out = Vec::with_capacity(4);
    let key = match name.branch.as_deref() {
        Some(branch) => {
            out.push((format!("{}{}", name.key, branch), 0));
            out.push((name.key.clone(), 1));
            // Only a bare office word glued on may leave a place in the key; written apart
            // ("イノベーション塗装 本社"), what precedes it is the whole name.
            if !name.branch_glued {
                return out;
            }
            name.key.clone()
        }
        None => {
            if name.key.is_empty() {
                return out;
            }
            out.push((name.key.clone(), 0));
            if let Some(stem) = strip_store_of_place(index, &name.key) {
                out.push((stem, 1));
                return out;
            }
            let Some(stem) = GLUED_SITE_WORDS
                .iter()
                .find_map(|w| name.key.strip_suffix(w))
                .filter(|stem| stem.chars().count() >= 2)
            else {
                return out;
            };
            out.push((stem.to_string(), 1));
            stem.to_string()
        }
    };
    // "プライムウェブ渋谷支社": the office word came off but the place before it did not;
    // try dropping up to four kanji, keeping at least two characters of name.
    let chars: Vec<char> = key.chars().collect();
    for cut in 1..=4usize {
        if chars.len() < cut + 2 {
            break;
        }
        let dropped = &chars[chars.len() - cut..];
        if !dropped.iter().all(|c| is_kanji(*c)) {
            break;
        }
        out.push((chars[..chars.len() - cut].iter().collect(), 2));
    }
    out
}

/// "オカホーム那覇店" → "オカホーム": a store named after a known place, glued to the name.
/// (店 alone ends too many registered names, "…商店", to be cut without the place.)
fn strip_store_of_place(index: &CompanyIndex, key: &str) -> Option<String> {
    let chars: Vec<char> = key.strip_suffix('店')?.chars().collect();
    (2..=4).rev().find_map(|n| {
        let cut = chars.len().checked_sub(n).filter(|&c| c >= 2)?;
        let place: String = chars[cut..].iter().collect();
        index
            .place_stems
            .contains(&hash_str(&place))
            .then(|| chars[..cut].iter().collect())
    })
}

fn is_kanji(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c) || c == '々'
}
