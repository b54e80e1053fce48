//! Webhook requests: body, headers and the HMAC-SHA256 signature.
//!
//! ```text
//! POST <subscription url>
//! Content-Type: application/json
//! Elevate-Delivery: <delivery id, stable across retries: dedupe by it>
//! Elevate-Event: stock.moved
//! Elevate-Signature: t=1764067200,v1=<hex hmac>[,v1=<hex hmac with the previous secret>]
//!
//! {"delivery_id": "...", "tenant_id": "...", "event": { ...the event... }}
//! ```
//!
//! `v1 = hex(HMAC-SHA256(secret, "<t>.<raw body>"))`. During a secret rotation both
//! secrets sign, so a receiver accepts the request if any `v1` matches a secret it
//! knows. Receivers should reject timestamps far from their clock (replay window).

use aws_lc_rs::hmac;
use serde_json::json;
use shared_types::events::Event;
use uuid::Uuid;

pub const SIGNATURE_HEADER: &str = "Elevate-Signature";
pub const DELIVERY_HEADER: &str = "Elevate-Delivery";
pub const EVENT_HEADER: &str = "Elevate-Event";

/// A new signing secret (`whsec_` + 32 random bytes, hex).
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

/// `hex(HMAC-SHA256(secret, "<timestamp>.<body>"))`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    hex::encode(ctx.sign().as_ref())
}

/// The `Elevate-Signature` header value, one `v1` per active secret.
pub fn signature_header(secrets: &[&str], timestamp: i64, body: &[u8]) -> String {
    let mut out = format!("t={timestamp}");
    for s in secrets {
        out.push_str(",v1=");
        out.push_str(&signature(s, timestamp, body));
    }
    out
}

/// Checks a header against one secret, within `tolerance_secs` of `now`.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, tolerance_secs: i64) -> bool {
    let mut ts = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => ts = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v),
            _ => {}
        }
    }
    let Some(ts) = ts else { return false };
    if (now - ts).abs() > tolerance_secs {
        return false;
    }
    let Ok(expected) = hex::decode(signature(secret, ts, body)) else {
        return false;
    };
    sigs.iter().any(|s| {
        hex::decode(s).is_ok_and(|got| {
            aws_lc_rs::constant_time::verify_slices_are_equal(&got, &expected).is_ok()
        })
    })
}

/// The JSON body of a delivery.
pub fn body(delivery: Uuid, tenant: Uuid, event: &Event) -> Vec<u8> {
    serde_json::to_vec(&json!({ "delivery_id": delivery, "tenant_id": tenant, "event": event }))
        .expect("events serialise")
}

/// Sends one delivery; the receiver's status code, or why there was none.
pub async fn send(
    http: &reqwest::Client,
    url: &str,
    secrets: &[&str],
    delivery: Uuid,
    tenant: Uuid,
    event: &Event,
) -> Result<i32, String> {
    let body = body(delivery, tenant, event);
    let ts = chrono::Utc::now().timestamp();
    let resp = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(DELIVERY_HEADER, delivery.to_string())
        .header(EVENT_HEADER, &event.kind)
        .header(SIGNATURE_HEADER, signature_header(secrets, ts, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("{e:#}"))?;
    Ok(i32::from(resp.status().as_u16()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn either_secret_of_a_rotation_verifies_and_tampering_fails() {
        let body = br#"{"a":1}"#;
        let h = signature_header(&["new", "old"], 1000, body);
        assert!(verify("new", &h, body, 1010, 300));
        assert!(verify("old", &h, body, 1010, 300));
        assert!(!verify("other", &h, body, 1010, 300));
        assert!(!verify("new", &h, br#"{"a":2}"#, 1010, 300));
        assert!(
            !verify("new", &h, body, 2000, 300),
            "outside the replay window"
        );
    }

    #[test]
    fn signature_matches_a_known_hmac_sha256_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"Jefe");
        let tag = hmac::sign(&key, b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(tag.as_ref()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(signature("k", 1, b"x").len(), 64);
    }
}
