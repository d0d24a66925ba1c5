//! Reading the master for a run: the companies that may be linked, and the history (former
//! names, closed and merged companies) that explains postings naming a company as it was.
//!
//! Excluded records (`hihyoji = 1`) are in none of the three: the registry withholds them from
//! its own search, so a posting naming one is treated as naming an unknown company.

use futures::TryStreamExt;
use sqlx::Row;

use super::{Db, DbError, company_from_row, with_pool};
use crate::company::{Company, CorporateNumber, Master};
use crate::engine::History;

const COLS: &str = "c.corporate_number, c.name, c.name_kana, c.name_en, c.prefecture, c.city, \
     c.street, c.postal_code, c.phone, c.website, c.successor";
/// A former name carries the company's address and contacts, not its current readings.
const FORMER_COLS: &str = "f.corporate_number, f.name, '', '', c.prefecture, c.city, c.street, \
     c.postal_code, c.phone, c.website, c.successor";
/// The companies that may be link targets (also what [`Db::stream_companies`] sends).
pub(super) const TARGET: &str = "c.status = 'active' AND c.search_excluded = 0";
const ENDED: &str = "c.status IN ('closed', 'merged') AND c.search_excluded = 0";

impl Db {
    /// The whole master as matching sees it, held in memory (tests and small masters; a run
    /// streams the companies into its index instead and reads only [`Db::load_history`]).
    pub async fn load_master(&self) -> Result<Master, DbError> {
        let mut companies: Vec<Company> = self
            .fetch_history(&format!("SELECT {COLS} FROM companies c WHERE {TARGET}"))
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        companies.sort_unstable_by_key(|c| c.corporate_number);
        let History {
            former_names,
            closed,
        } = self.load_history().await?;
        Ok(Master {
            companies,
            former_names,
            closed,
        })
    }

    /// Former names of the companies that may be linked, and the closed and merged companies
    /// (by their names and former names) with their successors.
    pub async fn load_history(&self) -> Result<History, DbError> {
        let from_former = "FROM company_former_names f JOIN companies c ON c.corporate_number = \
             f.corporate_number WHERE f.name <> c.name AND";
        let former_names = self
            .fetch_history(&format!("SELECT {FORMER_COLS} {from_former} {TARGET}"))
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let mut closed = self
            .fetch_history(&format!("SELECT {COLS} FROM companies c WHERE {ENDED}"))
            .await?;
        closed.extend(
            self.fetch_history(&format!("SELECT {FORMER_COLS} {from_former} {ENDED}"))
                .await?,
        );
        Ok(History {
            former_names,
            closed,
        })
    }

    async fn fetch_history(
        &self,
        sql: &str,
    ) -> Result<Vec<(Company, Option<CorporateNumber>)>, DbError> {
        let mut out = Vec::new();
        let successor = |s: String| -> Result<Option<CorporateNumber>, DbError> {
            Ok(if s.is_empty() {
                None
            } else {
                Some(CorporateNumber::parse(&s)?)
            })
        };
        with_pool!(self, |pool| {
            let mut rows = sqlx::query(sql).fetch(pool);
            while let Some(row) = rows.try_next().await? {
                out.push((company_from_row(&row)?, successor(row.try_get(10)?)?));
            }
        });
        Ok(out)
    }
}
