//! `GET /openapi.json`: the API described by hand (kept small), and checked against the
//! router by a test so that neither can drift.

use axum::Json;
use serde_json::{Value, json};

use crate::error::PROBLEM_TYPE_PREFIX;

pub async fn openapi_json() -> Json<Value> {
    Json(document())
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

fn secured() -> Value {
    json!([{ "bearer": ["postings:write"] }])
}

pub fn document() -> Value {
    let upload_result = json!({ "$ref": "#/components/schemas/Upload" });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Ingest API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Partners upload weekly job-posting CSVs. Errors are RFC 9457 problem documents whose `type` starts with `{PROBLEM_TYPE_PREFIX}`."
            ),
        },
        "paths": {
            "/healthz": { "get": {
                "summary": "Liveness: the process serves HTTP",
                "responses": { "200": { "description": "alive" } }
            }},
            "/readyz": { "get": {
                "summary": "Readiness: the object store and the partner registry answer",
                "responses": { "200": { "description": "ready" }, "503": problem("a dependency is unavailable") }
            }},
            "/openapi.json": { "get": {
                "summary": "This document",
                "responses": { "200": { "description": "OpenAPI 3.1 document" } }
            }},
            "/v1/oauth/token": { "post": {
                "summary": "OAuth 2.0 client credentials: exchange a partner's client id and secret for an access token",
                "security": [{ "basic": [] }, {}],
                "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": {
                    "type": "object", "required": ["grant_type"],
                    "properties": {
                        "grant_type": { "const": "client_credentials" },
                        "client_id": { "type": "string" }, "client_secret": { "type": "string" },
                        "scope": { "const": "postings:write" }
                    }
                }}}},
                "responses": {
                    "200": { "description": "token issued", "content": { "application/json": { "schema": {
                        "type": "object", "required": ["access_token", "token_type", "expires_in"],
                        "properties": {
                            "access_token": { "type": "string" }, "token_type": { "const": "Bearer" },
                            "expires_in": { "type": "integer" }, "scope": { "type": "string" }
                        }
                    }}}},
                    "400": problem("malformed request, unsupported grant type or scope"),
                    "401": problem("unknown client or wrong secret"),
                    "403": problem("partner disabled")
                }
            }},
            "/v1/postings": { "post": {
                "summary": "Upload a CSV of postings (streamed; stored under the partner's prefix)",
                "security": secured(),
                "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "maxLength": 255 } }],
                "requestBody": { "required": true, "content": {
                    "text/csv": { "schema": { "type": "string", "format": "binary" } },
                    "multipart/form-data": { "schema": { "type": "object", "required": ["file"], "properties": { "file": { "type": "string", "format": "binary" } } } }
                }},
                "responses": {
                    "202": { "description": "stored and registered", "content": { "application/json": { "schema": upload_result } } },
                    "400": problem("unreadable body or bad Idempotency-Key"),
                    "401": problem("no or invalid access token"),
                    "403": problem("partner disabled or scope missing"),
                    "409": problem("a request with the same Idempotency-Key is in progress"),
                    "413": problem("body over the size limit; nothing stored"),
                    "415": problem("not text/csv or multipart/form-data"),
                    "422": problem("the CSV breaks the contract (e.g. a required column is missing), or the Idempotency-Key was used for another body; nothing stored")
                }
            }},
            "/v1/uploads": { "post": {
                "summary": "Start a presigned upload: returns a short-lived S3 PUT URL for a fixed key under the partner's prefix",
                "security": secured(),
                "requestBody": { "required": false, "content": { "application/json": { "schema": {
                    "type": "object", "properties": { "charset": { "enum": ["utf-8", "shift_jis"] } }
                }}}},
                "responses": {
                    "201": { "description": "URL issued", "content": { "application/json": { "schema": {
                        "type": "object",
                        "properties": {
                            "upload_id": { "type": "string" }, "key": { "type": "string" },
                            "upload_url": { "type": "string" }, "method": { "const": "PUT" },
                            "expires_at": { "type": "string", "format": "date-time" }, "complete_url": { "type": "string" }
                        }
                    }}}},
                    "401": problem("no or invalid access token"),
                    "403": problem("partner disabled or scope missing"),
                    "501": problem("the deployment's store is a local directory: use POST /v1/postings")
                }
            }},
            "/v1/uploads/{id}": { "get": {
                "summary": "An upload's state (awaiting_upload, completed, rejected, expired)",
                "security": secured(),
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": {
                    "200": { "description": "the upload's state" },
                    "401": problem("no or invalid access token"),
                    "404": problem("no such upload for this partner")
                }
            }},
            "/v1/uploads/{id}/complete": { "post": {
                "summary": "Validate a presigned upload in place and register it, or delete it and say why",
                "security": secured(),
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": {
                    "200": { "description": "registered", "content": { "application/json": { "schema": upload_result } } },
                    "401": problem("no or invalid access token"),
                    "404": problem("no such upload for this partner"),
                    "409": problem("nothing uploaded yet, or already rejected"),
                    "413": problem("object over the size limit; deleted"),
                    "422": problem("the CSV breaks the contract; deleted")
                }
            }}
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "basic": { "type": "http", "scheme": "basic" }
            },
            "schemas": {
                "Upload": {
                    "type": "object",
                    "required": ["upload_id", "key", "bytes", "rows", "sha256", "encoding"],
                    "properties": {
                        "upload_id": { "type": "string" }, "key": { "type": "string" },
                        "bytes": { "type": "integer" }, "rows": { "type": "integer" },
                        "rejected_rows": { "type": "integer" }, "sha256": { "type": "string" },
                        "encoding": { "enum": ["utf-8", "shift_jis"] }, "received_at": { "type": "string", "format": "date-time" }
                    }
                },
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": { "type": "string" }, "title": { "type": "string" },
                        "status": { "type": "integer" }, "detail": { "type": "string" },
                        "instance": { "type": "string" }, "request_id": { "type": "string" },
                        "error": { "type": "string", "description": "RFC 6749 error code (token endpoint)" }
                    }
                }
            }
        }
    })
}
