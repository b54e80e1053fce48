//! Webhook subscriptions, secret rotation, the delivery log and replay.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use shared_types::api::Page;
use shared_types::events::{
    WebhookDelivery, WebhookForCreate, WebhookSubscription, WebhookUpdate, WebhookWithSecret,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::events::NewEvent;
use crate::domain::permissions::Permission;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::{idempotency, ErrorResponses};
use crate::state::AppState;
use crate::worker::webhook::new_secret;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(
            Permission::WebhooksManage,
            routes!(list_webhooks, create_webhook),
        ))
        .routes(guarded(
            Permission::WebhooksManage,
            routes!(get_webhook, delete_webhook, update_webhook),
        ))
        .routes(guarded(Permission::WebhooksManage, routes!(test_webhook)))
        .routes(guarded(Permission::WebhooksManage, routes!(rotate_secret)))
        .routes(guarded(
            Permission::WebhooksManage,
            routes!(list_deliveries),
        ))
        .routes(guarded(
            Permission::WebhooksManage,
            routes!(replay_delivery),
        ))
}

fn validate(input: &WebhookForCreate) -> ApiResult<()> {
    let url = input.url.trim();
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| ApiError::validation("url", "`url` must be an absolute http(s) URL."))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() || url.len() > 2000 {
        return Err(ApiError::validation(
            "url",
            "`url` must be an absolute http(s) URL.",
        ));
    }
    if input.event_types.is_empty() || input.event_types.len() > 50 {
        return Err(ApiError::validation(
            "event_types",
            "`event_types` needs 1 to 50 entries.",
        ));
    }
    for t in &input.event_types {
        let body = t.strip_suffix('.').unwrap_or(t);
        let ok = t == "*"
            || (!body.is_empty()
                && t.len() <= 100
                && body.split('.').all(|p| {
                    !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                }));
        if !ok {
            return Err(ApiError::validation(
                "event_types",
                format!("`{t}` is not an event kind (`stock.moved`), a prefix (`stock.`) or `*`."),
            ));
        }
    }
    if input.description.as_ref().is_some_and(|d| d.len() > 500) {
        return Err(ApiError::validation(
            "description",
            "`description` is at most 500 characters.",
        ));
    }
    Ok(())
}

/// Subscribe a URL to event kinds. The answer holds the signing secret; it is not
/// shown again (rotate to get a new one).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks",
    security(("bearer" = [])), request_body = WebhookForCreate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = WebhookWithSecret), ErrorResponses))]
async fn create_webhook(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppJson(input): AppJson<WebhookForCreate>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::WebhooksManage)?;
    validate(&input)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), "webhook.create", &input).await?
    {
        return Ok(replay);
    }
    let out = create(&mut tx, &input).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &out).await?;
    tx.commit().await?;
    Ok(resp)
}

/// Creates a checked subscription in the caller's transaction (the API and the web view).
pub(crate) async fn create(
    tx: &mut TenantTx,
    input: &WebhookForCreate,
) -> ApiResult<WebhookWithSecret> {
    validate(input)?;
    let secret = new_secret();
    let user = tx.ctx.user_id;
    let sub = db::webhooks::create(
        tx.conn(),
        input.url.trim(),
        &input.event_types,
        input.description.as_deref(),
        &secret,
        user,
    )
    .await?;
    db::events::append(
        tx.conn(),
        Some(user),
        NewEvent::new("webhook.created")
            .subject("webhook", sub.id)
            .data(serde_json::json!({ "url": sub.url, "event_types": sub.event_types })),
    )
    .await?;
    Ok(WebhookWithSecret {
        subscription: sub,
        secret,
    })
}

/// The tenant's webhook subscriptions, newest first.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<WebhookSubscription>), ErrorResponses))]
async fn list_webhooks(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<PageParams>,
) -> ApiResult<AppJson<Page<WebhookSubscription>>> {
    tx.ctx.require(Permission::WebhooksManage)?;
    let paging = p.validate()?;
    let (items, total_count) = db::webhooks::list(tx.conn(), paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// One subscription, with its circuit-breaker state.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 200, body = WebhookSubscription), ErrorResponses))]
async fn get_webhook(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<WebhookSubscription>> {
    tx.ctx.require(Permission::WebhooksManage)?;
    let sub = db::webhooks::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    Ok(AppJson(sub))
}

/// Delete a subscription: deliveries stop, pending ones become dead letters, and it
/// leaves the list (its delivery log is kept). To pause instead, `PATCH` it with
/// `is_active: false`.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 204, description = "Deleted"), ErrorResponses))]
pub(crate) async fn delete_webhook(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<StatusCode> {
    tx.ctx.require(Permission::WebhooksManage)?;
    if !db::webhooks::delete(tx.conn(), id).await? {
        return Err(ApiError::not_found("webhook"));
    }
    let user = tx.ctx.user_id;
    db::events::append(
        tx.conn(),
        Some(user),
        NewEvent::new("webhook.deleted").subject("webhook", id),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change a subscription: enable or disable it, or change its URL, event kinds or
/// description. Disabling stops deliveries (pending ones become dead letters that
/// can be replayed); enabling closes the circuit.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Subscription id")),
    request_body = WebhookUpdate,
    responses((status = 200, body = WebhookSubscription), ErrorResponses))]
pub(crate) async fn update_webhook(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<WebhookUpdate>,
) -> ApiResult<AppJson<WebhookSubscription>> {
    tx.ctx.require(Permission::WebhooksManage)?;
    let current = db::webhooks::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    validate(&WebhookForCreate {
        url: input.url.clone().unwrap_or_else(|| current.url.clone()),
        event_types: input
            .event_types
            .clone()
            .unwrap_or_else(|| current.event_types.clone()),
        description: input.description.clone(),
    })?;
    db::webhooks::update_fields(
        tx.conn(),
        id,
        input.url.as_deref().map(str::trim),
        input.event_types.as_deref(),
        input.description.as_deref(),
    )
    .await?;
    if let Some(active) = input.is_active {
        db::webhooks::set_active(tx.conn(), id, active).await?;
    }
    let sub = db::webhooks::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    let user = tx.ctx.user_id;
    let kind = match input.is_active {
        Some(true) if !current.is_active => "webhook.enabled",
        Some(false) if current.is_active => "webhook.disabled",
        _ => "webhook.updated",
    };
    db::events::append(
        tx.conn(),
        Some(user),
        NewEvent::new(kind)
            .subject("webhook", id)
            .data(serde_json::json!({
                "url": sub.url, "event_types": sub.event_types, "is_active": sub.is_active,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(sub))
}

/// Send a test: a `webhook.test` event delivered to this subscription only (signed
/// like any delivery; it shows in the delivery log). The subscription must be active.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Subscription id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 202, body = WebhookDelivery), ErrorResponses))]
async fn test_webhook(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::WebhooksManage)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), "webhook.test", &id).await? {
        return Ok(replay);
    }
    let d = send_test(&mut tx, id).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::ACCEPTED, &d).await?;
    tx.commit().await?;
    Ok(resp)
}

/// Queues a test delivery in the caller's transaction (the API and the web view).
pub(crate) async fn send_test(tx: &mut TenantTx, id: Uuid) -> ApiResult<WebhookDelivery> {
    let sub = db::webhooks::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    if !sub.is_active {
        return Err(ApiError::conflict(
            "is_active",
            "The subscription is disabled: enable it to send a test.",
        ));
    }
    let user = tx.ctx.user_id;
    let event = db::events::append(
        tx.conn(),
        Some(user),
        NewEvent::new("webhook.test")
            .subject("webhook", id)
            .data(serde_json::json!({
                "message": "Test delivery from ElevateCRM.", "url": sub.url,
            })),
    )
    .await?;
    Ok(db::webhooks::queue_only(tx.conn(), id, &event).await?)
}

/// Start a secret rotation: a new secret signs from now on, and the previous one
/// keeps signing too (a second `v1=`) for the grace period, so receivers can switch
/// without dropping deliveries.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Subscription id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 200, body = WebhookWithSecret), ErrorResponses))]
async fn rotate_secret(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath(id): AppPath<Uuid>,
    axum::extract::State(state): axum::extract::State<AppState>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::WebhooksManage)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), "webhook.rotate", &id).await?
    {
        return Ok(replay);
    }
    let secret = new_secret();
    let grace = state.settings.worker.secret_rotation_grace_secs;
    let sub = db::webhooks::rotate_secret(tx.conn(), id, &secret, grace)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    let user = tx.ctx.user_id;
    db::events::append(
        tx.conn(),
        Some(user),
        NewEvent::new("webhook.secret_rotated").subject("webhook", id),
    )
    .await?;
    let out = WebhookWithSecret {
        subscription: sub,
        secret,
    };
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::OK, &out).await?;
    tx.commit().await?;
    Ok(resp)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The delivery log of a subscription, newest event first: status, attempts and the
/// receiver's last response code.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Subscription id"), DeliveryQuery),
    responses((status = 200, body = Page<WebhookDelivery>), ErrorResponses))]
async fn list_deliveries(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppQuery(q): AppQuery<DeliveryQuery>,
) -> ApiResult<AppJson<Page<WebhookDelivery>>> {
    tx.ctx.require(Permission::WebhooksManage)?;
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    }
    .validate()?;
    if let Some(s) = &q.status {
        if !matches!(s.as_str(), "pending" | "delivered" | "dead") {
            return Err(ApiError::validation(
                "status",
                "`status` is one of pending, delivered, dead.",
            ));
        }
    }
    db::webhooks::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("webhook"))?;
    let (items, total_count) =
        db::webhooks::list_deliveries(tx.conn(), id, q.status.as_deref(), paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Send a delivery again: a dead letter (after the maximum attempts) or a delivered
/// one. It is queued with a fresh attempt budget, keeps its delivery id, and the
/// subscription's circuit is closed.
#[utoipa::path(post, path = "/api/v1/webhooks/deliveries/{id}/replay", tag = "webhooks",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Delivery id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 200, body = WebhookDelivery), ErrorResponses))]
async fn replay_delivery(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::WebhooksManage)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), "webhook.replay", &id).await?
    {
        return Ok(replay);
    }
    db::webhooks::get_delivery(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery"))?;
    let d = db::webhooks::replay(tx.conn(), id).await?.ok_or_else(|| {
        ApiError::conflict("id", "The subscription of this delivery was deleted.")
    })?;
    let user = tx.ctx.user_id;
    db::events::append(
        tx.conn(),
        Some(user),
        NewEvent::new("webhook.delivery_replayed")
            .subject("webhook_delivery", id)
            .data(serde_json::json!({ "subscription_id": d.subscription_id })),
    )
    .await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::OK, &d).await?;
    tx.commit().await?;
    Ok(resp)
}
