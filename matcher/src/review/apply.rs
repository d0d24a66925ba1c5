//! Review overrides in the match stage: applied to every posting of a decided group before
//! the run's files are written, on every run and re-run, so that a decision sticks.

use std::collections::HashMap;

use anyhow::Context;
use postings::Posting;

use super::overrides::{self, Override};
use super::{GroupKey, Verdict};
use crate::engine::{Decision, Link, Miss, UnmatchedReason};
use crate::stage::companies::CompanySource;
pub use crate::stage::manifest::{OverrideReport, StaleOverride};

/// The method written for a posting linked by an operator's decision.
pub const MANUAL: &str = "manual";

/// The decisions a run applies.
#[derive(Debug, Default)]
pub struct Overrides {
    all: HashMap<GroupKey, Override>,
}

impl Overrides {
    /// The decisions stored beside the company master; none for a company CSV (offline work).
    pub async fn for_source(source: &CompanySource) -> anyhow::Result<Self> {
        let CompanySource::Database(url) = source else {
            return Ok(Self::default());
        };
        let db = crate::cli::connect_database(url).await?;
        let list = overrides::list(&db)
            .await
            .context("reading review overrides")?;
        db.close().await;
        Ok(Self::from_list(list))
    }

    pub fn from_list(list: Vec<Override>) -> Self {
        Self {
            all: list.into_iter().map(|o| (o.key.clone(), o)).collect(),
        }
    }

    /// Replaces the engine's decision for every posting of a decided group, and reports the
    /// decisions whose company has left the master.
    pub fn apply(&self, postings: &[Posting], decisions: &mut [Decision]) -> OverrideReport {
        let mut report = OverrideReport {
            stored: self.all.len() as u64,
            ..OverrideReport::default()
        };
        if self.all.is_empty() {
            return report;
        }
        let mut stale: HashMap<&GroupKey, u64> = HashMap::new();
        for (p, d) in postings.iter().zip(decisions.iter_mut()) {
            let key = GroupKey::of(p);
            let Some(o) = self.all.get(&key) else {
                continue;
            };
            if !o.in_master {
                *stale.entry(&o.key).or_default() += 1;
                continue;
            }
            report.applied += 1;
            *d = match o.verdict {
                Verdict::Company(n) => Decision::Matched(Link {
                    corporate_number: n,
                    score: 1.0,
                    method: MANUAL,
                }),
                Verdict::NotInMaster => Decision::Unmatched(Miss {
                    reason: UnmatchedReason::ReviewedNotInMaster,
                    best: None,
                }),
            };
        }
        // Every stale decision is reported, whether or not this run met its postings.
        let mut stale: Vec<StaleOverride> = self
            .all
            .values()
            .filter(|o| !o.in_master)
            .map(|o| StaleOverride {
                name: o.key.name.clone(),
                place: o.key.place.clone(),
                corporate_number: match o.verdict {
                    Verdict::Company(n) => n.to_string(),
                    Verdict::NotInMaster => String::new(),
                },
                decided_by: o.decided_by.clone(),
                decided_at: o.decided_at.clone(),
                postings: stale.get(&o.key).copied().unwrap_or(0),
            })
            .collect();
        stale.sort_by(|a, b| (&a.name, &a.place).cmp(&(&b.name, &b.place)));
        for s in &stale {
            tracing::warn!(
                name = %s.name, place = %s.place, corporate_number = %s.corporate_number,
                decided_by = %s.decided_by, decided_at = %s.decided_at, postings = s.postings,
                "review override names a company no longer in the master; not applied, \
                 decide the group again (`matcher review serve`)"
            );
        }
        report.stale = stale;
        report
    }
}
