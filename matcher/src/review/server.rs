//! `matcher review serve`: the review page on 127.0.0.1 only.
//!
//! Access: the address keeps the page off the network, and a random token printed at start
//! keeps it from every other local user and from web pages the operator's browser opens (they
//! can reach loopback too, but cannot know the token). The printed URL carries the token once;
//! the page then sets it as an HttpOnly, SameSite=Strict cookie, so that it leaves the address
//! bar and no other site can make the browser post a decision.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tokio::sync::Mutex;

use super::desk::Desk;
use super::{GroupKey, Verdict, page};
use crate::company::CorporateNumber;

const COOKIE: &str = "review_token";

struct App {
    desk: Mutex<Desk>,
    token: String,
    operator: String,
    decided: std::sync::atomic::AtomicUsize,
}

/// Serves the queue until the process is stopped; `announce` gets the URL to open (with its
/// token) once the port is bound.
pub async fn serve(
    desk: Desk,
    operator: String,
    port: u16,
    announce: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let token = uuid::Uuid::new_v4().simple().to_string();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    let addr = listener.local_addr()?;
    announce(&format!("http://{addr}/?token={token}"));
    axum::serve(listener, router(desk, operator, token))
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await
        .context("serving the review page")
}

fn router(desk: Desk, operator: String, token: String) -> Router {
    let app = Arc::new(App {
        desk: Mutex::new(desk),
        token,
        operator,
        decided: Default::default(),
    });
    Router::new()
        .route("/", get(|| async { Redirect::to("/group/0") }))
        .route("/group/{pos}", get(show))
        .route("/decide", post(decide))
        .layer(middleware::from_fn_with_state(app.clone(), auth))
        .with_state(app)
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn auth(
    State(app): State<Arc<App>>,
    Query(q): Query<TokenQuery>,
    req: Request,
    next: Next,
) -> Response {
    let matches = |t: &str| bool::from(t.as_bytes().ct_eq(app.token.as_bytes()));
    if cookie(req.headers()).is_some_and(matches) {
        return next.run(req).await;
    }
    if q.token.as_deref().is_some_and(matches) {
        let cookie = format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", app.token);
        let mut resp = Redirect::to(req.uri().path()).into_response();
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
        return resp;
    }
    (
        StatusCode::FORBIDDEN,
        "open the URL `matcher review serve` printed (it carries the access token)\n",
    )
        .into_response()
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

async fn show(State(app): State<Arc<App>>, Path(pos): Path<usize>) -> Response {
    render(&app, pos, None).await
}

async fn render(app: &App, pos: usize, error: Option<&str>) -> Response {
    let desk = app.desk.lock().await;
    let total = desk.queue.len();
    if total == 0 {
        return Html(page::done(
            app.decided.load(std::sync::atomic::Ordering::Relaxed),
        ))
        .into_response();
    }
    let pos = pos.min(total - 1);
    let group = &desk.queue[pos];
    match desk.candidates(group).await {
        Ok(shown) => Html(page::group(pos, total, group, &shown, error)).into_response(),
        Err(e) => failure(&e),
    }
}

#[derive(Deserialize)]
struct Decision {
    name: String,
    place: String,
    choice: String,
}

async fn decide(State(app): State<Arc<App>>, Form(d): Form<Decision>) -> Response {
    let verdict = if d.choice == "none" {
        Verdict::NotInMaster
    } else {
        match CorporateNumber::parse(&d.choice) {
            Ok(n) => Verdict::Company(n),
            Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        }
    };
    let key = GroupKey {
        name: d.name,
        place: d.place,
    };
    let pos = {
        let mut desk = app.desk.lock().await;
        let pos = desk.queue.iter().position(|g| g.key == key).unwrap_or(0);
        if let Err(e) = desk.decide(&key, verdict, &app.operator).await {
            drop(desk);
            return render(&app, pos, Some(&format!("{e:#}"))).await;
        }
        pos
    };
    app.decided
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // The next group has slid into this one's place.
    Redirect::to(&format!("/group/{pos}")).into_response()
}

fn failure(e: &anyhow::Error) -> Response {
    tracing::error!(error = format!("{e:#}"), "review page failed");
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}\n")).into_response()
}
