//! Users of the caller's tenant.

use axum::http::StatusCode;
use shared_types::api::Page;
use shared_types::identity::{User, UserForCreate, UserForUpdate};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::events::NewEvent;
use crate::domain::identity::{DisplayName, Email, NewPassword};
use crate::domain::permissions::{Permission, BUILT_IN_ROLES};
use crate::error::{ApiError, ApiResult};
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::tenants::hash_blocking;
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user))
}

fn parse_roles(roles: &[String]) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(roles.len());
    for r in roles {
        let r = r.trim().to_lowercase();
        if !BUILT_IN_ROLES.contains(&r.as_str()) {
            return Err(ApiError::validation(
                "roles",
                format!(
                    "Unknown role '{r}'; use one of {}.",
                    BUILT_IN_ROLES.join(", ")
                ),
            ));
        }
        if !out.contains(&r) {
            out.push(r);
        }
    }
    Ok(out)
}

/// List the tenant's users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<User>), ErrorResponses))]
async fn list_users(
    mut tx: TenantTx,
    AppQuery(page): AppQuery<PageParams>,
) -> ApiResult<AppJson<Page<User>>> {
    tx.ctx.require(Permission::UsersRead)?;
    let paging = page.validate()?;
    let (items, total_count) = db::users::list(tx.conn(), paging).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Create a user with a password (administrators). Invitations come with the identity module.
#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    security(("bearer" = [])), request_body = UserForCreate,
    responses((status = 201, body = User), ErrorResponses))]
async fn create_user(
    mut tx: TenantTx,
    AppJson(input): AppJson<UserForCreate>,
) -> ApiResult<(StatusCode, AppJson<User>)> {
    tx.ctx.require(Permission::UsersManage)?;
    let email = Email::parse("email", &input.email)?;
    let name = DisplayName::parse("display_name", &input.display_name)?;
    let password = NewPassword::parse("password", &input.password)?;
    let roles = parse_roles(&input.roles)?;
    let hash = hash_blocking(password).await?;
    let created_by = Some(tx.ctx.user_id);
    let user = db::users::insert(
        tx.conn(),
        db::users::NewUser {
            email: &email,
            display_name: &name,
            password_hash: &hash,
            roles: &roles,
            created_by,
        },
    )
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("users_tenant_email_key") => {
            ApiError::conflict(
                "email",
                format!("A user with e-mail {email} already exists."),
            )
        }
        _ => e.into(),
    })?;
    db::events::append(
        tx.conn(),
        created_by,
        NewEvent::new("user.created")
            .subject("user", user.id)
            .data(serde_json::json!({ "email": user.email, "roles": user.roles })),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(user)))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, body = User), ErrorResponses))]
async fn get_user(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<AppJson<User>> {
    tx.ctx.require(Permission::UsersRead)?;
    let user = db::users::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(AppJson(user))
}

/// Change a user's name, roles or active flag (administrators).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "User id")),
    request_body = UserForUpdate,
    responses((status = 200, body = User), ErrorResponses))]
async fn update_user(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<UserForUpdate>,
) -> ApiResult<AppJson<User>> {
    tx.ctx.require(Permission::UsersManage)?;
    let changes = db::users::UserChanges {
        display_name: input
            .display_name
            .as_deref()
            .map(|v| DisplayName::parse("display_name", v))
            .transpose()?,
        is_active: input.is_active,
        roles: input.roles.as_deref().map(parse_roles).transpose()?,
    };
    let removes_admin = changes.is_active == Some(false)
        || changes
            .roles
            .as_ref()
            .is_some_and(|r| !r.iter().any(|r| r == "admin"));
    if removes_admin {
        guard_last_admin(&mut tx, id).await?;
    }
    let user = db::users::update(tx.conn(), id, &changes)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("user.updated")
            .subject("user", id)
            .data(serde_json::json!({
                "display_name": changes.display_name.as_ref().map(|n| n.as_str()),
                "is_active": changes.is_active,
                "roles": changes.roles,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(user))
}

/// Delete a user (administrators). The last active administrator cannot be removed.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "User id")),
    responses((status = 204), ErrorResponses))]
async fn delete_user(mut tx: TenantTx, AppPath(id): AppPath<Uuid>) -> ApiResult<StatusCode> {
    tx.ctx.require(Permission::UsersManage)?;
    guard_last_admin(&mut tx, id).await?;
    if !db::users::delete(tx.conn(), id).await? {
        return Err(ApiError::not_found("user"));
    }
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("user.deleted").subject("user", id),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn guard_last_admin(tx: &mut TenantTx, id: Uuid) -> ApiResult<()> {
    let target = db::users::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    if target.is_active
        && target.roles.iter().any(|r| r == "admin")
        && db::users::count_other_active_admins(tx.conn(), id).await? == 0
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            shared_types::api::ErrorCode::Conflict,
            "A tenant needs at least one active administrator.",
        )
        .with_details(serde_json::json!({ "field": "roles" })));
    }
    Ok(())
}
