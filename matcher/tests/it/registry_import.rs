//! The corporate-number registry as the company master (PostgreSQL and SQLite): a full file
//! and three diffs, in the UTF-8 edition as CSV and the Shift_JIS edition zipped, build the
//! master written out by hand below; applying the diffs again changes nothing; and matching
//! links a former name and explains a closed or merged company.

use crate::db_support;
use crate::registry_support;

use std::path::PathBuf;

use db_support::TestDb;
use matcher::db::Db;
use matcher::engine::{Decision, MasterIndex, Thresholds, UnmatchedReason};
use postings::{Charset, Posting};
use registry_support::{Edition, files, n, place, row, write_files};

async fn rows(db: &Db, sql: &str) -> Vec<String> {
    match db {
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
    }
}

async fn master(db: &Db) -> (Vec<String>, Vec<String>) {
    let companies = rows(
        db,
        "SELECT corporate_number || '|' || name || '|' || city || '|' || status || '|' || \
         successor || '|' || CAST(search_excluded AS TEXT) FROM companies ORDER BY corporate_number",
    )
    .await;
    let former = rows(
        db,
        "SELECT corporate_number || '|' || name FROM company_former_names ORDER BY 1",
    )
    .await;
    (companies, former)
}

async fn apply_all(t: &TestDb, files: &[PathBuf]) -> Vec<matcher::db::registry::RegistrySummary> {
    let mut out = Vec::new();
    for f in matcher::db::registry::apply_order(files) {
        out.push(t.db.apply_registry_file(&f, None).await.unwrap());
    }
    out
}

async fn builds_the_master(t: &TestDb, edition: Edition) {
    let files = write_files(t, edition);
    let first = apply_all(t, &files).await;
    let charset = match edition {
        Edition::Utf8Csv => Charset::Utf8,
        Edition::ShiftJisZip => Charset::ShiftJis,
    };
    assert!(
        first.iter().all(|s| s.charset == charset.label()),
        "{first:?}"
    );
    assert!(first.iter().all(|s| s.rejected.is_empty()), "{first:?}");
    let applied: Vec<&str> = first
        .iter()
        .map(|s| s.file.rsplit('/').next().unwrap())
        .collect();
    assert!(applied[0].starts_with("00_zenkoku_all"), "{applied:?}");
    assert!(applied[3].starts_with("diff_20261105"), "{applied:?}");
    let mut want_companies: Vec<String> = [
        (
            101,
            "株式会社新名商事",
            "千代田区",
            "active",
            String::new(),
            "0",
        ),
        (
            102,
            "有限会社移転工業",
            "堺市堺区",
            "active",
            String::new(),
            "0",
        ),
        (
            103,
            "合同会社閉鎖企画",
            "港区",
            "closed",
            String::new(),
            "0",
        ),
        (104, "株式会社吸収物産", "新宿区", "merged", n(105), "0"),
        (
            105,
            "株式会社存続ホールディングス",
            "新宿区",
            "active",
            String::new(),
            "0",
        ),
        (
            107,
            "株式会社非表示",
            "千代田区",
            "active",
            String::new(),
            "1",
        ),
        (
            108,
            "株式会社ＸＹＺテック",
            "渋谷区",
            "active",
            String::new(),
            "0",
        ),
    ]
    .iter()
    .map(|(b, name, city, status, succ, ex)| {
        format!("{}|{name}|{city}|{status}|{succ}|{ex}", n(*b))
    })
    .collect();
    // In corporate-number order, as the master is read.
    want_companies.sort();
    let want_former = vec![format!("{}|株式会社旧名商事", n(101))];
    let before = master(&t.db).await;
    assert_eq!(before, (want_companies, want_former));

    // Every diff again, newest first: nothing changes, and the withdrawn number stays gone.
    for f in files.iter().rev() {
        let s = t.db.apply_registry_file(f, None).await.unwrap();
        assert_eq!((s.written, s.former_names, s.removed), (0, 0, 0), "{s:?}");
    }
    assert_eq!(master(&t.db).await, before);

    // The master as a run sees it: former names link, ended companies are explained.
    let index = MasterIndex::build(t.db.load_master().await.unwrap());
    assert_eq!(index.len(), 4, "active, not excluded: 101, 102, 105, 108");
    let link = |name: &str, address: &str| {
        index.link(
            &Posting {
                posting_id: "p".into(),
                company_name: name.into(),
                company_address: address.into(),
                job_title: "事務".into(),
                ..Posting::default()
            },
            &Thresholds::default(),
        )
    };
    match link("(株)旧名商事", "東京都千代田区丸の内1-1") {
        Decision::Matched(l) => {
            assert_eq!(
                (l.corporate_number.to_string(), l.method),
                (n(101), "former_name")
            );
        }
        d => panic!("former name: {d:?}"),
    }
    match link("新名商事株式会社", "東京都千代田区") {
        Decision::Matched(l) => assert_eq!(l.corporate_number.to_string(), n(101)),
        d => panic!("current name: {d:?}"),
    }
    for (name, address, best) in [
        ("閉鎖企画合同会社", "東京都港区芝1-1", n(103)),
        ("株式会社吸収物産", "東京都新宿区西新宿2-8", n(105)),
    ] {
        match link(name, address) {
            Decision::Unmatched(m) => {
                assert_eq!(m.reason, UnmatchedReason::ClosedCompany, "{name}");
                assert_eq!(m.best.map(|b| b.0.to_string()), Some(best), "{name}");
            }
            d => panic!("{name}: {d:?}"),
        }
    }
    for (name, address) in [
        ("株式会社非表示", "東京都千代田区"),
        ("株式会社抹消建設", "福岡県福岡市中央区"),
    ] {
        assert!(
            matches!(link(name, address), Decision::Unmatched(_)),
            "{name}"
        );
    }
}

async fn utf8_csv_full_file_and_three_diffs(t: &TestDb) {
    builds_the_master(t, Edition::Utf8Csv).await;
}

async fn shift_jis_zipped_full_file_and_three_diffs(t: &TestDb) {
    builds_the_master(t, Edition::ShiftJisZip).await;
}

/// Enrichment fills what the registry lacks, a later registry row keeps it, and a number the
/// master lacks is refused by line.
async fn enrichment_survives_registry_updates(t: &TestDb) {
    let files = write_files(t, Edition::Utf8Csv);
    let full = files
        .iter()
        .find(|p| p.to_string_lossy().contains("zenkoku"))
        .unwrap();
    t.db.apply_registry_file(full, None).await.unwrap();
    let enrich = t.dir.path().join("enrich.csv");
    std::fs::write(
        &enrich,
        format!(
            "corporate_number,phone,website\n{},03-1111-2222,https://example.jp\n{},06-0000-0000,\n",
            n(101),
            n(999)
        ),
    )
    .unwrap();
    let s = t.db.enrich_companies(&enrich).await.unwrap();
    assert_eq!((s.read, s.written), (2, 1));
    assert_eq!(s.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), [3]);
    let diff1 = files
        .iter()
        .find(|p| p.to_string_lossy().contains("20261103"))
        .unwrap();
    t.db.apply_registry_file(diff1, None).await.unwrap();
    let got = rows(
        &t.db,
        &format!("SELECT name || '|' || phone || '|' || website FROM companies WHERE corporate_number = '{}'", n(101)),
    )
    .await;
    assert_eq!(got, ["株式会社新名商事|03-1111-2222|https://example.jp"]);
}

/// A file of another layout is refused naming its line, and the master is left as it was.
async fn a_wrong_column_count_is_refused_and_nothing_changes(t: &TestDb) {
    let path = t.dir.path().join("broken.csv");
    let good = row(
        1,
        &n(101),
        "01",
        "2026-11-02",
        &place("株式会社あ", "東京都", "港区"),
    );
    std::fs::write(&path, format!("{good}\n{}\n", "1,2,3")).unwrap();
    let err =
        t.db.apply_registry_file(&path, None)
            .await
            .unwrap_err()
            .to_string();
    assert!(err.contains("broken.csv line 2: 3 columns"), "{err}");
    assert!(master(&t.db).await.0.is_empty());
}

on_both_backends!(
    utf8_csv_full_file_and_three_diffs,
    shift_jis_zipped_full_file_and_three_diffs,
    enrichment_survives_registry_updates,
    a_wrong_column_count_is_refused_and_nothing_changes,
);

/// Offline (`matcher match --companies FILE`), one registry file is a master of its own: its
/// later rows rename and close as an import would.
#[test]
fn an_offline_registry_file_keeps_former_names_and_closed_companies() {
    use matcher::company::registry_master::{looks_like_registry, read_registry_master};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("13_tokyo_all_20261105.csv");
    let all: String = files()
        .into_iter()
        .filter(|(stem, _)| *stem != "diff_20261105")
        .map(|(_, text)| text)
        .collect();
    // Rows of the full file come first whatever order `files` lists them in.
    let mut lines: Vec<&str> = all.lines().collect();
    lines.sort_by_key(|l| l.split(',').nth(4).map(str::to_string));
    std::fs::write(&path, lines.join("\n")).unwrap();
    assert!(looks_like_registry(&path));
    let (master, rejects) = read_registry_master(&path).unwrap();
    assert!(rejects.is_empty(), "{rejects:?}");
    let numbers = |cs: &[matcher::Company]| -> Vec<String> {
        let mut v: Vec<String> = cs.iter().map(|c| c.corporate_number.to_string()).collect();
        v.sort();
        v
    };
    let mut want = vec![n(101), n(102), n(105), n(106)];
    want.sort();
    assert_eq!(numbers(&master.companies), want);
    assert_eq!(
        master
            .former_names
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["株式会社旧名商事"]
    );
    let closed: Vec<(String, Option<String>)> = master
        .closed
        .iter()
        .map(|(c, s)| (c.corporate_number.to_string(), s.map(|s| s.to_string())))
        .collect();
    assert!(closed.contains(&(n(103), None)), "{closed:?}");
    assert!(closed.contains(&(n(104), Some(n(105)))), "{closed:?}");
}
