//! The load stage across runs and partners (PostgreSQL and SQLite): which snapshot of a
//! partner wins, what the guard holds, and runs that are incomplete, sharded or repeat a row.

use crate::db_support;
use crate::load_snapshots::{numbers, open};

use db_support::{TestDb, row, upload_id, weekly_runs, write_run, write_run_files};
use matcher::stage::load::{LoadError, LoadOptions, load_run};

on_both_backends!(
    a_run_older_than_one_already_loaded_for_the_partner_is_superseded_and_changes_nothing,
    one_partners_newer_load_never_blocks_another_partners_older_one,
    a_run_matched_again_after_it_was_loaded_is_loaded_again_with_its_new_results,
    a_snapshot_that_would_close_most_of_a_partners_postings_is_held_until_approved,
    a_run_without_a_manifest_is_not_loaded,
    a_sharded_run_is_loaded_whole_once_every_shard_is_complete,
    a_posting_repeated_in_one_run_is_loaded_once_from_its_last_row,
);

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
