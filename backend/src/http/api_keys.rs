//! API keys for integrators: per tenant, scoped to permissions, shown once.
//! Use as `Authorization: Bearer ek_...` or `X-Api-Key: ek_...`.

use axum::http::StatusCode;
use serde_json::json;
use shared_types::identity::{ApiKey, ApiKeyCreated, ApiKeyForCreate};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::audit::{self, AuthEvent};
use crate::auth::opaque;
use crate::db;
use crate::domain::permissions::{parse_all, Permission};
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::{ClientIp, TenantTx};
use crate::http::extract::{AppJson, AppPath};
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::ApiKeysManage, routes!(list_api_keys)))
        .routes(guarded(Permission::ApiKeysManage, routes!(create_api_key)))
        .routes(guarded(Permission::ApiKeysManage, routes!(revoke_api_key)))
}

/// The tenant's API keys (without the secrets).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiKey>), ErrorResponses))]
async fn list_api_keys(mut tx: TenantTx) -> ApiResult<AppJson<Vec<ApiKey>>> {
    Ok(AppJson(db::api_keys::list(tx.conn()).await?))
}

/// Create an API key limited to `permissions` (each must be one the creator holds).
/// The key is in this answer only.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api-keys",
    security(("bearer" = [])), request_body = ApiKeyForCreate,
    responses((status = 201, body = ApiKeyCreated), ErrorResponses))]
async fn create_api_key(
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppJson(input): AppJson<ApiKeyForCreate>,
) -> ApiResult<(StatusCode, AppJson<ApiKeyCreated>)> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::validation(
            "name",
            "`name` must be 1–80 characters.",
        ));
    }
    let perms = parse_all(&input.permissions).map_err(|bad| {
        ApiError::validation("permissions", format!("Unknown permission '{bad}'."))
    })?;
    // A key never grants more than its creator holds.
    if let Some(p) = perms.iter().find(|p| !tx.ctx.can(**p)) {
        return Err(tx.ctx.require(*p).unwrap_err());
    }
    let names: Vec<String> = perms.iter().map(|p| p.as_str().to_owned()).collect();
    let issued = opaque::issue(opaque::API_KEY, tx.ctx.tenant_id);
    let prefix: String = issued.token.chars().take(12).collect();
    let actor = tx.ctx.user_id;
    let key = db::api_keys::insert(tx.conn(), &name, &prefix, &issued.hash, &names, actor).await?;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.api_key.created")
            .actor(actor)
            .subject_of("api_key", key.id)
            .ip(&ip)
            .details(json!({ "name": key.name, "permissions": key.permissions })),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        AppJson(ApiKeyCreated {
            key: issued.token,
            api_key: key,
        }),
    ))
}

/// Revoke an API key; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api-keys",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "API key id")),
    responses((status = 200, body = ApiKey), ErrorResponses))]
async fn revoke_api_key(
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<ApiKey>> {
    let key = revoke(&mut tx, &ip, id).await?;
    tx.commit().await?;
    Ok(AppJson(key))
}

/// Revokes a key and records it (the caller commits); shared with the web view.
pub(crate) async fn revoke(tx: &mut TenantTx, ip: &str, id: Uuid) -> ApiResult<ApiKey> {
    let key = db::api_keys::revoke(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("API key"))?;
    let actor = tx.ctx.user_id;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.api_key.revoked")
            .actor(actor)
            .subject_of("api_key", id)
            .ip(ip),
    )
    .await?;
    Ok(key)
}
