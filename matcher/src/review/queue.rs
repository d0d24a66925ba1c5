//! The review queue: the unmatched postings of the latest runs, grouped by (name, place), the
//! groups that one decision would settle most postings of first.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use anyhow::Context;
use postings::Posting;
use postings::store::Store;
use serde::Serialize;

use super::GroupKey;
use crate::stage::destination::{MANIFEST, UNMATCHED};

/// One (name, place) the engine could not settle, and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: GroupKey,
    /// Distinct postings (partner, posting id): what one decision settles.
    pub postings: usize,
    /// Rows over all runs read (a posting sent every week counts each week).
    pub rows: usize,
    pub partners: BTreeSet<String>,
    pub runs: BTreeSet<String>,
    /// Unmatched reason → distinct postings.
    pub reasons: BTreeMap<String, usize>,
    /// The employer's name as the partners wrote it, a few distinct spellings.
    pub spellings: BTreeSet<String>,
    /// The posting that says most about its employer (address, phone, web site): the one the
    /// candidates are weighed against.
    pub example: Posting,
}

/// The run files of the `last` most recent complete runs: a run's own files, or, for a run
/// matched in shards and never whole, each complete shard's.
pub async fn unmatched_files(store: &Store, last: usize) -> anyhow::Result<Vec<(String, String)>> {
    let listed = store.list("runs/").await.context("listing runs/")?;
    let keys: HashSet<&str> = listed.iter().map(|m| m.key.as_str()).collect();
    // run id → prefixes holding a complete set of files
    let mut runs: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for m in &listed {
        let Some(prefix) = m.key.strip_suffix(UNMATCHED) else {
            continue;
        };
        if !keys.contains(format!("{prefix}{MANIFEST}").as_str()) {
            continue;
        }
        let mut parts = prefix.trim_end_matches('/').split('/');
        let (Some("runs"), Some(run)) = (parts.next(), parts.next()) else {
            continue;
        };
        runs.entry(run).or_default().push(prefix.to_owned());
    }
    let mut out = Vec::new();
    for (run, prefixes) in runs.into_iter().rev().take(last) {
        let whole = format!("runs/{run}/");
        let chosen: Vec<String> = if prefixes.contains(&whole) {
            vec![whole]
        } else {
            prefixes
        };
        for p in chosen {
            out.push((run.to_owned(), format!("{p}{UNMATCHED}")));
        }
    }
    Ok(out)
}

/// Reads the unmatched rows of the latest `last` runs and groups them, leaving out the groups
/// already decided; the biggest first.
pub async fn build(
    store: &Store,
    last: usize,
    decided: &HashSet<GroupKey>,
) -> anyhow::Result<Vec<Group>> {
    let mut groups = Grouping::default();
    for (run, key) in unmatched_files(store, last).await? {
        let body = store
            .get(&key)
            .await
            .with_context(|| format!("reading {key}"))?;
        groups
            .add_csv(&run, &body)
            .with_context(|| format!("reading {key}"))?;
    }
    Ok(groups.ranked(decided))
}

/// Unmatched rows, grouped as they are read.
#[derive(Default)]
pub struct Grouping {
    groups: HashMap<GroupKey, Acc>,
}

#[derive(Default)]
struct Acc {
    postings: HashMap<(String, String), String>,
    rows: usize,
    partners: BTreeSet<String>,
    runs: BTreeSet<String>,
    spellings: BTreeSet<String>,
    example: Option<(usize, Posting)>,
}

/// How much a posting says about its employer beyond the name.
fn informative(p: &Posting) -> usize {
    [&p.company_address, &p.company_phone, &p.company_url]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .count()
}

impl Grouping {
    /// Adds one run's `unmatched.csv` (the match stage's columns, read by name).
    pub fn add_csv(&mut self, run: &str, body: &[u8]) -> anyhow::Result<()> {
        let mut reader = csv::Reader::from_reader(body);
        let header = reader.headers()?.clone();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .with_context(|| format!("no column {name}"))
        };
        let [id, name, address, phone, url, work, partner, reason] = [
            "posting_id",
            "company_name",
            "company_address",
            "company_phone",
            "company_url",
            "work_location",
            "partner",
            "reason",
        ]
        .map(col);
        let (id, name, address, phone, url, work, partner, reason) =
            (id?, name?, address?, phone?, url?, work?, partner?, reason?);
        for record in reader.records() {
            let r = record?;
            let posting = Posting {
                posting_id: r[id].to_owned(),
                company_name: r[name].to_owned(),
                company_address: r[address].to_owned(),
                company_phone: r[phone].to_owned(),
                company_url: r[url].to_owned(),
                work_location: r[work].to_owned(),
                ..Posting::default()
            };
            self.add(run, &r[partner], &r[reason], posting);
        }
        Ok(())
    }

    pub fn add(&mut self, run: &str, partner: &str, reason: &str, posting: Posting) {
        // An operator already said these are not in the master.
        if reason == crate::engine::UnmatchedReason::ReviewedNotInMaster.as_str() {
            return;
        }
        let key = GroupKey::of(&posting);
        if key.name.is_empty() {
            return;
        }
        let acc = self.groups.entry(key).or_default();
        acc.rows += 1;
        acc.partners.insert(partner.to_owned());
        acc.runs.insert(run.to_owned());
        if acc.spellings.len() < 5 {
            acc.spellings.insert(posting.company_name.clone());
        }
        // The latest run read first wins: its reason is the current one.
        acc.postings
            .entry((partner.to_owned(), posting.posting_id.clone()))
            .or_insert_with(|| reason.to_owned());
        let info = informative(&posting);
        if acc.example.as_ref().is_none_or(|(best, _)| info > *best) {
            acc.example = Some((info, posting));
        }
    }

    /// The undecided groups, those settling the most postings first (then the most rows, then
    /// by name and place, so that the order is stable).
    pub fn ranked(self, decided: &HashSet<GroupKey>) -> Vec<Group> {
        let mut out: Vec<Group> = self
            .groups
            .into_iter()
            .filter(|(k, _)| !decided.contains(k))
            .map(|(key, acc)| {
                let mut reasons = BTreeMap::new();
                for r in acc.postings.values() {
                    *reasons.entry(r.clone()).or_default() += 1;
                }
                Group {
                    key,
                    postings: acc.postings.len(),
                    rows: acc.rows,
                    partners: acc.partners,
                    runs: acc.runs,
                    reasons,
                    spellings: acc.spellings,
                    example: acc.example.map(|(_, p)| p).unwrap_or_default(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.postings
                .cmp(&a.postings)
                .then(b.rows.cmp(&a.rows))
                .then(a.key.cmp(&b.key))
        });
        out
    }
}
