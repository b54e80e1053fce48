//! The count screen's component.

use super::state::CountState;
use crate::core::refdata::CountSessionRef;
use crate::core::store::lock;
use crate::core::AppSettings;
use crate::i18n::{t, Key, Language};
use crate::platform::AppServices;
use crate::screens::common::{qty_text, store_failed, use_camera, ScreenFrame};
use crate::widgets::{NoticeView, QtyControl, ScanBar};
use dioxus::prelude::*;

/// A session's name, after its kind in the user's language when the server said which.
pub fn session_title(lang: Language, s: &CountSessionRef) -> String {
    let kind = match s.kind.as_deref() {
        Some("full") => Some(Key::CountKindFull),
        Some("spot") => Some(Key::CountKindSpot),
        Some("cycle") => Some(Key::CountKindCycle),
        _ => None,
    };
    match kind {
        Some(k) => format!("{} {}", t(lang, k), s.name),
        None => s.name.clone(),
    }
}

#[component]
pub fn CountScreen(initial: CountState) -> Element {
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
    let c = state.read().clone();
    let blind = c.blind();
    let line_store = services.store.clone();
    let set_line = move |i: usize, v: String| {
        let store = lock(&line_store);
        let mut s = state.write();
        if let Err(e) = s.set_line(&store, i, &v) {
            s.notice = Some(store_failed(&e));
        }
    };
    rsx! {
        ScreenFrame { id: "count", title: Key::CountHeading,
            ScanBar { lang, on_scan, on_camera: camera, camera_busy: busy() }
            NoticeView { lang, notice: c.notice.clone() }
            match (&c.session, &c.bin) {
                (None, _) => rsx! {
                    section { class: "card", aria_labelledby: "count-sessions",
                        h2 { id: "count-sessions", {t(lang, Key::CountSessions)} }
                        if c.sessions.is_empty() {
                            p { class: "hint", {t(lang, Key::CountNoSessions)} }
                        }
                        ul { class: "choices",
                            for s in c.sessions.clone() {
                                li { key: "{s.id}",
                                    button {
                                        class: "btn task",
                                        r#type: "button",
                                        onclick: move |_| state.write().open_session(s.clone()),
                                        {session_title(lang, &s)}
                                    }
                                }
                            }
                        }
                    }
                },
                (Some(session), None) => rsx! {
                    section { class: "card",
                        h2 { {session_title(lang, session)} }
                        if blind { p { class: "hint", id: "count-blind", {t(lang, Key::CountBlind)} } }
                        p { class: "prompt", id: "count-prompt", {t(lang, Key::CountScanBin)} }
                    }
                },
                (Some(session), Some(bin)) => rsx! {
                    section { class: "card", aria_labelledby: "count-bin",
                        p { class: "hint", {session_title(lang, session)} }
                        h2 { id: "count-bin", {t(lang, Key::CountBin)} " " span { class: "code", "{bin.path}" } }
                        if blind { p { class: "hint", id: "count-blind", {t(lang, Key::CountBlind)} } }
                        p { class: "prompt", id: "count-prompt", {t(lang, Key::CountScanProducts)} }
                        ul { class: "lines", id: "count-lines",
                            for (i, line) in c.lines.iter().cloned().enumerate() {
                                li { key: "{line.product.id}{line.lot:?}", class: "line",
                                    div { class: "line-head",
                                        span { class: "line-name", "{line.product.name}" }
                                        if let Some(lot) = &line.lot { span { class: "sku", " · {lot}" } }
                                        if !blind {
                                            span { class: "expected",
                                                " · " {t(lang, Key::CountExpected)} " " {qty_text(line.expected)}
                                            }
                                        }
                                    }
                                    QtyControl {
                                        id: "count-line-{i}",
                                        lang,
                                        value: qty_text(line.counted),
                                        show_pad: c.editing == Some(i),
                                        on_change: {
                                            let mut set_line = set_line.clone();
                                            move |v| set_line(i, v)
                                        },
                                    }
                                    button {
                                        class: "btn btn-secondary",
                                        r#type: "button",
                                        aria_expanded: if c.editing == Some(i) { "true" } else { "false" },
                                        onclick: move |_| {
                                            let mut s = state.write();
                                            s.editing = if s.editing == Some(i) { None } else { Some(i) };
                                        },
                                        {t(lang, Key::QtyPad)}
                                    }
                                }
                            }
                        }
                        div { class: "actions",
                            button {
                                class: "btn btn-secondary",
                                r#type: "button",
                                id: "count-recount",
                                onclick: move |_| state.write().start_recount(),
                                {t(lang, Key::CountRecount)}
                            }
                            button {
                                class: "btn btn-primary",
                                r#type: "button",
                                id: "count-next-bin",
                                onclick: move |_| state.write().next_bin(),
                                {t(lang, Key::CountNextBin)}
                            }
                        }
                    }
                },
            }
        }
    }
}
