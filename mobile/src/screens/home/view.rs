//! The home screen's component.

use crate::app::{Screen, Session};
use crate::branding::PRODUCT_NAME;
use crate::core::store::lock;
use crate::core::AppSettings;
use crate::i18n::{t, Key};
use crate::platform::AppServices;
use crate::screens::common::{store_failed, SyncLine};
use crate::screens::count::CountState;
use crate::screens::lookup::LookupState;
use crate::screens::moves::MoveState;
use crate::screens::pick::PickState;
use crate::screens::receive::ReceiveState;
use crate::screens::sync::SyncScreenState;
use crate::widgets::{Logo, NoticeView, TaskButton};
use dioxus::prelude::*;

/// Who is signed in where, the tasks, sync state, and sign-out.
#[component]
pub fn HomeScreen(session: Session) -> Element {
    let settings = use_context::<Signal<AppSettings>>();
    let mut screen = use_context::<Signal<Screen>>();
    let services = use_context::<AppServices>();
    let mut notice = use_signal(|| None);
    let lang = settings.read().language;
    let status = services.sync.status();
    let pending_badge = (status.pending > 0).then(|| status.pending.to_string());
    let rejected_badge = (status.rejected > 0).then(|| format!("! {}", status.rejected));

    // Opening a task screen reads its list from the local store.
    let open_services = services.clone();
    let open = move |make: fn(
        &crate::core::store::Store,
    ) -> Result<Screen, crate::core::store::StoreError>| {
        let store = lock(&open_services.store);
        match make(&store) {
            Ok(next) => screen.set(next),
            Err(e) => notice.set(Some(store_failed(&e))),
        }
    };
    let sync_services = use_context::<AppServices>();

    rsx! {
        main { class: "screen home",
            header { class: "top-bar",
                Logo { lang, small: true }
                p { class: "product", "{PRODUCT_NAME}" }
            }
            SyncLine { lang, online: status.online, pending: status.pending }
            NoticeView { lang, notice: notice() }
            nav { class: "tasks", aria_labelledby: "home-tasks",
                h1 { id: "home-tasks", {t(lang, Key::HomeTasks)} }
                TaskButton { id: "task-lookup", label: t(lang, Key::TaskLookup),
                    onclick: move |_| screen.set(Screen::Lookup(LookupState::default())) }
                TaskButton { id: "task-receive", label: t(lang, Key::TaskReceive),
                    onclick: {
                        let mut open = open.clone();
                        move |_| open(|s| ReceiveState::load(s).map(Screen::Receive))
                    } }
                TaskButton { id: "task-move", label: t(lang, Key::TaskMove),
                    onclick: move |_| screen.set(Screen::Move(MoveState::default())) }
                TaskButton { id: "task-count", label: t(lang, Key::TaskCount),
                    onclick: {
                        let mut open = open.clone();
                        move |_| open(|s| CountState::load(s).map(Screen::Count))
                    } }
                TaskButton { id: "task-pick", label: t(lang, Key::TaskPick),
                    onclick: {
                        let mut open = open.clone();
                        move |_| open(|s| PickState::load(s).map(Screen::Pick))
                    } }
                TaskButton { id: "task-sync", label: t(lang, Key::TaskSync),
                    badge: rejected_badge.or(pending_badge),
                    onclick: move |_| {
                        let status = sync_services.sync.status();
                        let store = lock(&sync_services.store);
                        match SyncScreenState::load(&store, status) {
                            Ok(s) => screen.set(Screen::Sync(s)),
                            Err(e) => notice.set(Some(store_failed(&e))),
                        }
                    } }
                TaskButton { id: "task-settings", label: t(lang, Key::TaskSettings),
                    onclick: move |_| screen.set(Screen::Settings) }
            }
            section { class: "card", aria_labelledby: "home-heading",
                h2 { id: "home-heading", {t(lang, Key::HomeHeading)} }
                dl { class: "facts",
                    dt { {t(lang, Key::HomeSignedInAs)} }
                    dd { "{session.email}" }
                    dt { {t(lang, Key::HomeServer)} }
                    dd { "{session.server}" }
                }
                button {
                    class: "btn btn-secondary",
                    r#type: "button",
                    onclick: move |_| {
                        services.sync.stop();
                        screen.set(Screen::Login);
                    },
                    {t(lang, Key::SignOut)}
                }
            }
        }
    }
}
