//! The page shell: header with the TECHGURU logo and the tenant's name and colours,
//! skip link, sidebar navigation landmark, theme switch and account menu.

use axum::response::Html;
use dioxus::prelude::*;

use crate::db;
use crate::domain::permissions::Permission;
use crate::web::i18n::{Key, Lang};
use crate::web::session::WebTx;
use crate::web::theme::{tenant_css, Theme};
use crate::web::{document, WebResult};

/// A sidebar destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Products,
    Import,
    Reorder,
    PurchaseOrders,
    Counts,
    Approvals,
    Contacts,
    Visits,
    Notifications,
    Users,
    Roles,
    ApiKeys,
    Webhooks,
    Audit,
    Mfa,
    /// Search results (no sidebar entry).
    Search,
}

impl Nav {
    const ALL: [Nav; 16] = [
        Nav::Dashboard,
        Nav::Products,
        Nav::Import,
        Nav::Reorder,
        Nav::PurchaseOrders,
        Nav::Counts,
        Nav::Approvals,
        Nav::Contacts,
        Nav::Visits,
        Nav::Notifications,
        Nav::Users,
        Nav::Roles,
        Nav::ApiKeys,
        Nav::Webhooks,
        Nav::Audit,
        Nav::Mfa,
    ];

    fn href(self) -> &'static str {
        match self {
            Nav::Dashboard => "/app",
            Nav::Products => "/app/inventory/products",
            Nav::Import => "/app/inventory/import",
            Nav::Reorder => "/app/purchasing/reorder",
            Nav::PurchaseOrders => "/app/purchasing/orders",
            Nav::Counts => "/app/counts",
            Nav::Approvals => "/app/approvals",
            Nav::Contacts => "/app/contacts",
            Nav::Visits => "/app/visits",
            Nav::Notifications => "/app/notifications",
            Nav::Search => "/app/search",
            Nav::Users => "/app/admin/users",
            Nav::Roles => "/app/admin/roles",
            Nav::ApiKeys => "/app/admin/api-keys",
            Nav::Webhooks => "/app/admin/webhooks",
            Nav::Audit => "/app/admin/audit",
            Nav::Mfa => "/app/settings/mfa",
        }
    }

    fn label(self) -> Key {
        match self {
            Nav::Dashboard => Key::NavDashboard,
            Nav::Products => Key::NavProducts,
            Nav::Import => Key::NavImport,
            Nav::Reorder => Key::NavReorder,
            Nav::PurchaseOrders => Key::NavPurchaseOrders,
            Nav::Counts => Key::NavCounts,
            Nav::Approvals => Key::NavApprovals,
            Nav::Contacts => Key::NavContacts,
            Nav::Visits => Key::NavVisits,
            Nav::Notifications => Key::NavNotifications,
            Nav::Search => Key::SearchTitle,
            Nav::Users => Key::NavUsers,
            Nav::Roles => Key::NavRoles,
            Nav::ApiKeys => Key::NavApiKeys,
            Nav::Webhooks => Key::NavWebhooks,
            Nav::Audit => Key::NavAudit,
            Nav::Mfa => Key::NavMfa,
        }
    }

    fn permission(self) -> Option<Permission> {
        match self {
            Nav::Dashboard | Nav::Mfa | Nav::Search | Nav::Notifications => None,
            Nav::Visits | Nav::Contacts => Some(Permission::ContactRead),
            Nav::Products => Some(Permission::ProductRead),
            Nav::Reorder | Nav::PurchaseOrders => Some(Permission::PurchaseRead),
            Nav::Import => Some(Permission::ProductManage),
            Nav::Approvals => Some(Permission::CountApprove),
            Nav::Counts => Some(Permission::CountPerform),
            Nav::Users | Nav::Roles => Some(Permission::UsersRead),
            Nav::ApiKeys => Some(Permission::ApiKeysManage),
            Nav::Webhooks => Some(Permission::WebhooksManage),
            Nav::Audit => Some(Permission::AuditRead),
        }
    }
}

/// Everything the shell shows around a page.
#[derive(Debug, Clone)]
pub struct Shell {
    pub lang: Lang,
    pub theme: Theme,
    pub tenant_name: String,
    pub tenant_css: String,
    pub user_name: String,
    pub csrf: String,
    pub nav: Vec<Nav>,
    pub current: Nav,
    pub mfa_setup: bool,
}

impl Shell {
    /// Loads the user's preferences and the tenant's branding.
    pub async fn load(w: &mut WebTx, current: Nav) -> WebResult<Shell> {
        let user_id = w.ctx().user_id;
        let prefs = db::preferences::get(w.conn(), user_id).await?;
        let brand = db::views::branding(w.conn()).await?;
        let user = db::users::get(w.conn(), user_id).await?;
        let lang = prefs
            .language
            .as_deref()
            .and_then(Lang::from_tag)
            .unwrap_or(w.accept_lang);
        let ctx = w.ctx();
        let nav = Nav::ALL
            .into_iter()
            .filter(|n| n.permission().is_none_or(|p| ctx.can(p)))
            .filter(|n| !ctx.mfa_setup || *n == Nav::Mfa)
            .collect();
        Ok(Shell {
            lang,
            theme: Theme::parse(&prefs.theme).unwrap_or_default(),
            tenant_name: brand.name,
            tenant_css: tenant_css(&brand.brand_primary, &brand.brand_accent),
            user_name: user.map(|u| u.display_name).unwrap_or_default(),
            csrf: w.csrf.clone(),
            nav,
            current,
            mfa_setup: ctx.mfa_setup,
        })
    }

    pub fn t(&self, key: Key) -> &'static str {
        self.lang.t(key)
    }
}

/// The hidden CSRF field every form carries.
#[component]
pub fn CsrfField(token: String) -> Element {
    rsx! { input { r#type: "hidden", name: "_csrf", value: "{token}" } }
}

#[component]
fn Logo(alt: &'static str) -> Element {
    rsx! {
        img { class: "logo", src: "/assets/techguru_logo.png", alt: "{alt}", width: "132", height: "40" }
    }
}

fn head(lang: Lang, title: &str, css: &str, csrf: &str) -> Element {
    let full_title = format!("{title} · {}", lang.t(Key::AppName));
    rsx! {
        head {
            meta { charset: "utf-8" }
            meta { name: "viewport", content: "width=device-width, initial-scale=1" }
            meta { name: "csrf-token", content: "{csrf}" }
            title { "{full_title}" }
            link { rel: "icon", href: "/favicon.ico", sizes: "any" }
            link { rel: "stylesheet", href: "/app/static/app.css" }
            style { dangerous_inner_html: "{css}" }
            script { src: "/app/static/app.js", defer: true }
        }
    }
}

/// A page without the signed-in shell (sign-in, errors): logo, follows the system theme.
pub fn bare_page(lang: Lang, title: &str, body: Element) -> Html<String> {
    let css = tenant_css("#3730A3", "#0D9488");
    document(
        lang,
        "system",
        head(lang, title, &css, ""),
        rsx! {
                body { class: "bare",
                    a { class: "skip-link", href: "#main", {lang.t(Key::SkipToContent)} }
                    header { class: "bare-header",
                        Logo { alt: lang.t(Key::LogoAlt) }
                        span { class: "product", {lang.t(Key::AppName)} }
                    }
                    main { id: "main", tabindex: "-1", class: "bare-main", {body} }
                }
        },
    )
}

fn theme_switch(shell: &Shell) -> Element {
    let lang = shell.lang;
    rsx! {
        form { class: "theme-switch", method: "post", action: "/app/preferences",
            "data-enhance": "theme",
            CsrfField { token: shell.csrf.clone() }
            fieldset {
                legend { class: "visually-hidden", {lang.t(Key::ThemeLabel)} }
                for (theme, key) in [(Theme::System, Key::ThemeSystem), (Theme::Light, Key::ThemeLight), (Theme::Dark, Key::ThemeDark)] {
                    button {
                        r#type: "submit",
                        name: "theme",
                        value: "{theme.as_str()}",
                        "aria-pressed": if shell.theme == theme { "true" } else { "false" },
                        {lang.t(key)}
                    }
                }
            }
        }
    }
}

const SEARCH_ICON: &str = r#"<svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" focusable="false"><circle cx="10.5" cy="10.5" r="6.5"/><line x1="15.5" y1="15.5" x2="21" y2="21"/></svg>"#;

fn search_box(shell: &Shell) -> Element {
    let lang = shell.lang;
    rsx! {
        form { class: "global-search", method: "get", action: "/app/search", role: "search",
            "aria-label": "{lang.t(Key::GlobalSearch)}",
            label { r#for: "global-q", class: "visually-hidden", {lang.t(Key::GlobalSearchLabel)} }
            input { id: "global-q", name: "q", r#type: "search", placeholder: "{lang.t(Key::GlobalSearch)}",
                autocomplete: "off", enterkeyhint: "search" }
            button { r#type: "submit", class: "secondary", "aria-label": "{lang.t(Key::GlobalSearch)}", title: "{lang.t(Key::GlobalSearch)}",
                span { class: "search-icon", "aria-hidden": "true", dangerous_inner_html: SEARCH_ICON }
            }
        }
    }
}

fn user_menu(shell: &Shell) -> Element {
    let lang = shell.lang;
    let signed_in = lang.tf(Key::SignedInAs, &[("name", &shell.user_name)]);
    rsx! {
        details { class: "user-menu",
            summary { "aria-label": "{lang.t(Key::UserMenu)}", span { class: "avatar", "aria-hidden": "true", {initials(&shell.user_name)} } span { class: "user-name", "{shell.user_name}" } }
            div { class: "menu-panel",
                p { class: "muted", "{signed_in}" }
                form { method: "post", action: "/app/preferences",
                    CsrfField { token: shell.csrf.clone() }
                    label { r#for: "pref-language", {lang.t(Key::LanguageLabel)} }
                    select { id: "pref-language", name: "language",
                        for l in Lang::ALL {
                            option { value: "{l.tag()}", selected: l == lang, lang: "{l.tag()}", {l.native_name()} }
                        }
                    }
                    button { r#type: "submit", {lang.t(Key::Save)} }
                }
                a { href: "/app/settings/mfa", {lang.t(Key::NavMfa)} }
                form { method: "post", action: "/app/logout",
                    CsrfField { token: shell.csrf.clone() }
                    button { r#type: "submit", class: "secondary", {lang.t(Key::SignOut)} }
                }
            }
        }
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

/// A signed-in page: header, navigation and the page's own content in `<main>`.
pub fn app_page(shell: &Shell, title: &str, body: Element) -> Html<String> {
    let lang = shell.lang;
    let theme = shell.theme.as_str();
    document(
        lang,
        theme,
        head(lang, title, &shell.tenant_css, &shell.csrf),
        rsx! {
                body {
                    a { class: "skip-link", href: "#main", {lang.t(Key::SkipToContent)} }
                    header { class: "app-header",
                        a { class: "brand", href: "/app",
                            Logo { alt: lang.t(Key::LogoAlt) }
                            span { class: "tenant-name", "{shell.tenant_name}" }
                        }
                        if !shell.mfa_setup { {search_box(shell)} }
                        div { class: "header-tools",
                            {theme_switch(shell)}
                            {user_menu(shell)}
                        }
                    }
                    div { class: "layout",
                        nav { class: "sidebar", "aria-label": "{lang.t(Key::MainNav)}",
                            ul {
                                for item in shell.nav.iter().copied() {
                                    li {
                                        a {
                                            href: "{item.href()}",
                                            "aria-current": if item == shell.current { "page" } else { "false" },
                                            {lang.t(item.label())}
                                        }
                                    }
                                }
                            }
                        }
                        main { id: "main", tabindex: "-1",
                            {body}
                        }
                    }
                    div { id: "live-status", class: "visually-hidden", role: "status", "aria-live": "polite",
                        "data-saved": "{lang.t(Key::Saved)}", "data-layout-saved": "{lang.t(Key::LayoutSaved)}" }
                }
        },
    )
}
