//! The behaviour both store backends share, run against each: a temp directory and a bucket
//! on the real S3 endpoint.

use crate::support;

use bytes::Bytes;
use postings::store::{PART_SIZE, Store, StoreError};
use support::{MIB, pattern, read_streamed};

async fn small_objects_round_trip(store: &Store) {
    let key = "incoming/acme/2026-01-01/a.csv";
    assert!(matches!(store.get(key).await, Err(StoreError::NotFound)));
    assert_eq!(store.head(key).await.unwrap(), None);
    store.put(key, Bytes::from_static(b"first")).await.unwrap();
    store
        .put(key, Bytes::from_static(b"hello, world"))
        .await
        .unwrap();
    assert_eq!(store.get(key).await.unwrap(), &b"hello, world"[..]);
    let meta = store.head(key).await.unwrap().expect("object exists");
    assert_eq!((meta.key.as_str(), meta.size), (key, 12));
    let streamed = read_streamed(store, key).await;
    assert_eq!(streamed, b"hello, world");
    store.delete(key).await.unwrap();
    store.delete(key).await.unwrap();
    assert!(matches!(store.get(key).await, Err(StoreError::NotFound)));
    assert!(matches!(store.reader(key).await, Err(StoreError::NotFound)));
}

async fn a_large_object_streams_in_and_reads_back_byte_identical(store: &Store) {
    let data = pattern(12 * MIB + 12_345);
    let key = "runs/r1/matched.csv";
    let mut w = store.writer(key, false).await.unwrap();
    for chunk in data.chunks(MIB - 7) {
        w.write(chunk).await.unwrap();
    }
    if matches!(store, Store::S3(_)) {
        // More than one part's worth is written, so the upload is multipart and in flight.
        assert_eq!(store.unfinished_uploads("runs/").await.unwrap(), 1);
    }
    assert_eq!(
        store.head(key).await.unwrap(),
        None,
        "nothing visible before finish"
    );
    let meta = w.finish().await.unwrap();
    assert_eq!(meta.size, data.len() as u64);
    assert!(
        store.get(key).await.unwrap() == data,
        "get returns the same bytes"
    );
    let streamed = read_streamed(store, key).await;
    assert!(streamed == data, "reader returns the same bytes");
    assert_eq!(store.unfinished_uploads("").await.unwrap(), 0);
}

async fn put_new_refuses_to_overwrite(store: &Store) {
    let key = "consumed/u1.json";
    store
        .put_new(key, Bytes::from_static(b"run A"))
        .await
        .unwrap();
    assert!(matches!(
        store.put_new(key, Bytes::from_static(b"run B")).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.get(key).await.unwrap(), &b"run A"[..]);
}

/// The key appears after the writer started, so only the final conditional request (not a
/// check made when the writer was opened) can refuse it.
async fn an_if_absent_writer_refuses_a_key_created_meanwhile(store: &Store, size: usize) {
    let key = format!("incoming/acme/2026-01-01/race-{size}.csv");
    let mut w = store.writer(&key, true).await.unwrap();
    w.write(&pattern(size)).await.unwrap();
    store
        .put_new(&key, Bytes::from_static(b"winner"))
        .await
        .unwrap();
    assert!(matches!(w.finish().await, Err(StoreError::AlreadyExists)));
    assert_eq!(store.get(&key).await.unwrap(), &b"winner"[..]);
    assert!(matches!(
        store.writer(&key, true).await.map(|_| ()),
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.unfinished_uploads("").await.unwrap(), 0);
}

async fn abort_leaves_nothing(store: &Store) {
    let key = "incoming/acme/2026-01-01/aborted.csv";
    let mut w = store.writer(key, true).await.unwrap();
    w.write(&pattern(PART_SIZE + MIB)).await.unwrap();
    assert_eq!(store.unfinished_uploads("incoming/").await.unwrap(), 1);
    w.abort().await.unwrap();
    assert_eq!(store.head(key).await.unwrap(), None);
    assert_eq!(store.list("").await.unwrap(), []);
    assert_eq!(store.unfinished_uploads("").await.unwrap(), 0);
}

async fn a_dropped_writer_cleans_up_after_itself(store: &Store) {
    let mut w = store.writer("incoming/dropped.csv", false).await.unwrap();
    w.write(&pattern(PART_SIZE + 1)).await.unwrap();
    drop(w);
    testkit::poll::eventually("the dropped writer's upload to be aborted", || async {
        store.unfinished_uploads("").await.unwrap() == 0
    })
    .await;
    assert_eq!(store.head("incoming/dropped.csv").await.unwrap(), None);
}

async fn list_returns_every_key_under_a_prefix_sorted(store: &Store) {
    for key in [
        "incoming/b/2026-01-02/2.json",
        "incoming/a/2026-01-01/1.csv",
        "incoming/a/2026-01-01/1.json",
        "incomingx/not-this.csv",
        "runs/r/manifest.json",
    ] {
        store.put(key, Bytes::from(key.to_owned())).await.unwrap();
    }
    let keys = |metas: Vec<postings::store::ObjectMeta>| -> Vec<String> {
        metas.into_iter().map(|m| m.key).collect()
    };
    assert_eq!(
        keys(store.list("incoming/").await.unwrap()),
        [
            "incoming/a/2026-01-01/1.csv",
            "incoming/a/2026-01-01/1.json",
            "incoming/b/2026-01-02/2.json"
        ]
    );
    assert_eq!(
        keys(store.list("incoming/a/2026-01-01/1.").await.unwrap()),
        [
            "incoming/a/2026-01-01/1.csv",
            "incoming/a/2026-01-01/1.json"
        ]
    );
    assert_eq!(store.list("").await.unwrap().len(), 5);
    assert_eq!(store.list("nothing/").await.unwrap(), []);
    let sizes: Vec<u64> = store
        .list("runs/")
        .await
        .unwrap()
        .iter()
        .map(|m| m.size)
        .collect();
    assert_eq!(sizes, ["runs/r/manifest.json".len() as u64]);
}

async fn keys_that_could_escape_are_refused(store: &Store) {
    for key in ["../outside", "/abs", "a/../../b", "a\0b", ".tmp/x", ""] {
        assert!(
            matches!(
                store.put(key, Bytes::new()).await,
                Err(StoreError::InvalidKey(_))
            ),
            "{key:?}"
        );
        assert!(matches!(
            store.get(key).await,
            Err(StoreError::InvalidKey(_))
        ));
    }
}

macro_rules! both_backends {
    ($($name:ident => $f:ident $(($arg:expr))?;)*) => {
        mod local {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let t = support::local();
                    $f(&t.store $(, $arg)?).await;
                }
            )*
        }
        mod s3 {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let t = support::s3().await;
                    $f(&t.store $(, $arg)?).await;
                }
            )*
        }
    };
}

both_backends! {
    small_objects_round_trip_with_overwrite_head_reader_and_idempotent_delete => small_objects_round_trip;
    a_12_mib_object_written_in_chunks_reads_back_byte_identical => a_large_object_streams_in_and_reads_back_byte_identical;
    put_new_refuses_to_overwrite_an_existing_object => put_new_refuses_to_overwrite;
    a_small_if_absent_write_is_refused_when_the_key_appears_before_it_finishes =>
        an_if_absent_writer_refuses_a_key_created_meanwhile(1000);
    a_multipart_if_absent_write_is_refused_when_the_key_appears_before_it_finishes =>
        an_if_absent_writer_refuses_a_key_created_meanwhile(PART_SIZE + MIB);
    abort_leaves_no_object_and_no_unfinished_upload => abort_leaves_nothing;
    a_writer_dropped_mid_upload_leaves_no_unfinished_upload => a_dropped_writer_cleans_up_after_itself;
    list_returns_every_key_under_a_prefix_sorted_by_key => list_returns_every_key_under_a_prefix_sorted;
    keys_that_could_escape_the_root_are_refused => keys_that_could_escape_are_refused;
}
