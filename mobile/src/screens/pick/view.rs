//! The guided pick screen's component.

use super::state::{PickState, ShortReason};
use crate::core::store::lock;
use crate::core::AppSettings;
use crate::i18n::{t, Key};
use crate::platform::AppServices;
use crate::screens::common::{qty_text, store_failed, use_camera, ScreenFrame};
use crate::widgets::{NoticeView, ScanBar};
use dioxus::prelude::*;

#[component]
pub fn PickScreen(initial: PickState) -> Element {
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
    let p = state.read().clone();
    let open_store = services.store.clone();
    let short_store = services.store.clone();
    rsx! {
        ScreenFrame { id: "pick", title: Key::PickHeading,
            ScanBar { lang, on_scan, on_camera: camera, camera_busy: busy() }
            NoticeView { lang, notice: p.notice.clone() }
            if p.list.is_none() {
                section { class: "card", aria_labelledby: "pick-lists",
                    h2 { id: "pick-lists", {t(lang, Key::PickLists)} }
                    if p.lists.is_empty() {
                        p { class: "hint", {t(lang, Key::PickNoLists)} }
                    }
                    ul { class: "choices",
                        for l in p.lists.clone() {
                            li { key: "{l.id}",
                                button {
                                    class: "btn task",
                                    r#type: "button",
                                    onclick: {
                                        let open_store = open_store.clone();
                                        move |_| {
                                            let store = lock(&open_store);
                                            let mut s = state.write();
                                            if let Err(e) = s.open(&store, l.clone()) {
                                                s.notice = Some(store_failed(&e));
                                            }
                                        }
                                    },
                                    "{l.name}"
                                }
                            }
                        }
                    }
                }
            } else if let Some(line) = p.current().cloned() {
                section { class: "card", aria_labelledby: "pick-goto",
                    p { class: "hint", id: "pick-progress",
                        {t(lang, Key::PickProgress)} " {p.index + 1} " {t(lang, Key::PickOf)} " {p.lines.len()}"
                    }
                    h2 { id: "pick-goto", {t(lang, Key::PickGoTo)} " " span { class: "code", "{line.location_path}" } }
                    p { class: "line-name", id: "pick-product", {p.names.get(p.index).cloned().unwrap_or_default()} }
                    p { class: "prompt", id: "pick-prompt",
                        if p.at_location { {t(lang, Key::PickScanProduct)} } else { {t(lang, Key::PickScanLocation)} }
                    }
                    p { class: "qty-value", id: "pick-picked",
                        {t(lang, Key::PickPicked)} " " {qty_text(p.picked)} " " {t(lang, Key::PickOf)} " " {qty_text(line.qty)}
                    }
                    if p.choosing_reason {
                        fieldset { class: "reasons",
                            legend { {t(lang, Key::PickShortReason)} }
                            for reason in ShortReason::ALL {
                                button {
                                    key: "{reason.code()}",
                                    class: "btn btn-secondary",
                                    r#type: "button",
                                    onclick: {
                                        let short_store = short_store.clone();
                                        move |_| {
                                            let store = lock(&short_store);
                                            let mut s = state.write();
                                            if let Err(e) = s.short(&store, reason) {
                                                s.notice = Some(store_failed(&e));
                                            }
                                        }
                                    },
                                    {t(lang, reason.key())}
                                }
                            }
                            button {
                                class: "btn btn-secondary",
                                r#type: "button",
                                onclick: move |_| state.write().choosing_reason = false,
                                {t(lang, Key::Cancel)}
                            }
                        }
                    } else {
                        button {
                            class: "btn btn-secondary",
                            r#type: "button",
                            id: "pick-short",
                            onclick: move |_| state.write().choosing_reason = true,
                            {t(lang, Key::PickShort)}
                        }
                    }
                }
            } else {
                section { class: "card",
                    h2 { id: "pick-done", {t(lang, Key::PickListDone)} }
                }
            }
        }
    }
}
