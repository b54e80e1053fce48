//! Declaring who may call a route, once, where it is registered:
//!
//! ```ignore
//! OpenApiRouter::new()
//!     .routes(guarded(Permission::UsersRead, routes!(list_users)))
//!     .routes(authenticated(routes!(me)))
//!     .routes(public(routes!(login)))
//! ```
//!
//! The declaration is written into the OpenAPI operation (`x-permission`: the
//! permission name, `authenticated` for self-service routes any signed-in user may
//! call, or `public`) and attached to the route, where `TenantTx` enforces it before
//! the body is read. A test walks the served document and calls every operation
//! without a token and with one lacking the declared permission.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use shared_types::api::ErrorCode;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::Operation;
use utoipa_axum::router::UtoipaMethodRouter;

use crate::auth::rate_limit::{Decision, Limit};
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::state::AppState;

/// The access a route declares; stored in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Permission(Permission),
    Authenticated,
    Public,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Permission(p) => p.as_str(),
            Access::Authenticated => "authenticated",
            Access::Public => "public",
        }
    }
}

fn operations(item: &mut utoipa::openapi::path::PathItem) -> Vec<&mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
        item.head.as_mut(),
        item.options.as_mut(),
        item.trace.as_mut(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn declare(access: Access, routes: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    let (schemas, mut paths, method_router) = routes;
    for item in paths.paths.values_mut() {
        for op in operations(item) {
            let ext = ExtensionsBuilder::new()
                .add("x-permission", json!(access.as_str()))
                .build();
            match &mut op.extensions {
                Some(e) => e.merge(ext),
                None => op.extensions = Some(ext),
            }
            let note = match access {
                Access::Permission(p) => format!("Requires the `{}` permission.", p.as_str()),
                Access::Authenticated => "Any signed-in user.".to_owned(),
                Access::Public => "No sign-in needed.".to_owned(),
            };
            op.description = Some(match op.description.take() {
                Some(d) if !d.is_empty() => format!("{d}\n\n{note}"),
                _ => note,
            });
        }
    }
    let method_router = method_router.route_layer(axum::Extension(access));
    (schemas, paths, method_router)
}

/// A route that needs `perm`.
pub fn guarded(
    perm: Permission,
    routes: UtoipaMethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState> {
    declare(Access::Permission(perm), routes)
}

/// A self-service route any signed-in user may call (their own profile, sessions, MFA).
pub fn authenticated(routes: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    declare(Access::Authenticated, routes)
}

/// A route that needs no sign-in (sign-up, sign-in, health).
pub fn public(routes: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    declare(Access::Public, routes)
}

/// The `429` answer, with `Retry-After` and the wait in the details.
pub fn rate_limited(retry_after: Duration) -> ApiError {
    let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let secs = secs.max(1);
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
        format!("Too many requests; try again in {secs} s."),
    )
    .with_details(json!({ "retry_after_secs": secs }))
    .with_retry_after(secs)
}

/// Counts one request against `limit` for `key`; `429` when over.
pub async fn enforce_limit(state: &AppState, limit: Limit, key: &str) -> Result<(), ApiError> {
    match state.limiter.check(limit, key).await {
        Ok(Decision::Allowed) => Ok(()),
        Ok(Decision::Limited { retry_after }) => {
            tracing::warn!(limit = limit.name, "rate limited");
            Err(rate_limited(retry_after))
        }
        // A limiter outage must not take sign-in down with it; it is logged loudly.
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                limit = limit.name,
                "rate limiter unavailable"
            );
            Ok(())
        }
    }
}

/// The per-minute limit on sign-in, refresh, MFA and reset attempts.
pub fn attempts_limit(state: &AppState, name: &'static str) -> Limit {
    Limit {
        name,
        count: state.settings.auth.attempts_per_minute,
        period: Duration::from_secs(60),
    }
}
