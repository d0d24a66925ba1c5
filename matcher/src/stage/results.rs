//! Each upload's results for its partner (`postings::results`): one CSV of what became of
//! every row, in line order, and its counts, written under the partner's own prefix so that
//! the API never reads the run's files, which hold every partner's rows.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use postings::results::{self as layout, ResultSummary};
use postings::store::Store;
use postings::{PartnerId, Posting, RunId, UploadId};

use super::hints;
use super::inputs::{Origin, RejectedRow};
use super::manifest::{Counts, InputRecord};
use super::outputs;
use super::shard::Shard;
use crate::engine::Decision;

/// One upload's part of a run (or of one shard of it).
#[derive(Debug)]
pub struct UploadPart {
    pub partner: Arc<str>,
    pub upload_id: Arc<str>,
    pub csv: Vec<u8>,
    pub counts: Counts,
}

type Row = [String; 7];
/// (partner, upload id) → the upload's rows by line, and their counts.
type Parts = BTreeMap<(Arc<str>, Arc<str>), (Vec<(u64, Row)>, Counts)>;

/// One part per input, with its rows in line order (an input with no rows in this shard still
/// gets its part, so that the API can tell a shard that found nothing from one not yet done).
pub fn render(
    inputs: &[InputRecord],
    postings: &[Posting],
    origins: &[Origin],
    decisions: &[Decision],
    rejected: &[RejectedRow],
) -> Result<Vec<UploadPart>, csv::Error> {
    let mut rows = Parts::new();
    for input in inputs {
        let key = (
            Arc::from(input.partner.as_str()),
            Arc::from(input.upload_id.as_str()),
        );
        rows.entry(key)
            .or_insert_with(|| (Vec::new(), Counts::new()));
    }
    fn entry<'a>(rows: &'a mut Parts, o: &Origin) -> &'a mut (Vec<(u64, Row)>, Counts) {
        rows.entry((o.partner.clone(), o.upload_id.clone()))
            .or_insert_with(|| (Vec::new(), Counts::new()))
    }
    for ((p, o), d) in postings.iter().zip(origins).zip(decisions) {
        let (part, counts) = entry(&mut rows, o);
        counts.record(d);
        let row = match d {
            Decision::Matched(link) => {
                let mut row = row(o.line, &p.posting_id, layout::MATCHED, "", String::new());
                row[5] = link.corporate_number.to_string();
                row[6] = outputs::score(link.score);
                row
            }
            Decision::Unmatched(miss) => {
                let reason = miss.reason.as_str();
                let hint = hints::unmatched(miss.reason, p);
                row(o.line, &p.posting_id, layout::UNMATCHED, reason, hint)
            }
        };
        part.push((o.line, row));
    }
    for r in rejected {
        let (part, counts) = entry(&mut rows, &r.origin);
        counts.record_rejected();
        let hint = hints::rejected(&r.reason);
        part.push((
            r.origin.line,
            row(
                r.origin.line,
                &r.posting_id,
                layout::REJECTED,
                &r.reason,
                hint,
            ),
        ));
    }
    rows.into_iter()
        .map(|((partner, upload_id), (mut part, counts))| {
            part.sort_by_key(|(line, _)| *line);
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(layout::COLUMNS)?;
            for (_, row) in &part {
                w.write_record(row)?;
            }
            let csv = w
                .into_inner()
                .map_err(|e| csv::Error::from(e.into_error()))?;
            Ok(UploadPart {
                partner,
                upload_id,
                csv,
                counts,
            })
        })
        .collect()
}

fn row(line: u64, posting_id: &str, outcome: &str, reason: &str, hint: String) -> Row {
    [
        line.to_string(),
        posting_id.to_owned(),
        outcome.to_owned(),
        reason.to_owned(),
        hint,
        String::new(),
        String::new(),
    ]
}

/// Writes each part, its CSV before its summary. Parts of uploads whose ids do not parse (an
/// offline file) are skipped: they have no partner to read them.
pub async fn write(
    store: &Store,
    run_id: &str,
    shard: Option<Shard>,
    parts: Vec<UploadPart>,
) -> anyhow::Result<()> {
    let run = RunId::parse(run_id)?;
    let shard = shard.map(|s| (s.index, s.count));
    let part_name = layout::part_name(shard);
    for part in parts {
        let (Ok(partner), Ok(upload)) = (
            PartnerId::parse(&part.partner),
            UploadId::parse(&part.upload_id),
        ) else {
            continue;
        };
        let summary = ResultSummary {
            run_id: run.clone(),
            shard,
            matched: part.counts.matched,
            unmatched: part.counts.unmatched,
            unmatched_by_reason: part.counts.unmatched_by_reason,
            rejected: part.counts.rejected,
        };
        let csv_key = layout::csv_key(&partner, &upload, &run, &part_name);
        store
            .put(&csv_key, Bytes::from(part.csv))
            .await
            .with_context(|| format!("writing {csv_key}"))?;
        let summary_key = layout::summary_key(&partner, &upload, &run, &part_name);
        store
            .put(&summary_key, Bytes::from(serde_json::to_vec(&summary)?))
            .await
            .with_context(|| format!("writing {summary_key}"))?;
    }
    Ok(())
}
