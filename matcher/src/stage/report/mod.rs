//! `report.html`: one self-contained page per run (no scripts, no network, charts as inline
//! SVG) that says what the run did — rows per partner, why postings stayed unmatched, how
//! sure the links are, and how this run compares with the ones before it. Its numbers are
//! the manifest's, plus each partner's share of them from the per-upload results.

mod html;
mod svg;

use std::collections::BTreeMap;

use anyhow::Context;
use postings::RunId;
use postings::store::Store;

use super::destination::Destination;
use super::manifest::{Counts, Manifest};
use super::results::UploadPart;
use crate::engine::Decision;

pub const REPORT: &str = "report.html";

/// How many runs the trend shows, this one included.
const TREND_RUNS: usize = 10;

/// Upper edges of the score bins; the last bin is `[0.99, 1]`, where the links sit.
pub const SCORE_BINS: [f64; 11] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1.0];

/// How the run's scores spread: links by their probability, misses by their best candidate's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scores {
    pub matched: [u64; SCORE_BINS.len()],
    pub unmatched_best: [u64; SCORE_BINS.len()],
    /// Misses with no candidate at all.
    pub unmatched_without_candidate: u64,
}

impl Scores {
    pub fn of(decisions: &[Decision]) -> Self {
        let mut s = Self::default();
        for d in decisions {
            match d {
                Decision::Matched(link) => s.matched[bin(link.score)] += 1,
                Decision::Unmatched(miss) => match miss.best {
                    Some((_, score)) => s.unmatched_best[bin(score)] += 1,
                    None => s.unmatched_without_candidate += 1,
                },
            }
        }
        s
    }
}

fn bin(score: f64) -> usize {
    SCORE_BINS
        .iter()
        .position(|&edge| score < edge)
        .unwrap_or(SCORE_BINS.len() - 1)
}

/// Each partner's rows in the run, summed over its uploads.
pub fn by_partner(parts: &[UploadPart]) -> BTreeMap<String, Counts> {
    let mut partners: BTreeMap<String, Counts> = BTreeMap::new();
    for part in parts {
        let c = partners.entry(part.partner.to_string()).or_default();
        c.input_rows += part.counts.input_rows;
        c.matched += part.counts.matched;
        c.unmatched += part.counts.unmatched;
        c.rejected += part.counts.rejected;
        for (reason, n) in &part.counts.unmatched_by_reason {
            *c.unmatched_by_reason.entry(reason.clone()).or_default() += n;
        }
    }
    partners
}

/// One earlier run (or this one) in the trend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    pub run_id: String,
    pub counts: Counts,
}

/// What the page shows.
pub struct Report<'a> {
    pub manifest: &'a Manifest,
    pub partners: &'a BTreeMap<String, Counts>,
    pub scores: &'a Scores,
    /// Oldest first, ending with this run.
    pub trend: Vec<TrendPoint>,
}

impl Report<'_> {
    pub fn render(&self) -> String {
        html::page(self)
    }
}

/// Writes the run's report next to its other files. A run's report is a convenience: the
/// caller logs a failure rather than failing the run.
pub async fn write(
    dest: &Destination,
    store: Option<&Store>,
    manifest: &Manifest,
    partners: &BTreeMap<String, Counts>,
    scores: &Scores,
) -> anyhow::Result<()> {
    let mut trend = match store {
        Some(store) => earlier_runs(store, &manifest.run_id).await?,
        None => Vec::new(),
    };
    trend.push(TrendPoint {
        run_id: manifest.run_id.clone(),
        counts: manifest.counts.clone(),
    });
    let report = Report {
        manifest,
        partners,
        scores,
        trend,
    };
    dest.write(REPORT, report.render().into_bytes()).await
}

/// The whole runs started before `run_id` (or in the same second) that finished (have a
/// manifest), the latest `TREND_RUNS - 1` of them, oldest first. A manifest that does not
/// parse is left out.
async fn earlier_runs(store: &Store, run_id: &str) -> anyhow::Result<Vec<TrendPoint>> {
    let listed = store
        .list(postings::layout::RUNS_PREFIX)
        .await
        .context("listing runs for the report's trend")?;
    let this = RunId::parse(run_id).ok().map(|r| r.started_at());
    let mut runs: Vec<String> = listed
        .iter()
        .filter_map(|m| {
            let rest = m.key.strip_prefix(postings::layout::RUNS_PREFIX)?;
            let run = rest.strip_suffix("/manifest.json")?;
            let started = RunId::parse(run).ok()?.started_at();
            // Run ids order runs by their start to the second only (then a random part): a
            // run of the same second counts as earlier.
            (run != run_id && Some(started) <= this).then(|| run.to_owned())
        })
        .collect();
    runs.sort();
    let start = runs.len().saturating_sub(TREND_RUNS - 1);
    let mut trend = Vec::new();
    for run in &runs[start..] {
        let key = format!("{}{run}/manifest.json", postings::layout::RUNS_PREFIX);
        let Ok(body) = store.get(&key).await else {
            continue;
        };
        if let Ok(m) = serde_json::from_slice::<Manifest>(&body) {
            trend.push(TrendPoint {
                run_id: m.run_id,
                counts: m.counts,
            });
        }
    }
    Ok(trend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_fall_into_their_bins_and_one_is_in_the_last() {
        assert_eq!(bin(0.0), 0);
        assert_eq!(bin(0.0999), 0);
        assert_eq!(bin(0.1), 1);
        assert_eq!(bin(0.95), 9);
        assert_eq!(bin(0.99), 10);
        assert_eq!(bin(1.0), 10);
    }
}
