//! The request's identity (`Ctx`) and the tenant-scoped transaction (`TenantTx`).
//!
//! Tenant isolation lives here: `TenantTx` opens a transaction and sets
//! `app.tenant_id` for PostgreSQL's row-level security, so a handler that forgets a
//! check still cannot see another tenant's rows.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::auth::token::TokenError;
use crate::domain::permissions::{built_in_role, Permission};
use crate::error::ApiError;
use crate::state::AppState;

/// Who is calling: verified from the bearer token.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub roles: Vec<String>,
}

impl Ctx {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether any of the caller's roles grants `perm`.
    pub fn can(&self, perm: Permission) -> bool {
        self.roles
            .iter()
            .filter_map(|r| built_in_role(r))
            .any(|grants| grants.contains(&perm))
    }

    /// Fails with `forbidden` unless the caller holds `perm`.
    pub fn require(&self, perm: Permission) -> Result<(), ApiError> {
        if self.can(perm) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "This action needs the '{}' permission.",
                perm.as_str()
            ))
            .with_details(serde_json::json!({ "permission": perm.as_str() })))
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthenticated("Sign in: this endpoint needs a bearer token.")
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or_else(|| {
                ApiError::unauthenticated("The Authorization header must be `Bearer <token>`.")
            })?;
        let claims = state.tokens.verify(token.trim()).map_err(|e| match e {
            TokenError::Expired => ApiError::unauthenticated(
                "The access token has expired; refresh it or sign in again.",
            )
            .with_details(serde_json::json!({ "reason": "token_expired" })),
            TokenError::Invalid => ApiError::unauthenticated("The access token is not valid.")
                .with_details(serde_json::json!({ "reason": "token_invalid" })),
        })?;
        let ctx = Ctx {
            tenant_id: claims.tid,
            user_id: claims.sub,
            roles: claims.roles,
        };
        tracing::Span::current().record("tenant_id", tracing::field::display(ctx.tenant_id));
        tracing::Span::current().record("user_id", tracing::field::display(ctx.user_id));
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

/// A transaction scoped to the caller's tenant. Dropped without `commit` → rolled back.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    pub ctx: Ctx,
}

/// Begins a transaction with `app.tenant_id` (and optionally `app.user_id`) set for RLS.
pub async fn begin_tenant_tx(
    db: &PgPool,
    tenant_id: Uuid,
    user_id: Option<Uuid>,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)",
    )
    .bind(tenant_id.to_string())
    .bind(user_id.map(|u| u.to_string()).unwrap_or_default())
    .execute(&mut *tx)
    .await?;
    Ok(tx)
}

impl FromRequestParts<AppState> for TenantTx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let mut tx = begin_tenant_tx(&state.db, ctx.tenant_id, Some(ctx.user_id)).await?;
        // A token outlives a deactivation by up to its TTL unless checked here.
        let active: Option<bool> = sqlx::query_scalar("SELECT is_active FROM users WHERE id = $1")
            .bind(ctx.user_id)
            .fetch_optional(&mut *tx)
            .await?;
        if active != Some(true) {
            return Err(ApiError::unauthenticated("This account is not active.")
                .with_details(serde_json::json!({ "reason": "user_inactive" })));
        }
        Ok(Self { tx, ctx })
    }
}

impl TenantTx {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), ApiError> {
        self.tx.commit().await?;
        Ok(())
    }
}
