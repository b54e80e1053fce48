//! The home screen's component.

use crate::app::{Screen, Session};
use crate::branding::PRODUCT_NAME;
use crate::core::AppSettings;
use crate::i18n::{t, Key};
use crate::platform::AppServices;
use crate::widgets::Logo;
use dioxus::prelude::*;

/// Who is signed in where, an offline notice when there is no network, and sign-out.
#[component]
pub fn HomeScreen(session: Session) -> Element {
    let settings = use_context::<Signal<AppSettings>>();
    let mut screen = use_context::<Signal<Screen>>();
    let services = use_context::<AppServices>();
    let lang = settings.read().language;
    let online = services.network.is_online();

    rsx! {
        main { class: "screen home",
            header { class: "top-bar",
                Logo { lang, small: true }
                p { class: "product", "{PRODUCT_NAME}" }
            }
            if !online {
                p { class: "notice", role: "status", {t(lang, Key::Offline)} }
            }
            section { class: "card", aria_labelledby: "home-heading",
                h1 { id: "home-heading", {t(lang, Key::HomeHeading)} }
                dl { class: "facts",
                    dt { {t(lang, Key::HomeSignedInAs)} }
                    dd { "{session.email}" }
                    dt { {t(lang, Key::HomeServer)} }
                    dd { "{session.server}" }
                }
                p { class: "hint", {t(lang, Key::HomeComingSoon)} }
                button {
                    class: "btn btn-secondary",
                    r#type: "button",
                    onclick: move |_| screen.set(Screen::Login),
                    {t(lang, Key::SignOut)}
                }
            }
        }
    }
}
