//! Tenants, users and sign-in: wire types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /api/v1/tenants`: sign up a company and its first administrator.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TenantForCreate {
    /// Company name, e.g. "Acme Supplies Ltd".
    #[cfg_attr(feature = "openapi", schema(example = "Acme Supplies Ltd"))]
    pub name: String,
    /// URL-safe identifier used at sign-in, e.g. "acme".
    #[cfg_attr(feature = "openapi", schema(example = "acme"))]
    pub slug: String,
    #[cfg_attr(feature = "openapi", schema(example = "ada@acme.example"))]
    pub admin_email: String,
    #[cfg_attr(feature = "openapi", schema(example = "Ada Lovelace"))]
    pub admin_name: String,
    /// At least 12 characters.
    #[cfg_attr(feature = "openapi", schema(example = "a long passphrase 42", format = Password))]
    pub admin_password: String,
}

/// White-label branding shown to a tenant's users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Branding {
    pub display_name: String,
    /// `#RRGGBB`
    pub primary_colour: String,
    /// `#RRGGBB`
    pub accent_colour: String,
    pub logo_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub branding: Branding,
    /// Tenant-wide settings (valuation method, currencies, languages, ...).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `PATCH /api/v1/tenant`: every field optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TenantForUpdate {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub primary_colour: Option<String>,
    pub accent_colour: Option<String>,
    pub logo_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub is_active: bool,
    pub roles: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserForCreate {
    #[cfg_attr(feature = "openapi", schema(example = "sam@acme.example"))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(example = "Sam Picker"))]
    pub display_name: String,
    #[cfg_attr(feature = "openapi", schema(example = "another long passphrase", format = Password))]
    pub password: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserForUpdate {
    pub display_name: Option<String>,
    pub is_active: Option<bool>,
    pub roles: Option<Vec<String>>,
}

/// `POST /api/v1/auth/login`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The tenant's slug.
    #[cfg_attr(feature = "openapi", schema(example = "acme"))]
    pub tenant: String,
    #[cfg_attr(feature = "openapi", schema(example = "ada@acme.example"))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always "Bearer".
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque, single use: `POST /api/v1/auth/refresh` exchanges it for a new pair.
    pub refresh_token: String,
    /// The session this sign-in opened (see `/api/v1/auth/sessions`).
    pub session_id: Uuid,
    /// The tenant requires MFA and this user has not enrolled: until they do, the
    /// access token only reaches `/api/v1/auth/...` routes.
    #[serde(default)]
    pub mfa_setup_required: bool,
    pub user: User,
}

/// The password was right and a second factor is needed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MfaChallenge {
    /// Short-lived ticket for `POST /api/v1/auth/mfa/verify`.
    pub mfa_ticket: String,
    pub expires_in: i64,
}

/// The answer to sign-in: tokens, or a request for the second factor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LoginResponse {
    Ok(Box<TokenResponse>),
    MfaRequired(MfaChallenge),
}

/// The answer to sign-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantCreated {
    pub tenant: Tenant,
    pub admin: User,
}

/// `POST /api/v1/auth/refresh` and `/logout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// `POST /api/v1/auth/mfa/verify`: the ticket and either a TOTP code or a backup code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaVerifyRequest {
    pub mfa_ticket: String,
    pub code: Option<String>,
    pub backup_code: Option<String>,
}

/// A TOTP secret to add to an authenticator app.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpEnrolment {
    pub secret: String,
    pub otpauth_url: String,
    /// `data:image/png;base64,...`: the otpauth URL as a QR code.
    pub qr_png_data_url: String,
}

/// `POST /api/v1/auth/mfa/totp/confirm`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    pub code: String,
}

/// Ten single-use backup codes, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BackupCodes {
    pub backup_codes: Vec<String>,
}

/// One signed-in session (device) of the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub mfa: bool,
    /// The session the request was made with.
    pub current: bool,
}

/// A permission with its description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermissionInfo {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Role {
    pub id: Uuid,
    /// What `User.roles` holds, e.g. `warehouse`.
    pub key: String,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub built_in: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleForCreate {
    #[cfg_attr(feature = "openapi", schema(example = "shift-lead"))]
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleForUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub permissions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiKeyForCreate {
    pub name: String,
    pub permissions: Vec<String>,
}

/// A new API key: `key` is shown this once and never again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    pub key: String,
    pub api_key: ApiKey,
}

/// `POST /api/v1/users/invitations`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvitationForCreate {
    pub email: String,
    pub display_name: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

/// `POST /api/v1/auth/invitations/accept` and `/password-reset/confirm`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenWithPassword {
    pub token: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
}

/// `POST /api/v1/auth/password-reset`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub tenant: String,
    pub email: String,
}

/// `POST /api/v1/auth/password`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub new_password: String,
}

/// Who must use a second factor: `none`, `all`, or `roles` (those listed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MfaPolicy {
    #[cfg_attr(feature = "openapi", schema(example = "roles"))]
    pub require: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

/// `GET`/`PUT /api/v1/users/{id}/warehouses`: the warehouses a user works in.
/// Empty = every warehouse. Live stock updates follow it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserWarehouses {
    pub warehouse_ids: Vec<Uuid>,
}
