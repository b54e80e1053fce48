//! What the sign-in form holds and the rules it checks before anything is sent.

use crate::core::{AppSettings, ServerUrl};
use crate::i18n::Key;

/// The raw form fields, exactly as typed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct LoginForm {
    pub server_url: String,
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("server_url", &self.server_url)
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A syntactically plausible email address (the server decides whether it exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` with no whitespace; trims around it.
    pub fn parse(input: &str) -> Option<Email> {
        let email = input.trim();
        let (local, domain) = email.split_once('@')?;
        let ok = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(char::is_whitespace);
        ok.then(|| Email(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A form that passed validation.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub server: ServerUrl,
    pub email: Email,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server", &self.server)
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Per-field problems, as catalogue keys so the view shows them in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginErrors {
    pub server_url: Option<Key>,
    pub email: Option<Key>,
    pub password: Option<Key>,
}

impl LoginErrors {
    pub fn is_empty(&self) -> bool {
        self.server_url.is_none() && self.email.is_none() && self.password.is_none()
    }
}

impl LoginForm {
    /// Pre-fills server and email from the last sign-in; never the password.
    pub fn from_settings(settings: &AppSettings) -> Self {
        Self {
            server_url: settings
                .server_url
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            email: settings.last_email.clone().unwrap_or_default(),
            password: String::new(),
        }
    }

    /// Checks every field at once, so the user sees all problems in one go.
    pub fn validate(&self) -> Result<Credentials, LoginErrors> {
        let server = ServerUrl::parse(&self.server_url).map_err(|e| e.message_key());
        let email = Email::parse(&self.email).ok_or(Key::ErrorEmailInvalid);
        // Passwords are not trimmed: spaces may be part of them.
        let password = if self.password.is_empty() {
            Err(Key::ErrorPasswordEmpty)
        } else {
            Ok(self.password.clone())
        };
        match (server, email, password) {
            (Ok(server), Ok(email), Ok(password)) => Ok(Credentials {
                server,
                email,
                password,
            }),
            (server, email, password) => Err(LoginErrors {
                server_url: server.err(),
                email: email.err(),
                password: password.err(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    fn form(server: &str, email: &str, password: &str) -> LoginForm {
        LoginForm {
            server_url: server.into(),
            email: email.into(),
            password: password.into(),
        }
    }

    #[test]
    fn valid_form_yields_normalised_credentials() {
        let creds = form(" https://CRM.example.com/ ", " ana@example.com ", " pw ")
            .validate()
            .unwrap();
        assert_eq!(creds.server.as_str(), "https://crm.example.com");
        assert_eq!(creds.email.as_str(), "ana@example.com");
        assert_eq!(creds.password, " pw ");
    }

    #[test]
    fn every_bad_field_is_reported_together() {
        let errors = form("crm.example.com", "ana", "").validate().unwrap_err();
        assert_eq!(
            errors,
            LoginErrors {
                server_url: Some(Key::ErrorServerUrlScheme),
                email: Some(Key::ErrorEmailInvalid),
                password: Some(Key::ErrorPasswordEmpty),
            }
        );
        let only_password = form("https://x.example", "a@b.example", "")
            .validate()
            .unwrap_err();
        assert_eq!(only_password.password, Some(Key::ErrorPasswordEmpty));
        assert!(only_password.server_url.is_none() && only_password.email.is_none());
    }

    #[test]
    fn email_rules() {
        for ok in ["a@b.co", "first.last+tag@sub.example.com"] {
            assert!(Email::parse(ok).is_some(), "{ok} rejected");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@@b.co", "a@.co", "a@b.", "a b@c.co",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad} accepted");
        }
    }

    #[test]
    fn prefill_uses_last_sign_in_but_never_a_password() {
        let settings = AppSettings {
            server_url: Some(ServerUrl::parse("https://crm.example.com").unwrap()),
            last_email: Some("ana@example.com".into()),
            language: Language::De,
            ..AppSettings::default()
        };
        let form = LoginForm::from_settings(&settings);
        assert_eq!(form.server_url, "https://crm.example.com");
        assert_eq!(form.email, "ana@example.com");
        assert!(form.password.is_empty());
        assert!(!format!(
            "{:?}",
            LoginForm {
                password: "s3cret".into(),
                ..form
            }
        )
        .contains("s3cret"));
    }
}
