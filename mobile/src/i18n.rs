//! The translation catalogue. Every string the UI shows is looked up here by [`Key`].
//!
//! Each language is a flat table of `(Key, text)`; a test checks that every key appears
//! exactly once in every language, so adding a key without translating it fails CI rather
//! than silently showing English to a German user.

use serde::{Deserialize, Serialize};

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    De,
}

impl Language {
    /// Every supported language, in the order a picker shows them.
    pub const ALL: [Language; 2] = [Language::En, Language::De];

    /// BCP 47 primary tag, used for `lang` attributes and storage.
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
        }
    }

    /// The language's own name, shown in the picker (never translated).
    pub fn native_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::De => "Deutsch",
        }
    }

    /// Picks a supported language from a locale such as `de_DE.UTF-8` or `en-GB`.
    pub fn from_locale(locale: &str) -> Option<Language> {
        let primary = locale
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.tag() == primary)
    }

    fn table(self) -> &'static [(Key, &'static str)] {
        match self {
            Language::En => EN,
            Language::De => DE,
        }
    }
}

macro_rules! keys {
    ($($name:ident),* $(,)?) => {
        /// Identifies one UI string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($name),* }

        impl Key {
            /// Every key; generated with the enum so it cannot miss one.
            pub const ALL: &'static [Key] = &[$(Key::$name),*];
        }
    };
}

keys! {
    ProductName,
    LogoAlt,
    LoginHeading,
    LoginIntro,
    ServerUrlLabel,
    ServerUrlHint,
    EmailLabel,
    PasswordLabel,
    SignIn,
    LanguageLabel,
    ThemeLabel,
    ThemeSystem,
    ThemeLight,
    ThemeDark,
    ErrorServerUrlEmpty,
    ErrorServerUrlScheme,
    ErrorServerUrlHost,
    ErrorEmailInvalid,
    ErrorPasswordEmpty,
    HomeHeading,
    HomeSignedInAs,
    HomeServer,
    HomeComingSoon,
    SignOut,
    Offline,
}

/// Looks up `key` in `lang`. Falls back to English so a gap never shows an empty label
/// (the catalogue test keeps gaps from shipping).
pub fn t(lang: Language, key: Key) -> &'static str {
    lookup(lang.table(), key)
        .or_else(|| lookup(EN, key))
        .unwrap_or("")
}

fn lookup(table: &'static [(Key, &'static str)], key: Key) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, text)| *text)
}

const EN: &[(Key, &str)] = &[
    (Key::ProductName, "ElevateCRM"),
    (Key::LogoAlt, "TECHGURU logo"),
    (Key::LoginHeading, "Sign in"),
    (
        Key::LoginIntro,
        "Stock, counts and customer visits — also offline.",
    ),
    (Key::ServerUrlLabel, "Server URL"),
    (
        Key::ServerUrlHint,
        "The address your administrator gave you, e.g. https://crm.example.com",
    ),
    (Key::EmailLabel, "Email"),
    (Key::PasswordLabel, "Password"),
    (Key::SignIn, "Sign in"),
    (Key::LanguageLabel, "Language"),
    (Key::ThemeLabel, "Theme"),
    (Key::ThemeSystem, "Like the device"),
    (Key::ThemeLight, "Light"),
    (Key::ThemeDark, "Dark"),
    (Key::ErrorServerUrlEmpty, "Enter the server URL."),
    (
        Key::ErrorServerUrlScheme,
        "The server URL must start with https:// or http://.",
    ),
    (Key::ErrorServerUrlHost, "The server URL needs a host name."),
    (Key::ErrorEmailInvalid, "Enter a valid email address."),
    (Key::ErrorPasswordEmpty, "Enter your password."),
    (Key::HomeHeading, "Home"),
    (Key::HomeSignedInAs, "Signed in as"),
    (Key::HomeServer, "Server"),
    (
        Key::HomeComingSoon,
        "Scanning, counts, pick lists and voice notes will appear here.",
    ),
    (Key::SignOut, "Sign out"),
    (Key::Offline, "Offline — changes are kept on this phone."),
];

const DE: &[(Key, &str)] = &[
    (Key::ProductName, "ElevateCRM"),
    (Key::LogoAlt, "TECHGURU-Logo"),
    (Key::LoginHeading, "Anmelden"),
    (
        Key::LoginIntro,
        "Bestand, Inventur und Kundenbesuche — auch offline.",
    ),
    (Key::ServerUrlLabel, "Server-Adresse"),
    (
        Key::ServerUrlHint,
        "Die Adresse von Ihrer Administration, z. B. https://crm.example.com",
    ),
    (Key::EmailLabel, "E-Mail"),
    (Key::PasswordLabel, "Passwort"),
    (Key::SignIn, "Anmelden"),
    (Key::LanguageLabel, "Sprache"),
    (Key::ThemeLabel, "Darstellung"),
    (Key::ThemeSystem, "Wie das Gerät"),
    (Key::ThemeLight, "Hell"),
    (Key::ThemeDark, "Dunkel"),
    (
        Key::ErrorServerUrlEmpty,
        "Bitte die Server-Adresse eingeben.",
    ),
    (
        Key::ErrorServerUrlScheme,
        "Die Server-Adresse muss mit https:// oder http:// beginnen.",
    ),
    (
        Key::ErrorServerUrlHost,
        "Der Server-Adresse fehlt der Hostname.",
    ),
    (
        Key::ErrorEmailInvalid,
        "Bitte eine gültige E-Mail-Adresse eingeben.",
    ),
    (Key::ErrorPasswordEmpty, "Bitte das Passwort eingeben."),
    (Key::HomeHeading, "Start"),
    (Key::HomeSignedInAs, "Angemeldet als"),
    (Key::HomeServer, "Server"),
    (
        Key::HomeComingSoon,
        "Scannen, Inventur, Picklisten und Sprachnotizen erscheinen hier.",
    ),
    (Key::SignOut, "Abmelden"),
    (
        Key::Offline,
        "Offline — Änderungen bleiben auf diesem Telefon.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_exactly_once_in_every_language() {
        for lang in Language::ALL {
            let table = lang.table();
            for key in Key::ALL {
                let hits = table.iter().filter(|(k, _)| k == key).count();
                assert_eq!(hits, 1, "{key:?} appears {hits} times in {}", lang.tag());
                let text = lookup(table, *key).unwrap_or_default();
                assert!(
                    !text.trim().is_empty(),
                    "{key:?} is blank in {}",
                    lang.tag()
                );
            }
            assert_eq!(
                table.len(),
                Key::ALL.len(),
                "{} has stray entries",
                lang.tag()
            );
        }
    }

    #[test]
    fn german_is_actually_translated() {
        // Brand names may match; ordinary words must not be copied English.
        let untranslated: Vec<_> = Key::ALL
            .iter()
            .filter(|k| !matches!(k, Key::ProductName | Key::HomeServer))
            .filter(|k| t(Language::De, **k) == t(Language::En, **k))
            .collect();
        assert!(
            untranslated.is_empty(),
            "copied from English: {untranslated:?}"
        );
    }

    #[test]
    fn lookup_returns_the_language_text() {
        assert_eq!(t(Language::En, Key::PasswordLabel), "Password");
        assert_eq!(t(Language::De, Key::PasswordLabel), "Passwort");
    }

    #[test]
    fn locale_strings_map_to_languages() {
        assert_eq!(Language::from_locale("de_DE.UTF-8"), Some(Language::De));
        assert_eq!(Language::from_locale("en-GB"), Some(Language::En));
        assert_eq!(Language::from_locale("DE"), Some(Language::De));
        assert_eq!(Language::from_locale("fr_FR"), None);
        assert_eq!(Language::from_locale(""), None);
    }
}
