//! Administration pages: users, roles, API keys, the audit log, and the user's own
//! two-factor sign-in settings.

use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dioxus::prelude::*;
use serde::Deserialize;
use shared_types::api::ErrorCode;
use shared_types::identity::RefreshRequest;
use uuid::Uuid;

use crate::db;
use crate::db::events::EventFilter;
use crate::http::ctx::ClientIp;
use crate::http::extract::Paging;
use crate::state::AppState;
use crate::web::i18n::Key;
use crate::web::layout::{app_page, CsrfField, Nav, Shell};
use crate::web::pages::{encode, pager, table_region, when};
use crate::web::session::{cookies, require_csrf, session_cookies, WebTx, REFRESH_COOKIE};
use crate::web::WebResult;

/// `GET /app/admin/users`
pub async fn users(mut w: WebTx) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Users).await?;
    let lang = shell.lang;
    let (users, _) = db::users::list(
        w.conn(),
        Paging {
            limit: 500,
            offset: 0,
        },
    )
    .await?;
    w.commit().await?;
    let body = rsx! {
        h1 { {lang.t(Key::UsersTitle)} }
        {table_region(lang.t(Key::UsersTitle), rsx! {
            table {
                thead { tr {
                    th { scope: "col", {lang.t(Key::ColName)} }
                    th { scope: "col", {lang.t(Key::ColEmail)} }
                    th { scope: "col", {lang.t(Key::ColRoles)} }
                    th { scope: "col", {lang.t(Key::ColStatus)} }
                } }
                tbody {
                    for u in users.iter() {
                        tr {
                            th { scope: "row", "{u.display_name}" }
                            td { "{u.email}" }
                            td { {u.roles.join(", ")} }
                            td { if u.is_active { {lang.t(Key::Active)} } else { {lang.t(Key::Inactive)} } }
                        }
                    }
                }
            }
        })}
    };
    Ok(app_page(&shell, lang.t(Key::UsersTitle), body).into_response())
}

/// `GET /app/admin/roles`
pub async fn roles(mut w: WebTx) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Roles).await?;
    let lang = shell.lang;
    let roles = db::roles::list(w.conn()).await?;
    w.commit().await?;
    let body = rsx! {
        h1 { {lang.t(Key::RolesTitle)} }
        ul { class: "cards",
            for r in roles.iter() {
                li { class: "card",
                    h2 { "{r.name} " span { class: "badge", if r.built_in { {lang.t(Key::BuiltIn)} } else { {lang.t(Key::Custom)} } } }
                    p { class: "muted", code { "{r.key}" } " {r.description}" }
                    details {
                        summary { {lang.t(Key::ColPermissions)} " ({r.permissions.len()})" }
                        ul { class: "perm-list",
                            for p in r.permissions.iter() { li { code { "{p}" } } }
                        }
                    }
                }
            }
        }
    };
    Ok(app_page(&shell, lang.t(Key::RolesTitle), body).into_response())
}

/// `GET /app/admin/api-keys`
pub async fn api_keys(mut w: WebTx) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::ApiKeys).await?;
    let lang = shell.lang;
    let keys = db::api_keys::list(w.conn()).await?;
    w.commit().await?;
    let csrf = shell.csrf.clone();
    let body = rsx! {
        h1 { {lang.t(Key::ApiKeysTitle)} }
        if keys.is_empty() {
            p { class: "muted", {lang.t(Key::NoApiKeys)} }
        } else {
            {table_region(lang.t(Key::ApiKeysTitle), rsx! {
                table {
                    thead { tr {
                        th { scope: "col", {lang.t(Key::ColName)} }
                        th { scope: "col", {lang.t(Key::ColCode)} }
                        th { scope: "col", {lang.t(Key::ColPermissions)} }
                        th { scope: "col", {lang.t(Key::ColCreated)} }
                        th { scope: "col", {lang.t(Key::ColLastUsed)} }
                        th { scope: "col", {lang.t(Key::ColActions)} }
                    } }
                    tbody {
                        for k in keys.iter() {
                            tr {
                                th { scope: "row", "{k.name}" }
                                td { code { "{k.prefix}…" } }
                                td { {k.permissions.join(", ")} }
                                td { {when(lang, k.created_at)} }
                                td { {k.last_used_at.map(|t| when(lang, t)).unwrap_or_else(|| lang.t(Key::Never).to_owned())} }
                                td {
                                    if k.revoked_at.is_some() {
                                        {lang.t(Key::Revoked)}
                                    } else {
                                        form { method: "post", action: "/app/admin/api-keys/{k.id}/revoke",
                                            CsrfField { token: csrf.clone() }
                                            button { r#type: "submit", class: "danger", {lang.tf(Key::Revoke, &[("name", &k.name)])} }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            })}
        }
    };
    Ok(app_page(&shell, lang.t(Key::ApiKeysTitle), body).into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// `POST /app/admin/api-keys/{id}/revoke`
pub async fn revoke_api_key(
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    mut w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    require_csrf(&headers, &f.csrf, w.accept_lang)?;
    crate::http::api_keys::revoke(&mut w.tx, &ip, id).await?;
    w.commit().await?;
    Ok(Redirect::to("/app/admin/api-keys").into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    offset: Option<i64>,
}

const AUDIT_PAGE: i64 = 50;

/// `GET /app/admin/audit`: newest first.
pub async fn audit(mut w: WebTx, Query(q): Query<AuditQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Audit).await?;
    let lang = shell.lang;
    let filter = EventFilter {
        kind: Some(q.kind.trim().to_owned()).filter(|k| !k.is_empty()),
        ..EventFilter::default()
    };
    let offset = q.offset.unwrap_or(0).max(0);
    // The log is stored oldest first; page from the end.
    let (_, total) = db::events::list(
        w.conn(),
        &filter,
        Paging {
            limit: 1,
            offset: 0,
        },
    )
    .await?;
    let end = (total - offset).max(0);
    let start = (end - AUDIT_PAGE).max(0);
    let (mut events, _) = db::events::list(
        w.conn(),
        &filter,
        Paging {
            limit: (end - start).max(1),
            offset: start,
        },
    )
    .await?;
    if end == 0 {
        events.clear();
    }
    events.reverse();
    w.commit().await?;
    let query = if q.kind.is_empty() {
        String::new()
    } else {
        format!("kind={}", encode(&q.kind))
    };
    let body = rsx! {
        h1 { {lang.t(Key::AuditTitle)} }
        p { class: "muted", {lang.t(Key::AuditIntro)} }
        form { class: "filters", method: "get", action: "/app/admin/audit", role: "search",
            "aria-label": "{lang.t(Key::AuditTitle)}",
            div { class: "field",
                label { r#for: "kind", {lang.t(Key::AuditFilterLabel)} }
                input { id: "kind", name: "kind", value: "{q.kind}" }
            }
            button { r#type: "submit", {lang.t(Key::ApplyFilters)} }
        }
        if events.is_empty() {
            p { class: "muted", {lang.t(Key::NoEvents)} }
        } else {
            {table_region(lang.t(Key::AuditTitle), rsx! {
                table {
                    thead { tr {
                        th { scope: "col", {lang.t(Key::ColSeq)} }
                        th { scope: "col", {lang.t(Key::ColDate)} }
                        th { scope: "col", {lang.t(Key::ColKind)} }
                        th { scope: "col", {lang.t(Key::ColSubject)} }
                        th { scope: "col", {lang.t(Key::ColDetails)} }
                    } }
                    tbody {
                        for e in events.iter() {
                            tr {
                                td { "{e.seq}" }
                                td { {when(lang, e.created_at)} }
                                td { code { "{e.kind}" } }
                                td { {e.subject_type.clone().unwrap_or_default()} }
                                td { class: "details wrap", code { {compact(&e.data)} } }
                            }
                        }
                    }
                }
            })}
        }
        {pager(lang, "/app/admin/audit", &query, offset, AUDIT_PAGE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::AuditTitle), body).into_response())
}

fn compact(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(119).collect::<String>())
    } else {
        s
    }
}

enum MfaStep {
    Status,
    Enrolling { secret: String, qr: String },
    Done { codes: Vec<String> },
}

async fn mfa_page(mut w: WebTx, step: MfaStep, error: Option<Key>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Mfa).await?;
    let lang = shell.lang;
    let user = w.ctx().user_id;
    let enrolled = db::mfa::is_enrolled(w.conn(), user).await?;
    w.commit().await?;
    let csrf = shell.csrf.clone();
    let body = rsx! {
        h1 { {lang.t(Key::MfaSettingsTitle)} }
        if shell.mfa_setup {
            p { class: "notice", role: "alert", {lang.t(Key::MfaRequiredNotice)} }
        }
        if let Some(e) = error {
            p { class: "error", role: "alert", {lang.t(e)} }
        }
        match step {
            MfaStep::Status => rsx! {
                if enrolled {
                    p { class: "ok", {lang.t(Key::MfaOn)} }
                } else {
                    p { {lang.t(Key::MfaOff)} }
                    form { method: "post", action: "/app/settings/mfa/enroll",
                        CsrfField { token: csrf }
                        button { r#type: "submit", {lang.t(Key::MfaStart)} }
                    }
                }
            },
            MfaStep::Enrolling { secret, qr } => rsx! {
                p { {lang.t(Key::MfaScan)} }
                img { class: "qr", src: "{qr}", alt: "{lang.t(Key::MfaQrAlt)}", width: "200", height: "200" }
                p { {lang.t(Key::MfaSecretLabel)} ": " code { id: "mfa-secret", "{secret}" } }
                form { class: "stack", method: "post", action: "/app/settings/mfa/confirm",
                    CsrfField { token: csrf }
                    label { r#for: "code", {lang.t(Key::MfaCodeLabel)} }
                    input { id: "code", name: "code", inputmode: "numeric", autocomplete: "one-time-code", required: true }
                    button { r#type: "submit", {lang.t(Key::MfaConfirm)} }
                }
            },
            MfaStep::Done { codes } => rsx! {
                p { class: "ok", {lang.t(Key::MfaOn)} }
                h2 { {lang.t(Key::MfaBackupCodes)} }
                p { {lang.t(Key::MfaBackupIntro)} }
                ul { class: "backup-codes", for c in codes.iter() { li { code { "{c}" } } } }
                p { a { href: "/app", {lang.t(Key::ContinueToDashboard)} } }
            },
        }
    };
    Ok(app_page(&shell, lang.t(Key::MfaSettingsTitle), body).into_response())
}

/// `GET /app/settings/mfa`
pub async fn mfa(w: WebTx) -> WebResult<Response> {
    mfa_page(w, MfaStep::Status, None).await
}

/// `POST /app/settings/mfa/enroll`
pub async fn mfa_enroll(
    headers: HeaderMap,
    mut w: WebTx,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    require_csrf(&headers, &f.csrf, w.accept_lang)?;
    let e = crate::http::mfa::start_totp(&mut w.tx).await?;
    mfa_page(
        w,
        MfaStep::Enrolling {
            secret: e.secret,
            qr: e.qr_png_data_url,
        },
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    code: String,
}

/// `POST /app/settings/mfa/confirm`: switches MFA on and shows the backup codes once.
/// A user the tenant forced to enrol gets a fresh session token without that limit.
pub async fn mfa_confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    mut w: WebTx,
    Form(f): Form<ConfirmForm>,
) -> WebResult<Response> {
    require_csrf(&headers, &f.csrf, w.accept_lang)?;
    match crate::http::mfa::confirm_totp_code(&mut w.tx, &ip, f.code.trim()).await {
        Ok(codes) => {
            let was_setup = w.ctx().mfa_setup;
            let mut resp = mfa_page(
                w,
                MfaStep::Done {
                    codes: codes.backup_codes,
                },
                None,
            )
            .await?;
            if was_setup {
                if let Some(rt) = cookies(&headers).remove(REFRESH_COOKIE) {
                    let input = RefreshRequest { refresh_token: rt };
                    if let Ok(tokens) = crate::http::auth::refresh_tokens(&state, &ip, input).await
                    {
                        for c in session_cookies(&state, &tokens) {
                            resp.headers_mut().append(SET_COOKIE, c);
                        }
                    }
                }
            }
            Ok(resp)
        }
        Err(e) if e.code() == ErrorCode::InvalidMfaCode => {
            // Start over with a fresh secret rather than re-showing the old one.
            mfa_page(w, MfaStep::Status, Some(Key::MfaWrongCode)).await
        }
        Err(e) => Err(e.into()),
    }
}
