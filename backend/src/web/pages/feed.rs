//! The visits feed (sales reps' visits with transcript and structured fields, newest
//! first, no map) and the notification centre (the user's in-app notifications, marked
//! read one by one or all at once).

use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dioxus::prelude::*;
use serde::Deserialize;
use shared_types::crm::{Activity, ActivityKind, NextAction};
use uuid::Uuid;

use crate::db;
use crate::db::activities::ActivityFilter;
use crate::http::extract::Paging;
use crate::web::i18n::Key;
use crate::web::layout::{app_page, CsrfField, Nav, Shell};
use crate::web::pages::{pager, when};
use crate::web::session::{require_csrf, WebTx};
use crate::web::WebResult;

const PAGE_SIZE: i64 = 20;

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    unread: Option<String>,
}

fn next_action(a: NextAction) -> Key {
    match a {
        NextAction::Call => Key::NextCall,
        NextAction::SendQuote => Key::NextSendQuote,
        NextAction::Deliver => Key::NextDeliver,
        NextAction::Visit => Key::NextVisit,
    }
}

fn visit_card(shell: &Shell, v: &Activity) -> Element {
    let lang = shell.lang;
    let heading = format!("v-{}", v.id);
    let details = v.visit.clone().unwrap_or_default();
    rsx! {
        li { class: "card visit", "data-visit": "{v.id}",
            article { "aria-labelledby": "{heading}",
                h2 { id: "{heading}", "{v.subject}" }
                p { class: "muted",
                    time { datetime: "{v.occurred_at.to_rfc3339()}", {when(lang, v.occurred_at)} }
                    if let Some(c) = &v.contact_name { " · {c}" }
                }
                if !v.notes.is_empty() { p { "{v.notes}" } }
                dl { class: "facts",
                    if !details.lines.is_empty() {
                        dt { {lang.t(Key::VisitLines)} }
                        dd {
                            ul { class: "plain",
                                for l in details.lines.iter() {
                                    li {
                                        if let Some(q) = l.quantity { "{lang.qty(q)} × " }
                                        if let Some(p) = l.product_id {
                                            a { href: "/app/inventory/products/{p}", "{l.product_name}" }
                                        } else {
                                            "{l.product_name}"
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if let Some(d) = details.follow_up {
                        dt { {lang.t(Key::FollowUp)} } dd { time { datetime: "{d}", "{d}" } }
                    }
                    if let Some(a) = details.next_action {
                        dt { {lang.t(Key::NextAction)} } dd { {lang.t(next_action(a))} }
                    }
                }
                if let Some(t) = &v.transcript {
                    details { class: "evidence",
                        summary { {lang.t(Key::Transcript)} }
                        blockquote { class: "transcript", "{t}" }
                    }
                }
            }
        }
    }
}

/// `GET /app/visits`
pub async fn visits(mut w: WebTx, Query(q): Query<PageQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Visits).await?;
    let lang = shell.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let filter = ActivityFilter {
        kind: Some(ActivityKind::Visit),
        contact_id: None,
        owner_id: None,
        from: None,
        to: None,
        open: None,
    };
    let (items, total) = db::activities::list(
        w.conn(),
        &filter,
        Paging {
            limit: PAGE_SIZE,
            offset,
        },
    )
    .await?;
    w.commit().await?;
    let body = rsx! {
        h1 { {lang.t(Key::VisitsTitle)} }
        p { class: "muted", {lang.t(Key::VisitsIntro)} }
        if items.is_empty() {
            p { class: "muted", {lang.t(Key::NoVisits)} }
        } else {
            ul { class: "cards feed",
                for v in items.iter() { {visit_card(&shell, v)} }
            }
        }
        {pager(lang, "/app/visits", "", offset, PAGE_SIZE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::VisitsTitle), body).into_response())
}

/// `GET /app/notifications`
pub async fn notifications(mut w: WebTx, Query(q): Query<PageQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Notifications).await?;
    let lang = shell.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let unread_only = q.unread.as_deref() == Some("1");
    let user = w.ctx().user_id;
    let (items, total) = db::notifications::list(
        w.conn(),
        user,
        unread_only,
        Paging {
            limit: PAGE_SIZE,
            offset,
        },
    )
    .await?;
    w.commit().await?;
    let csrf = shell.csrf.clone();
    let query = if unread_only { "unread=1" } else { "" };
    let body = rsx! {
        h1 { {lang.t(Key::NotificationsTitle)} }
        form { class: "filters", method: "get", action: "/app/notifications",
            div { class: "field checkbox",
                input { id: "unread", name: "unread", r#type: "checkbox", value: "1", checked: unread_only }
                label { r#for: "unread", {lang.t(Key::UnreadOnly)} }
            }
            button { r#type: "submit", {lang.t(Key::ApplyFilters)} }
        }
        if items.is_empty() {
            p { class: "muted", {lang.t(Key::NoNotifications)} }
        } else {
            ul { class: "notifications",
                for n in items.iter() {
                    li { class: if n.read_at.is_none() { "card unread" } else { "card" }, "data-notification": "{n.id}",
                        h2 { "{n.title}" }
                        p { "{n.body}" }
                        p { class: "muted",
                            time { datetime: "{n.created_at.to_rfc3339()}", {when(lang, n.created_at)} }
                            " · "
                            if n.read_at.is_some() { {lang.t(Key::Read)} } else { strong { {lang.t(Key::Unread)} } }
                        }
                        if n.read_at.is_none() {
                            form { method: "post", action: "/app/notifications/{n.id}/read",
                                CsrfField { token: csrf.clone() }
                                button { r#type: "submit", class: "secondary", "aria-label": "{lang.tf(Key::MarkReadOf, &[(\"title\", &n.title)])}",
                                    {lang.t(Key::MarkRead)}
                                }
                            }
                        }
                    }
                }
            }
        }
        {pager(lang, "/app/notifications", query, offset, PAGE_SIZE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::NotificationsTitle), body).into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// `POST /app/notifications/{id}/read`
pub async fn mark_read(
    headers: HeaderMap,
    mut w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    require_csrf(&headers, &f.csrf, w.accept_lang)?;
    let user = w.ctx().user_id;
    db::notifications::mark_read(w.conn(), user, id).await?;
    w.commit().await?;
    Ok(Redirect::to("/app/notifications").into_response())
}
