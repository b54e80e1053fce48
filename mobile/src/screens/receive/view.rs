//! The receiving screen's component.

use super::state::ReceiveState;
use crate::core::store::lock;
use crate::core::AppSettings;
use crate::i18n::{t, Key};
use crate::platform::AppServices;
use crate::screens::common::{qty_text, store_failed, use_camera, ScreenFrame};
use crate::widgets::{NoticeView, QtyControl, ScanBar};
use dioxus::prelude::*;
use shared_types::inventory::Product;

#[component]
pub fn ReceiveScreen(initial: ReceiveState) -> Element {
    let settings = use_context::<Signal<AppSettings>>();
    let services = use_context::<AppServices>();
    let mut state = use_signal(|| initial);
    let lang = settings.read().language;
    let scan_store = services.store.clone();
    let on_scan = EventHandler::new(move |code: String| {
        let store = lock(&scan_store);
        let mut s = state.write();
        if let Err(e) = s.scan(&store, &code) {
            s.notice = Some(store_failed(&e));
        }
    });
    let (busy, camera) = use_camera(on_scan);
    let r = state.read().clone();
    let confirm_store = services.store.clone();
    let names: Vec<String> = match &r.order {
        Some(o) => {
            let store = lock(&services.store);
            o.lines
                .iter()
                .map(|l| {
                    store
                        .get::<Product>(&l.product_id.to_string())
                        .ok()
                        .flatten()
                        .map(|p| p.name)
                        .unwrap_or_else(|| l.product_id.to_string())
                })
                .collect()
        }
        None => Vec::new(),
    };
    rsx! {
        ScreenFrame { id: "receive", title: Key::ReceiveHeading,
            ScanBar { lang, on_scan, on_camera: camera, camera_busy: busy() }
            NoticeView { lang, notice: r.notice.clone() }
            match &r.order {
                None => rsx! {
                    section { class: "card", aria_labelledby: "receive-orders",
                        h2 { id: "receive-orders", {t(lang, Key::ReceiveOrders)} }
                        if r.orders.is_empty() {
                            p { class: "hint", {t(lang, Key::ReceiveNoOrders)} }
                        }
                        ul { class: "choices",
                            for o in r.orders.clone() {
                                li { key: "{o.id}",
                                    button {
                                        class: "btn task",
                                        r#type: "button",
                                        onclick: move |_| state.write().open(o.clone()),
                                        "{o.number} " span { class: "sku", {o.supplier.clone().unwrap_or_default()} }
                                    }
                                }
                            }
                        }
                    }
                },
                Some(order) => rsx! {
                    section { class: "card", aria_labelledby: "receive-order",
                        h2 { id: "receive-order", "{order.number}" }
                        table { class: "list",
                            thead { tr {
                                th { scope: "col", {t(lang, Key::ColProduct)} }
                                th { scope: "col", class: "num", {t(lang, Key::ReceiveOrdered)} }
                                th { scope: "col", class: "num", {t(lang, Key::ReceiveReceived)} }
                            } }
                            tbody {
                                for (i, line) in order.lines.iter().enumerate() {
                                    tr { key: "{line.id}",
                                        td { {names.get(i).cloned().unwrap_or_default()} }
                                        td { class: "num", {qty_text(line.qty_ordered)} }
                                        td { class: "num",
                                            {qty_text(line.qty_received + r.received.get(&line.id).copied().unwrap_or_default())}
                                        }
                                    }
                                }
                            }
                        }
                        if let Some(hit) = &r.product {
                            p { class: "line-name", id: "receive-product", "{hit.product.name}" }
                            QtyControl {
                                id: "receive-qty",
                                lang,
                                value: r.qty.clone(),
                                show_pad: true,
                                on_change: move |v| state.write().qty = v,
                            }
                            button {
                                class: "btn btn-primary",
                                r#type: "button",
                                id: "receive-confirm",
                                onclick: move |_| {
                                    let store = lock(&confirm_store);
                                    let mut s = state.write();
                                    if let Err(e) = s.confirm(&store) {
                                        s.notice = Some(store_failed(&e));
                                    }
                                },
                                {t(lang, Key::ReceiveConfirm)}
                            }
                        } else {
                            p { class: "prompt", {t(lang, Key::ReceiveScanProduct)} }
                        }
                    }
                },
            }
        }
    }
}
