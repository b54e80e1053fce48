//! The header's global search: contacts and companies (the CRM's ranked, prefix and
//! typo-tolerant search), products (SKU, name or barcode) and purchase orders (number
//! or supplier), each section shown only with the permission to read it.

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use dioxus::prelude::*;
use serde::Deserialize;
use shared_types::crm::SearchHit;
use uuid::Uuid;

use crate::db;
use crate::domain::permissions::Permission;
use crate::http::extract::Paging;
use crate::http::search::prefix_tsquery;
use crate::web::i18n::Key;
use crate::web::layout::{app_page, Nav, Shell};
use crate::web::session::WebTx;
use crate::web::WebResult;

const LIMIT: i64 = 10;

#[derive(Debug, Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

struct Link {
    href: Option<String>,
    title: String,
    subtitle: Option<String>,
}

/// The digits of a purchase order reference (`PO-000042`, `po42`, `42`).
pub fn po_number(q: &str) -> Option<i64> {
    let t = q.trim().to_ascii_lowercase();
    let t = t.strip_prefix("po").unwrap_or(&t);
    let t = t.trim_start_matches(['-', ' ', '#']);
    (!t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
}

/// `GET /app/search?q=`
pub async fn page(mut w: WebTx, Query(q): Query<SearchQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Search).await?;
    let lang = shell.lang;
    let text: String = q.q.trim().chars().take(200).collect();
    let mut contacts: Vec<Link> = vec![];
    let mut notes: Vec<Link> = vec![];
    let mut products: Vec<Link> = vec![];
    let mut orders: Vec<Link> = vec![];
    if !text.is_empty() {
        if w.ctx().can(Permission::ContactRead) {
            if let Some(tsq) = prefix_tsquery(&text) {
                let hits: Vec<SearchHit> =
                    db::crm_search::search(w.conn(), &tsq, &text, LIMIT, false).await?;
                for h in hits {
                    let kind = match h.kind.as_str() {
                        "company" => Key::KindCompany,
                        "activity" => Key::KindActivity,
                        _ => Key::KindContact,
                    };
                    let link = Link {
                        href: None,
                        title: h.title,
                        subtitle: Some(match h.subtitle {
                            Some(s) => format!("{} · {s}", lang.t(kind)),
                            None => lang.t(kind).to_owned(),
                        }),
                    };
                    if h.kind == "activity" {
                        notes.push(link);
                    } else {
                        contacts.push(link);
                    }
                }
            }
        }
        if w.ctx().can(Permission::ProductRead) {
            let (items, _) = db::products::list(
                w.conn(),
                Some(&text),
                false,
                None,
                Paging {
                    limit: LIMIT,
                    offset: 0,
                },
            )
            .await?;
            products = items
                .into_iter()
                .map(|p| Link {
                    href: Some(format!("/app/inventory/products/{}", p.id)),
                    title: p.sku,
                    subtitle: Some(p.name),
                })
                .collect();
        }
        if w.ctx().can(Permission::PurchaseRead) {
            let pattern = format!(
                "%{}%",
                text.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            let rows: Vec<(Uuid, i64, String)> = sqlx::query_as(
                "SELECT po.id, po.number, s.name FROM purchase_orders po
                   JOIN suppliers s ON s.id = po.supplier_id
                  WHERE po.number = $1 OR s.name ILIKE $2
                  ORDER BY po.number DESC LIMIT $3",
            )
            .bind(po_number(&text).unwrap_or(-1))
            .bind(&pattern)
            .bind(LIMIT)
            .fetch_all(w.conn())
            .await?;
            orders = rows
                .into_iter()
                .map(|(id, number, supplier)| Link {
                    href: Some(format!("/app/purchasing/orders/{id}")),
                    title: db::purchasing::po_reference(number),
                    subtitle: Some(supplier),
                })
                .collect();
        }
    }
    w.commit().await?;
    let sections = [
        (Key::SearchProducts, "products", products),
        (Key::SearchOrders, "orders", orders),
        (Key::SearchContacts, "contacts", contacts),
        (Key::SearchNotes, "notes", notes),
    ];
    let nothing = sections.iter().all(|(_, _, v)| v.is_empty());
    let heading = lang.tf(Key::SearchResultsFor, &[("q", &text)]);
    let body = rsx! {
        h1 { {lang.t(Key::SearchTitle)} }
        form { class: "filters", method: "get", action: "/app/search", role: "search",
            "aria-label": "{lang.t(Key::GlobalSearchLabel)}",
            div { class: "field",
                label { r#for: "search-page-q", {lang.t(Key::GlobalSearchLabel)} }
                input { id: "search-page-q", name: "q", r#type: "search", value: "{text}" }
            }
            button { r#type: "submit", {lang.t(Key::GlobalSearch)} }
        }
        if text.is_empty() {
            p { class: "muted", {lang.t(Key::SearchEmpty)} }
        } else {
            h2 { class: "visually-hidden", "{heading}" }
            if nothing {
                p { class: "muted", role: "status", {lang.t(Key::SearchNothing)} }
            }
            for (key, id, links) in sections.iter() {
                if !links.is_empty() {
                    section { class: "search-section", "aria-labelledby": "search-{id}", id: "results-{id}",
                        h2 { id: "search-{id}", {lang.t(*key)} }
                        ul { class: "search-hits",
                            for l in links.iter() {
                                li {
                                    if let Some(href) = &l.href {
                                        a { href: "{href}", "{l.title}" }
                                    } else {
                                        strong { "{l.title}" }
                                    }
                                    if let Some(sub) = &l.subtitle { " " span { class: "muted", "{sub}" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(app_page(&shell, lang.t(Key::SearchTitle), body).into_response())
}

#[cfg(test)]
mod tests {
    use super::po_number;

    #[test]
    fn order_references_are_recognised() {
        assert_eq!(po_number("PO-000042"), Some(42));
        assert_eq!(po_number("po42"), Some(42));
        assert_eq!(po_number(" 7 "), Some(7));
        assert_eq!(po_number("PO-"), None);
        assert_eq!(po_number("screw"), None);
    }
}
