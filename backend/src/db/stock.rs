//! The stock ledger: moves, quants, lots, valuation layers, reservations and the
//! ledger check.
//!
//! [`apply_move`] is the one way stock changes. In one transaction it locks the
//! source and destination quants (in location-id order, so two moves between the
//! same places in opposite directions cannot deadlock), applies the
//! negative-stock rule, asks `domain::valuation` what the move does to the
//! product's layers, appends the ledger row and updates the quants. Two clients
//! taking the last unit serialize on the source quant's row lock: the second sees
//! the first's result and is refused when negative stock is forbidden.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use shared_types::inventory::{
    LedgerCheck, LocationKind, NegativeStockPolicy, ProductType, Quant, QuantDrift, Reservation,
    StockMove, StockValueLine, Tracking, ValuationMethod,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db;
use crate::db::products::{enum_from_text, enum_text};
use crate::domain::stock::{check_outgoing, plan_reservation, NegativeCheck, ReserveCandidate};
use crate::domain::valuation::{self, Layer};

/// Why a stock operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum StockError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("not enough stock: {short} short")]
    Insufficient {
        location_id: Uuid,
        on_hand: Decimal,
        requested: Decimal,
        short: Decimal,
    },
    #[error("serial {serial} is already in stock")]
    SerialInStock { serial: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn invalid(field: &'static str, message: impl Into<String>) -> StockError {
    StockError::Invalid {
        field,
        message: message.into(),
    }
}

/// A validated move request (quantity already in base units).
#[derive(Debug, Clone)]
pub struct MoveRequest {
    pub product_id: Uuid,
    pub qty: Decimal,
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    pub lot: Option<String>,
    pub lot_expiry: Option<NaiveDate>,
    pub unit_cost: Option<Decimal>,
    pub reason: String,
    pub reference: Option<String>,
    pub user_id: Option<Uuid>,
    pub device_id: Option<String>,
    pub client_op_id: Option<String>,
}

#[derive(sqlx::FromRow, Clone)]
struct ProductInfo {
    product_type: String,
    tracking: String,
    cost: Decimal,
    archived: bool,
    /// A variant template: its variants hold the stock.
    is_template: bool,
    /// Whether an active reorder rule watches the product (as of reading).
    reorder_rule: bool,
}

#[derive(sqlx::FromRow, Clone)]
struct LocInfo {
    id: Uuid,
    kind: String,
    archived: bool,
    /// The warehouse's own policy, if set.
    policy: Option<String>,
}

impl LocInfo {
    fn kind(&self) -> Result<LocationKind, sqlx::Error> {
        enum_from_text(&self.kind)
    }
}

/// What a run of moves in one transaction may read once instead of per move:
/// products, locations, the tenant's negative-stock policy and the valuation
/// method. A sync push applies up to 5,000 ops in one transaction, which mostly
/// touch the same few products and bins. Quants and layers are never cached:
/// they are locked and read per move.
#[derive(Default)]
pub struct MoveContext {
    products: std::collections::HashMap<Uuid, ProductInfo>,
    locations: std::collections::HashMap<Uuid, LocInfo>,
    policy: Option<NegativeStockPolicy>,
    method: Option<ValuationMethod>,
}

impl MoveContext {
    /// Reads everything a move needs besides stock — the product, both
    /// locations, the negative-stock policy and the valuation method — in one
    /// round trip, when nothing is cached yet (a single move, or the first
    /// move of a batch). Later moves of a batch only read what is missing.
    async fn prime(
        &mut self,
        conn: &mut PgConnection,
        product: Uuid,
        from: Uuid,
        to: Uuid,
    ) -> Result<(), StockError> {
        if !self.products.is_empty()
            || !self.locations.is_empty()
            || self.policy.is_some()
            || self.method.is_some()
        {
            return Ok(());
        }
        #[derive(sqlx::FromRow)]
        struct Primed {
            product_type: Option<String>,
            tracking: Option<String>,
            cost: Option<Decimal>,
            archived: Option<bool>,
            is_template: Option<bool>,
            reorder_rule: Option<bool>,
            tenant_policy: Option<String>,
            method: Option<String>,
            loc_ids: Vec<Uuid>,
            loc_kinds: Vec<String>,
            loc_archived: Vec<bool>,
            loc_policies: Vec<Option<String>>,
        }
        let r: Primed = sqlx::query_as(
            "SELECT p.product_type, p.tracking, p.cost, p.archived,
                    p.variant_attributes <> '[]'::jsonb AS is_template,
                    EXISTS (SELECT 1 FROM reorder_rules r WHERE r.active AND r.product_id = p.id)
                        AS reorder_rule,
                    (SELECT negative_stock_policy FROM inventory_settings) AS tenant_policy,
                    (SELECT method FROM valuation_methods WHERE effective_from <= $3
                      ORDER BY effective_from DESC, created_at DESC LIMIT 1) AS method,
                    l.ids AS loc_ids, l.kinds AS loc_kinds, l.archived AS loc_archived,
                    l.policies AS loc_policies
               FROM (SELECT 1) AS one
               LEFT JOIN products p ON p.id = $1
              CROSS JOIN LATERAL (
                    SELECT coalesce(array_agg(l.id), '{}') AS ids,
                           coalesce(array_agg(l.kind), '{}') AS kinds,
                           coalesce(array_agg(l.archived), '{}') AS archived,
                           coalesce(array_agg(w.negative_stock_policy), '{}') AS policies
                      FROM locations l LEFT JOIN locations w ON w.id = l.warehouse_id
                     WHERE l.id = ANY($2)) AS l",
        )
        .bind(product)
        .bind([from, to].as_slice())
        .bind(Utc::now())
        .fetch_one(&mut *conn)
        .await?;
        if let (
            Some(product_type),
            Some(tracking),
            Some(cost),
            Some(archived),
            Some(is_template),
            Some(reorder_rule),
        ) = (
            r.product_type,
            r.tracking,
            r.cost,
            r.archived,
            r.is_template,
            r.reorder_rule,
        ) {
            self.products.insert(
                product,
                ProductInfo {
                    product_type,
                    tracking,
                    cost,
                    archived,
                    is_template,
                    reorder_rule,
                },
            );
        }
        for (((id, kind), archived), policy) in r
            .loc_ids
            .into_iter()
            .zip(r.loc_kinds)
            .zip(r.loc_archived)
            .zip(r.loc_policies)
        {
            self.locations.insert(
                id,
                LocInfo {
                    id,
                    kind,
                    archived,
                    policy,
                },
            );
        }
        self.policy = Some(policy_or_default(r.tenant_policy.as_deref())?);
        self.method = Some(method_or_default(r.method.as_deref())?);
        Ok(())
    }

    async fn product(
        &mut self,
        conn: &mut PgConnection,
        id: Uuid,
    ) -> Result<ProductInfo, StockError> {
        if let Some(p) = self.products.get(&id) {
            return Ok(p.clone());
        }
        let p: ProductInfo = sqlx::query_as(
            "SELECT p.product_type, p.tracking, p.cost, p.archived,
                    p.variant_attributes <> '[]'::jsonb AS is_template,
                    EXISTS (SELECT 1 FROM reorder_rules r WHERE r.active AND r.product_id = p.id)
                        AS reorder_rule
               FROM products p WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StockError::NotFound("product"))?;
        self.products.insert(id, p.clone());
        Ok(p)
    }

    /// Both ends of a move, read in one round trip when neither is cached.
    async fn locations(
        &mut self,
        conn: &mut PgConnection,
        from: Uuid,
        to: Uuid,
    ) -> Result<(LocInfo, LocInfo), StockError> {
        let missing: Vec<Uuid> = [from, to]
            .into_iter()
            .filter(|id| !self.locations.contains_key(id))
            .collect();
        if !missing.is_empty() {
            let rows: Vec<LocInfo> = sqlx::query_as(
                "SELECT l.id, l.kind, l.archived, w.negative_stock_policy AS policy
                   FROM locations l LEFT JOIN locations w ON w.id = l.warehouse_id
                  WHERE l.id = ANY($1)",
            )
            .bind(&missing)
            .fetch_all(&mut *conn)
            .await?;
            for r in rows {
                self.locations.insert(r.id, r);
            }
        }
        let get = |id| {
            self.locations
                .get(&id)
                .cloned()
                .ok_or(StockError::NotFound("location"))
        };
        Ok((get(from)?, get(to)?))
    }

    async fn tenant_policy(
        &mut self,
        conn: &mut PgConnection,
    ) -> Result<NegativeStockPolicy, sqlx::Error> {
        if let Some(p) = self.policy {
            return Ok(p);
        }
        let p = tenant_policy(conn).await?;
        self.policy = Some(p);
        Ok(p)
    }

    /// Whether a reorder rule may watch `product`, as read with it: a move of
    /// a product without one needs no re-evaluation (unknown products: yes).
    pub fn reorder_rule(&self, product: Uuid) -> bool {
        self.products.get(&product).is_none_or(|p| p.reorder_rule)
    }

    /// The method in force when the transaction first needed it.
    async fn method(&mut self, conn: &mut PgConnection) -> Result<ValuationMethod, sqlx::Error> {
        if let Some(m) = self.method {
            return Ok(m);
        }
        let m = method_at(conn, Utc::now()).await?;
        self.method = Some(m);
        Ok(m)
    }
}

/// Whether stock at a location is owned and valued: physical locations and goods
/// in transit between them.
fn valued(kind: LocationKind) -> bool {
    kind.is_internal() || kind == LocationKind::Transit
}

/// The tenant's negative-stock policy (default: forbid).
pub async fn tenant_policy(conn: &mut PgConnection) -> Result<NegativeStockPolicy, sqlx::Error> {
    let p: Option<String> =
        sqlx::query_scalar("SELECT negative_stock_policy FROM inventory_settings")
            .fetch_optional(&mut *conn)
            .await?;
    policy_or_default(p.as_deref())
}

/// A stored negative-stock policy, or the default (forbid) when none is set.
fn policy_or_default(p: Option<&str>) -> Result<NegativeStockPolicy, sqlx::Error> {
    Ok(p.map(enum_from_text)
        .transpose()?
        .unwrap_or(NegativeStockPolicy::Forbid))
}

/// The valuation method in force at `at` (default FIFO).
pub async fn method_at(
    conn: &mut PgConnection,
    at: DateTime<Utc>,
) -> Result<ValuationMethod, sqlx::Error> {
    let m: Option<String> = sqlx::query_scalar(
        "SELECT method FROM valuation_methods WHERE effective_from <= $1
          ORDER BY effective_from DESC, created_at DESC LIMIT 1",
    )
    .bind(at)
    .fetch_optional(&mut *conn)
    .await?;
    method_or_default(m.as_deref())
}

/// A stored valuation method, or the default (FIFO) when none is set.
fn method_or_default(m: Option<&str>) -> Result<ValuationMethod, sqlx::Error> {
    Ok(m.map(enum_from_text)
        .transpose()?
        .unwrap_or(ValuationMethod::Fifo))
}

/// Finds a lot by code, creating it when `may_create` (receipts).
async fn resolve_lot(
    conn: &mut PgConnection,
    product_id: Uuid,
    code: &str,
    expiry: Option<NaiveDate>,
    may_create: bool,
) -> Result<Uuid, StockError> {
    let q = "SELECT id FROM lots WHERE product_id = $1 AND code = $2";
    if let Some(id) = sqlx::query_scalar(q)
        .bind(product_id)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(id);
    }
    if !may_create {
        return Err(invalid(
            "lot",
            format!("lot or serial '{code}' is not known for this product"),
        ));
    }
    sqlx::query(
        "INSERT INTO lots (id, product_id, code, expiry) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(Uuid::now_v7())
    .bind(product_id)
    .bind(code)
    .bind(expiry)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar(q)
        .bind(product_id)
        .bind(code)
        .fetch_one(conn)
        .await?)
}

#[derive(sqlx::FromRow)]
struct LockedQuant {
    id: Uuid,
    location_id: Uuid,
    qty: Decimal,
}

/// Ensures quants exist for (product, lot) at `locations` and locks them in
/// location-id order, then, with `layers`, locks the product's open valuation
/// layers (oldest first) as [`lock_open_layers`] does. The insert takes no lock
/// on rows that exist already, so a move never waits for another's new quant
/// while holding a lock of its own.
async fn lock_stock(
    conn: &mut PgConnection,
    product_id: Uuid,
    lot_id: Option<Uuid>,
    locations: &[Uuid],
    layers: bool,
) -> Result<(Vec<LockedQuant>, Vec<LayerRow>), sqlx::Error> {
    let mut sorted = locations.to_vec();
    sorted.sort();
    sorted.dedup();
    let select = "SELECT id, location_id, qty FROM quants
          WHERE product_id = $1 AND location_id = ANY($2) AND lot_id IS NOT DISTINCT FROM $3";
    // Usually every quant exists: lock them, and the layers after them, in one
    // round trip. The count (an init plan, run before any row is locked) makes
    // the statement lock nothing when a quant is missing, so the insert below
    // never waits while holding a lock; the layers' guard reads `q`, so the
    // quants are locked first. `seen`: the locked version of the quant is the
    // one the statement's snapshot saw (its last writer is visible to it, or is
    // this transaction). When a quant was locked only after waiting for another
    // writer (a receipt into the same bin, say), layers that writer opened are
    // invisible to this statement, so the layers are read again below.
    #[derive(sqlx::FromRow)]
    struct Locked {
        id: Uuid,
        location_id: Option<Uuid>,
        qty: Option<Decimal>,
        seen: Option<bool>,
        seq: Option<i64>,
        remaining_qty: Option<Decimal>,
        remaining_value: Option<Decimal>,
        unit_cost: Option<Decimal>,
    }
    let rows: Vec<Locked> = sqlx::query_as(
        "WITH q AS (
            SELECT id, location_id, qty,
                   pg_visible_in_snapshot(sync_xid, pg_current_snapshot())
                       OR sync_xid = pg_current_xact_id_if_assigned() AS seen
              FROM quants
             WHERE product_id = $1 AND location_id = ANY($2) AND lot_id IS NOT DISTINCT FROM $3
               AND (SELECT count(*) FROM quants
                           WHERE product_id = $1 AND location_id = ANY($2)
                             AND lot_id IS NOT DISTINCT FROM $3) = cardinality($2)
             ORDER BY location_id FOR UPDATE),
         l AS (
            SELECT id, seq, remaining_qty, remaining_value, unit_cost FROM valuation_layers
             WHERE $4 AND product_id = $1 AND remaining_qty > 0
               AND (SELECT count(*) FROM q) = cardinality($2)
             ORDER BY seq FOR UPDATE)
         SELECT id, location_id, qty, seen, NULL::bigint AS seq, NULL::numeric AS remaining_qty,
                NULL::numeric AS remaining_value, NULL::numeric AS unit_cost FROM q
         UNION ALL
         SELECT id, NULL, NULL, NULL, seq, remaining_qty, remaining_value, unit_cost FROM l",
    )
    .bind(product_id)
    .bind(&sorted)
    .bind(lot_id)
    .bind(layers)
    .fetch_all(&mut *conn)
    .await?;
    let mut held = Vec::new();
    let mut open = Vec::new();
    let mut waited = false;
    for r in rows {
        waited |= r.seen == Some(false);
        match (r.location_id, r.qty, r.seq) {
            (Some(location_id), Some(qty), _) => held.push(LockedQuant {
                id: r.id,
                location_id,
                qty,
            }),
            (_, _, Some(seq)) => open.push((
                seq,
                LayerRow {
                    id: r.id,
                    remaining_qty: r.remaining_qty.unwrap_or_default(),
                    remaining_value: r.remaining_value.unwrap_or_default(),
                    unit_cost: r.unit_cost.unwrap_or_default(),
                },
            )),
            _ => {}
        }
    }
    if held.len() == sorted.len() {
        held.sort_by_key(|q| q.location_id);
        if layers && waited {
            return Ok((held, lock_open_layers(conn, product_id).await?));
        }
        open.sort_by_key(|(seq, _)| *seq);
        return Ok((held, open.into_iter().map(|(_, l)| l).collect()));
    }
    let ids: Vec<Uuid> = sorted.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "INSERT INTO quants (id, product_id, location_id, lot_id)
         SELECT i, $2, l, $4 FROM unnest($1::uuid[], $3::uuid[]) AS t(i, l)
         ON CONFLICT DO NOTHING",
    )
    .bind(&ids)
    .bind(product_id)
    .bind(&sorted)
    .bind(lot_id)
    .execute(&mut *conn)
    .await?;
    let held = sqlx::query_as(&format!("{select} ORDER BY location_id FOR UPDATE"))
        .bind(product_id)
        .bind(&sorted)
        .bind(lot_id)
        .fetch_all(&mut *conn)
        .await?;
    let open = if layers {
        lock_open_layers(conn, product_id).await?
    } else {
        Vec::new()
    };
    Ok((held, open))
}

#[derive(sqlx::FromRow)]
struct LayerRow {
    id: Uuid,
    remaining_qty: Decimal,
    remaining_value: Decimal,
    unit_cost: Decimal,
}

async fn lock_open_layers(
    conn: &mut PgConnection,
    product_id: Uuid,
) -> Result<Vec<LayerRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, remaining_qty, remaining_value, unit_cost FROM valuation_layers
          WHERE product_id = $1 AND remaining_qty > 0 ORDER BY seq FOR UPDATE",
    )
    .bind(product_id)
    .fetch_all(conn)
    .await
}

/// Writes a WAC re-averaging of the open layers, with its history.
async fn write_revaluation(
    conn: &mut PgConnection,
    layers: &mut [LayerRow],
    move_id: Uuid,
) -> Result<(), sqlx::Error> {
    let plain: Vec<Layer> = layers
        .iter()
        .map(|l| Layer {
            remaining_qty: l.remaining_qty,
            remaining_value: l.remaining_value,
        })
        .collect();
    let Some(values) = valuation::wac_revaluation(&plain) else {
        return Ok(());
    };
    let mut takes = Vec::new();
    for (l, v) in layers.iter_mut().zip(values) {
        if v == l.remaining_value {
            continue;
        }
        takes.push((l.id, Decimal::ZERO, l.remaining_value - v));
        l.remaining_value = v;
    }
    consume(conn, move_id, &takes).await
}

/// Binds a [`TakeColumns`] as the next four parameters.
macro_rules! bind_takes {
    ($query:expr, $t:expr) => {
        $query
            .bind(&$t.ids)
            .bind(&$t.layers)
            .bind(&$t.qtys)
            .bind(&$t.values)
    };
}

/// Takes `(layer, qty, value)` from valuation layers for a move and records
/// each take as a consumption, in one statement.
async fn consume(
    conn: &mut PgConnection,
    move_id: Uuid,
    takes: &[(Uuid, Decimal, Decimal)],
) -> Result<(), sqlx::Error> {
    if takes.is_empty() {
        return Ok(());
    }
    let q = format!("WITH {} SELECT 1", take_ctes(1, 5));
    let t = TakeColumns::of(takes);
    bind_takes!(sqlx::query(&q), t)
        .bind(move_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The CTEs of [`consume`]: the takes bound by [`bind_takes`] as
/// `$first`–`$first+3` and the move's id as `$move_param`.
fn take_ctes(first: usize, move_param: usize) -> String {
    let (ids, layers, qtys, values) = (first, first + 1, first + 2, first + 3);
    // `v.id = ANY(..)` makes the layers' primary key usable whatever the
    // statistics: without it a fresh database's generic plan hash-joined the
    // takes against a sequential scan of every layer of the tenant.
    format!(
        "t AS (
            SELECT * FROM unnest(${ids}::uuid[], ${layers}::uuid[], ${qtys}::numeric[], ${values}::numeric[])
                AS t(id, layer_id, qty, value)),
         u AS (
            UPDATE valuation_layers v SET remaining_qty = v.remaining_qty - t.qty,
                   remaining_value = v.remaining_value - t.value
              FROM t WHERE v.id = t.layer_id AND v.id = ANY(${layers})),
         c AS (
            INSERT INTO valuation_consumptions (id, layer_id, move_id, qty, value)
            SELECT t.id, t.layer_id, ${move_param}, t.qty, t.value FROM t)"
    )
}

/// Takes as the four arrays of [`take_ctes`], each take with a new
/// consumption id.
struct TakeColumns {
    ids: Vec<Uuid>,
    layers: Vec<Uuid>,
    qtys: Vec<Decimal>,
    values: Vec<Decimal>,
}

impl TakeColumns {
    fn of(takes: &[(Uuid, Decimal, Decimal)]) -> Self {
        Self {
            ids: takes.iter().map(|_| Uuid::now_v7()).collect(),
            layers: takes.iter().map(|t| t.0).collect(),
            qtys: takes.iter().map(|t| t.1).collect(),
            values: takes.iter().map(|t| t.2).collect(),
        }
    }
}

const MOVE_COLUMNS: &str = "m.id, m.seq, m.product_id, m.qty, m.from_location_id, m.to_location_id,
    m.lot_id, l.code AS lot_code, m.unit_cost, m.value, m.valuation_method, m.reason, m.reference,
    m.user_id, m.device_id, m.client_op_id, m.created_at";

#[derive(sqlx::FromRow)]
struct MoveRow {
    id: Uuid,
    seq: i64,
    product_id: Uuid,
    qty: Decimal,
    from_location_id: Uuid,
    to_location_id: Uuid,
    lot_id: Option<Uuid>,
    lot_code: Option<String>,
    unit_cost: Option<Decimal>,
    value: Decimal,
    valuation_method: Option<String>,
    reason: String,
    reference: Option<String>,
    user_id: Option<Uuid>,
    device_id: Option<String>,
    client_op_id: Option<String>,
    created_at: DateTime<Utc>,
}

impl MoveRow {
    fn into_move(self, negative_stock_alert: bool) -> Result<StockMove, sqlx::Error> {
        Ok(StockMove {
            id: self.id,
            seq: self.seq,
            product_id: self.product_id,
            qty: self.qty,
            from_location_id: self.from_location_id,
            to_location_id: self.to_location_id,
            lot_id: self.lot_id,
            lot_code: self.lot_code,
            unit_cost: self.unit_cost,
            value: self.value,
            valuation_method: self
                .valuation_method
                .as_deref()
                .map(enum_from_text)
                .transpose()?,
            reason: self.reason,
            reference: self.reference,
            user_id: self.user_id,
            device_id: self.device_id,
            client_op_id: self.client_op_id,
            negative_stock_alert,
            created_at: self.created_at,
        })
    }
}

/// Applies one stock move with its `stock.moved` event; see the module docs
/// for the locking order.
pub async fn apply_move(
    conn: &mut PgConnection,
    req: &MoveRequest,
) -> Result<StockMove, StockError> {
    apply_move_in(conn, req, &mut MoveContext::default()).await
}

/// [`apply_move`] with reads shared by the moves of one transaction (see
/// [`MoveContext`]).
#[tracing::instrument(skip(conn, req, cx), fields(product_id = %req.product_id, qty = %req.qty))]
pub async fn apply_move_in(
    conn: &mut PgConnection,
    req: &MoveRequest,
    cx: &mut MoveContext,
) -> Result<StockMove, StockError> {
    cx.prime(
        conn,
        req.product_id,
        req.from_location_id,
        req.to_location_id,
    )
    .await?;
    let product = cx.product(conn, req.product_id).await?;
    let product_type: ProductType = enum_from_text(&product.product_type)?;
    let tracking: Tracking = enum_from_text(&product.tracking)?;
    if product_type == ProductType::Service {
        return Err(invalid("product_id", "services are not kept in stock"));
    }
    if product.archived {
        return Err(invalid("product_id", "the product is archived"));
    }
    if product.is_template {
        return Err(invalid(
            "product_id",
            "a variant template holds no stock; move one of its variants",
        ));
    }
    if req.from_location_id == req.to_location_id {
        return Err(invalid(
            "to_location_id",
            "source and destination are the same location",
        ));
    }
    let (from, to) = cx
        .locations(conn, req.from_location_id, req.to_location_id)
        .await?;
    if to.archived {
        return Err(invalid("to_location_id", "the destination is archived"));
    }
    let (from_kind, to_kind) = (from.kind()?, to.kind()?);
    let incoming = !valued(from_kind) && valued(to_kind);
    let outgoing = valued(from_kind) && !valued(to_kind);

    let lot_id = match (tracking, req.lot.as_deref()) {
        (Tracking::None, None) => None,
        (Tracking::None, Some(_)) => {
            return Err(invalid(
                "lot",
                "this product is not tracked by lot or serial",
            ))
        }
        (_, None) => return Err(invalid("lot", "this product needs a lot or serial number")),
        (t, Some(code)) => {
            if t == Tracking::Serial && req.qty != Decimal::ONE {
                return Err(invalid("qty", "a serial-numbered item moves one at a time"));
            }
            Some(
                resolve_lot(
                    conn,
                    req.product_id,
                    code,
                    req.lot_expiry,
                    !from_kind.is_internal(),
                )
                .await?,
            )
        }
    };

    // Suppliers, customers and the loss account have no quants: they are the
    // other side of the books, and keeping one would make every receipt of a
    // product wait for every other on a single hot row.
    let held: Vec<Uuid> = [(&from, from_kind), (&to, to_kind)]
        .into_iter()
        .filter(|(_, k)| valued(*k))
        .map(|(l, _)| l.id)
        .collect();
    let is_valued = product_type == ProductType::Stocked && (incoming || outgoing);
    let (quants, open_layers) =
        lock_stock(conn, req.product_id, lot_id, &held, is_valued && !incoming).await?;
    let quant_at = |loc: Uuid| quants.iter().find(|q| q.location_id == loc);
    let from_quant = quant_at(from.id);
    let to_quant = quant_at(to.id);

    let mut alert = false;
    if let (true, Some(from_quant)) = (valued(from_kind), from_quant) {
        let policy = match from.policy.as_deref() {
            Some(p) => enum_from_text(p)?,
            None => cx.tenant_policy(conn).await?,
        };
        match check_outgoing(from_quant.qty, req.qty, policy) {
            Ok(NegativeCheck::Fine) => {}
            Ok(NegativeCheck::Alert) => alert = true,
            Err(short) => {
                return Err(StockError::Insufficient {
                    location_id: from.id,
                    on_hand: from_quant.qty,
                    requested: req.qty,
                    short,
                })
            }
        }
    }
    if tracking == Tracking::Serial && to_kind.is_internal() && !from_kind.is_internal() {
        // A serial received again while still on a shelf is a duplicate, not a second unit.
        let on_hand: Option<Decimal> = sqlx::query_scalar(
            "SELECT sum(q.qty) FROM quants q JOIN locations l ON l.id = q.location_id
              WHERE q.product_id = $1 AND q.lot_id = $2 AND l.kind IN ('warehouse', 'zone', 'bin')",
        )
        .bind(req.product_id)
        .bind(lot_id)
        .fetch_one(&mut *conn)
        .await?;
        if on_hand.unwrap_or_default() > Decimal::ZERO {
            return Err(StockError::SerialInStock {
                serial: req.lot.clone().unwrap_or_default(),
            });
        }
    }

    let move_id = Uuid::now_v7();
    let method = if is_valued {
        Some(cx.method(conn).await?)
    } else {
        None
    };
    // Locked above for a valued issue only (empty otherwise).
    let mut layers = open_layers;
    let (unit_cost, value, plan) = if !is_valued {
        (None, Decimal::ZERO, None)
    } else if incoming {
        let c = req.unit_cost.unwrap_or(product.cost);
        (Some(c), valuation::round(req.qty * c), None)
    } else {
        if method == Some(ValuationMethod::Wac) {
            revalue_in_memory(&mut layers);
        }
        let plain: Vec<Layer> = layers
            .iter()
            .map(|l| Layer {
                remaining_qty: l.remaining_qty,
                remaining_value: l.remaining_value,
            })
            .collect();
        let fallback = layers.last().map_or(product.cost, |l| l.unit_cost);
        let plan = valuation::plan_issue(
            &plain,
            req.qty,
            method.unwrap_or(ValuationMethod::Fifo),
            fallback,
        );
        let unit = valuation::round(plan.cost_of_goods / req.qty);
        (Some(unit), plan.cost_of_goods, Some(plan))
    };

    // The quants (locked above), the layers a FIFO/LIFO issue takes from and
    // the layer a receipt opens change in the same statement as the ledger row.
    // WAC re-averages the open layers first, so its takes follow the statement.
    let (quant_ids, deltas): (Vec<Uuid>, Vec<Decimal>) =
        [(from_quant, -req.qty), (to_quant, req.qty)]
            .into_iter()
            .filter_map(|(q, delta)| q.map(|q| (q.id, delta)))
            .unzip();
    let wac = method == Some(ValuationMethod::Wac);
    let takes: Vec<(Uuid, Decimal, Decimal)> = plan
        .as_ref()
        .map(|p| {
            p.takes
                .iter()
                .map(|t| (layers[t.layer].id, t.qty, t.value))
                .collect()
        })
        .unwrap_or_default();
    let (takes_now, takes_after) = if wac {
        (Vec::new(), takes)
    } else {
        (takes, Vec::new())
    };
    let new_layer = (incoming && is_valued).then(Uuid::now_v7);
    let take_now = TakeColumns::of(&takes_now);
    let row: MoveRow = bind_takes!(
        sqlx::query_as(&format!(
            "WITH m AS (
                INSERT INTO stock_moves (id, product_id, qty, from_location_id, to_location_id, lot_id,
                    unit_cost, value, valuation_method, reason, reference, user_id, device_id, client_op_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *),
             q AS (
                UPDATE quants q SET qty = q.qty + d.delta, updated_at = now()
                  FROM unnest($15::uuid[], $16::numeric[]) AS d(id, delta)
                 WHERE q.id = d.id AND q.id = ANY($15)),
             n AS (
                INSERT INTO valuation_layers (id, product_id, move_id, qty, unit_cost, value,
                    remaining_qty, remaining_value)
                SELECT $17, $2, $1, $3, coalesce($7, 0), $8, $3, $8 WHERE $17::uuid IS NOT NULL),
             {},
             e AS (
                INSERT INTO event_pending (id, kind, actor_user_id, request_id, subject_type,
                    subject_id, data)
                SELECT $22, 'stock.moved', m.user_id, $23, 'stock_move', m.id,
                       jsonb_build_object('product_id', m.product_id, 'qty', m.qty::text,
                           'lot', l.code, 'from_location_id', m.from_location_id,
                           'to_location_id', m.to_location_id, 'value', m.value::text,
                           'reason', m.reason, 'reference', m.reference,
                           'negative_stock_alert', $24::boolean)
                  FROM m LEFT JOIN lots l ON l.id = m.lot_id)
             SELECT {MOVE_COLUMNS} FROM m LEFT JOIN lots l ON l.id = m.lot_id",
            take_ctes(18, 1)
        ))
        .bind(move_id)
        .bind(req.product_id)
        .bind(req.qty)
        .bind(from.id)
        .bind(to.id)
        .bind(lot_id)
        .bind(unit_cost)
        .bind(value)
        .bind(method.as_ref().map(enum_text))
        .bind(&req.reason)
        .bind(&req.reference)
        .bind(req.user_id)
        .bind(&req.device_id)
        .bind(&req.client_op_id)
        .bind(&quant_ids)
        .bind(&deltas)
        .bind(new_layer),
        take_now
    )
    .bind(Uuid::now_v7())
    .bind(crate::http::request_id::current())
    .bind(alert)
    .fetch_one(&mut *conn)
    .await?;
    // The event is written with the move, so it exists exactly when the move
    // does; it is chained after the commit (see `db::events::append_pending`).
    crate::live::note_unsealed();

    if wac && plan.is_some() {
        // Persist the re-averaging computed above before taking from the layers.
        let mut fresh = lock_open_layers(conn, req.product_id).await?;
        write_revaluation(conn, &mut fresh, move_id).await?;
        consume(conn, move_id, &takes_after).await?;
    } else if wac && new_layer.is_some() {
        let mut open = lock_open_layers(conn, req.product_id).await?;
        write_revaluation(conn, &mut open, move_id).await?;
    }

    row.into_move(alert).map_err(Into::into)
}

/// Applies the WAC re-averaging to the in-memory copy so the issue plan is made
/// against the values that [`write_revaluation`] will store.
fn revalue_in_memory(layers: &mut [LayerRow]) {
    let plain: Vec<Layer> = layers
        .iter()
        .map(|l| Layer {
            remaining_qty: l.remaining_qty,
            remaining_value: l.remaining_value,
        })
        .collect();
    if let Some(values) = valuation::wac_revaluation(&plain) {
        for (l, v) in layers.iter_mut().zip(values) {
            l.remaining_value = v;
        }
    }
}

pub async fn list_moves(
    conn: &mut PgConnection,
    product_id: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<StockMove>, i64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM stock_moves WHERE ($1::uuid IS NULL OR product_id = $1)",
    )
    .bind(product_id)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<MoveRow> = sqlx::query_as(&format!(
        "SELECT {MOVE_COLUMNS} FROM stock_moves m LEFT JOIN lots l ON l.id = m.lot_id
          WHERE ($1::uuid IS NULL OR m.product_id = $1) ORDER BY m.seq DESC LIMIT $2 OFFSET $3"
    ))
    .bind(product_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| r.into_move(false))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

pub async fn get_move(conn: &mut PgConnection, id: Uuid) -> Result<Option<StockMove>, sqlx::Error> {
    let row: Option<MoveRow> = sqlx::query_as(&format!(
        "SELECT {MOVE_COLUMNS} FROM stock_moves m LEFT JOIN lots l ON l.id = m.lot_id WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.into_move(false)).transpose()
}

#[derive(sqlx::FromRow)]
struct QuantRow {
    product_id: Uuid,
    location_id: Uuid,
    location_path: String,
    lot_id: Option<Uuid>,
    lot_code: Option<String>,
    lot_expiry: Option<NaiveDate>,
    qty: Decimal,
    reserved: Decimal,
}

/// Non-zero quants at physical locations (and in transit), in walking order.
pub async fn list_quants(
    conn: &mut PgConnection,
    product_id: Option<Uuid>,
    location_id: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Quant>, i64), sqlx::Error> {
    let filter = "($1::uuid IS NULL OR q.product_id = $1)
        AND ($2::uuid IS NULL OR q.location_id = $2 OR loc.warehouse_id = $2)
        AND loc.kind IN ('warehouse', 'zone', 'bin', 'transit')
        AND (q.qty <> 0 OR q.reserved <> 0)";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM quants q JOIN locations loc ON loc.id = q.location_id WHERE {filter}"
    ))
    .bind(product_id)
    .bind(location_id)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<QuantRow> = sqlx::query_as(&format!(
        "SELECT q.product_id, q.location_id, loc.path AS location_path, q.lot_id, l.code AS lot_code,
                l.expiry AS lot_expiry, q.qty, q.reserved
           FROM quants q JOIN locations loc ON loc.id = q.location_id
           LEFT JOIN lots l ON l.id = q.lot_id
          WHERE {filter}
          ORDER BY q.product_id, loc.path COLLATE \"C\", l.code NULLS FIRST LIMIT $3 OFFSET $4"
    ))
    .bind(product_id)
    .bind(location_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok((
        rows.into_iter()
            .map(|r| Quant {
                product_id: r.product_id,
                location_id: r.location_id,
                location_path: r.location_path,
                lot_id: r.lot_id,
                lot_code: r.lot_code,
                lot_expiry: r.lot_expiry,
                available: r.qty - r.reserved,
                qty: r.qty,
                reserved: r.reserved,
            })
            .collect(),
        total,
    ))
}

/// Compares every quant with the ledger's sum over the locations that hold
/// stock (physical ones and transit) and optionally rebuilds the
/// quants from the ledger (the ledger is the truth).
pub async fn check_ledger(
    conn: &mut PgConnection,
    rebuild: bool,
) -> Result<LedgerCheck, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct DriftRow {
        product_id: Uuid,
        location_id: Uuid,
        lot_id: Option<Uuid>,
        stored: Option<Decimal>,
        ledger: Option<Decimal>,
    }
    const LEDGER: &str = "WITH ledger AS (
            SELECT product_id, location_id, lot_id, sum(delta) AS qty FROM (
                SELECT product_id, to_location_id AS location_id, lot_id, qty AS delta FROM stock_moves
                UNION ALL
                SELECT product_id, from_location_id, lot_id, -qty FROM stock_moves) d
            WHERE location_id IN (SELECT id FROM locations
                                  WHERE kind IN ('warehouse', 'zone', 'bin', 'transit'))
            GROUP BY product_id, location_id, lot_id)";
    let drift: Vec<DriftRow> = sqlx::query_as(&format!(
        "{LEDGER}
         SELECT coalesce(q.product_id, g.product_id) AS product_id,
                coalesce(q.location_id, g.location_id) AS location_id,
                coalesce(q.lot_id, g.lot_id) AS lot_id, q.qty AS stored, g.qty AS ledger
           FROM quants q FULL JOIN ledger g
             ON g.product_id = q.product_id AND g.location_id = q.location_id
            AND g.lot_id IS NOT DISTINCT FROM q.lot_id
          WHERE coalesce(q.qty, 0) <> coalesce(g.qty, 0)"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let moves: i64 = sqlx::query_scalar("SELECT count(*) FROM stock_moves")
        .fetch_one(&mut *conn)
        .await?;
    let quants_checked: i64 = sqlx::query_scalar("SELECT count(*) FROM quants")
        .fetch_one(&mut *conn)
        .await?;
    let mut rebuilt = false;
    if rebuild && !drift.is_empty() {
        for d in &drift {
            sqlx::query(
                "INSERT INTO quants (id, product_id, location_id, lot_id, qty) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (tenant_id, product_id, location_id, lot_id)
                 DO UPDATE SET qty = EXCLUDED.qty, updated_at = now()",
            )
            .bind(Uuid::now_v7())
            .bind(d.product_id)
            .bind(d.location_id)
            .bind(d.lot_id)
            .bind(d.ledger.unwrap_or_default())
            .execute(&mut *conn)
            .await?;
        }
        rebuilt = true;
    }
    Ok(LedgerCheck {
        moves,
        quants_checked,
        drift: drift
            .into_iter()
            .map(|d| QuantDrift {
                product_id: d.product_id,
                location_id: d.location_id,
                lot_id: d.lot_id,
                stored: d.stored.unwrap_or_default(),
                ledger: d.ledger.unwrap_or_default(),
            })
            .collect(),
        rebuilt,
    })
}

/// Stock value per product and warehouse as of `as_of`. A product's value is
/// Σ its layers' values at that time (layers created minus what moves up to
/// then took out); it is spread over warehouses by their share of the
/// quantity, because layers are kept per product, not per place.
pub async fn value_report(
    conn: &mut PgConnection,
    as_of: DateTime<Utc>,
    warehouse_id: Option<Uuid>,
) -> Result<Vec<StockValueLine>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        product_id: Uuid,
        sku: String,
        warehouse_id: Option<Uuid>,
        qty: Decimal,
        product_qty: Decimal,
        product_value: Decimal,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "WITH placed AS (
            SELECT d.product_id, loc.warehouse_id, sum(d.delta) AS qty FROM (
                SELECT product_id, to_location_id AS loc, qty AS delta FROM stock_moves WHERE created_at <= $1
                UNION ALL
                SELECT product_id, from_location_id, -qty FROM stock_moves WHERE created_at <= $1) d
            JOIN locations loc ON loc.id = d.loc
            WHERE loc.kind IN ('warehouse', 'zone', 'bin', 'transit')
            GROUP BY d.product_id, loc.warehouse_id),
         value AS (
            SELECT l.product_id,
                   sum(l.value) - coalesce(sum((SELECT sum(c.value) FROM valuation_consumptions c
                        WHERE c.layer_id = l.id AND c.created_at <= $1)), 0) AS value
              FROM valuation_layers l WHERE l.created_at <= $1 GROUP BY l.product_id),
         totals AS (SELECT product_id, sum(qty) AS qty FROM placed GROUP BY product_id)
         SELECT p.product_id, pr.sku, p.warehouse_id, p.qty, t.qty AS product_qty,
                coalesce(v.value, 0) AS product_value
           FROM placed p JOIN totals t USING (product_id) JOIN products pr ON pr.id = p.product_id
           LEFT JOIN value v USING (product_id)
          WHERE p.qty <> 0 AND ($2::uuid IS NULL OR p.warehouse_id = $2)
          ORDER BY pr.sku, p.warehouse_id NULLS LAST",
    )
    .bind(as_of)
    .bind(warehouse_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| StockValueLine {
            product_id: r.product_id,
            sku: r.sku,
            warehouse_id: r.warehouse_id,
            value: if r.product_qty == Decimal::ZERO {
                Decimal::ZERO
            } else {
                valuation::round(r.product_value * r.qty / r.product_qty)
            },
            qty: r.qty,
        })
        .collect())
}

/// A validated reservation request.
#[derive(Debug, Clone)]
pub struct ReserveRequest {
    pub product_id: Uuid,
    pub qty: Decimal,
    pub reference: String,
    pub location_id: Option<Uuid>,
    pub lot_id: Option<Uuid>,
    pub warehouse_id: Option<Uuid>,
}

/// Reserves `qty` of a product for `reference`: at the given location/lot, or
/// automatically FEFO then FIFO over physical locations (optionally one warehouse).
pub async fn reserve(
    conn: &mut PgConnection,
    r: &ReserveRequest,
    user_id: Uuid,
) -> Result<Vec<Reservation>, StockError> {
    let ReserveRequest {
        product_id,
        qty,
        ref reference,
        location_id,
        lot_id,
        warehouse_id,
    } = *r;
    #[derive(sqlx::FromRow)]
    struct Cand {
        id: Uuid,
        location_id: Uuid,
        lot_id: Option<Uuid>,
        available: Decimal,
        expiry: Option<NaiveDate>,
        lot_seq: i64,
        path: String,
    }
    if !db::products::exists(&mut *conn, product_id).await? {
        return Err(StockError::NotFound("product"));
    }
    // Locks every candidate quant in id order before choosing, so concurrent
    // reservations see each other's results.
    let cands: Vec<Cand> = sqlx::query_as(
        "SELECT q.id, q.location_id, q.lot_id, q.qty - q.reserved AS available, l.expiry,
                coalesce(extract(epoch FROM l.created_at)::bigint, 0) AS lot_seq, loc.path
           FROM quants q JOIN locations loc ON loc.id = q.location_id
           LEFT JOIN lots l ON l.id = q.lot_id
          WHERE q.product_id = $1 AND loc.kind IN ('warehouse', 'zone', 'bin')
            AND ($2::uuid IS NULL OR q.location_id = $2)
            AND ($3::uuid IS NULL OR q.lot_id = $3)
            AND ($4::uuid IS NULL OR loc.warehouse_id = $4)
          ORDER BY q.id FOR UPDATE OF q",
    )
    .bind(product_id)
    .bind(location_id)
    .bind(lot_id)
    .bind(warehouse_id)
    .fetch_all(&mut *conn)
    .await?;
    let plan_input: Vec<ReserveCandidate> = cands
        .iter()
        .map(|c| ReserveCandidate {
            available: c.available.max(Decimal::ZERO),
            expiry: c.expiry,
            received_seq: c.lot_seq,
            path: c.path.clone(),
        })
        .collect();
    let Some(plan) = plan_reservation(&plan_input, qty) else {
        let available: Decimal = plan_input.iter().map(|c| c.available).sum();
        return Err(StockError::Insufficient {
            location_id: location_id.unwrap_or_default(),
            on_hand: available,
            requested: qty,
            short: qty - available,
        });
    };
    let mut out = Vec::new();
    for (i, take) in plan {
        let c = &cands[i];
        sqlx::query("UPDATE quants SET reserved = reserved + $2, updated_at = now() WHERE id = $1")
            .bind(c.id)
            .bind(take)
            .execute(&mut *conn)
            .await?;
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO stock_reservations (id, product_id, location_id, lot_id, qty, reference, created_by_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(product_id)
        .bind(c.location_id)
        .bind(c.lot_id)
        .bind(take)
        .bind(reference)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
        out.push(Reservation {
            id,
            product_id,
            location_id: c.location_id,
            lot_id: c.lot_id,
            qty: take,
            reference: reference.to_owned(),
            released: false,
        });
    }
    Ok(out)
}

/// Releases a reservation (once); returns it, or `None` if unknown.
pub async fn release(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Reservation>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        product_id: Uuid,
        location_id: Uuid,
        lot_id: Option<Uuid>,
        qty: Decimal,
        reference: String,
        was_open: bool,
    }
    let row: Option<Row> = sqlx::query_as(
        "WITH old AS (SELECT id, released_at IS NULL AS was_open FROM stock_reservations WHERE id = $1 FOR UPDATE)
         UPDATE stock_reservations r SET released_at = coalesce(r.released_at, now())
           FROM old WHERE r.id = old.id
         RETURNING r.id, r.product_id, r.location_id, r.lot_id, r.qty, r.reference, old.was_open",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    if r.was_open {
        sqlx::query(
            "UPDATE quants SET reserved = greatest(reserved - $4, 0), updated_at = now()
              WHERE product_id = $1 AND location_id = $2 AND lot_id IS NOT DISTINCT FROM $3",
        )
        .bind(r.product_id)
        .bind(r.location_id)
        .bind(r.lot_id)
        .bind(r.qty)
        .execute(conn)
        .await?;
    }
    Ok(Some(Reservation {
        id: r.id,
        product_id: r.product_id,
        location_id: r.location_id,
        lot_id: r.lot_id,
        qty: r.qty,
        reference: r.reference,
        released: true,
    }))
}
