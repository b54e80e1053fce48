//! `Idempotency-Key` for POSTs that change stock.
//!
//! A phone on a bad network retries; the retry must not move stock twice. The
//! handler claims the key in the same transaction as its change and stores the
//! response before committing, so either both the change and the stored response
//! exist or neither does. A retry with the same body gets the stored response
//! (with `Idempotent-Replayed: true`); the same key with a different body is a
//! 422 `idempotency_key_reused`. Failed requests store nothing, so they can be
//! retried with the same key.
//!
//! ```ignore
//! let key = IdempotencyKey::from_headers(&headers)?;
//! if let Some(replay) = idempotency::begin(&mut tx, key.as_deref(), "stock.move", &input).await? {
//!     return Ok(replay);
//! }
//! let out = do_the_change(&mut tx).await?;
//! let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &out).await?;
//! tx.commit().await?;
//! ```

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared_types::api::ErrorCode;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::ctx::TenantTx;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// Reads and checks the optional `Idempotency-Key` header (1–255 visible ASCII characters).
pub fn key_from_headers(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get(HEADER) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or_default().trim();
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "Idempotency-Key",
            "The Idempotency-Key header must be 1–255 visible ASCII characters.",
        ));
    }
    Ok(Some(s.to_owned()))
}

/// A hash of what the request asks for: the operation name and its parsed body.
pub fn request_hash(operation: &str, input: &impl Serialize) -> String {
    let mut h = Sha256::new();
    h.update(operation.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(input).unwrap_or_default());
    hex::encode(h.finalize())
}

/// Claims the key, or answers with the stored response of an earlier request.
pub async fn begin(
    tx: &mut TenantTx,
    key: Option<&str>,
    operation: &str,
    input: &impl Serialize,
) -> ApiResult<Option<Response>> {
    let Some(key) = key else { return Ok(None) };
    let hash = request_hash(operation, input);
    if db::idempotency::claim(tx.conn(), key, &hash).await? {
        return Ok(None);
    }
    let stored = db::idempotency::stored(tx.conn(), key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("idempotency key vanished after a conflict"))?;
    if stored.request_hash != hash {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::IdempotencyKeyReused,
            "This Idempotency-Key was already used for a different request.",
        )
        .with_details(json!({ "field": "Idempotency-Key" })));
    }
    let (Some(status), Some(body)) = (stored.response_status, stored.response_body) else {
        // Only possible if a response was never saved; treat it as in progress.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            "A request with this Idempotency-Key is still in progress; retry shortly.",
        )
        .with_details(json!({ "retryable": true })));
    };
    let status =
        StatusCode::from_u16(u16::try_from(status).unwrap_or(200)).unwrap_or(StatusCode::OK);
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut()
        .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    Ok(Some(resp))
}

/// Builds the response and, with a key, stores it in the same transaction.
pub async fn finish(
    tx: &mut TenantTx,
    key: Option<&str>,
    status: StatusCode,
    out: &impl Serialize,
) -> ApiResult<Response> {
    let body = serde_json::to_value(out).map_err(anyhow::Error::from)?;
    if let Some(key) = key {
        db::idempotency::save(tx.conn(), key, status.as_u16() as i16, &body).await?;
    }
    Ok((status, axum::Json(body)).into_response())
}
