//! Webhook subscriptions: create one (URL, event kinds, description; the signing
//! secret is shown once), disable or enable it, send a test delivery, delete it, and
//! see the delivery health (failures in a row, open circuit). Every action calls the
//! same code as `/api/v1/webhooks`.

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dioxus::prelude::*;
use serde::Deserialize;
use shared_types::events::{WebhookForCreate, WebhookUpdate};
use uuid::Uuid;

use crate::db;
use crate::http::extract::{AppJson, AppPath, Paging};
use crate::http::idempotency;
use crate::web::i18n::{Key, Lang};
use crate::web::layout::{app_page, CsrfField, Nav, Shell};
use crate::web::pages::{pager, table_region, when};
use crate::web::session::{require_csrf, WebTx};
use crate::web::{WebError, WebResult};

const PAGE_SIZE: i64 = 25;

/// Event kinds offered as checkboxes (prefixes end in a dot; `*` is everything).
const KINDS: [(&str, Key); 9] = [
    ("stock.", Key::HookKindStock),
    ("count.", Key::HookKindCount),
    ("purchase_order.", Key::HookKindPurchase),
    ("reorder.", Key::HookKindReorder),
    ("transfer.", Key::HookKindTransfer),
    ("contact.", Key::HookKindContact),
    ("activity.", Key::HookKindActivity),
    ("approval.", Key::HookKindApproval),
    ("*", Key::HookKindAll),
];

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    offset: Option<i64>,
    /// What the last action did: `tested`, `enabled`, `disabled`, `deleted`.
    #[serde(default)]
    done: Option<String>,
}

/// What the page says on top after an action.
enum Flash {
    None,
    Created { url: String, secret: String },
    Done(Key),
}

/// `GET /app/admin/webhooks`
pub async fn list(w: WebTx, Query(q): Query<ListQuery>) -> WebResult<Response> {
    let flash = match q.done.as_deref() {
        Some("tested") => Flash::Done(Key::HookTested),
        Some("enabled") => Flash::Done(Key::HookEnabled),
        Some("disabled") => Flash::Done(Key::HookDisabled),
        Some("deleted") => Flash::Done(Key::HookDeleted),
        _ => Flash::None,
    };
    page(w, q.offset.unwrap_or(0).max(0), flash, StatusCode::OK).await
}

async fn page(mut w: WebTx, offset: i64, flash: Flash, status: StatusCode) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Webhooks).await?;
    let lang = shell.lang;
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
    let csrf = shell.csrf.clone();
    let form_key = Uuid::new_v4();
    let flash_el = match &flash {
        Flash::Created { url, secret } => rsx! {
            div { class: "notice", role: "status", id: "hook-created",
                p { {lang.tf(Key::HookCreated, &[("url", url)])} }
                p { {lang.t(Key::HookSecretOnce)} }
                p { code { id: "hook-secret", "{secret}" } }
            }
        },
        Flash::Done(key) => {
            rsx! { p { class: "notice", role: "status", id: "hook-done", {lang.t(*key)} } }
        }
        Flash::None => rsx! {},
    };
    let body = rsx! {
        h1 { {lang.t(Key::WebhooksTitle)} }
        p { class: "muted", {lang.t(Key::WebhooksIntro)} }
        {flash_el}
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
                        th { scope: "col", {lang.t(Key::ColActions)} }
                    } }
                    tbody {
                        for s in items.iter() {
                            tr { "data-webhook": "{s.id}", "data-active": "{s.is_active}",
                                td { class: "wrap", a { href: "/app/admin/webhooks/{s.id}", "aria-label": "{lang.tf(Key::HookLogOf, &[(\"url\", &s.url)])}", code { "{s.url}" } }
                                    if let Some(d) = &s.description { br {} span { class: "muted", "{d}" } }
                                }
                                td { class: "wrap", code { {s.event_types.join(", ")} } }
                                td { class: "hook-state", {lang.t(if s.is_active { Key::Active } else { Key::Inactive })} }
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
                                td { class: "hook-actions",
                                    {actions(lang, &csrf, s.id, &s.url, s.is_active)}
                                }
                            }
                        }
                    }
                }
            })}
        }
        {pager(lang, "/app/admin/webhooks", "", offset, PAGE_SIZE, total)}
        h2 { id: "hook-new-h", {lang.t(Key::HookNew)} }
        form { class: "stack wide", method: "post", action: "/app/admin/webhooks", id: "hook-new",
            "aria-labelledby": "hook-new-h",
            CsrfField { token: csrf.clone() }
            input { r#type: "hidden", name: "key", value: "{form_key}" }
            label { r#for: "hook-url", {lang.t(Key::ColUrl)} }
            input { id: "hook-url", name: "url", r#type: "url", required: true, maxlength: "2000",
                placeholder: "https://", autocomplete: "url", "aria-describedby": "hook-url-hint" }
            p { class: "hint", id: "hook-url-hint", {lang.t(Key::HookUrlHint)} }
            fieldset { id: "hook-kinds",
                legend { {lang.t(Key::HookKindsLegend)} }
                for (value, key) in KINDS {
                    div { class: "field checkbox",
                        input { r#type: "checkbox", id: "kind-{kind_id(value)}", name: "events", value: "{value}" }
                        label { r#for: "kind-{kind_id(value)}", {lang.t(key)} " " code { "{value}" } }
                    }
                }
            }
            label { r#for: "hook-other", {lang.t(Key::HookOtherKinds)} }
            input { id: "hook-other", name: "other", maxlength: "500", autocomplete: "off",
                placeholder: "stock.moved, count.approved", "aria-describedby": "hook-other-hint" }
            p { class: "hint", id: "hook-other-hint", {lang.t(Key::HookOtherHint)} }
            label { r#for: "hook-description", {lang.t(Key::HookDescription)} }
            input { id: "hook-description", name: "description", maxlength: "500", autocomplete: "off" }
            button { r#type: "submit", {lang.t(Key::HookCreate)} }
        }
    };
    Ok((status, app_page(&shell, lang.t(Key::WebhooksTitle), body)).into_response())
}

fn kind_id(value: &str) -> &str {
    match value.trim_end_matches('.') {
        "*" => "all",
        v => v,
    }
}

fn actions(lang: Lang, csrf: &str, id: Uuid, url: &str, active: bool) -> Element {
    let toggle = lang.tf(
        if active {
            Key::HookDisableLabel
        } else {
            Key::HookEnableLabel
        },
        &[("url", url)],
    );
    let test = lang.tf(Key::HookTestLabel, &[("url", url)]);
    let delete = lang.tf(Key::HookDeleteLabel, &[("url", url)]);
    rsx! {
        form { class: "inline-form hook-toggle", method: "post", action: "/app/admin/webhooks/{id}/active",
            CsrfField { token: csrf.to_owned() }
            input { r#type: "hidden", name: "active", value: if active { "false" } else { "true" } }
            button { r#type: "submit", "aria-label": "{toggle}", title: "{toggle}",
                {lang.t(if active { Key::HookDisable } else { Key::HookEnable })}
            }
        }
        if active {
            form { class: "inline-form hook-test", method: "post", action: "/app/admin/webhooks/{id}/test",
                CsrfField { token: csrf.to_owned() }
                button { r#type: "submit", "aria-label": "{test}", title: "{test}", {lang.t(Key::HookTest)} }
            }
        }
        details { class: "line-reject hook-delete",
            summary { "aria-label": "{delete}", {lang.t(Key::HookDeleteEllipsis)} }
            form { class: "stack", method: "post", action: "/app/admin/webhooks/{id}/delete",
                CsrfField { token: csrf.to_owned() }
                p { class: "hint", {lang.t(Key::HookDeleteHint)} }
                button { r#type: "submit", class: "danger", "aria-label": "{delete}", {lang.t(Key::HookDeleteConfirm)} }
            }
        }
    }
}

/// `POST /app/admin/webhooks`: fields `url`, `events` (repeated), `other`
/// (comma-separated kinds), `description`, and `key` (a resubmitted form creates
/// nothing twice). Answers the page with the signing secret, shown this once.
pub async fn create(
    headers: HeaderMap,
    mut w: WebTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .unwrap_or_default()
    };
    require_csrf(&headers, field("_csrf"), lang)?;
    let mut event_types: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    for kind in field("other").split([',', ' ']) {
        let kind = kind.trim();
        if !kind.is_empty() && !event_types.iter().any(|k| k == kind) {
            event_types.push(kind.to_owned());
        }
    }
    let description = Some(field("description").to_owned()).filter(|d| !d.is_empty());
    let input = WebhookForCreate {
        url: field("url").to_owned(),
        event_types,
        description,
    };
    let key = Some(field("key"))
        .filter(|k| Uuid::parse_str(k).is_ok())
        .map(|k| format!("web:{k}"));
    let replay = idempotency::begin(&mut w.tx, key.as_deref(), "webhook.create", &input)
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    if replay.is_some() {
        return Ok(Redirect::to("/app/admin/webhooks").into_response());
    }
    let created = crate::http::webhooks::create(&mut w.tx, &input)
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    idempotency::finish(&mut w.tx, key.as_deref(), StatusCode::CREATED, &created)
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    // Committed by `page`, together with what it reads.
    page(
        w,
        0,
        Flash::Created {
            url: created.subscription.url,
            secret: created.secret,
        },
        StatusCode::CREATED,
    )
    .await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    active: String,
}

/// `POST /app/admin/webhooks/{id}/active`: `active=true` enables, `false` disables.
pub async fn set_active(
    headers: HeaderMap,
    w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<ActiveForm>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    require_csrf(&headers, &f.csrf, lang)?;
    let active = f.active == "true";
    let input = WebhookUpdate {
        is_active: Some(active),
        url: None,
        event_types: None,
        description: None,
    };
    crate::http::webhooks::update_webhook(w.tx, AppPath(id), AppJson(input))
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    let done = if active { "enabled" } else { "disabled" };
    Ok(Redirect::to(&format!("/app/admin/webhooks?done={done}")).into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// `POST /app/admin/webhooks/{id}/test`: queues a `webhook.test` delivery.
pub async fn test(
    headers: HeaderMap,
    mut w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfOnly>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    require_csrf(&headers, &f.csrf, lang)?;
    crate::http::webhooks::send_test(&mut w.tx, id)
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    w.commit().await?;
    Ok(Redirect::to("/app/admin/webhooks?done=tested").into_response())
}

/// `POST /app/admin/webhooks/{id}/delete`
pub async fn delete(
    headers: HeaderMap,
    w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfOnly>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    require_csrf(&headers, &f.csrf, lang)?;
    crate::http::webhooks::delete_webhook(w.tx, AppPath(id))
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    Ok(Redirect::to("/app/admin/webhooks?done=deleted").into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct LogQuery {
    #[serde(default)]
    offset: Option<i64>,
}

fn delivery_status(s: &str) -> Key {
    match s {
        "delivered" => Key::DeliveryDelivered,
        "dead" => Key::DeliveryDead,
        _ => Key::DeliveryPending,
    }
}

/// `GET /app/admin/webhooks/{id}`: the subscription and its delivery log, newest
/// event first (the same rows as `GET /api/v1/webhooks/{id}/deliveries`).
pub async fn log(
    mut w: WebTx,
    Path(id): Path<Uuid>,
    Query(q): Query<LogQuery>,
) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Webhooks).await?;
    let lang = shell.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let sub = db::webhooks::get(w.conn(), id)
        .await?
        .ok_or(WebError::NotFound(lang))?;
    let (items, total) = db::webhooks::list_deliveries(
        w.conn(),
        id,
        None,
        Paging {
            limit: PAGE_SIZE,
            offset,
        },
    )
    .await?;
    w.commit().await?;
    let base = format!("/app/admin/webhooks/{id}");
    let body = rsx! {
        p { a { href: "/app/admin/webhooks", {lang.t(Key::BackToWebhooks)} } }
        h1 { {lang.t(Key::HookLogTitle)} }
        dl { class: "facts",
            dt { {lang.t(Key::ColUrl)} } dd { class: "wrap", code { "{sub.url}" } }
            dt { {lang.t(Key::ColEvents)} } dd { code { {sub.event_types.join(", ")} } }
            dt { {lang.t(Key::ColStatus)} } dd { {lang.t(if sub.is_active { Key::Active } else { Key::Inactive })} }
        }
        if items.is_empty() {
            p { class: "muted", {lang.t(Key::NoDeliveries)} }
        } else {
            {table_region(lang.t(Key::HookLogTitle), rsx! {
                table { id: "deliveries",
                    thead { tr {
                        th { scope: "col", {lang.t(Key::ColEvent)} }
                        th { scope: "col", {lang.t(Key::ColStatus)} }
                        th { scope: "col", class: "num", {lang.t(Key::ColAttempts)} }
                        th { scope: "col", {lang.t(Key::ColLastAnswer)} }
                        th { scope: "col", {lang.t(Key::ColCreated)} }
                    } }
                    tbody {
                        for d in items.iter() {
                            tr { "data-delivery": "{d.id}", "data-kind": "{d.event_kind}", "data-status": "{d.status}",
                                td { code { "{d.event_kind}" } " #{d.event_seq}" }
                                td { span { class: if d.status == "dead" { "error" } else { "" }, {lang.t(delivery_status(&d.status))} } }
                                td { class: "num", "{d.attempts}" }
                                td { class: "wrap",
                                    if let Some(c) = d.last_status_code { "HTTP {c}" }
                                    if let Some(e) = &d.last_error { br {} span { class: "muted", "{e}" } }
                                }
                                td { {when(lang, d.created_at)} }
                            }
                        }
                    }
                }
            })}
        }
        {pager(lang, &base, "", offset, PAGE_SIZE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::HookLogTitle), body).into_response())
}
