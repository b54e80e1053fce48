//! How the sync engine reaches the server: a small blocking trait ([`SyncTransport`]) and
//! its futures form ([`AsyncTransport`], which the engine is written against), with the
//! HTTP client for the real backend and an in-process fake for tests.
//!
//! Natively [`HttpTransport`] blocks (it runs on the sync thread); in the browser it is
//! reqwest's fetch client and implements [`AsyncTransport`] only.

use crate::core::http;
use crate::core::ops::{Change, OpOutcome, PullPage, PushRequest, PushResponse, PushResult};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// A failed exchange with the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection (DNS, refused, timeout): the phone is offline as far as sync goes.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// 5xx or 429: the server is there but cannot take it now.
    #[error("server busy or failing (HTTP {status})")]
    Unavailable { status: u16 },
    /// The token expired or was revoked: sign in again.
    #[error("not signed in (HTTP 401)")]
    Unauthorized,
    /// A 4xx the server meant (e.g. this device was revoked).
    #[error("server refused the request (HTTP {status}, {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// The answer could not be read.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
}

impl TransportError {
    /// Whether trying again later may succeed without the user doing anything.
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            TransportError::Unreachable(_) | TransportError::Unavailable { .. }
        )
    }
}

/// The two calls of the sync protocol, plus the open purchase orders (not part of the
/// pull) that receiving by scan needs.
pub trait SyncTransport: Send + Sync {
    fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError>;
    fn pull(&self, cursor: Option<&str>) -> Result<PullPage, TransportError>;
    /// Every purchase order that can be received against now (confirmed or partially
    /// received), as cache rows; `None` when this source has none to offer (no
    /// permission, or a fake), which leaves the cached orders alone.
    fn open_orders(&self) -> Result<Option<Vec<Change>>, TransportError> {
        Ok(None)
    }
}

impl<T: SyncTransport + ?Sized> SyncTransport for Box<T> {
    fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        (**self).push(request)
    }
    fn pull(&self, cursor: Option<&str>) -> Result<PullPage, TransportError> {
        (**self).pull(cursor)
    }
    fn open_orders(&self) -> Result<Option<Vec<Change>>, TransportError> {
        (**self).open_orders()
    }
}

impl<T: SyncTransport + ?Sized> SyncTransport for Arc<T> {
    fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        (**self).push(request)
    }
    fn pull(&self, cursor: Option<&str>) -> Result<PullPage, TransportError> {
        (**self).pull(cursor)
    }
    fn open_orders(&self) -> Result<Option<Vec<Change>>, TransportError> {
        (**self).open_orders()
    }
}

/// The same calls as futures: what [`super::SyncEngine`] is written against. Every
/// blocking [`SyncTransport`] is one (its futures are ready at once); in the browser the
/// fetch client implements it directly.
// The futures are polled on one thread (natively by `block_on` on the sync thread, in the
// browser by its event loop), so no `Send` bound is promised.
#[allow(async_fn_in_trait)]
pub trait AsyncTransport {
    async fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError>;
    async fn pull(&self, cursor: Option<&str>) -> Result<PullPage, TransportError>;
    async fn open_orders(&self) -> Result<Option<Vec<Change>>, TransportError>;
}

impl<T: SyncTransport + ?Sized> AsyncTransport for T {
    async fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        SyncTransport::push(self, request)
    }
    async fn pull(&self, cursor: Option<&str>) -> Result<PullPage, TransportError> {
        SyncTransport::pull(self, cursor)
    }
    async fn open_orders(&self) -> Result<Option<Vec<Change>>, TransportError> {
        SyncTransport::open_orders(self)
    }
}

/// The backend over HTTP(S): blocking natively, the browser's fetch on wasm32.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: http::Client,
    base: String,
    token: String,
}

impl HttpTransport {
    /// `base` is the server URL (`https://crm.example.com`), `token` the access token.
    pub fn new(base: &str, token: &str) -> Result<Self, TransportError> {
        let client = http::client().map_err(|e| TransportError::Protocol(e.to_string()))?;
        Ok(HttpTransport {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: http::RequestBuilder,
    ) -> Result<T, TransportError> {
        let answer = http::send(request.bearer_auth(&self.token))
            .await
            .map_err(TransportError::Unreachable)?;
        let status = answer.status;
        if status == 401 {
            return Err(TransportError::Unauthorized);
        }
        if status == 429 || status >= 500 {
            return Err(TransportError::Unavailable { status });
        }
        if status >= 400 {
            let (code, message) = http::error_fields(&answer.body);
            return Err(TransportError::Refused {
                status,
                code,
                message,
            });
        }
        serde_json::from_str(&answer.body).map_err(|e| TransportError::Protocol(e.to_string()))
    }

    /// Sends the ops as the protocol's `SyncPush`. Ops the protocol cannot express are
    /// answered locally as rejected (shown to the user), never sent or dropped.
    async fn push_ops(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        let mut local = Vec::new();
        let mut ops = Vec::new();
        for op in &request.ops {
            match super::wire::to_sync_op(op) {
                Ok(sync) => ops.push(sync),
                Err(why) => local.push(PushResult {
                    op_id: op.op_id,
                    outcome: OpOutcome::Rejected {
                        code: why.code.to_owned(),
                        message: why.message,
                    },
                }),
            }
        }
        let mut response = if ops.is_empty() {
            PushResponse {
                results: Vec::new(),
            }
        } else {
            let body = shared_types::sync::SyncPush {
                device_id: request.device_id,
                ops,
            };
            let result: shared_types::sync::SyncPushResult = self
                .send(
                    self.client
                        .post(format!("{}/api/v1/sync/push", self.base))
                        .json(&body),
                )
                .await?;
            super::wire::from_push_result(result)
        };
        response.results.extend(local);
        Ok(response)
    }

    async fn pull_page(&self, cursor: Option<&str>) -> Result<PullPage, TransportError> {
        let mut req = self.client.get(format!("{}/api/v1/sync/pull", self.base));
        if let Some(c) = cursor {
            req = req.query(&[("since", c)]);
        }
        let pull: shared_types::sync::SyncPull = self.send(req).await?;
        Ok(super::wire::from_pull(pull))
    }

    async fn purchase_orders(&self) -> Result<Option<Vec<Change>>, TransportError> {
        let mut changes = Vec::new();
        for status in ["confirmed", "partially_received"] {
            let mut offset = 0;
            loop {
                let req = self
                    .client
                    .get(format!("{}/api/v1/purchase-orders", self.base))
                    .query(&[("status", status)])
                    .query(&[("limit", 500), ("offset", offset)]);
                let page: shared_types::api::Page<shared_types::purchasing::PurchaseOrder> =
                    match self.send(req).await {
                        Ok(page) => page,
                        // Receiving is not this user's job: keep what is cached.
                        Err(TransportError::Refused { status: 403, .. }) => return Ok(None),
                        Err(e) => return Err(e),
                    };
                let n = page.items.len() as i64;
                changes.extend(page.items.iter().map(super::wire::order_change));
                offset += n;
                if n == 0 || offset >= page.total_count {
                    break;
                }
            }
        }
        Ok(Some(changes))
    }
}

/// Natively the HTTP client blocks, so these futures are ready when first polled.
#[cfg(not(target_arch = "wasm32"))]
impl SyncTransport for HttpTransport {
    fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        http::finish(self.push_ops(request))
    }

    fn pull(&self, cursor: Option<&str>) -> Result<PullPage, TransportError> {
        http::finish(self.pull_page(cursor))
    }

    fn open_orders(&self) -> Result<Option<Vec<Change>>, TransportError> {
        http::finish(self.purchase_orders())
    }
}

#[cfg(target_arch = "wasm32")]
impl AsyncTransport for HttpTransport {
    async fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        self.push_ops(request).await
    }

    async fn pull(&self, cursor: Option<&str>) -> Result<PullPage, TransportError> {
        self.pull_page(cursor).await
    }

    async fn open_orders(&self) -> Result<Option<Vec<Change>>, TransportError> {
        self.purchase_orders().await
    }
}

/// An in-process server for tests: applies each op id once, can reject ops by a rule,
/// serves a fixed list of pull pages, and can be switched off to play "no network".
#[derive(Default)]
pub struct FakeServer {
    inner: Mutex<FakeState>,
}

#[derive(Default)]
struct FakeState {
    online: bool,
    applied: Vec<Uuid>,
    seen: HashSet<Uuid>,
    pushes: usize,
    reject: BTreeMap<Uuid, (String, String)>,
    pages: Vec<PullPage>,
    /// Drop the response of the next push after applying it (a lost answer).
    lose_next_response: bool,
}

impl FakeServer {
    pub fn new() -> Self {
        let s = FakeServer::default();
        s.state().online = true;
        s
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set_online(&self, online: bool) {
        self.state().online = online;
    }

    /// The op will be rejected with this code and message.
    pub fn reject(&self, op_id: Uuid, code: &str, message: &str) {
        self.state()
            .reject
            .insert(op_id, (code.to_owned(), message.to_owned()));
    }

    /// Pages served to pulls: page `i` answers a pull whose cursor is `None` (i = 0) or
    /// page `i-1`'s cursor.
    pub fn set_pages(&self, pages: Vec<PullPage>) {
        self.state().pages = pages;
    }

    pub fn lose_next_response(&self) {
        self.state().lose_next_response = true;
    }

    /// Op ids applied, in order, each once.
    pub fn applied(&self) -> Vec<Uuid> {
        self.state().applied.clone()
    }

    pub fn push_calls(&self) -> usize {
        self.state().pushes
    }
}

impl SyncTransport for FakeServer {
    fn push(&self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        let mut s = self.state();
        if !s.online {
            return Err(TransportError::Unreachable("connection refused".into()));
        }
        s.pushes += 1;
        let mut results = Vec::new();
        for op in &request.ops {
            let outcome = if let Some((code, message)) = s.reject.get(&op.op_id).cloned() {
                OpOutcome::Rejected { code, message }
            } else if s.seen.insert(op.op_id) {
                s.applied.push(op.op_id);
                OpOutcome::Applied
            } else {
                OpOutcome::Duplicate
            };
            results.push(PushResult {
                op_id: op.op_id,
                outcome,
            });
        }
        if std::mem::take(&mut s.lose_next_response) {
            return Err(TransportError::Unreachable("connection reset".into()));
        }
        Ok(PushResponse { results })
    }

    fn pull(&self, cursor: Option<&str>) -> Result<PullPage, TransportError> {
        let s = self.state();
        if !s.online {
            return Err(TransportError::Unreachable("connection refused".into()));
        }
        let index = match cursor {
            None => 0,
            Some(c) => s
                .pages
                .iter()
                .position(|p| p.cursor == c)
                .map(|i| i + 1)
                .unwrap_or(s.pages.len()),
        };
        Ok(s.pages.get(index).cloned().unwrap_or(PullPage {
            changes: Vec::new(),
            cursor: cursor.unwrap_or("0").to_owned(),
            has_more: false,
        }))
    }
}
