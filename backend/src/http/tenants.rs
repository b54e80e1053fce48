//! Sign-up and the current tenant's settings.

use axum::extract::State;
use axum::http::StatusCode;
use shared_types::identity::{Tenant, TenantCreated, TenantForCreate, TenantForUpdate};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::password::hash_password;
use crate::db;
use crate::db::events::NewEvent;
use crate::domain::identity::{DisplayName, Email, HexColour, NewPassword, Slug};
use crate::domain::permissions::Permission;
use crate::error::{ApiError, ApiResult};
use crate::http::access::{guarded, public};
use crate::http::ctx::{begin_tenant_tx, TenantTx};
use crate::http::extract::AppJson;
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(public(routes!(sign_up)))
        .routes(guarded(Permission::TenantRead, routes!(get_tenant)))
        .routes(guarded(Permission::TenantManage, routes!(update_tenant)))
}

/// Sign up a company: creates the tenant and its first administrator.
#[utoipa::path(post, path = "/api/v1/tenants", tag = "tenants",
    request_body = TenantForCreate,
    responses((status = 201, body = TenantCreated), ErrorResponses))]
async fn sign_up(
    State(state): State<AppState>,
    AppJson(input): AppJson<TenantForCreate>,
) -> ApiResult<(StatusCode, AppJson<TenantCreated>)> {
    let name = DisplayName::parse("name", &input.name)?;
    let slug = Slug::parse("slug", &input.slug)?;
    let email = Email::parse("admin_email", &input.admin_email)?;
    let admin_name = DisplayName::parse("admin_name", &input.admin_name)?;
    let password = NewPassword::parse("admin_password", &input.admin_password)?;
    let hash = hash_blocking(password).await?;

    let tenant_id = Uuid::now_v7();
    let mut tx = begin_tenant_tx(&state.db, tenant_id, None).await?;
    let tenant = db::tenants::insert(&mut tx, tenant_id, &slug, &name, serde_json::json!({}))
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.constraint() == Some("tenants_slug_key") => {
                ApiError::conflict("slug", format!("The slug '{}' is taken.", slug.as_str()))
            }
            _ => e.into(),
        })?;
    db::roles::seed_built_ins(&mut tx).await?;
    let admin = db::users::insert(
        &mut tx,
        db::users::NewUser {
            email: &email,
            display_name: &admin_name,
            password_hash: &hash,
            roles: &["admin".to_owned()],
            created_by: None,
        },
    )
    .await?;
    db::events::append(
        &mut tx,
        Some(admin.id),
        NewEvent::new("tenant.signed_up")
            .subject("tenant", tenant.id)
            .data(serde_json::json!({ "slug": tenant.slug, "admin_user_id": admin.id })),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(tenant_id = %tenant.id, slug = %tenant.slug, "tenant signed up");
    Ok((
        StatusCode::CREATED,
        AppJson(TenantCreated { tenant, admin }),
    ))
}

pub(crate) async fn hash_blocking(password: NewPassword) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_password(password.expose()))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(ApiError::Internal)
}

/// The caller's tenant, with its branding and settings.
#[utoipa::path(get, path = "/api/v1/tenant", tag = "tenants",
    security(("bearer" = [])),
    responses((status = 200, body = Tenant), ErrorResponses))]
async fn get_tenant(mut tx: TenantTx) -> ApiResult<AppJson<Tenant>> {
    tx.ctx.require(Permission::TenantRead)?;
    let tenant = db::tenants::current(tx.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    Ok(AppJson(tenant))
}

/// Change the tenant's name and white-label branding (administrators).
#[utoipa::path(patch, path = "/api/v1/tenant", tag = "tenants",
    security(("bearer" = [])),
    request_body = TenantForUpdate,
    responses((status = 200, body = Tenant), ErrorResponses))]
async fn update_tenant(
    mut tx: TenantTx,
    AppJson(input): AppJson<TenantForUpdate>,
) -> ApiResult<AppJson<Tenant>> {
    tx.ctx.require(Permission::TenantManage)?;
    let changes = db::tenants::TenantChanges {
        name: input
            .name
            .as_deref()
            .map(|v| DisplayName::parse("name", v))
            .transpose()?,
        display_name: input
            .display_name
            .as_deref()
            .map(|v| DisplayName::parse("display_name", v))
            .transpose()?,
        primary_colour: input
            .primary_colour
            .as_deref()
            .map(|v| HexColour::parse("primary_colour", v))
            .transpose()?,
        accent_colour: input
            .accent_colour
            .as_deref()
            .map(|v| HexColour::parse("accent_colour", v))
            .transpose()?,
        logo_url: input.logo_url.map(|u| Some(u).filter(|u| !u.is_empty())),
    };
    let tenant = db::tenants::update_current(tx.conn(), &changes)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    let actor = Some(tx.ctx.user_id);
    db::events::append(
        tx.conn(),
        actor,
        NewEvent::new("tenant.updated")
            .subject("tenant", tenant.id)
            .data(serde_json::to_value(&tenant.branding).unwrap_or_default()),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(tenant))
}
