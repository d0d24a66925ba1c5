//! The offline contract: `matcher match --companies C --postings P --out DIR` writes the three
//! CSVs and the manifest into DIR, every input row in exactly one of them.

use crate::match_support;

use std::collections::BTreeMap;

use match_support::*;
use sha2::{Digest, Sha256};

#[test]
fn every_posting_row_ends_in_exactly_one_output_and_the_manifest_counts_add_up() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = write_small_sample(tmp.path());
    let out = tmp.path().join("out");
    run_ok(&mut offline(&sample.companies, &sample.postings, &out));

    let matched = read_csv(&out.join("matched.csv"));
    let unmatched = read_csv(&out.join("unmatched.csv"));
    let rejected = read_csv(&out.join("rejected.csv"));
    assert_eq!(
        matched[0].join(","),
        "posting_id,company_name,company_address,company_phone,company_url,job_title,employment_type,salary_min,salary_max,work_location,description,posted_at,partner,upload_id,line,corporate_number,match_score,match_method"
    );
    assert_eq!(
        unmatched[0].join(","),
        "posting_id,company_name,company_address,company_phone,company_url,job_title,employment_type,salary_min,salary_max,work_location,description,posted_at,partner,upload_id,line,reason,best_corporate_number,best_score"
    );
    assert_eq!(
        rejected[0].join(","),
        "partner,upload_id,line,posting_id,reason"
    );

    // Each input record, by the line it starts on, lands exactly once.
    let mut seen: BTreeMap<u64, &str> = BTreeMap::new();
    for (file, rows, line_col) in [
        ("matched", &matched, 14),
        ("unmatched", &unmatched, 14),
        ("rejected", &rejected, 2),
    ] {
        for row in &rows[1..] {
            let line: u64 = row[line_col].parse().unwrap();
            assert!(
                seen.insert(line, file).is_none(),
                "line {line} written twice"
            );
        }
    }
    // Lines 2..=9 hold the 7 records (P5 spans lines 6-8, so P6 starts on 9 and P7 on 10).
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        [2, 3, 4, 5, 6, 9, 10],
        "{seen:?}"
    );
    assert_eq!(seen[&4], "rejected", "missing company_name");
    assert_eq!(seen[&5], "rejected", "salary_min is not a number");
    assert_eq!(seen[&9], "rejected", "too few fields");
    let rejected_ids: Vec<&str> = rejected[1..].iter().map(|r| r[3].as_str()).collect();
    assert_eq!(rejected_ids, ["P3", "P4", "P6"]);
    assert!(
        rejected[1..]
            .iter()
            .all(|r| r[0] == "offline" && r[1] == "offline" && !r[4].is_empty())
    );

    // A posting that names a company exactly as the master does, with its address, phone and
    // domain, is linked to it.
    let p1 = matched[1..]
        .iter()
        .find(|r| r[0] == "P1")
        .expect("P1 matched");
    assert_eq!(p1[15], "1180301018771");
    assert_eq!(p1[10], "説明, カンマ入り", "a quoted comma survives");
    let score: f64 = p1[16].parse().unwrap();
    assert!(
        (0.99..=1.0).contains(&score) && p1[16].len() == 6,
        "a link with every kind of evidence is scored at least the default min_probability, written with 4 decimals: {}",
        p1[16]
    );
    // A company absent from the master is never linked.
    let p2 = unmatched[1..]
        .iter()
        .find(|r| r[0] == "P2")
        .expect("P2 unmatched");
    // Nothing in the master shares its name, phone or domain.
    assert_eq!(
        (p2[15].as_str(), p2[16].as_str()),
        ("no_candidate", ""),
        "{p2:?}"
    );
    // A multi-line description comes back whole.
    let p5 = matched[1..]
        .iter()
        .chain(&unmatched[1..])
        .find(|r| r[0] == "P5")
        .expect("P5 written");
    assert_eq!(p5[10], "複数行\n の説明\n3行目");

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let counts = &manifest["counts"];
    assert_eq!(counts["input_rows"], sample.rows);
    assert_eq!(counts["matched"], (matched.len() - 1) as u64);
    assert_eq!(counts["unmatched"], (unmatched.len() - 1) as u64);
    assert_eq!(counts["rejected"], 3);
    let by_reason: u64 = counts["unmatched_by_reason"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_reason, (unmatched.len() - 1) as u64);
}

#[test]
fn the_manifest_records_the_input_checksum_companies_and_refused_company_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = write_small_sample(tmp.path());
    let out = tmp.path().join("out");
    let run = run_ok(&mut offline(&sample.companies, &sample.postings, &out));

    let body = std::fs::read(&sample.postings).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["run_id"], "offline");
    assert!(manifest["shard"].is_null());
    assert!(manifest["version"].as_str().is_some_and(|v| !v.is_empty()));
    let input = &manifest["inputs"][0];
    assert_eq!(input["partner"], "offline");
    assert_eq!(input["upload_id"], "offline");
    assert_eq!(input["sha256"], hex::encode(Sha256::digest(&body)));
    assert_eq!(input["bytes"], body.len() as u64);
    assert_eq!(input["rows"], sample.rows);
    assert_eq!(input["encoding"], "utf-8");
    assert_eq!(manifest["companies"]["count"], sample.valid_companies);
    assert_eq!(manifest["companies"]["rejected"], 1);
    assert_eq!(manifest["companies"]["rejected_examples"][0]["line"], 4);
    assert!(manifest["thresholds"].is_object());
    for phase in ["read", "index", "match", "write", "total"] {
        assert!(manifest["timings_ms"][phase].is_u64(), "timings_ms.{phase}");
    }
    // The refused company row is also in the log, not only in the manifest.
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("company rows refused"), "{stderr}");

    let s = summary(&run);
    assert_eq!(s["outcome"], "completed");
    assert_eq!(s["run_id"], "offline");
    assert_eq!(s["counts"], manifest["counts"]);
}

#[test]
fn a_shift_jis_file_is_read_and_written_out_as_utf8() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = write_small_sample(tmp.path());
    let text = std::fs::read_to_string(&sample.postings).unwrap();
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    let sjis_path = tmp.path().join("postings-sjis.csv");
    std::fs::write(&sjis_path, &sjis).unwrap();

    let utf8_out = tmp.path().join("utf8");
    let sjis_out = tmp.path().join("sjis");
    run_ok(&mut offline(&sample.companies, &sample.postings, &utf8_out));
    run_ok(&mut offline(&sample.companies, &sjis_path, &sjis_out));
    for file in OUTPUT_CSVS {
        assert_eq!(
            std::fs::read(utf8_out.join(file)).unwrap(),
            std::fs::read(sjis_out.join(file)).unwrap(),
            "{file}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sjis_out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["inputs"][0]["encoding"], "shift_jis");
}

#[test]
fn a_postings_file_without_its_required_columns_fails_with_a_clear_error_and_no_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = write_small_sample(tmp.path());
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "posting_id,job_title\nP1,事務\n").unwrap();
    let out = tmp.path().join("out");
    let run = offline(&sample.companies, &bad, &out).output().unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("company_name"), "{stderr}");
    assert!(!out.join("manifest.json").exists());
}

#[test]
fn a_rerun_into_the_same_directory_replaces_the_files_with_the_same_content() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = write_small_sample(tmp.path());
    let out = tmp.path().join("out");
    run_ok(&mut offline(&sample.companies, &sample.postings, &out));
    let first: Vec<Vec<u8>> = OUTPUT_CSVS
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    run_ok(&mut offline(&sample.companies, &sample.postings, &out));
    for (file, before) in OUTPUT_CSVS.iter().zip(first) {
        assert_eq!(std::fs::read(out.join(file)).unwrap(), before, "{file}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Data records of a CSV file as the csv crate sees them (blank lines are not records).
fn records_of(path: &std::path::Path) -> Vec<csv::StringRecord> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    r.records()
        .map(Result::unwrap)
        .filter(|rec| rec.iter().any(|f| !f.trim().is_empty()))
        .collect()
}

#[test]
fn the_committed_sample_uploads_are_matched_with_every_row_accounted_for_and_links_into_the_master()
{
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let master: std::collections::BTreeSet<String> = read_csv(&root.join("companies.csv"))[1..]
        .iter()
        .map(|r| r[0].clone())
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    for partner in ["acme-jobs", "sakura-career"] {
        let postings = root.join("uploads").join(partner).join("postings.csv");
        let input = records_of(&postings);
        let out = tmp.path().join(partner);
        run_ok(&mut offline(&root.join("companies.csv"), &postings, &out));

        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(
            manifest["counts"]["input_rows"],
            input.len() as u64,
            "{partner}"
        );
        assert_eq!(manifest["companies"]["count"], master.len() as u64);
        let mut written: Vec<String> = Vec::new();
        for (file, id_col) in [
            ("matched.csv", 0),
            ("unmatched.csv", 0),
            ("rejected.csv", 3),
        ] {
            written.extend(
                read_csv(&out.join(file))[1..]
                    .iter()
                    .map(|r| r[id_col].clone()),
            );
        }
        let mut read: Vec<String> = input.iter().map(|r| r[0].trim().to_owned()).collect();
        written.sort();
        read.sort();
        assert_eq!(
            written, read,
            "{partner}: each posting written exactly once"
        );

        let matched = read_csv(&out.join("matched.csv"));
        assert!(
            2 * (matched.len() - 1) > input.len(),
            "{partner}: the sample links most postings ({} of {})",
            matched.len() - 1,
            input.len()
        );
        for row in &matched[1..] {
            assert!(
                master.contains(&row[15]),
                "{partner}: {row:?} links outside the master"
            );
        }
    }
}

/// The quality gate: the committed sample (2,000 companies, 300 postings, `fixtures/truth.csv`)
/// matched with the default thresholds. A change that makes wrong links or loses links fails
/// here, before anyone runs the large benchmarks.
#[test]
fn the_committed_sample_links_precisely_and_finds_most_companies() {
    use matcher::company::read_companies_csv;
    use matcher::engine::{CompanyIndex, Thresholds, link_all};
    use matcher::eval::{evaluate, predictions, read_postings, read_truth};

    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let (companies, rejected) = read_companies_csv(fixtures.join("companies.csv")).unwrap();
    assert!(rejected.is_empty(), "the sample master is clean");
    let truth = read_truth(&fixtures.join("truth.csv")).unwrap();
    let mut postings = Vec::new();
    for partner in ["acme-jobs", "sakura-career"] {
        let (rows, rejected) =
            read_postings(&fixtures.join("uploads").join(partner).join("postings.csv")).unwrap();
        assert_eq!(rejected, 0, "{partner}'s sample file is valid");
        postings.extend(rows);
    }
    assert_eq!(postings.len(), truth.len());
    let index = CompanyIndex::build(companies);
    let predictions = predictions(
        &postings,
        &link_all(&index, &postings, &Thresholds::default()),
    );
    let report = evaluate(&predictions, &truth);
    eprintln!("{report}");
    assert!(
        report.precision() >= 0.99,
        "precision {:.4}",
        report.precision()
    );
    assert!(
        report.false_links <= 2,
        "{} wrong links",
        report.false_links
    );
    assert!(report.recall() >= 0.75, "recall {:.4}", report.recall());
}
