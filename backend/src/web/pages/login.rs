//! Sign-in (password, then the MFA code when enrolled) and sign-out, through the
//! API's own sign-in functions; the tokens go into HttpOnly cookies.

use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dioxus::prelude::*;
use serde::Deserialize;
use shared_types::api::ErrorCode;
use shared_types::identity::{LoginRequest, LoginResponse, MfaVerifyRequest, TokenResponse};

use crate::http::auth::{password_login, sign_out, verify_mfa};
use crate::http::ctx::ClientIp;
use crate::state::AppState;
use crate::web::i18n::{Key, Lang};
use crate::web::layout::{bare_page, CsrfField};
use crate::web::session::{
    clear_session_cookies, cookies, request_lang, require_csrf, session_cookies, WebTx, CSRF_COOKIE,
};
use crate::web::WebResult;

#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    pub tenant: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    tenant: String,
    email: String,
    password: String,
}

#[derive(Deserialize)]
pub struct MfaForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    ticket: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    backup_code: String,
}

fn csrf_of(headers: &HeaderMap) -> String {
    cookies(headers).remove(CSRF_COOKIE).unwrap_or_default()
}

fn login_view(lang: Lang, csrf: &str, tenant: &str, email: &str, error: Option<Key>) -> Element {
    let csrf = csrf.to_owned();
    rsx! {
        h1 { {lang.t(Key::LoginTitle)} }
        p { {lang.t(Key::LoginIntro)} }
        if let Some(e) = error {
            p { class: "error", role: "alert", id: "login-error", {lang.t(e)} }
        }
        form { class: "stack", method: "post", action: "/app/login",
            CsrfField { token: csrf }
            label { r#for: "tenant", {lang.t(Key::TenantLabel)} }
            input { id: "tenant", name: "tenant", required: true, autocomplete: "organization",
                value: "{tenant}", "aria-describedby": "tenant-hint" }
            p { id: "tenant-hint", class: "hint", {lang.t(Key::TenantHint)} }
            label { r#for: "email", {lang.t(Key::EmailLabel)} }
            input { id: "email", name: "email", r#type: "email", required: true,
                autocomplete: "username", value: "{email}" }
            label { r#for: "password", {lang.t(Key::PasswordLabel)} }
            input { id: "password", name: "password", r#type: "password", required: true,
                autocomplete: "current-password" }
            button { r#type: "submit", {lang.t(Key::SignIn)} }
        }
    }
}

fn mfa_view(lang: Lang, csrf: &str, ticket: &str, error: Option<Key>) -> Element {
    let csrf = csrf.to_owned();
    rsx! {
        h1 { {lang.t(Key::MfaTitle)} }
        p { {lang.t(Key::MfaIntro)} }
        if let Some(e) = error {
            p { class: "error", role: "alert", {lang.t(e)} }
        }
        form { class: "stack", method: "post", action: "/app/login/mfa",
            CsrfField { token: csrf }
            input { r#type: "hidden", name: "ticket", value: "{ticket}" }
            label { r#for: "code", {lang.t(Key::MfaCodeLabel)} }
            input { id: "code", name: "code", inputmode: "numeric", autocomplete: "one-time-code",
                pattern: "[0-9]{{6}}", maxlength: "6", autofocus: true }
            label { r#for: "backup_code", {lang.t(Key::MfaBackupLabel)} }
            input { id: "backup_code", name: "backup_code", autocomplete: "off" }
            button { r#type: "submit", {lang.t(Key::MfaVerify)} }
        }
    }
}

/// `GET /app/login`
pub async fn form(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let lang = request_lang(&headers);
    let csrf = csrf_of(&headers);
    bare_page(
        lang,
        lang.t(Key::LoginTitle),
        login_view(lang, &csrf, q.tenant.as_deref().unwrap_or(""), "", None),
    )
    .into_response()
}

fn signed_in(state: &AppState, tokens: &TokenResponse) -> Response {
    let mut resp = Redirect::to("/app").into_response();
    for c in session_cookies(state, tokens) {
        resp.headers_mut().append(SET_COOKIE, c);
    }
    resp
}

/// `POST /app/login`
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> WebResult<Response> {
    let lang = request_lang(&headers);
    require_csrf(&headers, &f.csrf, lang)?;
    let csrf = csrf_of(&headers);
    let input = LoginRequest {
        tenant: f.tenant.clone(),
        email: f.email.clone(),
        password: f.password,
    };
    match password_login(&state, &ip, &headers, input).await {
        Ok(LoginResponse::Ok(tokens)) => Ok(signed_in(&state, &tokens)),
        Ok(LoginResponse::MfaRequired(challenge)) => Ok(bare_page(
            lang,
            lang.t(Key::MfaTitle),
            mfa_view(lang, &csrf, &challenge.mfa_ticket, None),
        )
        .into_response()),
        Err(e) => {
            let key = match e.code() {
                ErrorCode::AccountLocked | ErrorCode::RateLimited => Key::LoginLocked,
                ErrorCode::InvalidCredentials => Key::LoginFailed,
                _ => return Err(crate::web::WebError::from_api(e, lang)),
            };
            Ok((
                e.status(),
                bare_page(
                    lang,
                    lang.t(Key::LoginTitle),
                    login_view(lang, &csrf, &f.tenant, &f.email, Some(key)),
                ),
            )
                .into_response())
        }
    }
}

/// `POST /app/login/mfa`
pub async fn submit_mfa(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<MfaForm>,
) -> WebResult<Response> {
    let lang = request_lang(&headers);
    require_csrf(&headers, &f.csrf, lang)?;
    let csrf = csrf_of(&headers);
    let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let input = MfaVerifyRequest {
        mfa_ticket: f.ticket.clone(),
        code: non_empty(&f.code),
        backup_code: if non_empty(&f.code).is_some() {
            None
        } else {
            non_empty(&f.backup_code)
        },
    };
    match verify_mfa(&state, &ip, &headers, input).await {
        Ok(tokens) => Ok(signed_in(&state, &tokens)),
        Err(e) => {
            let (key, ticket_ok) = match e.code() {
                ErrorCode::InvalidToken => (Key::MfaExpired, false),
                ErrorCode::RateLimited => (Key::LoginLocked, true),
                _ => (Key::MfaFailed, true),
            };
            let body = if ticket_ok {
                mfa_view(lang, &csrf, &f.ticket, Some(key))
            } else {
                login_view(lang, &csrf, "", "", Some(key))
            };
            let status = if e.status() == StatusCode::UNPROCESSABLE_ENTITY {
                StatusCode::UNAUTHORIZED
            } else {
                e.status()
            };
            Ok((status, bare_page(lang, lang.t(Key::MfaTitle), body)).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// `POST /app/logout`: ends the session (as the API's logout does) and clears the cookies.
pub async fn logout(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    w: WebTx,
    Form(f): Form<CsrfOnly>,
) -> WebResult<Response> {
    require_csrf(&headers, &f.csrf, w.accept_lang)?;
    sign_out(w.tx, &ip).await?;
    let mut resp = Redirect::to("/app/login").into_response();
    for c in clear_session_cookies(&state) {
        resp.headers_mut().append(SET_COOKIE, c);
    }
    Ok(resp)
}
