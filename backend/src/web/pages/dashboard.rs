//! The dashboard: widgets the user adds, removes and reorders (by drag and drop or
//! with the move buttons), the layout saved per user; and the preference form
//! (theme, language) every page's header posts to.

use axum::http::header::REFERER;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use dioxus::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::db;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::web::i18n::{Key, Lang};
use crate::web::layout::{app_page, CsrfField, Nav, Shell};
use crate::web::pages::{table_region, when};
use crate::web::session::{require_csrf, WebTx};
use crate::web::theme::Theme;
use crate::web::{from_script, WebResult};

/// A dashboard widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    StockValue,
    LowStock,
    RecentMoves,
    CountProgress,
    Pipeline,
    VisitsToday,
}

impl Widget {
    pub const ALL: [Widget; 6] = [
        Widget::StockValue,
        Widget::LowStock,
        Widget::RecentMoves,
        Widget::CountProgress,
        Widget::Pipeline,
        Widget::VisitsToday,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Widget::StockValue => "stock_value",
            Widget::LowStock => "low_stock",
            Widget::RecentMoves => "recent_moves",
            Widget::CountProgress => "count_progress",
            Widget::Pipeline => "pipeline",
            Widget::VisitsToday => "visits_today",
        }
    }

    pub fn parse(id: &str) -> Option<Widget> {
        Widget::ALL.into_iter().find(|w| w.id() == id)
    }

    fn title(self) -> Key {
        match self {
            Widget::StockValue => Key::WidgetStockValue,
            Widget::LowStock => Key::WidgetLowStock,
            Widget::RecentMoves => Key::WidgetRecentMoves,
            Widget::CountProgress => Key::WidgetCountProgress,
            Widget::Pipeline => Key::WidgetPipeline,
            Widget::VisitsToday => Key::WidgetVisitsToday,
        }
    }

    fn permission(self) -> Permission {
        match self {
            Widget::StockValue | Widget::LowStock | Widget::RecentMoves => Permission::StockRead,
            Widget::CountProgress => Permission::CountPerform,
            Widget::Pipeline | Widget::VisitsToday => Permission::ContactRead,
        }
    }
}

/// The stored layout made valid: known widgets, each once; the default when unset.
pub fn effective_layout(stored: Option<&[String]>) -> Vec<Widget> {
    match stored {
        None => Widget::ALL.to_vec(),
        Some(ids) => {
            let mut out: Vec<Widget> = Vec::new();
            for w in ids.iter().filter_map(|id| Widget::parse(id)) {
                if !out.contains(&w) {
                    out.push(w);
                }
            }
            out
        }
    }
}

/// Applies one layout operation; `None` when it names nothing valid.
pub fn apply_op(
    layout: &[Widget],
    op: &str,
    widget: Option<Widget>,
    order: &str,
) -> Option<Vec<Widget>> {
    let mut l = layout.to_vec();
    let pos = widget.and_then(|w| l.iter().position(|x| *x == w));
    match op {
        "up" => {
            let i = pos?;
            if i > 0 {
                l.swap(i, i - 1);
            }
        }
        "down" => {
            let i = pos?;
            if i + 1 < l.len() {
                l.swap(i, i + 1);
            }
        }
        "remove" => {
            l.remove(pos?);
        }
        "add" => {
            let w = widget?;
            if pos.is_none() {
                l.push(w);
            }
        }
        "order" => {
            let ids: Vec<String> = order.split(',').map(|s| s.trim().to_owned()).collect();
            l = effective_layout(Some(&ids));
        }
        _ => return None,
    }
    Some(l)
}

struct WidgetData {
    currency: String,
    stock_value: Vec<db::views::WarehouseValue>,
    low_stock: Vec<db::views::LowStock>,
    moves: Vec<db::views::MoveLine>,
    counts: Vec<db::views::CountProgress>,
    /// Contacts per stage, won and lost in 30 days.
    pipeline: (Vec<db::views::StageCount>, i64, i64),
    visits: Vec<db::views::VisitToday>,
}

/// The stock-value chart as an SVG bar chart (a table with the same figures follows it).
fn stock_value_chart(lang: Lang, rows: &[db::views::WarehouseValue], currency: &str) -> String {
    const W: f64 = 480.0;
    const LABEL_W: f64 = 140.0;
    const VALUE_W: f64 = 130.0;
    const BAR_H: f64 = 28.0;
    const GAP: f64 = 14.0;
    let max = rows
        .iter()
        .map(|r| r.value)
        .max()
        .unwrap_or_default()
        .max(Decimal::ONE);
    let h = (rows.len() as f64) * (BAR_H + GAP) + GAP;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-labelledby="sv-title sv-desc" viewBox="0 0 {W} {h}" preserveAspectRatio="xMinYMin meet"><title id="sv-title">{}</title><desc id="sv-desc">{}</desc>"#,
        esc(lang.t(Key::WidgetStockValue)),
        esc(lang.t(Key::ChartStockValueDesc)),
    );
    for (i, r) in rows.iter().enumerate() {
        let y = GAP + (i as f64) * (BAR_H + GAP);
        let share = (r.value / max)
            .to_string()
            .parse::<f64>()
            .unwrap_or(0.0)
            .clamp(0.0, 1.0);
        let bw = ((W - LABEL_W - VALUE_W) * share).max(2.0);
        svg.push_str(&format!(
            r#"<text x="0" y="{ty}" class="chart-label">{name}</text><rect class="bar" x="{LABEL_W}" y="{y}" width="{bw:.1}" height="{BAR_H}" rx="3"/><text x="{vx:.1}" y="{ty}" class="chart-value">{val} {cur}</text>"#,
            ty = y + BAR_H * 0.7,
            name = esc(&truncate(&r.name, 16)),
            vx = LABEL_W + bw + 8.0,
            val = lang.number(r.value, 2),
            cur = esc(currency),
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn widget_body(lang: Lang, w: Widget, d: &WidgetData) -> Element {
    match w {
        Widget::CountProgress => count_progress(lang, d),
        Widget::Pipeline => pipeline(lang, d),
        Widget::VisitsToday => visits_today(lang, d),
        Widget::StockValue => {
            if d.stock_value.is_empty() {
                return rsx! { p { class: "muted", {lang.t(Key::NoWarehouses)} } };
            }
            let svg = stock_value_chart(lang, &d.stock_value, &d.currency);
            let total: Decimal = d.stock_value.iter().map(|r| r.value).sum();
            let total = format!("{} {}", lang.number(total, 2), d.currency);
            rsx! {
                div { class: "chart-wrap", "data-live": "stock-value", dangerous_inner_html: "{svg}" }
                details { class: "chart-table",
                    summary { {lang.t(Key::ShowAsTable)} }
                    {table_region(lang.t(Key::WidgetStockValue), rsx! {
                        table {
                            caption { class: "visually-hidden", {lang.t(Key::WidgetStockValue)} }
                            thead { tr { th { scope: "col", {lang.t(Key::ColWarehouse)} } th { scope: "col", class: "num", {lang.t(Key::ColQty)} } th { scope: "col", class: "num", {lang.t(Key::ColValue)} } } }
                            tbody {
                                for r in d.stock_value.iter() {
                                    tr {
                                        th { scope: "row", "{r.name}" }
                                        td { class: "num", {lang.qty(r.qty)} }
                                        td { class: "num", "{lang.number(r.value, 2)} {d.currency}" }
                                    }
                                }
                            }
                            tfoot { tr { th { scope: "row", {lang.t(Key::Total)} } td {} td { class: "num", "{total}" } } }
                        }
                    })}
                }
            }
        }
        Widget::LowStock => {
            if d.low_stock.is_empty() {
                return rsx! { p { class: "muted", {lang.t(Key::NoLowStock)} } };
            }
            table_region(
                lang.t(Key::WidgetLowStock),
                rsx! {
                    table {
                        thead { tr {
                            th { scope: "col", {lang.t(Key::ColSku)} }
                            th { scope: "col", {lang.t(Key::ColName)} }
                            th { scope: "col", class: "num", {lang.t(Key::ColOnHand)} }
                            th { scope: "col", class: "num", {lang.t(Key::ReorderPoint)} }
                        } }
                        tbody {
                            for r in d.low_stock.iter() {
                                tr {
                                    td { a { href: "/app/inventory/products/{r.product_id}", "{r.sku}" } }
                                    td { class: "wrap", "{r.name}" }
                                    td { class: "num", "data-live-product": "{r.product_id}", {lang.qty(r.on_hand)} }
                                    td { class: "num", {lang.qty(r.reorder_point)} }
                                }
                            }
                        }
                    }
                },
            )
        }
        Widget::RecentMoves => {
            if d.moves.is_empty() {
                return rsx! { p { class: "muted", {lang.t(Key::NoMoves)} } };
            }
            table_region(
                lang.t(Key::WidgetRecentMoves),
                rsx! {
                    table {
                        thead { tr {
                            th { scope: "col", {lang.t(Key::ColDate)} }
                            th { scope: "col", {lang.t(Key::ColSku)} }
                            th { scope: "col", class: "num", {lang.t(Key::ColQty)} }
                            th { scope: "col", {lang.t(Key::ColFrom)} }
                            th { scope: "col", {lang.t(Key::ColTo)} }
                        } }
                        tbody {
                            for m in d.moves.iter() {
                                tr {
                                    td { {when(lang, m.created_at)} }
                                    td { a { href: "/app/inventory/products/{m.product_id}", "{m.sku}" } }
                                    td { class: "num", {lang.qty(m.qty)} }
                                    td { "{m.from_path}" }
                                    td { "{m.to_path}" }
                                }
                            }
                        }
                    }
                },
            )
        }
    }
}

fn pipeline(lang: Lang, d: &WidgetData) -> Element {
    let (stages, won, lost) = &d.pipeline;
    if stages.is_empty() {
        return rsx! { p { class: "muted", {lang.t(Key::NoPipeline)} } };
    }
    table_region(
        lang.t(Key::WidgetPipeline),
        rsx! {
            table {
                thead { tr {
                    th { scope: "col", {lang.t(Key::PipelineStage)} }
                    th { scope: "col", class: "num", {lang.t(Key::PipelineContacts)} }
                } }
                tbody {
                    for st in stages.iter() {
                        tr { "data-stage": "{st.stage}",
                            th { scope: "row", {stage_label(lang, &st.stage)} }
                            td { class: "num", "{st.contacts}" }
                        }
                    }
                }
                tfoot {
                    tr { th { scope: "row", {lang.t(Key::PipelineWon)} } td { class: "num", "{won}" } }
                    tr { th { scope: "row", {lang.t(Key::PipelineLost)} } td { class: "num", "{lost}" } }
                }
            }
        },
    )
}

/// A lifecycle stage in the user's language.
pub fn stage_label(lang: Lang, stage: &str) -> &'static str {
    lang.t(match stage {
        "subscriber" => Key::StageSubscriber,
        "lead" => Key::StageLead,
        "qualified" => Key::StageQualified,
        "opportunity" => Key::StageOpportunity,
        "customer" => Key::StageCustomer,
        "evangelist" => Key::StageEvangelist,
        "churned" => Key::StageChurned,
        _ => Key::StageOther,
    })
}

fn visits_today(lang: Lang, d: &WidgetData) -> Element {
    if d.visits.is_empty() {
        return rsx! { p { class: "muted", {lang.t(Key::NoVisitsToday)} } };
    }
    rsx! {
        ul { class: "plain",
            for v in d.visits.iter() {
                li { "data-visit": "{v.id}",
                    time { datetime: "{v.occurred_at.to_rfc3339()}", {when(lang, v.occurred_at)} }
                    " · "
                    a { href: "/app/visits", "{v.subject}" }
                    if let Some(c) = &v.contact_name { span { class: "muted", " · {c}" } }
                }
            }
        }
    }
}

fn count_progress(lang: Lang, d: &WidgetData) -> Element {
    if d.counts.is_empty() {
        return rsx! { p { class: "muted", {lang.t(Key::NoOpenCounts)} } };
    }
    rsx! {
        ul { class: "count-progress plain",
            for c in d.counts.iter() { {count_row(lang, c)} }
        }
    }
}

fn count_row(lang: Lang, c: &db::views::CountProgress) -> Element {
    let label = lang.tf(
        Key::CountProgress,
        &[
            ("counted", &c.counted.to_string()),
            ("posted", &c.posted.to_string()),
        ],
    );
    let max = c.counted.max(1);
    rsx! {
        li { "data-count": "{c.session_id}",
            a { href: "/app/counts/{c.session_id}", "{c.warehouse} · {when(lang, c.created_at)}" }
            progress { max: "{max}", value: "{c.posted}", "aria-label": "{label}", "data-live-count-bar": "{c.session_id}", "{c.posted}/{max}" }
            span { class: "muted", "data-live-count-progress": "{c.session_id}", "{label}" }
        }
    }
}

fn widget_controls(shell: &Shell, w: Widget, first: bool, last: bool) -> Element {
    let lang = shell.lang;
    let name = lang.t(w.title());
    let up = lang.tf(Key::MoveUp, &[("widget", name)]);
    let down = lang.tf(Key::MoveDown, &[("widget", name)]);
    let remove = lang.tf(Key::RemoveWidget, &[("widget", name)]);
    let csrf = shell.csrf.clone();
    rsx! {
        form { class: "widget-controls", method: "post", action: "/app/dashboard/layout",
            CsrfField { token: csrf }
            input { r#type: "hidden", name: "widget", value: "{w.id()}" }
            button { r#type: "submit", name: "op", value: "up", class: "icon", title: "{up}", "aria-label": "{up}", disabled: first, "↑" }
            button { r#type: "submit", name: "op", value: "down", class: "icon", title: "{down}", "aria-label": "{down}", disabled: last, "↓" }
            button { r#type: "submit", name: "op", value: "remove", class: "icon", title: "{remove}", "aria-label": "{remove}", "×" }
        }
    }
}

/// `GET /app`
pub async fn page(mut w: WebTx) -> WebResult<Response> {
    let started = std::time::Instant::now();
    let shell = Shell::load(&mut w, Nav::Dashboard).await?;
    let lang = shell.lang;
    let user = w.ctx().user_id;
    let prefs = db::preferences::get(w.conn(), user).await?;
    let layout = effective_layout(prefs.dashboard.as_deref());
    let can_stock = w.ctx().can(Permission::StockRead);
    let allowed: Vec<Widget> = Widget::ALL
        .into_iter()
        .filter(|x| w.ctx().can(x.permission()))
        .collect();
    let counts = if allowed.contains(&Widget::CountProgress) {
        db::views::open_counts(w.conn(), 5).await?
    } else {
        vec![]
    };
    let (pipeline, visits) = if w.ctx().can(Permission::ContactRead) {
        (
            db::views::pipeline(w.conn()).await?,
            db::views::visits_today(w.conn(), 5).await?,
        )
    } else {
        ((vec![], 0, 0), vec![])
    };
    let brand = db::views::branding(w.conn()).await?;
    let currency = brand.settings["base_currency"]
        .as_str()
        .unwrap_or("EUR")
        .to_owned();
    let data = if can_stock {
        WidgetData {
            currency,
            stock_value: db::views::stock_value_by_warehouse(w.conn()).await?,
            low_stock: db::views::low_stock(w.conn(), 10).await?,
            moves: db::views::moves(w.conn(), None, 8, 0).await?.0,
            counts,
            pipeline,
            visits,
        }
    } else {
        WidgetData {
            currency,
            stock_value: vec![],
            low_stock: vec![],
            moves: vec![],
            counts,
            pipeline,
            visits,
        }
    };
    w.commit().await?;
    let db_done = std::time::Instant::now();
    let hidden: Vec<Widget> = Widget::ALL
        .into_iter()
        .filter(|x| !layout.contains(x))
        .collect();
    let n = layout.len();
    let csrf = shell.csrf.clone();
    let body = rsx! {
        h1 { {lang.t(Key::DashboardTitle)} }
        p { class: "muted", id: "dashboard-help", {lang.t(Key::DashboardIntro)} }
        ol { id: "widgets", class: "widgets", "aria-describedby": "dashboard-help",
            for (i, wdg) in layout.iter().copied().enumerate() {
                li { class: "widget", draggable: "true", "data-widget": "{wdg.id()}",
                    section { "aria-labelledby": "w-{wdg.id()}",
                        div { class: "widget-head",
                            span { class: "drag-handle", "aria-hidden": "true", title: "{lang.tf(Key::DragHandle, &[(\"widget\", lang.t(wdg.title()))])}", "⠿" }
                            h2 { id: "w-{wdg.id()}", {lang.t(wdg.title())} }
                            {widget_controls(&shell, wdg, i == 0, i + 1 == n)}
                        }
                        if allowed.contains(&wdg) {
                            {widget_body(lang, wdg, &data)}
                        } else {
                            p { class: "muted", {lang.t(Key::NotPermitted)} }
                        }
                    }
                }
            }
        }
        section { class: "add-widget", "aria-labelledby": "add-widget-h",
            h2 { id: "add-widget-h", {lang.t(Key::AddWidget)} }
            if hidden.is_empty() {
                p { class: "muted", {lang.t(Key::AllWidgetsShown)} }
            } else {
                form { method: "post", action: "/app/dashboard/layout", class: "inline-form",
                    CsrfField { token: csrf }
                    input { r#type: "hidden", name: "op", value: "add" }
                    label { r#for: "add-widget", {lang.t(Key::AddWidgetLabel)} }
                    select { id: "add-widget", name: "widget",
                        for h in hidden.iter().copied() {
                            option { value: "{h.id()}", {lang.t(h.title())} }
                        }
                    }
                    button { r#type: "submit", {lang.t(Key::Add)} }
                }
            }
        }
    };
    let html = app_page(&shell, lang.t(Key::DashboardTitle), body);
    let done = std::time::Instant::now();
    // How long the server took, for the benchmark (and anyone curious in dev tools).
    let timing = format!(
        "db;dur={:.2}, render;dur={:.2}, total;dur={:.2}",
        (db_done - started).as_secs_f64() * 1000.0,
        (done - db_done).as_secs_f64() * 1000.0,
        (done - started).as_secs_f64() * 1000.0
    );
    Ok(([("server-timing", timing)], html).into_response())
}

#[derive(Deserialize)]
pub struct LayoutForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    op: String,
    #[serde(default)]
    widget: String,
    #[serde(default)]
    order: String,
}

/// `POST /app/dashboard/layout`: one operation (`up`, `down`, `remove`, `add`, or
/// `order` with the full comma-separated order from drag and drop).
pub async fn save_layout(
    headers: HeaderMap,
    mut w: WebTx,
    Form(f): Form<LayoutForm>,
) -> WebResult<Response> {
    require_csrf(&headers, &f.csrf, w.accept_lang)?;
    let user = w.ctx().user_id;
    let prefs = db::preferences::get(w.conn(), user).await?;
    let layout = effective_layout(prefs.dashboard.as_deref());
    let next = apply_op(&layout, &f.op, Widget::parse(&f.widget), &f.order)
        .ok_or_else(|| ApiError::validation("op", "Unknown layout change."))?;
    let ids: Vec<String> = next.iter().map(|x| x.id().to_owned()).collect();
    db::preferences::set_dashboard(w.conn(), user, &ids).await?;
    w.commit().await?;
    if from_script(&headers) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Redirect::to("/app").into_response())
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    theme: Option<String>,
    language: Option<String>,
}

/// `POST /app/preferences`: theme and/or language, stored per user.
pub async fn save_preferences(
    headers: HeaderMap,
    mut w: WebTx,
    Form(f): Form<PreferencesForm>,
) -> WebResult<Response> {
    require_csrf(&headers, &f.csrf, w.accept_lang)?;
    let user = w.ctx().user_id;
    if let Some(t) = f.theme.as_deref() {
        let theme =
            Theme::parse(t).ok_or_else(|| ApiError::validation("theme", "Unknown theme."))?;
        db::preferences::set_theme(w.conn(), user, theme.as_str()).await?;
    }
    if let Some(l) = f.language.as_deref() {
        let lang = Lang::from_tag(l)
            .ok_or_else(|| ApiError::validation("language", "Unknown language."))?;
        db::preferences::set_language(w.conn(), user, lang.tag()).await?;
    }
    w.commit().await?;
    if from_script(&headers) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(Redirect::to(&back_to(&headers)).into_response())
}

/// Where a form post returns: the referring `/app` page of this site, else the dashboard.
fn back_to(headers: &HeaderMap) -> String {
    headers
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/app").map(|i| r[i..].to_owned()))
        .filter(|p| p.starts_with("/app") && !p.starts_with("/app/login") && !p.contains("//"))
        .unwrap_or_else(|| "/app".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_operations() {
        let l = Widget::ALL.to_vec();
        let up = apply_op(&l, "up", Some(Widget::LowStock), "").unwrap();
        assert_eq!(up[0], Widget::LowStock);
        let down = apply_op(&l, "down", Some(Widget::VisitsToday), "").unwrap();
        assert_eq!(down, l, "the last one stays last");
        let removed = apply_op(&l, "remove", Some(Widget::StockValue), "").unwrap();
        assert_eq!(
            removed,
            vec![
                Widget::LowStock,
                Widget::RecentMoves,
                Widget::CountProgress,
                Widget::Pipeline,
                Widget::VisitsToday
            ]
        );
        let added = apply_op(&removed, "add", Some(Widget::StockValue), "").unwrap();
        assert_eq!(added.last(), Some(&Widget::StockValue));
        let ordered = apply_op(
            &l,
            "order",
            None,
            "recent_moves,bogus,stock_value,recent_moves",
        )
        .unwrap();
        assert_eq!(ordered, vec![Widget::RecentMoves, Widget::StockValue]);
        assert!(apply_op(&l, "explode", None, "").is_none());
        assert!(apply_op(&l, "up", None, "").is_none());
    }

    #[test]
    fn stored_layouts_are_cleaned() {
        assert_eq!(effective_layout(None), Widget::ALL.to_vec());
        let stored = vec![
            "low_stock".to_owned(),
            "x".to_owned(),
            "low_stock".to_owned(),
        ];
        assert_eq!(effective_layout(Some(&stored)), vec![Widget::LowStock]);
    }
}
