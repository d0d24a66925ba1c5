//! Real stores for tests: a fresh temp directory, or a fresh bucket on the S3 endpoint started
//! by `tests/with-services` (AWS_ENDPOINT_URL).

use postings::store::Store;

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
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect(
        "AWS_ENDPOINT_URL is not set: these tests need the S3 endpoint; run them with \
         `bash tests/with-services cargo test -p postings`",
    );
    let bucket = format!("postings-test-{}", uuid::Uuid::new_v4().simple());
    let store = Store::from_url(&format!("s3://{bucket}/some/prefix"))
        .await
        .expect("s3 store");
    let Store::S3(s3) = &store else {
        panic!("s3:// must give the S3 backend")
    };
    s3.client()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("creating bucket {bucket} at {endpoint}: {e:?}"));
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
