//! The review page in a real headless browser (Debian's chromium, driven over W3C WebDriver by
//! chromedriver): an operator decides groups with the keyboard, the decisions land in the
//! database, and the next run and its re-runs link the postings by hand.
//!
//! Needs chromium and chromedriver (tests/with-services installs them) and PostgreSQL.
//! REVIEW_SCREENSHOT=path saves the page as the operator first sees it.

use crate::review_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use matcher::review::{GroupKey, Verdict, overrides};
use review_support::*;
use serde_json::{Value, json};
use testkit::poll::until;
use testkit::process::{KillOnDrop, free_port};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A W3C WebDriver session on chromedriver.
struct Browser {
    http: reqwest::Client,
    session: String,
    _driver: KillOnDrop,
}

impl Browser {
    async fn start() -> Self {
        let driver = which("chromedriver").expect(
            "chromedriver is not installed: run under tests/with-services, which installs it",
        );
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = KillOnDrop(child);
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        until("chromedriver to be ready", Duration::from_secs(30), || {
            let http = http.clone();
            let url = format!("{base}/status");
            async move {
                let v: Value = http.get(url).send().await.ok()?.json().await.ok()?;
                (v["value"]["ready"] == true).then_some(())
            }
        })
        .await;
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--lang=ja"]
        });
        if let Some(chromium) = which("chromium") {
            options["binary"] = json!(chromium);
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options
        }}});
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"));
        Self {
            http,
            session: format!("{base}/session/{id}"),
            _driver: driver,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Texts of the elements a CSS selector finds, in page order.
    async fn texts(&self, css: &str) -> Vec<String> {
        let found = self
            .call(
                reqwest::Method::POST,
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        let mut out = Vec::new();
        for e in found.as_array().cloned().unwrap_or_default() {
            let id = e[ELEMENT].as_str().unwrap().to_owned();
            let text = self
                .call(reqwest::Method::GET, &format!("/element/{id}/text"), None)
                .await;
            out.push(text.as_str().unwrap_or_default().to_owned());
        }
        out
    }

    /// Waits until the page's heading names the group `name` (the page moves on by itself).
    async fn wait_for_heading(&self, name: &str) {
        until(name, Duration::from_secs(15), || async {
            let h1 = self.texts("h1").await;
            h1.first().is_some_and(|h| h.contains(name)).then_some(())
        })
        .await
    }

    async fn press(&self, key: &str) {
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(
                json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                    {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}
                ]}]}),
            ),
        )
        .await;
    }

    async fn screenshot(&self) -> Vec<u8> {
        let b64 = self.call(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap()
    }

    async fn quit(self) {
        self.http.delete(&self.session).send().await.ok();
    }
}

fn which(program: &str) -> Option<String> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    })
}

/// `matcher review serve` on a free port; returns the URL it printed (with its token).
fn serve(t: &Env) -> (KillOnDrop, String) {
    let mut child = t
        .matcher()
        .args(["review", "serve", "--port", "0", "--operator", "alice"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    (KillOnDrop(child), url)
}

#[tokio::test]
async fn an_operator_decides_groups_by_keyboard_and_the_next_runs_link_them_by_hand() {
    let t = Env::open(Backend::Postgres, "review_browser").await;
    t.upload("a", &[yamada("a1"), yamada("a2"), sato_posting("a3")])
        .await;
    t.upload("b", &[yamada("b1"), tanaka("b2")]).await;
    let (run, _) = t.run_match(None);
    let (server, url) = serve(&t);
    let browser = Browser::start().await;

    // Without the token, nothing.
    let base = url.split("/?").next().unwrap().to_owned();
    let denied = reqwest::get(format!("{base}/group/0")).await.unwrap();
    assert_eq!(denied.status(), 403);

    browser.goto(&url).await;
    assert!(
        browser.url().await.ends_with("/group/0"),
        "token moved to a cookie"
    );
    assert_eq!(
        browser.texts("#postings").await,
        ["3"],
        "山田商事 settles the most"
    );
    if let Some(path) = std::env::var_os("REVIEW_SCREENSHOT") {
        std::fs::write(path, browser.screenshot().await).unwrap();
    }
    let numbers = browser.texts(".cand .num").await;
    let pick = numbers
        .iter()
        .position(|n| *n == yamada_a())
        .unwrap_or_else(|| panic!("{} among the candidates {numbers:?}", yamada_a()))
        + 1;

    browser.press(&pick.to_string()).await;

    let stored = until(
        "the decision in the database",
        Duration::from_secs(15),
        || async {
            let list = overrides::list(&t.db).await.unwrap();
            (!list.is_empty()).then_some(list)
        },
    )
    .await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].key,
        GroupKey {
            name: "山田商事".into(),
            place: "東京都千代田区".into()
        }
    );
    assert_eq!(
        stored[0].verdict,
        Verdict::Company(matcher::CorporateNumber::parse(&yamada_a()).unwrap())
    );
    assert_eq!(stored[0].decided_by, "alice");

    // The next group (佐藤工業, then 田中物産: one posting each) is shown; j moves on, n says
    // "not in the master".
    browser.wait_for_heading("佐藤工業").await;
    browser.press("j").await;
    browser.wait_for_heading("田中物産").await;
    browser.press("n").await;
    let stored = until("the second decision", Duration::from_secs(15), || async {
        let list = overrides::list(&t.db).await.unwrap();
        (list.len() == 2).then_some(list)
    })
    .await;
    let tanaka = stored.iter().find(|o| o.key.name == "田中物産").unwrap();
    assert_eq!(tanaka.verdict, Verdict::NotInMaster);
    assert_eq!(tanaka.key.place, "東京都新宿区");
    browser.quit().await;
    drop(server);

    // The re-run of the same week links 山田商事's postings by hand...
    t.run_match(Some(&run));
    let manual: Vec<(String, String, String)> =
        t.column(&run, "matched.csv", "corporate_number").await;
    assert_eq!(
        manual,
        [
            ("a1".into(), "a".into(), yamada_a()),
            ("a2".into(), "a".into(), yamada_a()),
            ("b1".into(), "b".into(), yamada_a()),
        ]
    );
    assert!(
        t.column(&run, "matched.csv", "match_method")
            .await
            .iter()
            .all(|(_, _, m)| m == "manual")
    );
    assert!(t.column(&run, "unmatched.csv", "reason").await.contains(&(
        "b2".into(),
        "b".into(),
        "reviewed_not_in_master".into()
    )));
    // ... and so do the next week's run and its re-run.
    t.upload("a", &[yamada("a1"), yamada("a6")]).await;
    let (next, _) = t.run_match(None);
    for _ in 0..2 {
        assert_eq!(
            t.column(&next, "matched.csv", "match_method").await,
            [
                ("a1".into(), "a".into(), "manual".into()),
                ("a6".into(), "a".into(), "manual".into()),
            ]
        );
        t.run_match(Some(&next));
    }
    t.cleanup().await;
}
