//! The pages of the web view, one module per area.

pub mod admin;
pub mod approvals;
pub mod contacts;
pub mod counts;
pub mod dashboard;
pub mod feed;
pub mod import;
pub mod login;
pub mod products;
pub mod purchasing;
pub mod search;
pub mod webhooks;

use dioxus::prelude::*;

use crate::web::i18n::{Key, Lang};

/// A table in a focusable, labelled scroll region, so wide tables never widen the
/// page on a phone and stay reachable by keyboard.
pub fn table_region(label: &str, table: Element) -> Element {
    rsx! {
        div { class: "table-wrap", role: "region", "aria-label": "{label}", tabindex: "0",
            {table}
        }
    }
}

/// Previous/next links for a list of `total` items shown `limit` at a time.
pub fn pager(lang: Lang, base: &str, query: &str, offset: i64, limit: i64, total: i64) -> Element {
    let pages = ((total + limit - 1) / limit).max(1);
    let page = offset / limit + 1;
    let sep = if query.is_empty() { "" } else { "&" };
    let prev = (page > 1).then(|| format!("{base}?{query}{sep}offset={}", (offset - limit).max(0)));
    let next = (page < pages).then(|| format!("{base}?{query}{sep}offset={}", offset + limit));
    let label = lang.tf(
        Key::PageOf,
        &[("page", &page.to_string()), ("pages", &pages.to_string())],
    );
    rsx! {
        nav { class: "pager", "aria-label": "{lang.t(Key::Pagination)}",
            if let Some(href) = prev {
                a { href: "{href}", rel: "prev", {lang.t(Key::PrevPage)} }
            }
            span { "{label}" }
            if let Some(href) = next {
                a { href: "{href}", rel: "next", {lang.t(Key::NextPage)} }
            }
        }
    }
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A timestamp the way a person reads it (UTC).
pub fn when(lang: Lang, t: chrono::DateTime<chrono::Utc>) -> String {
    match lang {
        Lang::En => t.format("%Y-%m-%d %H:%M").to_string(),
        Lang::De => t.format("%d.%m.%Y %H:%M").to_string(),
    }
}
