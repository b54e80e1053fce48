//! The web view's session: the API's access and refresh tokens kept in HttpOnly,
//! SameSite=Strict cookies, a double-submit CSRF token for every form, and the
//! [`WebTx`] extractor that turns the cookie into the same tenant transaction
//! (`TenantTx::open`: live session, permissions, RLS) the JSON API uses.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use shared_types::identity::{RefreshRequest, TokenResponse};

use crate::auth::token::{Claims, TokenError};
use crate::error::ApiError;
use crate::http::access::Access;
use crate::http::ctx::{client_ip, Ctx, TenantTx};
use crate::state::AppState;
use crate::web::i18n::Lang;
use crate::web::WebError;

pub const ACCESS_COOKIE: &str = "elevate_at";
pub const REFRESH_COOKIE: &str = "elevate_rt";
pub const CSRF_COOKIE: &str = "elevate_csrf";

/// The cookies a request carries.
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect()
}

fn secure(state: &AppState) -> bool {
    state.settings.auth.public_url.starts_with("https://")
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/app`, Secure over https.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if secure(state) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/app; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The cookies that hold a freshly issued token pair.
pub fn session_cookies(state: &AppState, tokens: &TokenResponse) -> Vec<HeaderValue> {
    let ttl = state.settings.auth.session_ttl_secs;
    vec![
        set_cookie(state, ACCESS_COOKIE, &tokens.access_token, ttl),
        set_cookie(state, REFRESH_COOKIE, &tokens.refresh_token, ttl),
    ]
}

pub fn clear_session_cookies(state: &AppState) -> Vec<HeaderValue> {
    vec![
        set_cookie(state, ACCESS_COOKIE, "", 0),
        set_cookie(state, REFRESH_COOKIE, "", 0),
    ]
}

fn new_csrf_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Constant-time check of a form's CSRF field against the cookie.
pub fn csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    let Some(expected) = cookies(headers).remove(CSRF_COOKIE) else {
        return false;
    };
    let (a, b) = (expected.as_bytes(), submitted.as_bytes());
    a.len() == b.len()
        && !a.is_empty()
        && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Fails with the "form expired" error unless the CSRF field matches the cookie.
pub fn require_csrf(headers: &HeaderMap, submitted: &str, lang: Lang) -> Result<(), WebError> {
    if csrf_ok(headers, submitted) {
        Ok(())
    } else {
        Err(WebError::Csrf(lang))
    }
}

/// Refreshes of the same refresh token within this window get the same answer, so
/// parallel requests of one page after the access token expired do not look like
/// refresh-token reuse (which would end the session).
const REFRESH_REUSE_WINDOW: Duration = Duration::from_secs(30);

type RecentRefreshes = HashMap<String, (Instant, TokenResponse)>;
static RECENT_REFRESHES: LazyLock<tokio::sync::Mutex<RecentRefreshes>> =
    LazyLock::new(Default::default);

async fn refresh_once(state: &AppState, ip: &str, refresh_token: &str) -> Option<TokenResponse> {
    let mut recent = RECENT_REFRESHES.lock().await;
    recent.retain(|_, (at, _)| at.elapsed() < REFRESH_REUSE_WINDOW);
    if let Some((_, tokens)) = recent.get(refresh_token) {
        return Some(tokens.clone());
    }
    let input = RefreshRequest {
        refresh_token: refresh_token.to_owned(),
    };
    let tokens = crate::http::auth::refresh_tokens(state, ip, input)
        .await
        .ok()?;
    recent.insert(refresh_token.to_owned(), (Instant::now(), tokens.clone()));
    Some(tokens)
}

/// Middleware of every `/app` route: makes sure a CSRF cookie exists, and renews an
/// expired access token from the refresh cookie before the handler runs. Verified
/// claims are handed to [`WebTx`] in the request's extensions.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if req.uri().path().starts_with("/app/static/") {
        return next.run(req).await;
    }
    let mut jar = cookies(req.headers());
    let mut set: Vec<HeaderValue> = Vec::new();
    if !jar.contains_key(CSRF_COOKIE) {
        let token = new_csrf_token();
        set.push(set_cookie(
            &state,
            CSRF_COOKIE,
            &token,
            state.settings.auth.session_ttl_secs,
        ));
        jar.insert(CSRF_COOKIE.into(), token);
    }
    let mut claims: Option<Claims> = None;
    if let Some(at) = jar.get(ACCESS_COOKIE).filter(|v| !v.is_empty()) {
        match state.keys.verify_access(at).await {
            Ok(c) => claims = Some(c),
            Err(TokenError::Unavailable(e)) => {
                tracing::error!(error = format!("{e:#}"), "token keys unavailable");
            }
            Err(_) => {}
        }
    }
    if claims.is_none() {
        if let Some(rt) = jar.get(REFRESH_COOKIE).filter(|v| !v.is_empty()).cloned() {
            let ip = {
                let (parts, body) = req.into_parts();
                let ip = client_ip(&parts);
                req = Request::from_parts(parts, body);
                ip
            };
            match refresh_once(&state, &ip, &rt).await {
                Some(tokens) => {
                    claims = state.keys.verify_access(&tokens.access_token).await.ok();
                    set.extend(session_cookies(&state, &tokens));
                    jar.insert(ACCESS_COOKIE.into(), tokens.access_token);
                    jar.insert(REFRESH_COOKIE.into(), tokens.refresh_token);
                }
                None => {
                    set.extend(clear_session_cookies(&state));
                    jar.remove(ACCESS_COOKIE);
                    jar.remove(REFRESH_COOKIE);
                }
            }
        }
    }
    let header: String = jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    req.headers_mut().remove(COOKIE);
    if let Ok(v) = HeaderValue::from_str(&header) {
        req.headers_mut().insert(COOKIE, v);
    }
    if let Some(c) = claims {
        req.extensions_mut().insert(VerifiedClaims(c));
    }
    let mut resp = next.run(req).await;
    for c in set {
        resp.headers_mut().append(SET_COOKIE, c);
    }
    resp
}

#[derive(Clone)]
struct VerifiedClaims(Claims);

/// The language a request prefers (before the user's preference is known).
pub fn request_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or_default()
}

/// Paths a user who still has to enrol in MFA may open.
fn allowed_during_mfa_setup(path: &str) -> bool {
    path.starts_with("/app/settings/mfa") || path == "/app/logout" || path == "/app/preferences"
}

/// The signed-in user's tenant transaction, from the session cookie.
pub struct WebTx {
    pub tx: TenantTx,
    /// The CSRF token to embed in forms.
    pub csrf: String,
    /// The language the request asked for (the stored preference wins later).
    pub accept_lang: Lang,
}

impl FromRequestParts<AppState> for WebTx {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let accept_lang = request_lang(&parts.headers);
        let claims = parts
            .extensions
            .get::<VerifiedClaims>()
            .map(|c| c.0.clone())
            .ok_or(WebError::SignIn)?;
        let ctx = Ctx::from_claims(claims);
        let access = parts.extensions.get::<Access>().copied();
        let during_setup = allowed_during_mfa_setup(parts.uri.path());
        let tx = TenantTx::open(state, ctx, access, during_setup)
            .await
            .map_err(|e| WebError::from_api(e, accept_lang))?;
        tracing::Span::current().record("tenant_id", tracing::field::display(tx.ctx.tenant_id));
        tracing::Span::current().record("user_id", tracing::field::display(tx.ctx.user_id));
        let csrf = cookies(&parts.headers)
            .remove(CSRF_COOKIE)
            .unwrap_or_default();
        Ok(Self {
            tx,
            csrf,
            accept_lang,
        })
    }
}

impl WebTx {
    pub fn conn(&mut self) -> &mut sqlx::PgConnection {
        self.tx.conn()
    }

    pub fn ctx(&self) -> &Ctx {
        &self.tx.ctx
    }

    pub async fn commit(self) -> Result<(), ApiError> {
        self.tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_parsed_from_every_header() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; elevate_csrf=abc"));
        h.append(COOKIE, HeaderValue::from_static("b=2"));
        let jar = cookies(&h);
        assert_eq!(jar.get("elevate_csrf").map(String::as_str), Some("abc"));
        assert_eq!(jar.get("b").map(String::as_str), Some("2"));
        assert!(csrf_ok(&h, "abc"));
        assert!(!csrf_ok(&h, "abd"));
        assert!(!csrf_ok(&h, ""));
        assert!(!csrf_ok(&HeaderMap::new(), ""));
    }
}
