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

/// How a message is meant: announced politely (`status`) or at once (`alert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Warn,
    Error,
}

/// A message shown after an action or a scan, in the user's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub tone: Tone,
    pub key: Key,
    /// Extra text shown after the message (a code, a product name).
    pub detail: Option<String>,
}

impl Notice {
    pub fn ok(key: Key) -> Self {
        Notice {
            tone: Tone::Ok,
            key,
            detail: None,
        }
    }
    pub fn warn(key: Key) -> Self {
        Notice {
            tone: Tone::Warn,
            key,
            detail: None,
        }
    }
    pub fn error(key: Key) -> Self {
        Notice {
            tone: Tone::Error,
            key,
            detail: None,
        }
    }
    pub fn with(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Shows a [`Notice`]; errors use `role="alert"` so screen readers interrupt.
#[component]
pub fn NoticeView(lang: Language, notice: Option<Notice>) -> Element {
    let Some(n) = notice else {
        return rsx! {
            p { class: "notice-slot", role: "status", aria_live: "polite" }
        };
    };
    let (class, role) = match n.tone {
        Tone::Ok => ("notice notice-ok", "status"),
        Tone::Warn => ("notice notice-warn", "status"),
        Tone::Error => ("notice notice-error", "alert"),
    };
    let text = match &n.detail {
        Some(d) => format!("{}: {d}", t(lang, n.key)),
        None => t(lang, n.key).to_owned(),
    };
    rsx! {
        p { class, role, aria_live: "polite", "{text}" }
    }
}

/// The scan field every scanning screen has: hardware (keyboard-wedge) scanners type
/// into it and press Enter; people can type a code too. A camera button next to it
/// when the platform has one.
#[component]
pub fn ScanBar(
    lang: Language,
    on_scan: EventHandler<String>,
    #[props(default)] on_camera: Option<EventHandler<()>>,
    #[props(default)] camera_busy: bool,
) -> Element {
    let mut value = use_signal(String::new);
    let mut submit = move || {
        let code = value.peek().trim().to_owned();
        value.set(String::new());
        if !code.is_empty() {
            on_scan.call(code);
        }
    };
    rsx! {
        form {
            class: "scan-bar",
            role: "search",
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                submit();
            },
            label { r#for: "scan-input", {t(lang, Key::ScanLabel)} }
            div { class: "scan-row",
                input {
                    id: "scan-input",
                    name: "scan-input",
                    r#type: "text",
                    autocomplete: "off",
                    autofocus: true,
                    aria_describedby: "scan-hint",
                    value: "{value}",
                    oninput: move |e: FormEvent| value.set(e.value()),
                }
                button { class: "btn btn-primary btn-inline", r#type: "submit", {t(lang, Key::ScanSubmit)} }
                if let Some(cam) = on_camera {
                    button {
                        class: "btn btn-secondary btn-inline",
                        r#type: "button",
                        id: "scan-camera",
                        disabled: camera_busy,
                        aria_busy: camera_busy.then_some("true"),
                        onclick: move |_| cam.call(()),
                        if camera_busy { {t(lang, Key::ScanCameraBusy)} } else { {t(lang, Key::ScanCamera)} }
                    }
                }
            }
            p { id: "scan-hint", class: "hint", {t(lang, Key::ScanHint)} }
        }
    }
}

/// A quantity with large − / + buttons and a number pad: after a scan, a line is
/// adjusted with one tap per unit, or typed on the pad and confirmed with one tap.
#[component]
pub fn QtyControl(
    #[props(into)] id: String,
    lang: Language,
    value: String,
    on_change: EventHandler<String>,
    #[props(default)] show_pad: bool,
) -> Element {
    let step = |delta: i64| {
        let v: rust_decimal::Decimal = value.parse().unwrap_or_default();
        let next = (v + rust_decimal::Decimal::from(delta)).max(rust_decimal::Decimal::ZERO);
        next.normalize().to_string()
    };
    let minus = step(-1);
    let plus = step(1);
    let typed = value.clone();
    rsx! {
        div { class: "qty", role: "group", aria_labelledby: "{id}-label",
            span { id: "{id}-label", class: "qty-label", {t(lang, Key::QtyLabel)} }
            button {
                class: "btn btn-secondary qty-btn",
                r#type: "button",
                aria_label: t(lang, Key::QtyDecrease),
                onclick: move |_| on_change.call(minus.clone()),
                "−"
            }
            output { id: "{id}-value", class: "qty-value", aria_live: "polite", "{value}" }
            button {
                class: "btn btn-secondary qty-btn",
                r#type: "button",
                aria_label: t(lang, Key::QtyIncrease),
                onclick: move |_| on_change.call(plus.clone()),
                "+"
            }
        }
        if show_pad {
            div { class: "pad", role: "group", aria_label: t(lang, Key::QtyPad),
                for d in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"] {
                    button {
                        key: "{d}",
                        class: "btn btn-secondary pad-key",
                        r#type: "button",
                        onclick: {
                            let typed = typed.clone();
                            move |_| {
                                let next = if typed == "0" { d.to_owned() } else { format!("{typed}{d}") };
                                on_change.call(next)
                            }
                        },
                        "{d}"
                    }
                }
                button {
                    class: "btn btn-secondary pad-key",
                    r#type: "button",
                    onclick: move |_| on_change.call("0".to_owned()),
                    {t(lang, Key::QtyClear)}
                }
            }
        }
    }
}

/// A full-width navigation/task button.
#[component]
pub fn TaskButton(
    id: &'static str,
    label: String,
    #[props(default)] badge: Option<String>,
    onclick: EventHandler<()>,
) -> Element {
    rsx! {
        button {
            id,
            class: "btn task",
            r#type: "button",
            onclick: move |_| onclick.call(()),
            span { "{label}" }
            if let Some(b) = badge {
                span { class: "badge", "{b}" }
            }
        }
    }
}
