//! The caller's push devices and in-app notification centre.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use shared_types::api::Page;
use shared_types::events::{DeviceToken, DeviceTokenForCreate, Notification};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::access::authenticated;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::{idempotency, ErrorResponses};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(authenticated(routes!(
            list_push_devices,
            register_push_device
        )))
        .routes(authenticated(routes!(delete_push_device)))
        .routes(authenticated(routes!(list_notifications)))
        .routes(authenticated(routes!(mark_notification_read)))
}

/// Register this device's push token (again after the token changes).
#[utoipa::path(post, path = "/api/v1/push/devices", tag = "notifications",
    security(("bearer" = [])), request_body = DeviceTokenForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = DeviceToken), ErrorResponses))]
async fn register_push_device(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<DeviceTokenForCreate>,
) -> ApiResult<Response> {
    let device_id = input.device_id.trim();
    if device_id.is_empty() || device_id.len() > 200 {
        return Err(ApiError::validation(
            "device_id",
            "`device_id` is 1–200 characters.",
        ));
    }
    if !matches!(input.platform.as_str(), "android" | "ios" | "web") {
        return Err(ApiError::validation(
            "platform",
            "`platform` is android, ios or web.",
        ));
    }
    let token = input.token.trim();
    if token.is_empty() || token.len() > 4096 {
        return Err(ApiError::validation(
            "token",
            "`token` is 1–4096 characters.",
        ));
    }
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), "device.register", &input).await?
    {
        return Ok(replay);
    }
    let user = tx.ctx.user_id;
    let d = db::notifications::register_device(tx.conn(), user, device_id, &input.platform, token)
        .await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &d).await?;
    tx.commit().await?;
    Ok(resp)
}

/// The caller's registered devices.
#[utoipa::path(get, path = "/api/v1/push/devices", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<DeviceToken>), ErrorResponses))]
async fn list_push_devices(mut tx: TenantTx) -> ApiResult<AppJson<Vec<DeviceToken>>> {
    let user = tx.ctx.user_id;
    Ok(AppJson(
        db::notifications::list_devices(tx.conn(), user).await?,
    ))
}

/// Stop pushing to one of the caller's devices (e.g. on sign-out).
#[utoipa::path(delete, path = "/api/v1/push/devices/{id}", tag = "notifications",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Device registration id")),
    responses((status = 204, description = "Removed"), ErrorResponses))]
async fn delete_push_device(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<StatusCode> {
    let user = tx.ctx.user_id;
    if !db::notifications::delete_device(tx.conn(), user, id).await? {
        return Err(ApiError::not_found("device"));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread notifications.
    pub unread: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The caller's notification centre, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    security(("bearer" = [])), params(NotificationQuery),
    responses((status = 200, body = Page<Notification>), ErrorResponses))]
async fn list_notifications(
    mut tx: TenantTx,
    AppQuery(q): AppQuery<NotificationQuery>,
) -> ApiResult<AppJson<Page<Notification>>> {
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .validate()?;
    let user = tx.ctx.user_id;
    let (items, total_count) =
        db::notifications::list(tx.conn(), user, q.unread.unwrap_or(false), paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Mark one of the caller's notifications read (repeating it changes nothing).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Notification id")),
    responses((status = 200, body = Notification), ErrorResponses))]
async fn mark_notification_read(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<Notification>> {
    let user = tx.ctx.user_id;
    let n = db::notifications::mark_read(tx.conn(), user, id)
        .await?
        .ok_or_else(|| ApiError::not_found("notification"))?;
    tx.commit().await?;
    Ok(AppJson(n))
}
