//! The posting CSV contract, read from committed files and from hand-written bytes.

use std::path::PathBuf;

use postings::{Charset, ContractError, Posting, PostingReader, Rejection, RowOutcome};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/encodings")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn read_all(bytes: &[u8], declared: Option<&str>) -> (Charset, bool, Vec<RowOutcome>) {
    let reader = PostingReader::new(bytes, declared).expect("header accepted");
    let (charset, bom) = (reader.charset(), reader.had_bom());
    (charset, bom, reader.collect())
}

fn posting(fields: [&str; 12], salary_min: Option<i64>, salary_max: Option<i64>) -> Posting {
    let [
        id,
        name,
        addr,
        phone,
        url,
        title,
        emp,
        _,
        _,
        loc,
        desc,
        posted,
    ] = fields;
    Posting {
        posting_id: id.into(),
        company_name: name.into(),
        company_address: addr.into(),
        company_phone: phone.into(),
        company_url: url.into(),
        job_title: title.into(),
        employment_type: emp.into(),
        salary_min,
        salary_max,
        work_location: loc.into(),
        description: desc.into(),
        posted_at: posted.into(),
    }
}

/// The rows written by fixtures/encodings/make.py, by hand.
fn expected_fixture_rows() -> Vec<RowOutcome> {
    let rows = [
        posting(
            [
                "J-0001",
                "株式会社サンプル商事",
                "東京都千代田区丸の内1-1-1",
                "03-1234-5678",
                "https://www.sample-shoji.co.jp",
                "営業職",
                "正社員",
                "",
                "",
                "東京都千代田区",
                "法人営業、既存顧客のフォロー",
                "2026-01-05",
            ],
            Some(250_000),
            Some(400_000),
        ),
        posting(
            [
                "J-0002",
                "㈱髙橋製作所",
                "大阪府大阪市北区梅田2-2-2",
                "06-9876-5432",
                "",
                "機械オペレーター",
                "契約社員",
                "",
                "",
                "大阪府大阪市",
                "ＮＣ旋盤の操作、品質検査\n夜勤あり",
                "2026-01-06",
            ],
            Some(220_000),
            None,
        ),
        posting(
            [
                "J-0003",
                "有限会社ｻﾝﾌﾟﾙﾃｸﾉ",
                "愛知県名古屋市中区栄3-3-3",
                "052-111-2222",
                "http://techno.example.jp/",
                "システムエンジニア",
                "正社員",
                "",
                "",
                "名古屋市中区",
                "社内システムの開発・保守, 要件定義",
                "2026-01-07",
            ],
            None,
            None,
        ),
        posting(
            [
                "J-0004",
                "サンプル・フーズ株式会社 札幌支店",
                "北海道札幌市中央区北1条西4-4",
                "",
                "",
                "店舗スタッフ",
                "アルバイト",
                "",
                "",
                "札幌市",
                "接客と品出し",
                "",
            ],
            Some(1100),
            Some(1500),
        ),
        posting(
            [
                "J-0005",
                "合同会社ミライ",
                "福岡県福岡市博多区博多駅前5-5-5",
                "092-333-4444",
                "https://mirai.example.com",
                "事務",
                "派遣社員",
                "",
                "",
                "福岡市",
                "データ入力、電話応対",
                "2026-01-09",
            ],
            Some(200_000),
            Some(260_000),
        ),
    ];
    // J-0002's description spans two physical lines, so J-0003 starts one line later.
    let lines = [2, 3, 5, 6, 7];
    rows.into_iter()
        .zip(lines)
        .map(|(posting, line)| RowOutcome::Valid { line, posting })
        .collect()
}

/// Every encoding of the fixture must give the same postings: reads `file` (declared as
/// `declared`) and checks the detected charset, the BOM where `bom` says, and the rows.
fn decodes_to_the_fixture_rows(
    file: &str,
    declared: Option<&str>,
    charset: Charset,
    bom: Option<bool>,
) {
    let (found, found_bom, rows) = read_all(&fixture(file), declared);
    assert_eq!(found, charset, "{file}");
    if let Some(bom) = bom {
        assert_eq!(found_bom, bom, "{file}: BOM");
    }
    assert_eq!(rows, expected_fixture_rows(), "{file}");
}

#[test]
fn a_utf8_file_decodes_to_the_expected_postings() {
    decodes_to_the_fixture_rows("utf8.csv", None, Charset::Utf8, Some(false));
}

#[test]
fn a_utf8_file_with_a_bom_decodes_to_the_same_postings() {
    decodes_to_the_fixture_rows("utf8_bom.csv", None, Charset::Utf8, Some(true));
}

#[test]
fn a_shift_jis_file_is_detected_and_decodes_to_the_same_postings() {
    decodes_to_the_fixture_rows("shift_jis.csv", None, Charset::ShiftJis, Some(false));
}

#[test]
fn a_shift_jis_file_declared_as_cp932_decodes_to_the_same_postings() {
    decodes_to_the_fixture_rows("shift_jis.csv", Some("CP932"), Charset::ShiftJis, None);
}

#[test]
fn japanese_alias_headers_in_another_order_give_the_same_postings() {
    let (charset, _, rows) = read_all(&fixture("aliases_shift_jis.csv"), None);
    assert_eq!(charset, Charset::ShiftJis);
    assert_eq!(rows, expected_fixture_rows());
}

fn rejection(line: u64, id: Option<&str>, reason: &str) -> RowOutcome {
    RowOutcome::Rejected(Rejection {
        line,
        posting_id: id.map(str::to_owned),
        reason: reason.to_owned(),
        framing: false,
    })
}

const MALFORMED: &str = "posting_id,company_name,job_title,salary_min,salary_max
A1,会社一,営業,100,200

A2,,営業,,
A3,\"会社
三\",営業,35万,
A4,会社四,営業,300,200
A5,会社五
,会社六,,,
A7,会社七,営業,\"1,000\",
";

fn malformed_outcomes(text: &str) -> Vec<(u64, Result<String, String>)> {
    let (_, _, rows) = read_all(text.as_bytes(), None);
    rows.into_iter()
        .map(|r| match r {
            RowOutcome::Valid { line, posting } => (line, Ok(posting.posting_id)),
            RowOutcome::Rejected(r) => (r.line, Err(r.reason)),
        })
        .collect()
}

fn expected_malformed() -> Vec<(u64, Result<String, String>)> {
    vec![
        (2, Ok("A1".into())),
        (4, Err("missing required field company_name".into())),
        (
            5,
            Err("the quote opened on line 5 in company_name is not closed on that line (only description may hold line breaks)".into()),
        ),
        (6, Err("wrong number of fields (expected 5, got 4)".into())),
        (
            7,
            Err("salary_min (300) is greater than salary_max (200)".into()),
        ),
        (8, Err("wrong number of fields (expected 5, got 2)".into())),
        (
            9,
            Err("missing required fields posting_id, job_title".into()),
        ),
        (10, Ok("A7".into())),
    ]
}

#[test]
fn malformed_rows_are_rejected_with_their_physical_line_and_a_reason() {
    assert_eq!(malformed_outcomes(MALFORMED), expected_malformed());
}

#[test]
fn line_numbers_are_physical_with_crlf_line_endings_too() {
    assert_eq!(
        malformed_outcomes(&MALFORMED.replace('\n', "\r\n")),
        expected_malformed()
    );
}

#[test]
fn a_rejected_row_keeps_its_posting_id_when_it_has_one() {
    let (_, _, rows) = read_all(MALFORMED.as_bytes(), None);
    assert_eq!(
        rows[4],
        rejection(
            7,
            Some("A4"),
            "salary_min (300) is greater than salary_max (200)"
        )
    );
}

#[test]
fn bytes_not_valid_in_the_declared_charset_reject_only_their_row() {
    let mut bytes =
        b"posting_id,company_name,job_title\nB1,ok,x\nB2,bad\xFF\xFE,x\nB3,ok,x\n".to_vec();
    let (_, _, rows) = read_all(&bytes, Some("utf-8"));
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[1],
        rejection(
            3,
            Some("B2"),
            "company_name contains bytes that are not valid utf-8"
        )
    );
    assert!(matches!(rows[2], RowOutcome::Valid { line: 4, .. }));

    // 0xA0 is not a Shift_JIS byte.
    bytes = b"posting_id,company_name,job_title\nB1,\xA0,x\n".to_vec();
    let (_, _, rows) = read_all(&bytes, Some("shift_jis"));
    assert_eq!(
        rows,
        [rejection(
            2,
            Some("B1"),
            "company_name contains bytes that are not valid shift_jis"
        )]
    );
}

#[test]
fn a_nul_character_in_a_field_rejects_the_row() {
    let (_, _, rows) = read_all(b"posting_id,company_name,job_title\nN1,a\0b,x\n", None);
    assert_eq!(
        rows,
        [rejection(
            2,
            Some("N1"),
            "company_name contains a NUL character"
        )]
    );
}

#[test]
fn a_header_without_required_columns_refuses_the_file_naming_them() {
    match PostingReader::new(
        &b"\xEF\xBB\xBF\xE6\xB1\x82\xE4\xBA\xBAID,memo\n1,x\n"[..],
        None,
    ) {
        Err(ContractError::MissingColumns(m)) => assert_eq!(m, ["company_name", "job_title"]),
        other => panic!("expected MissingColumns, got {:?}", other.err()),
    }
}

#[test]
fn an_empty_or_blank_file_is_refused() {
    for input in [&b""[..], b"\xEF\xBB\xBF", b"\n\r\n  \n"] {
        assert!(
            matches!(PostingReader::new(input, None), Err(ContractError::Empty)),
            "{input:?}"
        );
    }
}

#[test]
fn an_unknown_declared_charset_refuses_the_file() {
    assert!(matches!(
        PostingReader::new(&b"posting_id,company_name,job_title\n"[..], Some("euc-jp")),
        Err(ContractError::UnknownCharset(l)) if l == "euc-jp"
    ));
}

#[test]
fn a_utf8_character_straddling_the_sniff_window_does_not_make_the_file_shift_jis() {
    let mut text = String::from("posting_id,company_name,job_title\n");
    let mut n = 0;
    while text.len() < 70 * 1024 {
        n += 1;
        text.push_str(&format!("P{n},株式会社テスト{n},営業\n"));
    }
    let (charset, _, rows) = read_all(text.as_bytes(), None);
    assert_eq!(charset, Charset::Utf8);
    assert_eq!(rows.len(), n);
    assert!(rows.iter().all(|r| matches!(r, RowOutcome::Valid { .. })));
}

/// A stray opening quote in row 3 of a 1,000-row file costs that row only: it is rejected
/// with the line where the quote opened, and the 999 others are read as usual.
#[test]
fn a_stray_quote_outside_description_rejects_its_own_line_and_reading_resumes_on_the_next() {
    let mut text = String::from("posting_id,company_name,job_title,description\n");
    for i in 1..=1000 {
        let name = if i == 3 {
            "\"株式会社三"
        } else {
            "株式会社"
        };
        text.push_str(&format!("P{i},{name},営業,説明\n"));
    }
    let (_, _, rows) = read_all(text.as_bytes(), None);
    assert_eq!(rows.len(), 1000);
    let rejected: Vec<&RowOutcome> = rows
        .iter()
        .filter(|r| matches!(r, RowOutcome::Rejected(_)))
        .collect();
    let [RowOutcome::Rejected(r)] = rejected[..] else {
        panic!("{rejected:?}")
    };
    assert_eq!(
        (r.line, r.posting_id.as_deref(), r.framing),
        (4, Some("P3"), true)
    );
    assert!(r.reason.contains("line 4 in company_name"), "{}", r.reason);
    assert!(matches!(rows[3], RowOutcome::Valid { line: 5, .. }));
}

#[test]
fn a_description_quote_that_never_closes_is_reported_where_it_opened() {
    let text = "posting_id,company_name,job_title,description\nP1,株式会社,営業,\"開いたまま\nP2,株式会社,営業,説明\n";
    let (_, _, rows) = read_all(text.as_bytes(), None);
    let RowOutcome::Rejected(r) = &rows[0] else {
        panic!("{rows:?}")
    };
    assert_eq!((r.line, r.framing), (2, true));
    assert!(r.reason.contains("never closed"), "{}", r.reason);
    assert!(
        matches!(rows[1], RowOutcome::Valid { line: 3, .. }),
        "{rows:?}"
    );
}
