//! Liveness and readiness probes for load balancers and orchestrators.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::http::extract::AppJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(crate::http::access::public(routes!(live)))
        .routes(crate::http::access::public(routes!(ready)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// "ok"
    pub status: &'static str,
    /// Per dependency: "ok", "unavailable" or "not_configured".
    pub checks: std::collections::BTreeMap<&'static str, &'static str>,
}

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health",
    responses((status = 200, body = Health)))]
async fn live() -> AppJson<Health> {
    AppJson(Health {
        status: "ok",
        checks: Default::default(),
    })
}

/// The process can serve: PostgreSQL answers, and Redis too when configured.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = shared_types::api::ErrorEnvelope)))]
async fn ready(State(state): State<AppState>) -> ApiResult<AppJson<Health>> {
    let mut checks = std::collections::BTreeMap::new();
    let db_ok = sqlx::query("SELECT 1").execute(&state.db).await.is_ok();
    checks.insert("database", if db_ok { "ok" } else { "unavailable" });
    let redis_ok = match state.redis.clone() {
        Some(mut conn) => {
            let pong: Result<String, _> = redis::cmd("PING").query_async(&mut conn).await;
            let ok = pong.is_ok();
            checks.insert("redis", if ok { "ok" } else { "unavailable" });
            ok
        }
        None => {
            checks.insert("redis", "not_configured");
            true
        }
    };
    if db_ok && redis_ok {
        Ok(AppJson(Health {
            status: "ok",
            checks,
        }))
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            shared_types::api::ErrorCode::ServiceUnavailable,
            "A dependency is unavailable.",
        )
        .with_details(serde_json::to_value(&checks).unwrap_or_default()))
    }
}
