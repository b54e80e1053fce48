//! The location tree (warehouse → zone → bin) and the per-tenant virtual locations.

use shared_types::inventory::{Location, LocationKind, NegativeStockPolicy};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::products::{enum_from_text, enum_text};
use crate::http::extract::Paging;

#[derive(sqlx::FromRow)]
struct LocationRow {
    id: Uuid,
    parent_id: Option<Uuid>,
    warehouse_id: Option<Uuid>,
    kind: String,
    code: String,
    name: String,
    path: String,
    barcode: Option<String>,
    negative_stock_policy: Option<String>,
    archived: bool,
}

const COLUMNS: &str =
    "id, parent_id, warehouse_id, kind, code, name, path, barcode, negative_stock_policy, archived";

impl TryFrom<LocationRow> for Location {
    type Error = sqlx::Error;
    fn try_from(r: LocationRow) -> Result<Self, sqlx::Error> {
        Ok(Location {
            id: r.id,
            parent_id: r.parent_id,
            warehouse_id: r.warehouse_id,
            kind: enum_from_text(&r.kind)?,
            code: r.code,
            name: r.name,
            path: r.path,
            barcode: r.barcode,
            negative_stock_policy: r
                .negative_stock_policy
                .as_deref()
                .map(enum_from_text)
                .transpose()?,
            archived: r.archived,
        })
    }
}

/// The virtual locations every tenant has, with their fixed codes.
pub const VIRTUAL: [(LocationKind, &str, &str); 4] = [
    (LocationKind::Supplier, "@supplier", "Suppliers"),
    (LocationKind::Customer, "@customer", "Customers"),
    (
        LocationKind::InventoryLoss,
        "@loss",
        "Inventory loss and adjustments",
    ),
    (
        LocationKind::Transit,
        "@transit",
        "In transit between warehouses",
    ),
];

/// Creates the tenant's virtual locations if missing (idempotent and safe under
/// concurrency thanks to the partial unique index on (tenant, kind)).
pub async fn ensure_virtual(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    for (kind, code, name) in VIRTUAL {
        sqlx::query(
            "INSERT INTO locations (id, kind, code, name, path) VALUES ($1, $2, $3, $4, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(enum_text(&kind))
        .bind(code)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The id of a virtual location, creating the set on first use.
pub async fn virtual_id(conn: &mut PgConnection, kind: LocationKind) -> Result<Uuid, sqlx::Error> {
    let q = "SELECT id FROM locations WHERE kind = $1";
    if let Some(id) = sqlx::query_scalar(q)
        .bind(enum_text(&kind))
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(id);
    }
    ensure_virtual(conn).await?;
    sqlx::query_scalar(q)
        .bind(enum_text(&kind))
        .fetch_one(conn)
        .await
}

pub struct NewLocation<'a> {
    pub kind: LocationKind,
    pub parent: Option<&'a Location>,
    pub code: &'a str,
    pub name: &'a str,
    pub barcode: Option<&'a str>,
    pub negative_stock_policy: Option<NegativeStockPolicy>,
}

pub async fn insert(conn: &mut PgConnection, l: NewLocation<'_>) -> Result<Location, sqlx::Error> {
    let id = Uuid::now_v7();
    let (path, warehouse_id) = match l.parent {
        Some(p) => (format!("{}/{}", p.path, l.code), p.warehouse_id),
        // A warehouse is its own warehouse, so grouping by warehouse_id covers it too.
        None => (l.code.to_owned(), Some(id)),
    };
    let row: LocationRow = sqlx::query_as(&format!(
        "INSERT INTO locations (id, parent_id, warehouse_id, kind, code, name, path, barcode,
            negative_stock_policy)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(l.parent.map(|p| p.id))
    .bind(warehouse_id)
    .bind(enum_text(&l.kind))
    .bind(l.code)
    .bind(l.name)
    .bind(&path)
    .bind(l.barcode)
    .bind(l.negative_stock_policy.as_ref().map(enum_text))
    .fetch_one(conn)
    .await?;
    row.try_into()
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Location>, sqlx::Error> {
    let row: Option<LocationRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM locations WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(TryInto::try_into).transpose()
}

pub async fn by_barcode(
    conn: &mut PgConnection,
    code: &str,
) -> Result<Option<Location>, sqlx::Error> {
    let row: Option<LocationRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM locations WHERE barcode = $1"
    ))
    .bind(code)
    .fetch_optional(conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}

/// Lists locations in walking order (by path); virtual ones first (`@` sorts before letters).
pub async fn list(
    conn: &mut PgConnection,
    warehouse_id: Option<Uuid>,
    paging: Paging,
) -> Result<(Vec<Location>, i64), sqlx::Error> {
    ensure_virtual(conn).await?;
    let filter = "($1::uuid IS NULL OR warehouse_id = $1)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM locations WHERE {filter}"))
        .bind(warehouse_id)
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<LocationRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM locations WHERE {filter} ORDER BY path COLLATE \"C\", id LIMIT $2 OFFSET $3"
    ))
    .bind(warehouse_id)
    .bind(paging.limit)
    .bind(paging.offset)
    .fetch_all(conn)
    .await?;
    let items = rows
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

pub struct LocationChanges {
    pub name: Option<String>,
    pub barcode: Option<String>,
    pub negative_stock_policy: Option<NegativeStockPolicy>,
    pub archived: Option<bool>,
}

pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    c: &LocationChanges,
) -> Result<Option<Location>, sqlx::Error> {
    let row: Option<LocationRow> = sqlx::query_as(&format!(
        "UPDATE locations SET
            name = COALESCE($2, name),
            barcode = COALESCE($3, barcode),
            negative_stock_policy = COALESCE($4, negative_stock_policy),
            archived = COALESCE($5, archived)
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(&c.name)
    .bind(&c.barcode)
    .bind(c.negative_stock_policy.as_ref().map(enum_text))
    .bind(c.archived)
    .fetch_optional(conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}
