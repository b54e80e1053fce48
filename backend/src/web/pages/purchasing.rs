//! Purchasing: reorder suggestions with their evidence and one-click approve → draft
//! purchase order, and the purchase orders list and detail. Approving goes through the
//! same function as `POST /api/v1/reorder/suggestions/approve`.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dioxus::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use shared_types::purchasing::{
    PurchaseOrder, PurchaseOrderStatus, ReceiptForCreate, ReceiptLineForCreate, ReorderSuggestion,
    SuggestionApproval,
};
use uuid::Uuid;

use crate::db;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::extract::AppPath;
use crate::http::idempotency;
use crate::web::i18n::{Key, Lang};
use crate::web::layout::{app_page, CsrfField, Nav, Shell};
use crate::web::pages::{encode, pager, table_region, when};
use crate::web::session::{require_csrf, WebTx};
use crate::web::{WebError, WebResult};

const PAGE_SIZE: i64 = 25;

/// Names of the tenant's warehouses (and other locations), by id.
pub async fn location_names(
    conn: &mut sqlx::PgConnection,
) -> Result<HashMap<Uuid, String>, sqlx::Error> {
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, name FROM locations WHERE kind = 'warehouse'")
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().collect())
}

/// A quantity typed by a person: `12.5`, `12,5` (German) or `1,200.5` / `1.200,5`.
pub fn parse_qty(lang: Lang, s: &str) -> Option<Decimal> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return None;
    }
    let normal = match lang {
        Lang::En => t.replace(',', ""),
        Lang::De => t.replace('.', "").replace(',', "."),
    };
    normal.parse::<Decimal>().ok()
}

fn status_label(s: PurchaseOrderStatus) -> Key {
    match s {
        PurchaseOrderStatus::Draft => Key::PoDraft,
        PurchaseOrderStatus::Confirmed => Key::PoConfirmed,
        PurchaseOrderStatus::PartiallyReceived => Key::PoPartiallyReceived,
        PurchaseOrderStatus::Received => Key::PoReceived,
        PurchaseOrderStatus::Cancelled => Key::PoCancelled,
    }
}

fn status_param(s: PurchaseOrderStatus) -> &'static str {
    match s {
        PurchaseOrderStatus::Draft => "draft",
        PurchaseOrderStatus::Confirmed => "confirmed",
        PurchaseOrderStatus::PartiallyReceived => "partially_received",
        PurchaseOrderStatus::Received => "received",
        PurchaseOrderStatus::Cancelled => "cancelled",
    }
}

const STATUSES: [PurchaseOrderStatus; 5] = [
    PurchaseOrderStatus::Draft,
    PurchaseOrderStatus::Confirmed,
    PurchaseOrderStatus::PartiallyReceived,
    PurchaseOrderStatus::Received,
    PurchaseOrderStatus::Cancelled,
];

fn source_label(s: &str) -> Key {
    match s {
        "reorder" => Key::SourceReorder,
        "manual" => Key::SourceManual,
        _ => Key::SourceOther,
    }
}

fn evidence(lang: Lang, s: &ReorderSuggestion) -> Element {
    let q = |d: Decimal| lang.qty(d);
    let demand = s.demand.as_ref().map(|d| {
        (
            lang.tf(
                Key::DemandWindow,
                &[
                    ("from", &d.from.to_string()),
                    ("to", &d.to.to_string()),
                    ("days", &d.window_days.to_string()),
                ],
            ),
            lang.qty(d.total),
            lang.number(d.avg_daily, 2),
            lang.number(d.std_dev_daily, 2),
        )
    });
    let service = s
        .service_level
        .map(|v| format!("{} %", lang.number(v * Decimal::from(100), 1)));
    let z = s.z.map(|v| lang.number(v, 3));
    rsx! {
        details { class: "evidence",
            summary { {lang.t(Key::Evidence)} }
            dl { class: "facts",
                if let Some((window, total, avg, std)) = demand {
                    dt { {lang.t(Key::DemandTotal)} } dd { "{total} · {window}" }
                    dt { {lang.t(Key::DemandAvg)} } dd { "{avg}" }
                    dt { {lang.t(Key::DemandStd)} } dd { "{std}" }
                } else {
                    dt { {lang.t(Key::DemandTotal)} } dd { {lang.t(Key::NoDemandHistory)} }
                }
                dt { {lang.t(Key::LeadTime)} } dd { "{s.lead_time_days}" }
                if let Some(service) = service {
                    dt { {lang.t(Key::ServiceLevel)} } dd { "{service}" if let Some(z) = z { " (z = {z})" } }
                }
                dt { {lang.t(Key::ColReserved)} } dd { {q(s.reserved)} }
                dt { {lang.t(Key::ColIncoming)} } dd { {q(s.incoming)} }
                dt { {lang.t(Key::ColPosition)} } dd { {q(s.position)} }
                dt { {lang.t(Key::ColSafetyStock)} } dd { {q(s.safety_stock)} }
                dt { {lang.t(Key::ColTarget)} } dd { {q(s.target_level)} }
                dt { {lang.t(Key::Formula)} } dd { code { "{s.formula}" } }
            }
        }
    }
}

fn suggestion_card(
    shell: &Shell,
    s: &ReorderSuggestion,
    warehouse: &str,
    can_approve: bool,
) -> Element {
    let lang = shell.lang;
    let input_id = format!("qty-{}", s.rule_id);
    let qty_label = lang.tf(Key::OrderQtyLabel, &[("sku", &s.sku)]);
    let approve = lang.tf(Key::ApproveSuggestion, &[("sku", &s.sku)]);
    let heading_id = format!("s-{}", s.rule_id);
    let suggested = lang.qty(s.suggested_qty);
    rsx! {
        li { class: "card suggestion", "data-rule": "{s.rule_id}", "data-product": "{s.product_id}",
            article { "aria-labelledby": "{heading_id}",
                h2 { id: "{heading_id}",
                    a { href: "/app/inventory/products/{s.product_id}", "{s.sku}" }
                    " · {s.product_name}"
                }
                dl { class: "facts",
                    dt { {lang.t(Key::ColWarehouse)} } dd { "{warehouse}" }
                    dt { {lang.t(Key::ColOnHand)} } dd { {lang.qty(s.on_hand)} }
                    dt { {lang.t(Key::ReorderPoint)} } dd { {lang.qty(s.reorder_point)} }
                    dt { {lang.t(Key::ColSuggested)} } dd { class: "suggested", strong { "{suggested}" } }
                    dt { {lang.t(Key::ColSupplier)} }
                    dd {
                        if let Some(sup) = &s.supplier {
                            "{sup.name} · {lang.number(sup.unit_price, 2)} {sup.currency}"
                        } else {
                            span { class: "error", {lang.t(Key::NoSupplier)} }
                        }
                    }
                }
                {evidence(lang, s)}
                if can_approve && s.supplier.is_some() {
                    form { class: "inline-form approve", method: "post", action: "/app/purchasing/reorder/approve",
                        CsrfField { token: shell.csrf.clone() }
                        input { r#type: "hidden", name: "rule_id", value: "{s.rule_id}" }
                        label { r#for: "{input_id}", "{qty_label}" }
                        input { id: "{input_id}", name: "qty", inputmode: "decimal", value: "{suggested}", size: "8", autocomplete: "off" }
                        button { r#type: "submit", "{approve}" }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ReorderQuery {
    #[serde(default)]
    offset: Option<i64>,
}

/// `GET /app/purchasing/reorder`
pub async fn reorder(mut w: WebTx, Query(q): Query<ReorderQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Reorder).await?;
    let lang = shell.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let mut all = db::reorder::suggestions(w.conn(), None, None).await?;
    all.retain(|s| s.suggested_qty > Decimal::ZERO);
    let total = all.len() as i64;
    let page: Vec<ReorderSuggestion> = all
        .into_iter()
        .skip(offset as usize)
        .take(PAGE_SIZE as usize)
        .collect();
    let names = location_names(w.conn()).await?;
    let can_approve = w.ctx().can(Permission::PurchaseApprove);
    w.commit().await?;
    let count = lang.tf(Key::SuggestionCount, &[("count", &total.to_string())]);
    let body = rsx! {
        h1 { {lang.t(Key::ReorderTitle)} }
        p { class: "muted", {lang.t(Key::ReorderIntro)} }
        p { role: "status", "{count}" }
        if page.is_empty() {
            p { class: "muted", {lang.t(Key::NoSuggestions)} }
        } else {
            ul { class: "cards suggestions",
                for s in page.iter() {
                    {suggestion_card(&shell, s, names.get(&s.warehouse_id).map(String::as_str).unwrap_or(""), can_approve)}
                }
            }
        }
        {pager(lang, "/app/purchasing/reorder", "", offset, PAGE_SIZE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::ReorderTitle), body).into_response())
}

#[derive(Deserialize)]
pub struct ApproveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    rule_id: Uuid,
    #[serde(default)]
    qty: String,
}

/// `POST /app/purchasing/reorder/approve`: one suggestion → a draft purchase order,
/// then to the order.
pub async fn approve(
    headers: HeaderMap,
    mut w: WebTx,
    Form(f): Form<ApproveForm>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    require_csrf(&headers, &f.csrf, lang)?;
    let qty = if f.qty.trim().is_empty() {
        None
    } else {
        Some(
            parse_qty(lang, &f.qty)
                .or_else(|| parse_qty(Lang::En, &f.qty))
                .ok_or_else(|| {
                    WebError::from_api(ApiError::validation("qty", "Not a number."), lang)
                })?,
        )
    };
    let user = w.ctx().user_id;
    let items = [SuggestionApproval {
        rule_id: f.rule_id,
        qty,
    }];
    let orders = crate::http::reorder::orders_from_suggestions(w.conn(), &items, user)
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    w.commit().await?;
    let refs: Vec<String> = orders.iter().map(|o| o.reference.clone()).collect();
    let to = match orders.as_slice() {
        [one] => format!("/app/purchasing/orders/{}?created=1", one.id),
        _ => format!(
            "/app/purchasing/orders?created={}",
            encode(&refs.join(", "))
        ),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct OrdersQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    created: Option<String>,
}

/// `GET /app/purchasing/orders`
pub async fn orders(mut w: WebTx, Query(q): Query<OrdersQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::PurchaseOrders).await?;
    let lang = shell.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let status = STATUSES.into_iter().find(|s| status_param(*s) == q.status);
    let (items, total) =
        db::purchasing::list_pos(w.conn(), status, None, PAGE_SIZE, offset).await?;
    w.commit().await?;
    let query = status
        .map(|s| format!("status={}", status_param(s)))
        .unwrap_or_default();
    let created = q
        .created
        .as_deref()
        .map(|refs| lang.tf(Key::ReorderApproved, &[("refs", refs)]));
    let body = rsx! {
        h1 { {lang.t(Key::PurchaseOrdersTitle)} }
        if let Some(msg) = created { p { class: "notice", role: "status", "{msg}" } }
        form { class: "filters", method: "get", action: "/app/purchasing/orders",
            div { class: "field",
                label { r#for: "status", {lang.t(Key::PoFilterStatus)} }
                select { id: "status", name: "status",
                    option { value: "", selected: status.is_none(), {lang.t(Key::PoStatusAny)} }
                    for s in STATUSES {
                        option { value: "{status_param(s)}", selected: status == Some(s), {lang.t(status_label(s))} }
                    }
                }
            }
            button { r#type: "submit", {lang.t(Key::ApplyFilters)} }
        }
        if items.is_empty() {
            p { class: "muted", {lang.t(Key::NoPurchaseOrders)} }
        } else {
            {table_region(lang.t(Key::PurchaseOrdersTitle), rsx! {
                table { id: "purchase-orders",
                    thead { tr {
                        th { scope: "col", {lang.t(Key::ColReference)} }
                        th { scope: "col", {lang.t(Key::ColSupplier)} }
                        th { scope: "col", {lang.t(Key::ColStatus)} }
                        th { scope: "col", class: "num", {lang.t(Key::ColTotal)} }
                        th { scope: "col", {lang.t(Key::ColSource)} }
                        th { scope: "col", {lang.t(Key::ColCreated)} }
                    } }
                    tbody {
                        for o in items.iter() {
                            tr { "data-po": "{o.id}",
                                td { a { href: "/app/purchasing/orders/{o.id}", "{o.reference}" } }
                                td { class: "wrap", "{o.supplier_name}" }
                                td { {lang.t(status_label(o.status))} }
                                td { class: "num", "{lang.number(o.total, 2)} {o.currency}" }
                                td { {lang.t(source_label(&o.source))} }
                                td { {when(lang, o.created_at)} }
                            }
                        }
                    }
                }
            })}
        }
        {pager(lang, "/app/purchasing/orders", &query, offset, PAGE_SIZE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::PurchaseOrdersTitle), body).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct OrderQuery {
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    confirmed: Option<String>,
    /// Lines booked by the last receipt.
    #[serde(default)]
    received: Option<usize>,
}

/// One line of the receive form.
struct ReceiveRow {
    id: Uuid,
    sku: String,
    label: String,
    open: Decimal,
    tracked: bool,
}

/// `GET /app/purchasing/orders/{id}`
pub async fn order(
    mut w: WebTx,
    Path(id): Path<Uuid>,
    Query(q): Query<OrderQuery>,
) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::PurchaseOrders).await?;
    let lang = shell.lang;
    let po: PurchaseOrder = db::purchasing::get_po(w.conn(), id)
        .await?
        .ok_or(WebError::NotFound(lang))?;
    let deliver_to: Option<String> =
        sqlx::query_scalar("SELECT coalesce(path, name) FROM locations WHERE id = $1")
            .bind(po.location_id)
            .fetch_optional(w.conn())
            .await?;
    let ids: Vec<Uuid> = po.lines.iter().map(|l| l.product_id).collect();
    let products: HashMap<Uuid, (String, bool)> = {
        let rows: Vec<(Uuid, String, String)> =
            sqlx::query_as("SELECT id, name, tracking FROM products WHERE id = ANY($1)")
                .bind(&ids)
                .fetch_all(w.conn())
                .await?;
        rows.into_iter()
            .map(|(id, name, tracking)| (id, (name, tracking != "none")))
            .collect()
    };
    let on_hand = db::views::on_hand_of(w.conn(), &ids).await?;
    let can_confirm =
        po.status == PurchaseOrderStatus::Draft && w.ctx().can(Permission::PurchaseApprove);
    let can_receive = matches!(
        po.status,
        PurchaseOrderStatus::Confirmed | PurchaseOrderStatus::PartiallyReceived
    ) && w.ctx().can(Permission::MoveCreate);
    w.commit().await?;
    let receive_rows: Vec<ReceiveRow> = po
        .lines
        .iter()
        .filter(|l| l.received_qty < l.qty)
        .map(|l| ReceiveRow {
            id: l.id,
            sku: l.sku.clone(),
            label: lang.tf(Key::ReceiveQtyOf, &[("sku", &l.sku)]),
            open: l.qty - l.received_qty,
            tracked: products.get(&l.product_id).is_some_and(|p| p.1),
        })
        .collect();
    let confirmed = q
        .confirmed
        .is_some()
        .then(|| lang.t(Key::PoConfirmedNotice));
    let received = q
        .received
        .map(|n| lang.tf(Key::PoReceivedNotice, &[("lines", &n.to_string())]));
    let csrf = shell.csrf.clone();
    let receipt_key = Uuid::new_v4();
    let created = q
        .created
        .is_some()
        .then(|| lang.tf(Key::ReorderApproved, &[("refs", &po.reference)]));
    let title = format!("{} · {}", po.reference, po.supplier_name);
    let body = rsx! {
        p { a { href: "/app/purchasing/orders", {lang.t(Key::BackToOrders)} } }
        h1 { "{title}" }
        if let Some(msg) = created { p { class: "notice", role: "status", id: "po-created", "{msg}" } }
        if let Some(msg) = confirmed { p { class: "notice", role: "status", id: "po-confirmed", "{msg}" } }
        if let Some(msg) = received { p { class: "notice", role: "status", id: "po-received", "{msg}" } }
        dl { class: "facts", id: "po-facts",
            dt { {lang.t(Key::ColReference)} } dd { id: "po-reference", "{po.reference}" }
            dt { {lang.t(Key::ColStatus)} } dd { id: "po-status", "data-status": "{status_param(po.status)}", {lang.t(status_label(po.status))} }
            dt { {lang.t(Key::ColSupplier)} } dd { "{po.supplier_name}" }
            dt { {lang.t(Key::PoDeliverTo)} } dd { {deliver_to.unwrap_or_default()} }
            dt { {lang.t(Key::ColTotal)} } dd { "{lang.number(po.total, 2)} {po.currency}" }
            dt { {lang.t(Key::ColSource)} } dd { {lang.t(source_label(&po.source))} }
            dt { {lang.t(Key::ColCreated)} } dd { {when(lang, po.created_at)} }
            if let Some(d) = po.expected_date { dt { {lang.t(Key::ColExpected)} } dd { "{d}" } }
            if let Some(n) = &po.notes { dt { {lang.t(Key::PoNotes)} } dd { "{n}" } }
        }
        h2 { {lang.t(Key::PoLines)} }
        {table_region(lang.t(Key::PoLines), rsx! {
            table { id: "po-lines",
                thead { tr {
                    th { scope: "col", class: "num", {lang.t(Key::ColLineNo)} }
                    th { scope: "col", {lang.t(Key::ColSku)} }
                    th { scope: "col", {lang.t(Key::ColName)} }
                    th { scope: "col", class: "num", {lang.t(Key::ColQty)} }
                    th { scope: "col", class: "num", {lang.t(Key::ColUnitPrice)} }
                    th { scope: "col", class: "num", {lang.t(Key::ColReceived)} }
                    th { scope: "col", class: "num", {lang.t(Key::ColOnHand)} }
                } }
                tbody {
                    for l in po.lines.iter() {
                        tr { "data-product": "{l.product_id}", "data-line": "{l.id}",
                            td { class: "num", "{l.line_no}" }
                            td { a { href: "/app/inventory/products/{l.product_id}", "{l.sku}" } }
                            td { class: "wrap", {products.get(&l.product_id).map(|p| p.0.clone()).unwrap_or_default()} }
                            td { class: "num qty", {lang.qty(l.qty)} }
                            td { class: "num", "{lang.number(l.unit_price, 2)} {po.currency}" }
                            td { class: "num received", {lang.qty(l.received_qty)} }
                            td { class: "num on-hand", "data-live-product": "{l.product_id}",
                                {lang.qty(on_hand.get(&l.product_id).copied().unwrap_or_default())}
                            }
                        }
                    }
                }
            }
        })}
        if can_confirm {
            form { class: "inline-form", method: "post", action: "/app/purchasing/orders/{po.id}/confirm", id: "po-confirm",
                CsrfField { token: csrf.clone() }
                p { class: "hint", id: "po-confirm-hint", {lang.t(Key::PoConfirmHint)} }
                button { r#type: "submit", "aria-describedby": "po-confirm-hint", {lang.t(Key::PoConfirm)} }
            }
        }
        if can_receive && !receive_rows.is_empty() {
            h2 { id: "po-receive-h", {lang.t(Key::PoReceiveTitle)} }
            p { class: "muted", id: "po-receive-hint", {lang.t(Key::PoReceiveHint)} }
            form { class: "stack", method: "post", action: "/app/purchasing/orders/{po.id}/receive", id: "po-receive",
                "aria-labelledby": "po-receive-h",
                CsrfField { token: csrf.clone() }
                input { r#type: "hidden", name: "key", value: "{receipt_key}" }
                {table_region(lang.t(Key::PoReceiveTitle), rsx! {
                    table { id: "po-receive-lines",
                        thead { tr {
                            th { scope: "col", {lang.t(Key::ColSku)} }
                            th { scope: "col", class: "num", {lang.t(Key::PoOpenQty)} }
                            th { scope: "col", {lang.t(Key::PoReceiveNow)} }
                            th { scope: "col", {lang.t(Key::PoLot)} }
                        } }
                        tbody {
                            for r in receive_rows.iter() {
                                tr { "data-line": "{r.id}",
                                    td { "{r.sku}" }
                                    td { class: "num", {lang.qty(r.open)} }
                                    td {
                                        label { r#for: "qty-{r.id}", class: "visually-hidden", "{r.label}" }
                                        input { id: "qty-{r.id}", name: "qty_{r.id}", inputmode: "decimal", size: "8",
                                            value: "{lang.qty(r.open)}", "aria-describedby": "po-receive-hint", autocomplete: "off" }
                                    }
                                    td {
                                        if r.tracked {
                                            label { r#for: "lot-{r.id}", class: "visually-hidden", {lang.tf(Key::PoLotOf, &[("sku", &r.sku)])} }
                                            input { id: "lot-{r.id}", name: "lot_{r.id}", size: "10", required: true, autocomplete: "off" }
                                        } else {
                                            span { class: "muted", "—" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                })}
                button { r#type: "submit", {lang.t(Key::PoReceive)} }
            }
        }
    };
    Ok(app_page(&shell, &po.reference, body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_quantities_follow_the_language() {
        assert_eq!(parse_qty(Lang::En, "1,200.5"), Some(Decimal::new(12005, 1)));
        assert_eq!(parse_qty(Lang::De, "1.200,5"), Some(Decimal::new(12005, 1)));
        assert_eq!(parse_qty(Lang::De, " 12 "), Some(Decimal::from(12)));
        assert_eq!(parse_qty(Lang::En, ""), None);
        assert_eq!(parse_qty(Lang::En, "abc"), None);
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// `POST /app/purchasing/orders/{id}/confirm`: the same handler as
/// `POST /api/v1/purchase-orders/{id}/confirm`.
pub async fn confirm(
    headers: HeaderMap,
    w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<ConfirmForm>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    require_csrf(&headers, &f.csrf, lang)?;
    crate::http::purchasing::confirm_order(w.tx, AppPath(id))
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    Ok(Redirect::to(&format!("/app/purchasing/orders/{id}?confirmed=1")).into_response())
}

/// `POST /app/purchasing/orders/{id}/receive`: fields `qty_<line id>` (blank or 0
/// skips the line) and `lot_<line id>`; `key` makes a resubmitted form book nothing
/// twice (the API's `Idempotency-Key`).
pub async fn receive(
    headers: HeaderMap,
    mut w: WebTx,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    require_csrf(&headers, field("_csrf").unwrap_or_default(), lang)?;
    let mut lines = Vec::new();
    for (k, v) in &fields {
        let Some(line) = k.strip_prefix("qty_") else {
            continue;
        };
        let line_id: Uuid = line.parse().map_err(|_| WebError::NotFound(lang))?;
        if v.trim().is_empty() {
            continue;
        }
        let qty = parse_qty(lang, v).ok_or_else(|| {
            WebError::from_api(ApiError::validation("qty", "Not a number."), lang)
        })?;
        if qty.is_zero() {
            continue;
        }
        let lot = field(&format!("lot_{line_id}"))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned);
        lines.push(ReceiptLineForCreate {
            line_id,
            qty,
            lot,
            lot_expiry: None,
        });
    }
    let input = ReceiptForCreate {
        received_on: None,
        location_id: None,
        lines,
    };
    let key = field("key")
        .filter(|k| Uuid::parse_str(k).is_ok())
        .map(|k| format!("web:{k}"));
    let op = format!("po.receive:{id}");
    let replay = idempotency::begin(&mut w.tx, key.as_deref(), &op, &input)
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    if replay.is_some() {
        return Ok(Redirect::to(&format!("/app/purchasing/orders/{id}")).into_response());
    }
    let user = w.ctx().user_id;
    let receipt = crate::http::purchasing::receive(w.conn(), id, &input, user)
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    idempotency::finish(&mut w.tx, key.as_deref(), StatusCode::CREATED, &receipt)
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    w.commit().await?;
    Ok(Redirect::to(&format!(
        "/app/purchasing/orders/{id}?received={}",
        receipt.lines.len()
    ))
    .into_response())
}
