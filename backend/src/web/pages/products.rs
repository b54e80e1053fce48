//! Inventory: the products grid (search, archived and low-stock filters, paging) and
//! a product's page (stock per location, ledger moves, valuation layers, barcodes).

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use dioxus::prelude::*;
use serde::Deserialize;
use shared_types::inventory::{ProductType, Symbology};
use uuid::Uuid;

use crate::db;
use crate::domain::permissions::Permission;
use crate::http::extract::Paging;
use crate::web::barcode;
use crate::web::i18n::{Key, Lang};
use crate::web::layout::{app_page, Nav, Shell};
use crate::web::pages::{encode, pager, table_region, when};
use crate::web::session::WebTx;
use crate::web::{WebError, WebResult};

const PAGE_SIZE: i64 = 25;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    archived: Option<String>,
    #[serde(default)]
    stock: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
}

fn type_label(t: ProductType) -> Key {
    match t {
        ProductType::Stocked => Key::TypeStocked,
        ProductType::Consumable => Key::TypeConsumable,
        ProductType::Service => Key::TypeService,
    }
}

struct Row {
    id: Uuid,
    sku: String,
    name: String,
    kind: Key,
    on_hand: Option<String>,
    archived: bool,
}

/// `GET /app/inventory/products`
pub async fn list(mut w: WebTx, Query(q): Query<ListQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Products).await?;
    let lang = shell.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let include_archived = q.archived.as_deref() == Some("1");
    let low_only = q.stock.as_deref() == Some("low");
    let search = Some(q.q.trim()).filter(|s| !s.is_empty());
    let can_stock = w.ctx().can(Permission::StockRead);
    let (rows, total) = if low_only && can_stock {
        // The low-stock filter is the dashboard's list, searched and paged here.
        let all = db::views::low_stock(w.conn(), 10_000).await?;
        let needle = search.map(str::to_lowercase);
        let matching: Vec<_> = all
            .into_iter()
            .filter(|r| {
                needle.as_ref().is_none_or(|n| {
                    r.sku.to_lowercase().contains(n) || r.name.to_lowercase().contains(n)
                })
            })
            .collect();
        let total = matching.len() as i64;
        let rows = matching
            .into_iter()
            .skip(offset as usize)
            .take(PAGE_SIZE as usize)
            .map(|r| Row {
                id: r.product_id,
                sku: r.sku,
                name: r.name,
                kind: Key::TypeStocked,
                on_hand: Some(lang.qty(r.on_hand)),
                archived: false,
            })
            .collect::<Vec<_>>();
        (rows, total)
    } else {
        let (items, total) = db::products::list(
            w.conn(),
            search,
            include_archived,
            None,
            Paging {
                limit: PAGE_SIZE,
                offset,
            },
        )
        .await?;
        let ids: Vec<Uuid> = items.iter().map(|p| p.id).collect();
        let on_hand = if can_stock {
            db::views::on_hand_of(w.conn(), &ids).await?
        } else {
            Default::default()
        };
        let rows = items
            .into_iter()
            .map(|p| Row {
                on_hand: can_stock
                    .then(|| lang.qty(on_hand.get(&p.id).copied().unwrap_or_default())),
                id: p.id,
                sku: p.sku,
                name: p.name,
                kind: type_label(p.product_type),
                archived: p.archived,
            })
            .collect();
        (rows, total)
    };
    w.commit().await?;
    let mut query = vec![];
    if !q.q.is_empty() {
        query.push(format!("q={}", encode(&q.q)));
    }
    if include_archived {
        query.push("archived=1".to_owned());
    }
    if low_only {
        query.push("stock=low".to_owned());
    }
    let query = query.join("&");
    let count = lang.tf(Key::ResultsCount, &[("count", &total.to_string())]);
    let body = rsx! {
        h1 { {lang.t(Key::ProductsTitle)} }
        form { class: "filters", method: "get", action: "/app/inventory/products", role: "search",
            "aria-label": "{lang.t(Key::FiltersLabel)}",
            div { class: "field",
                label { r#for: "q", {lang.t(Key::SearchLabel)} }
                input { id: "q", name: "q", r#type: "search", value: "{q.q}" }
            }
            div { class: "field",
                label { r#for: "stock", {lang.t(Key::StockFilterLabel)} }
                select { id: "stock", name: "stock",
                    option { value: "", selected: !low_only, {lang.t(Key::StockAny)} }
                    option { value: "low", selected: low_only, {lang.t(Key::StockLow)} }
                }
            }
            div { class: "field checkbox",
                input { id: "archived", name: "archived", r#type: "checkbox", value: "1", checked: include_archived }
                label { r#for: "archived", {lang.t(Key::IncludeArchived)} }
            }
            button { r#type: "submit", {lang.t(Key::ApplyFilters)} }
        }
        p { role: "status", id: "results-count", "{count}" }
        if rows.is_empty() {
            p { class: "muted", {lang.t(Key::NoProducts)} }
        } else {
            {table_region(lang.t(Key::ProductsTitle), rsx! {
                table { class: "grid",
                    thead { tr {
                        th { scope: "col", {lang.t(Key::ColSku)} }
                        th { scope: "col", {lang.t(Key::ColName)} }
                        th { scope: "col", {lang.t(Key::ColType)} }
                        if can_stock { th { scope: "col", class: "num", {lang.t(Key::ColOnHand)} } }
                        th { scope: "col", {lang.t(Key::ColStatus)} }
                    } }
                    tbody {
                        for r in rows.iter() {
                            tr {
                                td { a { href: "/app/inventory/products/{r.id}", "{r.sku}" } }
                                td { class: "wrap", "{r.name}" }
                                td { {lang.t(r.kind)} }
                                if let Some(oh) = &r.on_hand { td { class: "num", "data-live-product": "{r.id}", "{oh}" } }
                                td { if r.archived { {lang.t(Key::Archived)} } else { {lang.t(Key::Active)} } }
                            }
                        }
                    }
                }
            })}
        }
        {pager(lang, "/app/inventory/products", &query, offset, PAGE_SIZE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::ProductsTitle), body).into_response())
}

fn symbology_name(s: Symbology) -> &'static str {
    match s {
        Symbology::Ean13 => "EAN-13",
        Symbology::UpcA => "UPC-A",
        Symbology::Ean8 => "EAN-8",
        Symbology::Gtin14 => "GTIN-14",
        Symbology::Code128 => "Code 128",
        Symbology::Gs1_128 => "GS1-128",
        Symbology::Qr => "QR",
        Symbology::DataMatrix => "DataMatrix",
    }
}

/// The barcode drawn as SVG, or `None` when this symbology is shown as text only.
pub fn barcode_svg(lang: Lang, symbology: Symbology, code: &str) -> Option<String> {
    let name = symbology_name(symbology);
    let label = lang.tf(Key::BarcodeImageAlt, &[("symbology", name), ("code", code)]);
    match symbology {
        Symbology::Ean13 | Symbology::UpcA => {
            barcode::ean13_modules(code).map(|m| barcode::linear_svg(&m, code, &label))
        }
        Symbology::Ean8 => {
            barcode::ean8_modules(code).map(|m| barcode::linear_svg(&m, code, &label))
        }
        Symbology::Code128 | Symbology::Gtin14 => {
            barcode::code128_modules(code, false).map(|m| barcode::linear_svg(&m, code, &label))
        }
        Symbology::Gs1_128 => {
            barcode::code128_modules(code, true).map(|m| barcode::linear_svg(&m, code, &label))
        }
        Symbology::Qr => barcode::qr_svg(code, &label),
        Symbology::DataMatrix => None,
    }
}

/// `GET /app/inventory/products/{id}`
pub async fn detail(mut w: WebTx, Path(id): Path<Uuid>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Products).await?;
    let lang = shell.lang;
    let product = db::products::get(w.conn(), id)
        .await?
        .ok_or(WebError::NotFound(lang))?;
    let can_stock = w.ctx().can(Permission::StockRead);
    let (quants, moves, layers) = if can_stock {
        (
            db::stock::list_quants(w.conn(), Some(id), None, 200, 0)
                .await?
                .0,
            db::views::moves(w.conn(), Some(id), 20, 0).await?.0,
            db::views::layers(w.conn(), id).await?,
        )
    } else {
        (vec![], vec![], vec![])
    };
    // The same figure the live updates send (`/app/live/on-hand`).
    let on_hand: rust_decimal::Decimal = if can_stock {
        db::views::on_hand_of(w.conn(), &[id])
            .await?
            .get(&id)
            .copied()
            .unwrap_or_default()
    } else {
        rust_decimal::Decimal::ZERO
    };
    w.commit().await?;
    let codes: Vec<(String, String, Option<String>)> = product
        .barcodes
        .iter()
        .map(|b| {
            (
                symbology_name(b.symbology).to_owned(),
                b.code.clone(),
                barcode_svg(lang, b.symbology, &b.code),
            )
        })
        .collect();
    let supplier = product
        .supplier_info
        .supplier_name
        .clone()
        .unwrap_or_default();
    let lead = product
        .supplier_info
        .lead_time_days
        .map(|d| d.to_string())
        .unwrap_or_default();
    let title = format!("{} · {}", product.sku, product.name);
    let body = rsx! {
        p { a { href: "/app/inventory/products", "← " {lang.t(Key::BackToProducts)} } }
        h1 { "{product.sku} · {product.name}" }
        section { "aria-labelledby": "details-h", class: "card",
            h2 { id: "details-h", {lang.t(Key::ProductDetails)} }
            dl { class: "facts",
                dt { {lang.t(Key::ColType)} } dd { {lang.t(type_label(product.product_type))} }
                dt { {lang.t(Key::Unit)} } dd { "{product.base_uom}" }
                dt { {lang.t(Key::Cost)} } dd { {lang.number(product.cost, 2)} }
                if can_stock {
                    dt { {lang.t(Key::ColOnHand)} } dd { "data-live-product": "{product.id}", {lang.qty(on_hand)} }
                }
                if !supplier.is_empty() { dt { {lang.t(Key::Supplier)} } dd { "{supplier}" } }
                if !lead.is_empty() { dt { {lang.t(Key::LeadTime)} } dd { "{lead}" } }
                dt { {lang.t(Key::ColStatus)} } dd { if product.archived { {lang.t(Key::Archived)} } else { {lang.t(Key::Active)} } }
            }
        }
        section { "aria-labelledby": "barcodes-h", class: "card",
            h2 { id: "barcodes-h", {lang.t(Key::Barcodes)} }
            if codes.is_empty() {
                p { class: "muted", {lang.t(Key::NoBarcodes)} }
            } else {
                ul { class: "barcodes",
                    for (sym, code, svg) in codes.iter() {
                        li {
                            if let Some(svg) = svg {
                                div { class: "barcode-img", dangerous_inner_html: "{svg}" }
                            } else {
                                p { class: "muted", {lang.t(Key::BarcodeNotDrawn)} }
                            }
                            p { span { class: "muted", "{sym}: " } code { "{code}" } }
                        }
                    }
                }
            }
        }
        if can_stock {
            section { "aria-labelledby": "stock-h", class: "card",
                h2 { id: "stock-h", {lang.t(Key::StockByLocation)} }
                if quants.is_empty() {
                    p { class: "muted", {lang.t(Key::NoStock)} }
                } else {
                    {table_region(lang.t(Key::StockByLocation), rsx! {
                        table {
                            thead { tr {
                                th { scope: "col", {lang.t(Key::ColLocation)} }
                                th { scope: "col", {lang.t(Key::ColLot)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColOnHand)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColReserved)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColAvailable)} }
                            } }
                            tbody {
                                for q in quants.iter() {
                                    tr {
                                        th { scope: "row", "{q.location_path}" }
                                        td { {q.lot_code.clone().unwrap_or_default()} }
                                        td { class: "num", "data-live-quant": "{q.location_id}", {lang.qty(q.qty)} }
                                        td { class: "num", {lang.qty(q.reserved)} }
                                        td { class: "num", {lang.qty(q.available)} }
                                    }
                                }
                            }
                        }
                    })}
                }
            }
            section { "aria-labelledby": "moves-h", class: "card",
                h2 { id: "moves-h", {lang.t(Key::LedgerMoves)} }
                if moves.is_empty() {
                    p { class: "muted", {lang.t(Key::NoMoves)} }
                } else {
                    {table_region(lang.t(Key::LedgerMoves), rsx! {
                        table {
                            thead { tr {
                                th { scope: "col", {lang.t(Key::ColSeq)} }
                                th { scope: "col", {lang.t(Key::ColDate)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColQty)} }
                                th { scope: "col", {lang.t(Key::ColFrom)} }
                                th { scope: "col", {lang.t(Key::ColTo)} }
                                th { scope: "col", {lang.t(Key::ColReason)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColValue)} }
                            } }
                            tbody {
                                for m in moves.iter() {
                                    tr {
                                        td { "{m.seq}" }
                                        td { {when(lang, m.created_at)} }
                                        td { class: "num", {lang.qty(m.qty)} }
                                        td { "{m.from_path}" }
                                        td { "{m.to_path}" }
                                        td { "{m.reason}" }
                                        td { class: "num", {lang.number(m.value, 2)} }
                                    }
                                }
                            }
                        }
                    })}
                }
            }
            section { "aria-labelledby": "layers-h", class: "card",
                h2 { id: "layers-h", {lang.t(Key::ValuationLayers)} }
                if layers.is_empty() {
                    p { class: "muted", {lang.t(Key::NoLayers)} }
                } else {
                    {table_region(lang.t(Key::ValuationLayers), rsx! {
                        table {
                            thead { tr {
                                th { scope: "col", {lang.t(Key::ColSeq)} }
                                th { scope: "col", {lang.t(Key::ColDate)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColQty)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColUnitCost)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColValue)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColRemainingQty)} }
                                th { scope: "col", class: "num", {lang.t(Key::ColRemainingValue)} }
                            } }
                            tbody {
                                for l in layers.iter() {
                                    tr {
                                        td { "{l.seq}" }
                                        td { {when(lang, l.created_at)} }
                                        td { class: "num", {lang.qty(l.qty)} }
                                        td { class: "num", {lang.number(l.unit_cost, 2)} }
                                        td { class: "num", {lang.number(l.value, 2)} }
                                        td { class: "num", {lang.qty(l.remaining_qty)} }
                                        td { class: "num", {lang.number(l.remaining_value, 2)} }
                                    }
                                }
                            }
                        }
                    })}
                }
            }
        }
    };
    Ok(app_page(&shell, &title, body).into_response())
}
