//! `runs/<run_id>/report.html`, looked at in a real headless browser (Debian's chromium, which
//! `tests/with-services` installs): it renders, it is self-contained, and the numbers it shows
//! are the run's — the manifest's totals and reasons, each partner's rows as the run's files
//! hold them, and the earlier run's counts in the trend.
//!
//! `REPORT_SCREENSHOT=docs/report.png` also saves the screenshot there.

use crate::match_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use match_support::store::{Backend, TestStore, run_id};
use match_support::*;
use serde_json::Value;

/// The page's DOM after the browser has parsed and laid it out.
fn dump_dom(page: &Path, profile: &Path) -> String {
    let out = chromium(profile)
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs (tests/with-services installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn screenshot(url: &str, to: &Path, profile: &Path) -> u64 {
    let out = chromium(profile)
        .arg(format!("--screenshot={}", to.display()))
        .arg("--window-size=1200,1600")
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::metadata(to).unwrap().len()
}

fn chromium(profile: &Path) -> Command {
    let mut c = Command::new("chromium");
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        // Self-contained: the page must render with every network request refused.
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// The number in the first element after `anchor` (`12,345` → 12345).
fn number_after(dom: &str, anchor: &str) -> u64 {
    let at = dom
        .find(anchor)
        .unwrap_or_else(|| panic!("{anchor} not in the report"));
    let rest = &dom[at + anchor.len()..];
    let text = &rest[rest.find('>').unwrap() + 1..];
    let text = &text[..text.find('<').unwrap()];
    text.replace(',', "")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{anchor}: {text:?} is not a number"))
}

/// The part of the DOM from `start` to the end of its table row.
fn row<'a>(dom: &'a str, start: &str) -> &'a str {
    let at = dom
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in the report"));
    let rest = &dom[at..];
    &rest[..rest.find("</tr>").unwrap()]
}

/// Rows per partner and outcome in the run's three files.
async fn partner_counts(
    store: &TestStore,
    run: &str,
) -> BTreeMap<String, BTreeMap<&'static str, u64>> {
    let mut counts: BTreeMap<String, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for outcome in ["matched", "unmatched", "rejected"] {
        let rows = read_csv_bytes(&store.get(&format!("runs/{run}/{outcome}.csv")).await);
        let partner = rows[0].iter().position(|h| h == "partner").unwrap();
        for r in &rows[1..] {
            *counts
                .entry(r[partner].clone())
                .or_default()
                .entry(outcome)
                .or_default() += 1;
        }
    }
    counts
}

#[tokio::test]
async fn the_run_report_renders_in_a_browser_with_the_manifests_numbers_and_the_trend() {
    let tmp = tempfile::tempdir().unwrap();
    let store = TestStore::new(Backend::S3).await;
    let sample = write_generated_sample(tmp.path(), 300);
    let body = std::fs::read(&sample.postings).unwrap();
    store.register("acme", body.clone()).await;
    let first = run_id(&run_ok(&mut store.matcher(&sample.companies)));
    store.register("acme", body.clone()).await;
    store.register("globex", body).await;
    let second = run_id(&run_ok(&mut store.matcher(&sample.companies)));

    let manifest = |run: String| {
        let store = &store;
        async move {
            serde_json::from_slice::<Value>(&store.get(&format!("runs/{run}/manifest.json")).await)
                .unwrap()
        }
    };
    let (m1, m2) = (
        manifest(first.clone()).await,
        manifest(second.clone()).await,
    );
    let html = store.get(&format!("runs/{second}/report.html")).await;
    let html = String::from_utf8(html).unwrap();
    for outside in ["<script", "http://", "https://", "<link", "@import", "url("] {
        assert!(
            !html.contains(outside),
            "the report refers outside itself: {outside}"
        );
    }
    let page = tmp.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let profile = tmp.path().join("profile");
    let dom = dump_dom(&page, &profile);

    assert!(
        dom.contains(&format!("<span id=\"run-id\">{second}</span>")),
        "{dom}"
    );
    assert!(dom.matches("<svg").count() >= 4, "four charts");

    // Totals and reasons: the manifest's.
    let counts = &m2["counts"];
    let totals = &dom[dom.find("id=\"totals\"").unwrap()..];
    for field in ["input_rows", "matched", "unmatched", "rejected"] {
        let shown = number_after(totals, &format!("data-count=\"{field}\""));
        assert_eq!(shown, counts[field].as_u64().unwrap(), "{field}");
    }
    for (reason, n) in counts["unmatched_by_reason"].as_object().unwrap() {
        let shown = number_after(&dom, &format!("data-reason=\"{reason}\""));
        assert_eq!(shown, n.as_u64().unwrap(), "{reason}");
    }

    // Per partner: each partner's rows in the run's files.
    let partners = partner_counts(&store, &second).await;
    assert_eq!(partners.len(), 2);
    let mut sum = 0;
    for (partner, by_outcome) in &partners {
        let tr = row(&dom, &format!("data-partner=\"{partner}\""));
        let mut rows = 0;
        for outcome in ["matched", "unmatched", "rejected"] {
            let n = by_outcome.get(outcome).copied().unwrap_or(0);
            assert_eq!(
                number_after(tr, &format!("data-count=\"{outcome}\"")),
                n,
                "{partner} {outcome}"
            );
            rows += n;
        }
        assert_eq!(
            number_after(tr, "data-count=\"input_rows\""),
            rows,
            "{partner}"
        );
        sum += rows;
    }
    assert_eq!(sum, counts["input_rows"].as_u64().unwrap());

    // The trend: the earlier run, then this one, each with its manifest's counts.
    let trend = &dom[dom.find("id=\"trend\"").unwrap()..];
    let trend = &trend[..trend.find("</table>").unwrap()];
    assert_eq!(
        trend.matches("<tr>").count(),
        3,
        "a header and two runs: {trend}"
    );
    for m in [&m1, &m2] {
        let run = m["run_id"].as_str().unwrap();
        let tr = row(trend, &format!("<th>{run}</th>"));
        assert_eq!(
            number_after(tr, "</th>"),
            m["counts"]["input_rows"].as_u64().unwrap(),
            "{run}"
        );
    }
    assert!(
        trend.find(&first).unwrap() < trend.find(&second).unwrap(),
        "oldest first"
    );

    // Rendered: the screenshot of the report holds far more than one of an empty page.
    let shot = tmp.path().join("report.png");
    let report_png = screenshot(&format!("file://{}", page.display()), &shot, &profile);
    let blank_png = screenshot("about:blank", &tmp.path().join("blank.png"), &profile);
    assert!(
        report_png > 4 * blank_png,
        "{report_png} vs blank {blank_png} bytes"
    );
    if let Ok(to) = std::env::var("REPORT_SCREENSHOT") {
        std::fs::copy(&shot, to).unwrap();
    }
}

#[test]
fn an_offline_run_writes_its_report_beside_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = write_small_sample(tmp.path());
    let out = tmp.path().join("out");
    run_ok(&mut offline(&sample.companies, &sample.postings, &out));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        number_after(&html, "data-count=\"rejected\""),
        manifest["counts"]["rejected"].as_u64().unwrap()
    );
}
