//! Users of the caller's tenant.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;
use shared_types::api::Page;
use shared_types::identity::{
    InvitationForCreate, User, UserForCreate, UserForUpdate, UserWarehouses,
};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::audit::{self, AuthEvent};
use crate::auth::email;
use crate::db;
use crate::db::events::NewEvent;
use crate::domain::identity::{DisplayName, Email, NewPassword};
use crate::domain::permissions::Permission;
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::{ClientIp, TenantTx};
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::tenants::hash_blocking;
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(Permission::UsersRead, routes!(list_users)))
        .routes(guarded(Permission::UsersManage, routes!(create_user)))
        .routes(guarded(Permission::UsersRead, routes!(get_user)))
        .routes(guarded(Permission::UsersManage, routes!(update_user)))
        .routes(guarded(Permission::UsersManage, routes!(delete_user)))
        .routes(guarded(Permission::UsersManage, routes!(invite_user)))
        .routes(guarded(Permission::UsersManage, routes!(unlock_user)))
        .routes(guarded(Permission::UsersRead, routes!(get_user_warehouses)))
        .routes(guarded(
            Permission::UsersManage,
            routes!(set_user_warehouses),
        ))
}

/// Normalises role keys and checks each is a role of the tenant.
async fn parse_roles(conn: &mut PgConnection, roles: &[String]) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(roles.len());
    for r in roles {
        let r = r.trim().to_lowercase();
        if !out.contains(&r) {
            out.push(r);
        }
    }
    let unknown = db::roles::unknown_keys(conn, &out).await?;
    if let Some(r) = unknown.first() {
        return Err(ApiError::validation(
            "roles",
            format!("Unknown role '{r}'; see GET /api/v1/roles."),
        ));
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
    let roles = parse_roles(tx.conn(), &input.roles).await?;
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
    ClientIp(ip): ClientIp,
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
        roles: match input.roles.as_deref() {
            Some(r) => Some(parse_roles(tx.conn(), r).await?),
            None => None,
        },
    };
    let removes_admin = changes.is_active == Some(false)
        || changes
            .roles
            .as_ref()
            .is_some_and(|r| !r.iter().any(|r| r == "admin"));
    if removes_admin {
        guard_last_admin(&mut tx, id).await?;
    }
    let before = db::users::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
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
    let actor_id = tx.ctx.user_id;
    if before.roles != user.roles {
        audit::record(
            tx.conn(),
            AuthEvent::new("auth.user.roles_changed")
                .actor(actor_id)
                .subject(id)
                .ip(&ip)
                .details(json!({ "before": before.roles, "after": user.roles })),
        )
        .await?;
    }
    if before.is_active && !user.is_active {
        // Deactivation ends every session at once.
        db::sessions::revoke_all_of_user(tx.conn(), id, None, "user_deactivated").await?;
        audit::record(
            tx.conn(),
            AuthEvent::new("auth.user.deactivated")
                .actor(actor_id)
                .subject(id)
                .ip(&ip),
        )
        .await?;
    } else if !before.is_active && user.is_active {
        audit::record(
            tx.conn(),
            AuthEvent::new("auth.user.reactivated")
                .actor(actor_id)
                .subject(id)
                .ip(&ip),
        )
        .await?;
    }
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

/// Invite someone by e-mail: creates the user without a password and sends a
/// single-use link (valid 7 days) to choose one.
#[utoipa::path(post, path = "/api/v1/users/invitations", tag = "users",
    security(("bearer" = [])), request_body = InvitationForCreate,
    responses((status = 201, body = User), ErrorResponses))]
async fn invite_user(
    State(state): State<AppState>,
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppJson(input): AppJson<InvitationForCreate>,
) -> ApiResult<(StatusCode, AppJson<User>)> {
    let email_addr = Email::parse("email", &input.email)?;
    let name = DisplayName::parse("display_name", &input.display_name)?;
    let roles = parse_roles(tx.conn(), &input.roles).await?;
    let actor = tx.ctx.user_id;
    let user = db::users::insert_invited(tx.conn(), &email_addr, &name, &roles, actor)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.constraint() == Some("users_tenant_email_key") => {
                ApiError::conflict(
                    "email",
                    format!("A user with e-mail {email_addr} already exists."),
                )
            }
            _ => e.into(),
        })?;
    let tenant = tx.ctx.tenant_id;
    let token = db::user_tokens::issue(
        tx.conn(),
        tenant,
        user.id,
        db::user_tokens::INVITE,
        chrono::Duration::days(7),
    )
    .await?;
    let link = format!(
        "{}/accept-invitation?token={token}",
        state.settings.auth.public_url
    );
    email::enqueue(
        tx.conn(),
        email_addr.as_str(),
        "You are invited to ElevateCRM",
        &format!("You have been invited to ElevateCRM.\n\nTo choose your password and sign in, open:\n{link}\n\nThe link works once, for seven days."),
    )
    .await?;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.user.invited")
            .actor(actor)
            .subject(user.id)
            .ip(&ip)
            .details(json!({ "roles": roles })),
    )
    .await?;
    tx.commit().await?;
    crate::http::auth::spawn_dispatch(&state, tenant);
    Ok((StatusCode::CREATED, AppJson(user)))
}

/// Unlock an account locked by failed sign-ins.
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "users",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "User id")),
    responses((status = 204), ErrorResponses))]
async fn unlock_user(
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<StatusCode> {
    if !db::users::clear_lockout(tx.conn(), id).await? {
        return Err(ApiError::not_found("user"));
    }
    let actor = tx.ctx.user_id;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.user.unlocked")
            .actor(actor)
            .subject(id)
            .ip(&ip),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The warehouses a user works in; empty means every warehouse. Live stock updates
/// (`GET /api/v1/ws`) show this user the moves of these warehouses only.
#[utoipa::path(get, path = "/api/v1/users/{id}/warehouses", tag = "users",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, body = UserWarehouses), ErrorResponses))]
async fn get_user_warehouses(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<UserWarehouses>> {
    tx.ctx.require(Permission::UsersRead)?;
    db::users::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    let warehouse_ids = db::users::warehouses(tx.conn(), id).await?;
    Ok(AppJson(UserWarehouses { warehouse_ids }))
}

/// Assign the warehouses a user works in (replaces the list; empty = all).
#[utoipa::path(put, path = "/api/v1/users/{id}/warehouses", tag = "users",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "User id")),
    request_body = UserWarehouses,
    responses((status = 200, body = UserWarehouses), ErrorResponses))]
async fn set_user_warehouses(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<UserWarehouses>,
) -> ApiResult<AppJson<UserWarehouses>> {
    tx.ctx.require(Permission::UsersManage)?;
    if input.warehouse_ids.len() > 1000 {
        return Err(ApiError::validation(
            "warehouse_ids",
            "At most 1,000 warehouses can be assigned.",
        ));
    }
    let mut ids = input.warehouse_ids;
    ids.sort();
    ids.dedup();
    db::users::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    if let Some(bad) = db::users::unknown_warehouses(tx.conn(), &ids)
        .await?
        .first()
    {
        return Err(ApiError::validation(
            "warehouse_ids",
            format!("{bad} is not a warehouse of this tenant; see GET /api/v1/locations."),
        ));
    }
    db::users::set_warehouses(tx.conn(), id, &ids).await?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("user.warehouses_changed")
            .subject("user", id)
            .data(json!({ "warehouse_ids": ids })),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(UserWarehouses { warehouse_ids: ids }))
}
