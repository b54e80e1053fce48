//! The sign-in screen rendered without a window.

mod common;

use common::{render, tags, Tag};
use elevate_mobile::core::{AppSettings, ServerUrl, Theme};
use elevate_mobile::i18n::{t, Key, Language};
use elevate_mobile::platform::AppServices;
use elevate_mobile::screens::login::{LoginForm, LoginState, LoginStep};
use elevate_mobile::Screen;

fn login_html(settings: AppSettings) -> String {
    render(settings, Screen::Login, AppServices::in_memory())
}

fn german() -> AppSettings {
    AppSettings {
        language: Language::De,
        ..AppSettings::default()
    }
}

#[test]
fn shows_the_techguru_logo_with_alt_text_and_the_product_name() {
    let html = login_html(AppSettings::default());
    let imgs: Vec<Tag> = tags(&html)
        .into_iter()
        .filter(|t| t.name == "img")
        .collect();
    assert_eq!(imgs.len(), 1, "{html}");
    let logo = &imgs[0];
    assert_eq!(logo.attr("alt"), Some("TECHGURU logo"));
    let src = logo.attr("src").unwrap();
    assert!(
        src.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "not an embedded PNG"
    );
    assert_eq!(src, elevate_mobile::branding::logo_data_url());
    assert!(
        html.contains("<h1 class=\"product\">ElevateCRM</h1>"),
        "{html}"
    );
}

#[test]
fn every_control_has_a_label_tied_to_it() {
    let html = login_html(AppSettings::default());
    let all = tags(&html);
    let controls: Vec<&Tag> = all
        .iter()
        .filter(|t| matches!(t.name.as_str(), "input" | "select" | "textarea"))
        .collect();
    assert_eq!(
        controls.len(),
        6,
        "server, company, email, password, language, theme"
    );
    let label_targets: Vec<&str> = all
        .iter()
        .filter(|t| t.name == "label")
        .filter_map(|t| t.attr("for"))
        .collect();
    for control in &controls {
        let id = control.attr("id").expect("control without id");
        let n = label_targets.iter().filter(|f| **f == id).count();
        assert_eq!(n, 1, "control #{id} has {n} labels");
        let ids = all.iter().filter(|t| t.attr("id") == Some(id)).count();
        assert_eq!(ids, 1, "id {id} is not unique");
    }
    let input = |id: &str| {
        *controls
            .iter()
            .find(|t| t.attr("id") == Some(id))
            .unwrap_or_else(|| panic!("no #{id}"))
    };
    assert_eq!(input("login-password").attr("type"), Some("password"));
    assert_eq!(
        input("login-password").attr("autocomplete"),
        Some("current-password")
    );
    assert_eq!(input("login-email").attr("type"), Some("email"));
    assert_eq!(input("login-server").attr("type"), Some("url"));
    // The hint is announced with the field it explains.
    assert_eq!(
        input("login-server").attr("aria-describedby"),
        Some("login-server-hint")
    );
    assert_eq!(
        common::text_of_id(&html, "login-server-hint").as_deref(),
        Some(t(Language::En, Key::ServerUrlHint))
    );
}

#[test]
fn has_one_large_submit_button() {
    let html = login_html(AppSettings::default());
    let buttons: Vec<Tag> = tags(&html)
        .into_iter()
        .filter(|t| t.name == "button")
        .collect();
    assert_eq!(buttons.len(), 1);
    assert_eq!(buttons[0].attr("type"), Some("submit"));
    let class = buttons[0].attr("class").unwrap();
    assert!(class.split(' ').any(|c| c == "btn-primary"), "{class}");
    assert!(html.contains(">Sign in</button>"));
    // The stylesheet in the page gives that class at least 48 px.
    let rule_at = html.find(".btn-primary {").expect("button rule missing");
    let rule = &html[rule_at..rule_at + html[rule_at..].find('}').unwrap()];
    let px: u32 = rule
        .split("min-height:")
        .nth(1)
        .and_then(|v| v.trim().strip_suffix("px;").or(v.trim().split("px").next()))
        .and_then(|v| v.trim().parse().ok())
        .expect("min-height in px");
    assert!(px >= 48, "sign-in button min-height {px}px");
}

#[test]
fn german_settings_render_german_strings() {
    let html = login_html(german());
    for key in [
        Key::ServerUrlLabel,
        Key::EmailLabel,
        Key::PasswordLabel,
        Key::SignIn,
        Key::LogoAlt,
    ] {
        let text = t(Language::De, key);
        assert!(html.contains(text), "missing German {key:?}: {text}");
    }
    assert!(html.contains("alt=\"TECHGURU-Logo\""));
    assert!(html.contains(">Passwort</label>"));
    assert!(!html.contains(">Password</label>"), "English label leaked");
    assert!(html.contains("lang=\"de\""));
}

#[test]
fn theme_choice_sets_the_root_class() {
    for (theme, class) in [
        (Theme::Dark, "app theme-dark"),
        (Theme::Light, "app theme-light"),
        (Theme::System, "app theme-system"),
    ] {
        let html = login_html(AppSettings {
            theme,
            ..AppSettings::default()
        });
        assert!(html.contains(&format!("class=\"{class}\"")), "{theme:?}");
        // The picker shows the current choice.
        let selected: Vec<String> = tags(&html)
            .into_iter()
            .filter(|t| t.name == "option" && t.attr("selected").is_some_and(|v| v != "false"))
            .filter_map(|t| t.attr("value").map(str::to_owned))
            .collect();
        assert!(
            selected.contains(&theme.as_str().to_owned()),
            "{selected:?}"
        );
        assert_eq!(
            selected.len(),
            2,
            "one language and one theme selected: {selected:?}"
        );
    }
}

#[test]
fn last_server_and_email_are_prefilled_but_no_errors_show_yet() {
    let html = login_html(AppSettings {
        server_url: Some(ServerUrl::parse("https://crm.example.com").unwrap()),
        last_email: Some("ana@example.com".into()),
        last_tenant: Some("acme".into()),
        ..AppSettings::default()
    });
    let all = tags(&html);
    let value = |id: &str| {
        all.iter()
            .find(|t| t.attr("id") == Some(id))
            .and_then(|t| t.attr("value"))
            .map(str::to_owned)
    };
    assert_eq!(
        value("login-server").as_deref(),
        Some("https://crm.example.com")
    );
    assert_eq!(value("login-email").as_deref(), Some("ana@example.com"));
    assert_eq!(value("login-tenant").as_deref(), Some("acme"));
    assert!(
        !html.contains("role=\"alert\""),
        "errors shown before submit"
    );
}

fn state_html(settings: AppSettings, state: LoginState) -> String {
    render(settings, Screen::SignIn(state), AppServices::in_memory())
}

fn filled() -> LoginForm {
    LoginForm {
        server_url: "https://crm.example.com".into(),
        tenant: "acme".into(),
        email: "max@acme.example".into(),
        password: "secret".into(),
    }
}

fn mfa(code: &str) -> LoginState {
    LoginState {
        form: filled(),
        step: LoginStep::Mfa {
            ticket: "t".into(),
            code: code.into(),
        },
        ..LoginState::default()
    }
}

#[test]
fn mfa_step_asks_for_the_code_only() {
    let html = state_html(AppSettings::default(), mfa(""));
    let all = tags(&html);
    let inputs: Vec<&Tag> = all.iter().filter(|t| t.name == "input").collect();
    assert_eq!(inputs.len(), 1, "only the code field: {html}");
    let code = inputs[0];
    assert_eq!(code.attr("id"), Some("login-mfa-code"));
    assert_eq!(code.attr("autocomplete"), Some("one-time-code"));
    assert_eq!(code.attr("inputmode"), Some("numeric"));
    assert!(html.contains(t(Language::En, Key::MfaHeading)));
    assert!(html.contains(&format!(">{}</label>", t(Language::En, Key::MfaCodeLabel))));
    assert!(!html.contains("secret"), "the password is not in the page");
    let buttons: Vec<&Tag> = all.iter().filter(|t| t.name == "button").collect();
    assert_eq!(buttons.len(), 2, "verify and back");
    assert!(html.contains(&format!(">{}</button>", t(Language::En, Key::MfaVerify))));
    assert!(html.contains(&format!(">{}</button>", t(Language::En, Key::MfaBack))));
    assert!(!html.contains("role=\"alert\""), "no error before a try");
}

#[test]
fn a_wrong_mfa_code_is_announced_on_the_field_in_german_too() {
    let mut state = mfa("");
    state.code_error = Some(Key::ErrorInvalidMfaCode);
    for (settings, lang) in [
        (AppSettings::default(), Language::En),
        (german(), Language::De),
    ] {
        let html = state_html(settings, state.clone());
        let all = tags(&html);
        let code = all
            .iter()
            .find(|t| t.attr("id") == Some("login-mfa-code"))
            .unwrap();
        assert_eq!(code.attr("aria-invalid"), Some("true"));
        assert_eq!(code.attr("aria-describedby"), Some("login-mfa-code-error"));
        assert_eq!(
            common::text_of_id(&html, "login-mfa-code-error").as_deref(),
            Some(t(lang, Key::ErrorInvalidMfaCode))
        );
    }
}

#[test]
fn server_refusals_show_as_one_alert_and_keep_the_form() {
    for key in [
        Key::ErrorInvalidCredentials,
        Key::ErrorServerUnreachable,
        Key::ErrorTooManyAttempts,
        Key::ErrorDeviceRefused,
        Key::ErrorMfaSetupRequired,
    ] {
        let html = state_html(
            AppSettings::default(),
            LoginState {
                form: filled(),
                failure: Some(key),
                ..LoginState::default()
            },
        );
        assert_eq!(
            common::text_of_id(&html, "login-failure").as_deref(),
            Some(t(Language::En, key)),
            "{key:?}"
        );
        assert_eq!(html.matches("role=\"alert\"").count(), 1, "{key:?}");
        let all = tags(&html);
        let value = |id: &str| {
            all.iter()
                .find(|t| t.attr("id") == Some(id))
                .and_then(|t| t.attr("value"))
                .map(str::to_owned)
        };
        assert_eq!(value("login-email").as_deref(), Some("max@acme.example"));
        assert_eq!(value("login-tenant").as_deref(), Some("acme"));
    }
}

#[test]
fn while_signing_in_the_button_is_disabled_and_says_so() {
    let html = state_html(
        german(),
        LoginState {
            form: filled(),
            busy: true,
            ..LoginState::default()
        },
    );
    let all = tags(&html);
    let submit = all
        .iter()
        .find(|t| t.name == "button" && t.attr("type") == Some("submit"))
        .unwrap();
    assert!(
        submit.attr("disabled").is_some_and(|v| v != "false"),
        "{html}"
    );
    assert!(html.contains(t(Language::De, Key::SigningIn)));
    let form = all.iter().find(|t| t.name == "form").unwrap();
    assert_eq!(form.attr("aria-busy"), Some("true"));
}

#[test]
fn field_errors_include_the_company() {
    let mut state = LoginState {
        form: LoginForm {
            tenant: String::new(),
            ..filled()
        },
        ..LoginState::default()
    };
    assert!(state.submit().is_none());
    let html = state_html(AppSettings::default(), state);
    assert_eq!(
        common::text_of_id(&html, "login-tenant-error").as_deref(),
        Some(t(Language::En, Key::ErrorCompanyEmpty))
    );
}
