//! The load stage against real databases (PostgreSQL and SQLite): a run's matched postings go
//! into job_postings in one transaction, with full-snapshot semantics per partner.

use crate::db_support;

use db_support::{TestDb, corporate_number, row, weekly_runs, write_run};
use matcher::stage::load::{LoadError, LoadOptions, load_run};

pub(crate) fn numbers() -> Vec<String> {
    (1..=4).map(|i| corporate_number(100_000 + i)).collect()
}

pub(crate) fn open(rows: &[(String, String, String, String, bool)]) -> Vec<(&str, &str)> {
    rows.iter()
        .filter(|r| r.4)
        .map(|r| (r.0.as_str(), r.1.as_str()))
        .collect()
}

pub(crate) fn closed(rows: &[(String, String, String, String, bool)]) -> Vec<(&str, &str)> {
    rows.iter()
        .filter(|r| !r.4)
        .map(|r| (r.0.as_str(), r.1.as_str()))
        .collect()
}

on_both_backends!(
    loading_a_run_inserts_its_matched_postings_and_records_the_load,
    loading_the_same_run_twice_changes_nothing,
    a_newer_snapshot_closes_absent_postings_and_reopens_returning_ones,
    a_partner_absent_from_a_newer_run_keeps_its_postings_open,
    a_failure_midway_leaves_the_database_as_before_and_a_rerun_succeeds,
    a_corrupt_row_is_refused_with_its_line_and_nothing_is_written,
);

async fn loading_a_run_inserts_its_matched_postings_and_records_the_load(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [run] = weekly_runs(1).try_into().unwrap();
    write_run(
        &t.store,
        &run,
        &["acme", "sakura"],
        &[
            row("acme", "a1", &n[0]),
            row("acme", "a2", &n[1]),
            row("sakura", "s1", &n[2]),
        ],
    )
    .await;

    let report = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap();

    assert!(report.loaded);
    assert_eq!(
        (
            report.counts.rows,
            report.counts.inserted,
            report.counts.closed
        ),
        (3, 3, 0)
    );
    let rows = t.postings().await;
    assert_eq!(
        rows,
        vec![
            (
                "acme".into(),
                "a1".into(),
                n[0].clone(),
                run.to_string(),
                true
            ),
            (
                "acme".into(),
                "a2".into(),
                n[1].clone(),
                run.to_string(),
                true
            ),
            (
                "sakura".into(),
                "s1".into(),
                n[2].clone(),
                run.to_string(),
                true
            ),
        ]
    );
    let dump = t.dump("job_postings").await;
    assert!(
        dump[0].contains("説明,\n二行目") && dump[0].contains("250000"),
        "posting fields are stored as sent: {}",
        dump[0]
    );
    assert_eq!(
        t.loads().await,
        vec![
            (run.to_string(), "acme".into(), 2, "loaded".into()),
            (run.to_string(), "sakura".into(), 1, "loaded".into()),
        ]
    );
}

async fn loading_the_same_run_twice_changes_nothing(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [run] = weekly_runs(1).try_into().unwrap();
    write_run(
        &t.store,
        &run,
        &["acme"],
        &[row("acme", "a1", &n[0]), row("acme", "a2", &n[1])],
    )
    .await;
    load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap();
    let postings = t.dump("job_postings").await;
    let loads = t.dump("loads").await;

    let again = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap();

    assert!(
        !again.loaded,
        "the second load reports that nothing was done"
    );
    assert_eq!(again.partners[0].outcome, "already_loaded");
    assert_eq!(t.dump("job_postings").await, postings);
    assert_eq!(t.dump("loads").await, loads);
}

async fn a_newer_snapshot_closes_absent_postings_and_reopens_returning_ones(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [w1, w2, w3] = weekly_runs(3).try_into().unwrap();
    let opts = LoadOptions::default();
    write_run(
        &t.store,
        &w1,
        &["acme"],
        &[row("acme", "a1", &n[0]), row("acme", "a2", &n[1])],
    )
    .await;
    write_run(&t.store, &w2, &["acme"], &[row("acme", "a1", &n[0])]).await;
    write_run(
        &t.store,
        &w3,
        &["acme"],
        &[row("acme", "a1", &n[0]), row("acme", "a2", &n[3])],
    )
    .await;

    load_run(&t.db, &t.store, &w1, &opts).await.unwrap();
    let week2 = load_run(&t.db, &t.store, &w2, &opts).await.unwrap();
    let after_week2 = t.postings().await;
    let week3 = load_run(&t.db, &t.store, &w3, &opts).await.unwrap();
    let after_week3 = t.postings().await;

    assert_eq!(open(&after_week2), [("acme", "a1")]);
    assert_eq!(
        closed(&after_week2),
        [("acme", "a2")],
        "closed, not deleted"
    );
    assert_eq!((week2.counts.closed, week2.counts.reopened), (1, 0));
    assert_eq!(open(&after_week3), [("acme", "a1"), ("acme", "a2")]);
    assert_eq!((week3.counts.closed, week3.counts.reopened), (0, 1));
    assert_eq!(
        after_week3[1].2, n[3],
        "a reopened posting carries its new link"
    );
    assert_eq!(after_week3[1].3, w3.to_string());
}

async fn a_partner_absent_from_a_newer_run_keeps_its_postings_open(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [w1, w2] = weekly_runs(2).try_into().unwrap();
    let opts = LoadOptions::default();
    write_run(
        &t.store,
        &w1,
        &["acme", "sakura"],
        &[
            row("acme", "a1", &n[0]),
            row("acme", "a2", &n[2]),
            row("sakura", "s1", &n[1]),
        ],
    )
    .await;
    // Only acme uploaded this week, and one of its postings is gone: acme's snapshot is
    // known, sakura's is not.
    write_run(&t.store, &w2, &["acme"], &[row("acme", "a2", &n[2])]).await;

    load_run(&t.db, &t.store, &w1, &opts).await.unwrap();
    load_run(&t.db, &t.store, &w2, &opts).await.unwrap();

    let rows = t.postings().await;
    assert_eq!(open(&rows), [("acme", "a2"), ("sakura", "s1")]);
    assert_eq!(closed(&rows), [("acme", "a1")]);
}

async fn a_failure_midway_leaves_the_database_as_before_and_a_rerun_succeeds(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [w1, w2] = weekly_runs(2).try_into().unwrap();
    write_run(
        &t.store,
        &w1,
        &["acme"],
        &[row("acme", "a1", &n[0]), row("acme", "a2", &n[1])],
    )
    .await;
    load_run(&t.db, &t.store, &w1, &LoadOptions::default())
        .await
        .unwrap();
    let before = t.dump("job_postings").await;
    // The third row links to a company missing from the master (a valid number, so only the
    // database can refuse it).
    let unknown = corporate_number(999_999);
    let mut rows = vec![
        row("acme", "a1", &n[0]),
        row("acme", "a3", &n[2]),
        row("acme", "a4", &unknown),
        row("acme", "a5", &n[3]),
    ];
    write_run(&t.store, &w2, &["acme"], &rows).await;

    let opts = LoadOptions {
        batch_rows: 1,
        ..LoadOptions::default()
    };
    let report = load_run(&t.db, &t.store, &w2, &opts).await.unwrap();

    let failed = &report.partners[0];
    assert_eq!(failed.outcome, "failed");
    let reason = failed.reason.as_deref().unwrap();
    assert!(
        reason.contains("posting a4") && reason.contains("line 2") && reason.contains(&unknown),
        "the failure names the row: {reason}"
    );
    assert_eq!(t.dump("job_postings").await, before);
    let loads = t.loads().await;
    assert_eq!(loads.len(), 2);
    assert_eq!(
        loads[1].3, "failed",
        "the failed attempt is noted: {loads:?}"
    );

    rows[2].corporate_number = n[1].clone();
    write_run(&t.store, &w2, &["acme"], &rows).await;
    let rerun = load_run(&t.db, &t.store, &w2, &opts).await.unwrap();
    assert_eq!((rerun.counts.inserted, rerun.counts.closed), (3, 1));
    assert_eq!(t.loads().await[1].3, "loaded");
}

async fn a_corrupt_row_is_refused_with_its_line_and_nothing_is_written(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [run] = weekly_runs(1).try_into().unwrap();
    let mut bad = row("acme", "a2", &n[1]);
    bad.salary_min = "a lot".into();
    // Each row spans two physical lines (the description holds a newline): the header is
    // line 1, the first row lines 2-3, the bad row starts on line 4.
    write_run(&t.store, &run, &["acme"], &[row("acme", "a1", &n[0]), bad]).await;

    let err = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap_err();

    assert!(
        matches!(&err, LoadError::Row { line: 4, key, .. } if key.ends_with("matched.csv")),
        "{err}"
    );
    assert!(t.dump("job_postings").await.is_empty());
}
