//! Small building blocks shared by screens. Each one wires up accessibility (labels tied
//! to inputs, hints and errors announced) so screens cannot forget it.

use crate::i18n::{t, Key, Language};
use dioxus::prelude::*;

/// A labelled text input with an optional hint and error message.
///
/// The label's `for` matches the input's `id`; hint and error are linked through
/// `aria-describedby`, and an error sets `aria-invalid`.
#[component]
pub fn TextField(
    id: &'static str,
    #[props(into)] label: String,
    #[props(into)] value: String,
    /// HTML input type: `text`, `email`, `password`, `url`.
    #[props(default = "text")]
    kind: &'static str,
    #[props(default)] autocomplete: Option<&'static str>,
    #[props(default)] inputmode: Option<&'static str>,
    #[props(default)] hint: Option<String>,
    #[props(default)] error: Option<String>,
    oninput: EventHandler<String>,
) -> Element {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by: Vec<&str> = [
        hint.as_ref().map(|_| hint_id.as_str()),
        error.as_ref().map(|_| error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let described_by = (!described_by.is_empty()).then(|| described_by.join(" "));
    let invalid = error.is_some().then_some("true");
    rsx! {
        div { class: "field",
            label { r#for: id, "{label}" }
            input {
                id,
                name: id,
                r#type: kind,
                value,
                autocomplete,
                inputmode,
                aria_describedby: described_by,
                aria_invalid: invalid,
                oninput: move |e: FormEvent| oninput.call(e.value()),
            }
            if let Some(hint) = hint {
                p { id: hint_id, class: "hint", "{hint}" }
            }
            if let Some(error) = error {
                p { id: error_id, class: "error", role: "alert", "{error}" }
            }
        }
    }
}

/// A labelled `select`. `options` are `(value, text)`; the one equal to `selected` is chosen.
#[component]
pub fn SelectField(
    id: &'static str,
    #[props(into)] label: String,
    #[props(into)] selected: String,
    options: Vec<(String, String)>,
    onchange: EventHandler<String>,
) -> Element {
    rsx! {
        div { class: "field",
            label { r#for: id, "{label}" }
            select {
                id,
                name: id,
                value: "{selected}",
                onchange: move |e: FormEvent| onchange.call(e.value()),
                for (value, text) in options {
                    option {
                        key: "{value}",
                        selected: value == selected,
                        value: "{value}",
                        "{text}"
                    }
                }
            }
        }
    }
}

/// The TECHGURU logo on its light plate; `small` for top bars.
#[component]
pub fn Logo(lang: Language, #[props(default)] small: bool) -> Element {
    let class = if small { "logo logo-small" } else { "logo" };
    rsx! {
        div { class: "logo-plate",
            img {
                class,
                src: crate::branding::logo_data_url(),
                alt: t(lang, Key::LogoAlt),
            }
        }
    }
}
