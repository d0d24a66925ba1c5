//! Putting a partner's file into a store without the API in front.

use bytes::Bytes;
use postings::store::Store;
use postings::{PartnerId, UploadRecord};

/// Registers `body` as a partner's upload through the same intake the API uses, so that the
/// matcher sees exactly what it sees in production (raw file, record, state). The size limit
/// is the API's default, far above any test file.
pub async fn register(store: &Store, partner: &str, body: Vec<u8>) -> UploadRecord {
    let partner = PartnerId::parse(partner).unwrap();
    let stream = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))]);
    postings::intake::ingest(
        store,
        &partner,
        None,
        stream,
        postings::intake::IntakeLimits {
            max_bytes: 64 << 20,
        },
    )
    .await
    .expect("upload registered")
}
