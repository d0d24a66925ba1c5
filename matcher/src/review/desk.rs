//! What an operator reviews with: the company index, the queue, and the candidates of a group
//! with their master records.

use std::collections::HashSet;

use anyhow::Context;
use postings::store::Store;

use super::overrides;
use super::queue::{self, Group};
use super::{GroupKey, Verdict};
use crate::company::Company;
use crate::db::Db;
use crate::engine::{Candidate, CompanyIndex, Thresholds};

/// Candidates shown per group: one per key, 1 to 9.
pub const MAX_CANDIDATES: usize = 9;

pub struct Desk {
    pub db: Db,
    pub index: CompanyIndex,
    pub thresholds: Thresholds,
    /// The undecided groups, biggest first.
    pub queue: Vec<Group>,
}

/// A candidate with its master record (`None` if it left the master since the index was
/// built).
pub struct Shown {
    pub candidate: Candidate,
    pub company: Option<Company>,
}

impl Desk {
    /// Reads the company master and the latest `runs` runs' unmatched postings.
    pub async fn open(store: &Store, db: Db, runs: usize) -> anyhow::Result<Self> {
        // Only companies that may be linked are offered (not closed, merged or excluded ones).
        let builder = crate::stage::companies::index_from_db(&db).await?;
        let index = tokio::task::spawn_blocking(move || builder.finish())
            .await
            .context("building the company index")?;
        let decided: HashSet<GroupKey> = overrides::list(&db)
            .await
            .context("reading review overrides")?
            .into_iter()
            .map(|o| o.key)
            .collect();
        let queue = queue::build(store, runs, &decided).await?;
        tracing::info!(
            groups = queue.len(),
            postings = queue.iter().map(|g| g.postings).sum::<usize>(),
            companies = index.len(),
            "review queue ready"
        );
        Ok(Self {
            db,
            index,
            thresholds: Thresholds::default(),
            queue,
        })
    }

    /// The group's candidates, likeliest first, weighed against its most informative posting.
    pub async fn candidates(&self, group: &Group) -> anyhow::Result<Vec<Shown>> {
        let mut out = Vec::new();
        for candidate in self
            .index
            .explain(&group.example, &self.thresholds, MAX_CANDIDATES)
        {
            let company = overrides::company(&self.db, candidate.corporate_number).await?;
            out.push(Shown { candidate, company });
        }
        Ok(out)
    }

    /// Stores the decision and takes the group off the queue.
    pub async fn decide(
        &mut self,
        key: &GroupKey,
        verdict: Verdict,
        by: &str,
    ) -> anyhow::Result<()> {
        if let Verdict::Company(n) = verdict
            && overrides::company(&self.db, n).await?.is_none()
        {
            anyhow::bail!("company {n} is not in the master");
        }
        overrides::record(&self.db, key, verdict, by)
            .await
            .context("recording the decision")?;
        self.queue.retain(|g| g.key != *key);
        tracing::info!(name = %key.name, place = %key.place, verdict = ?verdict, decided_by = by, "review decision recorded");
        Ok(())
    }
}
