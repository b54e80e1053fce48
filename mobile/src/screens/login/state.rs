//! What the sign-in form holds and the rules it checks before anything is sent.

use crate::core::auth::{self, AuthError, AuthSession, AuthTransport, SignIn};
use crate::core::store::SharedStore;
use crate::core::{AppSettings, ServerUrl};
use crate::i18n::Key;

/// The raw form fields, exactly as typed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct LoginForm {
    pub server_url: String,
    /// The company's short name (the tenant slug).
    pub tenant: String,
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("server_url", &self.server_url)
            .field("tenant", &self.tenant)
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
    pub tenant: String,
    pub email: Email,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server", &self.server)
            .field("tenant", &self.tenant)
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Per-field problems, as catalogue keys so the view shows them in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginErrors {
    pub server_url: Option<Key>,
    pub tenant: Option<Key>,
    pub email: Option<Key>,
    pub password: Option<Key>,
}

impl LoginErrors {
    pub fn is_empty(&self) -> bool {
        self.server_url.is_none()
            && self.tenant.is_none()
            && self.email.is_none()
            && self.password.is_none()
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
            tenant: settings.last_tenant.clone().unwrap_or_default(),
            email: settings.last_email.clone().unwrap_or_default(),
            password: String::new(),
        }
    }

    /// Checks every field at once, so the user sees all problems in one go.
    pub fn validate(&self) -> Result<Credentials, LoginErrors> {
        let server = ServerUrl::parse(&self.server_url).map_err(|e| e.message_key());
        let tenant = match self.tenant.trim() {
            "" => Err(Key::ErrorCompanyEmpty),
            t => Ok(t.to_ascii_lowercase()),
        };
        let email = Email::parse(&self.email).ok_or(Key::ErrorEmailInvalid);
        // Passwords are not trimmed: spaces may be part of them.
        let password = if self.password.is_empty() {
            Err(Key::ErrorPasswordEmpty)
        } else {
            Ok(self.password.clone())
        };
        match (server, tenant, email, password) {
            (Ok(server), Ok(tenant), Ok(email), Ok(password)) => Ok(Credentials {
                server,
                tenant,
                email,
                password,
            }),
            (server, tenant, email, password) => Err(LoginErrors {
                server_url: server.err(),
                tenant: tenant.err(),
                email: email.err(),
                password: password.err(),
            }),
        }
    }
}

/// Which step of sign-in the screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LoginStep {
    #[default]
    Password,
    /// The password was right and the server asks for the second factor.
    Mfa { ticket: String, code: String },
}

/// Everything the sign-in screen shows; the view only wires it to markup.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoginState {
    pub form: LoginForm,
    /// Per-field problems, shown after the first submit.
    pub errors: LoginErrors,
    pub step: LoginStep,
    /// A request is under way: the button is disabled and says so.
    pub busy: bool,
    /// What went wrong with the last request (wrong password, no connection, …).
    pub failure: Option<Key>,
    /// The MFA code field's problem.
    pub code_error: Option<Key>,
}

/// A request the screen has to make (off the UI thread: it blocks on the network).
#[derive(Clone, PartialEq, Eq)]
pub enum Attempt {
    Password(Credentials),
    Mfa {
        server: ServerUrl,
        tenant: String,
        ticket: String,
        code: String,
    },
}

impl std::fmt::Debug for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Attempt::Password(c) => f.debug_tuple("Password").field(c).finish(),
            Attempt::Mfa { server, tenant, .. } => f
                .debug_struct("Mfa")
                .field("server", server)
                .field("tenant", tenant)
                .finish_non_exhaustive(),
        }
    }
}

impl Attempt {
    /// Makes the request: the password step or the MFA step, then device registration.
    /// Blocks on the network (natively the screen calls it on a worker thread).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn run(&self, auth: &dyn AuthTransport, store: &SharedStore) -> Result<SignIn, AuthError> {
        match self {
            Attempt::Password(c) => auth::sign_in(
                auth,
                store,
                &c.server,
                &c.tenant,
                c.email.as_str(),
                &c.password,
            ),
            Attempt::Mfa {
                server,
                tenant,
                ticket,
                code,
            } => auth::verify_mfa(auth, store, server, tenant, ticket, code).map(SignIn::Done),
        }
    }

    /// Makes the request: the password step or the MFA step, then device registration
    /// (in the browser: fetch, awaited on the page's event loop).
    #[cfg(target_arch = "wasm32")]
    pub async fn run(
        &self,
        auth: &dyn AuthTransport,
        store: &SharedStore,
    ) -> Result<SignIn, AuthError> {
        match self {
            Attempt::Password(c) => {
                auth::sign_in(
                    auth,
                    store,
                    &c.server,
                    &c.tenant,
                    c.email.as_str(),
                    &c.password,
                )
                .await
            }
            Attempt::Mfa {
                server,
                tenant,
                ticket,
                code,
            } => auth::verify_mfa(auth, store, server, tenant, ticket, code)
                .await
                .map(SignIn::Done),
        }
    }
}

impl LoginState {
    /// A fresh form, pre-filled from the last sign-in.
    pub fn from_settings(settings: &AppSettings) -> Self {
        LoginState {
            form: LoginForm::from_settings(settings),
            ..LoginState::default()
        }
    }

    /// The user pressed the button: checks what is typed and answers the request to
    /// make, or `None` when something must be fixed first (or a request is running).
    pub fn submit(&mut self) -> Option<Attempt> {
        if self.busy {
            return None;
        }
        self.failure = None;
        self.code_error = None;
        let attempt = match &self.step {
            LoginStep::Password => match self.form.validate() {
                Ok(creds) => {
                    self.errors = LoginErrors::default();
                    Attempt::Password(creds)
                }
                Err(found) => {
                    self.errors = found;
                    return None;
                }
            },
            LoginStep::Mfa { ticket, code } => {
                if code.trim().is_empty() {
                    self.code_error = Some(Key::ErrorMfaCodeEmpty);
                    return None;
                }
                let Ok(creds) = self.form.validate() else {
                    // The form was valid when the password step was sent.
                    self.back_to_password();
                    return None;
                };
                Attempt::Mfa {
                    server: creds.server,
                    tenant: creds.tenant,
                    ticket: ticket.clone(),
                    code: code.clone(),
                }
            }
        };
        self.busy = true;
        Some(attempt)
    }

    /// Takes the answer of an attempt; returns the session when signed in.
    pub fn finish(&mut self, result: Result<SignIn, AuthError>) -> Option<AuthSession> {
        self.busy = false;
        match result {
            Ok(SignIn::Done(session)) => {
                self.form.password.clear();
                self.step = LoginStep::Password;
                Some(session)
            }
            Ok(SignIn::MfaRequired { ticket }) => {
                self.step = LoginStep::Mfa {
                    ticket,
                    code: String::new(),
                };
                None
            }
            Err(e) => {
                match (&mut self.step, &e) {
                    (LoginStep::Mfa { code, .. }, AuthError::InvalidMfaCode) => {
                        code.clear();
                        self.code_error = Some(e.message_key());
                    }
                    (LoginStep::Mfa { .. }, AuthError::TicketExpired) => {
                        self.back_to_password();
                        self.failure = Some(e.message_key());
                    }
                    _ => self.failure = Some(e.message_key()),
                }
                None
            }
        }
    }

    /// Leaves the MFA step (the user wants another account, or the ticket expired).
    pub fn back_to_password(&mut self) {
        self.step = LoginStep::Password;
        self.form.password.clear();
        self.code_error = None;
        self.failure = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    fn form(server: &str, email: &str, password: &str) -> LoginForm {
        LoginForm {
            server_url: server.into(),
            tenant: "acme".into(),
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
                tenant: None,
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

    fn ready() -> LoginState {
        LoginState {
            form: LoginForm {
                server_url: "https://crm.example.com".into(),
                tenant: "Acme".into(),
                email: "max@acme.example".into(),
                password: "pw2".into(),
            },
            ..LoginState::default()
        }
    }

    #[test]
    fn mfa_flow_wrong_code_then_right_code_signs_in() {
        use crate::core::auth::FakeAuth;
        use crate::core::store::Store;
        let auth = FakeAuth::new().with_account("acme", "max@acme.example", "pw2", Some("654321"));
        let store = Store::open_in_memory().unwrap().shared();
        let mut st = ready();
        let attempt = st.submit().unwrap();
        assert!(st.busy && st.submit().is_none(), "one request at a time");
        assert!(st.finish(attempt.run(&auth, &store)).is_none());
        assert!(
            matches!(st.step, LoginStep::Mfa { .. }),
            "MFA step expected"
        );
        assert!(st.submit().is_none());
        assert_eq!(st.code_error, Some(Key::ErrorMfaCodeEmpty));
        if let LoginStep::Mfa { code, .. } = &mut st.step {
            *code = "111111".into();
        }
        let attempt = st.submit().unwrap();
        assert!(st.finish(attempt.run(&auth, &store)).is_none());
        assert_eq!(st.code_error, Some(Key::ErrorInvalidMfaCode));
        assert!(matches!(&st.step, LoginStep::Mfa { code, .. } if code.is_empty()));
        if let LoginStep::Mfa { code, .. } = &mut st.step {
            *code = "654321".into();
        }
        let attempt = st.submit().unwrap();
        let session = st.finish(attempt.run(&auth, &store)).unwrap();
        assert_eq!(session.tenant, "acme");
        assert_eq!(auth.devices(), vec![session.device_id]);
        assert!(st.form.password.is_empty() && !st.busy);
    }

    #[test]
    fn server_failures_show_as_messages_and_keep_the_form() {
        use crate::core::auth::FakeAuth;
        use crate::core::store::Store;
        let auth = FakeAuth::new().with_account("acme", "max@acme.example", "right", None);
        let store = Store::open_in_memory().unwrap().shared();
        let mut st = ready();
        let attempt = st.submit().unwrap();
        assert!(st.finish(attempt.run(&auth, &store)).is_none());
        assert_eq!(st.failure, Some(Key::ErrorInvalidCredentials));
        assert_eq!(st.step, LoginStep::Password);
        assert_eq!(st.form.email, "max@acme.example");
        auth.set_offline(true);
        st.form.password = "right".into();
        let attempt = st.submit().unwrap();
        assert_eq!(st.failure, None, "a new attempt clears the old message");
        assert!(st.finish(attempt.run(&auth, &store)).is_none());
        assert_eq!(st.failure, Some(Key::ErrorServerUnreachable));
        st.form.tenant = " ".into();
        assert!(st.submit().is_none());
        assert_eq!(st.errors.tenant, Some(Key::ErrorCompanyEmpty));
    }
}
