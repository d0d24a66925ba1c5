//! The weekly flow end to end on the production path: partners upload their CSVs to the real
//! `ingest-api` over HTTP, into a bucket on the S3 endpoint; `matcher run` matches them against
//! the company master in PostgreSQL and loads the links; every posting ends in exactly one of
//! job_postings (via matched.csv), unmatched.csv or rejected.csv, and the counts reconcile.
//!
//! Run with `bash tests/with-services cargo test -p e2e --test weekly_run`.

mod support;

use support::*;

use std::collections::BTreeSet;

use matcher::db::Db;
use serde_json::Value;

#[tokio::test]
async fn uploads_through_the_api_are_matched_and_loaded_into_postgres_and_every_row_is_accounted_for()
 {
    let w = Weekly::open("weekly").await;
    let (base, config) = spawn_api(
        &w.store_url,
        &format!("e2e-weekly/{}", uuid::Uuid::new_v4().simple()),
        w.dir.path(),
    )
    .await;
    let http = reqwest::Client::new();
    for partner in PARTNERS {
        upload_as_partner(&http, &base, &config, partner).await;
    }
    let (store, db) = (&w.store, &w.db);

    matcher::cli::run::run(w.run_args()).await.unwrap();

    let manifests: Vec<String> = store
        .list("runs/")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .filter(|k| k.ends_with("/manifest.json"))
        .collect();
    assert_eq!(manifests.len(), 1, "{manifests:?}");
    let run = manifests[0].trim_end_matches("manifest.json").to_owned();
    let manifest: Value = serde_json::from_slice(&store.get(&manifests[0]).await.unwrap()).unwrap();
    let matched = rows(
        &store.get(&format!("{run}matched.csv")).await.unwrap(),
        "corporate_number",
    );
    let unmatched = rows(
        &store.get(&format!("{run}unmatched.csv")).await.unwrap(),
        "reason",
    );
    let rejected = rows(
        &store.get(&format!("{run}rejected.csv")).await.unwrap(),
        "reason",
    );
    let counts = &manifest["counts"];
    assert_eq!(counts["matched"].as_u64(), Some(matched.len() as u64));
    assert_eq!(counts["unmatched"].as_u64(), Some(unmatched.len() as u64));
    assert_eq!(counts["rejected"].as_u64(), Some(rejected.len() as u64));
    assert_eq!(
        counts["input_rows"].as_u64(),
        Some((matched.len() + unmatched.len() + rejected.len()) as u64)
    );
    assert!(!matched.is_empty() && !unmatched.is_empty(), "{counts}");
    assert!(
        unmatched
            .iter()
            .all(|r| ["no_candidate", "below_threshold", "ambiguous"].contains(&r.2.as_str())),
        "every unmatched row has a reason"
    );

    // The loaded rows are exactly the run's links.
    let loaded = open_postings(db).await;
    let expected: BTreeSet<(String, String, String)> = matched.iter().cloned().collect();
    assert_eq!(loaded, expected);
    // Every uploaded posting is in exactly one outcome.
    let uploaded: BTreeSet<(String, String)> =
        PARTNERS.iter().flat_map(|p| uploaded_ids(p)).collect();
    let outcomes: Vec<(String, String)> = matched
        .iter()
        .chain(&unmatched)
        .chain(&rejected)
        .map(|r| (r.0.clone(), r.1.clone()))
        .collect();
    assert_eq!(outcomes.len(), uploaded.len());
    assert_eq!(outcomes.into_iter().collect::<BTreeSet<_>>(), uploaded);

    // The next scheduled run finds nothing new and changes nothing.
    matcher::cli::run::run(w.run_args()).await.unwrap();
    assert_eq!(open_postings(db).await, expected);
    assert_eq!(
        store
            .list("runs/")
            .await
            .unwrap()
            .iter()
            .filter(|m| m.key.ends_with("/manifest.json"))
            .count(),
        1
    );

    w.cleanup().await;
}

#[tokio::test]
async fn one_partners_missing_altered_empty_or_rejected_file_never_stalls_or_wipes_another_and_each_is_loaded_once_put_right()
 {
    let w = Weekly::open("faults").await;
    let (store, db) = (&w.store, &w.db);
    let sample = std::fs::read(fixtures().join("uploads/acme-jobs/postings.csv")).unwrap();
    let header = "posting_id,company_name,job_title\n";
    let all_rejected = format!("{header}X1,株式会社甲,\nX2,株式会社乙,\nX3,,事務\n");

    testkit::upload::register(store, "acme-jobs", sample.clone()).await;
    let gone = testkit::upload::register(store, "gone", sample.clone()).await;
    let altered = testkit::upload::register(store, "altered", sample.clone()).await;
    let empty = testkit::upload::register(store, "empty", header.as_bytes().to_vec()).await;
    let rejected = testkit::upload::register(store, "rejected", all_rejected.into_bytes()).await;
    store.delete(&gone.key).await.unwrap();
    let mut changed = sample.clone();
    changed.extend_from_slice("Z9,株式会社差し込み,事務,,,,,,,,,\n".as_bytes());
    store.put(&altered.key, changed.into()).await.unwrap();

    matcher::cli::run::run(w.run_args()).await.unwrap();

    let open = open_counts(db).await;
    let good = open["acme-jobs"];
    assert!(good > 0, "the good partner is loaded: {open:?}");
    assert_eq!(open.len(), 1, "no other partner has rows: {open:?}");
    let waiting = pending(store, db).await;
    let state = |r: &postings::UploadRecord| waiting[&r.upload_id.to_string()].clone();
    assert_eq!(waiting.len(), 4, "{waiting:?}");
    let retry = format!("matcher retry --upload {}", gone.upload_id);
    assert_waiting(&state(&gone), "quarantined", "missing", &retry);
    assert_waiting(&state(&altered), "quarantined", "altered", "");
    let approve = format!("matcher approve --upload {}", empty.upload_id);
    assert_waiting(&state(&empty), "held", "no data rows", &approve);
    assert_waiting(&state(&rejected), "held", "all 3 rows were rejected", "");

    // Put right: the missing and the altered object back as sent, the empty snapshot approved,
    // and a good file from the partner whose file was all rejected.
    store.put(&gone.key, sample.clone().into()).await.unwrap();
    store
        .put(&altered.key, sample.clone().into())
        .await
        .unwrap();
    for upload in [gone.upload_id, altered.upload_id] {
        matcher::cli::uploads::retry(matcher::cli::uploads::RetryArgs {
            upload,
            store: matcher::cli::StoreArgs {
                store_url: w.store_url.clone(),
            },
        })
        .await
        .unwrap();
    }
    matcher::cli::uploads::approve(matcher::cli::uploads::ApproveArgs {
        upload: empty.upload_id,
        store: matcher::cli::StoreArgs {
            store_url: w.store_url.clone(),
        },
        database: matcher::cli::DatabaseArgs {
            database_url: w.database.url.clone(),
        },
    })
    .await
    .unwrap();
    testkit::upload::register(store, "rejected", sample.clone()).await;

    matcher::cli::run::run(w.run_args()).await.unwrap();

    let open = open_counts(db).await;
    for partner in ["acme-jobs", "gone", "altered", "rejected"] {
        assert_eq!(open.get(partner), Some(&good), "{partner}: {open:?}");
    }
    assert_eq!(open.get("empty"), None);
    let Db::Postgres(pool) = db else {
        unreachable!()
    };
    let empty_load: (i64, String) =
        sqlx::query_as("SELECT \"rows\", status FROM loads WHERE partner = 'empty'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(
        empty_load,
        (0, "loaded".to_owned()),
        "the approved empty snapshot is applied"
    );
    assert_eq!(
        pending(store, db).await,
        Default::default(),
        "nothing is left waiting"
    );

    w.cleanup().await;
}
