//! TOTP enrolment and the tenant's MFA policy.

use axum::http::StatusCode;
use serde_json::json;
use shared_types::api::ErrorCode;
use shared_types::identity::{BackupCodes, MfaPolicy, TotpCode, TotpEnrolment};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::audit::{self, AuthEvent};
use crate::auth::totp;
use crate::db;
use crate::domain::permissions::Permission;
use crate::error::{ApiError, ApiResult};
use crate::http::access::{authenticated, guarded};
use crate::http::ctx::{ClientIp, TenantTx};
use crate::http::extract::AppJson;
use crate::http::ErrorResponses;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(authenticated(routes!(enroll_totp)))
        .routes(authenticated(routes!(confirm_totp)))
        .routes(guarded(Permission::TenantRead, routes!(get_mfa_policy)))
        .routes(guarded(Permission::TenantManage, routes!(set_mfa_policy)))
}

/// Whether the tenant's settings require a second factor of a user with `roles`.
pub fn mfa_required_for(settings: &serde_json::Value, roles: &[String]) -> bool {
    let policy = &settings["mfa"];
    match policy["require"].as_str() {
        Some("all") => true,
        Some("roles") => policy["roles"].as_array().is_some_and(|req| {
            req.iter()
                .any(|r| r.as_str().is_some_and(|r| roles.iter().any(|u| u == r)))
        }),
        _ => false,
    }
}

/// Start TOTP enrolment: a new secret as otpauth URL and QR code. Confirm it with a
/// code to switch MFA on.
#[utoipa::path(post, path = "/api/v1/auth/mfa/totp/enroll", tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = TotpEnrolment), ErrorResponses))]
async fn enroll_totp(mut tx: TenantTx) -> ApiResult<AppJson<TotpEnrolment>> {
    let e = start_totp(&mut tx).await?;
    tx.commit().await?;
    Ok(AppJson(e))
}

/// Starts TOTP enrolment for the caller (the caller commits); shared with the web view.
pub(crate) async fn start_totp(tx: &mut TenantTx) -> ApiResult<TotpEnrolment> {
    let user_id = tx.ctx.user_id;
    let user = db::users::get(tx.conn(), user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    if db::mfa::is_enrolled(tx.conn(), user_id).await? {
        return Err(ApiError::conflict(
            "mfa",
            "Two-factor sign-in is already on for this account.",
        ));
    }
    let secret = totp::new_secret();
    db::mfa::start_enrolment(tx.conn(), user_id, &secret).await?;
    let e = totp::enrolment(&secret, "ElevateCRM", &user.email).map_err(ApiError::Internal)?;
    Ok(TotpEnrolment {
        secret: e.secret_base32,
        otpauth_url: e.otpauth_url,
        qr_png_data_url: e.qr_png_data_url,
    })
}

/// Confirm TOTP enrolment with a code from the app; answers the ten backup codes,
/// shown this once.
#[utoipa::path(post, path = "/api/v1/auth/mfa/totp/confirm", tag = "auth",
    security(("bearer" = [])), request_body = TotpCode,
    responses((status = 200, body = BackupCodes), ErrorResponses))]
async fn confirm_totp(
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppJson(input): AppJson<TotpCode>,
) -> ApiResult<AppJson<BackupCodes>> {
    let codes = confirm_totp_code(&mut tx, &ip, &input.code).await?;
    tx.commit().await?;
    Ok(AppJson(codes))
}

/// Confirms enrolment with a code and issues backup codes (the caller commits);
/// shared with the web view.
pub(crate) async fn confirm_totp_code(
    tx: &mut TenantTx,
    ip: &str,
    code: &str,
) -> ApiResult<BackupCodes> {
    let user = tx.ctx.user_id;
    let state = db::mfa::totp(tx.conn(), user)
        .await?
        .ok_or_else(|| ApiError::validation("code", "Start enrolment first."))?;
    if state.confirmed {
        return Err(ApiError::conflict(
            "mfa",
            "Two-factor sign-in is already on for this account.",
        ));
    }
    let now = chrono::Utc::now().timestamp() as u64;
    let step = totp::check(&state.secret, code, now, state.last_used_step.max(0) as u64).map_err(
        |_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidMfaCode,
                "The code is not right.",
            )
            .with_details(json!({ "field": "code" }))
        },
    )?;
    db::mfa::accept_step(tx.conn(), user, step).await?;
    let codes = db::mfa::new_backup_codes(tx.conn(), user).await?;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.mfa.enrolled")
            .actor(user)
            .subject(user)
            .ip(ip),
    )
    .await?;
    Ok(BackupCodes {
        backup_codes: codes,
    })
}

/// Who must use a second factor in this tenant.
#[utoipa::path(get, path = "/api/v1/tenant/mfa-policy", tag = "tenants",
    security(("bearer" = [])),
    responses((status = 200, body = MfaPolicy), ErrorResponses))]
async fn get_mfa_policy(mut tx: TenantTx) -> ApiResult<AppJson<MfaPolicy>> {
    let tenant = db::tenants::current(tx.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    let p = &tenant.settings["mfa"];
    Ok(AppJson(MfaPolicy {
        require: p["require"].as_str().unwrap_or("none").to_owned(),
        roles: p["roles"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    }))
}

/// Require a second factor of everyone (`all`), of some roles (`roles`), or nobody (`none`).
#[utoipa::path(put, path = "/api/v1/tenant/mfa-policy", tag = "tenants",
    security(("bearer" = [])), request_body = MfaPolicy,
    responses((status = 200, body = MfaPolicy), ErrorResponses))]
async fn set_mfa_policy(
    mut tx: TenantTx,
    ClientIp(ip): ClientIp,
    AppJson(input): AppJson<MfaPolicy>,
) -> ApiResult<AppJson<MfaPolicy>> {
    if !["none", "all", "roles"].contains(&input.require.as_str()) {
        return Err(ApiError::validation(
            "require",
            "`require` is one of none, all, roles.",
        ));
    }
    let unknown = db::roles::unknown_keys(tx.conn(), &input.roles).await?;
    if !unknown.is_empty() {
        return Err(ApiError::validation(
            "roles",
            format!("Unknown roles: {}.", unknown.join(", ")),
        ));
    }
    let value = json!({ "require": input.require, "roles": input.roles });
    sqlx::query("UPDATE tenants SET settings = jsonb_set(settings, '{mfa}', $1) WHERE id = app_current_tenant()")
        .bind(&value)
        .execute(tx.conn())
        .await?;
    let actor = tx.ctx.user_id;
    audit::record(
        tx.conn(),
        AuthEvent::new("auth.mfa_policy.changed")
            .actor(actor)
            .ip(&ip)
            .details(value),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_by_role() {
        let roles = vec!["sales".to_owned()];
        assert!(!mfa_required_for(&json!({}), &roles));
        assert!(mfa_required_for(
            &json!({ "mfa": { "require": "all" } }),
            &roles
        ));
        assert!(mfa_required_for(
            &json!({ "mfa": { "require": "roles", "roles": ["sales"] } }),
            &roles
        ));
        assert!(!mfa_required_for(
            &json!({ "mfa": { "require": "roles", "roles": ["admin"] } }),
            &roles
        ));
        assert!(!mfa_required_for(
            &json!({ "mfa": { "require": "none", "roles": ["sales"] } }),
            &roles
        ));
    }
}
