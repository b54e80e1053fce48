//! Sign-in. (Refresh tokens, MFA and sessions belong to the identity module.)

use axum::extract::State;
use axum::http::StatusCode;
use shared_types::api::ErrorCode;
use shared_types::identity::{LoginRequest, TokenResponse, User};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::password::verify_password;
use crate::db;
use crate::domain::identity::{Email, Slug};
use crate::error::{ApiError, ApiResult};
use crate::http::ctx::{begin_tenant_tx, TenantTx};
use crate::http::extract::AppJson;
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(me))
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
        "The company, e-mail or password is not right.",
    )
}

/// Sign in with tenant slug, e-mail and password; returns a short-lived access token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), ErrorResponses))]
async fn login(
    State(state): State<AppState>,
    AppJson(input): AppJson<LoginRequest>,
) -> ApiResult<AppJson<TokenResponse>> {
    // Malformed identifiers fail exactly like unknown ones: no account enumeration.
    let slug = Slug::parse("tenant", &input.tenant).ok();
    let email = Email::parse("email", &input.email).ok();
    let tenant_id = match &slug {
        Some(s) => db::tenants::id_by_slug(&state.db, s.as_str()).await?,
        None => None,
    };
    let creds = match (tenant_id, &email) {
        (Some(tid), Some(email)) => {
            let mut tx = begin_tenant_tx(&state.db, tid, None).await?;
            let c = db::users::credentials_by_email(&mut tx, email).await?;
            tx.commit().await?;
            c
        }
        _ => None,
    };
    let hash = creds.as_ref().and_then(|c| c.password_hash.clone());
    let password = input.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .map_err(anyhow::Error::from)?;
    let creds = match creds {
        Some(c) if ok && c.user.is_active => c,
        _ => {
            tracing::info!(tenant = ?input.tenant, "login failed");
            return Err(invalid_credentials());
        }
    };
    let token = state
        .tokens
        .issue(
            creds.user.id,
            creds.user.tenant_id,
            creds.user.roles.clone(),
        )
        .map_err(ApiError::Internal)?;
    tracing::info!(user_id = %creds.user.id, tenant_id = %creds.user.tenant_id, "login ok");
    Ok(AppJson(TokenResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl_secs(),
        user: creds.user,
    }))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = User), ErrorResponses))]
async fn me(mut tx: TenantTx) -> ApiResult<AppJson<User>> {
    let id = tx.ctx.user_id;
    let user = db::users::get(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(AppJson(user))
}
