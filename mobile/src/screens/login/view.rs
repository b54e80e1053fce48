//! The sign-in screen's component.

use super::state::{LoginErrors, LoginForm};
use crate::app::{update_settings, Screen, Session};
use crate::branding::PRODUCT_NAME;
use crate::core::{AppSettings, Theme};
use crate::i18n::{t, Key, Language};
use crate::platform::AppServices;
use crate::widgets::{Logo, SelectField, TextField};
use dioxus::prelude::*;

/// Logo, product name, the sign-in form and the language/theme pickers.
///
/// Signing in only validates and remembers server and email for now; the request to the
/// backend is added with the API client.
#[component]
pub fn LoginScreen() -> Element {
    let settings = use_context::<Signal<AppSettings>>();
    let mut screen = use_context::<Signal<Screen>>();
    let services = use_context::<AppServices>();
    let mut form = use_signal(|| LoginForm::from_settings(&settings.peek()));
    // Errors appear only after the first submit, not while the user is still typing.
    let mut errors = use_signal(LoginErrors::default);

    let lang = settings.read().language;
    let theme = settings.read().theme;
    let err_text = |key: Option<Key>| key.map(|k| t(lang, k).to_owned());
    let shown = errors();

    let submit_services = services.clone();
    let on_submit = move |e: FormEvent| {
        e.prevent_default();
        match form.peek().validate() {
            Ok(creds) => {
                errors.set(LoginErrors::default());
                let (server, email) = (creds.server.clone(), creds.email.as_str().to_owned());
                update_settings(settings, &submit_services, |s| {
                    s.server_url = Some(server);
                    s.last_email = Some(email);
                });
                screen.set(Screen::Home(Session {
                    email: creds.email.as_str().to_owned(),
                    server: creds.server,
                }));
            }
            Err(found) => errors.set(found),
        }
    };

    let lang_services = services.clone();
    let theme_services = services;
    let languages: Vec<(String, String)> = Language::ALL
        .iter()
        .map(|l| (l.tag().to_owned(), l.native_name().to_owned()))
        .collect();
    let themes: Vec<(String, String)> = Theme::ALL
        .iter()
        .map(|th| {
            let key = match th {
                Theme::System => Key::ThemeSystem,
                Theme::Light => Key::ThemeLight,
                Theme::Dark => Key::ThemeDark,
            };
            (th.as_str().to_owned(), t(lang, key).to_owned())
        })
        .collect();

    rsx! {
        main { class: "screen login",
            header { class: "brand",
                Logo { lang }
                h1 { class: "product", "{PRODUCT_NAME}" }
                p { class: "intro", {t(lang, Key::LoginIntro)} }
            }
            form { class: "card", novalidate: true, onsubmit: on_submit,
                h2 { {t(lang, Key::LoginHeading)} }
                TextField {
                    id: "login-server",
                    label: t(lang, Key::ServerUrlLabel),
                    kind: "url",
                    inputmode: "url",
                    autocomplete: "url",
                    value: form.read().server_url.clone(),
                    hint: t(lang, Key::ServerUrlHint).to_owned(),
                    error: err_text(shown.server_url),
                    oninput: move |v| form.write().server_url = v,
                }
                TextField {
                    id: "login-email",
                    label: t(lang, Key::EmailLabel),
                    kind: "email",
                    inputmode: "email",
                    autocomplete: "username",
                    value: form.read().email.clone(),
                    error: err_text(shown.email),
                    oninput: move |v| form.write().email = v,
                }
                TextField {
                    id: "login-password",
                    label: t(lang, Key::PasswordLabel),
                    kind: "password",
                    autocomplete: "current-password",
                    value: form.read().password.clone(),
                    error: err_text(shown.password),
                    oninput: move |v| form.write().password = v,
                }
                button { class: "btn btn-primary", r#type: "submit", {t(lang, Key::SignIn)} }
            }
            div { class: "prefs",
                SelectField {
                    id: "login-language",
                    label: t(lang, Key::LanguageLabel),
                    selected: lang.tag(),
                    options: languages,
                    onchange: move |tag: String| {
                        if let Some(l) = Language::ALL.into_iter().find(|l| l.tag() == tag) {
                            update_settings(settings, &lang_services, |s| s.language = l);
                        }
                    },
                }
                SelectField {
                    id: "login-theme",
                    label: t(lang, Key::ThemeLabel),
                    selected: theme.as_str(),
                    options: themes,
                    onchange: move |id: String| {
                        if let Some(th) = Theme::from_id(&id) {
                            update_settings(settings, &theme_services, |s| s.theme = th);
                        }
                    },
                }
            }
        }
    }
}
