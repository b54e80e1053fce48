//! Tenant rows.

use chrono::{DateTime, Utc};
use shared_types::identity::{Branding, Tenant};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::identity::{DisplayName, HexColour, Slug};

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: Uuid,
    slug: String,
    name: String,
    display_name: String,
    brand_primary: String,
    brand_accent: String,
    logo_url: Option<String>,
    settings: serde_json::Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        Tenant {
            id: r.id,
            slug: r.slug,
            name: r.name,
            branding: Branding {
                display_name: r.display_name,
                primary_colour: r.brand_primary,
                accent_colour: r.brand_accent,
                logo_url: r.logo_url,
            },
            settings: r.settings,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, slug, name, display_name, brand_primary, brand_accent, logo_url, settings, created_at, updated_at";

/// Inserts a tenant. The connection's `app.tenant_id` must already be `id`.
#[tracing::instrument(skip(conn))]
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    slug: &Slug,
    name: &DisplayName,
    settings: serde_json::Value,
) -> Result<Tenant, sqlx::Error> {
    let row: TenantRow = sqlx::query_as(&format!(
        "INSERT INTO tenants (id, slug, name, display_name, settings) VALUES ($1, $2, $3, $3, $4) RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(slug.as_str())
    .bind(name.as_str())
    .bind(settings)
    .fetch_one(conn)
    .await?;
    Ok(row.into())
}

/// The current tenant (the one RLS lets this connection see).
pub async fn current(conn: &mut PgConnection) -> Result<Option<Tenant>, sqlx::Error> {
    let row: Option<TenantRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenants WHERE id = app_current_tenant()"
    ))
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

#[derive(Debug, Default)]
pub struct TenantChanges {
    pub name: Option<DisplayName>,
    pub display_name: Option<DisplayName>,
    pub primary_colour: Option<HexColour>,
    pub accent_colour: Option<HexColour>,
    pub logo_url: Option<Option<String>>,
}

pub async fn update_current(
    conn: &mut PgConnection,
    c: &TenantChanges,
) -> Result<Option<Tenant>, sqlx::Error> {
    let row: Option<TenantRow> = sqlx::query_as(&format!(
        "UPDATE tenants SET
            name = COALESCE($1, name),
            display_name = COALESCE($2, display_name),
            brand_primary = COALESCE($3, brand_primary),
            brand_accent = COALESCE($4, brand_accent),
            logo_url = CASE WHEN $5 THEN $6 ELSE logo_url END
         WHERE id = app_current_tenant()
         RETURNING {COLUMNS}"
    ))
    .bind(c.name.as_ref().map(DisplayName::as_str))
    .bind(c.display_name.as_ref().map(DisplayName::as_str))
    .bind(c.primary_colour.as_ref().map(HexColour::as_str))
    .bind(c.accent_colour.as_ref().map(HexColour::as_str))
    .bind(c.logo_url.is_some())
    .bind(c.logo_url.clone().flatten())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

/// Resolves a slug to a tenant id before any tenant scope exists (login).
pub async fn id_by_slug(pool: &sqlx::PgPool, slug: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT auth_tenant_id_by_slug($1)")
        .bind(slug)
        .fetch_one(pool)
        .await
}
