//! Webhook subscriptions (read-only here; managed through `/api/v1/webhooks`): the URL,
//! the event kinds, and the delivery health (failures in a row, open circuit).

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use dioxus::prelude::*;
use serde::Deserialize;

use crate::db;
use crate::http::extract::Paging;
use crate::web::i18n::Key;
use crate::web::layout::{app_page, Nav, Shell};
use crate::web::pages::{pager, table_region, when};
use crate::web::session::WebTx;
use crate::web::WebResult;

const PAGE_SIZE: i64 = 25;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    offset: Option<i64>,
}

/// `GET /app/admin/webhooks`
pub async fn list(mut w: WebTx, Query(q): Query<ListQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Webhooks).await?;
    let lang = shell.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let (items, total) = db::webhooks::list(
        w.conn(),
        Paging {
            limit: PAGE_SIZE,
            offset,
        },
    )
    .await?;
    w.commit().await?;
    let now = chrono::Utc::now();
    let body = rsx! {
        h1 { {lang.t(Key::WebhooksTitle)} }
        p { class: "muted", {lang.t(Key::WebhooksIntro)} }
        if items.is_empty() {
            p { class: "muted", {lang.t(Key::NoWebhooks)} }
        } else {
            {table_region(lang.t(Key::WebhooksTitle), rsx! {
                table { id: "webhooks",
                    thead { tr {
                        th { scope: "col", {lang.t(Key::ColUrl)} }
                        th { scope: "col", {lang.t(Key::ColEvents)} }
                        th { scope: "col", {lang.t(Key::ColStatus)} }
                        th { scope: "col", {lang.t(Key::ColDelivery)} }
                        th { scope: "col", {lang.t(Key::ColCreated)} }
                    } }
                    tbody {
                        for s in items.iter() {
                            tr { "data-webhook": "{s.id}",
                                td { class: "wrap", code { "{s.url}" }
                                    if let Some(d) = &s.description { br {} span { class: "muted", "{d}" } }
                                }
                                td { class: "wrap", code { {s.event_types.join(", ")} } }
                                td { {lang.t(if s.is_active { Key::Active } else { Key::Inactive })} }
                                td { class: "wrap",
                                    if s.circuit_open_until.is_some_and(|t| t > now) {
                                        span { class: "error",
                                            {lang.tf(Key::CircuitOpen, &[("until", &when(lang, s.circuit_open_until.unwrap_or(now)))])}
                                        }
                                    } else if s.consecutive_failures > 0 {
                                        span { class: "error",
                                            {lang.tf(Key::FailuresInARow, &[("n", &s.consecutive_failures.to_string())])}
                                        }
                                    } else {
                                        span { class: "ok", {lang.t(Key::DeliveringOk)} }
                                    }
                                }
                                td { {when(lang, s.created_at)} }
                            }
                        }
                    }
                }
            })}
        }
        {pager(lang, "/app/admin/webhooks", "", offset, PAGE_SIZE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::WebhooksTitle), body).into_response())
}
