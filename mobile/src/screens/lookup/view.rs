//! The lookup screen's component.

use super::state::{LookupResult, LookupState};
use crate::core::store::lock;
use crate::core::AppSettings;
use crate::i18n::{t, Key};
use crate::platform::AppServices;
use crate::screens::common::{qty_text, store_failed, use_camera, ScreenFrame};
use crate::widgets::{NoticeView, ScanBar};
use dioxus::prelude::*;

#[component]
pub fn LookupScreen(initial: LookupState) -> Element {
    let settings = use_context::<Signal<AppSettings>>();
    let services = use_context::<AppServices>();
    let mut state = use_signal(|| initial);
    let lang = settings.read().language;
    let on_scan = EventHandler::new(move |code: String| {
        let store = lock(&services.store);
        let mut s = state.write();
        if let Err(e) = s.scan(&store, &code) {
            s.notice = Some(store_failed(&e));
        }
    });
    let (busy, camera) = use_camera(on_scan);
    let current = state.read().clone();
    rsx! {
        ScreenFrame { id: "lookup", title: Key::LookupHeading,
            ScanBar { lang, on_scan, on_camera: camera, camera_busy: busy() }
            NoticeView { lang, notice: current.notice.clone() }
            match current.result {
                None => rsx! { p { class: "hint", {t(lang, Key::LookupPrompt)} } },
                Some(LookupResult::Product { hit, quants }) => rsx! {
                    section { class: "card", aria_labelledby: "lookup-product",
                        h2 { id: "lookup-product", "{hit.product.name}" }
                        p { class: "sku", "{hit.product.sku}" }
                        dl { class: "facts",
                            if let Some(lot) = &hit.lot {
                                dt { {t(lang, Key::LookupLot)} }
                                dd { "{lot}" }
                            }
                            if let Some(exp) = hit.expiry {
                                dt { {t(lang, Key::LookupExpiry)} }
                                dd { "{exp}" }
                            }
                            if let Some(serial) = &hit.serial {
                                dt { {t(lang, Key::LookupSerial)} }
                                dd { "{serial}" }
                            }
                        }
                        h3 { {t(lang, Key::LookupStockPerLocation)} }
                        if quants.is_empty() {
                            p { class: "hint", {t(lang, Key::LookupNoStock)} }
                        } else {
                            table { class: "list",
                                thead { tr {
                                    th { scope: "col", {t(lang, Key::ColLocation)} }
                                    th { scope: "col", class: "num", {t(lang, Key::ColQty)} }
                                    th { scope: "col", class: "num", {t(lang, Key::ColAvailable)} }
                                } }
                                tbody {
                                    for q in quants {
                                        tr { key: "{q.location_id}{q.lot_id:?}",
                                            td { "{q.location_path}" }
                                            td { class: "num", {qty_text(q.qty)} }
                                            td { class: "num", {qty_text(q.available)} }
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
                Some(LookupResult::Location { location, contents }) => rsx! {
                    section { class: "card", aria_labelledby: "lookup-location",
                        h2 { id: "lookup-location", "{location.path}" }
                        h3 { {t(lang, Key::LookupContents)} }
                        if contents.is_empty() {
                            p { class: "hint", {t(lang, Key::LookupNoStock)} }
                        } else {
                            table { class: "list",
                                thead { tr {
                                    th { scope: "col", {t(lang, Key::ColProduct)} }
                                    th { scope: "col", class: "num", {t(lang, Key::ColQty)} }
                                } }
                                tbody {
                                    for (name, sku, q) in contents {
                                        tr { key: "{q.product_id}{q.lot_id:?}",
                                            td { "{name} " span { class: "sku", "{sku}" } }
                                            td { class: "num", {qty_text(q.qty)} }
                                        }
                                    }
                                }
                            }
                        }
                    }
                },
                Some(LookupResult::Other { kind, name }) => rsx! {
                    section { class: "card",
                        h2 { {t(lang, kind)} }
                        p { "{name}" }
                    }
                },
            }
        }
    }
}
