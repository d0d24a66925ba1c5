//! What a batch of registry rows does to the master, decided against what the master already
//! holds (pure: the database side is in `registry`).
//!
//! Rows are taken in file order. A row changes a company's current record only when it is the
//! current record (`latest = 1`) and no older than the one the master holds (`updateDate`), so
//! applying a file again, or an older diff after a newer one, changes nothing; an older or past
//! (`latest = 0`) row still adds its name to the former names when the company no longer bears
//! it. A withdrawal (99) removes the company and is remembered, so that no older row revives it.

use rustc_hash::FxHashMap;

use crate::company::CorporateNumber;
use crate::company::registry::{Process, RegistryRow};

/// What the master holds for a number before the batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Known {
    /// Current name, when the company is in the master.
    pub name: Option<String>,
    /// `updateDate` of its current record ("" when it did not come from the registry).
    pub updated: String,
    /// When the registry withdrew the number, if it did.
    pub removed_on: Option<String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The current record of every company the batch changes, in first-seen order.
    pub upserts: Vec<RegistryRow>,
    /// (number, former name, updateDate of the row that showed it).
    pub former: Vec<(CorporateNumber, String, String)>,
    /// (number, updateDate of the withdrawal).
    pub removals: Vec<(CorporateNumber, String)>,
    /// Numbers that come back after a withdrawal (newer rows than it).
    pub revived: Vec<CorporateNumber>,
    /// Rows that were older than the master's record (their names may still be history).
    pub older: u64,
}

pub(crate) fn plan(rows: Vec<RegistryRow>, known: &FxHashMap<CorporateNumber, Known>) -> Plan {
    let mut state: FxHashMap<CorporateNumber, Known> = FxHashMap::default();
    let mut order: Vec<CorporateNumber> = Vec::new();
    let mut current: FxHashMap<CorporateNumber, RegistryRow> = FxHashMap::default();
    let mut former: Vec<(CorporateNumber, String, String)> = Vec::new();
    let mut older = 0;
    for row in rows {
        let n = row.corporate_number;
        let w = state.entry(n).or_insert_with(|| {
            order.push(n);
            known.get(&n).cloned().unwrap_or_default()
        });
        let date = row.update_date.as_str();
        let withdrawn_since = w.removed_on.as_deref().is_some_and(|r| r >= date);
        if row.process == Process::Deleted {
            if !withdrawn_since && date >= w.updated.as_str() {
                w.name = None;
                w.updated = date.to_string();
                w.removed_on = Some(date.to_string());
                current.remove(&n);
            } else {
                older += 1;
            }
            continue;
        }
        if withdrawn_since {
            older += 1;
            continue;
        }
        if !row.latest || date < w.updated.as_str() {
            if row.latest {
                older += 1;
            }
            former.push((n, row.name.clone(), date.to_string()));
            continue;
        }
        if let Some(old) = w.name.take().filter(|old| *old != row.name) {
            former.push((n, old, date.to_string()));
        }
        w.name = Some(row.name.clone());
        w.updated = date.to_string();
        current.insert(n, row);
    }
    let mut plan = Plan {
        older,
        ..Plan::default()
    };
    for n in &order {
        let w = &state[n];
        let before = known.get(n);
        if let Some(row) = current.remove(n) {
            if before.is_some_and(|k| k.removed_on.is_some()) {
                plan.revived.push(*n);
            }
            plan.upserts.push(row);
        } else if let Some(on) = &w.removed_on
            && before.and_then(|k| k.removed_on.as_ref()) != Some(on)
        {
            plan.removals.push((*n, on.clone()));
        }
    }
    // A former name is history of a company the master keeps, and never its current name.
    let mut seen = rustc_hash::FxHashSet::default();
    plan.former = former
        .into_iter()
        .filter(|(n, name, _)| {
            let w = &state[n];
            w.removed_on.is_none()
                && w.name.as_ref().is_some_and(|cur| cur != name)
                && !name.is_empty()
                && seen.insert((*n, name.clone()))
        })
        .collect();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::company::registry::Process;

    fn n(s: &str) -> CorporateNumber {
        CorporateNumber::parse(s).unwrap()
    }

    fn row(num: &str, process: Process, date: &str, name: &str, latest: bool) -> RegistryRow {
        RegistryRow {
            sequence: 0,
            corporate_number: n(num),
            process,
            update_date: date.into(),
            change_date: String::new(),
            name: name.into(),
            kind: "301".into(),
            prefecture: "東京都".into(),
            city: "千代田区".into(),
            street: String::new(),
            postal_code: String::new(),
            address_outside: String::new(),
            close_date: String::new(),
            close_cause: String::new(),
            successor: None,
            latest,
            name_en: String::new(),
            furigana: String::new(),
            search_excluded: false,
        }
    }

    const A: &str = "7000012050002";

    fn known(name: &str, updated: &str) -> FxHashMap<CorporateNumber, Known> {
        [(
            n(A),
            Known {
                name: Some(name.into()),
                updated: updated.into(),
                removed_on: None,
            },
        )]
        .into_iter()
        .collect()
    }

    #[test]
    fn a_rename_keeps_the_old_name_and_a_second_application_changes_nothing_new() {
        let rename = || vec![row(A, Process::NameChanged, "2026-11-02", "新名", true)];
        let p = plan(rename(), &known("旧名", "2026-11-01"));
        assert_eq!(p.upserts.len(), 1);
        assert_eq!(p.former, vec![(n(A), "旧名".into(), "2026-11-02".into())]);
        let again = plan(rename(), &known("新名", "2026-11-02"));
        assert!(again.former.is_empty());
        assert_eq!(
            again.upserts.len(),
            1,
            "the same values, written as no change"
        );
    }

    #[test]
    fn an_older_row_only_adds_history_and_a_past_row_never_sets_the_record() {
        let p = plan(
            vec![
                row(A, Process::NameChanged, "2026-11-02", "中間名", false),
                row(A, Process::NameChanged, "2026-11-01", "古名", true),
            ],
            &known("最新名", "2026-11-03"),
        );
        assert!(p.upserts.is_empty());
        assert_eq!(p.older, 1);
        let names: Vec<&str> = p.former.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(names, ["中間名", "古名"]);
    }

    #[test]
    fn a_withdrawal_removes_and_no_older_row_revives() {
        let p = plan(
            vec![row(A, Process::Deleted, "2026-11-02", "", true)],
            &known("名", "2026-11-01"),
        );
        assert_eq!(p.removals, vec![(n(A), "2026-11-02".into())]);
        let gone: FxHashMap<_, _> = [(
            n(A),
            Known {
                name: None,
                updated: String::new(),
                removed_on: Some("2026-11-02".into()),
            },
        )]
        .into_iter()
        .collect();
        let p = plan(
            vec![
                row(A, Process::New, "2026-11-01", "名", true),
                row(A, Process::Deleted, "2026-11-02", "", true),
            ],
            &gone,
        );
        assert_eq!(
            p,
            Plan {
                older: 2,
                ..Plan::default()
            }
        );
    }
}
