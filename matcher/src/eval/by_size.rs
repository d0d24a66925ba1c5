//! Link quality as the master grows: the postings matched against nested samples of the
//! company master. Each sample keeps the postings whose company it holds and the same share
//! of the postings for unregistered companies, so the mix of postings stays the same while
//! namesakes thin out: a name that is unique at 20 k and has namesakes at 1.4 M shows whether
//! the thresholds keep their meaning.

use postings::Posting;
use rustc_hash::FxHashSet;

use super::{Report, Truth, evaluate, predictions};
use crate::company::{Company, CorporateNumber};
use crate::engine::{CompanyIndex, Thresholds, link_all};
use crate::stage::shard::Fnv1a;

#[derive(Debug, Clone)]
pub struct SizeRow {
    pub companies: usize,
    pub report: Report,
}

/// Matches the postings of each sample against the first `n` companies of a fixed shuffle of
/// the master, for each `n` in `sizes` (capped at the master's size).
pub fn by_master_size(
    companies: &[Company],
    postings: &[Posting],
    truth: &[Truth],
    sizes: &[usize],
    t: &Thresholds,
) -> Vec<SizeRow> {
    let mut order: Vec<&Company> = companies.iter().collect();
    // A fixed shuffle (by a mixed hash of the number) makes every sample a subset of the
    // next, so the rows differ only by the companies added.
    order.sort_by_key(|c| mix(c.corporate_number.as_u64()));
    sizes
        .iter()
        .map(|&n| {
            let sample: Vec<Company> = order.iter().take(n).map(|c| (*c).clone()).collect();
            let kept: FxHashSet<CorporateNumber> =
                sample.iter().map(|c| c.corporate_number).collect();
            let share = sample.len() as f64 / companies.len().max(1) as f64;
            let wanted: FxHashSet<&str> = truth
                .iter()
                .filter(|tr| match tr.corporate_number {
                    Some(c) => kept.contains(&c),
                    None => unit(&tr.posting_id) < share,
                })
                .map(|tr| tr.posting_id.as_str())
                .collect();
            let postings: Vec<Posting> = postings
                .iter()
                .filter(|p| wanted.contains(p.posting_id.as_str()))
                .cloned()
                .collect();
            let truth: Vec<Truth> = truth
                .iter()
                .filter(|tr| wanted.contains(tr.posting_id.as_str()))
                .cloned()
                .collect();
            let size = sample.len();
            let index = CompanyIndex::build(sample);
            let predictions = predictions(&postings, &link_all(&index, &postings, t));
            SizeRow {
                companies: size,
                report: evaluate(&predictions, &truth),
            }
        })
        .collect()
}

/// A posting id's fixed place in [0, 1).
fn unit(id: &str) -> f64 {
    let mut h = Fnv1a::new();
    h.write(id.as_bytes());
    (mix(h.finish()) >> 11) as f64 / (1u64 << 53) as f64
}

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
