//! What is particular to each backend: S3 conditional headers and paging, local temp files,
//! store URLs.

use crate::support;

use bytes::Bytes;
use futures::StreamExt;
use postings::store::{Store, StoreError};

#[tokio::test]
async fn the_s3_endpoint_refuses_a_put_with_if_none_match_on_an_existing_key() {
    // Checks the server itself (not our mapping): conditional create is only as good as the
    // endpoint's support for the header.
    let t = support::s3().await;
    let Store::S3(s3) = &t.store else {
        unreachable!()
    };
    let put = || {
        s3.client()
            .put_object()
            .bucket(s3.bucket())
            .key("raw/key")
            .if_none_match("*")
            .body(Bytes::from_static(b"x").into())
            .send()
    };
    put().await.expect("first conditional put succeeds");
    let err = put().await.expect_err("second conditional put is refused");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(412));
}

#[tokio::test]
async fn s3_list_follows_pages_past_one_thousand_keys() {
    let t = support::s3().await;
    let store = &t.store;
    let n = 1_005;
    futures::stream::iter(0..n)
        .map(|i| async move {
            store
                .put(&format!("many/{i:05}"), Bytes::from_static(b"."))
                .await
                .unwrap()
        })
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    let listed = store.list("many/").await.unwrap();
    assert_eq!(listed.len(), n);
    assert_eq!(listed[0].key, "many/00000");
    assert_eq!(listed[n - 1].key, format!("many/{:05}", n - 1));
}

#[tokio::test]
async fn s3_presigned_put_urls_name_the_bucket_and_key() {
    let t = support::s3().await;
    let Store::S3(s3) = &t.store else {
        unreachable!()
    };
    let url = t
        .store
        .presign_put("incoming/a/x.csv", std::time::Duration::from_secs(300))
        .await
        .unwrap()
        .expect("S3 presigns");
    assert!(url.contains(s3.bucket()), "{url}");
    assert!(url.contains("some/prefix/incoming/a/x.csv"), "{url}");
    assert!(url.contains("X-Amz-Signature="), "{url}");
}

#[tokio::test]
async fn the_local_backend_does_not_presign_and_keeps_temp_files_out_of_listings() {
    let t = support::local();
    assert_eq!(
        t.store
            .presign_put("a/b.csv", std::time::Duration::from_secs(60))
            .await
            .unwrap(),
        None
    );
    let mut w = t.store.writer("a/b.csv", false).await.unwrap();
    w.write(&support::pattern(support::MIB)).await.unwrap();
    assert_eq!(t.store.unfinished_uploads("a/").await.unwrap(), 1);
    assert_eq!(t.store.unfinished_uploads("other/").await.unwrap(), 0);
    assert_eq!(t.store.list("").await.unwrap(), []);
    w.finish().await.unwrap();
    assert_eq!(t.store.unfinished_uploads("").await.unwrap(), 0);
    assert_eq!(t.store.list("").await.unwrap().len(), 1);
}

#[tokio::test]
async fn store_urls_select_the_backend() {
    assert!(matches!(
        Store::from_url("s3://bucket/pre/fix").await.unwrap(),
        Store::S3(_)
    ));
    assert!(matches!(
        Store::from_url("file:///var/data/store").await.unwrap(),
        Store::Local(_)
    ));
    assert!(matches!(
        Store::from_url(".data/store").await.unwrap(),
        Store::Local(_)
    ));
    for bad in ["s3://", "file://relative/dir", "gs://bucket", ""] {
        assert!(
            matches!(
                Store::from_url(bad).await,
                Err(StoreError::InvalidUrl { .. })
            ),
            "{bad}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_local_put_new_calls_on_one_key_exactly_one_wins() {
    let t = support::local();
    let store = t.store.clone();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .put_new("consumed/u.json", Bytes::from(format!("run {i}")))
                    .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(()) => winners.push(i),
            Err(StoreError::AlreadyExists) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(
        t.store.get("consumed/u.json").await.unwrap(),
        format!("run {}", winners[0]).as_bytes()
    );
    assert_eq!(t.store.unfinished_uploads("").await.unwrap(), 0);
}

/// Reproduction 6: a missing bucket used to print kilobytes of SDK debug text.
#[tokio::test]
async fn a_missing_bucket_is_reported_in_one_short_line() {
    drop(support::s3().await);
    let store = Store::from_url(&format!(
        "s3://no-such-bucket-{}",
        uuid::Uuid::new_v4().simple()
    ))
    .await
    .unwrap();

    let err = store.list("incoming/").await.unwrap_err().to_string();

    assert!(!err.contains('\n') && err.len() < 400, "{err}");
    assert!(err.contains("NoSuchBucket"), "{err}");
}
