//! `GET /openapi.json`, generated from the code: each handler's `#[utoipa::path]` names its
//! own statuses and the types it exchanges (derived with `ToSchema` from the very structs
//! serde writes), utoipa-axum routes exactly the annotated handlers, and the responses that
//! the service's layers add to every route (414, 500, 503; 408 where a body is read) are
//! added here once, by rule, the way the layers apply them; so are the partner routes' tag and
//! bearer-token requirement, where [`crate::startup`] groups them. A handler's own problem
//! documents are listed with `problems!` (status and description).

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::auth::token::SCOPE_UPLOAD;
use crate::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ingest API",
        description = "Partners upload weekly job-posting CSVs. Errors are RFC 9457 problem documents (application/problem+json) whose `type` starts with `tag:ingest-api,2026:problem:`."
    ),
    components(schemas(Problem)),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

/// The document the router was built with, handed to [`openapi_json`] as an extension so
/// that serving it needs no second copy of the route table.
#[derive(Clone)]
pub struct Served(pub Arc<Document>);

#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "service",
    summary = "This document (OpenAPI 3.1)",
    responses((status = 200, description = "the OpenAPI document", body = serde_json::Value))
)]
pub async fn openapi_json(Extension(Served(document)): Extension<Served>) -> Response {
    Json(document.as_ref()).into_response()
}

/// A problem-document response, for the `responses` of an operation.
pub fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// Declares `$name`, the problem documents one operation answers with beyond those every
/// route gives (each a [`problem`] with its own description), for the operation's
/// `#[utoipa::path(responses(...))]`.
macro_rules! problems {
    ($name:ident { $($status:literal => $description:expr),+ $(,)? }) => {
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                [$((stringify!($status), $description)),+]
                    .into_iter()
                    .map(|(status, description)| {
                        (status.to_owned(), $crate::routes::openapi::problem(description))
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use problems;

/// Every operation of the document.
fn operations(document: &mut Document) -> impl Iterator<Item = &mut Operation> {
    document.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}

/// Marks every operation of `document` as a partner's: in the `uploads` tag, and taking a
/// partner's bearer token with the upload scope (what `AuthorizedPartner` checks).
pub fn partner_operations(document: &mut Document) {
    for operation in operations(document) {
        operation.tags = Some(vec!["uploads".to_owned()]);
        operation.security = Some(vec![SecurityRequirement::new("bearer", [SCOPE_UPLOAD])]);
    }
}

/// Adds the responses every route can give because of the layers and extractors around it.
/// `limited`: the route is behind the concurrency limit and the request timeout.
pub fn add_layer_responses(document: &mut Document, limited: bool) {
    for operation in operations(document) {
        add_to_operation(operation, limited);
    }
}

fn add_to_operation(operation: &mut Operation, limited: bool) {
    let has_body = operation.request_body.is_some();
    // A route that takes credentials can refuse them and, for a partner's bearer token
    // (`AuthorizedPartner`), the partner's share of request slots; the token route states its
    // own wording of these, which is kept.
    let partner_route = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let responses = &mut operation.responses.responses;
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| problem(description));
    };
    if partner_route {
        add("401", "no or invalid access token");
        add("403", "partner disabled or scope missing");
        add(
            "429",
            "the partner already has its share of requests in progress",
        );
    }
    add("414", "the request target is longer than 8 KiB");
    add(
        "500",
        "unexpected error (the cause is logged under the request id)",
    );
    if limited {
        add(
            "503",
            "the server is at its concurrency limit, the request timed out, or the store or partner registry is unavailable (with Retry-After)",
        );
        if has_body {
            add(
                "408",
                "no part of the request body arrived within the body read timeout",
            );
        }
    }
}
