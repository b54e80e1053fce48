//! The caller's own sessions (devices): list and revoke.

use axum::http::StatusCode;
use serde_json::json;
use shared_types::identity::Session;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::audit::{self, AuthEvent};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::access::authenticated;
use crate::http::ctx::{ClientIp, TenantTx};
use crate::http::extract::{AppJson, AppPath};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(authenticated(routes!(list_sessions)))
        .routes(authenticated(routes!(revoke_session)))
}

/// Your live sessions, newest first; `current` marks this one.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Session>), ErrorResponses))]
async fn list_sessions(mut tx: TenantTx) -> ApiResult<AppJson<Vec<Session>>> {
    let (user, current) = (tx.ctx.user_id, tx.ctx.session_id);
    Ok(AppJson(
        db::sessions::list_live(tx.conn(), user, current).await?,
    ))
}

/// End one of your sessions (e.g. a lost phone).
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Session id")),
    responses((status = 204), ErrorResponses))]
async fn revoke_session(
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<StatusCode> {
    let user = tx.ctx.user_id;
    if !db::sessions::revoke_own(tx.conn(), user, id).await? {
        return Err(ApiError::not_found("session"));
    }
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.session.revoked")
            .actor(user)
            .subject(user)
            .ip(&ip)
            .details(json!({ "session_id": id })),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
