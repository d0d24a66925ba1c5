//! The `review_overrides` table: one decision per (name, place), with who made it and when.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Row;

use super::{GroupKey, Verdict};
use crate::company::{Company, CorporateNumber};
use crate::db::{Db, DbError, company_from_row, with_pool};

/// One stored decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub key: GroupKey,
    pub verdict: Verdict,
    pub decided_by: String,
    /// RFC 3339, UTC.
    pub decided_at: String,
    /// Whether the company decided on is in the master now and may be linked: not closed,
    /// merged or excluded by the registry (always true for "not in the master").
    pub in_master: bool,
}

const SELECT: &str = "SELECT o.name_key, o.place, o.corporate_number, o.decided_by, \
     o.decided_at, o.corporate_number IS NULL OR c.corporate_number IS NOT NULL \
     FROM review_overrides o LEFT JOIN companies c ON c.corporate_number = o.corporate_number \
     AND c.status = 'active' AND c.search_excluded = 0 \
     ORDER BY o.name_key, o.place";

const UPSERT: &str = "INSERT INTO review_overrides \
     (name_key, place, corporate_number, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (name_key, place) DO UPDATE SET corporate_number = excluded.corporate_number, \
     decided_by = excluded.decided_by, decided_at = excluded.decided_at";

const COMPANY: &str = "SELECT corporate_number, name, name_kana, name_en, prefecture, city, \
     street, postal_code, phone, website FROM companies WHERE corporate_number = $1 \
     AND status = 'active' AND search_excluded = 0";

/// Every decision, in key order.
pub async fn list(db: &Db) -> Result<Vec<Override>, DbError> {
    with_pool!(db, |pool| {
        let rows = sqlx::query(SELECT).fetch_all(pool).await?;
        rows.iter()
            .map(|r| {
                let number: Option<String> = r.try_get(2)?;
                let at: DateTime<Utc> = r.try_get(4)?;
                Ok(Override {
                    key: GroupKey {
                        name: r.try_get(0)?,
                        place: r.try_get(1)?,
                    },
                    verdict: match number {
                        Some(n) => Verdict::Company(CorporateNumber::parse(&n)?),
                        None => Verdict::NotInMaster,
                    },
                    decided_by: r.try_get(3)?,
                    decided_at: at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    in_master: r.try_get(5)?,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()
    })
}

/// Records (or replaces) the decision for a group.
pub async fn record(db: &Db, key: &GroupKey, verdict: Verdict, by: &str) -> Result<(), DbError> {
    let number = match verdict {
        Verdict::Company(n) => Some(n.to_string()),
        Verdict::NotInMaster => None,
    };
    let now = Utc::now();
    with_pool!(db, |pool| {
        sqlx::query(UPSERT)
            .bind(&key.name)
            .bind(&key.place)
            .bind(number)
            .bind(by)
            .bind(now)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The company's master record, if it is (still) in the master.
pub async fn company(db: &Db, number: CorporateNumber) -> Result<Option<Company>, DbError> {
    let number = number.to_string();
    with_pool!(db, |pool| {
        sqlx::query(COMPANY)
            .bind(number)
            .fetch_optional(pool)
            .await?
            .map(|r| company_from_row(&r))
            .transpose()
    })
}
