//! Signing in against the backend and registering this phone as a sync device.
//!
//! Sign-in is `POST /api/v1/auth/login {tenant, email, password}`; the server answers
//! with tokens or, for users with a second factor, `status: mfa_required` and a ticket
//! for `POST /api/v1/auth/mfa/verify`. Once signed in, the phone registers the device id
//! its op log carries (`POST /api/v1/devices`, idempotent for the same id), so the
//! server accepts its pushes. The result, an [`AuthSession`], is what the sync engine
//! needs: the server, the access token and the registered device id.
//!
//! The HTTP calls sit behind [`AuthTransport`], so screens and tests use [`FakeAuth`].
//! Natively the trait blocks (the sign-in screen calls it on a worker thread) and
//! [`sign_in`]/[`verify_mfa`] return their result; in the browser (wasm32) its methods
//! return futures (the fetch client) and the two functions are `async`. Both are the
//! same logic, written once against the private `AuthCalls`.

use crate::core::http;
use crate::core::settings::ServerUrl;
use crate::core::store::{lock, SharedStore};
use crate::i18n::Key;
use shared_types::identity::{LoginRequest, LoginResponse, MfaVerifyRequest, TokenResponse};
use shared_types::sync::DeviceForCreate;
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use uuid::Uuid;

/// Why signing in (or registering the device) did not work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Unknown company, unknown email, wrong password or inactive user (the server does
    /// not say which).
    #[error("the company, email or password is not right")]
    InvalidCredentials,
    /// The second factor was wrong or already used.
    #[error("the code is not right or was already used")]
    InvalidMfaCode,
    /// The MFA ticket expired: start again with the password.
    #[error("the sign-in took too long")]
    TicketExpired,
    /// Locked after failed attempts, or rate-limited.
    #[error("too many sign-in attempts")]
    TooManyAttempts { retry_after_secs: Option<u64> },
    /// The tenant requires MFA and the user has not enrolled: the token only reaches
    /// the auth routes, so the phone cannot work with it.
    #[error("two-step verification must be set up first")]
    MfaSetupRequired,
    /// The device may not sync for this account (revoked, another user's, or no
    /// `sync.device` permission).
    #[error("the device was refused: {0}")]
    DeviceRefused(String),
    /// No connection to the server.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// Anything else the server answered (5xx, unexpected 4xx, unreadable body).
    #[error("sign-in failed: {0}")]
    Failed(String),
}

impl AuthError {
    /// The message shown on the sign-in screen.
    pub fn message_key(&self) -> Key {
        match self {
            AuthError::InvalidCredentials => Key::ErrorInvalidCredentials,
            AuthError::InvalidMfaCode => Key::ErrorInvalidMfaCode,
            AuthError::TicketExpired => Key::ErrorMfaExpired,
            AuthError::TooManyAttempts { .. } => Key::ErrorTooManyAttempts,
            AuthError::MfaSetupRequired => Key::ErrorMfaSetupRequired,
            AuthError::DeviceRefused(_) => Key::ErrorDeviceRefused,
            AuthError::Unreachable(_) => Key::ErrorServerUnreachable,
            AuthError::Failed(_) => Key::ErrorSignInFailed,
        }
    }
}

/// Tokens of a signed-in user (never printed by `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub user_id: Uuid,
    pub email: String,
    /// The tenant requires MFA and the user has not enrolled yet.
    pub mfa_setup_required: bool,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("mfa_setup_required", &self.mfa_setup_required)
            .finish_non_exhaustive()
    }
}

impl From<TokenResponse> for Tokens {
    fn from(t: TokenResponse) -> Self {
        Tokens {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            user_id: t.user.id,
            email: t.user.email,
            mfa_setup_required: t.mfa_setup_required,
        }
    }
}

/// What the password step answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordStep {
    SignedIn(Tokens),
    /// A second factor is needed: send it with this ticket.
    MfaRequired {
        ticket: String,
    },
}

/// The three calls sign-in makes (blocking: natively they run on a worker thread).
#[cfg(not(target_arch = "wasm32"))]
pub trait AuthTransport: Send + Sync {
    fn login(&self, server: &ServerUrl, request: &LoginRequest) -> Result<PasswordStep, AuthError>;
    fn verify_mfa(
        &self,
        server: &ServerUrl,
        request: &MfaVerifyRequest,
    ) -> Result<Tokens, AuthError>;
    /// Registers (or confirms) the device; answers its id.
    fn register_device(
        &self,
        server: &ServerUrl,
        access_token: &str,
        device: &DeviceForCreate,
    ) -> Result<Uuid, AuthError>;
}

/// An answer of [`AuthTransport`] in the browser: a future on the page's event loop.
#[cfg(target_arch = "wasm32")]
pub type AuthFuture<'a, T> = futures::future::LocalBoxFuture<'a, Result<T, AuthError>>;

/// The three calls sign-in makes (in the browser: futures over fetch).
#[cfg(target_arch = "wasm32")]
pub trait AuthTransport: Send + Sync {
    fn login<'a>(
        &'a self,
        server: &'a ServerUrl,
        request: &'a LoginRequest,
    ) -> AuthFuture<'a, PasswordStep>;
    fn verify_mfa<'a>(
        &'a self,
        server: &'a ServerUrl,
        request: &'a MfaVerifyRequest,
    ) -> AuthFuture<'a, Tokens>;
    /// Registers (or confirms) the device; answers its id.
    fn register_device<'a>(
        &'a self,
        server: &'a ServerUrl,
        access_token: &'a str,
        device: &'a DeviceForCreate,
    ) -> AuthFuture<'a, Uuid>;
}

/// The three calls as futures, whatever the target's [`AuthTransport`] looks like.
// Private, polled on one thread (`block_on` natively, the event loop in the browser).
#[allow(async_fn_in_trait)]
trait AuthCalls {
    async fn login(
        &self,
        server: &ServerUrl,
        request: &LoginRequest,
    ) -> Result<PasswordStep, AuthError>;
    async fn verify_mfa(
        &self,
        server: &ServerUrl,
        request: &MfaVerifyRequest,
    ) -> Result<Tokens, AuthError>;
    async fn register_device(
        &self,
        server: &ServerUrl,
        access_token: &str,
        device: &DeviceForCreate,
    ) -> Result<Uuid, AuthError>;
}

/// Natively the calls block, so these futures are ready when first polled.
#[cfg(not(target_arch = "wasm32"))]
impl AuthCalls for &dyn AuthTransport {
    async fn login(
        &self,
        server: &ServerUrl,
        request: &LoginRequest,
    ) -> Result<PasswordStep, AuthError> {
        AuthTransport::login(*self, server, request)
    }

    async fn verify_mfa(
        &self,
        server: &ServerUrl,
        request: &MfaVerifyRequest,
    ) -> Result<Tokens, AuthError> {
        AuthTransport::verify_mfa(*self, server, request)
    }

    async fn register_device(
        &self,
        server: &ServerUrl,
        access_token: &str,
        device: &DeviceForCreate,
    ) -> Result<Uuid, AuthError> {
        AuthTransport::register_device(*self, server, access_token, device)
    }
}

#[cfg(target_arch = "wasm32")]
impl AuthCalls for &dyn AuthTransport {
    async fn login(
        &self,
        server: &ServerUrl,
        request: &LoginRequest,
    ) -> Result<PasswordStep, AuthError> {
        AuthTransport::login(*self, server, request).await
    }

    async fn verify_mfa(
        &self,
        server: &ServerUrl,
        request: &MfaVerifyRequest,
    ) -> Result<Tokens, AuthError> {
        AuthTransport::verify_mfa(*self, server, request).await
    }

    async fn register_device(
        &self,
        server: &ServerUrl,
        access_token: &str,
        device: &DeviceForCreate,
    ) -> Result<Uuid, AuthError> {
        AuthTransport::register_device(*self, server, access_token, device).await
    }
}

/// A signed-in user with a registered device: what sync runs with.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthSession {
    pub server: ServerUrl,
    pub tenant: String,
    pub tokens: Tokens,
    /// The op log's device id, registered on the server.
    pub device_id: Uuid,
}

impl std::fmt::Debug for AuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSession")
            .field("server", &self.server)
            .field("tenant", &self.tenant)
            .field("tokens", &self.tokens)
            .field("device_id", &self.device_id)
            .finish()
    }
}

/// What one sign-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    Done(AuthSession),
    MfaRequired { ticket: String },
}

/// The name a new device is registered under (shown in the web app's device list).
pub fn device_name() -> String {
    format!("ElevateCRM phone ({})", platform_name())
}

/// The platform a device registers with: the OS, or `web` in the browser.
fn platform_name() -> &'static str {
    if cfg!(target_arch = "wasm32") {
        "web"
    } else {
        std::env::consts::OS
    }
}

/// The password step; on success also registers the device.
#[cfg(not(target_arch = "wasm32"))]
pub fn sign_in(
    auth: &dyn AuthTransport,
    store: &SharedStore,
    server: &ServerUrl,
    tenant: &str,
    email: &str,
    password: &str,
) -> Result<SignIn, AuthError> {
    futures::executor::block_on(password_step(&auth, store, server, tenant, email, password))
}

/// The password step; on success also registers the device.
#[cfg(target_arch = "wasm32")]
pub async fn sign_in(
    auth: &dyn AuthTransport,
    store: &SharedStore,
    server: &ServerUrl,
    tenant: &str,
    email: &str,
    password: &str,
) -> Result<SignIn, AuthError> {
    password_step(&auth, store, server, tenant, email, password).await
}

/// The second step: the ticket from [`sign_in`] with a TOTP code (six digits) or a
/// backup code; on success also registers the device.
#[cfg(not(target_arch = "wasm32"))]
pub fn verify_mfa(
    auth: &dyn AuthTransport,
    store: &SharedStore,
    server: &ServerUrl,
    tenant: &str,
    ticket: &str,
    code: &str,
) -> Result<AuthSession, AuthError> {
    futures::executor::block_on(mfa_step(&auth, store, server, tenant, ticket, code))
}

/// The second step: the ticket from [`sign_in`] with a TOTP code (six digits) or a
/// backup code; on success also registers the device.
#[cfg(target_arch = "wasm32")]
pub async fn verify_mfa(
    auth: &dyn AuthTransport,
    store: &SharedStore,
    server: &ServerUrl,
    tenant: &str,
    ticket: &str,
    code: &str,
) -> Result<AuthSession, AuthError> {
    mfa_step(&auth, store, server, tenant, ticket, code).await
}

async fn password_step(
    auth: &impl AuthCalls,
    store: &SharedStore,
    server: &ServerUrl,
    tenant: &str,
    email: &str,
    password: &str,
) -> Result<SignIn, AuthError> {
    let request = LoginRequest {
        tenant: tenant.trim().to_owned(),
        email: email.trim().to_owned(),
        password: password.to_owned(),
    };
    match auth.login(server, &request).await? {
        PasswordStep::MfaRequired { ticket } => Ok(SignIn::MfaRequired { ticket }),
        PasswordStep::SignedIn(tokens) => register(auth, store, server, &request.tenant, tokens)
            .await
            .map(SignIn::Done),
    }
}

async fn mfa_step(
    auth: &impl AuthCalls,
    store: &SharedStore,
    server: &ServerUrl,
    tenant: &str,
    ticket: &str,
    code: &str,
) -> Result<AuthSession, AuthError> {
    let code = code.trim();
    let totp = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    let request = MfaVerifyRequest {
        mfa_ticket: ticket.to_owned(),
        code: totp.then(|| code.to_owned()),
        backup_code: (!totp).then(|| code.to_owned()),
    };
    let tokens = auth.verify_mfa(server, &request).await?;
    register(auth, store, server, tenant.trim(), tokens).await
}

async fn register(
    auth: &impl AuthCalls,
    store: &SharedStore,
    server: &ServerUrl,
    tenant: &str,
    tokens: Tokens,
) -> Result<AuthSession, AuthError> {
    if tokens.mfa_setup_required {
        return Err(AuthError::MfaSetupRequired);
    }
    let device_id = lock(store).device_id();
    let registered = auth
        .register_device(
            server,
            &tokens.access_token,
            &DeviceForCreate {
                id: Some(device_id),
                name: device_name(),
                platform: Some(platform_name().to_owned()),
            },
        )
        .await?;
    if registered != device_id {
        return Err(AuthError::Failed(format!(
            "the server registered device {registered}, not {device_id}"
        )));
    }
    Ok(AuthSession {
        server: server.clone(),
        tenant: tenant.to_owned(),
        tokens,
        device_id,
    })
}

/// The backend over HTTP(S): blocking natively, the browser's fetch on wasm32.
#[derive(Debug, Clone)]
pub struct HttpAuth {
    client: http::Client,
}

impl HttpAuth {
    pub fn new() -> Result<Self, AuthError> {
        let client = http::client().map_err(|e| AuthError::Failed(e.to_string()))?;
        Ok(HttpAuth { client })
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: http::RequestBuilder,
    ) -> Result<T, AuthError> {
        let answer = http::send(request).await.map_err(AuthError::Unreachable)?;
        let status = answer.status;
        if status < 400 {
            return serde_json::from_str(&answer.body)
                .map_err(|e| AuthError::Failed(e.to_string()));
        }
        let (code, message) = http::error_fields(&answer.body);
        Err(match (status, code.as_str()) {
            (_, "invalid_credentials") => AuthError::InvalidCredentials,
            (_, "invalid_mfa_code") => AuthError::InvalidMfaCode,
            (401, "invalid_token") => AuthError::TicketExpired,
            (_, "mfa_setup_required") => AuthError::MfaSetupRequired,
            (429, _) | (_, "account_locked") => AuthError::TooManyAttempts {
                retry_after_secs: answer.retry_after,
            },
            (403, _) => AuthError::DeviceRefused(format!("{code}: {message}")),
            _ => AuthError::Failed(format!("HTTP {status} {code}: {message}")),
        })
    }

    async fn post_login(
        &self,
        server: &ServerUrl,
        request: &LoginRequest,
    ) -> Result<PasswordStep, AuthError> {
        let answer: LoginResponse = self
            .send(
                self.client
                    .post(url(server, "/api/v1/auth/login"))
                    .json(request),
            )
            .await?;
        Ok(match answer {
            LoginResponse::Ok(tokens) => PasswordStep::SignedIn((*tokens).into()),
            LoginResponse::MfaRequired(challenge) => PasswordStep::MfaRequired {
                ticket: challenge.mfa_ticket,
            },
        })
    }

    async fn post_mfa(
        &self,
        server: &ServerUrl,
        request: &MfaVerifyRequest,
    ) -> Result<Tokens, AuthError> {
        let tokens: TokenResponse = self
            .send(
                self.client
                    .post(url(server, "/api/v1/auth/mfa/verify"))
                    .json(request),
            )
            .await?;
        Ok(tokens.into())
    }

    async fn post_device(
        &self,
        server: &ServerUrl,
        access_token: &str,
        device: &DeviceForCreate,
    ) -> Result<Uuid, AuthError> {
        let registered: shared_types::sync::Device = self
            .send(
                self.client
                    .post(url(server, "/api/v1/devices"))
                    .bearer_auth(access_token)
                    .json(device),
            )
            .await?;
        Ok(registered.id)
    }
}

fn url(server: &ServerUrl, path: &str) -> String {
    format!("{}{path}", server.as_str().trim_end_matches('/'))
}

/// Natively the HTTP client blocks, so these futures are ready when first polled.
#[cfg(not(target_arch = "wasm32"))]
impl AuthTransport for HttpAuth {
    fn login(&self, server: &ServerUrl, request: &LoginRequest) -> Result<PasswordStep, AuthError> {
        http::finish(self.post_login(server, request))
    }

    fn verify_mfa(
        &self,
        server: &ServerUrl,
        request: &MfaVerifyRequest,
    ) -> Result<Tokens, AuthError> {
        http::finish(self.post_mfa(server, request))
    }

    fn register_device(
        &self,
        server: &ServerUrl,
        access_token: &str,
        device: &DeviceForCreate,
    ) -> Result<Uuid, AuthError> {
        http::finish(self.post_device(server, access_token, device))
    }
}

#[cfg(target_arch = "wasm32")]
impl AuthTransport for HttpAuth {
    fn login<'a>(
        &'a self,
        server: &'a ServerUrl,
        request: &'a LoginRequest,
    ) -> AuthFuture<'a, PasswordStep> {
        Box::pin(self.post_login(server, request))
    }

    fn verify_mfa<'a>(
        &'a self,
        server: &'a ServerUrl,
        request: &'a MfaVerifyRequest,
    ) -> AuthFuture<'a, Tokens> {
        Box::pin(self.post_mfa(server, request))
    }

    fn register_device<'a>(
        &'a self,
        server: &'a ServerUrl,
        access_token: &'a str,
        device: &'a DeviceForCreate,
    ) -> AuthFuture<'a, Uuid> {
        Box::pin(self.post_device(server, access_token, device))
    }
}

/// An in-process auth server for tests: accounts with an optional second factor, a
/// switch for "no network", and a record of registered devices.
#[derive(Default)]
pub struct FakeAuth {
    inner: Mutex<FakeAuthState>,
}

#[derive(Default)]
struct FakeAuthState {
    offline: bool,
    /// (tenant, email) → (password, MFA code)
    accounts: BTreeMap<(String, String), (String, Option<String>)>,
    tickets: BTreeMap<String, (String, String)>,
    devices: Vec<Uuid>,
    refuse_devices: bool,
}

impl FakeAuth {
    pub fn new() -> Self {
        FakeAuth::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FakeAuthState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an account; with `mfa_code`, sign-in needs that code as a second step.
    pub fn with_account(
        self,
        tenant: &str,
        email: &str,
        password: &str,
        mfa_code: Option<&str>,
    ) -> Self {
        self.state().accounts.insert(
            (tenant.to_owned(), email.to_owned()),
            (password.to_owned(), mfa_code.map(str::to_owned)),
        );
        self
    }

    pub fn set_offline(&self, offline: bool) {
        self.state().offline = offline;
    }

    /// Device registration answers 403 (a revoked device).
    pub fn refuse_devices(&self) {
        self.state().refuse_devices = true;
    }

    /// Device ids registered so far, in order.
    pub fn devices(&self) -> Vec<Uuid> {
        self.state().devices.clone()
    }

    fn tokens(email: &str) -> Tokens {
        Tokens {
            access_token: format!("access-{email}"),
            refresh_token: format!("refresh-{email}"),
            user_id: Uuid::nil(),
            email: email.to_owned(),
            mfa_setup_required: false,
        }
    }

    fn online(&self) -> Result<(), AuthError> {
        if self.state().offline {
            Err(AuthError::Unreachable("connection refused".into()))
        } else {
            Ok(())
        }
    }
}

impl FakeAuth {
    fn answer_login(&self, request: &LoginRequest) -> Result<PasswordStep, AuthError> {
        self.online()?;
        let mut s = self.state();
        let key = (request.tenant.clone(), request.email.clone());
        let Some((password, mfa)) = s.accounts.get(&key).cloned() else {
            return Err(AuthError::InvalidCredentials);
        };
        if password != request.password {
            return Err(AuthError::InvalidCredentials);
        }
        Ok(match mfa {
            None => PasswordStep::SignedIn(Self::tokens(&request.email)),
            Some(_) => {
                let ticket = format!("ticket-{}", s.tickets.len() + 1);
                s.tickets.insert(ticket.clone(), key);
                PasswordStep::MfaRequired { ticket }
            }
        })
    }

    fn answer_mfa(&self, request: &MfaVerifyRequest) -> Result<Tokens, AuthError> {
        self.online()?;
        let s = self.state();
        let key = s
            .tickets
            .get(&request.mfa_ticket)
            .ok_or(AuthError::TicketExpired)?;
        let expected = s.accounts.get(key).and_then(|(_, mfa)| mfa.clone());
        let given = request.code.clone().or(request.backup_code.clone());
        if expected.is_some() && expected == given {
            Ok(Self::tokens(&key.1))
        } else {
            Err(AuthError::InvalidMfaCode)
        }
    }

    fn answer_device(&self, device: &DeviceForCreate) -> Result<Uuid, AuthError> {
        self.online()?;
        let mut s = self.state();
        if s.refuse_devices {
            return Err(AuthError::DeviceRefused("device_revoked".into()));
        }
        let id = device.id.unwrap_or_else(Uuid::now_v7);
        if !s.devices.contains(&id) {
            s.devices.push(id);
        }
        Ok(id)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl AuthTransport for FakeAuth {
    fn login(&self, _: &ServerUrl, request: &LoginRequest) -> Result<PasswordStep, AuthError> {
        self.answer_login(request)
    }

    fn verify_mfa(&self, _: &ServerUrl, request: &MfaVerifyRequest) -> Result<Tokens, AuthError> {
        self.answer_mfa(request)
    }

    fn register_device(
        &self,
        _: &ServerUrl,
        _: &str,
        device: &DeviceForCreate,
    ) -> Result<Uuid, AuthError> {
        self.answer_device(device)
    }
}

#[cfg(target_arch = "wasm32")]
impl AuthTransport for FakeAuth {
    fn login<'a>(
        &'a self,
        _: &'a ServerUrl,
        request: &'a LoginRequest,
    ) -> AuthFuture<'a, PasswordStep> {
        Box::pin(std::future::ready(self.answer_login(request)))
    }

    fn verify_mfa<'a>(
        &'a self,
        _: &'a ServerUrl,
        request: &'a MfaVerifyRequest,
    ) -> AuthFuture<'a, Tokens> {
        Box::pin(std::future::ready(self.answer_mfa(request)))
    }

    fn register_device<'a>(
        &'a self,
        _: &'a ServerUrl,
        _: &'a str,
        device: &'a DeviceForCreate,
    ) -> AuthFuture<'a, Uuid> {
        Box::pin(std::future::ready(self.answer_device(device)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::store::Store;

    fn setup() -> (FakeAuth, SharedStore, ServerUrl) {
        let auth = FakeAuth::new()
            .with_account("acme", "ana@acme.example", "pw", None)
            .with_account("acme", "max@acme.example", "pw2", Some("123456"));
        let store = Store::open_in_memory().unwrap().shared();
        (
            auth,
            store,
            ServerUrl::parse("https://crm.example").unwrap(),
        )
    }

    #[test]
    fn password_sign_in_registers_the_op_logs_device() {
        let (auth, store, server) = setup();
        let SignIn::Done(session) =
            sign_in(&auth, &store, &server, " acme ", "ana@acme.example", "pw").unwrap()
        else {
            panic!("no MFA expected")
        };
        assert_eq!(session.device_id, lock(&store).device_id());
        assert_eq!(auth.devices(), vec![session.device_id]);
        assert_eq!(session.tenant, "acme");
        assert!(!format!("{session:?}").contains("access-"), "token printed");
    }

    #[test]
    fn mfa_needs_the_right_code_and_then_registers() {
        let (auth, store, server) = setup();
        let SignIn::MfaRequired { ticket } =
            sign_in(&auth, &store, &server, "acme", "max@acme.example", "pw2").unwrap()
        else {
            panic!("MFA expected")
        };
        assert!(
            auth.devices().is_empty(),
            "no device before the second step"
        );
        assert_eq!(
            verify_mfa(&auth, &store, &server, "acme", &ticket, "000000"),
            Err(AuthError::InvalidMfaCode)
        );
        assert_eq!(
            verify_mfa(&auth, &store, &server, "acme", "bogus", "123456"),
            Err(AuthError::TicketExpired)
        );
        let session = verify_mfa(&auth, &store, &server, "acme", &ticket, " 123456 ").unwrap();
        assert_eq!(auth.devices(), vec![session.device_id]);
    }

    #[test]
    fn failures_map_to_messages() {
        let (auth, store, server) = setup();
        let wrong = sign_in(&auth, &store, &server, "acme", "ana@acme.example", "no");
        assert_eq!(wrong, Err(AuthError::InvalidCredentials));
        auth.set_offline(true);
        let offline = sign_in(&auth, &store, &server, "acme", "ana@acme.example", "pw");
        assert_eq!(
            offline.unwrap_err().message_key(),
            Key::ErrorServerUnreachable
        );
        auth.set_offline(false);
        auth.refuse_devices();
        let refused = sign_in(&auth, &store, &server, "acme", "ana@acme.example", "pw");
        assert!(matches!(refused, Err(AuthError::DeviceRefused(_))));
    }
}
