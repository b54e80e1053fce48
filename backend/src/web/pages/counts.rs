//! Count sessions: the list, and a session's reconciled lines with their variances
//! (quantity and value) to approve line by line or all at once; closing the session
//! rejects what is left. Approving and closing call the same handlers as
//! `POST /api/v1/counts/{id}/approve` and `/close`, so the rules (tolerance, posting
//! once, the inventory-loss location, reason codes) are the API's.

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dioxus::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use shared_types::counts::{
    CountApproval, CountKind, CountLine, CountLineDecision, CountLineDecisions, CountLineKey,
    CountLineState, CountLineVerdict, CountMode, CountRejection, CountStatus,
};
use uuid::Uuid;

use crate::db;
use crate::domain::permissions::Permission;
use crate::http::extract::{AppJson, AppPath};
use crate::web::i18n::{Key, Lang};
use crate::web::layout::{app_page, CsrfField, Nav, Shell};
use crate::web::pages::purchasing::location_names;
use crate::web::pages::{encode, pager, table_region, when};
use crate::web::session::{require_csrf, WebTx};
use crate::web::{WebError, WebResult};

const PAGE_SIZE: i64 = 25;

/// Reason codes offered for adjustments (stored on the moves).
const REASONS: [(&str, Key); 5] = [
    ("count_adjustment", Key::ReasonCountAdjustment),
    ("damaged", Key::ReasonDamaged),
    ("theft", Key::ReasonTheft),
    ("miscount", Key::ReasonMiscount),
    ("found", Key::ReasonFound),
];

fn kind_label(k: CountKind) -> Key {
    match k {
        CountKind::Full => Key::CountKindFull,
        CountKind::Cycle => Key::CountKindCycle,
        CountKind::Spot => Key::CountKindSpot,
    }
}

fn status_label(s: CountStatus) -> Key {
    match s {
        CountStatus::Open => Key::CountOpen,
        CountStatus::Closed => Key::CountClosed,
    }
}

fn mode_label(m: CountMode) -> Key {
    match m {
        CountMode::Sum => Key::ModeSum,
        CountMode::Compare => Key::ModeCompare,
    }
}

fn state_label(s: CountLineState) -> Key {
    match s {
        CountLineState::Agreed => Key::LineAgreed,
        CountLineState::Disagree => Key::LineDisagree,
        CountLineState::SnapshotConflict => Key::LineSnapshotConflict,
        CountLineState::Posted => Key::LinePosted,
        CountLineState::Rejected => Key::LineRejected,
    }
}

fn state_id(s: CountLineState) -> &'static str {
    match s {
        CountLineState::Agreed => "agreed",
        CountLineState::Disagree => "disagree",
        CountLineState::SnapshotConflict => "snapshot_conflict",
        CountLineState::Posted => "posted",
        CountLineState::Rejected => "rejected",
    }
}

/// A line's key as one form value: `location:product[:lot]`.
pub fn line_key(l: &CountLine) -> String {
    match l.lot_id {
        Some(lot) => format!("{}:{}:{}", l.location_id, l.product_id, lot),
        None => format!("{}:{}", l.location_id, l.product_id),
    }
}

pub fn parse_line_key(s: &str) -> Option<CountLineKey> {
    let mut parts = s.split(':');
    let location_id = parts.next()?.parse().ok()?;
    let product_id = parts.next()?.parse().ok()?;
    let lot_id = match parts.next() {
        Some(l) => Some(l.parse().ok()?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(CountLineKey {
        location_id,
        product_id,
        lot_id,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    offset: Option<i64>,
}

/// `GET /app/counts`
pub async fn list(mut w: WebTx, Query(q): Query<ListQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Counts).await?;
    let lang = shell.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let (sessions, total) = db::counts::list_sessions(w.conn(), None, PAGE_SIZE, offset).await?;
    let names = location_names(w.conn()).await?;
    w.commit().await?;
    let body = rsx! {
        h1 { {lang.t(Key::CountsTitle)} }
        p { class: "muted", {lang.t(Key::CountsIntro)} }
        if sessions.is_empty() {
            p { class: "muted", {lang.t(Key::NoCounts)} }
        } else {
            {table_region(lang.t(Key::CountsTitle), rsx! {
                table { id: "count-sessions",
                    thead { tr {
                        th { scope: "col", {lang.t(Key::ColCreated)} }
                        th { scope: "col", {lang.t(Key::ColType)} }
                        th { scope: "col", {lang.t(Key::ColWarehouse)} }
                        th { scope: "col", {lang.t(Key::ColMode)} }
                        th { scope: "col", {lang.t(Key::ColStatus)} }
                    } }
                    tbody {
                        for s in sessions.iter() {
                            tr { "data-count": "{s.id}",
                                td { a { href: "/app/counts/{s.id}", {when(lang, s.created_at)} } }
                                td { {lang.t(kind_label(s.kind))} if s.blind { " · " {lang.t(Key::CountBlind)} } }
                                td { {names.get(&s.warehouse_id).cloned().unwrap_or_default()} }
                                td { {lang.t(mode_label(s.mode))} }
                                td { {lang.t(status_label(s.status))} }
                            }
                        }
                    }
                }
            })}
        }
        {pager(lang, "/app/counts", "", offset, PAGE_SIZE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::CountsTitle), body).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct DetailQuery {
    posted: Option<usize>,
    pending: Option<usize>,
    value: Option<String>,
    closed: Option<String>,
    rejected: Option<String>,
    /// Lines rejected by the last per-line decision.
    line_rejected: Option<usize>,
}

fn signed(lang: Lang, v: Decimal, decimals: Option<u32>) -> String {
    let s = match decimals {
        Some(d) => lang.number(v, d),
        None => lang.qty(v),
    };
    if v > Decimal::ZERO {
        format!("+{s}")
    } else {
        s
    }
}

/// `GET /app/counts/{id}`
pub async fn detail(
    mut w: WebTx,
    Path(id): Path<Uuid>,
    Query(q): Query<DetailQuery>,
) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Counts).await?;
    let lang = shell.lang;
    let session = db::counts::get_session(w.conn(), id, false)
        .await?
        .ok_or(WebError::NotFound(lang))?;
    let reveal = !session.blind
        || w.ctx().can(Permission::CountManage)
        || w.ctx().can(Permission::CountApprove);
    let lines: Vec<CountLine> = crate::http::counts::lines(w.conn(), &session, reveal)
        .await
        .map_err(|e| WebError::from_api(e, lang))?
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    let ids: Vec<Uuid> = lines.iter().map(|l| l.product_id).collect();
    let products: HashMap<Uuid, (String, String)> = {
        let rows: Vec<(Uuid, String, String)> =
            sqlx::query_as("SELECT id, sku, name FROM products WHERE id = ANY($1)")
                .bind(&ids)
                .fetch_all(w.conn())
                .await?;
        rows.into_iter().map(|(i, s, n)| (i, (s, n))).collect()
    };
    let warehouse = location_names(w.conn())
        .await?
        .remove(&session.warehouse_id)
        .unwrap_or_default();
    let currency = db::purchasing::base_currency(w.conn()).await?;
    let can_approve = w.ctx().can(Permission::CountApprove);
    let can_close = w.ctx().can(Permission::CountManage);
    let request = match db::events::open_approval_request(w.conn(), "count_session", id).await? {
        Some(Some(by)) => Some(
            db::users::get(w.conn(), by)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default(),
        ),
        Some(None) => Some(String::new()),
        None => None,
    };
    w.commit().await?;
    let open = session.status == CountStatus::Open;
    let posted_n = lines
        .iter()
        .filter(|l| l.state == CountLineState::Posted)
        .count();
    let progress = lang.tf(
        Key::CountProgress,
        &[
            ("counted", &lines.len().to_string()),
            ("posted", &posted_n.to_string()),
        ],
    );
    let result = q.posted.map(|posted| {
        let value = q
            .value
            .as_deref()
            .and_then(|v| v.parse::<Decimal>().ok())
            .unwrap_or_default();
        lang.tf(
            Key::CountApproved,
            &[
                ("posted", &posted.to_string()),
                ("pending", &q.pending.unwrap_or(0).to_string()),
                ("value", &format!("{} {currency}", lang.number(value, 2))),
            ],
        )
    });
    let line_rejected = q.line_rejected.map(|n| {
        lang.tf(
            Key::CountLinesRejected,
            &[
                ("rejected", &n.to_string()),
                ("pending", &q.pending.unwrap_or(0).to_string()),
            ],
        )
    });
    let closed_notice = q.closed.is_some().then(|| lang.t(Key::CountClosedNotice));
    let title = lang.tf(
        Key::CountSession,
        &[("date", &when(lang, session.created_at))],
    );
    let tolerance = format!(
        "± {} / {} %",
        lang.qty(session.tolerance_qty),
        lang.qty(session.tolerance_pct)
    );
    let rows: Vec<LineRow> = lines
        .iter()
        .map(|l| {
            let (sku, name) = products.get(&l.product_id).cloned().unwrap_or_default();
            let key = line_key(l);
            LineRow {
                label: lang.tf(
                    Key::ApproveLine,
                    &[("sku", &sku), ("location", &l.location_path)],
                ),
                reject_label: lang.tf(
                    Key::RejectLine,
                    &[("sku", &sku), ("location", &l.location_path)],
                ),
                can_approve: l.state == CountLineState::Agreed,
                can_reject: matches!(
                    l.state,
                    CountLineState::Agreed
                        | CountLineState::Disagree
                        | CountLineState::SnapshotConflict
                ),
                reason_id: format!("reason-{}", key.replace(':', "-")),
                reject_id: format!("reject-{}", key.replace(':', "-")),
                key,
                sku,
                name,
                line: l.clone(),
            }
        })
        .collect();
    let csrf = shell.csrf.clone();
    let reason_select = |id: String| {
        rsx! {
            label { r#for: "{id}", class: "visually-hidden", {lang.t(Key::ReasonLabel)} }
            select { id: "{id}", name: "reason_code",
                for (code, key) in REASONS {
                    option { value: "{code}", {lang.t(key)} }
                }
            }
        }
    };
    let body = rsx! {
        p { a { href: "/app/counts", {lang.t(Key::BackToCounts)} } }
        h1 { "{title}" }
        if let Some(msg) = result { p { class: "notice", role: "status", id: "count-result", "{msg}" } }
        if let Some(msg) = line_rejected { p { class: "notice", role: "status", id: "count-line-rejected", "{msg}" } }
        if let Some(msg) = closed_notice { p { class: "notice", role: "status", "{msg}" } }
        if q.rejected.is_some() { p { class: "notice", role: "status", id: "count-rejected", {lang.t(Key::CountRejected)} } }
        if let Some(by) = &request {
            div { class: "notice", id: "approval-request",
                p { {lang.tf(Key::ApprovalRequested, &[("name", by)])} }
                if open && can_approve {
                    form { class: "stack", method: "post", action: "/app/counts/{session.id}/reject", id: "reject-count",
                        CsrfField { token: csrf.clone() }
                        label { r#for: "reject-reason", {lang.t(Key::RejectReasonLabel)} }
                        input { id: "reject-reason", name: "reason", maxlength: "500", autocomplete: "off" }
                        button { r#type: "submit", class: "danger", {lang.t(Key::RejectRequest)} }
                    }
                }
            }
        }
        div { class: "notice live-notice", id: "count-changed", hidden: true, role: "status",
            "data-live-count": "{session.id}",
            {lang.t(Key::CountChanged)} " "
            a { href: "/app/counts/{session.id}", {lang.t(Key::Reload)} }
        }
        dl { class: "facts",
            dt { {lang.t(Key::ColType)} } dd { {lang.t(kind_label(session.kind))} if session.blind { " · " {lang.t(Key::CountBlind)} } }
            dt { {lang.t(Key::ColWarehouse)} } dd { "{warehouse}" }
            dt { {lang.t(Key::ColMode)} } dd { {lang.t(mode_label(session.mode))} }
            dt { {lang.t(Key::ColStatus)} } dd { id: "count-status", {lang.t(status_label(session.status))} }
            dt { {lang.t(Key::ColTolerance)} } dd { "{tolerance}" }
            dt { {lang.t(Key::ColLines)} } dd { id: "count-progress", "data-live-count-progress": "{session.id}", "{progress}" }
        }
        if lines.is_empty() {
            p { class: "muted", {lang.t(Key::NoCountLines)} }
        } else {
            {table_region(lang.t(Key::ColLines), rsx! {
                table { id: "count-lines",
                    thead { tr {
                        th { scope: "col", {lang.t(Key::ColLocation)} }
                        th { scope: "col", {lang.t(Key::ColProduct)} }
                        th { scope: "col", class: "num", {lang.t(Key::ColCounters)} }
                        th { scope: "col", class: "num", {lang.t(Key::ColCounted)} }
                        th { scope: "col", class: "num", {lang.t(Key::ColExpectedQty)} }
                        th { scope: "col", class: "num", {lang.t(Key::ColVarianceQty)} }
                        th { scope: "col", class: "num", {lang.t(Key::ColVarianceValue)} }
                        th { scope: "col", {lang.t(Key::ColStatus)} }
                    } }
                    tbody {
                        for r in rows.iter() {
                            tr { "data-line": "{r.key}", "data-state": "{state_id(r.line.state)}",
                                td { "{r.line.location_path}" }
                                td { class: "wrap", a { href: "/app/inventory/products/{r.line.product_id}", "{r.sku}" } " {r.name}" }
                                td { class: "num", "{r.line.counters}" }
                                td { class: "num", {r.line.counted_qty.map(|v| lang.qty(v)).unwrap_or_default()} }
                                td { class: "num", {r.line.expected_qty.map(|v| lang.qty(v)).unwrap_or_default()} }
                                td { class: "num variance", {r.line.variance_qty.map(|v| signed(lang, v, None)).unwrap_or_default()} }
                                td { class: "num", {r.line.variance_value.map(|v| format!("{} {currency}", signed(lang, v, Some(2)))).unwrap_or_default()} }
                                td { class: "wrap",
                                    span { class: "line-state", {lang.t(state_label(r.line.state))} }
                                    if let Some(x) = &r.line.rejection {
                                        br {}
                                        span { class: "muted rejection",
                                            {lang.tf(Key::RejectedBy, &[("name", x.rejected_by_name.as_deref().unwrap_or("—")), ("reason", &x.reason)])}
                                        }
                                    }
                                    if r.line.state == CountLineState::Agreed {
                                        br {}
                                        span { class: if r.line.within_tolerance { "muted" } else { "error" },
                                            {lang.t(if r.line.within_tolerance { Key::WithinTolerance } else { Key::OverTolerance })}
                                        }
                                    }
                                    if open && can_approve {
                                    div { class: "line-actions",
                                        if r.can_approve {
                                            form { class: "inline-form line-approve", method: "post", action: "/app/counts/{session.id}/decide",
                                                CsrfField { token: csrf.clone() }
                                                input { r#type: "hidden", name: "line", value: "{r.key}" }
                                                input { r#type: "hidden", name: "decision", value: "approve" }
                                                {reason_select(r.reason_id.clone())}
                                                button { r#type: "submit", "aria-label": "{r.label}", title: "{r.label}", {lang.t(Key::Approve)} }
                                            }
                                        }
                                        if r.can_reject {
                                            details { class: "line-reject",
                                                summary { "aria-label": "{r.reject_label}", {lang.t(Key::RejectEllipsis)} }
                                                form { class: "stack", method: "post", action: "/app/counts/{session.id}/decide",
                                                    CsrfField { token: csrf.clone() }
                                                    input { r#type: "hidden", name: "line", value: "{r.key}" }
                                                    input { r#type: "hidden", name: "decision", value: "reject" }
                                                    label { r#for: "{r.reject_id}", {lang.t(Key::RejectLineReason)} }
                                                    input { id: "{r.reject_id}", name: "reason", required: true, maxlength: "500", autocomplete: "off" }
                                                    button { r#type: "submit", class: "danger", "aria-label": "{r.reject_label}", {lang.t(Key::Reject)} }
                                                }
                                            }
                                        }
                                    }
                                }
                                }
                            }
                        }
                    }
                }
            })}
        }
        if open && can_approve && lines.iter().any(|l| l.state == CountLineState::Agreed) {
            form { class: "inline-form", method: "post", action: "/app/counts/{session.id}/approve", id: "approve-all",
                CsrfField { token: csrf.clone() }
                input { r#type: "hidden", name: "all", value: "1" }
                {reason_select("reason-all".to_owned())}
                button { r#type: "submit", {lang.t(Key::ApproveAll)} }
            }
        }
        if open && can_close {
            form { class: "inline-form", method: "post", action: "/app/counts/{session.id}/close", id: "close-count",
                CsrfField { token: csrf.clone() }
                p { class: "hint", id: "close-hint", {lang.t(Key::CloseCountHint)} }
                button { r#type: "submit", class: "danger", "aria-describedby": "close-hint", {lang.t(Key::CloseCount)} }
            }
        }
    };
    Ok(app_page(&shell, &title, body).into_response())
}

struct LineRow {
    line: CountLine,
    key: String,
    sku: String,
    name: String,
    label: String,
    reject_label: String,
    can_approve: bool,
    can_reject: bool,
    reason_id: String,
    reject_id: String,
}

#[derive(Deserialize)]
pub struct ApproveForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    line: Option<String>,
    #[serde(default)]
    all: Option<String>,
    #[serde(default)]
    reason_code: Option<String>,
}

/// `POST /app/counts/{id}/approve`: one line (`line`) or every agreed line (`all`).
pub async fn approve(
    headers: HeaderMap,
    w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<ApproveForm>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    require_csrf(&headers, &f.csrf, lang)?;
    let lines = match f.line.as_deref() {
        Some(k) => vec![parse_line_key(k).ok_or(WebError::NotFound(lang))?],
        None => vec![],
    };
    let reason_code = f
        .reason_code
        .filter(|r| REASONS.iter().any(|(c, _)| c == r));
    let input = CountApproval {
        lines,
        all_over_tolerance: f.all.is_some(),
        reason_code,
    };
    let AppJson(result) = crate::http::counts::approve_count(w.tx, AppPath(id), AppJson(input))
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    let to = format!(
        "/app/counts/{id}?posted={}&pending={}&value={}",
        result.posted.len(),
        result.pending.len(),
        encode(&result.adjustment_value.to_string())
    );
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    reason_code: Option<String>,
}

/// `POST /app/counts/{id}/decide`: approves or rejects (with a reason) one line,
/// through the same code as `POST /api/v1/counts/{id}/decisions`.
pub async fn decide(
    headers: HeaderMap,
    mut w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<DecideForm>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    require_csrf(&headers, &f.csrf, lang)?;
    let key = parse_line_key(&f.line).ok_or(WebError::NotFound(lang))?;
    let decision = match f.decision.as_str() {
        "approve" => CountLineVerdict::Approve,
        "reject" => CountLineVerdict::Reject,
        _ => return Err(WebError::NotFound(lang)),
    };
    let reason_code = f
        .reason_code
        .filter(|r| REASONS.iter().any(|(c, _)| c == r));
    let input = CountLineDecisions {
        decisions: vec![CountLineDecision {
            location_id: key.location_id,
            product_id: key.product_id,
            lot_id: key.lot_id,
            decision,
            reason: f.reason.map(|r| r.trim().to_owned()),
        }],
        reason_code,
    };
    let user = w.ctx().user_id;
    let result = crate::http::counts::decide_lines(w.conn(), id, user, &input)
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    w.commit().await?;
    let to = if result.rejected.is_empty() {
        format!(
            "/app/counts/{id}?posted={}&pending={}&value={}",
            result.posted.len(),
            result.pending.len(),
            encode(&result.adjustment_value.to_string())
        )
    } else {
        format!(
            "/app/counts/{id}?line_rejected={}&pending={}",
            result.rejected.len(),
            result.pending.len()
        )
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /app/counts/{id}/reject`: rejects the open approval request (nothing posts;
/// the counter is told why).
pub async fn reject(
    headers: HeaderMap,
    w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<RejectForm>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    require_csrf(&headers, &f.csrf, lang)?;
    let reason = Some(f.reason.trim().to_owned()).filter(|r| !r.is_empty());
    crate::http::counts::reject_count(w.tx, AppPath(id), AppJson(CountRejection { reason }))
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    Ok(Redirect::to(&format!("/app/counts/{id}?rejected=1")).into_response())
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// `POST /app/counts/{id}/close`: no more counts; unapproved variances post nothing.
pub async fn close(
    headers: HeaderMap,
    w: WebTx,
    Path(id): Path<Uuid>,
    Form(f): Form<CloseForm>,
) -> WebResult<Response> {
    let lang = w.accept_lang;
    require_csrf(&headers, &f.csrf, lang)?;
    crate::http::counts::close_count_session(w.tx, AppPath(id))
        .await
        .map_err(|e| WebError::from_api(e, lang))?;
    Ok(Redirect::to(&format!("/app/counts/{id}?closed=1")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_keys_round_trip() {
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let k = parse_line_key(&format!("{a}:{b}:{c}")).unwrap();
        assert_eq!((k.location_id, k.product_id, k.lot_id), (a, b, Some(c)));
        let k = parse_line_key(&format!("{a}:{b}")).unwrap();
        assert_eq!(k.lot_id, None);
        assert!(parse_line_key("x:y").is_none());
        assert!(parse_line_key(&format!("{a}:{b}:{c}:{a}")).is_none());
    }
}
