//! The append-only, hash-chained event log (domain events and audit trail).
//! `append` runs inside the caller's transaction, so an event exists exactly when
//! the change it describes was committed.

use chrono::{DateTime, Utc};
use shared_types::events::{ChainBreak, ChainVerification, Event};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::http::extract::Paging;
use crate::http::request_id;

/// What happened, to what.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub subject_type: Option<&'a str>,
    pub subject_id: Option<Uuid>,
    pub data: serde_json::Value,
}

impl<'a> NewEvent<'a> {
    pub fn new(kind: &'a str) -> Self {
        Self {
            kind,
            subject_type: None,
            subject_id: None,
            data: serde_json::json!({}),
        }
    }

    pub fn subject(mut self, kind: &'a str, id: Uuid) -> Self {
        self.subject_type = Some(kind);
        self.subject_id = Some(id);
        self
    }

    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub id: Uuid,
    pub seq: i64,
    pub kind: String,
    pub actor_user_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<Uuid>,
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub hash: Vec<u8>,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            id: r.id,
            seq: r.seq,
            kind: r.kind,
            actor_user_id: r.actor_user_id,
            request_id: r.request_id,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            data: r.data,
            created_at: r.created_at,
            hash: hex::encode(r.hash),
        }
    }
}

pub(crate) const COLUMNS: &str =
    "id, seq, kind, actor_user_id, request_id, subject_type, subject_id, data, created_at, hash";

/// Appends an event for the connection's tenant; the request id is taken from the
/// current request, if any.
pub async fn append(
    conn: &mut PgConnection,
    actor: Option<Uuid>,
    ev: NewEvent<'_>,
) -> Result<Event, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Appended {
        tenant_id: Uuid,
        #[sqlx(flatten)]
        row: EventRow,
    }
    let appended: Appended = sqlx::query_as(&format!(
        "SELECT tenant_id, {COLUMNS} FROM append_event($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(Uuid::now_v7())
    .bind(ev.kind)
    .bind(actor)
    .bind(request_id::current())
    .bind(ev.subject_type)
    .bind(ev.subject_id)
    .bind(ev.data)
    .fetch_one(conn)
    .await?;
    let event: Event = appended.row.into();
    crate::live::note(appended.tenant_id, &event);
    Ok(event)
}

/// The batch's rows, from the arrays bound by [`bind_columns!`] ($1–$6; $7 is
/// the request id), in input order (`u.ord`).
const UNNEST_COLUMNS: &str =
    "unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::jsonb[])
                WITH ORDINALITY AS u(id, kind, actor, subject_type, subject_id, data, ord)";

/// Binds a [`Columns`] and the request id as $1–$7 of [`UNNEST_COLUMNS`].
macro_rules! bind_columns {
    ($query:expr, $c:expr) => {
        $query
            .bind(&$c.ids)
            .bind(&$c.kinds)
            .bind(&$c.actors)
            .bind(&$c.subject_types)
            .bind(&$c.subject_ids)
            .bind(&$c.data)
            .bind(request_id::current())
    };
}

/// New events as one array per column, for the `unnest` of a batch insert; each
/// event gets its id here.
struct Columns {
    ids: Vec<Uuid>,
    kinds: Vec<String>,
    actors: Vec<Option<Uuid>>,
    subject_types: Vec<Option<String>>,
    subject_ids: Vec<Option<Uuid>>,
    data: Vec<serde_json::Value>,
}

impl Columns {
    fn of(events: Vec<(Option<Uuid>, NewEvent<'_>)>) -> Self {
        let n = events.len();
        let mut c = Columns {
            ids: Vec::with_capacity(n),
            kinds: Vec::with_capacity(n),
            actors: Vec::with_capacity(n),
            subject_types: Vec::with_capacity(n),
            subject_ids: Vec::with_capacity(n),
            data: Vec::with_capacity(n),
        };
        for (actor, ev) in events {
            c.ids.push(Uuid::now_v7());
            c.kinds.push(ev.kind.to_owned());
            c.actors.push(actor);
            c.subject_types.push(ev.subject_type.map(str::to_owned));
            c.subject_ids.push(ev.subject_id);
            c.data.push(ev.data);
        }
        c
    }
}

/// Appends events for the connection's tenant in one statement, in the order
/// given, each with its own actor; the chain is the same as appending them one
/// by one.
pub async fn append_many(
    conn: &mut PgConnection,
    events: Vec<(Option<Uuid>, NewEvent<'_>)>,
) -> Result<Vec<Event>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(sqlx::FromRow)]
    struct Appended {
        tenant_id: Uuid,
        #[sqlx(flatten)]
        row: EventRow,
    }
    let c = Columns::of(events);
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("e.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // A lateral call per input row, in the input's order: each call chains onto
    // the one before it exactly as separate `append` calls would.
    let sql = format!(
        "SELECT e.tenant_id, {cols}
           FROM {UNNEST_COLUMNS}
          CROSS JOIN LATERAL append_event(u.id, u.kind, u.actor, $7, u.subject_type, u.subject_id, u.data) e
          ORDER BY u.ord"
    );
    let rows: Vec<Appended> = bind_columns!(sqlx::query_as(&sql), c)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|a| {
            let event: Event = a.row.into();
            crate::live::note(a.tenant_id, &event);
            event
        })
        .collect())
}

/// Records events to be chained right after the transaction commits (see
/// migrations/20261205300000_event_pending.sql): the rows are written in the
/// caller's transaction, so they exist exactly when the change does, but no
/// shared row is locked. Inside a request, `TenantTx::commit` seals them before
/// the response; elsewhere the caller runs [`seal_pending`] after committing
/// (the worker's sweep catches any left behind).
pub async fn append_pending(
    conn: &mut PgConnection,
    events: Vec<(Option<Uuid>, NewEvent<'_>)>,
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let c = Columns::of(events);
    // `WITH ORDINALITY` + ORDER BY: the identity values, and so the chain order,
    // follow the input order.
    let sql = format!(
        "INSERT INTO event_pending (id, kind, actor_user_id, request_id, subject_type, subject_id, data)
         SELECT u.id, u.kind, u.actor, $7, u.subject_type, u.subject_id, u.data
           FROM {UNNEST_COLUMNS}
          ORDER BY u.ord"
    );
    bind_columns!(sqlx::query(&sql), c).execute(conn).await?;
    crate::live::note_unsealed();
    Ok(())
}

/// Chains the tenant's committed pending events (one round trip, its own
/// transaction) and returns them as sealed, oldest first. Empty when another
/// sealer already took them.
pub async fn seal_pending(
    db: impl sqlx::PgExecutor<'_>,
    tenant_id: Uuid,
) -> Result<Vec<Event>, sqlx::Error> {
    let rows: Vec<EventRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM seal_pending_events($1)"))
            .bind(tenant_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Joins the post-commit seals of one process into rounds, per tenant: a
/// request whose commit is covered by a round that started after it waits for
/// that round instead of running its own. Only one sealer per tenant then
/// reaches the database at a time; the others cost no round trip. (Sealers in
/// other processes still queue on the database's advisory lock.)
#[derive(Default)]
pub struct SealGate {
    tenants: std::sync::Mutex<std::collections::HashMap<Uuid, std::sync::Arc<TenantSeals>>>,
}

#[derive(Default)]
struct TenantSeals {
    /// Tickets taken: one per committed transaction that left events pending.
    taken: std::sync::atomic::AtomicU64,
    /// The highest ticket whose events a finished round sealed.
    sealed: tokio::sync::Mutex<u64>,
}

impl SealGate {
    /// Seals the tenant's pending events, or waits for a round that does. Call
    /// after the commit that wrote them. Returns the events this call sealed
    /// (empty when another round took them; that round's caller publishes them).
    pub async fn seal(
        &self,
        db: &sqlx::PgPool,
        tenant_id: Uuid,
    ) -> Result<Vec<Event>, sqlx::Error> {
        use std::sync::atomic::Ordering;
        let seals = self
            .tenants
            .lock()
            .expect("seal gate poisoned")
            .entry(tenant_id)
            .or_default()
            .clone();
        // Taken after the commit: a round that starts later sees its events.
        let ticket = seals.taken.fetch_add(1, Ordering::SeqCst) + 1;
        let mut sealed = seals.sealed.lock().await;
        if *sealed >= ticket {
            return Ok(Vec::new());
        }
        // Every ticket taken so far belongs to a committed transaction.
        let upto = seals.taken.load(Ordering::SeqCst);
        let events = seal_pending(db, tenant_id).await?;
        *sealed = upto;
        Ok(events)
    }
}

/// The worker's sweep: seals events left pending for longer than `older_than`
/// (a crash between a commit and its seal). Returns how many were sealed.
pub async fn seal_stragglers(
    db: &sqlx::PgPool,
    older_than: std::time::Duration,
) -> Result<usize, sqlx::Error> {
    let tenants: Vec<Uuid> = sqlx::query_scalar("SELECT tenant_id FROM event_pending_tenants($1)")
        .bind(sqlx::postgres::types::PgInterval::try_from(older_than).unwrap_or_default())
        .fetch_all(db)
        .await?;
    let mut sealed = 0;
    for t in tenants {
        sealed += seal_pending(db, t).await?.len();
    }
    Ok(sealed)
}

#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    /// Exact kind, or a prefix ending in `.` (e.g. `stock.`).
    pub kind: Option<String>,
    pub since_seq: Option<i64>,
    pub subject_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
}

pub async fn list(
    conn: &mut PgConnection,
    f: &EventFilter,
    paging: Paging,
) -> Result<(Vec<Event>, i64), sqlx::Error> {
    let kind_pattern = f.kind.as_ref().map(|k| {
        if k.ends_with('.') {
            format!("{}%", k.replace('%', "").replace('_', "\\_"))
        } else {
            k.replace('%', "").replace('_', "\\_")
        }
    });
    let filter = "($1::text IS NULL OR kind LIKE $1) AND seq > coalesce($2, 0)
                  AND ($3::uuid IS NULL OR subject_id = $3) AND ($4::uuid IS NULL OR actor_user_id = $4)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM events WHERE {filter}"))
        .bind(&kind_pattern)
        .bind(f.since_seq)
        .bind(f.subject_id)
        .bind(f.actor_user_id)
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE {filter} ORDER BY seq LIMIT $5 OFFSET $6"
    ))
    .bind(&kind_pattern)
    .bind(f.since_seq)
    .bind(f.subject_id)
    .bind(f.actor_user_id)
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// Walks the tenant's chain and reports the first row that does not verify.
pub async fn verify_chain(conn: &mut PgConnection) -> Result<ChainVerification, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Check {
        seq: i64,
        id: Uuid,
        hash_ok: bool,
        link_ok: bool,
        step: i64,
    }
    let rows: Vec<Check> = sqlx::query_as(
        r#"SELECT seq, id,
                  hash = event_hash(prev_hash, tenant_id, seq, id, kind, actor_user_id, request_id,
                                    subject_type, subject_id, data, created_at) AS hash_ok,
                  prev_hash = coalesce(lag(hash) OVER w, '\x'::bytea) AS link_ok,
                  seq - coalesce(lag(seq) OVER w, 0) AS step
             FROM events WINDOW w AS (ORDER BY seq) ORDER BY seq"#,
    )
    .fetch_all(&mut *conn)
    .await?;
    let checked = rows.len() as i64;
    let bad = |seq, id, reason: &str| ChainVerification {
        ok: false,
        checked,
        first_bad: Some(ChainBreak {
            seq,
            id,
            reason: reason.to_owned(),
        }),
    };
    for r in &rows {
        if r.step != 1 {
            return Ok(bad(r.seq - 1, None, "gap"));
        }
        if !r.hash_ok {
            return Ok(bad(r.seq, Some(r.id), "hash_mismatch"));
        }
        if !r.link_ok {
            return Ok(bad(r.seq, Some(r.id), "broken_link"));
        }
    }
    // The stream head must match the last row, or the newest rows were removed.
    let head: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT last_seq, last_hash FROM event_streams WHERE tenant_id = app_current_tenant()",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let last: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(conn)
            .await?;
    match (head, last) {
        (None, None) => {}
        (Some((hs, hh)), Some((ls, lh))) if hs == ls && hh == lh => {}
        (Some((hs, _)), _) => return Ok(bad(hs, None, "gap")),
        (None, Some((ls, _))) => return Ok(bad(ls, None, "broken_link")),
    }
    Ok(ChainVerification {
        ok: true,
        checked,
        first_bad: None,
    })
}

/// The open approval request on a subject: the latest `approval.requested` with no
/// later `approval.decided`. `Some(requester)` when one is open.
pub async fn open_approval_request(
    conn: &mut PgConnection,
    subject_type: &str,
    subject_id: Uuid,
) -> Result<Option<Option<Uuid>>, sqlx::Error> {
    let row: Option<(String, Option<Uuid>)> = sqlx::query_as(
        "SELECT kind, actor_user_id FROM events
         WHERE subject_type = $1 AND subject_id = $2
           AND kind IN ('approval.requested', 'approval.decided')
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(subject_type)
    .bind(subject_id)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some((kind, actor)) if kind == "approval.requested" => Some(actor),
        _ => None,
    })
}
