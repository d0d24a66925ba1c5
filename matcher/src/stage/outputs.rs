//! The run's CSVs: `matched.csv`, `unmatched.csv`, `rejected.csv` (formats documented in the
//! README; the load stage reads matched.csv by these column names). Each posting's own fields
//! come first, under the posting contract's canonical names ([`Column::ALL`]).

use postings::Posting;
use postings::csv::Column;

use super::inputs::{Origin, RejectedRow};
use super::manifest::Counts;
use crate::engine::Decision;

pub const MATCHED_EXTRA: [&str; 6] = [
    "partner",
    "upload_id",
    "line",
    "corporate_number",
    "match_score",
    "match_method",
];
pub const UNMATCHED_EXTRA: [&str; 6] = [
    "partner",
    "upload_id",
    "line",
    "reason",
    "best_corporate_number",
    "best_score",
];
pub const REJECTED_COLUMNS: [&str; 5] = ["partner", "upload_id", "line", "posting_id", "reason"];

/// The three CSVs of a run, rendered, with their counts.
#[derive(Debug)]
pub struct RenderedOutputs {
    pub matched: Vec<u8>,
    pub unmatched: Vec<u8>,
    pub rejected: Vec<u8>,
    pub counts: Counts,
}

/// Renders decisions (one per posting, same order) and rejections, in the order given.
pub fn render(
    postings: &[Posting],
    origins: &[Origin],
    decisions: &[Decision],
    rejected: &[RejectedRow],
) -> Result<RenderedOutputs, csv::Error> {
    assert_eq!(postings.len(), decisions.len(), "one decision per posting");
    assert_eq!(postings.len(), origins.len(), "one origin per posting");
    let mut counts = Counts::new();
    let mut matched = writer(posting_columns().chain(MATCHED_EXTRA))?;
    let mut unmatched = writer(posting_columns().chain(UNMATCHED_EXTRA))?;
    for ((p, o), d) in postings.iter().zip(origins).zip(decisions) {
        let mut row = posting_fields(p);
        row.extend(origin_fields(o));
        counts.record(d);
        match d {
            Decision::Matched(link) => {
                row.push(link.corporate_number.to_string());
                row.push(score(link.score));
                row.push(link.method.to_owned());
                matched.write_record(&row)?;
            }
            Decision::Unmatched(miss) => {
                row.push(miss.reason.as_str().to_owned());
                match &miss.best {
                    Some((cn, s)) => {
                        row.push(cn.to_string());
                        row.push(score(*s));
                    }
                    None => row.extend([String::new(), String::new()]),
                }
                unmatched.write_record(&row)?;
            }
        }
    }
    let mut rej = writer(REJECTED_COLUMNS.into_iter())?;
    for r in rejected {
        let mut row = origin_fields(&r.origin);
        row.push(r.posting_id.clone());
        row.push(r.reason.clone());
        rej.write_record(&row)?;
        counts.record_rejected();
    }
    Ok(RenderedOutputs {
        matched: finish(matched)?,
        unmatched: finish(unmatched)?,
        rejected: finish(rej)?,
        counts,
    })
}

/// A score as the run files write it: four decimals.
pub(super) fn score(s: f64) -> String {
    format!("{s:.4}")
}

fn posting_columns() -> impl Iterator<Item = &'static str> {
    Column::ALL.into_iter().map(Column::name)
}

fn writer(header: impl Iterator<Item = &'static str>) -> Result<csv::Writer<Vec<u8>>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    Ok(w)
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn origin_fields(o: &Origin) -> Vec<String> {
    vec![
        o.partner.to_string(),
        o.upload_id.to_string(),
        o.line.to_string(),
    ]
}

fn posting_fields(p: &Posting) -> Vec<String> {
    let mut row = Vec::with_capacity(Column::ALL.len() + MATCHED_EXTRA.len());
    row.extend(Column::ALL.into_iter().map(|c| p.field(c).into_owned()));
    row
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::company::CorporateNumber;
    use crate::engine::{Link, Miss, UnmatchedReason};

    fn origin(line: u64) -> Origin {
        Origin {
            partner: Arc::from("acme"),
            upload_id: Arc::from("u1"),
            line,
        }
    }

    fn posting(id: &str, name: &str) -> Posting {
        Posting {
            posting_id: id.into(),
            company_name: name.into(),
            job_title: "営業, 東京".into(),
            salary_min: Some(200000),
            ..Posting::default()
        }
    }

    #[test]
    fn each_decision_lands_in_its_file_with_scores_to_four_decimals() {
        let cn = CorporateNumber::parse("7000012050002").unwrap();
        let postings = [posting("P1", "国税庁"), posting("P2", "謎の会社")];
        let decisions = [
            Decision::Matched(Link {
                corporate_number: cn,
                score: 0.98765,
                method: "name+city",
            }),
            Decision::Unmatched(Miss {
                reason: UnmatchedReason::BelowThreshold,
                best: Some((cn, 0.5)),
            }),
        ];
        let rejected = [RejectedRow {
            origin: origin(4),
            posting_id: String::new(),
            reason: "missing company_name".into(),
        }];
        let out = render(&postings, &[origin(2), origin(3)], &decisions, &rejected).unwrap();
        let matched = String::from_utf8(out.matched).unwrap();
        assert_eq!(
            matched.lines().nth(1).unwrap(),
            "P1,国税庁,,,,\"営業, 東京\",,200000,,,,,acme,u1,2,7000012050002,0.9877,name+city"
        );
        let unmatched = String::from_utf8(out.unmatched).unwrap();
        assert!(
            unmatched
                .lines()
                .nth(1)
                .unwrap()
                .ends_with(",acme,u1,3,below_threshold,7000012050002,0.5000"),
            "{unmatched}"
        );
        let rejected = String::from_utf8(out.rejected).unwrap();
        assert_eq!(
            rejected,
            "partner,upload_id,line,posting_id,reason\nacme,u1,4,,missing company_name\n"
        );
        assert_eq!(out.counts.input_rows, 3);
        assert_eq!(out.counts.unmatched_by_reason["below_threshold"], 1);
        assert!(out.counts.adds_up());
    }

    #[test]
    fn headers_are_written_even_when_a_file_has_no_rows() {
        let out = render(&[], &[], &[], &[]).unwrap();
        let matched = String::from_utf8(out.matched).unwrap();
        assert!(matched.starts_with("posting_id,company_name,"));
        assert!(
            matched
                .trim_end()
                .ends_with("corporate_number,match_score,match_method")
        );
        assert_eq!(matched.lines().count(), 1);
    }
}
