//! Per-tenant roles and the permission catalogue.

use axum::http::StatusCode;
use serde_json::json;
use shared_types::identity::{PermissionInfo, Role, RoleForCreate, RoleForUpdate};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::audit::{self, AuthEvent};
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
        .routes(guarded(Permission::UsersRead, routes!(list_permissions)))
        .routes(guarded(Permission::UsersRead, routes!(list_roles)))
        .routes(guarded(Permission::RolesManage, routes!(create_role)))
        .routes(guarded(Permission::UsersRead, routes!(get_role)))
        .routes(guarded(Permission::RolesManage, routes!(update_role)))
        .routes(guarded(Permission::RolesManage, routes!(delete_role)))
}

fn permission_names(input: &[String]) -> ApiResult<Vec<String>> {
    parse_all(input)
        .map(|ps| ps.iter().map(|p| p.as_str().to_owned()).collect())
        .map_err(|bad| ApiError::validation("permissions", format!("Unknown permission '{bad}'.")))
}

fn text(field: &'static str, v: &str, max: usize) -> ApiResult<String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(ApiError::validation(
            field,
            format!("`{field}` must be 1–{max} characters."),
        ));
    }
    Ok(v.to_owned())
}

/// Every permission a role can grant.
#[utoipa::path(get, path = "/api/v1/permissions", tag = "roles",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<PermissionInfo>), ErrorResponses))]
async fn list_permissions(_tx: TenantTx) -> ApiResult<AppJson<Vec<PermissionInfo>>> {
    Ok(AppJson(
        Permission::ALL
            .iter()
            .map(|p| PermissionInfo {
                name: p.as_str().to_owned(),
                description: p.description().to_owned(),
            })
            .collect(),
    ))
}

/// The tenant's roles.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Role>), ErrorResponses))]
async fn list_roles(mut tx: TenantTx) -> ApiResult<AppJson<Vec<Role>>> {
    Ok(AppJson(db::roles::list(tx.conn()).await?))
}

/// Create a custom role.
#[utoipa::path(post, path = "/api/v1/roles", tag = "roles",
    security(("bearer" = [])), request_body = RoleForCreate,
    responses((status = 201, body = Role), ErrorResponses))]
async fn create_role(
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppJson(input): AppJson<RoleForCreate>,
) -> ApiResult<(StatusCode, AppJson<Role>)> {
    let key = input.key.trim().to_lowercase();
    let name = text("name", &input.name, 80)?;
    let perms = permission_names(&input.permissions)?;
    let role = db::roles::insert(tx.conn(), &key, &name, input.description.trim(), &perms)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.constraint() == Some("roles_tenant_key_key") => {
                ApiError::conflict("key", format!("A role '{key}' already exists."))
            }
            sqlx::Error::Database(d) if d.constraint() == Some("roles_key_format") => {
                ApiError::validation(
                    "key",
                    "`key` is 1–40 lower-case letters, digits, '-' or '_', starting with a letter.",
                )
            }
            _ => e.into(),
        })?;
    let actor = tx.ctx.user_id;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.role.created")
            .actor(actor)
            .subject_of("role", role.id)
            .ip(&ip)
            .details(json!({ "key": role.key, "permissions": role.permissions })),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(role)))
}

/// One role.
#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "roles",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Role id")),
    responses((status = 200, body = Role), ErrorResponses))]
async fn get_role(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<Role>> {
    db::roles::get(tx.conn(), id)
        .await?
        .map(AppJson)
        .ok_or_else(|| ApiError::not_found("role"))
}

/// Change a role's name, description or permissions (built-in roles too). The
/// change applies to its users' next request.
#[utoipa::path(patch, path = "/api/v1/roles/{id}", tag = "roles",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Role id")),
    request_body = RoleForUpdate,
    responses((status = 200, body = Role), ErrorResponses))]
async fn update_role(
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<RoleForUpdate>,
) -> ApiResult<AppJson<Role>> {
    let name = input
        .name
        .as_deref()
        .map(|n| text("name", n, 80))
        .transpose()?;
    let perms = input
        .permissions
        .as_deref()
        .map(permission_names)
        .transpose()?;
    let before = db::roles::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("role"))?;
    // The administrator role keeps every permission, so a tenant cannot lock itself out.
    if before.key == "admin"
        && perms
            .as_ref()
            .is_some_and(|p| p.len() != Permission::ALL.len())
    {
        return Err(ApiError::conflict(
            "permissions",
            "The admin role keeps every permission.",
        ));
    }
    let role = db::roles::update(
        tx.conn(),
        id,
        name.as_deref(),
        input.description.as_deref(),
        perms.as_deref(),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("role"))?;
    let actor = tx.ctx.user_id;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.role.changed")
            .actor(actor)
            .subject_of("role", id)
            .ip(&ip)
            .details(
                json!({ "key": role.key, "before": before.permissions, "after": role.permissions }),
            ),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(role))
}

/// Delete a custom role that no user holds.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "roles",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Role id")),
    responses((status = 204), ErrorResponses))]
async fn delete_role(
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<StatusCode> {
    let role = db::roles::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("role"))?;
    if role.built_in {
        return Err(ApiError::conflict(
            "id",
            "Built-in roles cannot be deleted.",
        ));
    }
    if db::roles::users_with(tx.conn(), &role.key).await? > 0 {
        return Err(ApiError::conflict("id", "Users still hold this role."));
    }
    db::roles::delete(tx.conn(), id).await?;
    let actor = tx.ctx.user_id;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.role.deleted")
            .actor(actor)
            .subject_of("role", id)
            .ip(&ip)
            .details(json!({ "key": role.key })),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
