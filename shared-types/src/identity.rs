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
    pub user: User,
}

/// The answer to sign-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantCreated {
    pub tenant: Tenant,
    pub admin: User,
}
