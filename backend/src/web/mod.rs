//! The managers' companion web view under `/app`: server-rendered pages written as
//! Dioxus components (rendered with `dioxus-ssr`), enhanced by one small script
//! (live updates, drag and drop, theme switch without reload). It sits beside the
//! JSON API, not in it: pages and form posts use the same sign-in functions, the same
//! `TenantTx` (permissions, live session, row-level security) and the same `db`
//! functions as the API; the token lives in an HttpOnly cookie and every form carries
//! a CSRF token.

pub mod barcode;
pub mod i18n;
pub mod layout;
pub mod live;
pub mod pages;
pub mod session;
pub mod theme;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Extension, Router};
use dioxus::prelude::*;
use shared_types::api::ErrorCode;

use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::access::Access;
use crate::state::AppState;
use i18n::{Key, Lang};

pub const APP_CSS: &str = include_str!("static/app.css");
pub const APP_JS: &str = include_str!("static/app.js");

fn needs(perm: Permission, route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.route_layer(Extension(Access::Permission(perm)))
}

fn signed_in(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.route_layer(Extension(Access::Authenticated))
}

/// Every `/app` route.
pub fn router(state: AppState) -> Router<AppState> {
    use pages::{
        admin, approvals, contacts, counts, dashboard, feed, import, login, products, purchasing,
        search, webhooks,
    };
    Router::new()
        .route("/app/static/app.css", get(css))
        .route("/app/static/app.js", get(js))
        .route("/app/login", get(login::form).post(login::submit))
        .route("/app/login/mfa", post(login::submit_mfa))
        .route("/app/logout", signed_in(post(login::logout)))
        .route("/app", signed_in(get(dashboard::page)))
        .route("/app/", get(|| async { Redirect::to("/app") }))
        .route(
            "/app/dashboard/layout",
            signed_in(post(dashboard::save_layout)),
        )
        .route(
            "/app/preferences",
            signed_in(post(dashboard::save_preferences)),
        )
        .route(
            "/app/inventory/products",
            needs(Permission::ProductRead, get(products::list)),
        )
        .route(
            "/app/inventory/import",
            signed_in(get(import::form).post(import::submit)),
        )
        .route(
            "/app/inventory/products/{id}",
            needs(Permission::ProductRead, get(products::detail)),
        )
        .route(
            "/app/purchasing/reorder",
            needs(Permission::PurchaseRead, get(purchasing::reorder)),
        )
        .route(
            "/app/purchasing/reorder/approve",
            needs(Permission::PurchaseApprove, post(purchasing::approve)),
        )
        .route(
            "/app/purchasing/orders",
            needs(Permission::PurchaseRead, get(purchasing::orders)),
        )
        .route(
            "/app/purchasing/orders/{id}",
            needs(Permission::PurchaseRead, get(purchasing::order)),
        )
        .route(
            "/app/purchasing/orders/{id}/confirm",
            needs(Permission::PurchaseApprove, post(purchasing::confirm)),
        )
        .route(
            "/app/purchasing/orders/{id}/receive",
            needs(Permission::MoveCreate, post(purchasing::receive)),
        )
        .route(
            "/app/counts",
            needs(Permission::CountPerform, get(counts::list)),
        )
        .route(
            "/app/counts/{id}",
            needs(Permission::CountPerform, get(counts::detail)),
        )
        .route(
            "/app/counts/{id}/approve",
            needs(Permission::CountApprove, post(counts::approve)),
        )
        .route(
            "/app/counts/{id}/decide",
            needs(Permission::CountApprove, post(counts::decide)),
        )
        .route(
            "/app/approvals",
            needs(Permission::CountApprove, get(approvals::inbox)),
        )
        .route(
            "/app/counts/{id}/reject",
            needs(Permission::CountApprove, post(counts::reject)),
        )
        .route(
            "/app/counts/{id}/close",
            needs(Permission::CountManage, post(counts::close)),
        )
        .route("/app/search", signed_in(get(search::page)))
        .route(
            "/app/contacts",
            needs(Permission::ContactRead, get(contacts::list)),
        )
        .route(
            "/app/contacts/{id}",
            needs(Permission::ContactRead, get(contacts::detail)),
        )
        .route(
            "/app/visits",
            needs(Permission::ContactRead, get(feed::visits)),
        )
        .route("/app/notifications", signed_in(get(feed::notifications)))
        .route(
            "/app/notifications/{id}/read",
            signed_in(post(feed::mark_read)),
        )
        .route("/app/live", signed_in(get(live::socket)))
        .route(
            "/app/live/on-hand",
            needs(Permission::StockRead, get(live::on_hand)),
        )
        .route(
            "/app/live/counts",
            needs(Permission::CountPerform, get(live::counts)),
        )
        .route(
            "/app/admin/users",
            needs(Permission::UsersRead, get(admin::users)),
        )
        .route(
            "/app/admin/roles",
            needs(Permission::UsersRead, get(admin::roles)),
        )
        .route(
            "/app/admin/api-keys",
            needs(Permission::ApiKeysManage, get(admin::api_keys)),
        )
        .route(
            "/app/admin/api-keys/{id}/revoke",
            needs(Permission::ApiKeysManage, post(admin::revoke_api_key)),
        )
        .route(
            "/app/admin/webhooks",
            needs(
                Permission::WebhooksManage,
                get(webhooks::list).post(webhooks::create),
            ),
        )
        .route(
            "/app/admin/webhooks/{id}",
            needs(Permission::WebhooksManage, get(webhooks::log)),
        )
        .route(
            "/app/admin/webhooks/{id}/active",
            needs(Permission::WebhooksManage, post(webhooks::set_active)),
        )
        .route(
            "/app/admin/webhooks/{id}/test",
            needs(Permission::WebhooksManage, post(webhooks::test)),
        )
        .route(
            "/app/admin/webhooks/{id}/delete",
            needs(Permission::WebhooksManage, post(webhooks::delete)),
        )
        .route(
            "/app/admin/audit",
            needs(Permission::AuditRead, get(admin::audit)),
        )
        .route("/app/settings/mfa", signed_in(get(admin::mfa)))
        .route(
            "/app/settings/mfa/enroll",
            signed_in(post(admin::mfa_enroll)),
        )
        .route(
            "/app/settings/mfa/confirm",
            signed_in(post(admin::mfa_confirm)),
        )
        .route("/app/{*rest}", get(not_found).post(not_found))
        .layer(middleware::from_fn_with_state(
            state,
            session::session_layer,
        ))
}

async fn not_found(req: Request) -> Response {
    WebError::NotFound(session::request_lang(req.headers())).into_response()
}

async fn css() -> Response {
    static_asset("text/css; charset=utf-8", APP_CSS)
}

async fn js() -> Response {
    static_asset("text/javascript; charset=utf-8", APP_JS)
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// A page handler's failure, answered as an HTML page (or a redirect to sign-in).
#[derive(Debug)]
pub enum WebError {
    /// No valid session: go to the sign-in page.
    SignIn,
    /// The tenant requires MFA and the user has not enrolled yet.
    MfaSetup,
    Csrf(Lang),
    NotFound(Lang),
    Api(ApiError, Lang),
}

pub type WebResult<T> = Result<T, WebError>;

impl WebError {
    pub fn from_api(e: ApiError, lang: Lang) -> Self {
        match (e.status(), e.code()) {
            (StatusCode::UNAUTHORIZED, _) => WebError::SignIn,
            (_, ErrorCode::MfaSetupRequired) => WebError::MfaSetup,
            _ => WebError::Api(e, lang),
        }
    }
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        WebError::from_api(e, Lang::En)
    }
}

impl From<sqlx::Error> for WebError {
    fn from(e: sqlx::Error) -> Self {
        WebError::Api(ApiError::from(e), Lang::En)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, lang, message) = match self {
            WebError::SignIn => return Redirect::to("/app/login").into_response(),
            WebError::MfaSetup => return Redirect::to("/app/settings/mfa").into_response(),
            WebError::Csrf(lang) => (StatusCode::FORBIDDEN, lang, Key::CsrfFailed),
            WebError::NotFound(lang) => (StatusCode::NOT_FOUND, lang, Key::ErrorNotFound),
            WebError::Api(e, lang) => {
                let status = e.status();
                if status.is_server_error() {
                    // Logged once here; the page never shows the cause.
                    tracing::error!(error = %e, "web page failed");
                }
                let key = error_key(status, e.code());
                let detail = e
                    .field()
                    .filter(|_| {
                        status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::CONFLICT
                    })
                    .map(|f| lang.tf(Key::ErrorField, &[("field", field_label(lang, f))]));
                return error_page(status, lang, key, detail);
            }
        };
        error_page(status, lang, message, None)
    }
}

/// The catalogue text for an API error: by its stable code, then by its status.
pub fn error_key(status: StatusCode, code: ErrorCode) -> Key {
    match code {
        ErrorCode::ValidationFailed
        | ErrorCode::InvalidBody
        | ErrorCode::InvalidQuery
        | ErrorCode::InvalidPath
        | ErrorCode::MalformedJson => Key::ErrorValidation,
        ErrorCode::Conflict => Key::ErrorConflict,
        ErrorCode::IdempotencyKeyReused => Key::ErrorResubmitted,
        ErrorCode::InsufficientStock => Key::ErrorInsufficientStock,
        ErrorCode::PayloadTooLarge => Key::ErrorTooLarge,
        ErrorCode::Forbidden => Key::ErrorForbidden,
        ErrorCode::NotFound | ErrorCode::RouteNotFound => Key::ErrorNotFound,
        ErrorCode::RateLimited => Key::ErrorRateLimited,
        ErrorCode::ServiceUnavailable | ErrorCode::Timeout => Key::ErrorUnavailable,
        _ => match status {
            StatusCode::FORBIDDEN => Key::ErrorForbidden,
            StatusCode::NOT_FOUND => Key::ErrorNotFound,
            StatusCode::TOO_MANY_REQUESTS => Key::ErrorRateLimited,
            _ => Key::ErrorServer,
        },
    }
}

/// A field named by an API error, as the forms label it.
fn field_label(lang: Lang, field: &str) -> &str {
    let key = match field {
        "url" => Key::ColUrl,
        "event_types" => Key::ColEvents,
        "description" => Key::HookDescription,
        "is_active" => Key::ColStatus,
        "qty" | "lines" => Key::ColQty,
        "lot" => Key::PoLot,
        "reason" => Key::RejectLineReason,
        "reason_code" => Key::ReasonLabel,
        "decisions" => Key::ColLines,
        "status" => Key::ColStatus,
        _ => return lang.t(Key::ErrorSomeField),
    };
    lang.t(key)
}

fn error_page(status: StatusCode, lang: Lang, message: Key, detail: Option<String>) -> Response {
    let html = layout::bare_page(
        lang,
        lang.t(Key::ErrorTitle),
        rsx! {
            h1 { {lang.t(Key::ErrorTitle)} }
            p { id: "error-message", "data-status": "{status.as_u16()}", {lang.t(message)} }
            if let Some(d) = detail { p { id: "error-field", "{d}" } }
            p { a { href: "/app", {lang.t(Key::BackHome)} } }
        },
    );
    (status, html).into_response()
}

/// Renders the `<head>` and `<body>` element trees into a complete HTML document
/// (Dioxus has no `<html>` element; the root is written here).
pub fn document(lang: Lang, theme: &str, head: Element, body: Element) -> Html<String> {
    let mut out = format!(
        "<!doctype html><html lang=\"{}\" data-theme=\"{}\">",
        lang.tag(),
        theme
    );
    let mut renderer = dioxus_ssr::Renderer::new();
    out.push_str(&renderer.render_element(head));
    out.push_str(&renderer.render_element(body));
    out.push_str("</html>");
    Html(out)
}

/// `true` for requests made by the page script (they want a status, not a page).
pub fn from_script(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .is_some_and(|v| v.as_bytes() == b"fetch")
}
