//! Sign-in and everything around it: refresh, logout, the MFA step, the caller's
//! profile, password change and reset, accepting an invitation, and the public keys.
//!
//! Every outcome is written to the audit trail in the same transaction; a failure
//! is recorded and committed before the error is returned.

use axum::extract::State;
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;
use shared_types::api::ErrorCode;
use shared_types::identity::{
    LoginRequest, LoginResponse, MfaChallenge, MfaVerifyRequest, PasswordChange,
    PasswordResetRequest, RefreshRequest, TokenResponse, TokenWithPassword, User,
};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::audit::{self, AuthEvent};
use crate::auth::keys::PublicJwk;
use crate::auth::password::verify_password;
use crate::auth::token::AccessGrant;
use crate::auth::{email, opaque, totp};
use crate::db;
use crate::db::sessions::Refreshed;
use crate::domain::identity::{Email, NewPassword, Slug};
use crate::error::{ApiError, ApiResult};
use crate::http::access::{attempts_limit, authenticated, enforce_limit, public};
use crate::http::ctx::{begin_tenant_tx, ClientIp, TenantTx};
use crate::http::extract::AppJson;
use crate::http::mfa::mfa_required_for;
use crate::http::tenants::hash_blocking;
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(public(routes!(login)))
        .routes(public(routes!(refresh)))
        .routes(public(routes!(mfa_verify)))
        .routes(public(routes!(jwks)))
        .routes(public(routes!(request_password_reset)))
        .routes(public(routes!(confirm_password_reset)))
        .routes(public(routes!(accept_invitation)))
        .routes(authenticated(routes!(me)))
        .routes(authenticated(routes!(logout)))
        .routes(authenticated(routes!(change_password)))
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
        "The company, e-mail or password is not right.",
    )
}

fn invalid_token(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
        format!("The {what} is not valid, has expired or was already used."),
    )
}

fn invalid_mfa_code(reason: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidMfaCode,
        "The code is not right or was already used.",
    )
    .with_details(json!({ "reason": reason }))
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn tenant_slug(conn: &mut PgConnection) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT slug FROM tenants WHERE id = app_current_tenant()")
        .fetch_one(conn)
        .await
}

async fn tenant_settings(conn: &mut PgConnection) -> Result<serde_json::Value, sqlx::Error> {
    sqlx::query_scalar("SELECT settings FROM tenants WHERE id = app_current_tenant()")
        .fetch_one(conn)
        .await
}

/// Whether the tenant requires MFA of `user` and they have not enrolled yet.
async fn needs_mfa_setup(conn: &mut PgConnection, user: &User) -> Result<bool, sqlx::Error> {
    let settings = tenant_settings(&mut *conn).await?;
    Ok(mfa_required_for(&settings, &user.roles) && !db::mfa::is_enrolled(conn, user.id).await?)
}

/// Opens a session for `user` and issues the token pair.
async fn open_session(
    state: &AppState,
    conn: &mut PgConnection,
    user: User,
    ip: &str,
    ua: Option<&str>,
    mfa: bool,
) -> ApiResult<TokenResponse> {
    let (session_id, refresh_token) = db::sessions::open(
        &mut *conn,
        db::sessions::NewSession {
            user: user.id,
            tenant: user.tenant_id,
            ttl_secs: state.settings.auth.session_ttl_secs,
            user_agent: ua,
            ip: Some(ip),
            mfa,
        },
    )
    .await?;
    let slug = tenant_slug(&mut *conn).await?;
    let mfa_setup = !mfa && needs_mfa_setup(&mut *conn, &user).await?;
    let access_token = state
        .keys
        .issue_access(AccessGrant {
            user: user.id,
            tenant: user.tenant_id,
            tenant_slug: &slug,
            roles: user.roles.clone(),
            session: session_id,
            mfa_setup,
        })
        .await
        .map_err(ApiError::Internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.keys.access_ttl_secs(),
        refresh_token,
        session_id,
        mfa_setup_required: mfa_setup,
        user,
    })
}

/// Sign in with tenant slug, e-mail and password. Answers with tokens, or with
/// `status: mfa_required` and a ticket for `POST /api/v1/auth/mfa/verify`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), ErrorResponses))]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppJson(input): AppJson<LoginRequest>,
) -> ApiResult<AppJson<LoginResponse>> {
    password_login(&state, &ip, &headers, input)
        .await
        .map(AppJson)
}

/// The password step of sign-in, shared by the API and the web view's form.
pub(crate) async fn password_login(
    state: &AppState,
    ip: &str,
    headers: &HeaderMap,
    input: LoginRequest,
) -> ApiResult<LoginResponse> {
    let ip = ip.to_owned();
    enforce_limit(state, attempts_limit(state, "login-ip"), &ip).await?;
    // Malformed identifiers fail exactly like unknown ones: no account enumeration.
    let slug = Slug::parse("tenant", &input.tenant).ok();
    let email = Email::parse("email", &input.email).ok();
    let account_key = format!(
        "{}:{}",
        input.tenant.trim().to_lowercase(),
        input.email.trim().to_lowercase()
    );
    enforce_limit(state, attempts_limit(state, "login-account"), &account_key).await?;
    let tenant_id = match &slug {
        Some(s) => db::tenants::id_by_slug(&state.db, s.as_str()).await?,
        None => None,
    };
    let mut scoped = match tenant_id {
        Some(tid) => Some(begin_tenant_tx(&state.db, tid, None).await?),
        None => None,
    };
    let creds = match (&mut scoped, &email) {
        (Some(tx), Some(email)) => db::users::credentials_by_email(tx, email).await?,
        _ => None,
    };
    let hash = creds.as_ref().and_then(|c| c.password_hash.clone());
    let password = input.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .map_err(anyhow::Error::from)?;
    let (Some(mut tx), Some(creds)) = (scoped, creds) else {
        tracing::info!("login failed: unknown tenant or user");
        return Err(invalid_credentials());
    };
    let user = creds.user;
    let (_, locked_until) = db::users::lockout(&mut tx, user.id)
        .await?
        .unwrap_or((0, None));
    if let Some(until) = locked_until.filter(|u| *u > chrono::Utc::now()) {
        audit::record(
            &mut tx,
            AuthEvent::new("auth.login.locked").subject(user.id).ip(&ip),
        )
        .await?;
        tx.commit().await?;
        let secs = (until - chrono::Utc::now()).num_seconds().max(1) as u64;
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::AccountLocked,
            "Too many failed sign-ins: this account is locked for a while.",
        )
        .with_details(json!({ "retry_after_secs": secs }))
        .with_retry_after(secs));
    }
    if !ok || !user.is_active {
        let lock = if ok {
            None
        } else {
            db::users::record_failed_login(&mut tx, user.id, state.settings.auth.lockout_threshold)
                .await?
        };
        audit::record(
            &mut tx,
            AuthEvent::new("auth.login.failed")
                .subject(user.id)
                .ip(&ip)
                .details(json!({ "reason": if ok { "inactive" } else { "password" }, "locked": lock.is_some() })),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user_id = %user.id, "login failed");
        return Err(invalid_credentials());
    }
    db::users::clear_lockout(&mut tx, user.id).await?;
    if db::mfa::is_enrolled(&mut tx, user.id).await? {
        let ttl = state.settings.auth.mfa_ticket_ttl_secs;
        let ticket = state
            .keys
            .issue_mfa_ticket(user.id, user.tenant_id, ttl)
            .await
            .map_err(ApiError::Internal)?;
        audit::record(
            &mut tx,
            AuthEvent::new("auth.login.mfa_challenged")
                .subject(user.id)
                .ip(&ip),
        )
        .await?;
        tx.commit().await?;
        return Ok(LoginResponse::MfaRequired(MfaChallenge {
            mfa_ticket: ticket,
            expires_in: ttl,
        }));
    }
    let user_id = user.id;
    let tokens = complete_login(state, tx, user, &ip, headers, None).await?;
    tracing::info!(user_id = %user_id, "login ok");
    Ok(LoginResponse::Ok(Box::new(tokens)))
}

/// The last step of both sign-in paths (password only, or password then MFA): open
/// the session, record the successful sign-in and commit.
async fn complete_login(
    state: &AppState,
    mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
    user: User,
    ip: &str,
    headers: &HeaderMap,
    mfa_method: Option<&str>,
) -> ApiResult<TokenResponse> {
    let user_id = user.id;
    let tokens = open_session(
        state,
        &mut tx,
        user,
        ip,
        user_agent(headers).as_deref(),
        mfa_method.is_some(),
    )
    .await?;
    let mfa = mfa_method.map_or(json!(false), |m| json!(m));
    audit::record(
        &mut tx,
        AuthEvent::new("auth.login.succeeded")
            .actor(user_id)
            .subject(user_id)
            .ip(ip)
            .details(json!({ "session_id": tokens.session_id, "mfa": mfa })),
    )
    .await?;
    tx.commit().await?;
    Ok(tokens)
}

/// Second sign-in step: the MFA ticket with a TOTP code or a backup code.
#[utoipa::path(post, path = "/api/v1/auth/mfa/verify", tag = "auth",
    request_body = MfaVerifyRequest,
    responses((status = 200, body = TokenResponse), ErrorResponses))]
async fn mfa_verify(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppJson(input): AppJson<MfaVerifyRequest>,
) -> ApiResult<AppJson<TokenResponse>> {
    verify_mfa(&state, &ip, &headers, input).await.map(AppJson)
}

/// The second sign-in step, shared by the API and the web view's form.
pub(crate) async fn verify_mfa(
    state: &AppState,
    ip: &str,
    headers: &HeaderMap,
    input: MfaVerifyRequest,
) -> ApiResult<TokenResponse> {
    let ip = ip.to_owned();
    enforce_limit(state, attempts_limit(state, "mfa-ip"), &ip).await?;
    let ticket = state
        .keys
        .verify_mfa_ticket(&input.mfa_ticket)
        .await
        .map_err(|_| invalid_token("MFA ticket"))?;
    enforce_limit(
        state,
        attempts_limit(state, "mfa-account"),
        &ticket.sub.to_string(),
    )
    .await?;
    let mut tx = begin_tenant_tx(&state.db, ticket.tid, Some(ticket.sub)).await?;
    let user = db::users::get(&mut tx, ticket.sub)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(|| invalid_token("MFA ticket"))?;
    let method = match (&input.code, &input.backup_code) {
        (Some(code), None) => {
            let state_row = db::mfa::totp(&mut tx, user.id)
                .await?
                .filter(|t| t.confirmed)
                .ok_or_else(|| invalid_mfa_code("not_enrolled"))?;
            let now = chrono::Utc::now().timestamp() as u64;
            match totp::check(
                &state_row.secret,
                code,
                now,
                state_row.last_used_step.max(0) as u64,
            ) {
                Ok(step) => {
                    db::mfa::accept_step(&mut tx, user.id, step).await?;
                    "totp"
                }
                Err(rejected) => {
                    let reason = match rejected {
                        totp::CodeRejected::Replayed => "code_already_used",
                        totp::CodeRejected::Wrong => "wrong_code",
                    };
                    audit::record(
                        &mut tx,
                        AuthEvent::new("auth.mfa.failed")
                            .subject(user.id)
                            .ip(&ip)
                            .details(json!({ "reason": reason })),
                    )
                    .await?;
                    tx.commit().await?;
                    return Err(invalid_mfa_code(reason));
                }
            }
        }
        (None, Some(code)) => match db::mfa::use_backup_code(&mut tx, user.id, code).await? {
            Some(remaining) => {
                audit::record(
                    &mut tx,
                    AuthEvent::new("auth.mfa.backup_code_used")
                        .actor(user.id)
                        .subject(user.id)
                        .ip(&ip)
                        .details(json!({ "remaining": remaining })),
                )
                .await?;
                "backup_code"
            }
            None => {
                audit::record(
                    &mut tx,
                    AuthEvent::new("auth.mfa.failed")
                        .subject(user.id)
                        .ip(&ip)
                        .details(json!({ "reason": "backup_code_invalid" })),
                )
                .await?;
                tx.commit().await?;
                return Err(invalid_mfa_code("backup_code_invalid"));
            }
        },
        _ => {
            return Err(ApiError::validation(
                "code",
                "Send either `code` (from the authenticator) or `backup_code`.",
            ))
        }
    };
    complete_login(state, tx, user, &ip, headers, Some(method)).await
}

/// Exchange a refresh token for a new pair. Each refresh token works once; using
/// one twice revokes its session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), ErrorResponses))]
async fn refresh(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(input): AppJson<RefreshRequest>,
) -> ApiResult<AppJson<TokenResponse>> {
    refresh_tokens(&state, &ip, input).await.map(AppJson)
}

/// Rotates a refresh token into a new pair; shared by the API and the web view.
pub(crate) async fn refresh_tokens(
    state: &AppState,
    ip: &str,
    input: RefreshRequest,
) -> ApiResult<TokenResponse> {
    let ip = ip.to_owned();
    enforce_limit(state, attempts_limit(state, "refresh-ip"), &ip).await?;
    let token = input.refresh_token.trim();
    let tenant =
        opaque::tenant_of(opaque::REFRESH, token).ok_or_else(|| invalid_token("refresh token"))?;
    let mut tx = begin_tenant_tx(&state.db, tenant, None).await?;
    match db::sessions::refresh(&mut tx, token, tenant).await? {
        Refreshed::Invalid => Err(invalid_token("refresh token")),
        Refreshed::Reused { user, session } => {
            audit::record(
                &mut tx,
                AuthEvent::new("auth.refresh_token.reused")
                    .subject(user)
                    .ip(&ip)
                    .details(json!({ "session_id": session, "action": "session_revoked" })),
            )
            .await?;
            tx.commit().await?;
            tracing::warn!(user_id = %user, session_id = %session, "refresh token reused: session revoked");
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::RefreshTokenReused,
                "This refresh token was already used; the session has been ended. Sign in again.",
            ))
        }
        Refreshed::Rotated {
            user,
            session,
            token,
        } => {
            let Some(u) = db::users::get(&mut tx, user).await?.filter(|u| u.is_active) else {
                db::sessions::revoke(&mut tx, session, "user_inactive").await?;
                tx.commit().await?;
                return Err(invalid_token("refresh token"));
            };
            let slug = tenant_slug(&mut tx).await?;
            let mfa_setup = needs_mfa_setup(&mut tx, &u).await?;
            let access_token = state
                .keys
                .issue_access(AccessGrant {
                    user: u.id,
                    tenant,
                    tenant_slug: &slug,
                    roles: u.roles.clone(),
                    session,
                    mfa_setup,
                })
                .await
                .map_err(ApiError::Internal)?;
            tx.commit().await?;
            Ok(TokenResponse {
                access_token,
                token_type: "Bearer".into(),
                expires_in: state.keys.access_ttl_secs(),
                refresh_token: token,
                session_id: session,
                mfa_setup_required: mfa_setup,
                user: u,
            })
        }
    }
}

/// Sign out: ends the current session at once (its access and refresh tokens stop working).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses((status = 204), ErrorResponses))]
async fn logout(tx: TenantTx, ClientIp(ip): ClientIp) -> ApiResult<StatusCode> {
    sign_out(tx, &ip).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends the caller's session and records it; shared by the API and the web view.
pub(crate) async fn sign_out(mut tx: TenantTx, ip: &str) -> ApiResult<()> {
    let (user, session) = (tx.ctx.user_id, tx.ctx.session_id);
    if let Some(sid) = session {
        db::sessions::revoke(tx.conn(), sid, "logout").await?;
    }
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.logout")
            .actor(user)
            .subject(user)
            .ip(ip)
            .details(json!({ "session_id": session })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
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

/// Change your password. Every other session of yours is signed out.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth",
    security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204), ErrorResponses))]
async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    mut tx: TenantTx,
    AppJson(input): AppJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    let user = tx.ctx.user_id;
    enforce_limit(
        &state,
        attempts_limit(&state, "password-account"),
        &user.to_string(),
    )
    .await?;
    let current = db::users::password_hash(tx.conn(), user).await?;
    let given = input.current_password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&given, current.as_deref()))
        .await
        .map_err(anyhow::Error::from)?;
    if !ok {
        return Err(invalid_credentials().with_details(json!({ "field": "current_password" })));
    }
    let new = NewPassword::parse("new_password", &input.new_password)?;
    let hash = hash_blocking(new).await?;
    db::users::set_password(tx.conn(), user, &hash).await?;
    let keep = tx.ctx.session_id;
    let ended = db::sessions::revoke_all_of_user(tx.conn(), user, keep, "password_changed").await?;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.password.changed")
            .actor(user)
            .subject(user)
            .ip(&ip)
            .details(json!({ "sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ask for a password reset link by e-mail. Always answers 202, whether or not the
/// account exists.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = PasswordResetRequest,
    responses((status = 202), ErrorResponses))]
async fn request_password_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(input): AppJson<PasswordResetRequest>,
) -> ApiResult<StatusCode> {
    enforce_limit(&state, attempts_limit(&state, "reset-ip"), &ip).await?;
    let account_key = format!(
        "{}:{}",
        input.tenant.trim().to_lowercase(),
        input.email.trim().to_lowercase()
    );
    enforce_limit(
        &state,
        attempts_limit(&state, "reset-account"),
        &account_key,
    )
    .await?;
    let (Ok(slug), Ok(email_addr)) = (
        Slug::parse("tenant", &input.tenant),
        Email::parse("email", &input.email),
    ) else {
        return Ok(StatusCode::ACCEPTED);
    };
    let Some(tenant) = db::tenants::id_by_slug(&state.db, slug.as_str()).await? else {
        return Ok(StatusCode::ACCEPTED);
    };
    let mut tx = begin_tenant_tx(&state.db, tenant, None).await?;
    let Some(creds) = db::users::credentials_by_email(&mut tx, &email_addr).await? else {
        return Ok(StatusCode::ACCEPTED);
    };
    if !creds.user.is_active {
        return Ok(StatusCode::ACCEPTED);
    }
    let user = creds.user.id;
    let token = db::user_tokens::issue(
        &mut tx,
        tenant,
        user,
        db::user_tokens::PASSWORD_RESET,
        chrono::Duration::hours(1),
    )
    .await?;
    let link = format!(
        "{}/reset-password?token={token}",
        state.settings.auth.public_url
    );
    email::enqueue(
        &mut tx,
        email_addr.as_str(),
        "Reset your ElevateCRM password",
        &format!("Someone asked to reset the password of this account.\n\nTo choose a new password, open:\n{link}\n\nThe link works once, for one hour. If it was not you, ignore this message."),
    )
    .await?;
    audit::record(
        &mut tx,
        AuthEvent::new("auth.password_reset.requested")
            .subject(user)
            .ip(&ip),
    )
    .await?;
    tx.commit().await?;
    spawn_dispatch(&state, tenant);
    Ok(StatusCode::ACCEPTED)
}

/// Set a new password with the token from a reset e-mail; signs out every session.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    request_body = TokenWithPassword,
    responses((status = 204), ErrorResponses))]
async fn confirm_password_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(input): AppJson<TokenWithPassword>,
) -> ApiResult<StatusCode> {
    enforce_limit(&state, attempts_limit(&state, "reset-ip"), &ip).await?;
    let password = NewPassword::parse("password", &input.password)?;
    let tenant = opaque::tenant_of(opaque::RESET, input.token.trim())
        .ok_or_else(|| invalid_token("reset link"))?;
    let mut tx = begin_tenant_tx(&state.db, tenant, None).await?;
    let user =
        db::user_tokens::consume(&mut tx, input.token.trim(), db::user_tokens::PASSWORD_RESET)
            .await?
            .ok_or_else(|| invalid_token("reset link"))?;
    let hash = hash_blocking(password).await?;
    db::users::set_password(&mut tx, user, &hash).await?;
    db::sessions::revoke_all_of_user(&mut tx, user, None, "password_reset").await?;
    audit::record(
        &mut tx,
        AuthEvent::new("auth.password_reset.completed")
            .actor(user)
            .subject(user)
            .ip(&ip),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accept an invitation: choose a password with the token from the invitation e-mail.
#[utoipa::path(post, path = "/api/v1/auth/invitations/accept", tag = "auth",
    request_body = TokenWithPassword,
    responses((status = 204), ErrorResponses))]
async fn accept_invitation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(input): AppJson<TokenWithPassword>,
) -> ApiResult<StatusCode> {
    enforce_limit(&state, attempts_limit(&state, "invite-ip"), &ip).await?;
    let password = NewPassword::parse("password", &input.password)?;
    let tenant = opaque::tenant_of(opaque::INVITE, input.token.trim())
        .ok_or_else(|| invalid_token("invitation"))?;
    let mut tx = begin_tenant_tx(&state.db, tenant, None).await?;
    let user = db::user_tokens::consume(&mut tx, input.token.trim(), db::user_tokens::INVITE)
        .await?
        .ok_or_else(|| invalid_token("invitation"))?;
    let hash = hash_blocking(password).await?;
    db::users::set_password(&mut tx, user, &hash).await?;
    audit::record(
        &mut tx,
        AuthEvent::new("auth.invitation.accepted")
            .actor(user)
            .subject(user)
            .ip(&ip),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A JSON Web Key set.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JwkSet {
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<PublicJwk>,
}

/// The public keys that verify access tokens (EdDSA, Ed25519), by key id.
#[utoipa::path(get, path = "/api/v1/auth/jwks", tag = "auth",
    responses((status = 200, body = JwkSet), ErrorResponses))]
async fn jwks(State(state): State<AppState>) -> ApiResult<AppJson<JwkSet>> {
    let keys = state.keys.jwks().await.map_err(ApiError::Internal)?;
    Ok(AppJson(JwkSet { keys }))
}

/// Delivers the tenant's queued e-mail after the transaction that queued it commits.
pub(crate) fn spawn_dispatch(state: &AppState, tenant: Uuid) {
    let (db, sender) = (state.db.clone(), state.email.clone());
    tokio::spawn(async move {
        if let Err(e) = email::dispatch(&db, tenant, sender.as_ref()).await {
            tracing::error!(error = format!("{e:#}"), "e-mail dispatch failed");
        }
    });
}
