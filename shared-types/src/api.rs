//! API conventions shared by every endpoint: the error envelope, stable error
//! codes and the paging envelope.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. The wire form is `snake_case` and
/// never changes once released; clients switch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body is not syntactically valid JSON.
    MalformedJson,
    /// The JSON is valid but does not match the expected shape (missing field, wrong type).
    InvalidBody,
    /// The request's `Content-Type` is not `application/json`.
    UnsupportedMediaType,
    /// The body exceeds the configured size limit.
    PayloadTooLarge,
    /// A query-string parameter is missing or invalid.
    InvalidQuery,
    /// A path parameter is invalid (e.g. not a UUID).
    InvalidPath,
    /// A field failed a domain validation rule.
    ValidationFailed,
    /// No such route.
    RouteNotFound,
    /// The route exists but not for this HTTP method.
    MethodNotAllowed,
    /// The resource does not exist (or is not visible to the caller).
    NotFound,
    /// No or invalid credentials.
    Unauthenticated,
    /// Credentials are valid but lack the required permission.
    Forbidden,
    /// Login failed: unknown tenant, user or wrong password (deliberately not distinguished).
    InvalidCredentials,
    /// A unique value is already taken.
    Conflict,
    /// The same idempotency key was used with a different request body.
    IdempotencyKeyReused,
    /// A move or reservation needs more stock than is available (negative stock is forbidden).
    InsufficientStock,
    /// Too many requests; see `Retry-After`.
    RateLimited,
    /// A dependency (database, cache) is unavailable.
    ServiceUnavailable,
    /// The request took too long.
    Timeout,
    /// Unexpected server failure; details are in the server log under the request id.
    Internal,
    /// The TOTP or backup code is wrong, or was already used (`details.reason`).
    InvalidMfaCode,
    /// A refresh token was presented a second time: its session is now revoked.
    RefreshTokenReused,
    /// A refresh, invitation or reset token is unknown, expired or spent.
    InvalidToken,
    /// The token's tenant is not the tenant the request names (`X-Tenant`).
    TenantMismatch,
    /// Too many failed sign-ins: the account is locked for a while (see `Retry-After`).
    AccountLocked,
    /// The tenant requires MFA: enrol at `/api/v1/auth/mfa/totp/enroll` first.
    MfaSetupRequired,
    /// No exchange rate from a document's currency to the base currency is valid on
    /// the date (`details.currency`, `details.date`); set one at `/api/v1/exchange-rates`.
    ExchangeRateMissing,
    /// The document's status does not allow this step (`details.status`).
    InvalidStatus,
    /// The sync device was revoked (or belongs to someone else): its pushes are refused.
    DeviceRevoked,
    /// A receipt would take an order line past its quantity plus the tenant's
    /// over-receipt tolerance (`details.open`, `details.allowed`).
    OverReceipt,
}

impl ErrorCode {
    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedJson => "malformed_json",
            Self::InvalidBody => "invalid_body",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::InvalidQuery => "invalid_query",
            Self::InvalidPath => "invalid_path",
            Self::ValidationFailed => "validation_failed",
            Self::RouteNotFound => "route_not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::NotFound => "not_found",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Conflict => "conflict",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::InsufficientStock => "insufficient_stock",
            Self::RateLimited => "rate_limited",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Timeout => "timeout",
            Self::Internal => "internal",
            Self::InvalidMfaCode => "invalid_mfa_code",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::InvalidToken => "invalid_token",
            Self::TenantMismatch => "tenant_mismatch",
            Self::AccountLocked => "account_locked",
            Self::MfaSetupRequired => "mfa_setup_required",
            Self::ExchangeRateMissing => "exchange_rate_missing",
            Self::InvalidStatus => "invalid_status",
            Self::DeviceRevoked => "device_revoked",
            Self::OverReceipt => "over_receipt",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error response: `{ "error": { ... } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// What went wrong, for a program (`code`) and for a person (`message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Structured context, e.g. `{ "field": "email" }`. Always an object.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
    /// The request id, also sent as the `x-request-id` response header.
    pub request_id: String,
}

/// Default page size for list endpoints.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page a client may ask for.
pub const MAX_LIMIT: i64 = 500;

/// Every list endpoint answers with this envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total_count: i64,
    pub limit: i64,
    pub offset: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_wire_names_match_as_str() {
        let all = [
            ErrorCode::MalformedJson,
            ErrorCode::InvalidBody,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::PayloadTooLarge,
            ErrorCode::InvalidQuery,
            ErrorCode::InvalidPath,
            ErrorCode::ValidationFailed,
            ErrorCode::RouteNotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::NotFound,
            ErrorCode::Unauthenticated,
            ErrorCode::Forbidden,
            ErrorCode::InvalidCredentials,
            ErrorCode::Conflict,
            ErrorCode::IdempotencyKeyReused,
            ErrorCode::InsufficientStock,
            ErrorCode::RateLimited,
            ErrorCode::ServiceUnavailable,
            ErrorCode::Timeout,
            ErrorCode::Internal,
            ErrorCode::InvalidMfaCode,
            ErrorCode::RefreshTokenReused,
            ErrorCode::InvalidToken,
            ErrorCode::TenantMismatch,
            ErrorCode::AccountLocked,
            ErrorCode::MfaSetupRequired,
            ErrorCode::ExchangeRateMissing,
            ErrorCode::InvalidStatus,
            ErrorCode::DeviceRevoked,
        ];
        for code in all {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
            let back: ErrorCode = serde_json::from_value(json).unwrap();
            assert_eq!(back, code);
        }
    }
}
