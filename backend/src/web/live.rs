//! Live figures for the web view. The page script opens `GET /app/live`, a WebSocket
//! authenticated by the session cookie (a page cannot read the HttpOnly token to use
//! `/api/v1/ws`), which streams the same events with the same permission filter as
//! `/api/v1/ws`. When a `stock.moved` event names a product shown on the page, the
//! script asks `GET /app/live/on-hand` for the new figures, formatted in the user's
//! language, and swaps them in.

use std::collections::BTreeMap;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use crate::db;
use crate::domain::permissions::Permission;
use crate::state::AppState;
use crate::web::i18n::{Key, Lang};
use crate::web::session::WebTx;
use crate::web::{WebError, WebResult};

/// The browser's `Origin` names this server (no other site may open the socket with
/// the user's cookie).
pub fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    match (host, origin) {
        (Some(h), Some(o)) => o
            .split_once("://")
            .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && rest == h),
        _ => false,
    }
}

/// `GET /app/live` (WebSocket).
pub async fn socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut w: WebTx,
    upgrade: WebSocketUpgrade,
) -> WebResult<Response> {
    if !same_origin(&headers) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let tenant = w.ctx().tenant_id;
    let user = w.ctx().user_id;
    let perms: Vec<Permission> = w.ctx().permissions.iter().copied().collect();
    let viewer = crate::live::Viewer::load(w.conn(), tenant, user, perms).await?;
    w.commit().await?;
    Ok(upgrade
        .on_upgrade(move |s| crate::live::session(state, viewer, None, s))
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct OnHandQuery {
    /// Comma-separated product ids.
    #[serde(default)]
    ids: String,
}

/// `GET /app/live/on-hand?ids=a,b`: each product's on-hand quantity (all warehouses),
/// formatted for the user.
pub async fn on_hand(
    mut w: WebTx,
    Query(q): Query<OnHandQuery>,
) -> WebResult<Json<BTreeMap<Uuid, String>>> {
    let ids: Vec<Uuid> = q
        .ids
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .take(200)
        .collect();
    let lang = user_lang(&mut w).await?;
    if ids.is_empty() {
        return Err(WebError::NotFound(lang));
    }
    let figures = db::views::on_hand_of(w.conn(), &ids).await?;
    w.commit().await?;
    Ok(Json(
        ids.into_iter()
            .map(|id| {
                let v = figures.get(&id).copied().unwrap_or_default();
                (id, lang.qty(v))
            })
            .collect(),
    ))
}

/// A count session's progress as the pages show it.
#[derive(Debug, serde::Serialize)]
pub struct CountFigures {
    pub counted: i64,
    pub posted: i64,
    /// "3 lines counted, 1 posted", in the user's language.
    pub label: String,
}

/// `GET /app/live/counts?ids=a,b`: each count session's progress, formatted for the
/// user (the count page and the dashboard's open-counts widget).
pub async fn counts(
    mut w: WebTx,
    Query(q): Query<OnHandQuery>,
) -> WebResult<Json<BTreeMap<Uuid, CountFigures>>> {
    let ids: Vec<Uuid> = q
        .ids
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .take(50)
        .collect();
    let lang = user_lang(&mut w).await?;
    if ids.is_empty() {
        return Err(WebError::NotFound(lang));
    }
    let rows = db::views::count_progress_of(w.conn(), &ids).await?;
    w.commit().await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| {
                let label = lang.tf(
                    Key::CountProgress,
                    &[
                        ("counted", &c.counted.to_string()),
                        ("posted", &c.posted.to_string()),
                    ],
                );
                (
                    c.session_id,
                    CountFigures {
                        counted: c.counted,
                        posted: c.posted,
                        label,
                    },
                )
            })
            .collect(),
    ))
}

async fn user_lang(w: &mut WebTx) -> WebResult<Lang> {
    let user = w.ctx().user_id;
    Ok(db::preferences::get(w.conn(), user)
        .await?
        .language
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or(w.accept_lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_this_origin_may_open_the_socket() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!same_origin(&h), "no Origin, no socket");
        h.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h));
        h.insert(
            ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080.evil.example"),
        );
        assert!(!same_origin(&h));
    }
}
