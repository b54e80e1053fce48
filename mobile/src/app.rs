//! The root component: provides settings, services and the current screen through the
//! Dioxus context, applies theme and language, and shows the active screen.

use crate::core::{AppSettings, ServerUrl};
use crate::platform::AppServices;
use crate::screens::{home::HomeScreen, login::LoginScreen};
use crate::styles::stylesheet;
use dioxus::prelude::*;
use std::sync::Arc;

/// Who is signed in. A placeholder until the backend's auth endpoint exists: it holds no
/// token yet, only what the login form validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub email: String,
    pub server: ServerUrl,
}

/// Which screen is shown. Grows with the app (scan, count, pick, visit...).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Screen {
    #[default]
    Login,
    Home(Session),
}

/// The entry point the launchers use: loads settings from the services put into the
/// context by the launcher (in-memory ones if none were).
#[allow(non_snake_case)]
pub fn App() -> Element {
    let (services, settings) = use_hook(|| {
        let services = try_consume_context::<AppServices>().unwrap_or_else(AppServices::in_memory);
        let settings = AppSettings::load_or_default(&*services.storage);
        (services, settings)
    });
    rsx! {
        AppShell { services, settings }
    }
}

/// Props of [`AppShell`]; tests build it directly with the settings and screen to show.
#[derive(Props, Clone)]
pub struct AppShellProps {
    pub services: AppServices,
    pub settings: AppSettings,
    #[props(default)]
    pub screen: Screen,
}

impl PartialEq for AppShellProps {
    fn eq(&self, other: &Self) -> bool {
        // Services are compared by identity: two handles to the same store are equal.
        Arc::ptr_eq(&self.services.storage, &other.services.storage)
            && Arc::ptr_eq(&self.services.network, &other.services.network)
            && self.settings == other.settings
            && self.screen == other.screen
    }
}

/// The app with explicit initial state. The props only seed the state: later changes live
/// in the signals this component provides.
#[allow(non_snake_case)]
pub fn AppShell(props: AppShellProps) -> Element {
    let settings = use_signal(|| props.settings.clone());
    let screen = use_signal(|| props.screen.clone());
    use_context_provider(|| settings);
    use_context_provider(|| screen);
    use_context_provider(|| props.services.clone());

    let current = settings.read();
    let theme_class = current.theme.css_class();
    let lang = current.language.tag();
    rsx! {
        style { dangerous_inner_html: stylesheet() }
        div { class: "app {theme_class}", lang,
            {
                match screen() {
                    Screen::Login => rsx! { LoginScreen {} },
                    Screen::Home(session) => rsx! { HomeScreen { session } },
                }
            }
        }
    }
}

/// Changes the settings and stores them. A failed save is reported but not fatal: the
/// change still applies for this run.
pub fn update_settings(
    mut settings: Signal<AppSettings>,
    services: &AppServices,
    change: impl FnOnce(&mut AppSettings),
) {
    let mut next = settings.peek().clone();
    change(&mut next);
    if let Err(e) = next.save(&*services.storage) {
        eprintln!("settings not saved: {e}");
    }
    settings.set(next);
}
