//! The index must not depend on the order or the chunking in which the master arrives (a
//! database returns rows in no particular order; the reader hands them over in chunks).

use std::path::Path;

use super::*;
use crate::company::read_companies_csv;
use crate::eval::read_postings;

fn sample() -> (Vec<crate::company::Company>, Vec<Posting>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let (companies, _) = read_companies_csv(root.join("companies.csv")).unwrap();
    let mut postings = Vec::new();
    for partner in ["acme-jobs", "sakura-career"] {
        let path = root.join("uploads").join(partner).join("postings.csv");
        postings.extend(read_postings(&path).unwrap().0);
    }
    (companies, postings)
}

#[test]
fn a_master_streamed_in_another_order_and_in_chunks_links_the_same() {
    let (companies, postings) = sample();
    let t = Thresholds::default();
    let whole = link_all(&CompanyIndex::build(companies.clone()), &postings, &t);

    let mut reversed = companies;
    reversed.reverse();
    let mut builder = IndexBuilder::default();
    for chunk in reversed.chunks(97) {
        builder.add(chunk);
    }
    assert_eq!(builder.len(), reversed.len());
    let streamed = link_all(&builder.finish(), &postings, &t);

    let matched = whole
        .iter()
        .filter(|d| matches!(d, Decision::Matched(_)))
        .count();
    assert!(matched > postings.len() / 2, "only {matched} linked");
    assert_eq!(streamed, whole);
}
