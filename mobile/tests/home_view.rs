//! The home screen and the root component rendered without a window.

mod common;

use common::render;
use dioxus::prelude::*;
use elevate_mobile::core::{AppSettings, ServerUrl, SETTINGS_KEY};
use elevate_mobile::i18n::{t, Key, Language};
use elevate_mobile::platform::{AppServices, FixedNetworkStatus, MemoryStorage, Storage};
use elevate_mobile::{Screen, Session};
use std::sync::Arc;

fn session() -> Screen {
    Screen::Home(Session {
        email: "ana@example.com".into(),
        server: ServerUrl::parse("https://crm.example.com").unwrap(),
    })
}

fn services(online: bool) -> AppServices {
    AppServices::with(
        Arc::new(MemoryStorage::default()),
        Arc::new(FixedNetworkStatus::new(online)),
        elevate_mobile::platform::memory_store(),
    )
}

#[test]
fn home_shows_who_is_signed_in_where() {
    let html = render(AppSettings::default(), session(), services(true));
    assert!(html.contains("<dd>ana@example.com</dd>"), "{html}");
    assert!(html.contains("<dd>https://crm.example.com</dd>"));
    assert!(html.contains(t(Language::En, Key::SignOut)));
    assert!(!html.contains(t(Language::En, Key::Offline)));
    assert!(
        !html.contains("type=\"password\""),
        "login form still shown"
    );
}

#[test]
fn home_warns_when_offline_in_the_users_language() {
    let settings = AppSettings {
        language: Language::De,
        ..AppSettings::default()
    };
    let html = render(settings, session(), services(false));
    assert!(html.contains(t(Language::De, Key::Offline)), "{html}");
    assert!(html.contains("Abmelden"));
}

/// The launcher's entry point reads settings from the storage it is given.
#[test]
fn app_loads_settings_from_the_provided_storage() {
    let storage = Arc::new(MemoryStorage::default());
    storage
        .put(SETTINGS_KEY, br#"{"language":"de","theme":"dark"}"#)
        .unwrap();
    let services = AppServices::with(
        storage,
        Arc::new(FixedNetworkStatus::new(true)),
        elevate_mobile::platform::memory_store(),
    );
    let mut dom = VirtualDom::new(elevate_mobile::App).with_root_context(services);
    dom.rebuild_in_place();
    let html = dioxus_ssr::render(&dom);
    assert!(html.contains("class=\"app theme-dark\""), "{html}");
    assert!(html.contains(">Anmelden</button>"));
}

#[test]
fn app_without_services_starts_on_english_login() {
    let mut dom = VirtualDom::new(elevate_mobile::App);
    dom.rebuild_in_place();
    let html = dioxus_ssr::render(&dom);
    assert!(html.contains("class=\"app theme-system\""));
    assert!(html.contains(">Sign in</button>"));
    assert!(html.contains("lang=\"en\""));
}
