//! Live updates: `GET /api/v1/ws` streams the events a user may see.
//!
//! Publishing: `db::events::append` also notes the event for the current request;
//! `TenantTx::commit` publishes the noted events once the transaction has committed
//! (so a rolled-back change is never shown). With Redis configured, events go to a
//! Redis pub/sub channel and every replica's subscriber feeds its local broadcast, so
//! a move made through one replica reaches clients of all of them; without Redis the
//! local broadcast is fed directly.
//!
//! Delivery to a client: the connection subscribes to the local broadcast first,
//! then (with `since`) reads the missed events from the event log in the tenant's
//! RLS scope, and then streams live events, skipping any sequence number it already
//! sent. The broadcast is a fixed-size ring shared by all connections: a client that
//! falls behind it (or does not accept a frame within the send timeout) is closed
//! with code 4008 and a reason naming the sequence to resume from; memory does not
//! grow with slow clients.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared_types::events::Event;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::db;
use crate::domain::permissions::Permission;
use crate::error::ApiError;
use crate::http::ctx::{begin_tenant_tx, load_user_access};
use crate::http::extract::Paging;
use crate::state::AppState;

/// Redis channel all replicas publish to and subscribe on.
pub const REDIS_CHANNEL: &str = "elevate:events";
/// Close code for a client that could not keep up.
pub const CLOSE_TOO_SLOW: u16 = 4008;
/// Close code for a client whose `since` is too far back for a catch-up.
pub const CLOSE_TOO_FAR_BEHIND: u16 = 4009;
/// Events replayed at most on connect; beyond that, page `/api/v1/events`.
const MAX_CATCH_UP: i64 = 10_000;
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// An event with its tenant, as it travels between replicas.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveEvent {
    pub tenant_id: Uuid,
    pub event: Event,
}

/// Fan-out of committed events to this process's WebSocket connections.
#[derive(Clone)]
pub struct LiveBus {
    local: broadcast::Sender<Arc<LiveEvent>>,
    redis: Option<redis::aio::ConnectionManager>,
}

impl LiveBus {
    /// In-process only.
    pub fn local(capacity: usize) -> Self {
        let (local, _) = broadcast::channel(capacity.max(16));
        Self { local, redis: None }
    }

    /// Through Redis: publishes there and feeds the local broadcast from a subscriber
    /// that reconnects (and resubscribes) whenever its connection drops.
    pub fn with_redis(
        capacity: usize,
        client: redis::Client,
        conn: redis::aio::ConnectionManager,
    ) -> Self {
        let bus = Self {
            redis: Some(conn),
            ..Self::local(capacity)
        };
        let local = bus.local.clone();
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut ps) => {
                        if let Err(e) = ps.subscribe(REDIS_CHANNEL).await {
                            tracing::warn!(error = %e, "live: cannot subscribe");
                        } else {
                            let mut stream = ps.on_message();
                            while let Some(msg) = stream.next().await {
                                match serde_json::from_slice::<LiveEvent>(msg.get_payload_bytes()) {
                                    Ok(ev) => {
                                        let _ = local.send(Arc::new(ev));
                                    }
                                    Err(e) => tracing::warn!(error = %e, "live: bad message"),
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "live: redis subscriber cannot connect"),
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
        bus
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.local.subscribe()
    }

    /// Publishes committed events (to Redis if configured, else locally).
    pub async fn publish(&self, events: Vec<LiveEvent>) {
        for ev in events {
            if let Some(conn) = &self.redis {
                let payload = serde_json::to_vec(&ev).expect("events serialise");
                let mut conn = conn.clone();
                let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                    .arg(REDIS_CHANNEL)
                    .arg(payload)
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = sent {
                    // Clients of other replicas catch up with `since` on reconnect.
                    tracing::warn!(error = %e, "live: redis publish failed; local only");
                    let _ = self.local.send(Arc::new(ev));
                }
            } else {
                let _ = self.local.send(Arc::new(ev));
            }
        }
    }
}

tokio::task_local! {
    static PENDING: RefCell<Vec<LiveEvent>>;
    static UNSEALED: std::cell::Cell<bool>;
}

/// Middleware: gives each request a place to note the events it appends.
pub async fn collect(req: Request, next: Next) -> Response {
    PENDING
        .scope(
            RefCell::new(Vec::new()),
            UNSEALED.scope(std::cell::Cell::new(false), next.run(req)),
        )
        .await
}

/// Notes that the current request wrote events to be sealed after its commit.
pub fn note_unsealed() {
    let _ = UNSEALED.try_with(|u| u.set(true));
}

/// Whether the current request wrote events to be sealed (the flag is cleared).
pub fn take_unsealed() -> bool {
    UNSEALED.try_with(|u| u.replace(false)).unwrap_or(false)
}

/// Notes an appended (not yet committed) event of the current request.
pub fn note(tenant_id: Uuid, event: &Event) {
    let _ = PENDING.try_with(|p| {
        p.borrow_mut().push(LiveEvent {
            tenant_id,
            event: event.clone(),
        })
    });
}

/// The events noted so far in this request (emptied).
pub fn take_noted() -> Vec<LiveEvent> {
    PENDING
        .try_with(|p| std::mem::take(&mut *p.borrow_mut()))
        .unwrap_or_default()
}

/// Forgets noted events (their transaction rolled back).
pub fn discard_noted() {
    let _ = PENDING.try_with(|p| p.borrow_mut().clear());
    let _ = UNSEALED.try_with(|u| u.set(false));
}

/// Whether a user with `perms` may see events of `kind`.
pub fn visible(kind: &str, perms: &[Permission]) -> bool {
    if perms.contains(&Permission::AuditRead) {
        return true;
    }
    let area = kind.split('.').next().unwrap_or_default();
    match area {
        "stock" | "count" | "reorder" | "transfer" | "reservation" => {
            perms.contains(&Permission::StockRead)
        }
        "purchase" | "purchase_order" => perms.contains(&Permission::PurchaseRead),
        // Approvals of purchases and of count variances.
        "approval" => {
            perms.contains(&Permission::PurchaseRead) || perms.contains(&Permission::StockRead)
        }
        _ => false,
    }
}

/// Keys of event data that name a location or a warehouse.
const LOCATION_KEYS: [&str; 6] = [
    "location_id",
    "from_location_id",
    "to_location_id",
    "warehouse_id",
    "from_warehouse_id",
    "to_warehouse_id",
];

/// The warehouses a connection's user works in, and the warehouse of each location
/// seen so far (`None`: a virtual location such as supplier or transit).
#[derive(Debug, Default)]
pub struct WarehouseScope {
    /// Empty = every warehouse.
    assigned: Vec<Uuid>,
    known: HashMap<Uuid, Option<Uuid>>,
}

impl WarehouseScope {
    pub fn new(assigned: Vec<Uuid>) -> Self {
        Self {
            assigned,
            known: HashMap::new(),
        }
    }

    fn unrestricted(&self) -> bool {
        self.assigned.is_empty()
    }

    /// Location ids named by an event's data.
    pub fn locations_of(e: &Event) -> Vec<Uuid> {
        LOCATION_KEYS
            .iter()
            .filter_map(|k| e.data.get(*k)?.as_str()?.parse().ok())
            .collect()
    }

    /// Whether an event naming `locations` (all of them known) concerns an assigned
    /// warehouse. Events naming no physical location are not warehouse-bound.
    fn allows(&self, locations: &[Uuid]) -> bool {
        let mut physical = locations
            .iter()
            .filter_map(|l| self.known.get(l).copied().flatten())
            .peekable();
        if physical.peek().is_none() {
            return true;
        }
        physical.any(|w| self.assigned.contains(&w))
    }
}

/// Who is watching a connection: what they may see and where they work.
pub struct Viewer {
    pub tenant: Uuid,
    pub user: Uuid,
    pub perms: Vec<Permission>,
    pub scope: WarehouseScope,
}

impl Viewer {
    /// The viewer for a user, with their current warehouse assignment.
    pub async fn load(
        conn: &mut sqlx::PgConnection,
        tenant: Uuid,
        user: Uuid,
        perms: Vec<Permission>,
    ) -> Result<Self, sqlx::Error> {
        let warehouses = db::users::warehouses(conn, user).await?;
        Ok(Self {
            tenant,
            user,
            perms,
            scope: WarehouseScope::new(warehouses),
        })
    }

    /// Whether this viewer receives `e`. Looks up (once per connection) the
    /// warehouse of locations it has not seen; if that lookup fails the event is
    /// withheld (the client can catch up with `since` on reconnect).
    pub async fn sees(&mut self, state: &AppState, e: &Event) -> bool {
        if !visible(&e.kind, &self.perms) {
            return false;
        }
        if self.scope.unrestricted() {
            return true;
        }
        let locations = WarehouseScope::locations_of(e);
        let unknown: Vec<Uuid> = locations
            .iter()
            .filter(|l| !self.scope.known.contains_key(l))
            .copied()
            .collect();
        if !unknown.is_empty() {
            match warehouses_of(state, self.tenant, &unknown).await {
                Ok(found) => {
                    for l in unknown {
                        let w = found.get(&l).copied().flatten();
                        self.scope.known.insert(l, w);
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "live: cannot resolve locations");
                    return false;
                }
            }
        }
        self.scope.allows(&locations)
    }

    /// Updates the viewer from its own events (a change of their warehouses).
    pub fn observe(&mut self, e: &Event) {
        if e.kind == "user.warehouses_changed" && e.subject_id == Some(self.user) {
            if let Some(ids) = e.data.get("warehouse_ids").and_then(|v| v.as_array()) {
                self.scope.assigned = ids
                    .iter()
                    .filter_map(|v| v.as_str()?.parse().ok())
                    .collect();
            }
        }
    }
}

/// The warehouse of each location (`None` for virtual ones), in the tenant's scope.
async fn warehouses_of(
    state: &AppState,
    tenant: Uuid,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Option<Uuid>>, sqlx::Error> {
    let mut tx = begin_tenant_tx(&state.db, tenant, None).await?;
    let rows: Vec<(Uuid, Option<Uuid>)> = sqlx::query_as(
        "SELECT id, CASE WHEN kind IN ('warehouse', 'zone', 'bin') THEN warehouse_id END
         FROM locations WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows.into_iter().collect())
}

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/ws", get(ws))
}

#[derive(Debug, Deserialize)]
pub struct WsParams {
    pub token: Option<String>,
    /// Replay events after this sequence number first.
    pub since: Option<i64>,
}

/// Sub-protocol a browser offers along with `bearer.<token>` (it cannot set headers).
pub const PROTOCOL: &str = "elevate.v1";

async fn ws(
    State(state): State<AppState>,
    Query(q): Query<WsParams>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let from_protocol = headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .map(str::trim)
                .find_map(|p| p.strip_prefix("bearer."))
                .map(str::to_owned)
        });
    let token = q.token.or(from_protocol).ok_or_else(|| {
        ApiError::unauthenticated(
            "Pass the access token as `?token=` or the `bearer.<token>` sub-protocol.",
        )
    })?;
    let claims = state
        .keys
        .verify_access(&token)
        .await
        .map_err(|_| ApiError::unauthenticated("The access token is not valid."))?;
    let mut tx = begin_tenant_tx(&state.db, claims.tid, Some(claims.sub)).await?;
    let access = load_user_access(&mut tx, claims.sub, Some(claims.sid)).await?;
    let perms: Vec<Permission> = match access {
        Some((true, _, perms, true)) => perms.iter().filter_map(|p| Permission::parse(p)).collect(),
        _ => {
            return Err(ApiError::unauthenticated(
                "This session or account is no longer active.",
            ))
        }
    };
    let viewer = Viewer::load(&mut tx, claims.tid, claims.sub, perms).await?;
    tx.commit().await?;
    let upgrade = upgrade
        .map_err(|_| ApiError::validation("upgrade", "This endpoint speaks WebSocket only."))?;
    let since = q.since;
    Ok(upgrade
        .protocols([PROTOCOL])
        .on_upgrade(move |socket| session(state, viewer, since, socket))
        .into_response())
}

async fn send_json(socket: &mut WebSocket, v: &serde_json::Value) -> bool {
    let text = Utf8Bytes::from(v.to_string());
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text(text))).await,
        Ok(Ok(()))
    )
}

async fn close(socket: &mut WebSocket, code: u16, reason: String) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    };
    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
}

pub(crate) async fn session(
    state: AppState,
    mut viewer: Viewer,
    since: Option<i64>,
    mut socket: WebSocket,
) {
    let tenant = viewer.tenant;
    let mut rx = state.live.subscribe();
    let mut last_seq = since.unwrap_or(0);
    if let Some(since) = since {
        match catch_up(&state, tenant, since).await {
            Ok(events) => {
                if events.len() as i64 > MAX_CATCH_UP {
                    close(
                        &mut socket,
                        CLOSE_TOO_FAR_BEHIND,
                        format!("more than {MAX_CATCH_UP} events missed; page /api/v1/events?since_seq={since}"),
                    )
                    .await;
                    return;
                }
                for e in events {
                    last_seq = last_seq.max(e.seq);
                    // (Past assignment changes are not replayed into the scope: the
                    // catch-up is filtered by the current assignment.)
                    if viewer.sees(&state, &e).await
                        && !send_json(&mut socket, &json!({ "type": "event", "event": e })).await
                    {
                        return;
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "live: catch-up failed");
                close(&mut socket, 1011, "catch-up failed; reconnect".into()).await;
                return;
            }
        }
    }
    if !send_json(
        &mut socket,
        &json!({ "type": "ready", "last_seq": last_seq }),
    )
    .await
    {
        return;
    }
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Ok(ev) => {
                    if ev.tenant_id != tenant || (since.is_some() && ev.event.seq <= last_seq) {
                        continue;
                    }
                    let resume = last_seq;
                    last_seq = last_seq.max(ev.event.seq);
                    viewer.observe(&ev.event);
                    if viewer.sees(&state, &ev.event).await
                        && !send_json(&mut socket, &json!({ "type": "event", "event": ev.event })).await
                    {
                        // The client did not take the frame in time: drop it, saying
                        // where to resume (this event was not delivered).
                        close(&mut socket, CLOSE_TOO_SLOW,
                            format!("client too slow: a frame was not accepted in time; reconnect with since={resume}")).await;
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    close(&mut socket, CLOSE_TOO_SLOW,
                        format!("client too slow: {n} events dropped; reconnect with since={last_seq}")).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// The tenant's events after `since` (one more than the cap, to detect overflow).
async fn catch_up(state: &AppState, tenant: Uuid, since: i64) -> Result<Vec<Event>, sqlx::Error> {
    let mut tx = begin_tenant_tx(&state.db, tenant, None).await?;
    let filter = db::events::EventFilter {
        since_seq: Some(since),
        ..Default::default()
    };
    let mut out = Vec::new();
    let page = 500;
    loop {
        let (items, _) = db::events::list(
            &mut tx,
            &filter,
            Paging {
                limit: page,
                offset: out.len() as i64,
            },
        )
        .await?;
        let n = items.len() as i64;
        out.extend(items);
        if n < page || out.len() as i64 > MAX_CATCH_UP {
            break;
        }
    }
    tx.commit().await?;
    Ok(out)
}
