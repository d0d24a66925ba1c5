//! Intake: a byte stream becomes a stored upload plus its record, or nothing at all.

use crate::support;

use std::path::PathBuf;

use bytes::Bytes;
use postings::intake::{self, IntakeError, IntakeLimits};
use postings::store::Store;
use postings::{ContractError, PartnerId, UploadId, UploadRecord, layout};
use sha2::{Digest, Sha256};
use support::MIB;

const LIMITS: IntakeLimits = IntakeLimits {
    max_bytes: 64 * 1024 * 1024,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/encodings")
            .join(name),
    )
    .expect("fixture")
}

fn chunked(
    data: Vec<u8>,
    size: usize,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + Unpin + 'static {
    let chunks: Vec<Result<Bytes, std::io::Error>> = data
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures::stream::iter(chunks)
}

fn acme() -> PartnerId {
    PartnerId::parse("acme").unwrap()
}

/// A valid file of about `len` bytes: header plus many Japanese rows.
fn big_csv(len: usize) -> Vec<u8> {
    let mut s = String::from("posting_id,company_name,job_title,description\n");
    let mut i = 0;
    while s.len() < len {
        i += 1;
        s.push_str(&format!(
            "P{i},株式会社テスト{i},営業,\"説明文 {i}, 長い説明\"\n"
        ));
    }
    s.into_bytes()
}

async fn assert_nothing_stored(store: &Store) {
    assert_eq!(store.list("").await.unwrap(), [], "no object is left");
    assert_eq!(
        store.unfinished_uploads("").await.unwrap(),
        0,
        "no unfinished upload is left"
    );
}

async fn a_valid_file_is_stored_as_sent_with_its_record(store: &Store, file: &str, encoding: &str) {
    let data = fixture(file);
    let record = intake::ingest(store, &acme(), None, chunked(data.clone(), 100), LIMITS)
        .await
        .expect("upload accepted");
    assert_eq!(record.partner, acme());
    assert_eq!(record.bytes, data.len() as u64);
    assert_eq!(record.rows, 5);
    assert_eq!(record.rejected_rows, 0);
    assert_eq!(record.encoding, encoding);
    assert_eq!(record.sha256, hex::encode(Sha256::digest(&data)));
    let date = record.received_at.date_naive();
    assert_eq!(
        record.key,
        layout::upload_key(&acme(), &date, &record.upload_id)
    );
    assert_eq!(store.get(&record.key).await.unwrap(), data);
    let stored: UploadRecord = serde_json::from_slice(
        &store
            .get(&layout::upload_record_key(
                &acme(),
                &date,
                &record.upload_id,
            ))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored, record);
    assert_eq!(store.list("").await.unwrap().len(), 2);
    assert_eq!(store.unfinished_uploads("").await.unwrap(), 0);
}

async fn rejected_rows_are_counted_but_do_not_refuse_the_file(store: &Store) {
    let body =
        "posting_id,company_name,job_title\nA1,会社,営業\nA2,,営業\nA3,会社\n\nA4,会社,営業\n";
    let record = intake::ingest(store, &acme(), None, chunked(body.into(), 7), LIMITS)
        .await
        .unwrap();
    assert_eq!((record.rows, record.rejected_rows), (4, 2));
}

async fn a_missing_required_column_is_a_contract_error_and_nothing_is_stored(store: &Store) {
    // Large enough that a multipart upload is under way when the header is refused.
    let mut data = b"posting_id,job_title,description\n".to_vec();
    data.extend(
        big_csv(12 * MIB)
            .split(|&b| b == b'\n')
            .skip(1)
            .flat_map(|l| {
                let mut l = l.to_vec();
                l.push(b'\n');
                l
            }),
    );
    match intake::ingest(store, &acme(), None, chunked(data, 256 * 1024), LIMITS).await {
        Err(IntakeError::Contract(ContractError::MissingColumns(m))) => {
            assert_eq!(m, ["company_name"]);
        }
        other => panic!("expected MissingColumns, got {other:?}"),
    }
    assert_nothing_stored(store).await;
}

async fn an_unknown_declared_charset_is_refused_before_anything_is_stored(store: &Store) {
    let r = intake::ingest(
        store,
        &acme(),
        Some("euc-jp"),
        chunked(fixture("utf8.csv"), 64),
        LIMITS,
    )
    .await;
    assert!(
        matches!(
            r,
            Err(IntakeError::Contract(ContractError::UnknownCharset(_)))
        ),
        "{r:?}"
    );
    assert_nothing_stored(store).await;
}

async fn a_body_over_the_limit_is_too_large_and_nothing_is_stored(store: &Store) {
    // Over one part, so the abort has a multipart upload to clean up on S3.
    let limit = 10 * MIB as u64;
    let r = intake::ingest(
        store,
        &acme(),
        None,
        chunked(big_csv(12 * MIB), 512 * 1024),
        IntakeLimits { max_bytes: limit },
    )
    .await;
    assert!(
        matches!(r, Err(IntakeError::TooLarge { limit: l }) if l == limit),
        "{r:?}"
    );
    assert_nothing_stored(store).await;
}

async fn a_body_that_fails_midway_stores_nothing(store: &Store) {
    let mut chunks: Vec<Result<Bytes, std::io::Error>> = big_csv(9 * MIB)
        .chunks(MIB)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    chunks.push(Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "client went away",
    )));
    let r = intake::ingest(store, &acme(), None, futures::stream::iter(chunks), LIMITS).await;
    assert!(matches!(r, Err(IntakeError::Body(_))), "{r:?}");
    assert_nothing_stored(store).await;
}

async fn a_presigned_upload_is_verified_in_place_and_registered(store: &Store) {
    let data = fixture("shift_jis.csv");
    let id = UploadId::new();
    let date = chrono::Utc::now().date_naive();
    let key = layout::upload_key(&acme(), &date, &id);
    store.put(&key, Bytes::from(data.clone())).await.unwrap();
    let record = intake::verify_existing(store, &acme(), &key, id, None, LIMITS)
        .await
        .unwrap();
    assert_eq!(
        (record.upload_id, record.rows, record.encoding.as_str()),
        (id, 5, "shift_jis")
    );
    assert_eq!(record.sha256, hex::encode(Sha256::digest(&data)));
    let again = intake::verify_existing(store, &acme(), &key, id, None, LIMITS)
        .await
        .unwrap();
    assert_eq!(again, record, "completing twice returns the same record");
    assert_eq!(store.list("").await.unwrap().len(), 2);
}

async fn a_presigned_upload_that_breaks_the_contract_is_deleted(store: &Store) {
    let id = UploadId::new();
    let key = layout::upload_key(&acme(), &chrono::Utc::now().date_naive(), &id);
    store
        .put(&key, Bytes::from_static(b"name,title\nx,y\n"))
        .await
        .unwrap();
    let r = intake::verify_existing(store, &acme(), &key, id, None, LIMITS).await;
    assert!(
        matches!(
            r,
            Err(IntakeError::Contract(ContractError::MissingColumns(_)))
        ),
        "{r:?}"
    );
    assert_nothing_stored(store).await;
}

async fn a_binary_file_is_refused_and_nothing_is_stored(store: &Store) {
    let r = intake::ingest(
        store,
        &acme(),
        None,
        chunked(support::pattern(2 * MIB), 64 * 1024),
        LIMITS,
    )
    .await;
    assert!(matches!(r, Err(IntakeError::Contract(_))), "{r:?}");
    assert_nothing_stored(store).await;
}

async fn a_quote_left_open_outside_description_refuses_the_file_naming_its_line(store: &Store) {
    let body = "posting_id,company_name,job_title\nP1,株式会社,営業\nP2,\"株式会社,営業\nP3,株式会社,営業\n";
    match intake::ingest(store, &acme(), None, chunked(body.into(), 5), LIMITS).await {
        Err(IntakeError::Contract(ContractError::Framing { line, reason })) => {
            assert_eq!(line, 3);
            assert!(reason.contains("company_name"), "{reason}");
        }
        other => panic!("expected a framing error, got {other:?}"),
    }
    assert_nothing_stored(store).await;
}

async fn a_partner_header_only_file_is_refused_unless_declared_empty(store: &Store) {
    let header = "posting_id,company_name,job_title\n";
    let refused = intake::ingest_from_partner(
        store,
        &acme(),
        None,
        chunked(header.into(), 5),
        LIMITS,
        false,
    )
    .await;
    assert!(
        matches!(
            refused,
            Err(IntakeError::Contract(ContractError::NoDataRows))
        ),
        "{refused:?}"
    );
    assert_nothing_stored(store).await;
    let declared = intake::ingest_from_partner(
        store,
        &acme(),
        None,
        chunked(header.into(), 5),
        LIMITS,
        true,
    )
    .await
    .unwrap();
    assert_eq!((declared.rows, declared.declared_empty), (0, true));
}

macro_rules! both_backends {
    ($($name:ident => $f:ident $(($($arg:expr),*))?;)*) => {
        mod local {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let t = support::local();
                    $f(&t.store $($(, $arg)*)?).await;
                }
            )*
        }
        mod s3 {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let t = support::s3().await;
                    $f(&t.store $($(, $arg)*)?).await;
                }
            )*
        }
    };
}

both_backends! {
    a_quote_left_open_outside_description_refuses_the_file =>
        a_quote_left_open_outside_description_refuses_the_file_naming_its_line;
    a_header_only_file_from_a_partner_is_refused_unless_declared_empty =>
        a_partner_header_only_file_is_refused_unless_declared_empty;
    a_utf8_upload_is_stored_byte_for_byte_with_its_record =>
        a_valid_file_is_stored_as_sent_with_its_record("utf8.csv", "utf-8");
    a_shift_jis_upload_is_stored_byte_for_byte_and_recorded_as_shift_jis =>
        a_valid_file_is_stored_as_sent_with_its_record("shift_jis.csv", "shift_jis");
    rejected_rows_are_counted_and_the_file_is_still_accepted => rejected_rows_are_counted_but_do_not_refuse_the_file;
    upload_with_missing_company_name_column_is_refused_and_nothing_is_stored =>
        a_missing_required_column_is_a_contract_error_and_nothing_is_stored;
    upload_with_an_unknown_charset_is_refused_and_nothing_is_stored =>
        an_unknown_declared_charset_is_refused_before_anything_is_stored;
    upload_over_the_size_limit_is_too_large_and_nothing_is_stored =>
        a_body_over_the_limit_is_too_large_and_nothing_is_stored;
    a_binary_upload_is_refused_and_nothing_is_stored => a_binary_file_is_refused_and_nothing_is_stored;
    upload_whose_body_fails_midway_stores_nothing => a_body_that_fails_midway_stores_nothing;
    presigned_upload_is_verified_in_place_and_registered_once =>
        a_presigned_upload_is_verified_in_place_and_registered;
    presigned_upload_that_breaks_the_contract_is_deleted =>
        a_presigned_upload_that_breaks_the_contract_is_deleted;
}
