//! Helpers for component tests: render a component to HTML without a window, and read
//! the tags back out of it.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use dioxus::prelude::*;
use elevate_mobile::core::AppSettings;
use elevate_mobile::platform::AppServices;
use elevate_mobile::{AppShell, AppShellProps, Screen};

/// Renders the app shell with the given state, the way the first frame would look.
pub fn render(settings: AppSettings, screen: Screen, services: AppServices) -> String {
    let mut dom = VirtualDom::new_with_props(
        AppShell,
        AppShellProps {
            services,
            settings,
            screen,
            session: None,
        },
    );
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

/// One opening tag from rendered HTML.
#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
}

impl Tag {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every opening tag, in document order. Enough for SSR output, where attribute values
/// are quoted and `<` inside them is escaped.
pub fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    for chunk in html.split('<').skip(1) {
        if chunk.starts_with('/') || chunk.starts_with('!') {
            continue;
        }
        let Some(end) = chunk.find('>') else { continue };
        let inner = chunk[..end].trim_end_matches('/');
        let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut rest = inner[name_end..].trim_start();
        while !rest.is_empty() {
            let key_end = rest
                .find(|c: char| c == '=' || c.is_whitespace())
                .unwrap_or(rest.len());
            let key = rest[..key_end].to_owned();
            rest = &rest[key_end..];
            let value = if let Some(after) = rest.strip_prefix("=\"") {
                let close = after.find('"').expect("unterminated attribute");
                let v = after[..close].to_owned();
                rest = &after[close + 1..];
                v
            } else if let Some(after) = rest.strip_prefix('=') {
                // Unquoted value (e.g. `selected=true`).
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                let v = after[..end].to_owned();
                rest = &after[end..];
                v
            } else {
                String::new()
            };
            attrs.push((key, value));
            rest = rest.trim_start();
        }
        out.push(Tag { name, attrs });
    }
    out
}

/// The text of the first element with this id, up to its first child tag.
pub fn text_of_id(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let open_end = at + html[at..].find('>')?;
    let rest = &html[open_end + 1..];
    Some(rest[..rest.find('<')?].to_owned())
}
