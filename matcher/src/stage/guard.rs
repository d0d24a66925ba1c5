//! The snapshot guard: a partner's weekly file replaces its whole listing, so a file that is
//! empty by mistake, mostly rejected, or that would close most of what is open is held for an
//! operator (`matcher approve --upload U`) instead of wiping the partner's postings.

use serde::Serialize;

/// The guard's limits (shares between 0 and 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Guard {
    /// Largest share of a partner's open postings one snapshot may close.
    pub max_close_share: f64,
    /// Largest share of a snapshot's rows the posting contract may reject.
    pub max_rejected_share: f64,
}

impl Default for Guard {
    fn default() -> Self {
        Self {
            max_close_share: 0.5,
            max_rejected_share: 0.2,
        }
    }
}

/// What a partner's snapshot holds, over all its uploads in the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotRows {
    pub rows: u64,
    /// `None` for runs matched before manifests counted valid rows: not checked.
    pub valid: Option<u64>,
    pub rejected: u64,
    /// The partner said the upload is empty on purpose (`?empty=true`).
    pub declared_empty: bool,
}

impl Guard {
    /// Why the snapshot's own rows say it must be held, if they do.
    pub fn check_rows(&self, s: &SnapshotRows) -> Option<String> {
        let valid = s.valid?;
        if s.rows == 0 {
            return (!s.declared_empty).then(|| {
                "no data rows (a header-only file); a partner with no postings uploads with \
                 ?empty=true"
                    .to_string()
            });
        }
        if valid == 0 {
            return Some(format!("no valid rows: all {} rows were rejected", s.rows));
        }
        let share = s.rejected as f64 / s.rows as f64;
        (share > self.max_rejected_share).then(|| {
            format!(
                "{} of {} rows rejected ({:.0}%, more than the {:.0}% allowed)",
                s.rejected,
                s.rows,
                share * 100.0,
                self.max_rejected_share * 100.0
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rows: u64, valid: u64) -> SnapshotRows {
        SnapshotRows {
            rows,
            valid: Some(valid),
            rejected: rows - valid,
            declared_empty: false,
        }
    }

    #[test]
    fn empty_all_rejected_and_mostly_rejected_snapshots_are_held_and_good_ones_pass() {
        let g = Guard::default();
        assert!(g.check_rows(&rows(0, 0)).unwrap().contains("no data rows"));
        assert!(
            g.check_rows(&rows(150, 0))
                .unwrap()
                .contains("all 150 rows")
        );
        assert!(g.check_rows(&rows(10, 7)).unwrap().contains("3 of 10 rows"));
        assert_eq!(g.check_rows(&rows(10, 8)), None);
        let declared = SnapshotRows {
            declared_empty: true,
            ..rows(0, 0)
        };
        assert_eq!(g.check_rows(&declared), None);
        let unknown = SnapshotRows {
            valid: None,
            ..rows(0, 0)
        };
        assert_eq!(
            g.check_rows(&unknown),
            None,
            "older manifests are not checked"
        );
    }
}
