//! A webhook receiver on a loopback port, as an integrator would write one: it
//! verifies `Elevate-Signature` with its own HMAC-SHA256 (not the server's code),
//! dedupes by `Elevate-Delivery`, and records what arrived in which order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// HMAC-SHA256 (RFC 2104) over SHA-256.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Whether `header` (`t=…,v1=…[,v1=…]`) carries a valid signature of `body` by `secret`.
pub fn signature_ok(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut ts = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => ts = Some(v.to_owned()),
            Some(("v1", v)) => sigs.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(ts) = ts else { return false };
    let Ok(t) = ts.parse::<i64>() else {
        return false;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - t).abs() > 300 {
        return false;
    }
    let mut msg = ts.into_bytes();
    msg.push(b'.');
    msg.extend_from_slice(body);
    let expected = hex::encode(hmac_sha256(secret.as_bytes(), &msg));
    sigs.contains(&expected)
}

/// One accepted request.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub delivery_id: Uuid,
    pub tenant_id: Uuid,
    pub event_id: Uuid,
    pub seq: i64,
    pub kind: String,
    pub signature: String,
    pub body: Vec<u8>,
}

#[derive(Default)]
pub struct ReceiverState {
    /// Secrets the receiver accepts, per tenant id.
    pub secrets: Mutex<HashMap<Uuid, Vec<String>>>,
    /// Every accepted request, in arrival order (duplicates included).
    pub receipts: Mutex<Vec<Receipt>>,
    pub bad_signatures: AtomicUsize,
    /// Requests being handled right now.
    pub in_flight: AtomicUsize,
    /// Answer this status instead of 200 to requests while set (0 = off).
    pub fail_with: AtomicUsize,
    /// Answer 503 to one request in this many (0 = never).
    pub fail_one_in: AtomicUsize,
    /// Time spent per request (milliseconds).
    pub delay_ms: AtomicUsize,
    pub failed: AtomicUsize,
    counter: AtomicUsize,
}

impl ReceiverState {
    pub fn receipts(&self) -> Vec<Receipt> {
        self.receipts.lock().unwrap().clone()
    }

    /// Distinct delivery ids seen.
    pub fn unique(&self) -> usize {
        let r = self.receipts.lock().unwrap();
        r.iter()
            .map(|x| x.delivery_id)
            .collect::<std::collections::HashSet<_>>()
            .len()
    }
}

pub struct Receiver {
    pub url: String,
    pub state: Arc<ReceiverState>,
}

struct InFlight(Arc<ReceiverState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn hook(State(st): State<Arc<ReceiverState>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    st.in_flight.fetch_add(1, Ordering::SeqCst);
    let _guard = InFlight(st.clone());
    let n = st.counter.fetch_add(1, Ordering::SeqCst) + 1;
    let fail = st.fail_with.load(Ordering::SeqCst);
    let one_in = st.fail_one_in.load(Ordering::SeqCst);
    if fail != 0 || (one_in != 0 && n % one_in == 0) {
        st.failed.fetch_add(1, Ordering::SeqCst);
        let code = if fail != 0 { fail as u16 } else { 503 };
        return StatusCode::from_u16(code).unwrap();
    }
    let v: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return StatusCode::BAD_REQUEST,
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let signature = header("elevate-signature");
    let tenant_id: Uuid = v["tenant_id"]
        .as_str()
        .unwrap_or_default()
        .parse()
        .unwrap_or_default();
    let secrets = st
        .secrets
        .lock()
        .unwrap()
        .get(&tenant_id)
        .cloned()
        .unwrap_or_default();
    if !secrets.iter().any(|s| signature_ok(s, &signature, &body)) {
        st.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    let delivery_id: Uuid = header("elevate-delivery").parse().unwrap_or_default();
    assert_eq!(v["delivery_id"], delivery_id.to_string());
    assert_eq!(
        header("elevate-event"),
        v["event"]["kind"].as_str().unwrap_or_default()
    );
    // Recorded on arrival: a sender killed while we work will send it again.
    st.receipts.lock().unwrap().push(Receipt {
        delivery_id,
        tenant_id,
        event_id: v["event"]["id"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .unwrap_or_default(),
        seq: v["event"]["seq"].as_i64().unwrap_or_default(),
        kind: v["event"]["kind"].as_str().unwrap_or_default().to_owned(),
        signature,
        body: body.to_vec(),
    });
    let delay = st.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    StatusCode::OK
}

impl Receiver {
    pub async fn start() -> Self {
        let state = Arc::new(ReceiverState::default());
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/hook"),
            state,
        }
    }

    pub fn trust(&self, tenant: Uuid, secret: &str) {
        self.state
            .secrets
            .lock()
            .unwrap()
            .entry(tenant)
            .or_default()
            .push(secret.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
