//! The sync status screen's component.

use super::state::{kind_key, qty_of, SyncScreenState};
use crate::core::store::lock;
use crate::core::AppSettings;
use crate::i18n::{t, Key};
use crate::platform::AppServices;
use crate::screens::common::{qty_text, store_failed, use_ticker, ScreenFrame};
use crate::widgets::{Notice, NoticeView, QtyControl};
use dioxus::prelude::*;

#[component]
pub fn SyncScreen(initial: SyncScreenState) -> Element {
    let settings = use_context::<Signal<AppSettings>>();
    let services = use_context::<AppServices>();
    let mut state = use_signal(|| initial);
    let mut notice = use_signal(|| None::<Notice>);
    let lang = settings.read().language;
    // Re-read status and refused ops every second while the screen is open.
    let tick = use_ticker(1000);
    let tick_services = services.clone();
    use_effect(move || {
        let _ = tick();
        // Status first: it takes the store lock itself.
        let status = tick_services.sync.status();
        let store = lock(&tick_services.store);
        if let Ok(fresh) = SyncScreenState::load(&store, status) {
            let mut s = state.write();
            s.status = fresh.status;
            s.rejected = fresh.rejected;
        }
    });
    let s = state.read().clone();
    let st = &s.status;
    let last = st
        .last_sync
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| t(lang, Key::SyncNever).to_owned());
    let sync_services = services.clone();
    rsx! {
        ScreenFrame { id: "sync", title: Key::SyncHeading,
            section { class: "card", aria_labelledby: "sync-state",
                h2 { id: "sync-state",
                    class: if st.online { "state-online" } else { "state-offline" },
                    if st.online { {t(lang, Key::SyncOnline)} } else { {t(lang, Key::SyncOffline)} }
                }
                dl { class: "facts",
                    dt { {t(lang, Key::SyncPending)} }
                    dd { id: "sync-pending", "{st.pending}" }
                    dt { {t(lang, Key::SyncLast)} }
                    dd { id: "sync-last", "{last}" }
                    if let Some(err) = &st.last_error {
                        dt { {t(lang, Key::SyncError)} }
                        dd { id: "sync-error", role: "alert", "{err}" }
                    }
                }
                if st.needs_login {
                    p { class: "notice notice-error", role: "alert", {t(lang, Key::SyncNeedsLogin)} }
                }
                if st.pending == 0 && st.rejected == 0 && st.last_error.is_none() {
                    p { class: "hint", {t(lang, Key::SyncAllSynced)} }
                }
                button {
                    class: "btn btn-primary",
                    r#type: "button",
                    id: "sync-now",
                    disabled: st.syncing,
                    aria_busy: st.syncing.then_some("true"),
                    onclick: move |_| sync_services.sync.sync_now(),
                    if st.syncing { {t(lang, Key::SyncRunning)} } else { {t(lang, Key::SyncNow)} }
                }
            }
            NoticeView { lang, notice: notice() }
            section { class: "card", aria_labelledby: "sync-rejected",
                h2 { id: "sync-rejected", {t(lang, Key::SyncRejected)} }
                if s.rejected.is_empty() {
                    p { class: "hint", {t(lang, Key::SyncNoRejected)} }
                } else {
                    p { class: "hint", {t(lang, Key::SyncRejectedHint)} }
                }
                ul { class: "lines", id: "sync-rejected-list",
                    for op in s.rejected.clone() {
                        li { key: "{op.op.op_id}", class: "line rejected",
                            {
                                let action = op.action();
                                let kind = action.as_ref().map(kind_key).unwrap_or(Key::SyncRejected);
                                let qty = action.as_ref().map(|a| qty_text(qty_of(a))).unwrap_or_default();
                                let id = op.op.op_id;
                                let fixing = s.fixing.as_ref().filter(|(f, _)| *f == id).map(|(_, q)| q.clone());
                                let discard_store = services.store.clone();
                                let fix_store = services.store.clone();
                                rsx! {
                                    p { class: "line-head",
                                        strong { {t(lang, kind)} }
                                        " #{op.op.device_seq} · " {t(lang, Key::ColQty)} " {qty}"
                                    }
                                    p { class: "error", "{op.error_code.clone().unwrap_or_default()}: {op.error_message.clone().unwrap_or_default()}" }
                                    if let Some(typed) = fixing {
                                        QtyControl {
                                            id: "fix-qty",
                                            lang,
                                            value: typed.clone(),
                                            show_pad: true,
                                            on_change: move |v| state.write().fixing = Some((id, v)),
                                        }
                                        button {
                                            class: "btn btn-primary",
                                            r#type: "button",
                                            onclick: move |_| {
                                                let store = lock(&fix_store);
                                                let Ok(q) = typed.parse() else {
                                                    notice.set(Some(Notice::error(Key::QtyInvalid)));
                                                    return;
                                                };
                                                if let Err(e) = state.write().fix_qty(&store, id, q) {
                                                    notice.set(Some(store_failed(&e)));
                                                }
                                            },
                                            {t(lang, Key::Confirm)}
                                        }
                                    } else {
                                        div { class: "actions",
                                            button {
                                                class: "btn btn-secondary",
                                                r#type: "button",
                                                onclick: move |_| state.write().fixing = Some((id, qty.clone())),
                                                {t(lang, Key::SyncFix)}
                                            }
                                            button {
                                                class: "btn btn-secondary",
                                                r#type: "button",
                                                onclick: move |_| {
                                                    let store = lock(&discard_store);
                                                    if let Err(e) = state.write().discard(&store, id) {
                                                        notice.set(Some(store_failed(&e)));
                                                    }
                                                },
                                                {t(lang, Key::SyncDiscard)}
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
    }
}
