//! HTTP layer: the router, tower layers, extractors and error mapping.

pub mod access;
pub mod activities;
pub mod api_keys;
pub mod auth;
pub mod brand;
pub mod contacts;
pub mod count_schedules;
pub mod counts;
pub mod ctx;
pub mod events;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod inventory;
pub mod inventory_csv;
pub mod locations;
pub mod mfa;
pub mod notifications;
pub mod picking;
pub mod products;
pub mod purchasing;
pub mod putaway;
pub mod reorder;
pub mod request_id;
pub mod roles;
pub mod scan;
pub mod scoring;
pub mod search;
pub mod segments;
pub mod sessions;
pub mod stock;
pub mod sync;
pub mod tasks;
pub mod tenants;
pub mod transfers;
pub mod users;
pub mod webhooks;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use serde_json::json;
use shared_types::api::{ErrorBody, ErrorCode, ErrorEnvelope};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::error_response;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ElevateCRM API",
        description = "CRM + inventory for small and medium businesses, by TECHGURU. \
            Lists take `limit` (1–500, default 50) and `offset` and answer \
            `{ items, total_count, limit, offset }`. Every error answers \
            `{ error: { code, message, details, request_id } }` with a stable `code`.",
        version = "1.0.0"
    ),
    modifiers(&SecurityAddon),
    components(schemas(ErrorEnvelope, ErrorBody, ErrorCode)),
    tags(
        (name = "tenants", description = "Sign-up and tenant settings"),
        (name = "auth", description = "Sign-in, sessions, MFA, passwords"),
        (name = "roles", description = "Roles and permissions"),
        (name = "api-keys", description = "API keys for integrations"),
        (name = "users", description = "Users of a tenant"),
        (name = "health", description = "Liveness and readiness"),
        (name = "inventory", description = "Products, locations, the stock ledger, valuation and scanning"),
        (name = "counting", description = "Count sessions: counts, variances and their approval"),
        (name = "picking", description = "Pick lists: waves in walking order, confirmation by scan, short picks"),
        (name = "sync", description = "Offline devices: registration, push of operations, pull of reference data"),
        (name = "audit", description = "Audit trail and domain events"),
        (name = "purchasing", description = "Suppliers, exchange rates, purchase orders, receipts and reorder suggestions"),
        (name = "transfers", description = "Transfer documents between locations, in one or two steps"),
        (name = "notifications", description = "Push devices and the in-app notification centre"),
        (name = "webhooks", description = "Webhook subscriptions, signed deliveries, the delivery log and replay"),
        (name = "crm", description = "Contacts and accounts, activities and visits, search, segments and lead scores"),
    )
)]
struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                utoipa::openapi::security::ApiKeyValue::new("X-Api-Key"),
            )),
        );
    }
}

/// The standard error responses every operation may give, documented once.
pub struct ErrorResponses;

impl utoipa::IntoResponses for ErrorResponses {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::response::Response>> {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
            .build();
        [
            ("400", "Malformed request (bad JSON, query or path)"),
            ("401", "Missing or invalid credentials"),
            ("403", "Not permitted"),
            ("404", "Not found"),
            ("409", "Conflict with existing data"),
            ("413", "Body too large"),
            ("415", "Body is not JSON"),
            ("422", "Body fails validation"),
            ("429", "Rate limited"),
            ("500", "Server error"),
        ]
        .into_iter()
        .map(|(status, description)| {
            (
                status.to_owned(),
                ResponseBuilder::new()
                    .description(description)
                    .content("application/json", content.clone())
                    .build()
                    .into(),
            )
        })
        .collect()
    }
}

/// All API routes with their OpenAPI description.
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(tenants::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(events::router())
        .merge(sessions::router())
        .merge(mfa::router())
        .merge(roles::router())
        .merge(api_keys::router())
        .merge(products::router())
        .merge(locations::router())
        .merge(putaway::router())
        .merge(stock::router())
        .merge(inventory::router())
        .merge(scan::router())
        .merge(purchasing::router())
        .merge(reorder::router())
        .merge(transfers::router())
        .merge(sync::router())
        .merge(counts::router())
        .merge(picking::router())
        .merge(tasks::router())
        .merge(count_schedules::router())
        .merge(webhooks::router())
        .merge(notifications::router())
        .merge(inventory_csv::router())
        .merge(contacts::router())
        .merge(activities::router())
        .merge(search::router())
        .merge(scoring::router())
        .merge(segments::router())
        .split_for_parts()
}

/// The OpenAPI document served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().1
}

/// The whole application: API, docs, brand assets, fallbacks and layers.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api_router();
    let body_limit = state.settings.http.body_limit_bytes;
    let timeout = Duration::from_secs(state.settings.http.request_timeout_secs);
    api.merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", doc))
        .merge(brand::router())
        .merge(crate::web::router(state.clone()))
        .merge(crate::live::router())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(middleware::from_fn(ensure_error_envelope))
        .layer(middleware::from_fn(crate::live::collect))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    let id = req
                        .headers()
                        .get(request_id::HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    tracing::info_span!("request", request_id = %id, method = %req.method(),
                        path = %req.uri().path(), tenant_id = tracing::field::Empty,
                        user_id = tracing::field::Empty)
                })
                .on_request(())
                .on_response(
                    |resp: &Response, latency: Duration, _span: &tracing::Span| {
                        tracing::info!(
                            status = resp.status().as_u16(),
                            latency_ms = latency.as_secs_f64() * 1000.0,
                            "response"
                        );
                    },
                )
                .on_failure(()),
        )
        .layer(middleware::from_fn(request_id::assign))
}

async fn route_not_found(req: Request) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        ErrorCode::RouteNotFound,
        format!("There is no route {} {}.", req.method(), req.uri().path()),
        json!({ "path": req.uri().path() }),
    )
}

async fn method_not_allowed(req: Request) -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!("{} is not allowed on {}.", req.method(), req.uri().path()),
        json!({ "method": req.method().as_str() }),
    )
}

fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "Something went wrong on our side. Quote the request id if you contact support.".into(),
        json!({}),
    )
}

/// Any error response that is not already JSON (from a tower layer, a plain-text
/// rejection or the body limit) is rewritten into the error envelope, so clients
/// only ever see one error shape.
async fn ensure_error_envelope(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // The web view answers its errors as HTML pages; those pass unchanged.
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_json || is_html {
        return resp;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::PayloadTooLarge,
            "The request body is larger than this server accepts.",
        ),
        StatusCode::REQUEST_TIMEOUT => (ErrorCode::Timeout, "The request took too long."),
        StatusCode::NOT_FOUND => (ErrorCode::RouteNotFound, "Not found."),
        StatusCode::METHOD_NOT_ALLOWED => (ErrorCode::MethodNotAllowed, "Method not allowed."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        StatusCode::TOO_MANY_REQUESTS => (ErrorCode::RateLimited, "Too many requests."),
        s if s.is_server_error() => (ErrorCode::Internal, "Something went wrong on our side."),
        _ => (ErrorCode::ValidationFailed, "The request was not accepted."),
    };
    let retry_after = resp.headers().get(header::RETRY_AFTER).cloned();
    let mut out = error_response(status, code, message.into(), json!({}));
    if let Some(v) = retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, v);
    }
    out
}

/// `Cache-Control` for immutable embedded assets.
pub(crate) fn long_cache() -> HeaderValue {
    HeaderValue::from_static("public, max-age=86400")
}
