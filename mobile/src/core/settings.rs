//! The app's settings: which server to talk to, the UI language and the theme.
//!
//! Stored as one JSON document through the platform [`Storage`] so the same code runs on
//! desktop, Android and iOS. The server URL is a parsed newtype: once a [`ServerUrl`]
//! exists it has a scheme and a host, so the API client never has to re-check it.

use crate::core::theme::Theme;
use crate::i18n::{Key, Language};
use crate::platform::{Storage, StorageError};
use serde::{Deserialize, Serialize};

/// Storage key for the settings document.
pub const SETTINGS_KEY: &str = "settings.json";

/// Base URL of an ElevateCRM backend, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServerUrl(String);

/// Why a server URL was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ServerUrlError {
    #[error("server URL is empty")]
    Empty,
    #[error("server URL must start with https:// or http://")]
    Scheme,
    #[error("server URL has no host")]
    Host,
}

impl ServerUrlError {
    /// The message shown to the user.
    pub fn message_key(self) -> Key {
        match self {
            ServerUrlError::Empty => Key::ErrorServerUrlEmpty,
            ServerUrlError::Scheme => Key::ErrorServerUrlScheme,
            ServerUrlError::Host => Key::ErrorServerUrlHost,
        }
    }
}

impl ServerUrl {
    /// Parses what a user typed. Surrounding whitespace and trailing slashes are dropped
    /// so `https://crm.example.com/` and `https://crm.example.com` are the same server.
    pub fn parse(input: &str) -> Result<ServerUrl, ServerUrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ServerUrlError::Empty);
        }
        let lower = input.to_ascii_lowercase();
        let scheme = ["https://", "http://"]
            .into_iter()
            .find(|s| lower.starts_with(s))
            .ok_or(ServerUrlError::Scheme)?;
        let rest = input[scheme.len()..].trim_end_matches('/');
        let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        let authority = authority.to_ascii_lowercase();
        if !is_host_and_port(&authority) {
            return Err(ServerUrlError::Host);
        }
        // Scheme and host are case-insensitive; the path keeps the user's case.
        Ok(ServerUrl(format!("{scheme}{authority}{path}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether traffic to this server is encrypted (plain HTTP is allowed for a LAN/dev box).
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`. Credentials in the URL are refused: they
/// would be stored in plain text in the settings.
fn is_host_and_port(authority: &str) -> bool {
    let (host_ok, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((host, tail)) = bracketed.split_once(']') else {
            return false;
        };
        let port = match tail {
            "" => None,
            tail => match tail.strip_prefix(':') {
                Some(port) => Some(port),
                None => return false,
            },
        };
        let ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        (ok, port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        (ok, port)
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

impl TryFrom<String> for ServerUrl {
    type Error = ServerUrlError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ServerUrl::parse(&value)
    }
}

impl From<ServerUrl> for String {
    fn from(value: ServerUrl) -> Self {
        value.0
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Everything the user configures on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AppSettings {
    /// The backend last signed in to; pre-fills the login form.
    pub server_url: Option<ServerUrl>,
    /// The email last signed in with; pre-fills the login form (never the password).
    pub last_email: Option<String>,
    /// The company (tenant slug) last signed in to; pre-fills the login form.
    pub last_tenant: Option<String>,
    pub language: Language,
    pub theme: Theme,
    pub text_size: TextSize,
}

/// Text size on top of the system setting (gloves, bright light, older eyes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSize {
    #[default]
    Normal,
    Large,
    Larger,
}

impl TextSize {
    pub const ALL: [TextSize; 3] = [TextSize::Normal, TextSize::Large, TextSize::Larger];

    pub fn as_str(self) -> &'static str {
        match self {
            TextSize::Normal => "normal",
            TextSize::Large => "large",
            TextSize::Larger => "larger",
        }
    }

    pub fn from_id(id: &str) -> Option<TextSize> {
        TextSize::ALL.into_iter().find(|t| t.as_str() == id)
    }

    /// Root font size in percent; everything is sized in `rem`, so it all scales.
    pub fn percent(self) -> u32 {
        match self {
            TextSize::Normal => 100,
            TextSize::Large => 118,
            TextSize::Larger => 136,
        }
    }

    pub fn label(self) -> Key {
        match self {
            TextSize::Normal => Key::TextSizeNormal,
            TextSize::Large => Key::TextSizeLarge,
            TextSize::Larger => Key::TextSizeLarger,
        }
    }
}

/// Loading or saving settings failed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("settings storage failed")]
    Storage(#[from] StorageError),
    #[error("stored settings are not valid JSON for this version")]
    Corrupt(#[source] serde_json::Error),
}

impl AppSettings {
    /// Reads the stored settings; `Ok(None)` when nothing was saved yet.
    pub fn load(storage: &dyn Storage) -> Result<Option<AppSettings>, SettingsError> {
        match storage.get(SETTINGS_KEY)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(SettingsError::Corrupt),
        }
    }

    /// Reads the stored settings, falling back to defaults when none are stored or they
    /// cannot be read: a broken settings file must never keep the user out of the app.
    pub fn load_or_default(storage: &dyn Storage) -> AppSettings {
        Self::load(storage).ok().flatten().unwrap_or_default()
    }

    pub fn save(&self, storage: &dyn Storage) -> Result<(), SettingsError> {
        let json = serde_json::to_vec_pretty(self).map_err(SettingsError::Corrupt)?;
        storage.put(SETTINGS_KEY, &json)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::MemoryStorage;

    #[test]
    fn server_url_accepts_and_normalises() {
        let url = ServerUrl::parse("  HTTPS://CRM.Example.com/  ").unwrap();
        assert_eq!(url.as_str(), "https://crm.example.com");
        assert!(url.is_https());
        let lan = ServerUrl::parse("http://192.168.1.20:8080/api/").unwrap();
        assert_eq!(lan.as_str(), "http://192.168.1.20:8080/api");
        assert!(!lan.is_https());
        assert_eq!(
            ServerUrl::parse("https://[::1]:8443").unwrap().as_str(),
            "https://[::1]:8443"
        );
        assert_eq!(
            ServerUrl::parse("https://crm.example.com/Tenant/A")
                .unwrap()
                .as_str(),
            "https://crm.example.com/Tenant/A"
        );
    }

    #[test]
    fn server_url_rejects_bad_input() {
        assert_eq!(ServerUrl::parse("   "), Err(ServerUrlError::Empty));
        assert_eq!(
            ServerUrl::parse("crm.example.com"),
            Err(ServerUrlError::Scheme)
        );
        assert_eq!(
            ServerUrl::parse("ftp://crm.example.com"),
            Err(ServerUrlError::Scheme)
        );
        assert_eq!(ServerUrl::parse("https://"), Err(ServerUrlError::Host));
        assert_eq!(
            ServerUrl::parse("https://user:pw@crm.example.com"),
            Err(ServerUrlError::Host)
        );
        assert_eq!(
            ServerUrl::parse("https://crm.example.com:80a"),
            Err(ServerUrlError::Host)
        );
        assert_eq!(ServerUrl::parse("https:///path"), Err(ServerUrlError::Host));
        assert_eq!(
            ServerUrl::parse("https://bad host"),
            Err(ServerUrlError::Host)
        );
        assert_eq!(
            ServerUrl::parse("https://a_b.example"),
            Err(ServerUrlError::Host)
        );
    }

    #[test]
    fn corrupt_server_url_in_json_is_rejected() {
        let err = serde_json::from_str::<AppSettings>(r#"{"server_url":"nope"}"#);
        assert!(err.is_err());
    }

    #[test]
    fn settings_round_trip_through_storage() {
        let storage = MemoryStorage::default();
        assert!(AppSettings::load(&storage).unwrap().is_none());
        let settings = AppSettings {
            server_url: Some(ServerUrl::parse("https://crm.example.com").unwrap()),
            last_email: Some("ana@example.com".into()),
            last_tenant: Some("acme".into()),
            language: Language::De,
            theme: Theme::Dark,
            text_size: TextSize::Larger,
        };
        settings.save(&storage).unwrap();
        assert_eq!(AppSettings::load(&storage).unwrap(), Some(settings));
    }

    #[test]
    fn missing_fields_take_defaults_and_garbage_falls_back() {
        let storage = MemoryStorage::default();
        storage.put(SETTINGS_KEY, br#"{"language":"de"}"#).unwrap();
        let loaded = AppSettings::load(&storage).unwrap().unwrap();
        assert_eq!(loaded.language, Language::De);
        assert_eq!(loaded.theme, Theme::System);

        storage.put(SETTINGS_KEY, b"{not json").unwrap();
        assert!(matches!(
            AppSettings::load(&storage),
            Err(SettingsError::Corrupt(_))
        ));
        assert_eq!(
            AppSettings::load_or_default(&storage),
            AppSettings::default()
        );
    }
}
