//! The root component: provides settings, services and the current screen through the
//! Dioxus context, applies theme and language, and shows the active screen.

use crate::core::{AppSettings, ServerUrl};
use crate::platform::AppServices;
use crate::screens::count::{CountScreen, CountState};
use crate::screens::home::HomeScreen;
use crate::screens::login::{LoginScreen, LoginState};
use crate::screens::lookup::{LookupScreen, LookupState};
use crate::screens::moves::{MoveScreen, MoveState};
use crate::screens::pick::{PickScreen, PickState};
use crate::screens::receive::{ReceiveScreen, ReceiveState};
use crate::screens::settings::SettingsScreen;
use crate::screens::sync::{SyncScreen, SyncScreenState};
use crate::styles::stylesheet;
use dioxus::prelude::*;
use std::sync::Arc;

/// Who is signed in, as the screens show it. The token and the registered device live
/// with the sync service (`SyncControl::start`), not in UI state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub email: String,
    pub server: ServerUrl,
}

/// Which screen is shown, with the state it opens in (tests render any state directly).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Screen {
    #[default]
    Login,
    /// The sign-in screen in a given state (a failed attempt, the MFA step).
    SignIn(LoginState),
    Home(Session),
    Lookup(LookupState),
    Move(MoveState),
    Count(CountState),
    Pick(PickState),
    Receive(ReceiveState),
    Sync(SyncScreenState),
    Settings,
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
    /// Who is signed in, when the first screen is not `Home` (which carries it).
    #[props(default)]
    pub session: Option<Session>,
}

impl PartialEq for AppShellProps {
    fn eq(&self, other: &Self) -> bool {
        // Services are compared by identity: two handles to the same store are equal.
        Arc::ptr_eq(&self.services.storage, &other.services.storage)
            && Arc::ptr_eq(&self.services.network, &other.services.network)
            && Arc::ptr_eq(&self.services.store, &other.services.store)
            && self.settings == other.settings
            && self.screen == other.screen
            && self.session == other.session
    }
}

/// The app with explicit initial state. The props only seed the state: later changes live
/// in the signals this component provides.
#[allow(non_snake_case)]
pub fn AppShell(props: AppShellProps) -> Element {
    let settings = use_signal(|| props.settings.clone());
    let screen = use_signal(|| props.screen.clone());
    let mut session = use_signal(|| match &props.screen {
        Screen::Home(s) => Some(s.clone()),
        _ => props.session.clone(),
    });
    use_context_provider(|| settings);
    use_context_provider(|| screen);
    use_context_provider(|| session);
    use_context_provider(|| props.services.clone());

    // Remember who signed in whenever the home screen is shown; forget on sign-out.
    let shown = screen();
    match &shown {
        Screen::Home(s) if session.peek().as_ref() != Some(s) => session.set(Some(s.clone())),
        Screen::Login | Screen::SignIn(_) if session.peek().is_some() => session.set(None),
        _ => {}
    }

    let current = settings.read();
    let theme_class = current.theme.css_class();
    let lang = current.language.tag();
    let font = current.text_size.percent();
    rsx! {
        style { dangerous_inner_html: stylesheet() }
        style { "html {{ font-size: {font}%; }}" }
        div { class: "app {theme_class}", lang,
            {
                match shown {
                    Screen::Login => rsx! { LoginScreen {} },
                    Screen::SignIn(initial) => rsx! { LoginScreen { initial } },
                    Screen::Home(session) => rsx! { HomeScreen { session } },
                    Screen::Lookup(initial) => rsx! { LookupScreen { initial } },
                    Screen::Move(initial) => rsx! { MoveScreen { initial } },
                    Screen::Count(initial) => rsx! { CountScreen { initial } },
                    Screen::Pick(initial) => rsx! { PickScreen { initial } },
                    Screen::Receive(initial) => rsx! { ReceiveScreen { initial } },
                    Screen::Sync(initial) => rsx! { SyncScreen { initial } },
                    Screen::Settings => rsx! { SettingsScreen {} },
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
