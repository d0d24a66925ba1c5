//! Real stores for tests: a fresh temp directory, or a fresh bucket on the S3 endpoint started
//! by `tests/with-services` (AWS_ENDPOINT_URL).

use postings::store::Store;
use tokio::io::AsyncReadExt;

pub struct TestStore {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

pub fn local() -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    TestStore {
        store: Store::local(dir.path().join("store")),
        _dir: Some(dir),
    }
}

/// A store on a bucket of its own, under a prefix so that prefix handling is exercised too.
pub async fn s3() -> TestStore {
    let bucket = testkit::s3::fresh_bucket("postings-test").await;
    let store = Store::from_url(&format!("s3://{bucket}/some/prefix"))
        .await
        .expect("s3 store");
    assert!(
        matches!(store, Store::S3(_)),
        "s3:// must give the S3 backend"
    );
    TestStore { store, _dir: None }
}

/// Deterministic bytes that do not repeat with any short period, so a misplaced part shows.
pub fn pattern(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub const MIB: usize = 1024 * 1024;

/// An object read back through the streaming reader, the way the matcher reads its inputs.
pub async fn read_streamed(store: &Store, key: &str) -> Vec<u8> {
    let mut streamed = Vec::new();
    store
        .reader(key)
        .await
        .unwrap()
        .read_to_end(&mut streamed)
        .await
        .unwrap();
    streamed
}
