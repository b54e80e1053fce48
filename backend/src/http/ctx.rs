//! The request's identity (`Ctx`) and the tenant-scoped transaction (`TenantTx`).
//!
//! Tenant isolation lives here: `TenantTx` opens a transaction and sets
//! `app.tenant_id` for PostgreSQL's row-level security, so a handler that forgets a
//! check still cannot see another tenant's rows.
//!
//! Authorisation lives here too. A route registered with [`access::guarded`]
//! carries the permission it needs; `TenantTx` loads the caller's permissions from
//! their roles (once per request), checks the session is still live and the user
//! active, and refuses the request before the body is even parsed.
//!
//! [`access::guarded`]: crate::http::access::guarded

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde_json::json;
use shared_types::api::ErrorCode;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::auth::opaque;
use crate::auth::rate_limit::Limit;
use crate::auth::token::{Claims, TokenError};
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::access::{enforce_limit, Access};
use crate::state::AppState;

/// The header an integrator may send an API key in (instead of `Authorization`).
pub const API_KEY_HEADER: &str = "x-api-key";
/// A client that names its tenant (e.g. from the host it was opened on) sends it here;
/// a token for another tenant is then refused.
pub const TENANT_HEADER: &str = "x-tenant";

/// Who is calling: verified from the bearer token or API key.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub tenant_id: Uuid,
    /// The user, or for an API key the user who created it.
    pub user_id: Uuid,
    pub roles: Vec<String>,
    /// The sign-in session (access tokens only).
    pub session_id: Option<Uuid>,
    /// Set when the caller authenticated with an API key.
    pub api_key_id: Option<Uuid>,
    /// Access limited to `/api/v1/auth/` until the user enrols in MFA.
    pub mfa_setup: bool,
    /// Loaded by `TenantTx` from the caller's roles (or the key's scope).
    pub permissions: BTreeSet<Permission>,
}

/// Which records of a kind the caller may see (record-level rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordScope {
    All,
    /// Only records owned by (assigned to) this user.
    Own(Uuid),
}

impl Ctx {
    /// The identity an access token carries (permissions are loaded by `TenantTx`).
    pub fn from_claims(claims: Claims) -> Self {
        Ctx {
            tenant_id: claims.tid,
            user_id: claims.sub,
            roles: claims.roles,
            session_id: Some(claims.sid),
            api_key_id: None,
            mfa_setup: claims.mfa_setup,
            permissions: BTreeSet::new(),
        }
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether the caller's roles (or API key scope) grant `perm`.
    pub fn can(&self, perm: Permission) -> bool {
        self.permissions.contains(&perm)
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
            .with_details(json!({ "permission": perm.as_str() })))
        }
    }

    /// Record-level rule: with `read_all` the caller sees every record of a kind,
    /// otherwise only their own (e.g. a sales rep's opportunities).
    pub fn scope_for(&self, read_all: Permission) -> RecordScope {
        if self.can(read_all) {
            RecordScope::All
        } else {
            RecordScope::Own(self.user_id)
        }
    }
}

/// The client's address (from the socket; proxies are not trusted for it).
pub fn client_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

fn token_error(e: TokenError) -> ApiError {
    match e {
        TokenError::Expired => {
            ApiError::unauthenticated("The access token has expired; refresh it or sign in again.")
                .with_details(json!({ "reason": "token_expired" }))
        }
        TokenError::Invalid => ApiError::unauthenticated("The access token is not valid.")
            .with_details(json!({ "reason": "token_invalid" })),
        TokenError::Unavailable(e) => ApiError::Internal(e),
    }
}

fn api_key_invalid() -> ApiError {
    ApiError::unauthenticated("The API key is not valid or was revoked.")
        .with_details(json!({ "reason": "api_key_invalid" }))
}

/// The credential a request carries.
enum Credential<'a> {
    Bearer(&'a str),
    ApiKey(&'a str),
}

fn credential(parts: &Parts) -> Result<Credential<'_>, ApiError> {
    if let Some(key) = parts.headers.get(API_KEY_HEADER) {
        return key
            .to_str()
            .map(|k| Credential::ApiKey(k.trim()))
            .map_err(|_| api_key_invalid());
    }
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthenticated("Sign in: this endpoint needs a bearer token."))?;
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| {
            ApiError::unauthenticated("The Authorization header must be `Bearer <token>`.")
        })?;
    Ok(if token.starts_with("ek_") {
        Credential::ApiKey(token)
    } else {
        Credential::Bearer(token)
    })
}

async fn api_key_ctx(state: &AppState, key: &str) -> Result<Ctx, ApiError> {
    let tenant = opaque::tenant_of(opaque::API_KEY, key).ok_or_else(api_key_invalid)?;
    let mut tx = begin_tenant_tx(&state.db, tenant, None).await?;
    let row: Option<(Uuid, Option<Uuid>, Vec<String>)> = sqlx::query_as(
        "UPDATE api_keys SET last_used_at = now()
          WHERE key_hash = $1 AND revoked_at IS NULL
          RETURNING id, created_by_id, permissions",
    )
    .bind(opaque::hash(key))
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let (id, creator, perms) = row.ok_or_else(api_key_invalid)?;
    Ok(Ctx {
        tenant_id: tenant,
        user_id: creator.unwrap_or(Uuid::nil()),
        roles: vec![],
        session_id: None,
        api_key_id: Some(id),
        mfa_setup: false,
        permissions: perms.iter().filter_map(|p| Permission::parse(p)).collect(),
    })
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
        let ctx = match credential(parts)? {
            Credential::ApiKey(key) => {
                let key = key.to_owned();
                api_key_ctx(state, &key).await?
            }
            Credential::Bearer(token) => {
                let token = token.to_owned();
                let claims = state
                    .keys
                    .verify_access(&token)
                    .await
                    .map_err(token_error)?;
                if let Some(named) = parts.headers.get(TENANT_HEADER) {
                    if named
                        .to_str()
                        .map(|s| s.trim().to_lowercase())
                        .ok()
                        .as_deref()
                        != Some(claims.tsl.as_str())
                    {
                        return Err(ApiError::new(
                            StatusCode::FORBIDDEN,
                            ErrorCode::TenantMismatch,
                            "This token belongs to another tenant than the one the request names.",
                        ));
                    }
                }
                Ctx::from_claims(claims)
            }
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
    live: crate::live::LiveBus,
    sealer: std::sync::Arc<crate::db::events::SealGate>,
    db: PgPool,
}

/// Begins a transaction with `app.tenant_id` (and optionally `app.user_id`) set for RLS.
pub async fn begin_tenant_tx(
    db: &PgPool,
    tenant_id: Uuid,
    user_id: Option<Uuid>,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    // One round trip: BEGIN and the settings go as one simple query. The values
    // are formatted UUIDs (hex digits and dashes), so nothing needs quoting.
    let user = user_id.map(|u| u.to_string()).unwrap_or_default();
    db.begin_with(format!(
        "BEGIN; SELECT set_config('app.tenant_id', '{tenant_id}', true), \
         set_config('app.user_id', '{user}', true)"
    ))
    .await
}

/// Loads a user's live state: active flag, roles, the permissions those roles grant,
/// and whether `session` is still live.
pub(crate) async fn load_user_access(
    conn: &mut PgConnection,
    user: Uuid,
    session: Option<Uuid>,
) -> Result<Option<(bool, Vec<String>, Vec<String>, bool)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.is_active, u.roles,
                COALESCE((SELECT array_agg(DISTINCT p ORDER BY p) FROM roles r
                           CROSS JOIN LATERAL unnest(r.permissions) p
                          WHERE r.key = ANY(u.roles)), '{}') AS perms,
                ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM auth_sessions s
                   WHERE s.id = $2 AND s.user_id = u.id AND s.revoked_at IS NULL
                     AND s.expires_at > now())) AS session_live
           FROM users u WHERE u.id = $1",
    )
    .bind(user)
    .bind(session)
    .fetch_optional(conn)
    .await
}

impl FromRequestParts<AppState> for TenantTx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let during_mfa_setup = parts.uri.path().starts_with("/api/v1/auth/");
        let access = parts.extensions.get::<Access>().copied();
        let tx = TenantTx::open(state, ctx, access, during_mfa_setup).await?;
        parts.extensions.insert(tx.ctx.clone());
        Ok(tx)
    }
}

impl TenantTx {
    /// Opens the caller's tenant transaction: rate limit, live user and session,
    /// permissions from their roles, and the route's declared access. Shared by the
    /// API extractor and the web view (which finds the token in a cookie).
    /// `during_mfa_setup` says whether the route is one a user who still has to
    /// enrol in MFA may use.
    pub async fn open(
        state: &AppState,
        mut ctx: Ctx,
        access: Option<Access>,
        during_mfa_setup: bool,
    ) -> Result<Self, ApiError> {
        let limit = Limit {
            name: "api",
            count: state.settings.auth.api_requests_per_minute,
            period: std::time::Duration::from_secs(60),
        };
        let limit_key = match ctx.api_key_id {
            Some(k) => format!("key:{k}"),
            None => format!("tenant:{}", ctx.tenant_id),
        };
        enforce_limit(state, limit, &limit_key).await?;

        let mut tx = begin_tenant_tx(&state.db, ctx.tenant_id, Some(ctx.user_id)).await?;
        if ctx.api_key_id.is_none() {
            // Checked on every request: a deactivation, role change or logout takes
            // effect at once rather than when the access token expires.
            let Some((active, roles, perms, session_live)) =
                load_user_access(&mut tx, ctx.user_id, ctx.session_id).await?
            else {
                return Err(ApiError::unauthenticated("This account is not active.")
                    .with_details(json!({ "reason": "user_inactive" })));
            };
            if !active {
                return Err(ApiError::unauthenticated("This account is not active.")
                    .with_details(json!({ "reason": "user_inactive" })));
            }
            if !session_live {
                return Err(ApiError::unauthenticated(
                    "This session has ended (signed out or revoked); sign in again.",
                )
                .with_details(json!({ "reason": "session_revoked" })));
            }
            ctx.roles = roles;
            ctx.permissions = perms.iter().filter_map(|p| Permission::parse(p)).collect();
            if ctx.mfa_setup && !during_mfa_setup {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::MfaSetupRequired,
                    "Your organisation requires two-factor sign-in: enrol an authenticator first.",
                ));
            }
        }
        if let Some(Access::Permission(p)) = access {
            ctx.require(p)?;
        }
        // Events noted by an earlier, uncommitted transaction of this request are stale.
        crate::live::discard_noted();
        Ok(Self {
            tx,
            ctx,
            live: state.live.clone(),
            sealer: state.sealer.clone(),
            db: state.db.clone(),
        })
    }

    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Commits, seals the events the transaction left pending (see
    /// [`crate::db::events::append_pending`]), then publishes the events to live clients.
    pub async fn commit(self) -> Result<(), ApiError> {
        self.tx.commit().await?;
        let mut events = crate::live::take_noted();
        if crate::live::take_unsealed() {
            // The change is committed; a failed seal is retried by the worker's
            // sweep, so it is logged rather than turned into an error a client
            // would retry.
            match self.sealer.seal(&self.db, self.ctx.tenant_id).await {
                Ok(sealed) => {
                    events.extend(sealed.into_iter().map(|event| crate::live::LiveEvent {
                        tenant_id: self.ctx.tenant_id,
                        event,
                    }))
                }
                Err(e) => tracing::warn!(error = %e, "sealing pending events failed"),
            }
        }
        if !events.is_empty() {
            self.live.publish(events).await;
        }
        Ok(())
    }
}

/// The client's address as an extractor (never fails).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(client_ip(parts)))
    }
}
