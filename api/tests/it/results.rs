//! What became of a partner's uploads, over HTTP against the S3 endpoint: the matcher's real
//! match stage runs on uploads made through the API, and what the API then says about each
//! upload — its state, its counts, its results CSV — is checked against the run's own files
//! (`runs/<run_id>/{matched,unmatched,rejected}.csv`), which hold every partner's rows.

use crate::common;
use crate::results_support;

use std::collections::BTreeSet;

use common::{TestApp, problem, problem_slug};
use matcher::stage::shard::Shard;
use postings::RunId;
use postings::store::Store;
use results_support::{Fate, HEADER, mixed_csv, run, run_rows};
use serde_json::Value;

struct Partner {
    token: String,
}

async fn partner(app: &TestApp, id: &str) -> Partner {
    Partner {
        token: app.partner_with_token(id).await,
    }
}

async fn upload(app: &TestApp, p: &Partner, csv: String) -> String {
    let r = app.upload(&p.token, "text/csv", csv, None).await;
    assert_eq!(r.status(), 202);
    let body: Value = r.json().await.unwrap();
    body["upload_id"].as_str().unwrap().to_owned()
}

async fn store(app: &TestApp) -> Store {
    Store::from_url(&format!("s3://{}", app.bucket.as_ref().unwrap()))
        .await
        .unwrap()
}

/// The results CSV as the partner gets it, with its hints.
async fn results(
    app: &TestApp,
    p: &Partner,
    upload_id: &str,
    query: &str,
) -> (Vec<Fate>, Vec<String>, Value) {
    let r = app
        .get_with(&p.token, &format!("/v1/uploads/{upload_id}/results{query}"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let run_id = Value::from(r.headers()["x-run-id"].to_str().unwrap());
    let body = r.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_ref());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        postings::results::COLUMNS
    );
    let mut fates = Vec::new();
    let mut hints = Vec::new();
    for row in reader.records() {
        let row = row.unwrap();
        fates.push((
            row[0].parse().unwrap(),
            row[1].to_owned(),
            row[2].to_owned(),
            row[3].to_owned(),
            row[5].to_owned(),
        ));
        hints.push(row[4].to_owned());
    }
    (fates, hints, run_id)
}

async fn show(app: &TestApp, p: &Partner, upload_id: &str) -> Value {
    let r = app
        .get_with(&p.token, &format!("/v1/uploads/{upload_id}"))
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_partner_sees_its_uploads_state_counts_and_the_rows_to_fix_as_the_run_recorded_them() {
    let app = TestApp::spawn().await;
    let acme = partner(&app, "acme").await;
    let globex = partner(&app, "globex").await;
    let mine = upload(&app, &acme, mixed_csv("A")).await;
    let theirs = upload(&app, &globex, mixed_csv("G")).await;

    // Before any run: received, no counts, and no results yet (saying so).
    let before = show(&app, &acme, &mine).await;
    assert_eq!(before["state"], "completed");
    assert_eq!(before["processing"]["state"], "received");
    assert!(before["processing"].get("counts").is_none(), "{before}");
    let r = app
        .get_with(&acme.token, &format!("/v1/uploads/{mine}/results"))
        .await;
    let body = problem(r, 409).await;
    assert!(
        body["detail"].as_str().unwrap().contains("received"),
        "{body}"
    );

    let store = store(&app).await;
    let run_id = run(&store, None, None).await;
    let prefix = format!("runs/{run_id}/");

    let expected = run_rows(&store, &prefix, &mine).await;
    let count = |outcome: &str| expected.iter().filter(|f| f.2 == outcome).count() as u64;
    assert!(
        count("matched") > 0 && count("unmatched") > 0 && count("rejected") > 0,
        "{expected:?}"
    );

    let shown = show(&app, &acme, &mine).await;
    let processing = &shown["processing"];
    assert_eq!(processing["state"], "matched");
    assert_eq!(processing["run_id"], run_id.as_str());
    let counts = &processing["counts"];
    assert_eq!(counts["run_id"], run_id.as_str());
    assert_eq!(counts["rows"], shown["upload"]["rows"], "{shown}");
    assert_eq!(counts["rows"], expected.len() as u64);
    assert_eq!(counts["matched"], count("matched"));
    assert_eq!(counts["unmatched"], count("unmatched"));
    assert_eq!(counts["rejected"], count("rejected"));
    assert_eq!(counts["complete"], true);
    for (reason, n) in counts["unmatched_by_reason"].as_object().unwrap() {
        let in_run = expected
            .iter()
            .filter(|f| f.2 == "unmatched" && &f.3 == reason)
            .count();
        assert_eq!(n, in_run as u64, "{reason}");
    }
    assert_eq!(
        processing["results_url"],
        format!("/v1/uploads/{mine}/results")
    );

    // The results: the run's unmatched and rejected rows of this upload, in line order.
    let (fates, hints, header_run) = results(&app, &acme, &mine, "").await;
    assert_eq!(header_run, run_id.as_str());
    let problems: Vec<Fate> = expected
        .iter()
        .filter(|f| f.2 != "matched")
        .cloned()
        .collect();
    assert_eq!(fates, problems);
    assert!(hints.iter().all(|h| !h.is_empty()), "{hints:?}");
    let salary = fates.iter().position(|f| f.1 == "A-R2").unwrap();
    assert!(
        hints[salary].contains("salary_min is not a number: 30万円"),
        "{hints:?}"
    );
    let missing = fates
        .iter()
        .position(|f| f.2 == "rejected" && f.3.contains("company_name"))
        .unwrap();
    assert!(hints[missing].contains("fill in company_name"), "{hints:?}");

    // include=matched: every row of the upload, the matched ones with their corporate number.
    let (all, _, _) = results(&app, &acme, &mine, "?include=matched").await;
    assert_eq!(all, expected.iter().cloned().collect::<Vec<_>>());
    let r = app
        .get_with(
            &acme.token,
            &format!("/v1/uploads/{mine}/results?include=everything"),
        )
        .await;
    assert_eq!(problem_slug(&problem(r, 400).await), "invalid-request");

    // The other partner's upload is not there for this one, and the other way round.
    for path in [
        format!("/v1/uploads/{theirs}"),
        format!("/v1/uploads/{theirs}/results"),
    ] {
        let body = problem(app.get_with(&acme.token, &path).await, 404).await;
        assert_eq!(problem_slug(&body), "not-found");
    }
    let body = problem(
        app.get_with(&globex.token, &format!("/v1/uploads/{mine}/results"))
            .await,
        404,
    )
    .await;
    assert!(!body.to_string().contains("A-R2"));
    let (theirs_fates, _, _) = results(&app, &globex, &theirs, "").await;
    assert!(
        theirs_fates.iter().all(|f| f.1.starts_with("G-")),
        "{theirs_fates:?}"
    );
    assert_eq!(
        theirs_fates,
        run_rows(&store, &prefix, &theirs)
            .await
            .into_iter()
            .filter(|f| f.2 != "matched")
            .collect::<Vec<_>>()
    );

    // The API read only the partner's own objects: the results it served are under them.
    let keys: Vec<String> = store
        .list("results/")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert!(
        keys.iter()
            .any(|k| k.starts_with(&format!("results/acme/{mine}/{run_id}/"))),
        "{keys:?}"
    );
    assert!(
        keys.iter()
            .any(|k| k.starts_with(&format!("results/globex/{theirs}/{run_id}/"))),
        "{keys:?}"
    );
}

#[tokio::test]
async fn an_upload_altered_after_it_was_received_is_shown_quarantined_with_the_reason() {
    let app = TestApp::spawn().await;
    let acme = partner(&app, "acme").await;
    let id = upload(&app, &acme, mixed_csv("A")).await;
    let key = show(&app, &acme, &id).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let store = store(&app).await;
    store
        .put(
            &key,
            format!("{HEADER}\nX,株式会社別物,,,,営業,,,,,,\n").into(),
        )
        .await
        .unwrap();
    run(&store, None, None).await;

    let processing = show(&app, &acme, &id).await["processing"].clone();
    assert_eq!(processing["state"], "quarantined");
    assert!(
        processing["reason"]
            .as_str()
            .unwrap()
            .starts_with("altered"),
        "{processing}"
    );
    assert!(processing.get("counts").is_none(), "{processing}");
    let body = problem(
        app.get_with(&acme.token, &format!("/v1/uploads/{id}/results"))
            .await,
        409,
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("quarantined (altered"),
        "{body}"
    );
}

#[tokio::test]
async fn a_sharded_runs_results_are_merged_in_line_order_once_every_shard_has_written() {
    let app = TestApp::spawn().await;
    let acme = partner(&app, "acme").await;
    let id = upload(&app, &acme, mixed_csv("A")).await;
    let store = store(&app).await;
    let run_id = RunId::new();
    run(
        &store,
        Some(run_id.clone()),
        Some(Shard::new(0, 2).unwrap()),
    )
    .await;

    let counts = show(&app, &acme, &id).await["processing"]["counts"].clone();
    // One child alone: its part of the counts, said to be incomplete.
    assert_eq!(counts["complete"], false, "{counts}");

    run(
        &store,
        Some(run_id.clone()),
        Some(Shard::new(1, 2).unwrap()),
    )
    .await;
    let counts = show(&app, &acme, &id).await["processing"]["counts"].clone();
    assert_eq!(counts["complete"], true, "{counts}");
    let mut expected = BTreeSet::new();
    for shard in ["0-of-2", "1-of-2"] {
        expected.extend(run_rows(&store, &format!("runs/{run_id}/shards/{shard}/"), &id).await);
    }
    assert_eq!(counts["rows"], expected.len() as u64);
    let (all, _, _) = results(&app, &acme, &id, "?include=matched").await;
    assert_eq!(all, expected.into_iter().collect::<Vec<_>>());
}

#[tokio::test]
async fn a_partners_uploads_are_listed_newest_first_a_page_at_a_time() {
    let app = TestApp::spawn().await;
    let acme = partner(&app, "acme").await;
    let globex = partner(&app, "globex").await;
    let mut mine = Vec::new();
    for i in 0..5 {
        mine.push(upload(&app, &acme, mixed_csv(&format!("A{i}"))).await);
    }
    let theirs = upload(&app, &globex, mixed_csv("G")).await;

    let mut seen = Vec::new();
    let mut pages = 0;
    let mut path = "/v1/uploads?limit=2".to_owned();
    loop {
        let r = app.get_with(&acme.token, &path).await;
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.unwrap();
        pages += 1;
        let ids: Vec<String> = page["uploads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["upload_id"].as_str().unwrap().to_owned())
            .collect();
        assert!(ids.len() <= 2);
        for u in page["uploads"].as_array().unwrap() {
            assert_eq!(u["processing"]["state"], "received", "{u}");
        }
        seen.extend(ids);
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/uploads?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let newest_first: Vec<String> = mine.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);
    assert!(!seen.contains(&theirs));

    let r = app.get_with(&globex.token, "/v1/uploads").await;
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["uploads"].as_array().unwrap().len(), 1);
    assert_eq!(page["uploads"][0]["upload_id"], theirs.as_str());
    assert!(page.get("next_cursor").is_none());

    for bad in ["?limit=0", "?limit=101", "?limit=x", "?cursor=not-an-id"] {
        let r = app
            .get_with(&acme.token, &format!("/v1/uploads{bad}"))
            .await;
        assert_eq!(
            problem_slug(&problem(r, 400).await),
            "invalid-request",
            "{bad}"
        );
    }
}
