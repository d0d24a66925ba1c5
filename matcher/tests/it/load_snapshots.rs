//! The load stage against real databases (PostgreSQL and SQLite): a run's matched postings go
//! into job_postings in one transaction, with full-snapshot semantics per partner.

use crate::db_support;

use db_support::{
    TestDb, corporate_number, row, upload_id, weekly_runs, write_run, write_run_files,
};
use matcher::stage::load::{LoadError, LoadOptions, load_run};

fn numbers() -> Vec<String> {
    (1..=4).map(|i| corporate_number(100_000 + i)).collect()
}

fn open(rows: &[(String, String, String, String, bool)]) -> Vec<(&str, &str)> {
    rows.iter()
        .filter(|r| r.4)
        .map(|r| (r.0.as_str(), r.1.as_str()))
        .collect()
}

fn closed(rows: &[(String, String, String, String, bool)]) -> Vec<(&str, &str)> {
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
    a_run_older_than_one_already_loaded_for_the_partner_is_superseded_and_changes_nothing,
    one_partners_newer_load_never_blocks_another_partners_older_one,
    a_run_matched_again_after_it_was_loaded_is_loaded_again_with_its_new_results,
    a_snapshot_that_would_close_most_of_a_partners_postings_is_held_until_approved,
    a_run_without_a_manifest_is_not_loaded,
    a_sharded_run_is_loaded_whole_once_every_shard_is_complete,
    a_posting_repeated_in_one_run_is_loaded_once_from_its_last_row,
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

async fn a_run_older_than_one_already_loaded_for_the_partner_is_superseded_and_changes_nothing(
    t: &TestDb,
) {
    let n = numbers();
    t.companies(&n).await;
    let [w1, w2] = weekly_runs(2).try_into().unwrap();
    write_run(&t.store, &w1, &["acme"], &[row("acme", "a1", &n[0])]).await;
    write_run(&t.store, &w2, &["acme"], &[row("acme", "a2", &n[1])]).await;
    load_run(&t.db, &t.store, &w2, &LoadOptions::default())
        .await
        .unwrap();
    let before = t.dump("job_postings").await;

    let report = load_run(&t.db, &t.store, &w1, &LoadOptions::default())
        .await
        .unwrap();

    let acme = &report.partners[0];
    assert_eq!(acme.outcome, "superseded");
    assert!(
        acme.reason.as_deref().unwrap().contains(&w2.to_string()),
        "the newer run is named: {acme:?}"
    );
    assert!(!report.loaded);
    assert_eq!(t.dump("job_postings").await, before);
    let state = t.state(&upload_id(&w1, 0)).await;
    assert_eq!(state["state"], "superseded", "{state}");
}

/// Reproduction 1: acme's upload could not be used in week 1 and is loaded later, after
/// beta's newer week-2 upload; acme has no newer upload, so it must still load.
async fn one_partners_newer_load_never_blocks_another_partners_older_one(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [w1, w2] = weekly_runs(2).try_into().unwrap();
    write_run(
        &t.store,
        &w1,
        &["acme", "beta"],
        &[row("acme", "a1", &n[0]), row("beta", "b1", &n[1])],
    )
    .await;
    write_run(&t.store, &w2, &["beta"], &[row("beta", "b2", &n[2])]).await;
    load_run(&t.db, &t.store, &w2, &LoadOptions::default())
        .await
        .unwrap();

    let report = load_run(&t.db, &t.store, &w1, &LoadOptions::default())
        .await
        .unwrap();

    let outcomes: Vec<(&str, &str)> = report
        .partners
        .iter()
        .map(|p| (p.partner.as_str(), p.outcome))
        .collect();
    assert_eq!(outcomes, [("acme", "loaded"), ("beta", "superseded")]);
    let rows = t.postings().await;
    assert_eq!(open(&rows), [("acme", "a1"), ("beta", "b2")]);
}

/// Reproduction 2: loaded against an empty master, matched again after the import, loaded
/// again: the new links apply, and a third load changes nothing.
async fn a_run_matched_again_after_it_was_loaded_is_loaded_again_with_its_new_results(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [run] = weekly_runs(1).try_into().unwrap();
    write_run(&t.store, &run, &["acme"], &[]).await;
    let first = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap();
    assert_eq!(first.counts.rows, 0);
    write_run(
        &t.store,
        &run,
        &["acme"],
        &[row("acme", "a1", &n[0]), row("acme", "a2", &n[1])],
    )
    .await;

    let again = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap();

    assert!(again.loaded, "{again:?}");
    assert_eq!((again.counts.rows, again.counts.inserted), (2, 2));
    assert_eq!(open(&t.postings().await), [("acme", "a1"), ("acme", "a2")]);
    let third = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap();
    assert_eq!(third.partners[0].outcome, "already_loaded");
}

/// A snapshot that would close two of a partner's three open postings is held, the database
/// untouched, until an operator approves the upload.
async fn a_snapshot_that_would_close_most_of_a_partners_postings_is_held_until_approved(
    t: &TestDb,
) {
    let n = numbers();
    t.companies(&n).await;
    let [w1, w2] = weekly_runs(2).try_into().unwrap();
    write_run(
        &t.store,
        &w1,
        &["acme"],
        &[
            row("acme", "a1", &n[0]),
            row("acme", "a2", &n[1]),
            row("acme", "a3", &n[2]),
        ],
    )
    .await;
    write_run(&t.store, &w2, &["acme"], &[row("acme", "a1", &n[0])]).await;
    load_run(&t.db, &t.store, &w1, &LoadOptions::default())
        .await
        .unwrap();
    let before = t.dump("job_postings").await;

    let held = load_run(&t.db, &t.store, &w2, &LoadOptions::default())
        .await
        .unwrap();

    assert_eq!(held.partners[0].outcome, "held");
    let reason = held.partners[0].reason.clone().unwrap();
    assert!(
        reason.contains("would close 2 of the partner's 3"),
        "{reason}"
    );
    assert_eq!(t.dump("job_postings").await, before);
    let upload = upload_id(&w2, 0);
    let state = t.state(&upload).await;
    assert_eq!(
        (state["state"].as_str(), state["reason"].as_str()),
        (Some("held"), Some(reason.as_str()))
    );

    let approved = load_run(
        &t.db,
        &t.store,
        &w2,
        &LoadOptions {
            approve: Some(upload.parse().unwrap()),
            ..LoadOptions::default()
        },
    )
    .await
    .unwrap();

    assert_eq!(
        (approved.partners[0].outcome, approved.counts.closed),
        ("loaded", 2)
    );
    assert_eq!(open(&t.postings().await), [("acme", "a1")]);
    assert_eq!(t.state(&upload).await["state"], "loaded");
}

async fn a_run_without_a_manifest_is_not_loaded(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [run] = weekly_runs(1).try_into().unwrap();
    write_run(&t.store, &run, &["acme"], &[row("acme", "a1", &n[0])]).await;
    t.store
        .delete(&format!("runs/{run}/manifest.json"))
        .await
        .unwrap();

    let err = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap_err();

    assert!(matches!(err, LoadError::Incomplete(_)), "{err}");
    assert!(t.dump("job_postings").await.is_empty());
}

async fn a_sharded_run_is_loaded_whole_once_every_shard_is_complete(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [run] = weekly_runs(1).try_into().unwrap();
    let shard = |i: u32| format!("runs/{run}/shards/{i}-of-2/");
    write_run_files(
        &t.store,
        &shard(0),
        &run,
        Some((0, 2)),
        &["acme"],
        &[row("acme", "a1", &n[0])],
    )
    .await;

    let err = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, LoadError::MissingShards { .. }), "{err}");

    write_run_files(
        &t.store,
        &shard(1),
        &run,
        Some((1, 2)),
        &["acme"],
        &[row("acme", "a2", &n[1])],
    )
    .await;
    let report = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap();
    assert_eq!(report.counts.inserted, 2);
    assert_eq!(open(&t.postings().await), [("acme", "a1"), ("acme", "a2")]);
}

async fn a_posting_repeated_in_one_run_is_loaded_once_from_its_last_row(t: &TestDb) {
    let n = numbers();
    t.companies(&n).await;
    let [run] = weekly_runs(1).try_into().unwrap();
    let mut later = row("acme", "a1", &n[1]);
    later.line = 9;
    write_run(
        &t.store,
        &run,
        &["acme"],
        &[row("acme", "a1", &n[0]), later],
    )
    .await;

    let report = load_run(&t.db, &t.store, &run, &LoadOptions::default())
        .await
        .unwrap();

    assert_eq!((report.matched_rows, report.duplicates), (2, 1));
    let rows = t.postings().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].2, n[1]);
}
