//! Operator review on both database backends: the queue's grouping and ranking over the real
//! match stage's outputs, decisions applied by the next runs and re-runs (and those whose
//! company left the master reported), and the CSV export / import round trip.

use crate::review_support;

use std::collections::HashSet;

use matcher::CorporateNumber;
use matcher::review::desk::Desk;
use matcher::review::{GroupKey, Verdict, exchange, overrides};
use review_support::*;

fn key(name: &str, place: &str) -> GroupKey {
    GroupKey {
        name: name.into(),
        place: place.into(),
    }
}

fn number(s: &str) -> CorporateNumber {
    CorporateNumber::parse(s).unwrap()
}

/// Two weekly snapshots from two partners. 山田商事 in 千代田区: a1, a2 (both weeks), b1 (week
/// one only) = 3 postings, 5 rows; 佐藤工業 in 港区: a3 (both weeks), b3 (week two) = 2
/// postings, 3 rows; 田中物産 in 新宿区: b2 (both weeks) = 1 posting, 2 rows; 鈴木建設 links.
async fn two_weeks(t: &Env) -> (String, String) {
    // Partner a sends the same snapshot both weeks.
    let a = [
        yamada("a1"),
        yamada("a2"),
        sato_posting("a3"),
        suzuki_posting("a4"),
    ];
    t.upload("a", &a).await;
    t.upload("b", &[yamada("b1"), tanaka("b2")]).await;
    let (first, _) = t.run_match(None);
    t.upload("a", &a).await;
    t.upload("b", &[tanaka("b2"), sato_posting("b3")]).await;
    let (second, _) = t.run_match(None);
    (first, second)
}

fn yamada_key() -> GroupKey {
    key("山田商事", "東京都千代田区")
}
fn sato_key() -> GroupKey {
    key("佐藤工業", "東京都港区")
}
fn tanaka_key() -> GroupKey {
    key("田中物産", "東京都新宿区")
}

async fn queue_ranks_groups_by_the_postings_one_decision_settles(t: &Env) {
    let (first, second) = two_weeks(t).await;

    let desk = Desk::open(&t.store, t.db.clone(), 8).await.unwrap();

    let got: Vec<(GroupKey, usize, usize, usize, usize)> = desk
        .queue
        .iter()
        .map(|g| {
            (
                g.key.clone(),
                g.postings,
                g.rows,
                g.partners.len(),
                g.runs.len(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (yamada_key(), 3, 5, 2, 2),
            (sato_key(), 2, 3, 2, 2),
            (tanaka_key(), 1, 2, 1, 2),
        ]
    );
    let yamada = &desk.queue[0];
    assert_eq!(
        yamada.reasons.get("ambiguous"),
        Some(&3),
        "{:?}",
        yamada.reasons
    );
    assert_eq!(desk.queue[1].reasons.get("below_threshold"), Some(&2));
    assert_eq!(desk.queue[2].reasons.get("no_candidate"), Some(&1));
    // Both namesakes are offered, with the place for them.
    let shown = desk.candidates(yamada).await.unwrap();
    let numbers: HashSet<String> = shown
        .iter()
        .take(2)
        .map(|s| s.candidate.corporate_number.to_string())
        .collect();
    assert_eq!(numbers, HashSet::from([yamada_a(), yamada_b()]));
    assert!(
        shown
            .iter()
            .take(2)
            .all(|s| s.candidate.place == matcher::engine::Agreement::Agrees)
    );
    // 佐藤工業's only candidate is registered in another prefecture.
    let sato_shown = desk.candidates(&desk.queue[1]).await.unwrap();
    assert_eq!(sato_shown[0].candidate.corporate_number.to_string(), sato());
    assert_eq!(
        sato_shown[0].candidate.place,
        matcher::engine::Agreement::Differs
    );

    // Only the latest run (run ids sort by start time; two runs started in the same second
    // sort by their random suffix). Week two: 山田商事 and 佐藤工業 two postings each (the
    // name orders equals), 田中物産 one; week one: 山田商事 three, then one each.
    let latest = Desk::open(&t.store, t.db.clone(), 1).await.unwrap();
    let counts: Vec<(GroupKey, usize)> = latest
        .queue
        .iter()
        .map(|g| (g.key.clone(), g.postings))
        .collect();
    let expected = if second > first {
        [(sato_key(), 2), (yamada_key(), 2), (tanaka_key(), 1)]
    } else {
        [(yamada_key(), 3), (sato_key(), 1), (tanaka_key(), 1)]
    };
    assert_eq!(counts, expected);

    // A decided group leaves the queue.
    overrides::record(&t.db, &sato_key(), Verdict::NotInMaster, "op")
        .await
        .unwrap();
    let desk = Desk::open(&t.store, t.db.clone(), 8).await.unwrap();
    let keys: Vec<GroupKey> = desk.queue.iter().map(|g| g.key.clone()).collect();
    assert_eq!(keys, [yamada_key(), tanaka_key()]);
}

async fn decisions_stick_on_reruns_and_next_runs_and_stale_ones_are_reported(t: &Env) {
    let (first, second) = two_weeks(t).await;
    assert_eq!(
        t.column(&first, "unmatched.csv", "reason").await[..3],
        [
            ("a1".into(), "a".into(), "ambiguous".into()),
            ("a2".into(), "a".into(), "ambiguous".into()),
            ("a3".into(), "a".into(), "below_threshold".into()),
        ]
    );
    overrides::record(
        &t.db,
        &yamada_key(),
        Verdict::Company(number(&yamada_a())),
        "op",
    )
    .await
    .unwrap();
    overrides::record(&t.db, &tanaka_key(), Verdict::NotInMaster, "op")
        .await
        .unwrap();

    // A re-run of the first week applies them.
    t.run_match(Some(&first));
    let methods = t.column(&first, "matched.csv", "match_method").await;
    let numbers = t.column(&first, "matched.csv", "corporate_number").await;
    for id in [("a1", "a"), ("a2", "a"), ("b1", "b")] {
        let row = (id.0.to_owned(), id.1.to_owned(), "manual".to_owned());
        assert!(methods.contains(&row), "{id:?} linked by hand: {methods:?}");
        let row = (id.0.to_owned(), id.1.to_owned(), yamada_a());
        assert!(numbers.contains(&row), "{numbers:?}");
    }
    assert!(methods.contains(&("a4".into(), "a".into(), "name+city".into())));
    assert_eq!(
        t.column(&first, "unmatched.csv", "reason").await,
        [
            ("a3".into(), "a".into(), "below_threshold".into()),
            ("b2".into(), "b".into(), "reviewed_not_in_master".into()),
        ]
    );
    let m = t.manifest(&first).await;
    assert_eq!(m["overrides"]["stored"], 2, "{m}");
    assert_eq!(m["overrides"]["applied"], 4, "{m}");
    assert_eq!(
        m["counts"]["unmatched_by_reason"]["reviewed_not_in_master"],
        1
    );

    // The next week's run applies them too, and so does its re-run.
    t.upload("a", &[yamada("a1"), yamada("a5")]).await;
    let (third, _) = t.run_match(None);
    t.run_match(Some(&third));
    assert_eq!(
        t.column(&third, "matched.csv", "match_method").await,
        [
            ("a1".into(), "a".into(), "manual".into()),
            ("a5".into(), "a".into(), "manual".into()),
        ]
    );

    // The operator links 佐藤工業 in 港区 to the Osaka company; then that company leaves the
    // master. The decision is not applied, and the run says so.
    overrides::record(&t.db, &sato_key(), Verdict::Company(number(&sato())), "op")
        .await
        .unwrap();
    t.run_match(Some(&second));
    assert!(
        t.column(&second, "matched.csv", "match_method")
            .await
            .contains(&("b3".into(), "b".into(), "manual".into()))
    );
    t.execute(&format!(
        "DELETE FROM companies WHERE corporate_number = '{}'",
        sato()
    ))
    .await;
    let (_, log) = t.run_match(Some(&second));
    assert!(log.contains("no longer in the master"), "{log}");
    let reasons = t.column(&second, "unmatched.csv", "reason").await;
    assert!(
        reasons.contains(&("b3".into(), "b".into(), "no_candidate".into())),
        "the engine's own decision stands: {reasons:?}"
    );
    let m = t.manifest(&second).await;
    let stale = &m["overrides"]["stale"];
    assert_eq!(stale.as_array().map(Vec::len), Some(1), "{m}");
    assert_eq!(stale[0]["corporate_number"], sato());
    assert_eq!(stale[0]["name"], "佐藤工業");
    assert_eq!(stale[0]["place"], "東京都港区");
    assert_eq!(stale[0]["postings"], 2);
}

async fn export_then_import_records_the_filled_decisions(t: &Env) {
    two_weeks(t).await;
    let desk = Desk::open(&t.store, t.db.clone(), 8).await.unwrap();
    let path = t.dir.path().join("queue.csv");

    let written = exchange::export(&desk, &path).await.unwrap();

    assert_eq!(written, 3);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][col("name")], "山田商事");
    assert_eq!(&rows[0][col("postings")], "3");
    assert_eq!(&rows[0][col("decision")], "");
    let offered: HashSet<&str> = [
        &rows[0][col("candidate_1_corporate_number")],
        &rows[0][col("candidate_2_corporate_number")],
    ]
    .into();
    assert_eq!(
        offered,
        HashSet::from([yamada_a().as_str(), yamada_b().as_str()])
    );
    // The spreadsheet's decisions: 山田商事 → the second namesake, 田中物産 → none, 佐藤工業
    // left blank.
    let decide = |row: &csv::StringRecord, value: &str| {
        let mut fields: Vec<String> = row.iter().map(str::to_owned).collect();
        fields[col("decision")] = value.to_owned();
        csv::StringRecord::from(fields)
    };
    rows[0] = decide(&rows[0], &yamada_b());
    rows[2] = decide(&rows[2], "none");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&header).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();

    let done = exchange::import(&t.db, &path, "bob").await.unwrap();

    assert_eq!(done.decided, 2);
    assert_eq!(done.blank, 1);
    let mut stored: Vec<(GroupKey, Verdict, String)> = overrides::list(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.key, o.verdict, o.decided_by))
        .collect();
    stored.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        stored,
        [
            (
                yamada_key(),
                Verdict::Company(number(&yamada_b())),
                "bob".to_owned()
            ),
            (tanaka_key(), Verdict::NotInMaster, "bob".to_owned()),
        ]
    );
    let left = Desk::open(&t.store, t.db.clone(), 8).await.unwrap();
    assert_eq!(
        left.queue.iter().map(|g| g.key.clone()).collect::<Vec<_>>(),
        [sato_key()]
    );
}

async fn import_refuses_a_file_with_a_bad_line_and_names_it(t: &Env) {
    let path = t.dir.path().join("decisions.csv");
    let write = |body: &str| std::fs::write(&path, format!("name,place,decision\n{body}")).unwrap();
    let mut wrong_digit = yamada_a();
    wrong_digit.replace_range(
        0..1,
        if wrong_digit.starts_with('1') {
            "2"
        } else {
            "1"
        },
    );

    write(&format!(
        "山田商事,東京都千代田区,{}\n田中物産,東京都新宿区,{wrong_digit}\n",
        yamada_a()
    ));
    let err = format!(
        "{:#}",
        exchange::import(&t.db, &path, "op").await.unwrap_err()
    );
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("check digit"), "{err}");

    write(&format!(
        "山田商事,東京都千代田区,{}\n",
        corporate_number(999)
    ));
    let err = format!(
        "{:#}",
        exchange::import(&t.db, &path, "op").await.unwrap_err()
    );
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("not in the master"), "{err}");

    write("山田商事,東京都千代田区,12345\n");
    let err = format!(
        "{:#}",
        exchange::import(&t.db, &path, "op").await.unwrap_err()
    );
    assert!(err.contains("line 2") && err.contains("13 digits"), "{err}");

    assert!(
        overrides::list(&t.db).await.unwrap().is_empty(),
        "nothing recorded from a refused file"
    );
}

on_both_backends!(
    @with crate::review_support::Env;
    queue_ranks_groups_by_the_postings_one_decision_settles,
    decisions_stick_on_reruns_and_next_runs_and_stale_ones_are_reported,
    export_then_import_records_the_filled_decisions,
    import_refuses_a_file_with_a_bad_line_and_names_it,
);
