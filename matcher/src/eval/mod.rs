//! Scoring predicted links against a truth file: precision, recall, F1, false links, recall
//! per variation kind, and the recall ceiling (how many postings the posting's own
//! information can single out at all).

mod by_size;
mod calibration;

pub use by_size::{SizeRow, by_master_size};
pub use calibration::{Band, calibration};

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use postings::Posting;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::company::{Company, CorporateNumber};
use crate::engine::Decision;
use crate::normalize::address::{canonical_prefecture, parse_address};
use crate::normalize::name::{fold_text, normalize_registered_name};
use crate::normalize::phone::normalize_phone;
use crate::normalize::url::normalize_domain;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {path}: {source}")]
    Csv { path: String, source: csv::Error },
    #[error("cannot read postings {path}: {reason}")]
    Postings { path: String, reason: String },
    #[error("{path} has no column {column}")]
    MissingColumn { path: String, column: &'static str },
    #[error("{path} line {line}: {reason}")]
    Row {
        path: String,
        line: u64,
        reason: String,
    },
}

/// One truth row: the company a posting is really for (None: not in the master) and the
/// variations the data's maker applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    pub posting_id: String,
    pub corporate_number: Option<CorporateNumber>,
    pub variations: Vec<String>,
}

/// A predicted link: posting → company.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub posting_id: String,
    pub corporate_number: CorporateNumber,
    /// The link's probability (`match_score`), when the file carries one.
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub links: usize,
    pub correct: usize,
    /// Links that name the wrong company, or any company for a posting whose truth is blank.
    pub false_links: usize,
    /// Postings whose truth names a company.
    pub registered: usize,
    /// Per variation kind: (correct links, postings with that variation and a company).
    pub by_variation: BTreeMap<String, (usize, usize)>,
    /// Registered postings the posting's own information singles out, when computed.
    pub singled_out: Option<usize>,
}

impl Report {
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.links)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.registered)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    pub fn ceiling(&self) -> Option<f64> {
        self.singled_out.map(|s| ratio(s, self.registered))
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "links        {}", self.links)?;
        writeln!(f, "correct      {}", self.correct)?;
        writeln!(f, "false links  {}", self.false_links)?;
        writeln!(f, "registered   {}", self.registered)?;
        writeln!(f, "precision    {:.4}", self.precision())?;
        writeln!(f, "recall       {:.4}", self.recall())?;
        writeln!(f, "F1           {:.4}", self.f1())?;
        if let Some(c) = self.ceiling() {
            writeln!(f, "ceiling      {c:.4}")?;
            writeln!(
                f,
                "recall/ceil  {:.4}",
                ratio(self.correct, self.singled_out.unwrap_or(0))
            )?;
        }
        writeln!(f, "recall by variation:")?;
        for (kind, (hit, n)) in &self.by_variation {
            writeln!(f, "  {kind:<18} {:.4}  ({hit}/{n})", ratio(*hit, *n))?;
        }
        Ok(())
    }
}

/// The links among `decisions` (one per posting, in the postings' order) as predictions.
pub fn predictions(postings: &[Posting], decisions: &[Decision]) -> Vec<Prediction> {
    postings
        .iter()
        .zip(decisions)
        .filter_map(|(p, d)| match d {
            Decision::Matched(l) => Some(Prediction {
                posting_id: p.posting_id.clone(),
                corporate_number: l.corporate_number,
                score: Some(l.score),
            }),
            Decision::Unmatched(_) => None,
        })
        .collect()
}

/// Scores `predictions` against `truth`. A prediction for a posting absent from the truth
/// counts as a false link.
pub fn evaluate(predictions: &[Prediction], truth: &[Truth]) -> Report {
    let by_id: FxHashMap<&str, &Truth> = truth.iter().map(|t| (t.posting_id.as_str(), t)).collect();
    let mut correct_ids: FxHashSet<&str> = FxHashSet::default();
    let mut links = 0;
    let mut false_links = 0;
    for p in predictions {
        links += 1;
        match by_id
            .get(p.posting_id.as_str())
            .and_then(|t| t.corporate_number)
        {
            Some(n) if n == p.corporate_number => {
                correct_ids.insert(p.posting_id.as_str());
            }
            _ => false_links += 1,
        }
    }
    let mut by_variation: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut registered = 0;
    for t in truth.iter().filter(|t| t.corporate_number.is_some()) {
        registered += 1;
        let hit = correct_ids.contains(t.posting_id.as_str());
        for v in &t.variations {
            let e = by_variation.entry(v.clone()).or_default();
            e.0 += usize::from(hit);
            e.1 += 1;
        }
    }
    Report {
        links,
        correct: correct_ids.len(),
        false_links,
        registered,
        by_variation,
        singled_out: None,
    }
}

/// How many registered postings can be singled out from what the posting says: the
/// company's normalised name is unique within the posting's stated city (or prefecture when
/// only that is stated, or nationwide when no usable address is given, or when the stated
/// address is not the company's), or the posting's phone or web domain belongs to that
/// company only. Only the posting's company address counts as its address here.
pub fn singled_out(companies: &[Company], postings: &[Posting], truth: &[Truth]) -> usize {
    struct Place {
        prefecture: Option<&'static str>,
        city: String,
    }
    let keys: Vec<String> = companies
        .iter()
        .map(|c| normalize_registered_name(&c.name).key)
        .collect();
    let places: Vec<Place> = companies
        .iter()
        .map(|c| Place {
            prefecture: canonical_prefecture(&c.prefecture),
            city: fold_text(&c.city).replace(' ', ""),
        })
        .collect();
    let mut by_key: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    let mut by_phone: FxHashMap<String, usize> = FxHashMap::default();
    let mut by_domain: FxHashMap<String, usize> = FxHashMap::default();
    let mut position: FxHashMap<CorporateNumber, usize> = FxHashMap::default();
    for (i, c) in companies.iter().enumerate() {
        by_key.entry(keys[i].as_str()).or_default().push(i);
        if let Some(p) = normalize_phone(&c.phone) {
            *by_phone.entry(p).or_default() += 1;
        }
        if let Some(d) = normalize_domain(&c.website) {
            *by_domain.entry(d).or_default() += 1;
        }
        position.insert(c.corporate_number, i);
    }
    let posting_by_id: FxHashMap<&str, &Posting> = postings
        .iter()
        .map(|p| (p.posting_id.as_str(), p))
        .collect();
    let mut count = 0;
    for t in truth {
        let (Some(n), Some(p)) = (t.corporate_number, posting_by_id.get(t.posting_id.as_str()))
        else {
            continue;
        };
        let Some(&ci) = position.get(&n) else {
            continue;
        };
        let c = &companies[ci];
        let phone_unique = normalize_phone(&p.company_phone)
            .filter(|ph| normalize_phone(&c.phone).as_ref() == Some(ph))
            .is_some_and(|ph| by_phone.get(&ph) == Some(&1));
        let domain_unique = normalize_domain(&p.company_url)
            .filter(|d| normalize_domain(&c.website).as_ref() == Some(d))
            .is_some_and(|d| by_domain.get(&d) == Some(&1));
        let addr = parse_address(&p.company_address);
        let same_name = &by_key[keys[ci].as_str()];
        let in_place = |j: usize| {
            let pl = &places[j];
            let pref_ok = addr.prefecture.is_none_or(|pf| pl.prefecture == Some(pf));
            match &addr.city {
                Some(city) => pref_ok && pl.city == fold_text(city).replace(' ', ""),
                None => pref_ok,
            }
        };
        // A stated place that does not hold the company (a branch's address) tells nothing
        // about it; the name must then be unique nationwide, as with no address at all.
        let name_unique = if in_place(ci) {
            same_name.iter().filter(|&&j| in_place(j)).count() == 1
        } else {
            same_name.len() == 1
        };
        if name_unique || phone_unique || domain_unique {
            count += 1;
        }
    }
    count
}

/// Reads truth.csv: `posting_id, corporate_number, variations` (blank number: not in the
/// master; variations `;`-separated).
pub fn read_truth(path: &Path) -> Result<Vec<Truth>, EvalError> {
    let mut rows = Vec::new();
    read_columns(
        path,
        &["posting_id", "corporate_number", "variations"],
        |line, f| {
            let corporate_number = match f[1].trim() {
                "" => None,
                s => Some(CorporateNumber::parse(s).map_err(|e| (line, e.to_string()))?),
            };
            rows.push(Truth {
                posting_id: f[0].to_string(),
                corporate_number,
                variations: f[2]
                    .split(';')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
            Ok(())
        },
    )?;
    Ok(rows)
}

/// Reads the links of a matched.csv (columns `posting_id`, `corporate_number`, and
/// `match_score` when present).
pub fn read_predictions(path: &Path) -> Result<Vec<Prediction>, EvalError> {
    let mut rows = Vec::new();
    read_columns(
        path,
        &["posting_id", "corporate_number", "?match_score"],
        |line, f| {
            let corporate_number =
                CorporateNumber::parse(f[1]).map_err(|e| (line, e.to_string()))?;
            let score = match f[2] {
                "" => None,
                s => Some(
                    s.parse::<f64>()
                        .map_err(|_| (line, format!("match_score is not a number: {s}")))?,
                ),
            };
            rows.push(Prediction {
                posting_id: f[0].to_string(),
                corporate_number,
                score,
            });
            Ok(())
        },
    )?;
    Ok(rows)
}

/// Reads a postings CSV through the same contract as the match stage (header aliases,
/// UTF-8 or Shift_JIS). Rows the contract rejects are counted, not returned: they can never
/// be linked, and the truth still counts them as registered postings when they are.
pub fn read_postings(path: &Path) -> Result<(Vec<Posting>, usize), EvalError> {
    let p = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| EvalError::Postings {
        path: p.clone(),
        reason: e.to_string(),
    })?;
    let reader =
        postings::PostingReader::new(std::io::BufReader::with_capacity(1 << 20, file), None)
            .map_err(|e| EvalError::Postings {
                path: p.clone(),
                reason: e.to_string(),
            })?;
    let mut rows = Vec::new();
    let mut rejected = 0;
    for outcome in reader {
        match outcome {
            postings::RowOutcome::Valid { posting, .. } => rows.push(posting),
            postings::RowOutcome::Rejected(_) => rejected += 1,
        }
    }
    Ok((rows, rejected))
}

fn read_columns(
    path: &Path,
    columns: &[&'static str],
    mut row: impl FnMut(u64, &[&str]) -> Result<(), (u64, String)>,
) -> Result<(), EvalError> {
    let p = path.display().to_string();
    let mut rdr = csv::Reader::from_path(path).map_err(|source| EvalError::Csv {
        path: p.clone(),
        source,
    })?;
    let headers = rdr
        .headers()
        .map_err(|source| EvalError::Csv {
            path: p.clone(),
            source,
        })?
        .clone();
    // A name starting with '?' is an optional column: blank when the file lacks it.
    let mut at = Vec::with_capacity(columns.len());
    for &column in columns {
        let (name, optional) = match column.strip_prefix('?') {
            Some(name) => (name, true),
            None => (column, false),
        };
        let i = headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name);
        if i.is_none() && !optional {
            return Err(EvalError::MissingColumn {
                path: p.clone(),
                column,
            });
        }
        at.push(i);
    }
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(source) => {
                return Err(EvalError::Csv {
                    path: p.clone(),
                    source,
                });
            }
        }
        let line = record.position().map_or(0, |pos| pos.line());
        let fields: Vec<&str> = at
            .iter()
            .map(|i| i.and_then(|i| record.get(i)).unwrap_or(""))
            .collect();
        row(line, &fields).map_err(|(line, reason)| EvalError::Row {
            path: p.clone(),
            line,
            reason,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
