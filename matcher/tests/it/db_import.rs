//! Importing the company master (PostgreSQL and SQLite): rejects reported by line, reruns
//! idempotent, refreshes applied, and the master read back as the matcher sees it.

use crate::db_support;

use db_support::{TestDb, corporate_number};
use matcher::db::DbError;
use matcher::db::import::ImportError;

const HEADER: &str =
    "corporate_number,name,name_kana,name_en,prefecture,city,street,postal_code,phone,website\n";

fn write(t: &TestDb, name: &str, body: &str) -> std::path::PathBuf {
    let path = t.dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    path
}

/// The dumped row of one company, whatever its place in key order.
fn company<'a>(rows: &'a [String], number: &str) -> &'a str {
    rows.iter()
        .find(|r| r.trim_start_matches('\'').starts_with(number))
        .unwrap_or_else(|| panic!("{number} not in {rows:?}"))
}

fn wrong_check_digit(valid: &str) -> String {
    let first = valid.as_bytes()[0] - b'0';
    format!("{}{}", (first + 1) % 10, &valid[1..])
}

on_both_backends!(
    import_reports_rejected_rows_by_line_and_imports_the_rest,
    importing_the_same_file_twice_changes_nothing_and_a_changed_row_is_refreshed,
    a_file_without_the_corporate_number_column_is_refused_and_nothing_is_imported,
    the_imported_master_reads_back_whole_in_corporate_number_order,
);

async fn import_reports_rejected_rows_by_line_and_imports_the_rest(t: &TestDb) {
    let a = corporate_number(1);
    let b = corporate_number(2);
    let body = format!(
        "{HEADER}\
         {a},株式会社あ,,,東京都,千代田区,\"丸の内1-1\n2F\",,,\n\
         {bad},株式会社い,,,,,,,,\n\
         12345,株式会社う,,,,,,,,\n\
         {b},,,,,,,,,\n\
         {a},株式会社あ（重複）,,,,,,,,\n\
         {b},株式会社え,,,大阪府,大阪市,,,,\n",
        bad = wrong_check_digit(&b),
    );
    let path = write(t, "companies.csv", &body);

    let summary = t.db.import_companies_csv(&path).await.unwrap();

    let lines: Vec<u64> = summary.rejected.iter().map(|r| r.line).collect();
    // The first record spans lines 2-3 (a quoted newline), so the others start one line later.
    assert_eq!(lines, [4, 5, 6, 7], "{:?}", summary.rejected);
    assert!(summary.rejected[0].reason.contains("check digit"));
    assert!(summary.rejected[1].reason.contains("13 digits"));
    assert!(summary.rejected[2].reason.contains("name"));
    assert!(
        summary.rejected[3].reason.contains("line 2"),
        "names the first occurrence"
    );
    assert_eq!((summary.read, summary.written, summary.total), (6, 2, 2));
    let rows = t.dump("companies").await;
    assert!(company(&rows, &a).contains("丸の内1-1\n2F"), "{rows:?}");
    assert!(company(&rows, &b).contains("株式会社え"), "{rows:?}");
}

async fn importing_the_same_file_twice_changes_nothing_and_a_changed_row_is_refreshed(t: &TestDb) {
    let a = corporate_number(10);
    let b = corporate_number(11);
    let first = format!("{HEADER}{a},株式会社あ,,,東京都,,,,,\n{b},株式会社い,,,大阪府,,,,,\n");
    let path = write(t, "companies.csv", &first);
    t.db.import_companies_csv(&path).await.unwrap();
    let before = t.dump("companies").await;

    let again = t.db.import_companies_csv(&path).await.unwrap();
    assert_eq!((again.written, again.total), (0, 2));
    assert_eq!(t.dump("companies").await, before);

    let c = corporate_number(12);
    let refreshed = format!(
        "{HEADER}{a},株式会社あ,,,東京都,,,,,\n{b},株式会社い,,,京都府,,,,,\n{c},株式会社う,,,,,,,,\n"
    );
    let path = write(t, "companies2.csv", &refreshed);
    let summary = t.db.import_companies_csv(&path).await.unwrap();
    assert_eq!((summary.written, summary.total), (2, 3));
    let rows = t.dump("companies").await;
    assert_eq!(company(&rows, &a), company(&before, &a));
    assert!(company(&rows, &b).contains("京都府"), "{rows:?}");
    assert!(company(&rows, &c).contains("株式会社う"), "{rows:?}");
}

async fn a_file_without_the_corporate_number_column_is_refused_and_nothing_is_imported(t: &TestDb) {
    let path = write(t, "companies.csv", "number,name\n1,株式会社あ\n");

    let err = t.db.import_companies_csv(&path).await.unwrap_err();

    assert!(
        matches!(&err, DbError::Import(ImportError::Header { missing, .. }) if missing == &["corporate_number"]),
        "{err}"
    );
    assert_eq!(t.db.count_companies().await.unwrap(), 0);
}

async fn the_imported_master_reads_back_whole_in_corporate_number_order(t: &TestDb) {
    let numbers: Vec<String> = [30, 10, 20].iter().map(|&i| corporate_number(i)).collect();
    let mut body = HEADER.to_string();
    for (i, n) in numbers.iter().enumerate() {
        body.push_str(&format!(
            "{n},会社{i},カイシャ,Kaisha {i},東京都,港区,芝公園4-2-8,105-0011,03-0000-000{i},https://example.jp/{i}\n"
        ));
    }
    let path = write(t, "companies.csv", &body);
    t.db.import_companies_csv(&path).await.unwrap();

    let companies = t.db.load_companies().await.unwrap();

    let read: Vec<String> = companies
        .iter()
        .map(|c| c.corporate_number.to_string())
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort();
    assert_eq!(read, sorted);
    let first = companies
        .iter()
        .find(|c| c.corporate_number.to_string() == numbers[0])
        .unwrap();
    assert_eq!(
        (
            first.name.as_str(),
            first.name_en.as_str(),
            first.postal_code.as_str(),
            first.website.as_str()
        ),
        ("会社0", "Kaisha 0", "105-0011", "https://example.jp/0")
    );
}
