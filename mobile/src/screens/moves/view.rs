//! The move screen's component.

use super::state::{MoveState, MoveStep};
use crate::core::store::lock;
use crate::core::AppSettings;
use crate::i18n::{t, Key};
use crate::platform::AppServices;
use crate::screens::common::{store_failed, use_camera, ScreenFrame};
use crate::widgets::{NoticeView, QtyControl, ScanBar};
use dioxus::prelude::*;

#[component]
pub fn MoveScreen(initial: MoveState) -> Element {
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
    let m = state.read().clone();
    let steps = [
        (MoveStep::From, Key::MoveStepFrom),
        (MoveStep::Product, Key::MoveStepProduct),
        (MoveStep::Qty, Key::MoveStepQty),
        (MoveStep::To, Key::MoveStepTo),
    ];
    let current_key = m.step_key();
    rsx! {
        ScreenFrame { id: "move", title: Key::MoveHeading,
            ol { class: "steps",
                for (step, key) in steps {
                    li {
                        key: "{key:?}",
                        class: if m.step == step { "step current" } else { "step" },
                        aria_current: (m.step == step).then_some("step"),
                        {t(lang, key)}
                    }
                }
            }
            p { class: "prompt", id: "move-prompt", {t(lang, current_key)} }
            ScanBar { lang, on_scan, on_camera: camera, camera_busy: busy() }
            NoticeView { lang, notice: m.notice.clone() }
            dl { class: "facts card",
                dt { {t(lang, Key::MoveFrom)} }
                dd { id: "move-from", {m.from.as_ref().map(|l| l.path.clone()).unwrap_or_else(|| "—".into())} }
                dt { {t(lang, Key::ColProduct)} }
                dd { id: "move-product", {m.product.as_ref().map(|p| p.product.name.clone()).unwrap_or_else(|| "—".into())} }
                dt { {t(lang, Key::MoveTo)} }
                dd { id: "move-to", {m.to.as_ref().map(|l| l.path.clone()).unwrap_or_else(|| "—".into())} }
            }
            if m.step == MoveStep::Qty {
                QtyControl {
                    id: "move-qty",
                    lang,
                    value: m.qty.clone(),
                    show_pad: true,
                    on_change: move |v| state.write().set_qty(v),
                }
                button {
                    class: "btn btn-primary",
                    r#type: "button",
                    id: "move-confirm-qty",
                    onclick: move |_| state.write().confirm_qty(),
                    {t(lang, Key::Confirm)}
                }
            }
            if m.step == MoveStep::Done {
                button {
                    class: "btn btn-primary",
                    r#type: "button",
                    id: "move-next",
                    onclick: move |_| state.set(MoveState::default()),
                    {t(lang, Key::MoveAnother)}
                }
            }
        }
    }
}
