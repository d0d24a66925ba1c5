//! The run's outputs are byte-identical run to run and whatever the number of threads.

use crate::match_support;

use match_support::*;

#[test]
fn two_runs_with_one_and_two_threads_write_byte_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = write_generated_sample(tmp.path(), 3000);
    let mut outs = Vec::new();
    for (name, threads) in [("a", "1"), ("b", "2"), ("c", "2")] {
        let out = tmp.path().join(name);
        run_ok(
            offline(&sample.companies, &sample.postings, &out).env("RAYON_NUM_THREADS", threads),
        );
        outs.push(out);
    }
    for file in OUTPUT_CSVS {
        let first = std::fs::read(outs[0].join(file)).unwrap();
        for other in &outs[1..] {
            assert!(
                std::fs::read(other.join(file)).unwrap() == first,
                "{file} differs between {} and {}",
                outs[0].display(),
                other.display()
            );
        }
    }
    let manifests: Vec<serde_json::Value> = outs
        .iter()
        .map(|o| manifest_without_times(&std::fs::read(o.join("manifest.json")).unwrap()))
        .collect();
    assert_eq!(manifests[0], manifests[1]);
    assert_eq!(manifests[0], manifests[2]);

    // The sample is big enough to exercise every output.
    let counts = &manifests[0]["counts"];
    assert_eq!(counts["input_rows"], sample.rows);
    for kind in ["matched", "unmatched", "rejected"] {
        assert!(
            counts[kind].as_u64().unwrap() > 0,
            "no {kind} rows: {counts}"
        );
    }
}

#[test]
fn rows_are_written_in_input_line_order() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = write_generated_sample(tmp.path(), 500);
    let out = tmp.path().join("out");
    run_ok(&mut offline(&sample.companies, &sample.postings, &out));
    for (file, line_col) in [
        ("matched.csv", 14),
        ("unmatched.csv", 14),
        ("rejected.csv", 2),
    ] {
        let lines: Vec<u64> = read_csv(&out.join(file))[1..]
            .iter()
            .map(|r| r[line_col].parse().unwrap())
            .collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "{file}: {lines:?}");
    }
}
