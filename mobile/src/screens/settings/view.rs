//! The settings screen's component.

use crate::app::update_settings;
use crate::core::{AppSettings, ServerUrl, TextSize, Theme};
use crate::i18n::{t, Key, Language};
use crate::platform::AppServices;
use crate::screens::common::ScreenFrame;
use crate::widgets::{Notice, NoticeView, SelectField, TextField};
use dioxus::prelude::*;

#[component]
pub fn SettingsScreen() -> Element {
    let settings = use_context::<Signal<AppSettings>>();
    let services = use_context::<AppServices>();
    let current = settings.read().clone();
    let lang = current.language;
    let mut url = use_signal(|| {
        current
            .server_url
            .as_ref()
            .map(|u| u.as_str().to_owned())
            .unwrap_or_default()
    });
    let mut url_error = use_signal(|| None::<Key>);
    let mut notice = use_signal(|| None::<Notice>);
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
    let sizes: Vec<(String, String)> = TextSize::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), t(lang, s.label()).to_owned()))
        .collect();
    let (s1, s2, s3, s4) = (
        services.clone(),
        services.clone(),
        services.clone(),
        services,
    );
    rsx! {
        ScreenFrame { id: "settings", title: Key::SettingsHeading,
            form {
                class: "card",
                novalidate: true,
                onsubmit: move |e: FormEvent| {
                    e.prevent_default();
                    match ServerUrl::parse(&url.peek()) {
                        Ok(u) => {
                            url_error.set(None);
                            update_settings(settings, &s1, |s| s.server_url = Some(u));
                            notice.set(Some(Notice::ok(Key::SettingsSaved)));
                        }
                        Err(e) => url_error.set(Some(e.message_key())),
                    }
                },
                TextField {
                    id: "settings-server",
                    label: t(lang, Key::ServerUrlLabel),
                    kind: "url",
                    inputmode: "url",
                    value: url(),
                    hint: t(lang, Key::ServerUrlHint).to_owned(),
                    error: url_error().map(|k| t(lang, k).to_owned()),
                    oninput: move |v| url.set(v),
                }
                button { class: "btn btn-primary", r#type: "submit", {t(lang, Key::SettingsSave)} }
            }
            NoticeView { lang, notice: notice() }
            div { class: "card",
                SelectField {
                    id: "settings-language",
                    label: t(lang, Key::LanguageLabel),
                    selected: lang.tag(),
                    options: languages,
                    onchange: move |tag: String| {
                        if let Some(l) = Language::ALL.into_iter().find(|l| l.tag() == tag) {
                            update_settings(settings, &s2, |s| s.language = l);
                        }
                    },
                }
                SelectField {
                    id: "settings-theme",
                    label: t(lang, Key::ThemeLabel),
                    selected: current.theme.as_str(),
                    options: themes,
                    onchange: move |id: String| {
                        if let Some(th) = Theme::from_id(&id) {
                            update_settings(settings, &s3, |s| s.theme = th);
                        }
                    },
                }
                SelectField {
                    id: "settings-text-size",
                    label: t(lang, Key::TextSizeLabel),
                    selected: current.text_size.as_str(),
                    options: sizes,
                    onchange: move |id: String| {
                        if let Some(size) = TextSize::from_id(&id) {
                            update_settings(settings, &s4, |s| s.text_size = size);
                        }
                    },
                }
            }
        }
    }
}
