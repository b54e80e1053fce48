//! The sign-in screen's component.

use super::state::{Attempt, LoginState, LoginStep};
use crate::app::{update_settings, Screen, Session};
use crate::branding::PRODUCT_NAME;
use crate::core::auth::{AuthError, SignIn};
use crate::core::{AppSettings, Theme};
use crate::i18n::{t, Key, Language};
use crate::platform::AppServices;
use crate::widgets::{Logo, SelectField, TextField};
use dioxus::prelude::*;

/// Logo, product name, the sign-in form (or its MFA step) and the language/theme pickers.
///
/// Signing in calls the backend through `AppServices::auth` on a worker thread (the
/// calls block on the network; in the browser they are fetches awaited on its event
/// loop); on success the device is registered, sync starts with the session's token and
/// the home screen opens. `initial` shows a given state (tests).
#[component]
pub fn LoginScreen(#[props(default)] initial: Option<LoginState>) -> Element {
    let settings = use_context::<Signal<AppSettings>>();
    let mut screen = use_context::<Signal<Screen>>();
    let services = use_context::<AppServices>();
    let mut state =
        use_signal(|| initial.unwrap_or_else(|| LoginState::from_settings(&settings.peek())));

    let lang = settings.read().language;
    let theme = settings.read().theme;
    let err_text = |key: Option<Key>| key.map(|k| t(lang, k).to_owned());
    let shown = state();

    let submit_services = services.clone();
    let on_submit = move |e: FormEvent| {
        e.prevent_default();
        let Some(attempt) = state.write().submit() else {
            return;
        };
        let services = submit_services.clone();
        let Some(pending) = request(attempt, services.clone()) else {
            state
                .write()
                .finish(Err(AuthError::Failed("no worker thread".into())));
            return;
        };
        spawn(async move {
            let result = pending.await;
            let Some(session) = state.write().finish(result) else {
                return;
            };
            let server = session.server.clone();
            let (email, tenant) = (session.tokens.email.clone(), session.tenant.clone());
            update_settings(settings, &services, |s| {
                s.server_url = Some(server.clone());
                s.last_email = Some(email.clone());
                s.last_tenant = Some(tenant);
            });
            screen.set(Screen::Home(Session { email, server }));
        });
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
            form { class: "card", novalidate: true, onsubmit: on_submit, aria_busy: shown.busy.then_some("true"),
                match shown.step.clone() {
                    LoginStep::Password => rsx! {
                        h2 { {t(lang, Key::LoginHeading)} }
                        TextField {
                            id: "login-server",
                            label: t(lang, Key::ServerUrlLabel),
                            kind: "url",
                            inputmode: "url",
                            autocomplete: "url",
                            value: shown.form.server_url.clone(),
                            hint: t(lang, Key::ServerUrlHint).to_owned(),
                            error: err_text(shown.errors.server_url),
                            oninput: move |v| state.write().form.server_url = v,
                        }
                        TextField {
                            id: "login-tenant",
                            label: t(lang, Key::CompanyLabel),
                            autocomplete: "organization",
                            value: shown.form.tenant.clone(),
                            hint: t(lang, Key::CompanyHint).to_owned(),
                            error: err_text(shown.errors.tenant),
                            oninput: move |v| state.write().form.tenant = v,
                        }
                        TextField {
                            id: "login-email",
                            label: t(lang, Key::EmailLabel),
                            kind: "email",
                            inputmode: "email",
                            autocomplete: "username",
                            value: shown.form.email.clone(),
                            error: err_text(shown.errors.email),
                            oninput: move |v| state.write().form.email = v,
                        }
                        TextField {
                            id: "login-password",
                            label: t(lang, Key::PasswordLabel),
                            kind: "password",
                            autocomplete: "current-password",
                            value: shown.form.password.clone(),
                            error: err_text(shown.errors.password),
                            oninput: move |v| state.write().form.password = v,
                        }
                    },
                    LoginStep::Mfa { code, .. } => rsx! {
                        h2 { {t(lang, Key::MfaHeading)} }
                        p { class: "intro", {t(lang, Key::MfaIntro)} }
                        TextField {
                            id: "login-mfa-code",
                            label: t(lang, Key::MfaCodeLabel),
                            inputmode: "numeric",
                            autocomplete: "one-time-code",
                            value: code,
                            error: err_text(shown.code_error),
                            oninput: move |v| {
                                if let LoginStep::Mfa { code, .. } = &mut state.write().step {
                                    *code = v;
                                }
                            },
                        }
                    },
                }
                if let Some(failure) = shown.failure {
                    p { id: "login-failure", class: "error", role: "alert", {t(lang, failure)} }
                }
                button {
                    class: "btn btn-primary",
                    r#type: "submit",
                    disabled: shown.busy,
                    if shown.busy {
                        {t(lang, Key::SigningIn)}
                    } else if matches!(shown.step, LoginStep::Mfa { .. }) {
                        {t(lang, Key::MfaVerify)}
                    } else {
                        {t(lang, Key::SignIn)}
                    }
                }
                if matches!(shown.step, LoginStep::Mfa { .. }) {
                    button {
                        class: "btn btn-secondary",
                        r#type: "button",
                        id: "login-mfa-back",
                        disabled: shown.busy,
                        onclick: move |_| state.write().back_to_password(),
                        {t(lang, Key::MfaBack)}
                    }
                }
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

/// Runs the sign-in request off the UI thread: on a worker thread, since the HTTP client
/// blocks. Sync is started there too, on success. `None` if no thread could be started.
#[cfg(not(target_arch = "wasm32"))]
fn request(
    attempt: Attempt,
    services: AppServices,
) -> Option<impl std::future::Future<Output = Result<SignIn, AuthError>>> {
    let (tx, rx) = futures::channel::oneshot::channel();
    std::thread::Builder::new()
        .name("sign-in".into())
        .spawn(move || {
            let result = attempt.run(&*services.auth, &services.store);
            // Started here, off the UI's async runtime: the HTTP client blocks.
            if let Ok(SignIn::Done(session)) = &result {
                services.sync.start(session);
            }
            let _ = tx.send(result);
        })
        .ok()?;
    Some(async move {
        rx.await
            .unwrap_or_else(|_| Err(AuthError::Failed("sign-in stopped".into())))
    })
}

/// In the browser the request is a fetch: awaited on the page's event loop, which also
/// runs the sync task started on success.
#[cfg(target_arch = "wasm32")]
fn request(
    attempt: Attempt,
    services: AppServices,
) -> Option<impl std::future::Future<Output = Result<SignIn, AuthError>>> {
    Some(async move {
        let result = attempt.run(&*services.auth, &services.store).await;
        if let Ok(SignIn::Done(session)) = &result {
            services.sync.start(session);
        }
        result
    })
}
