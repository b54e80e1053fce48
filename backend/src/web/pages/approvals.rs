//! The approvals inbox: every open approval request (an `approval.requested` event
//! not yet followed by an `approval.decided` on the same subject), newest first, each
//! linking to where it is decided. Count sessions are the kind that exists today.

use axum::response::{IntoResponse, Response};
use dioxus::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::db;
use crate::web::i18n::Key;
use crate::web::layout::{app_page, Nav, Shell};
use crate::web::pages::when;
use crate::web::session::WebTx;
use crate::web::WebResult;

/// One open request, as the inbox shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenRequest {
    pub subject_type: String,
    pub subject_id: Uuid,
    pub data: serde_json::Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub requester: Option<String>,
}

/// Open approval requests, newest first.
pub async fn open_requests(
    conn: &mut sqlx::PgConnection,
    limit: i64,
) -> Result<Vec<OpenRequest>, sqlx::Error> {
    sqlx::query_as(
        "WITH latest AS (
            SELECT DISTINCT ON (subject_type, subject_id)
                   subject_type, subject_id, kind, actor_user_id, data, created_at, seq
              FROM events
             WHERE kind IN ('approval.requested', 'approval.decided') AND subject_id IS NOT NULL
             ORDER BY subject_type, subject_id, seq DESC)
         SELECT l.subject_type, l.subject_id, l.data, l.created_at, u.display_name AS requester
           FROM latest l LEFT JOIN users u ON u.id = l.actor_user_id
          WHERE l.kind = 'approval.requested'
          ORDER BY l.seq DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

fn href(r: &OpenRequest) -> Option<String> {
    match r.subject_type.as_str() {
        "count_session" => Some(format!("/app/counts/{}", r.subject_id)),
        _ => None,
    }
}

/// `GET /app/approvals`
pub async fn inbox(mut w: WebTx) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Approvals).await?;
    let lang = shell.lang;
    let items = open_requests(w.conn(), 100).await?;
    let currency = db::purchasing::base_currency(w.conn()).await?;
    w.commit().await?;
    let body = rsx! {
        h1 { {lang.t(Key::ApprovalsTitle)} }
        p { class: "muted", {lang.t(Key::ApprovalsIntro)} }
        if items.is_empty() {
            p { class: "muted", {lang.t(Key::NoApprovals)} }
        } else {
            ul { class: "notifications", id: "approvals",
                for r in items.iter() { {request_card(lang, r, &currency)} }
            }
        }
    };
    Ok(app_page(&shell, lang.t(Key::ApprovalsTitle), body).into_response())
}

fn request_card(lang: crate::web::i18n::Lang, r: &OpenRequest, currency: &str) -> Element {
    let title = r.data["title"]
        .as_str()
        .unwrap_or(lang.t(Key::ApprovalsTitle))
        .to_owned();
    let by = lang.tf(
        Key::RequestedBy,
        &[
            ("name", r.requester.as_deref().unwrap_or("—")),
            ("when", &when(lang, r.created_at)),
        ],
    );
    let n = |k: &str| r.data[k].as_i64().unwrap_or(0).to_string();
    let value: Decimal = r.data["variance_value"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .or_else(|| {
            r.data["variance_value"]
                .as_f64()
                .and_then(|f| Decimal::try_from(f).ok())
        })
        .unwrap_or_default();
    let facts = lang.tf(
        Key::RequestFacts,
        &[
            ("lines", &n("lines_to_approve")),
            ("over", &n("over_tolerance")),
            ("recount", &n("needs_recount")),
            ("value", &format!("{} {currency}", lang.number(value, 2))),
        ],
    );
    let review = lang.tf(Key::ReviewRequest, &[("title", &title)]);
    rsx! {
        li { class: "card unread", "data-subject": "{r.subject_id}",
            h2 { "{title}" }
            p { "{facts}" }
            p { class: "muted", "{by}" }
            if let Some(h) = href(r) {
                p { a { href: "{h}", "aria-label": "{review}", {lang.t(Key::Review)} } }
            }
        }
    }
}
