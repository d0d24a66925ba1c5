//! Whatever bytes a partner sends, the reader answers with a contract error or one outcome per
//! row; it never panics.

use postings::{PostingReader, RowOutcome};
use proptest::prelude::*;

const HEADER: &[u8] = b"posting_id,company_name,job_title,salary_min,salary_max\n";

fn charset() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![Just(None), Just(Some("utf-8")), Just(Some("shift_jis"))]
}

/// Reads everything; checks what holds for every outcome.
fn read(bytes: &[u8], declared: Option<&str>) {
    let Ok(reader) = PostingReader::new(bytes, declared) else {
        return;
    };
    // Every record starts on its own line, after the header, in order.
    let max_line = 2 + bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64;
    let mut last = 0;
    for outcome in reader {
        let line = outcome.line();
        assert!(
            line > last && line >= 2 && line <= max_line,
            "line {line} after {last}"
        );
        last = line;
        if let RowOutcome::Valid { posting, .. } = outcome {
            assert!(!posting.posting_id.is_empty());
            assert!(!posting.company_name.is_empty());
            assert!(!posting.job_title.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_reader(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        declared in charset(),
    ) {
        read(&bytes, declared);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_header_give_one_outcome_per_row_without_panic(
        body in proptest::collection::vec(
            prop_oneof![any::<u8>(), Just(b','), Just(b'\n'), Just(b'"'), Just(b'\r'), Just(b'1')],
            0..2048,
        ),
        declared in charset(),
    ) {
        let mut bytes = HEADER.to_vec();
        bytes.extend_from_slice(&body);
        read(&bytes, declared);
    }
}
