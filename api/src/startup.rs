//! Building the application: shared state, the router with its safety layers, and
//! [`Application`], which binds its own listener (port 0 in tests).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Extension, Router};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::error::{ApiError, ProblemExt};
use crate::limits::{body_read_timeout, uri_limit};
use crate::routes::openapi::{ApiDoc, Served, add_layer_responses, partner_operations};
use crate::state::AppState;
use crate::{routes, server};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The router's routes and the OpenAPI document generated from the same handlers.
pub struct Routes {
    pub router: Router<AppState>,
    /// Health checks: outside the concurrency limit, load shedding and per-partner shares,
    /// so that a busy or attacked server still answers its orchestrator.
    pub open: Router<AppState>,
    pub document: utoipa::openapi::OpenApi,
}

impl Routes {
    /// Every (method, path) the document describes.
    pub fn table(&self) -> Vec<(Method, String)> {
        let mut table = Vec::new();
        for (path, item) in &self.document.paths.paths {
            let operations = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
            ];
            for (method, operation) in operations {
                if operation.is_some() {
                    table.push((method, path.clone()));
                }
            }
        }
        table
    }
}

/// Every route of the API, with its OpenAPI description.
pub fn routes() -> Routes {
    let (open, mut open_doc) = OpenApiRouter::<AppState>::new()
        .routes(utoipa_axum::routes!(routes::health::healthz))
        .routes(utoipa_axum::routes!(routes::health::readyz))
        .split_for_parts();
    // Uploads stream past any fixed limit (intake enforces MAX_UPLOAD_BYTES itself).
    let streaming = OpenApiRouter::<AppState>::new()
        .routes(utoipa_axum::routes!(routes::postings::upload))
        .layer(DefaultBodyLimit::disable());
    let mut partners = OpenApiRouter::<AppState>::new()
        .routes(utoipa_axum::routes!(routes::uploads::create))
        .routes(utoipa_axum::routes!(routes::results::list))
        .routes(utoipa_axum::routes!(routes::results::show))
        .routes(utoipa_axum::routes!(routes::results::results))
        .routes(utoipa_axum::routes!(routes::uploads::complete))
        .merge(streaming);
    partner_operations(partners.get_openapi_mut());
    let (router, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(utoipa_axum::routes!(routes::openapi::openapi_json))
        .routes(utoipa_axum::routes!(routes::oauth::token))
        .merge(partners)
        .split_for_parts();
    add_layer_responses(&mut document, true);
    add_layer_responses(&mut open_doc, false);
    document.merge(open_doc);
    Routes {
        router,
        open,
        document,
    }
}

pub fn build_router(state: AppState) -> Router {
    let settings = state.settings.clone();
    let Routes {
        router,
        open,
        document,
    } = routes();
    let limited = router.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(overload_or_timeout))
            .load_shed()
            // `Router::layer` wraps each route on its own: the global variant shares one
            // semaphore across them, so the limit is per process.
            .layer(GlobalConcurrencyLimitLayer::new(
                settings.max_concurrent_requests,
            ))
            .timeout(settings.request_timeout)
            .layer(middleware::from_fn_with_state(
                settings.body_read_timeout,
                body_read_timeout,
            )),
    );
    open.merge(limited)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Uploads stream past any fixed limit (intake enforces MAX_UPLOAD_BYTES itself);
        // everything else that buffers (the token form) stays small.
        .layer(DefaultBodyLimit::max(routes::oauth::TOKEN_BODY_LIMIT))
        .layer(Extension(Served(Arc::new(document))))
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveHeadersLayer::new([
                    header::AUTHORIZATION,
                    header::COOKIE,
                    header::SET_COOKIE,
                ]))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request| {
                            let id = req
                                .headers()
                                .get(REQUEST_ID)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("");
                            tracing::info_span!(
                                "request",
                                request_id = %id,
                                method = %req.method(),
                                path = %req.uri().path(),
                                partner = tracing::field::Empty,
                            )
                        })
                        // One line per request: the response line carries the status
                        // (failures included); the cause of a 500 is logged beside it.
                        .on_request(())
                        .on_response(DefaultOnResponse::new().level(Level::INFO))
                        .on_failure(()),
                )
                .layer(middleware::from_fn(render_problems))
                .layer(middleware::from_fn(uri_limit))
                .layer(CatchPanicLayer::custom(|_panic| {
                    ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
                })),
        )
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint; see GET /openapi.json".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("this endpoint does not accept that method".into())
}

async fn overload_or_timeout(e: BoxError) -> ApiError {
    if e.is::<tower::timeout::error::Elapsed>() {
        ApiError::Timeout
    } else if e.is::<tower::load_shed::error::Overloaded>() {
        ApiError::Overloaded
    } else {
        ApiError::internal(anyhow::anyhow!("middleware error: {e}"))
    }
}

/// Stamps the request id into problem bodies and logs the hidden cause of 500s.
async fn render_problems(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let instance = req.uri().path().to_owned();
    let response = next.run(req).await;
    let Some(ext) = response.extensions().get::<ProblemExt>().cloned() else {
        return response;
    };
    if let Some(cause) = &ext.cause {
        tracing::error!(cause = %cause, "request failed");
    } else if response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!("request failed");
    }
    let mut problem = ext.problem;
    problem.request_id = request_id;
    problem.instance = Some(instance);
    let (mut parts, _) = response.into_parts();
    let rendered = problem.to_response(parts.status);
    parts.headers.remove(header::CONTENT_LENGTH);
    let (new_parts, body) = rendered.into_parts();
    parts.headers.extend(new_parts.headers);
    Response::from_parts(parts, body)
}

/// The server, bound and ready to run.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    header_read_timeout: Duration,
}

impl Application {
    pub async fn build(state: AppState, bind: &str, port: u16) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind((bind, port))
            .await
            .with_context(|| format!("binding {bind}:{port}"))?;
        Ok(Self {
            listener,
            header_read_timeout: state.settings.header_read_timeout,
            router: build_router(state),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener")
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        server::serve(
            self.listener,
            self.router,
            self.header_read_timeout,
            shutdown_signal(),
        )
        .await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
